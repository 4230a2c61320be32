/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog record: records system-wide while a command runs.
 *
 * Subscribes and writes the snapshot first, then starts the command, so the
 * recording holds the command's whole life. When the command exits, its
 * descendants that are still running (daemons it started) are recorded
 * until they exit too or the grace period ends.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "argv-policy.h"
#include "event.h"
#include "exit-status.h"
#include "log.h"
#include "loop.h"
#include "macro.h"
#include "options.h"
#include "recorder.h"
#include "time-util.h"
#include "verbs.h"

static const char *arg_output = "record.bootlog";
static bool arg_force;
static uint64_t arg_grace_ns = NSEC_PER_SEC;
static uint64_t arg_flush_interval_ns;
static size_t arg_block_size;
static char **arg_command;
static struct bl_argv_policy *arg_argv_policy;
static enum bl_argv_capture arg_argv_capture = BL_ARGV_CAPTURE_AUTO;
static bool arg_no_cost = false;

/* The pids of the command and its descendants still alive (open addressing, 0 = empty). */
struct pidset {
        pid_t *slots;
        size_t size, used, live;
};

static size_t pidset_slot(const struct pidset *s, pid_t pid)
{
        size_t i = ((uint32_t)pid * 2654435761u) & (s->size - 1);

        while (s->slots[i] != 0 && s->slots[i] != pid)
                i = (i + 1) & (s->size - 1);
        return i;
}

static bool pidset_contains(const struct pidset *s, pid_t pid)
{
        return s->size > 0 && s->slots[pidset_slot(s, pid)] == pid;
}

static int pidset_add(struct pidset *s, pid_t pid)
{
        size_t i;

        if ((s->used + 1) * 2 > s->size) {
                struct pidset n = { .size = s->size ? s->size * 2 : 64 };

                /* Rebuilding also drops the tombstones (-1) left by removals. */
                n.slots = calloc(n.size, sizeof(pid_t));
                if (!n.slots)
                        return -ENOMEM;
                for (size_t j = 0; j < s->size; j++)
                        if (s->slots[j] > 0) {
                                n.slots[pidset_slot(&n, s->slots[j])] = s->slots[j];
                                n.used++;
                                n.live++;
                        }
                free(s->slots);
                *s = n;
        }
        i = pidset_slot(s, pid);
        if (s->slots[i] == pid)
                return 0;
        s->slots[i] = pid;
        s->used++;
        s->live++;
        return 0;
}

static void pidset_remove(struct pidset *s, pid_t pid)
{
        size_t i;

        if (s->size == 0)
                return;
        i = pidset_slot(s, pid);
        if (s->slots[i] != pid)
                return;
        s->slots[i] = -1; /* tombstone: keeps probe chains intact */
        s->live--;
}

struct context {
        struct bl_loop *event;
        struct bl_recorder *recorder;
        struct bl_loop_source *grace_timer;
        struct pidset descendants;
        pid_t child;
        bool child_exited;
        int child_status; /* our exit status, from the child's wait status */
        int signals;
};

static int help(void)
{
        printf("Usage: bootlog record [OPTIONS] [--] COMMAND [ARG...]\n"
               "\n"
               "Record every process event on the system while COMMAND runs, then\n"
               "exit with COMMAND's exit status. Needs root (CAP_NET_ADMIN).\n"
               "\n"
               "Options:\n"
               "  -o, --output=FILE          write the recording to FILE (default: %s)\n"
               "      --force                replace FILE if it exists\n"
               "      --grace=SECONDS        after COMMAND exits, keep recording its\n"
               "                             descendants for at most this long (default: 1)\n"
               "      --flush-interval=SECONDS  write a block at least this often (default: 1)\n"
               "      --block-size=BYTES     write a block when it holds this much (default: 65536)\n"
               "      --argv=POLICY          which command lines to record: 'all' (default),\n"
               "                             'none', or only those of programs matching\n"
               "                             PATTERN,... (exe path, comm or argv[0])\n"
               "      --argv-capture=auto|proc  capture command lines in the kernel at each\n"
               "                             exec when it allows (auto, the default), or\n"
               "                             only read them from /proc afterwards\n"
               "      --no-cost              do not record what each process cost (CPU, I/O,\n"
               "                             delays: the kernel's taskstats)\n"
               "  -h, --help                 show this help\n",
               "record.bootlog");
        return 0;
}

