/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What /proc holds about a process, read without mixing up processes; see enrich.h. */
#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>

#include "enrich-internal.h"
#include "log.h"
#include "time-util.h"

#define ARGV_MAX_DEFAULT ((size_t)128 * 1024)
#define BUF_SIZE_INITIAL ((size_t)4096)
/* A stat line is well under 1 KiB; a longer one is not procfs. */
#define STAT_MAX ((size_t)64 * 1024)
/* Some 15 lines of hierarchy, controllers and a path of at most PATH_MAX each. */
#define CGROUP_MAX ((size_t)64 * 1024)
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

/* systemd's UNIT_NAME_MAX: a unit name is shorter than this. */
#define UNIT_NAME_MAX 256

/* The unit types systemd knows (unit_type_from_string()). */
static const char *const unit_types[] = {
        "service",   "mount", "swap", "socket", "target", "device",
        "automount", "timer", "path", "slice",  "scope",
};

static bool unit_char_ok(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c != 0 && strchr(":-_.\\@", c));
}

/*
 * As systemd's unit_name_is_valid() with UNIT_NAME_PLAIN, and
 * UNIT_NAME_INSTANCE too if instance_ok: "prefix.type" or, with an
 * instance, "prefix@instance.type"; prefix and instance made of
 * [a-zA-Z0-9:_.\\-], the instance of '@' too.
 */
static bool unit_name_valid(const char *n, size_t len, bool instance_ok)
{
        const char *dot, *at = NULL;
        bool type_ok = false;
        size_t tlen;

        if (len == 0 || len >= UNIT_NAME_MAX)
                return false;
        dot = memrchr(n, '.', len);
        if (!dot || dot == n)
                return false;
        tlen = (size_t)(n + len - dot - 1);
        for (size_t i = 0; i < ELEMENTSOF(unit_types); i++)
                if (strlen(unit_types[i]) == tlen && memcmp(dot + 1, unit_types[i], tlen) == 0) {
                        type_ok = true;
                        break;
                }
        if (!type_ok)
                return false;
        for (const char *p = n; p < dot; p++) {
                if (*p == '@' && !at)
                        at = p;
                if (!unit_char_ok(*p))
                        return false;
        }
        if (!at)
                return true;
        return instance_ok && at != n && dot > at + 1;
}

/* systemd escapes a cgroup name that could clash with the kernel's own files with a leading '_'. */
static void cg_unescape(const char **p, size_t *n)
{
        if (*n > 0 && **p == '_') {
                (*p)++;
                (*n)--;
        }
}

static bool is_slice(const char *p, size_t n)
{
        if (n < sizeof("x.slice") - 1 || memcmp(p + n - (sizeof(".slice") - 1), ".slice", 6) != 0)
                return false;
        cg_unescape(&p, &n);
        return unit_name_valid(p, n, false);
}

static int unit_from_path(const char *path, size_t len, char **ret_unit)
{
        const char *p = path, *end = path + len, *slash;
        size_t n;
        char *u;

        *ret_unit = NULL;
        if (len == 0 || *p != '/')
                return 0;
        /* Skip the slices (-.slice is not written: slices nest, system.slice/a.slice/b.slice). */
        for (;;) {
                while (p < end && *p == '/')
                        p++;
                slash = memchr(p, '/', (size_t)(end - p));
                n = (size_t)((slash ? slash : end) - p);
                if (!is_slice(p, n))
                        break;
                p += n;
        }
        /* The first thing below the slices is the unit; what is below it (a delegated subtree, a
         * service's own sub-cgroups) still belongs to it. */
        if (n < 3)
                return 0;
        cg_unescape(&p, &n);
        if (!unit_name_valid(p, n, true) || (n >= 6 && memcmp(p + n - 6, ".slice", 6) == 0))
                return 0;
        u = strndup(p, n);
        if (!u)
                return -ENOMEM;
        *ret_unit = u;
        return 0;
}

int bl_unit_from_cgroup_path(const char *path, char **ret_unit)
{
        return unit_from_path(path, strlen(path), ret_unit);
}

/* True if the comma-separated list [p, end) holds item. */
static bool list_has(const char *p, const char *end, const char *item)
{
        size_t n = strlen(item);

        while (p < end) {
                const char *comma = memchr(p, ',', (size_t)(end - p));
                const char *e = comma ? comma : end;

                if ((size_t)(e - p) == n && memcmp(p, item, n) == 0)
                        return true;
                p = e + 1;
        }
        return false;
}

