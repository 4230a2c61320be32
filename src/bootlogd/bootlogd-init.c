/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * init= mode (init=/usr/lib/bootlog/init): bootlogd runs as PID 1, without
 * options (the config file and the kernel command line give its settings).
 * It mounts what recording needs, forks the recorder, waits (bounded) until
 * it records, and executes the real init. Nothing may stop that exec: every
 * failure before it is ignored.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "bootlogd-shared.h"
#include "recordings.h"

/* How long PID 1 waits for the recorder to record before it executes the real init anyway. */
#define INIT_READY_TIMEOUT_MS 5000

/* PID 1 starts a recorder child, waits (bounded) until it records, then becomes the real init. */
void run_as_init(struct context *c, char *argv[])
{
        const char *inits[] = { c->settings.init, "/sbin/init", "/lib/systemd/systemd", "/bin/sh" };
        struct statfs sfs;
        struct stat root_st, run_st;

        /* An initramfs may have started a recorder already: then there is nothing to start. */
        if (c->settings.enable && running_recorder(RECORDER_PID_FILE) == 0) {
                int fds[2];
                pid_t pid;

                /* Nothing is mounted yet; the real init copes with what we mount (it checks first). */
                if (statfs("/proc", &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
                        (void)mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
                /* The kernel's BTF, /sys/kernel/btf/vmlinux, for the exec argv capture. */
                if (statfs("/sys", &sfs) < 0 || sfs.f_type != SYSFS_MAGIC)
                        (void)mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
                if (stat("/", &root_st) == 0 && stat("/run", &run_st) == 0 &&
                    root_st.st_dev == run_st.st_dev)
                        (void)mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME,
                                    "mode=0755");

                if (pipe2(fds, O_CLOEXEC) == 0) {
                        int kmsg;

                        pid = fork();
                        if (pid == 0) {
                                close(fds[0]);
                                (void)setsid();
                                /* Started as .../init: answer to the name `bootlog stop` looks for. */
                                (void)prctl(PR_SET_NAME, "bootlogd");
                                /* PID 1's stderr is the console, which no log keeps: say what we do
                                 * where the journal will find it, from the first line on. */
                                kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
                                if (kmsg >= 0) {
                                        (void)dup2(kmsg, STDERR_FILENO);
                                        safe_close(kmsg);
                                }
                                c->notify_fd = fds[1];
                                return; /* to record */
                        }
                        close(fds[1]);
                        if (pid > 0) {
                                struct pollfd p = { .fd = fds[0], .events = POLLIN };
                                (void)poll(&p, 1, INIT_READY_TIMEOUT_MS);
                        }
                        close(fds[0]);
                }
        }

        for (size_t i = 0; i < ELEMENTSOF(inits); i++) {
                if (!inits[i])
                        continue;
                argv[0] = (char *)inits[i];
                execv(inits[i], argv);
                log_error_errno(errno, "Failed to execute init '%s': %m", inits[i]);
        }
        for (;;)
                pause();
}
