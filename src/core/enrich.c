/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <systemd/sd-login.h>
#include <time.h>

#include "enrich-internal.h"
#include "log.h"

#define ARGV_MAX_DEFAULT ((size_t)128 * 1024)
#define BUF_SIZE_INITIAL ((size_t)4096)
/* A stat line is well under 1 KiB; a longer one is not procfs. */
#define STAT_MAX ((size_t)64 * 1024)
/* Links under /proc/PID are d_path() output: at most a page; leave room for big pages. */
#define LINK_MAX_LEN ((size_t)64 * 1024)
/* include/linux/sched.h; not exported to user space. */
#define PF_KTHREAD UINT64_C(0x00200000)

/* The fields of /proc/PID/stat we use, numbered as in proc(5). */
struct proc_stat {
        char comm[BL_COMM_MAX]; /* 2 */
        char state;             /* 3 */
        pid_t ppid;             /* 4 */
        uint64_t flags;         /* 9 */
        uint64_t starttime;     /* 22: clock ticks since boot (CLOCK_BOOTTIME) */
};

static void enricher_freep(struct bl_enricher **e)
{
        bl_enricher_free(*e);
}

/* CLOCK_BOOTTIME - CLOCK_MONOTONIC now. MONOTONIC is read first: a delay between the reads can only
 * make the offset larger, hence start times earlier, never a live process "reused". */
static int64_t boottime_offset_now(void)
{
        struct timespec mono, boot;

        if (clock_gettime(CLOCK_MONOTONIC, &mono) < 0 || clock_gettime(CLOCK_BOOTTIME, &boot) < 0)
                return 0;
        return ((int64_t)boot.tv_sec - mono.tv_sec) * (int64_t)NSEC_PER_SEC + (boot.tv_nsec - mono.tv_nsec);
}

int bl_enricher_new(const struct bl_enrich_options *opts, struct bl_enricher **ret)
{
        _cleanup_(enricher_freep) struct bl_enricher *e = NULL;
        struct stat st;
        long tck;

        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;

        /* Our own fd, so the caller may close theirs whenever it likes. */
        if (opts && opts->proc_fd >= 0)
                e->proc_fd = fcntl(opts->proc_fd, F_DUPFD_CLOEXEC, 3);
        else
                e->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (e->proc_fd < 0)
                return negative_errno();
        /* Catches a forgotten .proc_fd = -1 (fd 0 is stdin) instead of reading nothing, quietly. */
        if (fstat(e->proc_fd, &st) < 0)
                return negative_errno();
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;

        e->argv_max = opts && opts->argv_max > 0 ? opts->argv_max : ARGV_MAX_DEFAULT;
        if (e->argv_max > SIZE_MAX / 4)
                return -EINVAL;

        if (opts && opts->clk_tck > 0)
                e->clk_tck = opts->clk_tck;
        else {
                tck = sysconf(_SC_CLK_TCK);
                if (tck <= 0)
                        return -EINVAL;
                e->clk_tck = (uint64_t)tck;
        }
        if (e->clk_tck > NSEC_PER_SEC)
                return -EINVAL;

        /* The offset grows with every suspend: unless given, it is measured at each read. */
        if (opts && (opts->offset_known || opts->boottime_offset_ns != 0)) {
                e->offset_known = true;
                e->boottime_offset_ns = opts->boottime_offset_ns;
        }

        e->get_unit = opts ? opts->get_unit : bl_enrich_unit_sd;

        e->buf = malloc(BUF_SIZE_INITIAL);
        if (!e->buf)
                return -ENOMEM;
        e->buf_size = BUF_SIZE_INITIAL;

        *ret = TAKE_PTR(e);
        return 0;
}

struct bl_enricher *bl_enricher_free(struct bl_enricher *e)
{
        if (!e)
                return NULL;
        safe_close(e->proc_fd);
        free(e->buf);
        free(e);
        return NULL;
}

/* Doubles the scratch buffer, up to limit bytes. Only called while it is below limit. */
static int buf_grow(struct bl_enricher *e, size_t limit)
{
        size_t size = MIN(e->buf_size * 2, limit);
        char *p;

        if (size <= e->buf_size)
                return -ENOBUFS;
        p = realloc(e->buf, size);
        if (!p)
                return -ENOMEM;
        e->buf = p;
        e->buf_size = size;
        return 0;
}

