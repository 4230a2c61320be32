/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "enrich.h"

#define TCK       100
#define TICK_NS   (NSEC_PER_SEC / TCK)
#define OFFSET_NS ((int64_t)2 * (int64_t)NSEC_PER_SEC) /* the fake machine slept 2 s */
#define KTHREAD   UINT64_C(0x00200000)

static int saved_argc;
static char **saved_argv;

struct fixture {
        char dir[64];
        int fd;
        struct bl_enricher *e;
};

static uint64_t now_ns(void)
{
        struct timespec ts;

        assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
        return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void write_at(int dfd, const char *name, const void *data, size_t len)
{
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t)len);
        assert_int_equal(close(fd), 0);
}

/* Stat line as the kernel writes it (fields 1..22 and a few more). */
static void fake_stat(int pfd, const char *comm, char state, pid_t pid, pid_t ppid, uint64_t flags,
                      uint64_t starttime)
{
        char buf[512];
        int n;

        n = snprintf(buf, sizeof(buf),
                     "%d (%s) %c %d %d %d 0 -1 %llu 12 0 0 0 3 4 0 0 20 0 1 0 %llu 1234567 89 "
                     "18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 0 0 0\n",
                     (int)pid, comm, state, (int)ppid, (int)pid, (int)pid, (unsigned long long)flags,
                     (unsigned long long)starttime);
        assert_true(n > 0 && (size_t)n < sizeof(buf));
        write_at(pfd, "stat", buf, (size_t)n);
}

/*
 * /proc/PID in the fake tree. cmdline NULL: no file; exe/cwd NULL: no link
 * (as for a kernel thread or a process that is gone).
 */