int bl_unit_from_cgroup(const char *s, size_t len, char **ret_unit)
{
        const char *p = s, *end = s + len;
        const char *v2 = NULL, *v1 = NULL;
        size_t v2_len = 0, v1_len = 0;

        /* Lines "ID:CONTROLLERS:PATH"; the path may hold ':' itself. */
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *eol = nl ? nl : end, *c1, *c2;

                c1 = memchr(p, ':', (size_t)(eol - p));
                c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
                if (c2) {
                        const char *path = c2 + 1;
                        size_t plen = (size_t)(eol - path);

                        if (c1 - p == 1 && *p == '0' && c2 == c1 + 1) {
                                /* A process still in a cgroup that was removed. */
                                if (plen >= 10 && memcmp(path + plen - 10, " (deleted)", 10) == 0)
                                        plen -= 10;
                                v2 = path;
                                v2_len = plen;
                        } else if (list_has(c1 + 1, c2, "name=systemd")) {
                                v1 = path;
                                v1_len = plen;
                        }
                }
                p = eol + 1;
        }

        /*
         * The v2 line is there on every kernel with cgroup2 mounted anywhere, yet holds the
         * processes only if systemd runs on it (unified or hybrid, where both agree): on a legacy
         * system every process sits in its root, where name=systemd says more.
         */
        if (v2 && !(v2_len == 1 && v2[0] == '/'))
                return unit_from_path(v2, v2_len, ret_unit);
        if (v1)
                return unit_from_path(v1, v1_len, ret_unit);
        *ret_unit = NULL;
        return 0;
}

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

        e->read_unit = opts ? opts->read_unit : true;

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
 * Reads fd into e->buf, NUL-terminated, keeping at most limit bytes;
 * *ret_more says whether the file held more. A short read is taken as the
 * end of the file: procfs hands out stat, cgroup (seq_file) and cmdline
 * (get_mm_cmdline() loops up to the count) whole, so the read() that would
 * return 0 is saved — one syscall per file, per exec.
 */
static int read_fd(struct bl_enricher *e, int fd, size_t limit, size_t *ret_len, bool *ret_more)
{
        size_t len = 0, want;
        ssize_t n;
        int r;

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

/* read_fd() of name below dfd. */
static int read_file_at(struct bl_enricher *e, int dfd, const char *name, size_t limit, size_t *ret_len,
                        bool *ret_more)
{
        _cleanup_close_ int fd = -1;

        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        return read_fd(e, fd, limit, ret_len, ret_more);
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

int bl_argv_split(const char *s, size_t len, char ***ret)
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

/*
 * How the reads below are tied to one process, with no directory fd to pin
 * it: each "PID/file" is looked up anew, and a lookup finds whichever process
 * holds the pid at that moment (or fails if none does). A pid belongs to one
 * process from its fork until it is reaped, and the kernel hands it out
 * again only after that. So when stat, looked up LAST, shows a process that
 * started no later than not_after_ns, a moment when the process we want
 * already held the pid, that process held it all along: every earlier
 * lookup found it too. The open stat fd then pins it while it is read.
 * Reading stat last costs nothing: it is what a process keeps longest (a
 * zombie still has it), while cmdline, exe and cwd go during its exit(), so
 * those are read first, as soon as possible after the event. This saves the
 * directory fd's open and close: two syscalls of some fourteen per exec.
 */
struct pid_path {
        char buf[16 + sizeof("/cmdline")]; /* the longest name used */
        size_t prefix;                     /* length of "PID/" */
};

static void pid_path_init(struct pid_path *p, pid_t pid)
{
        char digits[16];
        const char *d = format_pid(digits, pid);

        p->prefix = strlen(d);
        memcpy(p->buf, d, p->prefix);
        p->buf[p->prefix++] = '/';
        p->buf[p->prefix] = 0;
}

static const char *pid_path(struct pid_path *p, const char *name)
{
        assert(strlen(name) < sizeof(p->buf) - p->prefix);
        strcpy(p->buf + p->prefix, name);
        return p->buf;
}

/* Reads PID/cgroup and derives the unit; none on any failure. */
static int read_unit(struct bl_enricher *e, struct pid_path *pp, char **ret_unit)
{
        size_t len;
        bool more;
        int r;

        *ret_unit = NULL;
        r = read_file_at(e, e->proc_fd, pid_path(pp, "cgroup"), CGROUP_MAX, &len, &more);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                (void)log_debug_errno(r, "Failed to read /proc/%scgroup, ignoring: %m", pp->buf);
                return 0;
        }
        return bl_unit_from_cgroup(e->buf, len, ret_unit);
}

/*
 * Reads and parses PID/stat, and the owner of the file: the process's
 * effective uid/gid, as its lookup just set it (task_dump_owner(), whatever
 * the process's dumpability).
 */
static int read_stat(struct bl_enricher *e, struct pid_path *pp, struct proc_stat *ret, struct stat *ret_st)
{
        _cleanup_close_ int fd = -1;
        size_t len;
        bool more;
        int r;

        fd = openat(e->proc_fd, pid_path(pp, "stat"), O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, ret_st) < 0)
                return negative_errno();
        r = read_fd(e, fd, STAT_MAX, &len, &more);
        if (r < 0)
                return r;
        r = parse_stat(e->buf, len, ret);
        if (r < 0)
                (void)log_debug_errno(r, "Failed to parse /proc/%sstat: %m", pp->buf);
        return r;
}

