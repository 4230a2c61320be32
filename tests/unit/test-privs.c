/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privs_drop() in a child process each time (capabilities cannot be had back
 * in this process), read back from the child's /proc/self/status. Needs root
 * with CAP_SETPCAP; skips otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "privs.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT       47
#define PR_CAP_AMBIENT_RAISE 2
#endif

struct status {
        uint64_t eff, prm, bnd, inh, amb;
        int nnp;
        bool ok;
};

/* What the child saw. */
struct result {
        int prepare_r;    /* 0, or -errno of the prepare step */
        int r;            /* privs_drop()'s return */
        int chroot_errno; /* chroot("/") after the drop: 0 or errno */
        struct status st;
        struct status after_exec; /* of a program executed after the drop */
};

static struct status initial;
static const char *self_exe;

static struct status read_status(void)
{
        struct status st = { .nnp = -1 };
        char line[256];
        unsigned long long v;
        int seen = 0;
        FILE *f;

        f = fopen("/proc/self/status", "re");
        if (!f)
                return st;
        while (fgets(line, sizeof(line), f)) {
                if (sscanf(line, "CapInh: %llx", &v) == 1)
                        st.inh = v, seen++;
                else if (sscanf(line, "CapPrm: %llx", &v) == 1)
                        st.prm = v, seen++;
                else if (sscanf(line, "CapEff: %llx", &v) == 1)
                        st.eff = v, seen++;
                else if (sscanf(line, "CapBnd: %llx", &v) == 1)
                        st.bnd = v, seen++;
                else if (sscanf(line, "CapAmb: %llx", &v) == 1)
                        st.amb = v, seen++;
                else if (sscanf(line, "NoNewPrivs: %d", &st.nnp) == 1)
                        seen++;
        }
        fclose(f);
        st.ok = seen == 6;
        return st;
}

static int set_caps(uint64_t eff, uint64_t prm, uint64_t inh)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = {
                { .effective = (__u32)eff, .permitted = (__u32)prm, .inheritable = (__u32)inh },
                { .effective = (__u32)(eff >> 32),
                  .permitted = (__u32)(prm >> 32),
                  .inheritable = (__u32)(inh >> 32) },
        };

        return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

/* Runs what the executed program reports: its status, as raw bytes on stdout. */
static struct status exec_and_read(void)
{
        struct status st = { 0 };
        int fds[2];
        pid_t pid;
        ssize_t n;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return st;
        pid = fork();
        if (pid == 0) {
                if (dup2(fds[1], STDOUT_FILENO) < 0)
                        _exit(1);
                execl(self_exe, self_exe, "--status", (char *)NULL);
                _exit(1);
        }
        close(fds[1]);
        n = read(fds[0], &st, sizeof(st));
        close(fds[0]);
        if (pid > 0)
                (void)waitpid(pid, NULL, 0);
        if (n != (ssize_t)sizeof(st))
                st.ok = false;
        return st;
}

/* Forks; the child runs prepare (if any), then privs_drop(keep), and reports. */
static struct result run_child(int (*prepare)(void), uint64_t keep)
{
        struct result res;
        int fds[2], status;
        pid_t pid;
        ssize_t n;

        memset(&res, 0, sizeof(res));
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(fds[0]);
                res.prepare_r = prepare ? prepare() : 0;
                if (res.prepare_r == 0) {
                        res.r = privs_drop(keep);
                        res.st = read_status();
                        res.chroot_errno = chroot("/") < 0 ? errno : 0;
                        res.after_exec = exec_and_read();
                }
                _exit(write(fds[1], &res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
        }
        close(fds[1]);
        n = read(fds[0], &res, sizeof(res));
        close(fds[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(n, sizeof(res));
        assert_int_equal(res.prepare_r, 0);
        assert_true(res.st.ok);
        assert_true(res.after_exec.ok);
        return res;
}

static void assert_dropped(const struct result *res, uint64_t want, uint64_t bounding)
{
        assert_int_equal(res->st.eff, want);
        assert_int_equal(res->st.prm, want);
        assert_int_equal(res->st.inh, 0);
        assert_int_equal(res->st.amb, 0);
        assert_int_equal(res->st.bnd, bounding);
        assert_int_equal(res->st.nnp, 1);
        /* Nothing comes back through an execve() either, as root as we are. */
        assert_int_equal(res->after_exec.eff, want);
        assert_int_equal(res->after_exec.prm, want);
        assert_int_equal(res->after_exec.nnp, 1);
        assert_int_equal(res->chroot_errno, (want & PRIVS_CAP(CAP_SYS_CHROOT)) ? 0 : EPERM);
}

static void test_recorder_set(void **state)
{
        uint64_t want = PRIVS_KEEP_RECORDER & initial.prm;
        struct result res = run_child(NULL, PRIVS_KEEP_RECORDER);

        assert_int_equal(res.r, 0);
        assert_false(res.st.eff & PRIVS_CAP(CAP_NET_ADMIN));
        assert_dropped(&res, want, PRIVS_KEEP_RECORDER & initial.bnd);
}

static void test_keep_nothing(void **state)
{
        struct result res = run_child(NULL, 0);

        assert_int_equal(res.r, 0);
        assert_dropped(&res, 0, 0);
}

/* Inheritable and ambient capabilities, as a starter might leave them. */
static int raise_inheritable_and_ambient(void)
{
        uint64_t inh = PRIVS_CAP(CAP_SYS_PTRACE) | PRIVS_CAP(CAP_NET_ADMIN);
        int r;

        r = set_caps(initial.eff, initial.prm, inh);
        if (r < 0)
                return r;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_PTRACE, 0, 0) < 0 ||
            prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0) < 0)
                return -errno;
        /* The starting point must be what this test claims it is. */
        if (read_status().amb != inh)
                return -ESTALE;
        return 0;
}