/*
 * Reads name (below dfd) into e->buf, NUL-terminated, keeping at most limit
 * bytes; *ret_more says whether the file held more. A short read is taken as
 * the end of the file: procfs hands out stat (seq_file) and cmdline
 * (get_mm_cmdline() loops up to the count) whole, so the read() that would
 * return 0 is saved — one syscall per file, per exec.
 */
static int read_file_at(struct bl_enricher *e, int dfd, const char *name, size_t limit, size_t *ret_len,
                        bool *ret_more)
{
        _cleanup_close_ int fd = -1;
        size_t len = 0, want;
        ssize_t n;
        int r;

        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();

        for (;;) {
                /* limit + 1 bytes tell whether there was more; one more byte holds the NUL. */
                if (len + 1 >= e->buf_size) {
                        r = buf_grow(e, limit + 2);
                        if (r < 0)
                                return r;
                }
                want = MIN(e->buf_size - 1, limit + 1) - len;
                n = read(fd, e->buf + len, want);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                len += (size_t)n;
                if (len > limit || (size_t)n < want)
                        break;
        }

        *ret_more = len > limit;
        *ret_len = MIN(len, limit);
        e->buf[*ret_len] = 0;
        return 0;
}

/* readlinkat() into a new string, growing the scratch buffer if the target filled it. */
static int readlink_at(struct bl_enricher *e, int dfd, const char *name, char **ret)
{
        ssize_t n;
        char *s;
        int r;

        for (;;) {
                n = readlinkat(dfd, name, e->buf, e->buf_size);
                if (n < 0)
                        return negative_errno();
                if ((size_t)n < e->buf_size)
                        break;
                if (e->buf_size >= LINK_MAX_LEN)
                        return -ENAMETOOLONG;
                r = buf_grow(e, LINK_MAX_LEN);
                if (r < 0)
                        return r;
        }
        s = strndup(e->buf, (size_t)n);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int parse_u64(const char *p, const char *end, uint64_t *ret)
{
        uint64_t v = 0;

        if (p == end)
                return -EBADMSG;
        for (; p < end; p++) {
                unsigned d = (unsigned char)*p - '0';

                if (d > 9)
                        return -EBADMSG;
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

/*
 * Parses a /proc/PID/stat line. comm (field 2) is in parentheses and may hold
 * anything but NUL, ')' and spaces included: it ends at the LAST ')', since
 * no later field can contain one.
 */
static int parse_stat(const char *s, size_t len, struct proc_stat *ret)
{
        const char *open, *close, *p, *tok, *end = s + len;
        struct proc_stat ps = {};
        uint64_t v;
        int r;

        open = memchr(s, '(', len);
        close = memrchr(s, ')', len);
        if (!open || !close || close < open)
                return -EBADMSG;
        memcpy(ps.comm, open + 1, MIN((size_t)(close - open - 1), sizeof(ps.comm) - 1));

        p = close + 1;
        for (unsigned field = 3; field <= 22; field++) {
                if (p >= end || *p != ' ')
                        return -EBADMSG;
                tok = ++p;
                while (p < end && *p != ' ' && *p != '\n')
                        p++;
                if (p == tok)
                        return -EBADMSG;

                switch (field) {
                case 3:
                        if (p - tok != 1)
                                return -EBADMSG;
                        ps.state = *tok;
                        break;
                case 4:
                        r = parse_u64(tok, p, &v);
                        if (r < 0)
                                return r;
                        if (v > INT_MAX)
                                return -ERANGE;
                        ps.ppid = (pid_t)v;
                        break;
                case 9:
                        r = parse_u64(tok, p, &ps.flags);
                        if (r < 0)
                                return r;
                        break;
                case 22:
                        r = parse_u64(tok, p, &ps.starttime);
                        if (r < 0)
                                return r;
                        break;
                default: break;
                }
        }
        *ret = ps;
        return 0;
}

/*
 * Splits cmdline into a NULL-terminated argv. A process may have rewritten
 * its argv area (setproctitle()), and a cut at argv_max lands anywhere: a
 * tail without its NUL is one more argument. Empty arguments are kept.
 */
static int argv_split(const char *s, size_t len, char ***ret)
{
        _cleanup_strv_free_ char **argv = NULL;
        const char *p, *z, *end = s + len;
        size_t n = 0;

        for (p = s; p < end; n++) {
                z = memchr(p, 0, (size_t)(end - p));
                p = z ? z + 1 : end;
        }
        argv = calloc(n + 1, sizeof(char *));
        if (!argv)
                return -ENOMEM;
        p = s;
        for (size_t i = 0; i < n; i++) {
                z = memchr(p, 0, (size_t)(end - p));
                if (!z)
                        z = end;
                argv[i] = strndup(p, (size_t)(z - p));
                if (!argv[i])
                        return -ENOMEM;
                p = z + 1;
        }
        *ret = TAKE_PTR(argv);
        return 0;
}

static uint64_t ticks_to_ns(uint64_t ticks, uint64_t clk_tck)
{
        /* Split so that ticks * NSEC_PER_SEC cannot overflow, and no precision is lost for any clk_tck. */
        return ticks / clk_tck * NSEC_PER_SEC + ticks % clk_tck * NSEC_PER_SEC / clk_tck;
}

/*
 * CLOCK_BOOTTIME ns since boot to CLOCK_MONOTONIC. A process that started
 * before a suspend started at an unknown monotonic time (the offset then was
 * smaller than now): if that makes it negative, it is unknown (0).
 */
static uint64_t boottime_to_monotonic(uint64_t boot_ns, int64_t offset)
{
        if (offset < 0)
                return boot_ns + (uint64_t)-offset;
        return boot_ns > (uint64_t)offset ? boot_ns - (uint64_t)offset : 0;
}

static char *format_pid(char buf[static 16], pid_t pid)
{
        char *p = buf + 15;
        unsigned v = (unsigned)pid;

        *p = 0;
        do
                *--p = (char)('0' + v % 10);
        while (v /= 10);
        return p;
}

static bool errno_is_gone(int err)
{
        return err == ENOENT || err == ESRCH;
}

/* Records a failed read in the status: gone beats denied beats any other error. */
static void note_error(struct bl_proc_info *info, int err)
{
        enum bl_info_status s;

        if (errno_is_gone(err))
                s = BL_INFO_EXITED;
        else if (err == EACCES || err == EPERM)
                s = BL_INFO_DENIED;
        else
                s = BL_INFO_ERROR;

        switch (info->status) {
        case BL_INFO_EXITED: return;
        case BL_INFO_DENIED:
                if (s != BL_INFO_EXITED)
                        return;
                break;
        case BL_INFO_ERROR:
                if (s == BL_INFO_ERROR)
                        return;
                break;
        default: break;
        }
        info->status = s;
        info->error = err;
}

int enrich_read_full(struct bl_enricher *e, pid_t pid, uint64_t not_after_ns, struct bl_proc_info *ret,
                     uint64_t *ret_start_ticks, bool *ret_found)
{
        _cleanup_(bl_proc_info_done) struct bl_proc_info info;
        _cleanup_close_ int dfd = -1;
        uint64_t start_ticks = 0;
        bool found = false;
        struct proc_stat ps;
        bool kthread, more, cmdline_empty = false;
        char name[16];
        struct stat st;
        int64_t offset;
        size_t len;
        int r;

        bl_proc_info_init(&info);

        if (pid <= 0) {
                info.status = BL_INFO_ERROR;
                info.error = EINVAL;
                goto done;
        }

        /* The pin: every read below goes through this fd, so all of it comes from one process. */
        dfd = openat(e->proc_fd, format_pid(name, pid), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
                note_error(&info, errno);
                goto done;
        }

        /* The directory's owner is the process's effective uid/gid (task_dump_owner(), whatever its
         * dumpability). Read before stat: for a reaped process fstat() still succeeds, claiming root;
         * stat being readable afterwards proves this answer came from the live process. */
        if (fstat(dfd, &st) >= 0) {
                info.uid = st.st_uid;
                info.gid = st.st_gid;
        }

        r = read_file_at(e, dfd, "stat", STAT_MAX, &len, &more);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                r = parse_stat(e->buf, len, &ps);
                if (r < 0)
                        (void)log_debug_errno(r, "Failed to parse /proc/%d/stat: %m", (int)pid);
        }
        if (r < 0) {
                info.uid = info.gid = UINT32_MAX;
                note_error(&info, -r);
                goto done;
        }

        found = true;
        start_ticks = ps.starttime;
        offset = e->offset_known ? e->boottime_offset_ns : boottime_offset_now();
        info.start_ns = boottime_to_monotonic(ticks_to_ns(ps.starttime, e->clk_tck), offset);
        /* starttime is rounded down to a tick, the event time is exact: allow one tick. */
        if (not_after_ns != 0 && info.start_ns > not_after_ns + NSEC_PER_SEC / e->clk_tck) {
                bl_proc_info_done(&info);
                info.status = BL_INFO_REUSED;
                start_ticks = 0;
                found = false;
                goto done;
        }

        info.status = BL_INFO_OK;
        info.ppid = ps.ppid;
        memcpy(info.comm, ps.comm, sizeof(info.comm));
        if (ps.state == 'Z' || ps.state == 'X') {
                /* argv, exe and cwd went with the mm; comm, ppid, start and ids are still this process's. */
                info.status = BL_INFO_EXITED;
                goto done;
        }
        /* The flag, not "pid 2 or a child of it": in a pid namespace those are ordinary processes, and
         * every kernel thread (kthreadd included) has had the flag since Linux 2.6.27. */
        kthread = ps.flags & PF_KTHREAD;

        r = read_file_at(e, dfd, "cmdline", e->argv_max, &len, &more);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                note_error(&info, -r);
                if (info.status == BL_INFO_EXITED)
                        goto done;
        } else if (len > 0) {
                r = argv_split(e->buf, len, &info.argv);
                if (r < 0)
                        return r;
                info.argv_truncated = more;
        } else if (kthread) {
                info.argv = calloc(1, sizeof(char *));
                if (!info.argv)
                        return -ENOMEM;
        } else
                /* Empty because the mm is gone (the process is exiting), or because the process is in the
                 * middle of its next exec (the new mm is installed, its arguments not yet copied in).
                 * Since Linux 5.18 an exec with argc == 0 gets an empty argv[0], so a finished exec
                 * never reads as empty. exe, read next, tells which. */
                cmdline_empty = true;

        r = readlink_at(e, dfd, "exe", &info.exe);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && !(kthread && r == -ENOENT)) {
                note_error(&info, -r);
                if (info.status == BL_INFO_EXITED)
                        goto done;
        }
        if (cmdline_empty && info.exe) {
                /* The exe is already the next image's: keep none of it, and say why. */
                info.exe = mfree(info.exe);
                info.status = BL_INFO_SUPERSEDED;
                goto done;
        }

        r = readlink_at(e, dfd, "cwd", &info.cwd);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && !(kthread && r == -ENOENT)) {
                note_error(&info, -r);
                if (info.status == BL_INFO_EXITED)
                        goto done;
        }

        /* Kernel threads live in the root cgroup: no unit, and no reason to ask. */
        if (e->get_unit && !kthread) {
                char *unit = NULL;

                r = e->get_unit(pid, dfd, &unit);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        (void)log_debug_errno(r, "Failed to get the unit of process %d, ignoring: %m",
                                              (int)pid);
                else
                        info.unit = unit;
        }