/*
 * Takes what stat says into info: start_ns, ppid, comm, uid, gid. False if
 * the process started after not_after_ns: the pid already names a newer
 * process.
 */
static bool take_stat(struct bl_enricher *e, const struct proc_stat *ps, const struct stat *st,
                      uint64_t not_after_ns, struct bl_proc_info *info)
{
        int64_t offset = e->offset_known ? e->boottime_offset_ns : boottime_offset_now();

        info->start_ns = boottime_to_monotonic(ticks_to_ns(ps->starttime, e->clk_tck), offset);
        /* starttime is rounded down to a tick, the bound is exact: allow one tick. */
        if (info->start_ns > not_after_ns + NSEC_PER_SEC / e->clk_tck) {
                info->start_ns = 0;
                return false;
        }
        info->ppid = ps->ppid;
        memcpy(info->comm, ps->comm, sizeof(info->comm));
        info->uid = st->st_uid;
        info->gid = st->st_gid;
        return true;
}

/* skip_cmdline: argv is known already (captured at the exec); the process is no kernel thread. */
static int read_full(struct bl_enricher *e, pid_t pid, uint64_t not_after_ns, bool skip_cmdline,
                     struct bl_proc_info *ret, uint64_t *ret_start_ticks, bool *ret_found)
{
        _cleanup_(bl_proc_info_done) struct bl_proc_info info;
        uint64_t start_ticks = 0;
        bool found = false, kthread, more, cmdline_empty = false, exe_gone = false;
        struct pid_path pp;
        struct proc_stat ps;
        struct stat st;
        size_t len;
        int r;

        bl_proc_info_init(&info);

        if (pid <= 0) {
                info.status = BL_INFO_ERROR;
                info.error = EINVAL;
                goto done;
        }
        /* Without an event, the process wanted is the one holding the pid now, before any lookup. */
        if (not_after_ns == 0)
                not_after_ns = now_monotonic();
        pid_path_init(&pp, pid);
        info.status = BL_INFO_OK;

        if (skip_cmdline)
                goto exe;
        r = read_file_at(e, e->proc_fd, pid_path(&pp, "cmdline"), e->argv_max, &len, &more);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                note_error(&info, -r);
                /* Reaped (cmdline is there as long as stat is): nothing left to read. */
                if (info.status == BL_INFO_EXITED)
                        goto done;
        } else if (len > 0) {
                r = bl_argv_split(e->buf, len, &info.argv);
                if (r < 0)
                        return r;
                info.argv_truncated = more;
        } else
                /* A kernel thread; or a process whose mm is gone (exiting, or a zombie), or that is in the
                 * middle of its next exec (the new mm installed, its arguments not yet copied in). Since
                 * Linux 5.18 an exec with argc == 0 gets an empty argv[0], so a finished exec never reads
                 * as empty. stat tells the first apart, exe the other two. */
                cmdline_empty = true;

exe:
        r = readlink_at(e, e->proc_fd, pid_path(&pp, "exe"), &info.exe);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT && cmdline_empty)
                exe_gone = true; /* a kernel thread's, or gone with the mm: stat says which */
        else if (r < 0)
                note_error(&info, -r);

        if (!cmdline_empty && info.status != BL_INFO_EXITED) {
                r = readlink_at(e, e->proc_fd, pid_path(&pp, "cwd"), &info.cwd);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        note_error(&info, -r);
        }
        /* Not a kernel thread (they have no argv), and not gone yet. */
        if (!cmdline_empty && info.status != BL_INFO_EXITED && e->read_unit) {
                r = read_unit(e, &pp, &info.unit);
                if (r < 0)
                        return r;
        }

        r = read_stat(e, &pp, &ps, &st);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* Nothing read above can be vouched for. */
                bl_proc_info_done(&info);
                note_error(&info, -r);
                goto done;
        }
        if (!take_stat(e, &ps, &st, not_after_ns, &info)) {
                bl_proc_info_done(&info);
                info.status = BL_INFO_REUSED;
                goto done;
        }
        found = true;
        start_ticks = ps.starttime;

        if (!cmdline_empty)
                goto done;
        /* The flag, not "pid 2 or a child of it": in a pid namespace those are ordinary processes, and
         * every kernel thread (kthreadd included) has had the flag since Linux 2.6.27. */
        kthread = ps.flags & PF_KTHREAD;
        if (kthread) {
                /* No mm: an empty argv and no exe. They live in the root cgroup: no unit either. */
                info.argv = calloc(1, sizeof(char *));
                if (!info.argv)
                        return -ENOMEM;
        } else if (ps.state == 'Z' || ps.state == 'X') {
                /* argv, exe and cwd went with the mm; comm, ppid, start and ids are still this process's
                 * (whatever exe said: a zombie's is not readable by everyone). */
                info.status = BL_INFO_EXITED;
                info.error = 0;
        } else if (info.exe) {
                /* The exe is already the next image's: keep none of it, and say why. */
                info.exe = mfree(info.exe);
                info.status = BL_INFO_SUPERSEDED;
        } else if (exe_gone)
                /* Exiting: argv, exe and cwd went with the mm. */
                note_error(&info, ENOENT);

