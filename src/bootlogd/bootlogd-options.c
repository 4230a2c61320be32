/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlogd's command line: --help, parsing the options into struct options,
 * and load_settings(), which lays them over the config file and the kernel
 * command line (conf.c reads those).
 */
#include <getopt.h>

#include "bootlogd-shared.h"
#include "recordings.h"

static void help(void)
{
        printf("Usage: bootlogd [OPTIONS]\n"
               "\n"
               "Record every process event (fork, exec, exit, ...) with the arguments\n"
               "of each exec into a journal file, from early boot until boot-up finished.\n"
               "\n"
               "Options:\n"
               "  -o, --output=PATH             record to PATH instead of\n"
               "                                " RECORDINGS_DIR_RUNTIME "/BOOT_ID.bootlog, moved to the\n"
               "                                persistent directory once it is writable\n"
               "      --force                   replace PATH if it exists\n"
               "      --until=WHEN              stop at 'startup-finished' (systemd), after a\n"
               "                                duration such as '90s', or 'stop' (only on\n"
               "                                SIGTERM or 'bootlog stop'); default: auto\n"
               "      --tail=DURATION           keep recording this long after startup\n"
               "                                finished (default: 5s)\n"
               "      --max-duration=DURATION   stop after this long in any case (default: 10min;\n"
               "                                0: never)\n"
               "      --directory=DIR           persistent directory (default: " RECORDINGS_DIR_PERSISTENT
               ")\n"
               "      --no-persist              stay in " RECORDINGS_DIR_RUNTIME "\n"
               "      --forward=journal[:EVENTS]\n"
               "                                also send events to the journal as they happen\n"
               "                                (EVENTS: exec, exit, failed-exit, fork, ...;\n"
               "                                default: exec,failed-exit); 'no': do not\n"
               "      --argv=POLICY             which command lines to record: 'all' (default),\n"
               "                                'none', or only those of programs matching\n"
               "                                PATTERN,... (exe path, comm or argv[0])\n"
               "      --argv-capture=auto|proc  capture command lines in the kernel at each exec\n"
               "                                when it allows (auto, the default), or only\n"
               "                                read them from /proc afterwards\n"
               "      --no-cost                 do not record what each process cost (CPU,\n"
               "                                I/O, delays: the kernel's taskstats)\n"
               "      --daemon                  run in the background; return once recording\n"
               "      --pid-file=PATH           write the pid here (default with the default\n"
               "                                output: " RECORDER_PID_FILE ")\n"
               "      --condition               exit 0 if no recorder runs for this boot, 1 if\n"
               "                                one does (for ExecCondition=)\n"
               "      --config=FILE             settings file (default: " DEFAULT_CONFIG ")\n"
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

int parse_argv(int argc, char *argv[], struct options *o)
{
        enum {
                ARG_FORCE = 0x100,
                ARG_FLUSH,
                ARG_BLOCK,
                ARG_RCVBUF,
                ARG_NO_SNAPSHOT,
                ARG_NO_SYNC,
                ARG_VERSION,
                ARG_UNTIL,
                ARG_TAIL,
                ARG_MAX_DURATION,
                ARG_DIRECTORY,
                ARG_NO_PERSIST,
                ARG_DAEMON,
                ARG_PID_FILE,
                ARG_CONDITION,
                ARG_CONFIG,
                ARG_FORWARD,
                ARG_ARGV,
                ARG_ARGV_CAPTURE,
                ARG_NO_COST,
        };
        static const struct option options[] = {
                { "output", required_argument, NULL, 'o' },
                { "force", no_argument, NULL, ARG_FORCE },
                { "flush-interval", required_argument, NULL, ARG_FLUSH },
                { "block-size", required_argument, NULL, ARG_BLOCK },
                { "receive-buffer", required_argument, NULL, ARG_RCVBUF },
                { "no-snapshot", no_argument, NULL, ARG_NO_SNAPSHOT },
                { "no-sync", no_argument, NULL, ARG_NO_SYNC },
                { "until", required_argument, NULL, ARG_UNTIL },
                { "tail", required_argument, NULL, ARG_TAIL },
                { "max-duration", required_argument, NULL, ARG_MAX_DURATION },
                { "directory", required_argument, NULL, ARG_DIRECTORY },
                { "no-persist", no_argument, NULL, ARG_NO_PERSIST },
                { "daemon", no_argument, NULL, ARG_DAEMON },
                { "pid-file", required_argument, NULL, ARG_PID_FILE },
                { "condition", no_argument, NULL, ARG_CONDITION },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "forward", required_argument, NULL, ARG_FORWARD },
                { "argv", required_argument, NULL, ARG_ARGV },
                { "argv-capture", required_argument, NULL, ARG_ARGV_CAPTURE },
                { "no-cost", no_argument, NULL, ARG_NO_COST },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        struct forward_spec spec;
        enum until_mode mode;
        unsigned long v;
        uint64_t ns;
        char *end;
        double d;
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":ho:", options, NULL)) >= 0) {
                switch (c) {
                case 'h': help(); return 0;
                case ARG_VERSION: printf("bootlogd %s\n", PACKAGE_VERSION); return 0;
                case 'o':
                        free(o->output);
                        o->output = strdup(optarg);
                        if (!o->output)
                                return log_oom();
                        break;
                case ARG_FORCE: o->force = true; break;
                case ARG_FLUSH:
                        errno = 0;
                        d = strtod(optarg, &end);
                        if (errno || end == optarg || *end || d <= 0 || d > 3600)
                                return log_error_errno(EINVAL, "Invalid --flush-interval '%s'.", optarg);
                        o->flush_interval_ns = (uint64_t)(d * 1e9);
                        break;
                case ARG_BLOCK:
                        if (parse_size(optarg, 4096, 64 * 1024 * 1024, &v) < 0)
                                return log_error_errno(EINVAL, "Invalid --block-size '%s' (4096..67108864).",
                                                       optarg);
                        o->block_size = v;
                        break;
                case ARG_RCVBUF:
                        if (parse_size(optarg, 65536, 1024 * 1024 * 1024, &v) < 0)
                                return log_error_errno(EINVAL, "Invalid --receive-buffer '%s'.", optarg);
                        o->rcvbuf = (int)v;
                        break;
                case ARG_NO_SNAPSHOT: o->no_snapshot = true; break;
                case ARG_NO_SYNC: o->sync = false; break;
                case ARG_UNTIL:
                        if (parse_until(optarg, &mode, &ns) < 0)
                                return log_error_errno(
                                    EINVAL,
                                    "Invalid --until '%s' (startup-finished, stop, auto or "
                                    "a duration such as 90s).",
                                    optarg);
                        o->until = optarg;
                        break;
                case ARG_TAIL:
                        if (parse_duration(optarg, &ns) < 0)
                                return log_error_errno(EINVAL, "Invalid --tail '%s'.", optarg);
                        o->tail = optarg;
                        break;
                case ARG_MAX_DURATION:
                        if (parse_duration(optarg, &ns) < 0)
                                return log_error_errno(EINVAL, "Invalid --max-duration '%s'.", optarg);
                        o->max_duration = optarg;
                        break;
                case ARG_DIRECTORY:
                        if (optarg[0] != '/')
                                return log_error_errno(EINVAL, "--directory needs an absolute path.");
                        o->directory = optarg;
                        break;
                case ARG_NO_PERSIST: o->no_persist = true; break;
                case ARG_DAEMON: o->daemon = true; break;
                case ARG_PID_FILE: o->pid_file = optarg; break;
                case ARG_CONDITION: o->condition = true; break;
                case ARG_CONFIG: o->config = optarg; break;
                case ARG_FORWARD:
                        if (parse_forward(optarg, &spec) < 0)
                                return log_error_errno(
                                    EINVAL,
                                    "Invalid --forward '%s' (journal, journal:EVENTS with "
                                    "EVENTS a comma list such as exec,failed-exit, or no).",
                                    optarg);
                        o->forward = optarg;
                        break;
                case ARG_ARGV: {
                        _cleanup_(bl_argv_policy_freep) struct bl_argv_policy *policy = NULL;
                        _cleanup_free_ char *error = NULL;
                        int r = bl_argv_policy_parse(optarg, &policy, &error);

                        if (r == -ENOMEM)
                                return log_oom();
                        if (r < 0)
                                return log_error_errno(EINVAL, "Invalid --argv '%s': %s.", optarg,
                                                       error ?: "not all, none or a list of patterns");
                        bl_argv_policy_free(o->argv_policy);
                        o->argv_policy = TAKE_PTR(policy);
                        break;
                }
                case ARG_NO_COST: o->no_cost = true; break;
                case ARG_ARGV_CAPTURE:
                        o->argv_capture = bl_argv_capture_from_string(optarg);
                        if (o->argv_capture < 0)
                                return log_error_errno(EINVAL, "Invalid --argv-capture '%s' (auto or proc).",
                                                       optarg);
                        break;
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

int load_settings(struct options *o, struct settings *s)
{
        _cleanup_free_ char *cmdline = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t size = 0;
        int r;

        settings_init(s);
        if (!s->directory || !s->group)
                return log_oom();
        r = settings_load_config(s, o->config);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                log_warning_errno(r, "Failed to read '%s', ignoring: %m", o->config);

        f = fopen("/proc/cmdline", "re");
        if (f && getline(&cmdline, &size, f) >= 0) {
                r = settings_load_cmdline(s, cmdline);
                if (r < 0)
                        return log_oom();
        }

        if (o->until)
                (void)parse_until(o->until, &s->until, &s->until_ns);
        if (o->tail)
                (void)parse_duration(o->tail, &s->tail_ns);
        if (o->max_duration)
                (void)parse_duration(o->max_duration, &s->max_duration_ns);
        if (o->directory) {
                free(s->directory);
                s->directory = strdup(o->directory);
                if (!s->directory)
                        return log_oom();
        }
        if (o->no_persist) {
                free(s->directory);
                s->directory = NULL;
        }
        if (o->forward)
                (void)parse_forward(o->forward, &s->forward);
        if (o->argv_policy) {
                bl_argv_policy_free(s->argv_policy);
                s->argv_policy = TAKE_PTR(o->argv_policy);
        }
        if (o->argv_capture >= 0)
                s->argv_capture = o->argv_capture;
        if (o->no_cost)
                s->cost = false;
        return 0;
}

void options_done(struct options *o)
{
        o->output = mfree(o->output);
        o->argv_policy = bl_argv_policy_free(o->argv_policy);
}