static void fake_pid(struct fixture *f, pid_t pid, const char *comm, char state, pid_t ppid, uint64_t flags,
                     uint64_t starttime, const char *cmdline, size_t cmdline_len, const char *exe,
                     const char *cwd)
{
        char name[16], buf[128];
        int pfd;

        snprintf(name, sizeof(name), "%d", (int)pid);
        assert_int_equal(mkdirat(f->fd, name, 0755), 0);
        pfd = openat(f->fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(pfd >= 0);
        fake_stat(pfd, comm, state, pid, ppid, flags, starttime);
        if (cmdline)
                write_at(pfd, "cmdline", cmdline, cmdline_len);
        if (exe)
                assert_int_equal(symlinkat(exe, pfd, "exe"), 0);
        if (cwd)
                assert_int_equal(symlinkat(cwd, pfd, "cwd"), 0);
        /* Every fake process is in a unit named after it, one level below (a delegated subtree). */
        snprintf(buf, sizeof(buf), "1:name=systemd:/\n0::/system.slice/test-%d.service/sub\n", (int)pid);
        write_at(pfd, "cgroup", buf, strlen(buf));
        assert_int_equal(close(pfd), 0);
}

#define FAKE_CMDLINE(s) (s), sizeof(s) - 1 /* the literal's own NUL is not part of it */

static int new_fake_enricher(struct fixture *f, size_t argv_max)
{
        struct bl_enrich_options opts = {
                .proc_fd = f->fd,
                .argv_max = argv_max,
                .clk_tck = TCK,
                .boottime_offset_ns = OFFSET_NS,
                .offset_known = true,
                .read_unit = true,
        };

        f->e = bl_enricher_free(f->e);
        return bl_enricher_new(&opts, &f->e);
}

static int fake_setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        strcpy(f->dir, "/tmp/test-enrich-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        f->fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->fd >= 0);
        /* Entries a proc walk must ignore. */
        assert_int_equal(symlinkat("4242", f->fd, "self"), 0);
        assert_int_equal(mkdirat(f->fd, "sys", 0755), 0);
        write_at(f->fd, "42abc", "", 0);
        assert_int_equal(new_fake_enricher(f, 0), 0);
        *state = f;
        return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        return remove(path);
}

static int fake_teardown(void **state)
{
        struct fixture *f = *state;

        bl_enricher_free(f->e);
        close(f->fd);
        assert_int_equal(nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(f);
        return 0;
}

static int real_setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        f->fd = -1;
        assert_int_equal(bl_enricher_new(NULL, &f->e), 0);
        *state = f;
        return 0;
}

static int real_teardown(void **state)
{
        struct fixture *f = *state;

        bl_enricher_free(f->e);
        free(f);
        return 0;
}

static void assert_argv(char **argv, const char *const *expected, size_t n)
{
        assert_non_null(argv);
        assert_int_equal(strv_length(argv), n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(argv[i], expected[i]);
}

/* Nothing of the process: as after bl_proc_info_init(), but for the status. */
static void assert_nothing_kept(const struct bl_proc_info *info)
{
        assert_null(info->argv);
        assert_false(info->argv_truncated);
        assert_null(info->exe);
        assert_null(info->cwd);
        assert_null(info->unit);
        assert_string_equal(info->comm, "");
        assert_int_equal(info->ppid, 0);
        assert_int_equal(info->start_ns, 0);
        assert_int_equal(info->uid, UINT32_MAX);
        assert_int_equal(info->gid, UINT32_MAX);
}

/* ---- the unit from /proc/PID/cgroup ---- */

static void assert_unit_path(const char *path, const char *expected)
{
        char *unit = (char *)"not set";

        assert_int_equal(bl_unit_from_cgroup_path(path, &unit), 0);
        if (!expected) {
                if (unit)
                        fail_msg("%s: got unit %s, expected none", path, unit);
        } else {
                if (!unit)
                        fail_msg("%s: got no unit, expected %s", path, expected);
                assert_string_equal(unit, expected);
        }
        free(unit);
}

static void assert_unit_file(const char *contents, const char *expected)
{
        char *unit = (char *)"not set";

        assert_int_equal(bl_unit_from_cgroup(contents, strlen(contents), &unit), 0);
        if (!expected) {
                if (unit)
                        fail_msg("%s: got unit %s, expected none", contents, unit);
        } else {
                if (!unit)
                        fail_msg("%s: got no unit, expected %s", contents, expected);
                assert_string_equal(unit, expected);
        }
        free(unit);
}

static void test_unit_path(void **state)
{
        char long_name[300];

        assert_unit_path("/system.slice/foo.service", "foo.service");
        assert_unit_path("/system.slice/foo.service/", "foo.service");
        assert_unit_path("//system.slice//foo.service", "foo.service");
        assert_unit_path("/init.scope", "init.scope");
        assert_unit_path("/user.slice/user-1000.slice/session-1.scope", "session-1.scope");
        /* The system unit of a user's own units is their manager. */
        assert_unit_path("/user.slice/user-0.slice/user@0.service/app.slice/x.service", "user@0.service");
        assert_unit_path("/user.slice/user-1000.slice/user@1000.service/init.scope", "user@1000.service");
        /* Sub-cgroups below a unit (delegation, a service's own tree) still belong to it. */
        assert_unit_path("/system.slice/docker.service/payload/abc", "docker.service");
        assert_unit_path("/machine.slice/machine-qemu\\x2d1\\x2dvm.scope/libvirt/emulator",
                         "machine-qemu\\x2d1\\x2dvm.scope");
        assert_unit_path("/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service");
        assert_unit_path("/system.slice/system-systemd\\x2dfsck.slice/systemd-fsck@dev-sda1.service",
                         "systemd-fsck@dev-sda1.service");
        /* Escaped names as written, every unit type. */
        assert_unit_path("/system.slice/sys-devices-platform-serial8250-tty-ttyS0.device",
                         "sys-devices-platform-serial8250-tty-ttyS0.device");
        assert_unit_path("/system.slice/dev-disk-by\\x2duuid-1234.swap", "dev-disk-by\\x2duuid-1234.swap");
        assert_unit_path("/system.slice/a.socket", "a.socket");
        assert_unit_path("/system.slice/a.mount", "a.mount");
        assert_unit_path("/a.target", "a.target");
        assert_unit_path("/a.automount", "a.automount");
        assert_unit_path("/a.timer", "a.timer");
        assert_unit_path("/a.path", "a.path");
        assert_unit_path("/system.slice/a:b_c.d.service", "a:b_c.d.service");
        assert_unit_path("/system.slice/a@b@c.service", "a@b@c.service");
        /* The root slice and escaped slices are skipped like any other. */
        assert_unit_path("/-.slice/foo.service", "foo.service");
        assert_unit_path("/_foo.slice/x.service", "x.service");
        /* systemd's escape of names that could clash with the kernel's files: a leading '_'. */
        assert_unit_path("/system.slice/_cpu.service", "cpu.service");

        /* No unit. */
        assert_unit_path("/", NULL);
        assert_unit_path("", NULL);
        assert_unit_path("//", NULL);
        assert_unit_path("/system.slice", NULL);
        assert_unit_path("/user.slice/user-1000.slice/", NULL);
        assert_unit_path("/x.slice", NULL);
        assert_unit_path("relative/x.service", NULL);
        assert_unit_path("/system.slice/foo@.service", NULL); /* a template is never running */
        assert_unit_path("/system.slice/@x.service", NULL);
        assert_unit_path("/a@b.slice/x.service", NULL); /* not a slice, and a slice is no unit */
        assert_unit_path("/system.slice/foo.bar", NULL);
        assert_unit_path("/system.slice/foo", NULL);
        assert_unit_path("/system.slice/.service", NULL);
        assert_unit_path("/system.slice/foo service.service", NULL);
        assert_unit_path("/system.slice/foo.service (deleted)", NULL);
        assert_unit_path("/system.slice/f\xc3\xa9.service", NULL);
        assert_unit_path("/ab", NULL);
        /* A container without a cgroup namespace shows its host's path. */
        assert_unit_path("/docker/0123abcd/system.slice/x.service", NULL);
        assert_unit_path("/lxc.payload.c1/init.scope", NULL);
        assert_unit_path("/process_api/2f298948a744be5c", NULL);

        /* Names are shorter than 256 bytes. */
        memset(long_name, 'a', sizeof(long_name));
        long_name[0] = '/';
        strcpy(long_name + 255 - strlen(".service") + 1, ".service");
        assert_int_equal(strlen(long_name + 1), 255);
        assert_unit_path(long_name, long_name + 1);
        strcpy(long_name + 256 - strlen(".service") + 1, ".service");
        assert_unit_path(long_name, NULL);
}

static void test_unit_file(void **state)
{
        /* cgroup v2 */
        assert_unit_file("0::/system.slice/cron.service\n", "cron.service");
        assert_unit_file("0::/system.slice/cron.service", "cron.service");
        assert_unit_file("0::/system.slice/gone.service (deleted)\n", "gone.service");
        assert_unit_file("0::/system.slice/a:b.service\n", "a:b.service");
        assert_unit_file("0::/\n", NULL);
        assert_unit_file("0::\n", NULL);
        /* Legacy: the name=systemd hierarchy, wherever it is in the list. */
        assert_unit_file("12:pids:/system.slice/other.service\n"
                         "5:memory:/\n"
                         "1:name=systemd:/system.slice/x.service\n",
                         "x.service");
        assert_unit_file("3:cpu,name=systemd:/a.service\n", "a.service");
        assert_unit_file("3:name=systemd2:/a.service\n", NULL);
        assert_unit_file("3:xname=systemd:/a.service\n", NULL);
        /* Legacy with cgroup2 mounted somewhere: everyone is in its root. */
        assert_unit_file("1:name=systemd:/system.slice/y.service\n0::/\n", "y.service");
        /* Hybrid: both say the same. */
        assert_unit_file("1:name=systemd:/user.slice/user-1000.slice/session-3.scope\n"
                         "0::/user.slice/user-1000.slice/session-3.scope\n",
                         "session-3.scope");
        /* Unified, with a name=systemd hierarchy mounted for some container: v2 is the truth. */
        assert_unit_file("1:name=systemd:/\n0::/system.slice/z.service\n", "z.service");
        assert_unit_file("1:name=systemd:/\n0::/\n", NULL);
        /* A container's view on a legacy host without systemd in it. */
        assert_unit_file("9:name=systemd:/\n8:pids:/\n4:memory:/process_api/2f298948\n1:cpu:/\n0::/\n",
                         NULL);
        /* Malformed. */
        assert_unit_file("", NULL);
        assert_unit_file("\n\n", NULL);
        assert_unit_file("0:/x.service\n", NULL);
        assert_unit_file("nonsense", NULL);
        assert_unit_file("00::/x.service\n", NULL);
        assert_unit_file("1::/x.service\n", NULL);
}

/* ---- fake /proc ---- */

static void test_read_all_fields(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;
        static const char *const expected[] = { "/usr/bin/prog", "arg with spaces", "", "--last=1" };

        fake_pid(f, 100, "prog", 'S', 1, 0, 1234,
                 FAKE_CMDLINE("/usr/bin/prog\0arg with spaces\0\0--last=1\0"), "/usr/bin/prog",
                 "/var/lib/x");
        assert_int_equal(bl_enrich_read(f->e, 100, 0, &info), 0);

        assert_int_equal(info.status, BL_INFO_OK);
        assert_int_equal(info.error, 0);
        assert_argv(info.argv, expected, ELEMENTSOF(expected));
        assert_false(info.argv_truncated);
        assert_string_equal(info.comm, "prog");
        assert_int_equal(info.ppid, 1);
        /* 1234 ticks of boot time = 12.34 s, minus the 2 s asleep */
        assert_int_equal(info.start_ns, UINT64_C(10340000000));
        assert_string_equal(info.exe, "/usr/bin/prog");
        assert_string_equal(info.cwd, "/var/lib/x");
        assert_int_equal(info.uid, geteuid());
        assert_int_equal(info.gid, getegid());
        assert_string_equal(info.unit, "test-100.service");
        bl_proc_info_done(&info);
}

static void test_argv_unterminated(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;
        static const char *const title[] = { "sshd: alice [priv]" };
        static const char *const two[] = { "nginx: worker", "x" };
        static const char *const trailing_empty[] = { "a", "" };
        static const char *const only_empty[] = { "" };

        /* setproctitle(): the argv area rewritten without a final NUL */
        fake_pid(f, 101, "sshd", 'S', 1, 0, 10, FAKE_CMDLINE("sshd: alice [priv]"), "/usr/sbin/sshd", "/");
        fake_pid(f, 102, "nginx", 'S', 1, 0, 10, FAKE_CMDLINE("nginx: worker\0x"), "/usr/sbin/nginx", "/");
        fake_pid(f, 103, "a", 'S', 1, 0, 10, FAKE_CMDLINE("a\0\0"), "/bin/a", "/");
        fake_pid(f, 104, "b", 'S', 1, 0, 10, FAKE_CMDLINE("\0"), "/bin/b", "/");

        assert_int_equal(bl_enrich_read(f->e, 101, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_OK);
        assert_argv(info.argv, title, ELEMENTSOF(title));
        bl_proc_info_done(&info);

        assert_int_equal(bl_enrich_read(f->e, 102, 0, &info), 0);
        assert_argv(info.argv, two, ELEMENTSOF(two));
        bl_proc_info_done(&info);

        assert_int_equal(bl_enrich_read(f->e, 103, 0, &info), 0);
        assert_argv(info.argv, trailing_empty, ELEMENTSOF(trailing_empty));
        bl_proc_info_done(&info);

        assert_int_equal(bl_enrich_read(f->e, 104, 0, &info), 0);
        assert_argv(info.argv, only_empty, ELEMENTSOF(only_empty));
        bl_proc_info_done(&info);
}

static void test_argv_truncated(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;
        static const char *const cut[] = { "0123456789" };
        static const char *const exact[] = { "012345678" };
        static const char *const cut_after_nul[] = { "012345678" }; /* the cut took the empty one */
        const size_t big = 300000;
        char *s;

        fake_pid(f, 110, "cut", 'S', 1, 0, 10, FAKE_CMDLINE("0123456789abcdef\0"), "/bin/cut", "/");
        fake_pid(f, 111, "exact", 'S', 1, 0, 10, FAKE_CMDLINE("012345678\0"), "/bin/exact", "/");
        fake_pid(f, 112, "nul", 'S', 1, 0, 10, FAKE_CMDLINE("012345678\0\0"), "/bin/nul", "/");

        assert_int_equal(new_fake_enricher(f, 10), 0);
        assert_int_equal(bl_enrich_read(f->e, 110, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_OK);
        assert_argv(info.argv, cut, ELEMENTSOF(cut));
        assert_true(info.argv_truncated);
        bl_proc_info_done(&info);

        /* exactly argv_max bytes: all of it, not truncated */
        assert_int_equal(bl_enrich_read(f->e, 111, 0, &info), 0);
        assert_argv(info.argv, exact, ELEMENTSOF(exact));
        assert_false(info.argv_truncated);
        bl_proc_info_done(&info);

        assert_int_equal(bl_enrich_read(f->e, 112, 0, &info), 0);
        assert_argv(info.argv, cut_after_nul, ELEMENTSOF(cut_after_nul));
        assert_true(info.argv_truncated);
        bl_proc_info_done(&info);

        /* Big ones through the default limit (128 KiB): the buffer grows, then the cut. */
        assert_int_equal(new_fake_enricher(f, 0), 0);
        s = malloc(big);
        assert_non_null(s);
        for (size_t i = 0; i < big; i++)
                s[i] = i % 1000 == 999 ? '\0' : (char)('a' + i % 26);
        fake_pid(f, 113, "mid", 'S', 1, 0, 10, s, 20000, "/bin/mid", "/");
        fake_pid(f, 114, "big", 'S', 1, 0, 10, s, big, "/bin/big", "/");

        assert_int_equal(bl_enrich_read(f->e, 113, 0, &info), 0);
        assert_int_equal(strv_length(info.argv), 20);
        assert_false(info.argv_truncated);
        assert_int_equal(strlen(info.argv[19]), 999);
        assert_memory_equal(info.argv[19], s + 19000, 999);
        bl_proc_info_done(&info);

        assert_int_equal(bl_enrich_read(f->e, 114, 0, &info), 0);
        assert_true(info.argv_truncated);
        /* 131072 bytes: 131 whole arguments and 72 bytes of the next */
        assert_int_equal(strv_length(info.argv), 132);
        assert_int_equal(strlen(info.argv[131]), 72);
        assert_memory_equal(info.argv[131], s + 131000, 72);
        assert_string_equal(info.exe, "/bin/big");
        bl_proc_info_done(&info);
        free(s);
}

static void test_comm(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;

        fake_pid(f, 120, "a) (b c", 'R', 7, 0, 10, FAKE_CMDLINE("x\0"), "/bin/x", "/");
        fake_pid(f, 121, ") S 5 ", 'S', 8, 0, 10, FAKE_CMDLINE("y\0"), "/bin/y", "/");
        fake_pid(f, 122, "0123456789abcdefXYZ", 'S', 9, 0, 10, FAKE_CMDLINE("z\0"), "/bin/z", "/");

        assert_int_equal(bl_enrich_read(f->e, 120, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_OK);
        assert_string_equal(info.comm, "a) (b c");
        assert_int_equal(info.ppid, 7);
        bl_proc_info_done(&info);

        /* A comm that looks like the fields after it. */
        assert_int_equal(bl_enrich_read(f->e, 121, 0, &info), 0);
        assert_string_equal(info.comm, ") S 5 ");
        assert_int_equal(info.ppid, 8);
        bl_proc_info_done(&info);

        /* Longer than TASK_COMM_LEN (workqueue kthreads show more): cut to 15. */
        assert_int_equal(bl_enrich_read(f->e, 122, 0, &info), 0);
        assert_string_equal(info.comm, "0123456789abcde");
        assert_int_equal(info.ppid, 9);
        bl_proc_info_done(&info);
}

static void test_zombie(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;

        fake_pid(f, 130, "defunct", 'Z', 42, 0, 500, FAKE_CMDLINE(""), NULL, NULL);
        assert_int_equal(bl_enrich_read(f->e, 130, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_EXITED);
        assert_string_equal(info.comm, "defunct");
        assert_int_equal(info.ppid, 42);
        assert_int_equal(info.start_ns, 5 * NSEC_PER_SEC - OFFSET_NS);
        assert_null(info.argv);
        assert_null(info.exe);
        assert_null(info.cwd);
        assert_null(info.unit);
        bl_proc_info_done(&info);
}

static void test_missing(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;
        int pfd;

        assert_int_equal(bl_enrich_read(f->e, 4242, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_EXITED);
        assert_int_equal(info.error, ENOENT);
        assert_nothing_kept(&info);
        bl_proc_info_done(&info);

        /* A directory whose stat is gone: same. */
        assert_int_equal(mkdirat(f->fd, "4243", 0755), 0);
        assert_int_equal(bl_enrich_read(f->e, 4243, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_EXITED);
        assert_nothing_kept(&info);
        bl_proc_info_done(&info);

        /* Reaped between the reads: what was read before stat cannot be vouched for, so none of it
         * is kept. */
        assert_int_equal(mkdirat(f->fd, "4244", 0755), 0);
        pfd = openat(f->fd, "4244", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(pfd >= 0);
        write_at(pfd, "cmdline", "late\0", 5);
        assert_int_equal(symlinkat("/bin/late", pfd, "exe"), 0);
        assert_int_equal(symlinkat("/", pfd, "cwd"), 0);
        close(pfd);
        assert_int_equal(bl_enrich_read(f->e, 4244, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_EXITED);
        assert_int_equal(info.error, ENOENT);
        assert_nothing_kept(&info);
        bl_proc_info_done(&info);
}

static void test_reused(void **state)
{
        struct fixture *f = *state;
        const uint64_t start = 50 * NSEC_PER_SEC - OFFSET_NS; /* 5000 ticks */
        struct bl_proc_info info;
        struct bl_event ev;

        fake_pid(f, 140, "newcomer", 'S', 1, 0, 5000, FAKE_CMDLINE("newcomer\0--secret\0"), "/bin/newcomer",
                 "/home/n");

        /* The event came a second before this process started: it was another one's. */
        assert_int_equal(bl_enrich_read(f->e, 140, start - NSEC_PER_SEC, &info), 0);
        assert_int_equal(info.status, BL_INFO_REUSED);
        assert_nothing_kept(&info);
        bl_proc_info_done(&info);

        assert_int_equal(bl_enrich_read(f->e, 140, start - TICK_NS - 1, &info), 0);
        assert_int_equal(info.status, BL_INFO_REUSED);
        assert_nothing_kept(&info);
        bl_proc_info_done(&info);

        /* Within a tick: starttime is rounded down, the event is not. */
        assert_int_equal(bl_enrich_read(f->e, 140, start - TICK_NS, &info), 0);
        assert_int_equal(info.status, BL_INFO_OK);
        assert_string_equal(info.comm, "newcomer");
        bl_proc_info_done(&info);

        /* Through bl_enrich_exec(): the event's time is the bound. */
        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.pid = ev.tid = 140;
        ev.ts_ns = start - 5 * NSEC_PER_SEC;
        assert_int_equal(bl_enrich_exec(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_REUSED);
        assert_nothing_kept(&ev.info);
        ev.ts_ns = start + NSEC_PER_SEC;
        assert_int_equal(bl_enrich_exec(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_OK);
        assert_string_equal(ev.info.argv[1], "--secret");
        assert_int_equal(ev.info.start_ns, start);
        bl_event_done(&ev);
}

/* An exec whose exit came in the same batch: only stat is looked at. */
static void test_exec_exited(void **state)
{
        struct fixture *f = *state;
        struct bl_event ev;

        fake_pid(f, 190, "defunct", 'Z', 42, 0, 500, FAKE_CMDLINE(""), NULL, NULL);
        /* Still running by the look of it: its argv is not looked for all the same. */
        fake_pid(f, 191, "runner", 'S', 43, 0, 500, FAKE_CMDLINE("runner\0"), "/bin/runner", "/");

        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.pid = ev.tid = 190;
        ev.ts_ns = 10 * NSEC_PER_SEC;
        assert_int_equal(bl_enrich_exec_exited(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_EXITED);
        assert_int_equal(ev.info.error, 0);
        assert_string_equal(ev.info.comm, "defunct");
        assert_int_equal(ev.info.ppid, 42);
        assert_int_equal(ev.info.start_ns, 5 * NSEC_PER_SEC - OFFSET_NS);
        assert_int_equal(ev.info.uid, geteuid());
        assert_int_equal(ev.info.gid, getegid());
        assert_null(ev.info.argv);
        bl_event_done(&ev);

        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.pid = ev.tid = 191;
        ev.ts_ns = 10 * NSEC_PER_SEC;
        assert_int_equal(bl_enrich_exec_exited(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_EXITED);
        assert_string_equal(ev.info.comm, "runner");
        assert_null(ev.info.argv);
        assert_null(ev.info.exe);
        assert_null(ev.info.cwd);
        assert_null(ev.info.unit);
        bl_event_done(&ev);

        /* Reaped already. */
        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.pid = ev.tid = 4242;
        ev.ts_ns = 10 * NSEC_PER_SEC;
        assert_int_equal(bl_enrich_exec_exited(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_EXITED);
        assert_int_equal(ev.info.error, ENOENT);
        assert_nothing_kept(&ev.info);
        bl_event_done(&ev);

        /* The pid names a process that started after the event. */
        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.pid = ev.tid = 190;
        ev.ts_ns = 2 * NSEC_PER_SEC;
        assert_int_equal(bl_enrich_exec_exited(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_REUSED);
        assert_nothing_kept(&ev.info);
        bl_event_done(&ev);

        /* Unreadable stat: an error, not an exit. */
        assert_int_equal(mkdirat(f->fd, "192", 0755), 0);
        write_at(f->fd, "192/stat", "192 (x S 1\n", 11);
        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.pid = ev.tid = 192;
        ev.ts_ns = 10 * NSEC_PER_SEC;
        assert_int_equal(bl_enrich_exec_exited(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_ERROR);
        assert_int_equal(ev.info.error, EBADMSG);
        assert_nothing_kept(&ev.info);
        bl_event_done(&ev);
}

/* An exec event whose info holds what the kernel captured at the exec. */
static void captured_exec(struct bl_event *ev, pid_t pid, uint64_t start_ns, const char *const *argv,
                          size_t n, bool truncated)
{
        bl_event_init(ev, BL_EVENT_EXEC);
        ev->pid = ev->tid = pid;
        ev->ts_ns = start_ns + NSEC_PER_SEC;
        ev->info.start_ns = start_ns;
        ev->info.argv = calloc(n + 1, sizeof(char *));
        assert_non_null(ev->info.argv);
        for (size_t i = 0; i < n; i++)
                assert_non_null(ev->info.argv[i] = strdup(argv[i]));
        ev->info.argv_at_exec = true;
        ev->info.argv_truncated = truncated;
        ev->info.exe = strdup("/bin/../bin/prog");
        ev->info.exe_as_execed = true;
        snprintf(ev->info.comm, sizeof(ev->info.comm), "captured");
}

static void test_exec_captured(void **state)
{
        struct fixture *f = *state;
        /* 5000 ticks of boot time; the capture's start is exact, a few ms past the tick. */
        const uint64_t start = 50 * NSEC_PER_SEC - OFFSET_NS + 3 * NSEC_PER_MSEC;
        static const char *const args[] = { "prog", "--exact" };
        static const char *const cut[] = { "prog", "--lo" };
        static const char *const whole[] = { "prog", "--long-option", "tail" };
        struct bl_event ev;

        fake_pid(f, 150, "prog", 'S', 1, 0, 5000, FAKE_CMDLINE("prog\0--long-option\0tail\0"),
                 "/usr/bin/prog", "/srv");

        /* The same process: exe, cwd and unit are added, the captured argv and comm stay. */
        captured_exec(&ev, 150, start, args, 2, false);
        assert_int_equal(bl_enrich_exec_captured(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_OK);
        assert_argv(ev.info.argv, args, 2);
        assert_true(ev.info.argv_at_exec);
        assert_string_equal(ev.info.comm, "captured");
        assert_int_equal(ev.info.start_ns, start);
        assert_string_equal(ev.info.exe, "/usr/bin/prog");
        assert_false(ev.info.exe_as_execed);
        assert_string_equal(ev.info.cwd, "/srv");
        assert_string_equal(ev.info.unit, "test-150.service");
        bl_event_done(&ev);

        /* Another process under the pid (it started a second later than the exec's): nothing of it is
         * taken; what the capture said stays. */
        captured_exec(&ev, 150, start - NSEC_PER_SEC, args, 2, false);
        assert_int_equal(bl_enrich_exec_captured(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_REUSED);
        assert_argv(ev.info.argv, args, 2);
        assert_string_equal(ev.info.exe, "/bin/../bin/prog");
        assert_true(ev.info.exe_as_execed);
        assert_null(ev.info.cwd);
        assert_null(ev.info.unit);
        bl_event_done(&ev);

        /* One that started more than a tick before: not this one either. */
        captured_exec(&ev, 150, start + TICK_NS + 2 * NSEC_PER_MSEC, args, 2, false);
        assert_int_equal(bl_enrich_exec_captured(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_REUSED);
        assert_null(ev.info.cwd);
        bl_event_done(&ev);

        /* A capture cut at its limit: /proc's argv replaces it, as it begins with the captured one. */
        captured_exec(&ev, 150, start, cut, 2, true);
        assert_int_equal(bl_enrich_exec_captured(f->e, &ev), 0);
        assert_argv(ev.info.argv, whole, 3);
        assert_false(ev.info.argv_truncated);
        assert_false(ev.info.argv_at_exec);
        bl_event_done(&ev);

        /* ... but not when it says something else (a later image's, a rewritten argv area). */
        captured_exec(&ev, 150, start, args, 2, true);
        assert_int_equal(bl_enrich_exec_captured(f->e, &ev), 0);
        assert_argv(ev.info.argv, args, 2);
        assert_true(ev.info.argv_truncated);
        assert_true(ev.info.argv_at_exec);
        bl_event_done(&ev);

        /* Gone: what the capture said is all there is. */
        captured_exec(&ev, 4242, start, args, 2, false);
        assert_int_equal(bl_enrich_exec_captured(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_EXITED);
        assert_argv(ev.info.argv, args, 2);
        assert_string_equal(ev.info.exe, "/bin/../bin/prog");
        bl_event_done(&ev);
}

static void test_kthread(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;

        fake_pid(f, 2, "kthreadd", 'S', 0, KTHREAD, 0, FAKE_CMDLINE(""), NULL, NULL);
        fake_pid(f, 150, "kworker/0:1-ev", 'I', 2, KTHREAD, 30, FAKE_CMDLINE(""), NULL, NULL);
        /* Not a child of kthreadd (as in a container), only the flag says so. */
        fake_pid(f, 151, "kthread-x", 'S', 0, KTHREAD | 0x40, 30, FAKE_CMDLINE(""), NULL, "/");

        for (pid_t pid = 150; pid <= 151; pid++) {
                assert_int_equal(bl_enrich_read(f->e, pid, 0, &info), 0);
                assert_int_equal(info.status, BL_INFO_OK);
                assert_non_null(info.argv);
                assert_null(info.argv[0]);
                assert_null(info.exe);
                assert_null(info.unit);
                assert_int_equal(info.start_ns, 0); /* 0.3 s of boot time, before the 2 s asleep: unknown */
                bl_proc_info_done(&info);
        }
        assert_int_equal(bl_enrich_read(f->e, 2, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_OK);
        assert_string_equal(info.comm, "kthreadd");
        assert_non_null(info.argv);
        assert_null(info.argv[0]);
        assert_null(info.unit); /* kernel threads live in the root cgroup: not even looked for */
        bl_proc_info_done(&info);
}

static void test_gone_midway(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;
        static const char *const argv[] = { "quick" };

        /* Empty cmdline, no exe: the mm went away between reads. */
        fake_pid(f, 160, "quick", 'S', 1, 0, 10, FAKE_CMDLINE(""), NULL, NULL);
        assert_int_equal(bl_enrich_read(f->e, 160, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_EXITED);
        assert_string_equal(info.comm, "quick");
        assert_int_equal(info.ppid, 1);
        assert_null(info.argv);
        assert_null(info.unit);
        bl_proc_info_done(&info);

        /* argv read, then exe gone: EXITED, argv kept (the pin says it is this process's). */
        fake_pid(f, 161, "quick", 'S', 1, 0, 10, FAKE_CMDLINE("quick\0"), NULL, NULL);
        assert_int_equal(bl_enrich_read(f->e, 161, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_EXITED);
        assert_int_equal(info.error, ENOENT);
        assert_argv(info.argv, argv, ELEMENTSOF(argv));
        assert_null(info.exe);
        bl_proc_info_done(&info);

        /* No cmdline file at all: procfs removes it only with the whole process (reaped), so nothing
         * more is looked for. */
        fake_pid(f, 162, "quick", 'S', 1, 0, 10, NULL, 0, NULL, NULL);
        assert_int_equal(bl_enrich_read(f->e, 162, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_EXITED);
        assert_int_equal(info.error, ENOENT);
        assert_nothing_kept(&info);
        bl_proc_info_done(&info);

        /* Empty cmdline but an exe: caught inside its next exec (new mm, arguments not yet copied).
         * The exe is the next image's, so nothing of it is kept. */
        fake_pid(f, 163, "argc0", 'S', 1, 0, 10, FAKE_CMDLINE(""), "/bin/next-image", "/");
        assert_int_equal(bl_enrich_read(f->e, 163, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_SUPERSEDED);
        assert_null(info.argv);
        assert_null(info.exe);
        assert_string_equal(info.comm, "argc0");
        bl_proc_info_done(&info);
}

static void test_bad_stat(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;
        static const char *const bad[] = {
                "170 (x S 1 2 3\n",
                "170 (x) S\n",
                "170 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0\n",
                "170 (x) S -1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 0\n",
                "170 (x) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 0\n",
                "",
        };

        assert_int_equal(mkdirat(f->fd, "170", 0755), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int pfd = openat(f->fd, "170", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                assert_true(pfd >= 0);
                write_at(pfd, "stat", bad[i], strlen(bad[i]));
                write_at(pfd, "cmdline", "x", 2);
                close(pfd);
                assert_int_equal(bl_enrich_read(f->e, 170, 0, &info), 0);
                assert_int_equal(info.status, BL_INFO_ERROR);
                assert_int_equal(info.error, EBADMSG);
                assert_nothing_kept(&info);
                bl_proc_info_done(&info);
        }
        assert_int_equal(bl_enrich_read(f->e, 0, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_ERROR);
        bl_proc_info_done(&info);
}

static void test_options(void **state)
{
        struct fixture *f = *state;
        struct bl_enrich_options opts = { .proc_fd = -1 };
        struct bl_enricher *e = NULL;
        struct bl_proc_info info;
        int fd;

        /* The proc fd is the caller's: it may close it right away. */
        fd = dup(f->fd);
        assert_true(fd >= 0);
        opts.proc_fd = fd;
        opts.clk_tck = TCK;
        opts.offset_known = true;
        assert_int_equal(bl_enricher_new(&opts, &e), 0);
        close(fd);
        fake_pid(f, 180, "p", 'S', 1, 0, 250, FAKE_CMDLINE("p\0"), "/bin/p", "/");
        assert_int_equal(bl_enrich_read(e, 180, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_OK);
        assert_int_equal(info.start_ns, UINT64_C(2500000000)); /* offset known to be 0 */
        assert_null(info.unit);                                /* options given, read_unit off: none */
        bl_proc_info_done(&info);
        bl_enricher_free(e);

        /* Not a directory (a forgotten .proc_fd = -1 leaves 0, stdin) */
        fd = openat(f->fd, "42abc", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        opts.proc_fd = fd;
        assert_int_equal(bl_enricher_new(&opts, &e), -ENOTDIR);
        close(fd);
        assert_null(bl_enricher_free(NULL));
}

struct collected {
        size_t n;
        pid_t pids[64];
        pid_t ppids[64];
        uint64_t starts[64];
        enum bl_info_status statuses[64];
        int fail_after;
};

static int collect(struct bl_event *ev, void *userdata)
{
        struct collected *c = userdata;

        assert_int_equal(ev->type, BL_EVENT_SNAPSHOT);
        assert_int_equal(ev->pid, ev->tid);
        assert_true(ev->ts_ns > 0);
        if (c->fail_after > 0 && c->n == (size_t)c->fail_after)
                return -ECANCELED;
        assert_true(c->n < ELEMENTSOF(c->pids));
        c->pids[c->n] = ev->pid;
        c->ppids[c->n] = ev->info.ppid;
        c->starts[c->n] = ev->info.start_ns;
        c->statuses[c->n] = ev->info.status;
        c->n++;
        /* The event is ours only during the call: take something to prove it is owned. */
        free(ev->info.exe);
        ev->info.exe = NULL;
        return 0;
}

static void test_snapshot_fake(void **state)
{
        struct fixture *f = *state;
        static const pid_t order[] = { 88, 1, 2, 3, 9, 4, 300, 5, 40 };
        static const enum bl_info_status status[] = {
                BL_INFO_ERROR, BL_INFO_OK, BL_INFO_OK, BL_INFO_OK, BL_INFO_EXITED,
                BL_INFO_OK,    BL_INFO_OK, BL_INFO_OK, BL_INFO_OK,
        };
        struct collected c = {};
        int pfd;

        fake_pid(f, 40, "late", 'S', 300, 0, 900, FAKE_CMDLINE("late\0"), "/bin/late", "/");
        fake_pid(f, 300, "wrapped", 'S', 9, 0, 700, FAKE_CMDLINE("w\0"), "/bin/w", "/");
        fake_pid(f, 5, "child", 'S', 4, 0, 800, FAKE_CMDLINE("c\0"), "/bin/c", "/");
        fake_pid(f, 4, "parent", 'S', 1, 0, 700, FAKE_CMDLINE("p\0"), "/bin/p", "/");
        fake_pid(f, 3, "kworker", 'I', 2, KTHREAD, 2, FAKE_CMDLINE(""), NULL, NULL);
        fake_pid(f, 2, "kthreadd", 'S', 0, KTHREAD, 1, FAKE_CMDLINE(""), NULL, NULL);
        fake_pid(f, 1, "init", 'S', 0, 0, 1, FAKE_CMDLINE("/sbin/init\0"), "/sbin/init", "/");
        fake_pid(f, 9, "zombie", 'Z', 1, 0, 2, FAKE_CMDLINE(""), NULL, NULL);
        assert_int_equal(mkdirat(f->fd, "77", 0755), 0); /* vanished: no stat */
        assert_int_equal(mkdirat(f->fd, "88", 0755), 0); /* there, but its stat unreadable: kept */
        pfd = openat(f->fd, "88", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(pfd >= 0);
        write_at(pfd, "stat", "garbage", 7);
        write_at(pfd, "cmdline", "x", 2);
        close(pfd);

        assert_int_equal(bl_enrich_snapshot(f->e, collect, &c), (int)ELEMENTSOF(order));
        assert_int_equal(c.n, ELEMENTSOF(order));
        for (size_t i = 0; i < c.n; i++) {
                assert_int_equal(c.pids[i], order[i]);
                assert_int_equal(c.statuses[i], status[i]);
                if (i > 0)
                        assert_true(c.starts[i - 1] <= c.starts[i]);
        }
        assert_int_equal(c.ppids[ELEMENTSOF(order) - 1], 300);

        /* A callback's error stops the walk and is returned. */
        c = (struct collected){ .fail_after = 3 };
        assert_int_equal(bl_enrich_snapshot(f->e, collect, &c), -ECANCELED);
        assert_int_equal(c.n, 3);
}

static void test_snapshot_empty(void **state)
{
        struct fixture *f = *state;
        struct collected c = {};

        assert_int_equal(bl_enrich_snapshot(f->e, collect, &c), 0);
        assert_int_equal(c.n, 0);
}

/* ---- the real /proc ---- */

static void read_comm_self(char comm[static BL_COMM_MAX])
{
        int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
        ssize_t n;

        assert_true(fd >= 0);
        n = read(fd, comm, BL_COMM_MAX);
        assert_true(n > 0);
        close(fd);
        comm[n - 1] = 0; /* the newline */
}

static void test_real_self(void **state)
{
        struct fixture *f = *state;
        char exe[PATH_MAX], cwd[PATH_MAX], comm[BL_COMM_MAX], cg[4096], *unit = NULL;
        uint64_t now = now_ns();
        struct bl_proc_info info;
        ssize_t n;
        int fd;

        assert_int_equal(bl_enrich_read(f->e, getpid(), now, &info), 0);
        assert_int_equal(info.status, BL_INFO_OK);
        assert_argv(info.argv, (const char *const *)saved_argv, (size_t)saved_argc);
        assert_false(info.argv_truncated);
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        assert_true(n > 0);
        exe[n] = 0;
        assert_string_equal(info.exe, exe);
        assert_non_null(getcwd(cwd, sizeof(cwd)));
        assert_string_equal(info.cwd, cwd);
        read_comm_self(comm);
        assert_string_equal(info.comm, comm);
        assert_int_equal(info.ppid, getppid());
        assert_int_equal(info.uid, geteuid());
        assert_int_equal(info.gid, getegid());
        assert_true(info.start_ns > 0 && info.start_ns <= now);
        /* The unit read through the pin is what our own cgroup file says. */
        fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        n = read(fd, cg, sizeof(cg));
        assert_true(n > 0 && (size_t)n < sizeof(cg));
        close(fd);
        assert_int_equal(bl_unit_from_cgroup(cg, (size_t)n, &unit), 0);
        if (unit)
                assert_string_equal(info.unit, unit);
        else
                assert_null(info.unit);
        free(unit);
        bl_proc_info_done(&info);

        /* An exec event from before this process started: the pid is not the same process. */
        assert_int_equal(bl_enrich_read(f->e, getpid(), 1, &info), 0);
        assert_int_equal(info.status, BL_INFO_REUSED);
        assert_nothing_kept(&info);
        bl_proc_info_done(&info);
}

static void test_real_zombie(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;
        struct bl_event ev;
        siginfo_t si = {};
        pid_t pid;

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                (void)prctl(PR_SET_NAME, "zombie-kid");
                _exit(3);
        }
        /* Wait for it to die, but leave it unreaped. */
        assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);

        assert_int_equal(bl_enrich_read(f->e, pid, now_ns(), &info), 0);
        assert_int_equal(info.status, BL_INFO_EXITED);
        assert_string_equal(info.comm, "zombie-kid");
        assert_int_equal(info.ppid, getpid());
        assert_true(info.start_ns > 0);
        assert_null(info.argv);
        assert_null(info.exe);
        assert_null(info.cwd);
        bl_proc_info_done(&info);

        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.pid = ev.tid = pid;
        ev.ts_ns = now_ns();
        assert_int_equal(bl_enrich_exec_exited(f->e, &ev), 0);
        assert_int_equal(ev.info.status, BL_INFO_EXITED);
        assert_string_equal(ev.info.comm, "zombie-kid");
        assert_int_equal(ev.info.ppid, getpid());
        assert_int_equal(ev.info.uid, geteuid());
        bl_event_done(&ev);

        assert_int_equal(waitpid(pid, NULL, 0), pid);
        /* Reaped: gone (unless the pid was reused meanwhile, when it is not that child anyway). */
        assert_int_equal(bl_enrich_read(f->e, pid, now_ns(), &info), 0);
        assert_int_not_equal(info.status, BL_INFO_OK);
        bl_proc_info_done(&info);
}

static void test_real_missing(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;

        /* Above any pid_max (at most 2^22). */
        assert_int_equal(bl_enrich_read(f->e, INT_MAX, 0, &info), 0);
        assert_int_equal(info.status, BL_INFO_EXITED);
        assert_int_equal(info.error, ENOENT);
        assert_nothing_kept(&info);
        bl_proc_info_done(&info);
}

static void test_real_kthread(void **state)
{
        struct fixture *f = *state;
        struct bl_proc_info info;

        assert_int_equal(bl_enrich_read(f->e, 2, 0, &info), 0);
        if (!streq(info.comm, "kthreadd")) { /* a pid namespace without kernel threads */
                bl_proc_info_done(&info);
                skip();
        }
        assert_int_equal(info.status, BL_INFO_OK);
        assert_non_null(info.argv);
        assert_null(info.argv[0]);
        assert_null(info.exe);
        assert_int_equal(info.ppid, 0);
        bl_proc_info_done(&info);
}

/* Not allowed to look at pid 1's exe and cwd: DENIED, with what could be read. */
static void test_real_denied(void **state)
{
        int status;
        pid_t pid;

        if (geteuid() != 0)
                skip();
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct bl_enricher *e = NULL;
                struct bl_proc_info info;

                if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                    setresuid(65534, 65534, 65534) < 0)
                        _exit(10);
                if (bl_enricher_new(NULL, &e) < 0)
                        _exit(11);
                if (bl_enrich_read(e, 1, 0, &info) < 0)
                        _exit(12);
                if (info.status != BL_INFO_DENIED)
                        _exit(13);
                if (info.error != EACCES && info.error != EPERM)
                        _exit(14);
                if (!info.argv || info.exe || info.comm[0] == 0 || info.start_ns == 0)
                        _exit(15);
                bl_proc_info_done(&info);
                bl_enricher_free(e);
                _exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

struct real_entry {
        pid_t pid, ppid;
        uint64_t start_ns;
};

struct real_collected {
        size_t n, allocated;
        struct real_entry *entries;
};

static int collect_real(struct bl_event *ev, void *userdata)
{
        struct real_collected *c = userdata;

        assert_int_equal(ev->type, BL_EVENT_SNAPSHOT);
        assert_int_equal(ev->pid, ev->tid);
        assert_true(ev->ts_ns > 0);
        if (ev->pid == getpid()) {
                assert_int_equal(ev->info.status, BL_INFO_OK);
                assert_argv(ev->info.argv, (const char *const *)saved_argv, (size_t)saved_argc);
        }
        if (ev->pid == 1)
                assert_non_null(ev->info.argv); /* world-readable, even where exe is not */
        if (c->n == c->allocated) {
                c->allocated = MAX(c->allocated * 2, (size_t)256);
                c->entries = reallocarray(c->entries, c->allocated, sizeof(*c->entries));
                assert_non_null(c->entries);
        }
        c->entries[c->n++] = (struct real_entry){ ev->pid, ev->info.ppid, ev->info.start_ns };
        return 0;
}

static ssize_t find_pid(const struct real_collected *c, pid_t pid)
{
        for (size_t i = 0; i < c->n; i++)
                if (c->entries[i].pid == pid)
                        return (ssize_t)i;
        return -1;
}

static void test_real_snapshot(void **state)
{
        struct fixture *f = *state;
        struct real_collected c = {};
        ssize_t self, parent;
        int r;

        r = bl_enrich_snapshot(f->e, collect_real, &c);
        assert_true(r > 0);
        assert_int_equal((size_t)r, c.n);
        assert_true(find_pid(&c, 1) >= 0);
        self = find_pid(&c, getpid());
        assert_true(self >= 0);
        assert_int_equal(c.entries[self].ppid, getppid());

        for (size_t i = 0; i < c.n; i++) {
                /* Start times never go back (but for the noise of measuring the boot time offset). */
                if (i > 0)
                        assert_true(c.entries[i].start_ns + NSEC_PER_MSEC >= c.entries[i - 1].start_ns);
                /* Parents first: a parent may come after its child only if both started in one tick. */
                parent = find_pid(&c, c.entries[i].ppid);
                if (parent > (ssize_t)i)
                        assert_true(c.entries[parent].start_ns <= c.entries[i].start_ns + NSEC_PER_MSEC);
        }
        parent = find_pid(&c, getppid());
        assert_true(parent < self);
        free(c.entries);
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unit_path),
                cmocka_unit_test(test_unit_file),
                cmocka_unit_test_setup_teardown(test_read_all_fields, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_argv_unterminated, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_argv_truncated, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_comm, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_zombie, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_missing, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_reused, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_exec_exited, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_exec_captured, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_kthread, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_gone_midway, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_bad_stat, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_options, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_snapshot_fake, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_snapshot_empty, fake_setup, fake_teardown),
                cmocka_unit_test_setup_teardown(test_real_self, real_setup, real_teardown),
                cmocka_unit_test_setup_teardown(test_real_zombie, real_setup, real_teardown),
                cmocka_unit_test_setup_teardown(test_real_missing, real_setup, real_teardown),
                cmocka_unit_test_setup_teardown(test_real_kthread, real_setup, real_teardown),
                cmocka_unit_test_setup_teardown(test_real_denied, real_setup, real_teardown),
                cmocka_unit_test_setup_teardown(test_real_snapshot, real_setup, real_teardown),
        };

        saved_argc = argc;
        saved_argv = argv;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
