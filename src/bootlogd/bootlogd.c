/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlogd: records every process event into a journal file until told to
 * stop. Runs in the foreground; tells systemd it is ready (sd_notify) once it
 * is subscribed and the snapshot of running processes is written, so nothing
 * started after it is missed.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "format.h"
#include "log.h"
#include "recorder.h"

#define EXIT_USAGE 2
/* Distinct status for "this kernel or context cannot deliver process events", so units can tell. */
#define EXIT_NO_CONNECTOR  3
#define DEFAULT_OUTPUT_DIR "/run/bootlog"

static char *arg_output;
static bool arg_force;
static uint64_t arg_flush_interval_ns;
static size_t arg_block_size;
static int arg_rcvbuf;
static bool arg_no_snapshot;
static bool arg_sync = true;

struct context {
        sd_event *event;
        struct bl_recorder *recorder;
};

static void help(void)
{
        printf("Usage: bootlogd [OPTIONS]\n"
               "\n"
               "Record every process event (fork, exec, exit, ...) with the arguments\n"
               "of each exec into a journal file, until SIGTERM or SIGINT.\n"
               "\n"
               "Options:\n"
               "  -o, --output=PATH             journal file to create\n"
               "                                (default: " DEFAULT_OUTPUT_DIR "/BOOT_ID.bootlog)\n"
               "      --force                   replace PATH if it exists\n"
               "      --flush-interval=SECONDS  write a block at least this often (default: 1)\n"
               "      --block-size=BYTES        write a block when it holds this much (default: 65536)\n"
               "      --receive-buffer=BYTES    netlink receive buffer (default: 33554432)\n"
               "      --no-snapshot             do not record the processes already running\n"
               "      --no-sync                 do not fdatasync() each block\n"
               "  -h, --help                    show this help\n"
               "      --version                 show the version\n"
               "\n"
               "Exit status: 0 stopped cleanly, 1 error, 2 usage error,\n"
               "3 process events unavailable (no proc connector, or not permitted).\n");
}

static int parse_size(const char *s, unsigned long min, unsigned long max, unsigned long *ret)
{
        unsigned long v;
        char *end;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum {
                ARG_FORCE = 0x100,
                ARG_FLUSH,
                ARG_BLOCK,
                ARG_RCVBUF,
                ARG_NO_SNAPSHOT,
                ARG_NO_SYNC,
                ARG_VERSION
        };
        static const struct option options[] = {
                { "output", required_argument, NULL, 'o' },
                { "force", no_argument, NULL, ARG_FORCE },
                { "flush-interval", required_argument, NULL, ARG_FLUSH },
                { "block-size", required_argument, NULL, ARG_BLOCK },
                { "receive-buffer", required_argument, NULL, ARG_RCVBUF },
                { "no-snapshot", no_argument, NULL, ARG_NO_SNAPSHOT },
                { "no-sync", no_argument, NULL, ARG_NO_SYNC },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        unsigned long v;
        char *end;
        double d;
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":ho:", options, NULL)) >= 0) {
                switch (c) {
                case 'h': help(); return 0;
                case ARG_VERSION: printf("bootlogd %s\n", PACKAGE_VERSION); return 0;
                case 'o':
                        free(arg_output);
                        arg_output = strdup(optarg);
                        if (!arg_output)
                                return log_oom();
                        break;
                case ARG_FORCE: arg_force = true; break;
                case ARG_FLUSH:
                        errno = 0;
                        d = strtod(optarg, &end);
                        if (errno || end == optarg || *end || d <= 0 || d > 3600)
                                return log_error_errno(EINVAL, "Invalid --flush-interval '%s'.", optarg);
                        arg_flush_interval_ns = (uint64_t)(d * 1e9);
                        break;
                case ARG_BLOCK:
                        if (parse_size(optarg, 4096, 64 * 1024 * 1024, &v) < 0)
                                return log_error_errno(EINVAL, "Invalid --block-size '%s' (4096..67108864).",
                                                       optarg);
                        arg_block_size = v;
                        break;
                case ARG_RCVBUF:
                        if (parse_size(optarg, 65536, 1024 * 1024 * 1024, &v) < 0)
                                return log_error_errno(EINVAL, "Invalid --receive-buffer '%s'.", optarg);
                        arg_rcvbuf = (int)v;
                        break;
                case ARG_NO_SNAPSHOT: arg_no_snapshot = true; break;
                case ARG_NO_SYNC: arg_sync = false; break;
                case ':':
                        return log_error_errno(EINVAL,
                                               "Option '%s' needs an argument. Try 'bootlogd --help'.",
                                               argv[optind - 1]);
                default:
                        return log_error_errno(EINVAL, "Unrecognized option '%s'. Try 'bootlogd --help'.",
                                               argv[optind - 1]);
                }
        }
        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument '%s'. Try 'bootlogd --help'.",
                                       argv[optind]);
        return 1;
}