static void test_clears_inheritable_and_ambient(void **state)
{
        struct result res = run_child(raise_inheritable_and_ambient, PRIVS_KEEP_RECORDER);

        assert_int_equal(res.r, 0);
        assert_dropped(&res, PRIVS_KEEP_RECORDER & initial.prm, PRIVS_KEEP_RECORDER & initial.bnd);
}

/* As under a unit whose CapabilityBoundingSet= leaves out CAP_SYS_CHROOT. */
static int lose_sys_chroot(void)
{
        uint64_t c = PRIVS_CAP(CAP_SYS_CHROOT);

        if (prctl(PR_CAPBSET_DROP, CAP_SYS_CHROOT, 0, 0, 0) < 0)
                return -errno;
        return set_caps(initial.eff & ~c, initial.prm & ~c, 0);
}

static void test_missing_kept_capability(void **state)
{
        uint64_t want = PRIVS_KEEP_RECORDER & initial.prm & ~PRIVS_CAP(CAP_SYS_CHROOT);
        struct result res = run_child(lose_sys_chroot, PRIVS_KEEP_RECORDER);

        assert_int_equal(res.r, 0);
        assert_dropped(&res, want, want & initial.bnd);
}

/* As under the unit: no CAP_SETPCAP, so the bounding set cannot be narrowed. */
static int lose_setpcap(void)
{
        uint64_t c = PRIVS_CAP(CAP_SETPCAP);

        return set_caps(initial.eff & ~c, initial.prm & ~c, 0);
}

static void test_without_setpcap(void **state)
{
        struct result res = run_child(lose_setpcap, PRIVS_KEEP_RECORDER);

        /* Done but for the bounding set, which stays; NO_NEW_PRIVS keeps an exec from using it. */
        assert_int_equal(res.r, 1);
        assert_dropped(&res, PRIVS_KEEP_RECORDER & initial.prm, initial.bnd);
}

static void test_unknown_capability(void **state)
{
        uint64_t keep = PRIVS_KEEP_RECORDER | PRIVS_CAP(63);
        struct result res;

        if (prctl(PR_CAPBSET_READ, 63, 0, 0, 0) >= 0)
                skip(); /* this kernel knows 64 capabilities */
        assert_int_equal(errno, EINVAL);
        res = run_child(NULL, keep);
        assert_int_equal(res.r, 0);
        assert_dropped(&res, PRIVS_KEEP_RECORDER & initial.prm, PRIVS_KEEP_RECORDER & initial.bnd);
}

int main(int argc, char *argv[])
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_recorder_set),
                cmocka_unit_test(test_keep_nothing),
                cmocka_unit_test(test_clears_inheritable_and_ambient),
                cmocka_unit_test(test_missing_kept_capability),
                cmocka_unit_test(test_without_setpcap),
                cmocka_unit_test(test_unknown_capability),
        };

        if (argc == 2 && strcmp(argv[1], "--status") == 0) {
                struct status st = read_status();

                return write(STDOUT_FILENO, &st, sizeof(st)) == (ssize_t)sizeof(st) ? 0 : 1;
        }

        self_exe = "/proc/self/exe";
        initial = read_status();
        if (geteuid() != 0 || !initial.ok || !(initial.eff & PRIVS_CAP(CAP_SETPCAP)) ||
            !(initial.eff & PRIVS_CAP(CAP_SYS_CHROOT))) {
                printf("1..0 # SKIP needs root with CAP_SETPCAP and CAP_SYS_CHROOT\n");
                return 77;
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