done:
        if (ret_start_ticks)
                *ret_start_ticks = start_ticks;
        if (ret_found)
                *ret_found = found;
        *ret = info;
        bl_proc_info_init(&info);
        return 0;
}

int enrich_read_full(struct bl_enricher *e, pid_t pid, uint64_t not_after_ns, struct bl_proc_info *ret,
                     uint64_t *ret_start_ticks, bool *ret_found)
{
        return read_full(e, pid, not_after_ns, false, ret, ret_start_ticks, ret_found);
}

int bl_enrich_read(struct bl_enricher *e, pid_t pid, uint64_t not_after_ns, struct bl_proc_info *ret)
{
        return read_full(e, pid, not_after_ns, false, ret, NULL, NULL);
}

/* Whether every argument of a (captured at the exec, cut at its limit) begins b's, the last one a prefix. */
static bool argv_extends(char *const *a, char *const *b)
{
        size_t n = strv_length(a);

        if (n == 0 || strv_length(b) < n)
                return false;
        for (size_t i = 0; i + 1 < n; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return strncmp(a[n - 1], b[n - 1], strlen(a[n - 1])) == 0;
}

int bl_enrich_exec_captured(struct bl_enricher *e, struct bl_event *ev)
{
        _cleanup_(bl_proc_info_done) struct bl_proc_info info;
        struct bl_proc_info *c = &ev->info;
        uint64_t tick = NSEC_PER_SEC / e->clk_tck;
        bool found;
        int r;

        /* A cut argv: /proc may hold all of it, if it is still this image's. */
        r = read_full(e, ev->pid, ev->ts_ns, !c->argv_truncated, &info, NULL, &found);
        if (r < 0)
                return r;
        c->status = info.status;
        c->error = info.error;
        /* stat's start time is rounded down to a tick, and the boot-time offset is measured (a slack
         * of a millisecond for that): the capture's is exact. Anything else is another process (or
         * none found): keep nothing of it. */
        if (!found || info.start_ns > c->start_ns + NSEC_PER_MSEC ||
            c->start_ns > info.start_ns + tick + NSEC_PER_MSEC) {
                if (found)
                        c->status = BL_INFO_REUSED;
                return 0;
        }
        if (info.exe) {
                free(c->exe);
                c->exe = TAKE_PTR(info.exe);
                c->exe_as_execed = false;
        }
        c->cwd = TAKE_PTR(info.cwd);
        c->unit = TAKE_PTR(info.unit);
        if (c->argv_truncated && info.argv && argv_extends(c->argv, info.argv) &&
            strv_length(info.argv) >= strv_length(c->argv)) {
                strv_free(c->argv);
                c->argv = TAKE_PTR(info.argv);
                c->argv_truncated = info.argv_truncated;
                c->argv_at_exec = false;
        }
        return 0;
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

int bl_enrich_exec_exited(struct bl_enricher *e, struct bl_event *ev)
{
        _cleanup_(bl_proc_info_done) struct bl_proc_info info;
        struct pid_path pp;
        struct proc_stat ps;
        struct stat st;
        int r;

        bl_proc_info_init(&info);
        if (ev->pid <= 0 || ev->ts_ns == 0) {
                info.status = BL_INFO_ERROR;
                info.error = EINVAL;
                goto done;
        }

        /* One file, so it needs nothing else: the start time says whose it is. */
        pid_path_init(&pp, ev->pid);
        info.status = BL_INFO_OK;
        r = read_stat(e, &pp, &ps, &st);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                note_error(&info, -r);
                goto done;
        }
        if (!take_stat(e, &ps, &st, ev->ts_ns, &info)) {
                bl_proc_info_done(&info);
                info.status = BL_INFO_REUSED;
                goto done;
        }
        info.status = BL_INFO_EXITED;

done:
        bl_proc_info_move(&ev->info, &info);
        return 0;
}