done:
        if (ret_start_ticks)
                *ret_start_ticks = start_ticks;
        if (ret_found)
                *ret_found = found;
        *ret = info;
        bl_proc_info_init(&info);
        return 0;
}

int bl_enrich_read(struct bl_enricher *e, pid_t pid, uint64_t not_after_ns, struct bl_proc_info *ret)
{
        return enrich_read_full(e, pid, not_after_ns, ret, NULL, NULL);
}

int bl_enrich_exec(struct bl_enricher *e, struct bl_event *ev)
{
        struct bl_proc_info info;
        int r;

        r = bl_enrich_read(e, ev->pid, ev->ts_ns, &info);
        if (r < 0)
                return r;
        bl_proc_info_move(&ev->info, &info);
        return 0;
}

int bl_enrich_unit_sd(pid_t pid, int pid_dirfd, char **ret_unit)
{
        char *unit = NULL;
        int r;

        if (pid <= 0 || pid_dirfd < 0)
                return -EINVAL;

        r = sd_pid_get_unit(pid, &unit);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* -ENODATA, -ENXIO: not in a unit, or no systemd; -ESRCH: gone. None is an error. */
                *ret_unit = NULL;
                return 0;
        }
        /* sd_pid_get_unit() looked the pid up by number: trust it only if the pinned process outlived
         * the call, so that the number still meant this process throughout. */
        if (faccessat(pid_dirfd, "stat", F_OK, 0) < 0) {
                free(unit);
                *ret_unit = NULL;
                return 0;
        }
        *ret_unit = unit;
        return 0;
}
