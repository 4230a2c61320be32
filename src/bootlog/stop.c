/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog stop: tells the running bootlogd to stop (SIGTERM) and waits until
 * it has exited, so that the recording is complete, closed and flushed when
 * the command returns.
 *
 * The process is addressed through a pidfd: once it is open, the pid in the
 * PID file cannot be reused under us, and the command name read from /proc
 * is known to be that process's if the process is still alive after reading
 * it. Kernels without pidfds (before 5.3) fall back to kill(2) and polling.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#include "exit-status.h"
#include "log.h"
#include "macro.h"
#include "options.h"
#include "output.h"
#include "event.h"
#include "recordings.h"
#include "time-util.h"
#include "verbs.h"

#define DEFAULT_PID_FILE RECORDER_PID_FILE

static const char *arg_pid_file = DEFAULT_PID_FILE;
static uint64_t arg_timeout_ns = 30 * NSEC_PER_SEC;

static int help(void)
{
        printf("Usage: bootlog stop [--pid-file PATH] [--timeout SECONDS]\n"
               "\n"
               "Stop the running recorder (bootlogd) and wait until it has written the end\n"
               "of its recording and exited. Needs the privileges to signal it (root).\n"
               "\n"
               "Options:\n"
               "      --pid-file PATH     the recorder's PID file (default: " DEFAULT_PID_FILE ")\n"
               "      --timeout SECONDS   wait at most this long for it to exit (default: 30)\n"
               "  -h, --help              show this help\n"
               "\n"
               "Exit status: 0 stopped, 1 no recorder running, not permitted, or it did not\n"
               "exit in time, 2 usage error.\n");
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
        enum { ARG_PID_FILE = 0x100, ARG_TIMEOUT };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "pid-file", required_argument, NULL, ARG_PID_FILE },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case ARG_PID_FILE: arg_pid_file = optarg; break;
                case ARG_TIMEOUT:
                        if (parse_seconds(optarg, &arg_timeout_ns) < 0) {
                                usage_error("stop", "invalid --timeout value '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                default: return getopt_failed("stop", c, argv);
                }

        if (optind < argc) {
                usage_error("stop", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* The pid in the PID file: > 0, 0 if there is no PID file, or a negative errno. */
static int read_pid_file(const char *path, pid_t *ret)
{
        _cleanup_fclose_ FILE *f = NULL;
        char line[32];

        f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT)
                        return 0;
                return negative_errno();
        }
        if (!fgets(line, sizeof(line), f))
                return ferror(f) ? -EIO : -EBADMSG;
        line[strcspn(line, "\n")] = 0;
        if (parse_pid(line, ret) < 0)
                return -EBADMSG;
        return 1;
}

/* Reads /proc/PID/comm into buf; -ESRCH if the process is gone. */
static int read_comm(pid_t pid, char *buf, size_t size)
{
        _cleanup_fclose_ FILE *f = NULL;
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? -ESRCH : negative_errno();
        if (!fgets(buf, (int)size, f))
                return -ESRCH; /* exited while we read */
        buf[strcspn(buf, "\n")] = 0;
        return 0;
}

static int pidfd_open_(pid_t pid)
{
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);

        return fd < 0 ? negative_errno() : fd;
}

/* Sends sig (0: only checks the process is alive) through the pidfd, or by pid without one. */
static int send_signal(int pidfd, pid_t pid, int sig)
{
        int r;

        if (pidfd >= 0)
                r = (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
        else
                r = kill(pid, sig);
        return r < 0 ? negative_errno() : 0;
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Waits until the process has exited: 0, -ETIMEDOUT, or another negative errno. */
static int wait_exit(int pidfd, pid_t pid, uint64_t timeout_ns)
{
        uint64_t deadline = now_ns() + timeout_ns;

        for (;;) {
                uint64_t now = now_ns();
                int r, ms;

                if (pidfd < 0) {
                        /* No pidfd: poll for the pid to go (a zombie lingers until its parent reaps it). */
                        r = send_signal(-1, pid, 0);
                        if (r == -ESRCH)
                                return 0;
                        if (now >= deadline)
                                return -ETIMEDOUT;
                        (void)usleep(20000);
                        continue;
                }

                if (now >= deadline)
                        return -ETIMEDOUT;
                ms = (int)MIN((deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC, (uint64_t)INT32_MAX);
                r = poll(&(struct pollfd){ .fd = pidfd, .events = POLLIN }, 1, ms);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (r > 0)
                        return 0; /* a pidfd polls readable once the process has exited */
        }
}

int verb_stop(int argc, char *argv[])
{
        _cleanup_close_ int pidfd = -1;
        char comm[64], timeout[32];
        pid_t pid = 0;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        r = read_pid_file(arg_pid_file, &pid);
        if (r == 0) {
                log_error("No recorder is running.");
                return EXIT_DATA;
        }
        if (r == -EBADMSG) {
                log_error("'%s' does not hold a PID.", arg_pid_file);
                return EXIT_DATA;
        }
        if (r == -EACCES) {
                log_error("Permission denied reading '%s': run 'bootlog stop' as root.", arg_pid_file);
                return EXIT_DATA;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to read '%s': %m", arg_pid_file);
                return EXIT_DATA;
        }

        pidfd = pidfd_open_(pid);
        if (pidfd == -ENOSYS)
                pidfd = -1;
        else if (pidfd == -ESRCH) {
                log_error("No recorder is running (PID %d in '%s' has exited).", (int)pid, arg_pid_file);
                return EXIT_DATA;
        } else if (pidfd < 0) {
                log_error_errno(pidfd, "Failed to open process %d: %m", (int)pid);
                return EXIT_DATA;
        }

        /* A stale PID file may name a pid that now belongs to something else. */
        r = read_comm(pid, comm, sizeof(comm));
        if (r >= 0) {
                /* Still alive, so the name read is this process's. EPERM: alive, but not ours to signal. */
                r = send_signal(pidfd, pid, 0);
                if (r == -EPERM)
                        r = 0;
        }
        if (r == -ESRCH) {
                log_error("No recorder is running (PID %d in '%s' has exited).", (int)pid, arg_pid_file);
                return EXIT_DATA;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to check process %d: %m", (int)pid);
                return EXIT_DATA;
        }
        if (!streq(comm, "bootlogd")) {
                log_error("No recorder is running: PID %d in '%s' is '%s', not bootlogd.", (int)pid,
                          arg_pid_file, comm);
                return EXIT_DATA;
        }

        r = send_signal(pidfd, pid, SIGTERM);
        if (r == -EPERM) {
                log_error("Not permitted to stop the recorder (PID %d): run 'bootlog stop' as root.",
                          (int)pid);
                return EXIT_DATA;
        }
        if (r == -ESRCH) {
                log_error("No recorder is running (PID %d in '%s' has exited).", (int)pid, arg_pid_file);
                return EXIT_DATA;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to send SIGTERM to the recorder (PID %d): %m", (int)pid);
                return EXIT_DATA;
        }

        r = wait_exit(pidfd, pid, arg_timeout_ns);
        if (r == -ETIMEDOUT) {
                log_error("The recorder (PID %d) did not exit within %s of SIGTERM.", (int)pid,
                          bl_format_duration(timeout, sizeof(timeout), arg_timeout_ns));
                return EXIT_DATA;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to wait for the recorder (PID %d) to exit: %m", (int)pid);
                return EXIT_DATA;
        }

        printf("Stopped recording (pid %d).\n", (int)pid);
        return flush_stdout() < 0 ? EXIT_DATA : 0;
}