static int default_output(char **ret)
{
        struct bl_file_info info;
        char id[33];
        int r;

        r = bl_file_info_from_system(&info);
        if (r < 0)
                return r;
        if (mkdir(DEFAULT_OUTPUT_DIR, 0750) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create '%s': %m", DEFAULT_OUTPUT_DIR);
        if (asprintf(ret, DEFAULT_OUTPUT_DIR "/%s.bootlog", bl_id128_to_string(info.boot_id, id)) < 0)
                return log_oom();
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct context *c = userdata;

        (void)sd_notify(0, "STOPPING=1");
        return sd_event_exit(c->event, 0);
}

int main(int argc, char *argv[])
{
        struct context c = {};
        struct bl_recorder_stats stats;
        struct bl_recorder_options opts;
        sigset_t mask;
        int r, fd, ret;

        log_set_program("bootlogd");
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        if (!arg_output && default_output(&arg_output) < 0)
                return EXIT_FAILURE;
        fd = bl_output_create(arg_output, arg_force);
        if (fd == -EEXIST) {
                log_error("'%s' already exists; use --force to replace it.", arg_output);
                return EXIT_FAILURE;
        }
        if (fd < 0) {
                log_error_errno(fd, "Failed to create '%s': %m", arg_output);
                return EXIT_FAILURE;
        }

        opts = (struct bl_recorder_options){
                .output_fd = fd,
                .block_size = arg_block_size,
                .flush_interval_ns = arg_flush_interval_ns,
                .rcvbuf = arg_rcvbuf,
                .no_snapshot = arg_no_snapshot,
                .sync = arg_sync,
        };
        r = bl_recorder_new(&opts, &c.recorder);
        if (r < 0) {
                (void)unlink(arg_output);
                if (r == -EPERM || r == -EACCES) {
                        log_error("Failed to subscribe to process events: %s (needs CAP_NET_ADMIN in the "
                                  "initial network namespace).",
                                  strerror(-r));
                        return EXIT_NO_CONNECTOR;
                }
                if (r == -EPROTONOSUPPORT) {
                        log_error("This kernel has no process events connector (CONFIG_PROC_EVENTS).");
                        return EXIT_NO_CONNECTOR;
                }
                log_error_errno(r, "Failed to start recording to '%s': %m", arg_output);
                return EXIT_FAILURE;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_new(&c.event);
        if (r >= 0)
                r = bl_recorder_attach_event(c.recorder, c.event);
        if (r >= 0)
                r = sd_event_add_signal(c.event, NULL, SIGINT, on_signal, &c);
        if (r >= 0)
                r = sd_event_add_signal(c.event, NULL, SIGTERM, on_signal, &c);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the event loop: %m");
                bl_recorder_finish(c.recorder, NULL);
                sd_event_unref(c.event);
                return EXIT_FAILURE;
        }

        (void)sd_notifyf(0, "READY=1\nSTATUS=Recording process events to %s", arg_output);
        log_debug("Recording to '%s'.", arg_output);

        r = sd_event_loop(c.event);
        ret = r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        r = bl_recorder_finish(c.recorder, &stats);
        if (r < 0)
                log_warning_errno(r, "Some events could not be written to '%s': %m", arg_output);
        log_info("Recorded %" PRIu64 " events (%" PRIu64 " lost) in %" PRIu64 " bytes to '%s'.",
                 stats.events, stats.lost, stats.bytes, arg_output);
        sd_event_unref(c.event);
        free(arg_output);
        return ret;
}
