/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlogd: records every process event of a boot into a journal file.
 *
 * Lifecycle of a boot recording:
 *  - started first thing (initramfs hook, a unit in a systemd initrd, the
 *    real root's unit, or init= mode), it writes /run/bootlog/BOOT_ID.bootlog;
 *  - when PID 1 execs (the switch from the initramfs to the real root ends in
 *    an exec of the real init), it follows PID 1 into the new root, so paths
 *    such as /var/log and /run/systemd mean the real root's; the proc
 *    connector knows nothing of roots, so no event is missed across it;
 *  - once /var/log is writable it moves the recording to
 *    /var/log/bootlog/BOOT_ID.bootlog and keeps appending there, and prunes
 *    old boots (KeepBoots=, MaxUse=);
 *  - it stops at systemd's StartupFinished plus a tail, after a duration, on
 *    SIGTERM/SIGINT (`bootlog stop`), or at a safety limit; it then writes a
 *    one-line summary to stderr and to the systemd journal.
 * Nothing here may delay or break boot: failures are logged and recording
 * goes on where it can, or ends cleanly.
 *
 * This file holds main() and the recording's run from start to summary; the
 * options, the file, the stop conditions and init= mode are in bootlogd-*.c
 * (see bootlogd-shared.h).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "bootlogd-shared.h"
#include "exit-status.h"
#include "privs.h"
#include "recordings.h"

#define SUMMARY_MESSAGE_ID "9a5b6c1e2f3d4a8b9c7d0e1f2a3b4c5d"
/* The summary may wait this long for room in journald's queue; events never wait. */
#define SUMMARY_TIMEOUT_MS 1000

/* PID 1 exec'd: the initramfs handed over to the real root. Follow it there. */
static int on_reroot(struct bl_loop_source *s, void *userdata)
{
        struct context *c = userdata;
        _cleanup_close_ int root = -1;
        uint64_t now;

        c->reroot_source = bl_loop_source_free(c->reroot_source);
        root = openat(c->proc_fd, "1/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0 || fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0) {
                log_warning_errno(errno, "Failed to follow PID 1 into its root, ignoring: %m");
                return 0;
        }
        log_debug("Followed PID 1 into its root.");
        /* Paths mean the real root's now: look for /var/log and systemd again, right away. */
        now = bl_loop_now(c->event);
        if (c->persist_timer && !c->persisted)
                (void)bl_loop_source_arm(c->persist_timer, now);
        if (c->bus_timer && !c->bus && !c->startup_finished)
                (void)bl_loop_source_arm(c->bus_timer, now);
        if (c->forwarder)
                forwarder_retry_now(c->forwarder);
        return 0;
}

static int on_event(struct bl_event *ev, void *userdata)
{
        struct context *c = userdata;

        if (c->forwarder)
                forwarder_event(c->forwarder, ev);

        if (ev->type == BL_EVENT_EXEC && ev->pid == 1 && c->event && !c->reroot_source)
                /* Not from inside the recorder's dispatch: do it from the loop. */
                (void)bl_loop_add_defer(c->event, &c->reroot_source, on_reroot, c);
        return 0;
}

static int on_signal(struct bl_loop_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct context *c = userdata;

        if (si->ssi_signo == SIGUSR1) {
                (void)try_persist(c);
                return 0;
        }
        stop(c, BL_STOP_SIGNAL);
        return 0;
}

static void notify_parent(struct context *c, uint8_t status)
{
        int null_fd, log_fd;

        if (c->notify_fd < 0)
                return;
        (void)!write(c->notify_fd, &status, 1);
        c->notify_fd = safe_close(c->notify_fd);
        if (status != 0)
                return;

        /*
         * Let go of the caller's terminal or pipes (a caller reading our output would wait for us
         * otherwise); later messages go to the kernel log, which exists from the first moment of boot.
         */
        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        log_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        if (null_fd >= 0) {
                (void)dup2(null_fd, STDIN_FILENO);
                (void)dup2(null_fd, STDOUT_FILENO);
                (void)dup2(log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO);
        }
        safe_close(null_fd);
        safe_close(log_fd);
}

/*
 * The summary, to the journal with its MESSAGE_ID (see units/bootlog.catalog). Not with sd_journal_send(),
 * which would wait as long as journald's queue stays full: a stopped journald must not keep bootlogd from
 * exiting. journald may not run (yet, or at all): then stderr has the line.
 */
static void journal_summary(const struct context *c, const struct bl_recorder_stats *st, const char *message,
                            const struct forward_stats *fst)
{
        _cleanup_(journal_conn_freep) struct journal_conn *j = NULL;
        _cleanup_(journal_entry_done) struct journal_entry e = {};
        int r;

        journal_entry_add_string(&e, "MESSAGE_ID", SUMMARY_MESSAGE_ID);
        journal_entry_add_string(&e, "PRIORITY", "6");
        journal_entry_add_string(&e, "SYSLOG_IDENTIFIER", "bootlogd");
        journal_entry_add_string(&e, "MESSAGE", message);
        journal_entry_addf(&e, "BOOTLOG_PROCESSES", "%" PRIu64, st->processes);
        journal_entry_addf(&e, "BOOTLOG_EVENTS", "%" PRIu64, st->events);
        journal_entry_addf(&e, "BOOTLOG_LOST", "%" PRIu64, st->lost);
        journal_entry_addf(&e, "BOOTLOG_BYTES", "%" PRIu64, st->bytes);
        journal_entry_add_string(&e, "BOOTLOG_FILE", c->path);
        journal_entry_add_string(&e, "BOOTLOG_STOP_REASON",
                                 bl_stop_reason_to_string(c->reason) ?: "unknown");
        if (fst) {
                journal_entry_addf(&e, "BOOTLOG_FORWARDED", "%" PRIu64, fst->forwarded);
                journal_entry_addf(&e, "BOOTLOG_NOT_FORWARDED", "%" PRIu64, fst->not_forwarded);
        }
        r = journal_conn_new(JOURNAL_SOCKET, &j);
        if (r >= 0)
                r = journal_conn_send(j, &e, SUMMARY_TIMEOUT_MS);
        if (r < 0)
                log_debug_errno(r, "Failed to send the summary to the journal, ignoring: %m");
}

/* "Recorded 233 processes, ...; stopped: signal; forwarded 230 events, 12 not (journald unavailable)." */
static void summary(const struct context *c, const struct bl_recorder_stats *st)
{
        _cleanup_free_ char *forwarded = NULL, *message = NULL;
        const char *reason = bl_stop_reason_to_string(c->reason) ?: "unknown";
        struct forward_stats fst;

        if (c->forwarder) {
                forwarder_get_stats(c->forwarder, &fst);
                forwarded = forward_stats_describe(&fst);
                if (!forwarded)
                        log_oom(); /* the journal still gets the counts */
        }
        if (asprintf(&message,
                     "Recorded %" PRIu64 " processes, %" PRIu64 " events (%" PRIu64 " lost) in %" PRIu64
                     " bytes to '%s'; stopped: %s%s%s.",
                     st->processes, st->events, st->lost, st->bytes, c->path, reason, forwarded ? "; " : "",
                     forwarded ?: "") < 0) {
                log_oom();
                return;
        }
        /* Under systemd stderr goes to the journal too: the structured message is enough there. */
        if (!getenv("JOURNAL_STREAM"))
                log_info("%s", message);
        journal_summary(c, st, message, c->forwarder ? &fst : NULL);
}

static int setup_loop(struct context *c)
{
        uint64_t now;
        int r;

        r = bl_loop_new(&c->event);
        if (r < 0)
                return r;
        r = bl_recorder_attach_event(c->recorder, c->event);
        if (r < 0)
                return r;
        if (bl_loop_add_signal(c->event, NULL, SIGINT, on_signal, c) < 0 ||
            bl_loop_add_signal(c->event, NULL, SIGTERM, on_signal, c) < 0 ||
            bl_loop_add_signal(c->event, NULL, SIGUSR1, on_signal, c) < 0)
                return -EIO;
        now = bl_loop_now(c->event);

        if (c->persist) {
                r = bl_loop_add_time(c->event, &c->persist_timer, now, on_persist_timer, c);
                if (r < 0)
                        return r;
        }
        return stop_watch_start(c, now);
}

static void context_done(struct context *c)
{
        c->persist_timer = bl_loop_source_free(c->persist_timer);
        c->bus_timer = bl_loop_source_free(c->bus_timer);
        c->stop_timer = bl_loop_source_free(c->stop_timer);
        c->limit_timer = bl_loop_source_free(c->limit_timer);
        c->reroot_source = bl_loop_source_free(c->reroot_source);
        bus_close(c);
        c->event = bl_loop_free(c->event);
        c->forwarder = forwarder_free(c->forwarder);
        c->proc_fd = safe_close(c->proc_fd);
        c->notify_fd = safe_close(c->notify_fd);
        settings_done(&c->settings);
        free(c->path);
        free(c->name);
}

/* Records until a stop condition; returns the exit status. */
static int run(struct context *c)
{
        struct bl_recorder_stats stats;
        struct bl_recorder_options opts;
        sigset_t mask;
        int r, fd, ret;

        c->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

        fd = open_output(c);
        if (fd < 0)
                return EXIT_FAILURE;

        /* Before the recorder: the snapshot fills the forwarder's map of processes. */
        if (c->settings.forward.enabled) {
                r = forwarder_new(&c->settings.forward, JOURNAL_SOCKET, &c->forwarder);
                if (r < 0)
                        log_warning_errno(
                            r, "Failed to set up forwarding to the journal, recording without: %m");
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGUSR1);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        opts = (struct bl_recorder_options){
                .output_fd = fd,
                .block_size = c->opts->block_size,
                .flush_interval_ns = c->opts->flush_interval_ns,
                .rcvbuf = c->opts->rcvbuf,
                .no_snapshot = c->opts->no_snapshot,
                .sync = c->opts->sync,
                .observer = on_event,
                .observer_userdata = c,
                .argv_policy = c->settings.argv_policy,
                .argv_capture = c->settings.argv_capture,
                .no_cost = !c->settings.cost,
        };
        r = bl_recorder_new(&opts, &c->recorder);
        if (r < 0) {
                (void)unlink(c->path);
                if (r == -EPERM || r == -EACCES) {
                        log_error("Failed to subscribe to process events: %s (needs CAP_NET_ADMIN in the "
                                  "initial network namespace).",
                                  strerror(-r));
                        /* A Type=notify unit whose process exits before READY=1 fails: this must not. */
                        notify("READY=1\nSTATUS=Process events not permitted; not recording.");
                        return EXIT_NO_CONNECTOR;
                }
                if (r == -EPROTONOSUPPORT) {
                        log_error(
                            "This kernel has no process events connector (CONFIG_PROC_EVENTS), or it is "
                            "not reachable from this network namespace.");
                        notify("READY=1\nSTATUS=No process events connector; not recording.");
                        return EXIT_NO_CONNECTOR;
                }
                log_error_errno(r, "Failed to start recording to '%s': %m", c->path);
                return EXIT_FAILURE;
        }

        {
                const char *why;

                if (bl_recorder_argv_at_exec(c->recorder, &why))
                        log_info("Command lines are captured in the kernel at each exec.");
                else if (why)
                        log_notice(
                            "Command lines are read from /proc (%s): a program that exits at once may "
                            "show none.",
                            why);
                else
                        log_info("Command lines are read from /proc (ArgvCapture=proc).");
                if (bl_recorder_cost(c->recorder, &why))
                        log_info("What each process costs is recorded from the kernel's taskstats.");
                else if (why)
                        log_notice("Costs are not recorded (%s): CPU time, I/O and delays per process "
                                   "will be missing.",
                                   why);
                else
                        log_info("Costs are not recorded (Cost=no).");
        }

        /* Subscribed: from here on nothing needs more than reading /proc, following PID 1 and writing our
         * own files. */
        r = privs_drop(PRIVS_KEEP_RECORDER);
        if (r < 0)
                log_warning_errno(r, "Failed to drop capabilities, recording with them: %m");
        else if (r > 0)
                log_debug("Capabilities dropped; the bounding set is left as it was (no CAP_SETPCAP).");

        if (c->pid_file) {
                r = write_pid_file(c->pid_file);
                if (r < 0)
                        log_warning_errno(r, "Failed to write '%s', ignoring: %m", c->pid_file);
        }

        r = setup_loop(c);
        if (r < 0) {
                log_error_errno(r, "Failed to set up the event loop: %m");
                bl_recorder_set_stop_reason(c->recorder, BL_STOP_ERROR);
                (void)bl_recorder_finish(c->recorder, NULL);
                c->recorder = NULL;
                return EXIT_FAILURE;
        }

        notify_parent(c, 0);
        {
                _cleanup_free_ char *status = NULL;

                if (asprintf(&status, "READY=1\nSTATUS=Recording process events to %s", c->path) < 0)
                        status = NULL;
                /* Without the status, still ready: a unit waiting for READY=1 must not time out. */
                notify(status ?: "READY=1");
        }
        log_debug("Recording to '%s'.", c->path);

        r = bl_loop_run(c->event);
        ret = EXIT_SUCCESS;
        if (r < 0) {
                log_error_errno(r, "Recording stopped by an error: %m");
                if (c->reason == BL_STOP_UNKNOWN)
                        c->reason = BL_STOP_ERROR;
                ret = EXIT_FAILURE;
        }

        /* A last chance to land on persistent storage before closing. */
        (void)try_persist(c);
        if (c->persist && !c->persisted && !c->persist_failed_logged && c->persist_errno != 0)
                log_warning_errno(c->persist_errno,
                                  "'%s' could not be written to (%m); the recording stays in '%s'.",
                                  c->settings.directory, c->path);
        bl_recorder_set_stop_reason(c->recorder, c->reason);
        r = bl_recorder_finish(c->recorder, &stats);
        c->recorder = NULL;
        if (r < 0)
                log_warning_errno(r, "Some events could not be written to '%s': %m", c->path);
        summary(c, &stats);
        if (c->pid_file && running_recorder(c->pid_file) == 0)
                (void)unlink(c->pid_file);
        return ret;
}

/*
 * --daemon: the parent waits until the child records (or fails), then exits
 * with the child's status, so a boot script can go on knowing nothing after
 * it is missed.
 */
static int daemonize(struct context *c)
{
        int fds[2];
        uint8_t status = EXIT_FAILURE;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return log_error_errno(errno, "Failed to create a pipe: %m");
        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Failed to fork: %m");
        if (pid > 0) {
                ssize_t n;

                close(fds[1]);
                do
                        n = read(fds[0], &status, 1);
                while (n < 0 && errno == EINTR);
                _exit(n == 1 ? status : EXIT_FAILURE);
        }
        close(fds[0]);
        (void)setsid();
        c->notify_fd = fds[1];
        return 0;
}

int main(int argc, char *argv[])
{
        _cleanup_(options_done) struct options opts = OPTIONS_INIT;
        struct context c = { .opts = &opts, .proc_fd = -1, .notify_fd = -1 };
        int r;

        log_set_program("bootlogd");
        /* Early boot scripts send our output to pipes that go away (dracut's console at switch_root). */
        (void)signal(SIGPIPE, SIG_IGN);

        /* init= mode: as PID 1, the kernel command line is all we are given. */
        if (getpid() == 1) {
                if (load_settings(&opts, &c.settings) < 0)
                        settings_init(&c.settings);
                run_as_init(&c, argv);
                _exit(run(&c)); /* the recorder child */
        }

        r = parse_argv(argc, argv, &opts);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;
        if (load_settings(&opts, &c.settings) < 0)
                return EXIT_FAILURE;

        if (opts.condition) {
                pid_t pid = running_recorder(opts.pid_file ?: RECORDER_PID_FILE);

                if (pid > 0)
                        log_info("bootlogd (pid %d) is already recording this boot.", (int)pid);
                context_done(&c);
                return pid > 0 ? 1 : 0;
        }
        if (!c.settings.enable) {
                log_info("Disabled (bootlog.enable=0 or Enable=no); not recording.");
                notify("READY=1\nSTATUS=Disabled; not recording.");
                context_done(&c);
                return EXIT_SUCCESS;
        }
        if (!opts.output) {
                pid_t pid = running_recorder(opts.pid_file ?: RECORDER_PID_FILE);

                if (pid > 0) {
                        log_error("bootlogd (pid %d) is already recording this boot.", (int)pid);
                        context_done(&c);
                        return EXIT_FAILURE;
                }
        }
        if (opts.daemon && daemonize(&c) < 0) {
                context_done(&c);
                return EXIT_FAILURE;
        }

        r = run(&c);
        notify_parent(&c, (uint8_t)r);
        context_done(&c);
        return r;
}