/* A duration option ("30", "0.5", "300ms", "2m"), at most 10^6 s. */
static int parse_seconds(const char *s, uint64_t *ret)
{
        uint64_t ns;

        if (parse_duration(s, &ns) < 0 || ns > 1000000 * NSEC_PER_SEC)
                return -EINVAL;
        *ret = ns;
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_FORCE = 0x100, ARG_GRACE, ARG_FLUSH, ARG_BLOCK, ARG_ARGV, ARG_ARGV_CAPTURE, ARG_NO_COST };
        static const struct option options[] = {
                { "output", required_argument, NULL, 'o' },
                { "force", no_argument, NULL, ARG_FORCE },
                { "grace", required_argument, NULL, ARG_GRACE },
                { "flush-interval", required_argument, NULL, ARG_FLUSH },
                { "block-size", required_argument, NULL, ARG_BLOCK },
                { "argv", required_argument, NULL, ARG_ARGV },
                { "argv-capture", required_argument, NULL, ARG_ARGV_CAPTURE },
                { "no-cost", no_argument, NULL, ARG_NO_COST },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;

        opterr = 0;
        /* '+': stop at the first non-option, which starts COMMAND. */
        while ((c = getopt_long(argc, argv, "+:ho:", options, NULL)) >= 0) {
                switch (c) {
                case 'h': return help();
                case 'o': arg_output = optarg; break;
                case ARG_FORCE: arg_force = true; break;
                case ARG_GRACE:
                        if (parse_seconds(optarg, &arg_grace_ns) < 0) {
                                usage_error("record", "invalid --grace value '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_FLUSH:
                        if (parse_seconds(optarg, &arg_flush_interval_ns) < 0 ||
                            arg_flush_interval_ns == 0) {
                                usage_error("record", "invalid --flush-interval value '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_BLOCK: {
                        char *end;
                        unsigned long v;

                        errno = 0;
                        v = strtoul(optarg, &end, 10);
                        if (errno || end == optarg || *end || v < 4096 || v > 64 * 1024 * 1024) {
                                usage_error("record", "invalid --block-size '%s' (4096..67108864)", optarg);
                                return -EINVAL;
                        }
                        arg_block_size = v;
                        break;
                }
                case ARG_NO_COST: arg_no_cost = true; break;
                case ARG_ARGV_CAPTURE:
                        arg_argv_capture = bl_argv_capture_from_string(optarg);
                        if (arg_argv_capture < 0) {
                                usage_error("record", "invalid --argv-capture '%s' (auto or proc)", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_ARGV: {
                        _cleanup_free_ char *error = NULL;
                        int r;

                        arg_argv_policy = bl_argv_policy_free(arg_argv_policy);
                        r = bl_argv_policy_parse(optarg, &arg_argv_policy, &error);
                        if (r == -ENOMEM)
                                return log_oom();
                        if (r < 0) {
                                usage_error("record", "invalid --argv '%s': %s", optarg,
                                            error ?: "not all, none or a list of patterns");
                                return -EINVAL;
                        }
                        break;
                }
                case ':': {
                        usage_error("record", "option '%s' needs an argument", argv[optind - 1]);
                        return -EINVAL;
                }
                default: {
                        usage_error("record", "unrecognized option '%s'", argv[optind - 1]);
                        return -EINVAL;
                }
                }
        }
        if (optind >= argc) {
                usage_error("record", "no command given");
                return -EINVAL;
        }
        arg_command = argv + optind;
        return 1;
}

static void maybe_stop(struct context *c)
{
        if (!c->child_exited)
                return;
        if (c->descendants.live == 0)
                bl_loop_exit(c->event, 0);
}

static int on_event(struct bl_event *ev, void *userdata)
{
        struct context *c = userdata;

        if (ev->type == BL_EVENT_FORK && ev->pid == ev->tid &&
            pidset_contains(&c->descendants, ev->fork.parent_pid))
                return pidset_add(&c->descendants, ev->pid);
        if (ev->type == BL_EVENT_EXIT && ev->pid == ev->tid && pidset_contains(&c->descendants, ev->pid)) {
                pidset_remove(&c->descendants, ev->pid);
                maybe_stop(c);
        }
        return 0;
}

static int on_grace(struct bl_loop_source *s, uint64_t when_ns, void *userdata)
{
        struct context *c = userdata;

        log_debug("Grace period over, %zu descendants still running.", c->descendants.live);
        bl_loop_exit(c->event, 0);
        return 0;
}

/* SIGCHLD: coalesced and possibly for another child, so ask about ours without waiting. */
static int on_sigchld(struct bl_loop_source *s, const struct signalfd_siginfo *ssi, void *userdata)
{
        struct context *c = userdata;
        siginfo_t si = {};

        if (c->child_exited || waitid(P_PID, (id_t)c->child, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return 0;
        c->child_exited = true;
        if (si.si_code == CLD_EXITED)
                c->child_status = si.si_status;
        else
                c->child_status = 128 + si.si_status;

        /* Its own exit event may still be queued; the descendant set is emptied by the events. */
        pidset_remove(&c->descendants, c->child);
        if (c->descendants.live == 0) {
                bl_loop_exit(c->event, 0);
                return 0;
        }
        return bl_loop_add_time(c->event, &c->grace_timer, bl_loop_now(c->event) + arg_grace_ns, on_grace,
                                c);
}

static int on_signal(struct bl_loop_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct context *c = userdata;

        /* First signal: pass it on and keep recording until the command is gone. Second: stop now. */
        if (++c->signals > 1 || c->child_exited) {
                bl_loop_exit(c->event, 0);
                return 0;
        }
        (void)kill(c->child, si->ssi_signo);
        return 0;
}

static int spawn(char **command, pid_t *ret)
{
        int pipefd[2], err = 0;
        ssize_t n;
        pid_t pid;

        /* The pipe reports an exec failure; it closes on a successful exec (O_CLOEXEC). */
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                err = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return err;
        }
        if (pid == 0) {
                sigset_t all;

                sigemptyset(&all);
                sigprocmask(SIG_SETMASK, &all, NULL);
                close(pipefd[0]);
                execvp(command[0], command);
                err = errno;
                (void)!write(pipefd[1], &err, sizeof(err));
                _exit(127);
        }
        close(pipefd[1]);
        do
                n = read(pipefd[0], &err, sizeof(err));
        while (n < 0 && errno == EINTR);
        close(pipefd[0]);
        if (n == sizeof(err)) {
                (void)waitpid(pid, NULL, 0);
                return -err;
        }
        *ret = pid;
        return 0;
}

int verb_record(int argc, char *argv[])
{
        struct context c = { .child = -1, .child_status = EXIT_FAILURE };
        struct bl_recorder_stats stats;
        struct bl_recorder_options opts;
        sigset_t mask;
        int r, fd;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        fd = bl_output_create(arg_output, arg_force);
        if (fd == -EEXIST) {
                log_error("'%s' already exists; use --force to replace it.", arg_output);
                return EXIT_FAILURE;
        }
        if (fd == -EBUSY) {
                log_error("'%s' is being recorded by another process; not replacing it.", arg_output);
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
                .observer = on_event,
                .observer_userdata = &c,
                .argv_policy = arg_argv_policy,
                .argv_capture = arg_argv_capture,
                .no_cost = arg_no_cost,
        };
        r = bl_recorder_new(&opts, &c.recorder);
        if (r < 0) {
                (void)unlink(arg_output);
                if (r == -EPERM || r == -EACCES)
                        log_error("Failed to subscribe to process events: %s (run as root: it needs "
                                  "CAP_NET_ADMIN).",
                                  strerror(-r));
                else if (r == -EPROTONOSUPPORT)
                        log_error("This kernel has no process events connector (CONFIG_PROC_EVENTS).");
                else
                        log_error_errno(r, "Failed to start recording: %m");
                return EXIT_FAILURE;
        }

        {
                const char *why;

                if (!bl_recorder_argv_at_exec(c.recorder, &why) && why)
                        log_notice(
                            "Command lines are read from /proc (%s): a program that exits at once may "
                            "show none.",
                            why);
                if (!bl_recorder_cost(c.recorder, &why) && why)
                        log_notice("Costs are not recorded (%s): CPU time, I/O and delays per process "
                                   "will be missing.",
                                   why);
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = spawn(arg_command, &c.child);
        if (r < 0) {
                log_error_errno(r, "Failed to execute '%s': %m", arg_command[0]);
                (void)bl_recorder_finish(c.recorder, NULL);
                /* Nothing ran: a recording of nothing would only mislead. */
                (void)unlink(arg_output);
                return r == -ENOENT ? 127 : 126;
        }
        r = pidset_add(&c.descendants, c.child);
        if (r < 0)
                goto oom;

        r = bl_loop_new(&c.event);
        if (r < 0)
                goto fail;
        r = bl_recorder_attach_event(c.recorder, c.event);
        if (r < 0)
                goto fail;
        /* SIGCHLD was blocked before the fork: one that came already is pending and read from here. */
        r = bl_loop_add_signal(c.event, NULL, SIGCHLD, on_sigchld, &c);
        if (r < 0)
                goto fail;
        r = bl_loop_add_signal(c.event, NULL, SIGINT, on_signal, &c);
        if (r >= 0)
                r = bl_loop_add_signal(c.event, NULL, SIGTERM, on_signal, &c);
        if (r < 0)
                goto fail;

        r = bl_loop_run(c.event);
        if (r < 0)
                log_error_errno(r, "Recording stopped early: %m");

        bl_recorder_set_stop_reason(c.recorder, c.child_exited ? BL_STOP_COMMAND_EXITED : BL_STOP_SIGNAL);
        r = bl_recorder_finish(c.recorder, &stats);
        c.recorder = NULL;
        if (r < 0)
                log_warning_errno(r, "Some events could not be written to '%s': %m", arg_output);
        log_info("Recorded %" PRIu64 " events (%" PRIu64 " lost) in %" PRIu64 " bytes to '%s'.",
                 stats.events, stats.lost, stats.bytes, arg_output);
        if (!c.child_exited) {
                /* Stopped by a second signal: the command may still run; do not leave it unreaped here. */
                c.child_status = 128 + SIGINT;
        }
        bl_loop_source_free(c.grace_timer);
        bl_loop_free(c.event);
        free(c.descendants.slots);
        arg_argv_policy = bl_argv_policy_free(arg_argv_policy);
        return c.child_status;

oom:
        r = -ENOMEM;
fail:
        log_error_errno(r, "Failed to set up the event loop: %m");
        if (c.child > 0 && !c.child_exited)
                (void)kill(c.child, SIGTERM);
        (void)bl_recorder_finish(c.recorder, NULL);
        bl_loop_source_free(c.grace_timer);
        bl_loop_free(c.event);
        free(c.descendants.slots);
        arg_argv_policy = bl_argv_policy_free(arg_argv_policy);
        return EXIT_FAILURE;
}
