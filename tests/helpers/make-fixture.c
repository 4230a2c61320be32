/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * make-fixture: writes recordings whose every byte is fixed, for the tests
 * that compare what bootlog prints with files checked in (tests/golden/).
 * Nothing comes from this machine: the header, the pids and the timestamps
 * are made up, so the same command gives the same recording anywhere.
 *
 *   make-fixture NAME [N] OUT [NAME [N] OUT ...]
 *
 *   seed OUT     the seed story: an rc script starts a daemon through a
 *                double fork and a ruby program whose helper runs sudo, which
 *                runs sendmail -t; beside it a service whose children fail in
 *                each way a process can (SIGKILL, SIGSEGV with a core dump,
 *                exit 3), exit before /proc is read, are traced, and one whose
 *                argv holds a terminal escape sequence, a newline and invalid
 *                UTF-8; a thread, uid/gid/sid/comm events, a lost-event gap
 *                and a clean end at StartupFinished. Every task that exits
 *                has a COST record, with figures fixed per program.
 *   seed2 OUT    the next boot of the same machine, for `bootlog diff`: other
 *                pids and boot id, one day later; one command new, one gone,
 *                the daemon running much longer, grep run ten times as often.
 *   storm N OUT  N fork+exec+exit of /bin/true under one spawner, pids
 *                wrapping at 32768 as on a default pid_max; no COST records,
 *                as from a recorder that did not listen to taskstats.
 *
 * The recording is written with the core library's writer, as bootlogd
 * writes it, except for the END record: bl_writer_close() stamps it with the
 * clock and pid of the caller, so it is appended here like any other event.
 */
#include <assert.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

#include "event.h"
#include "format-def.h"
#include "format.h"
#include "log.h"
#include "macro.h"
#include "writer.h"

/* The made-up machine: pid_max, the first pid after a wrap (the kernel's RESERVED_PIDS), ticks. */
#define FIXTURE_PID_MAX   32768
#define FIXTURE_PID_WRAP  300
#define FIXTURE_CLK_TCK   100
#define FIXTURE_RECORDER  99
#define FIXTURE_HOSTNAME  "fixture"
#define FIXTURE_KERNEL    "6.1.0-fixture"
#define FIXTURE_MACHINE   "f1c7f1c7a5e54d0b9e0b6d2c0ffee000"
#define FIXTURE_BOOT_SEED "5eedb0070001400080000000000000a1"
#define FIXTURE_BOOT_NEXT "5eedb0070001400080000000000000a2"
#define FIXTURE_BOOT_STRM "5eedb0070001400080000000000000b1"

/* The header's clock pair: CLOCK_MONOTONIC 5 s is 2026-11-22 10:00:00 UTC. */
#define REF_MONOTONIC_NS (5 * NSEC_PER_SEC)
#define REF_REALTIME_NS  (UINT64_C(1795341600) * NSEC_PER_SEC)
#define DAY_NS           (UINT64_C(86400) * NSEC_PER_SEC)
/* The START record, 50 µs after the clock pair. Every time below is in µs after it. */
#define START_NS (REF_MONOTONIC_NS + 50 * NSEC_PER_USEC)

/* wait(2) statuses */
#define EXITED(code) ((uint32_t)(code) << 8)
#define KILLED(sig)  ((uint32_t)(sig))
#define DUMPED(sig)  ((uint32_t)(sig) | 0x80)

#define ARGV_MAX 8

/* What one task running an image uses, as taskstats gives it at the exit; the other fields derive from
 * these. */
struct figures {
        uint64_t utime_us, stime_us;
        uint64_t read_kib, write_kib, cancelled_kib;
        uint64_t rss_kib;
        uint64_t blkio_us;
};

/* A program image as /proc shows it right after the exec. */
struct image {
        const char *argv[ARGV_MAX]; /* NULL-terminated */
        bool kthread;               /* a kernel thread: known and empty argv */
        const char *exe, *unit;     /* NULL: unknown */
        const char *cwd;            /* NULL: "/" */
        const char *comm;
        uint32_t uid, gid;
        enum bl_info_status status; /* not BL_INFO_OK: only comm is kept, as the enricher does */
        struct figures cost;        /* of its main thread */
        struct figures thread_cost; /* of each other thread */
};

struct proc {
        pid_t ppid;              /* parent now: the forker, or whoever it was reparented to */
        uint64_t start_ns;       /* fork time */
        const struct image *img; /* what it runs: its last exec, else its forker's; NULL unknown */
};

struct story {
        struct bl_writer *w;
        uint64_t records; /* appended so far: the count END gives */
        uint64_t lost;    /* sum of LOST counts */
        int r;            /* the first failure; nothing is written after it */
        bool costs;       /* a COST record follows each exit */
        struct proc procs[FIXTURE_PID_MAX];
};

/* One boot of the seed story. */
struct variant {
        const char *boot_id;
        uint64_t realtime_ns;
        pid_t pid_shift;    /* another boot runs the same programs under other pids */
        unsigned n_greps;   /* runs of `grep -q vda1 /proc/mounts` by the checks service */
        uint64_t puppet_us; /* how long the daemon runs */
        bool legacy_hook;   /* runs only in the first boot */
        bool new_hook;      /* runs only in the second */
        uint64_t end_us;    /* StartupFinished */
};

static const struct variant variant_seed = {
        .boot_id = FIXTURE_BOOT_SEED,
        .realtime_ns = REF_REALTIME_NS,
        .n_greps = 6,
        .puppet_us = 2300000,
        .legacy_hook = true,
        .end_us = 2600000,
};

static const struct variant variant_seed2 = {
        .boot_id = FIXTURE_BOOT_NEXT,
        .realtime_ns = REF_REALTIME_NS + DAY_NS,
        .pid_shift = 17,
        .n_greps = 60,
        .puppet_us = 9400000,
        .new_hook = true,
        .end_us = 9700000,
};

#define STORY_UNIT  "seed-story.service"
#define CHECKS_UNIT "seed-checks.service"

static const struct image img_init = {
        .argv = { "/sbin/init" },
        .exe = "/lib/systemd/systemd",
        .unit = "init.scope",
        .comm = "systemd",
};
static const struct image img_kthreadd = { .kthread = true, .comm = "kthreadd" };
static const struct image img_bash = {
        .argv = { "-bash" },
        .exe = "/usr/bin/bash",
        .cwd = "/root",
        .unit = "session-1.scope",
        .comm = "bash",
};
static const struct image img_bootlogd = {
        .argv = { "/usr/sbin/bootlogd" },
        .exe = "/usr/sbin/bootlogd",
        .unit = "bootlogd.service",
        .comm = "bootlogd",
};
static const struct image img_rc = {
        .argv = { "/bin/sh", "/etc/init.d/rc", "2" },
        .exe = "/usr/bin/dash",
        .unit = STORY_UNIT,
        .comm = "rc",
        .cost = { .utime_us = 9100, .stime_us = 14300, .read_kib = 180, .rss_kib = 1620, .blkio_us = 2100 },
};
static const struct image img_s21puppet = {
        .argv = { "/bin/sh", "/etc/rc2.d/S21puppet", "start" },
        .exe = "/usr/bin/dash",
        .unit = STORY_UNIT,
        .comm = "S21puppet",
};
static const struct image img_ssd = {
        .argv = { "/sbin/start-stop-daemon", "--start", "--quiet", "--background", "--startas",
                  "/usr/bin/puppet", "--", "agent" },
        .exe = "/usr/sbin/start-stop-daemon",
        .unit = STORY_UNIT,
        .comm = "start-stop-daem",
        .cost = { .utime_us = 150, .stime_us = 350, .read_kib = 24, .rss_kib = 2200, .blkio_us = 120 },
};
static const struct image img_puppet = {
        .argv = { "/usr/bin/puppet", "agent" },
        .exe = "/usr/bin/ruby3.1",
        .unit = STORY_UNIT,
        .comm = "puppet",
        .cost = { .utime_us = 1480000,
                  .stime_us = 212000,
                  .read_kib = 18840,
                  .write_kib = 1228,
                  .rss_kib = 96512,
                  .blkio_us = 84000 },
        .thread_cost = { .utime_us = 310000,
                         .stime_us = 45000,
                         .read_kib = 512,
                         .write_kib = 256,
                         .rss_kib = 96512,
                         .blkio_us = 9000 },
};
static const struct image img_s30foo = {
        .argv = { "/bin/sh", "/etc/rc2.d/S30foo", "start" },
        .exe = "/usr/bin/dash",
        .unit = STORY_UNIT,
        .comm = "S30foo",
        .cost = { .utime_us = 1200, .stime_us = 2300, .read_kib = 40, .rss_kib = 1580, .blkio_us = 300 },
};
static const struct image img_ruby_foo = {
        .argv = { "ruby", "/usr/bin/foo", "-c", "/etc/foo.conf" },
        .exe = "/usr/bin/ruby3.1",
        .cwd = "/home/foo",
        .unit = STORY_UNIT,
        .comm = "ruby",
        .uid = 1000,
        .gid = 1000,
        .cost = { .utime_us = 11200,
                  .stime_us = 3900,
                  .read_kib = 7988,
                  .write_kib = 64,
                  .rss_kib = 48260,
                  .blkio_us = 4100 },
};
static const struct image img_sudo = {
        .argv = { "sudo", "/usr/local/sbin/foo-script" },
        .exe = "/usr/bin/sudo",
        .cwd = "/home/foo",
        .unit = STORY_UNIT,
        .comm = "sudo",
        .gid = 1000, /* setuid root: the effective uid is 0 already, the gid not yet */
        .cost = { .utime_us = 3100,
                  .stime_us = 4800,
                  .read_kib = 220,
                  .write_kib = 4,
                  .rss_kib = 5940,
                  .blkio_us = 1200 },
};
static const struct image img_foo_script = {
        .argv = { "/bin/sh", "/usr/local/sbin/foo-script" },
        .exe = "/usr/bin/dash",
        .cwd = "/home/foo",
        .unit = STORY_UNIT,
        .comm = "foo-script",
        .cost = { .utime_us = 900, .stime_us = 1700, .read_kib = 12, .rss_kib = 1490 },
};
static const struct image img_sendmail = {
        .argv = { "/usr/sbin/sendmail", "-t" },
        .exe = "/usr/sbin/exim4",
        .cwd = "/home/foo",
        .unit = STORY_UNIT,
        .comm = "sendmail",
        .cost = { .utime_us = 1800,
                  .stime_us = 1400,
                  .read_kib = 1126,
                  .write_kib = 2458,
                  .cancelled_kib = 8,
                  .rss_kib = 9870,
                  .blkio_us = 900 },
};
static const struct image img_checks = {
        .argv = { "/bin/sh", "/usr/lib/seed/checks" },
        .exe = "/usr/bin/dash",
        .unit = CHECKS_UNIT,
        .comm = "checks",
        .cost = { .utime_us = 3500, .stime_us = 8200, .read_kib = 60, .rss_kib = 1700, .blkio_us = 900 },
};
static const struct image img_sleep = {
        .argv = { "sleep", "30" },
        .exe = "/usr/bin/sleep",
        .unit = CHECKS_UNIT,
        .comm = "sleep",
        .cost = { .utime_us = 400, .stime_us = 700, .rss_kib = 1024 },
};
static const struct image img_crashy = {
        .argv = { "/usr/lib/seed/crashy", "--segv" },
        .exe = "/usr/lib/seed/crashy",
        .unit = CHECKS_UNIT,
        .comm = "crashy",
        .cost = { .utime_us = 2100,
                  .stime_us = 5200,
                  .read_kib = 300,
                  .write_kib = 4608,
                  .rss_kib = 22400,
                  .blkio_us = 1500 },
};
static const struct image img_check_disk = {
        .argv = { "/usr/lib/seed/check-disk", "/dev/vda1" },
        .exe = "/usr/lib/seed/check-disk",
        .unit = CHECKS_UNIT,
        .comm = "check-disk",
        .cost = { .utime_us = 1400, .stime_us = 6100, .read_kib = 16384, .rss_kib = 3300, .blkio_us = 9800 },
};
static const struct image img_true_exited = {
        .status = BL_INFO_EXITED,
        .comm = "true",
        .cost = { .utime_us = 20, .stime_us = 40, .rss_kib = 980 },
};
/* Terminal safety: an escape sequence that clears the screen, a line forged after a newline, bytes that are
 * not UTF-8. */
static const struct image img_evil = {
        .argv = { "/usr/bin/printf", "\x1b[2J", "two\nFORGED 1 +0.000s line", "bad-\xff\xfe-utf8" },
        .exe = "/usr/bin/printf",
        .unit = CHECKS_UNIT,
        .comm = "printf",
        .cost = { .utime_us = 150, .stime_us = 300, .rss_kib = 1000 },
};
#define EVIL_COMM "\x1b[31mred"
static const struct image img_strace = {
        .argv = { "strace", "-o", "/dev/null", "/bin/true" },
        .exe = "/usr/bin/strace",
        .unit = CHECKS_UNIT,
        .comm = "strace",
        .cost = { .utime_us = 500, .stime_us = 900, .read_kib = 180, .rss_kib = 2900, .blkio_us = 300 },
};
static const struct image img_true = {
        .argv = { "/bin/true" },
        .exe = "/usr/bin/true",
        .unit = CHECKS_UNIT,
        .comm = "true",
        .cost = { .utime_us = 150, .stime_us = 250, .rss_kib = 960 },
};
static const struct image img_grep = {
        .argv = { "grep", "-q", "vda1", "/proc/mounts" },
        .exe = "/usr/bin/grep",
        .unit = CHECKS_UNIT,
        .comm = "grep",
        .cost = { .utime_us = 120, .stime_us = 210, .read_kib = 8, .rss_kib = 2100, .blkio_us = 40 },
};
static const struct image img_legacy_hook = {
        .argv = { "/usr/lib/seed/legacy-hook", "--migrate" },
        .exe = "/usr/lib/seed/legacy-hook",
        .unit = CHECKS_UNIT,
        .comm = "legacy-hook",
        .cost = { .utime_us = 3900,
                  .stime_us = 2100,
                  .read_kib = 2400,
                  .write_kib = 5120,
                  .rss_kib = 14000,
                  .blkio_us = 1900 },
};
static const struct image img_new_hook = {
        .argv = { "/usr/lib/seed/new-hook", "--init" },
        .exe = "/usr/lib/seed/new-hook",
        .unit = CHECKS_UNIT,
        .comm = "new-hook",
        .cost = { .utime_us = 2600,
                  .stime_us = 1300,
                  .read_kib = 1024,
                  .write_kib = 768,
                  .rss_kib = 11000,
                  .blkio_us = 800 },
};
static const struct image img_storm = {
        .argv = { "storm", "-n", NULL /* N */ },
        .exe = "/usr/lib/bootlog/storm",
        .unit = "storm.service",
        .comm = "storm",
};
static const struct image img_storm_true = { .argv = { "/bin/true" },
                                             .exe = "/usr/bin/true",
                                             .comm = "true" };

static uint64_t at(uint64_t us)
{
        return START_NS + us * NSEC_PER_USEC;
}

/* /proc's start times count clock ticks. */
static uint64_t tick_floor(uint64_t ns)
{
        return ns - ns % (NSEC_PER_SEC / FIXTURE_CLK_TCK);
}

/* Which CPU reports an event about pid: any fixed choice does. */
static uint32_t cpu_of(pid_t pid)
{
        return (uint32_t)pid % 2;
}

static struct proc *proc_get(struct story *s, pid_t pid)
{
        assert(pid > 0 && pid < FIXTURE_PID_MAX);
        return &s->procs[pid];
}

/* Appends ev and frees what it owns. After a failure nothing more is appended (s->r keeps the error). */
static void emit(struct story *s, struct bl_event *ev)
{
        int r;

        if (s->r >= 0) {
                r = bl_writer_append(s->w, ev);
                if (r < 0)
                        s->r = r;
                else {
                        s->records++;
                        if (ev->type == BL_EVENT_LOST)
                                s->lost += ev->lost.count;
                }
        }
        bl_event_done(ev);
}

static char **strv_copy(const char *const *l, size_t n)
{
        _cleanup_strv_free_ char **c = NULL;

        c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(l[i]);
                if (!c[i])
                        return NULL;
        }
        return TAKE_PTR(c);
}

static int strdup_or_null(const char *s, char **ret)
{
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* Fills info (as bl_proc_info_init() left it) with what /proc showed of pid running img. */
static int info_fill(struct bl_proc_info *info, const struct image *img, const struct proc *p)
{
        size_t n = 0;

        info->status = img->status;
        snprintf(info->comm, sizeof(info->comm), "%s", img->comm);
        if (img->status != BL_INFO_OK)
                return 0;

        info->start_ns = tick_floor(p->start_ns);
        info->ppid = p->ppid;
        info->uid = img->uid;
        info->gid = img->gid;
        while (n < ARGV_MAX && img->argv[n])
                n++;
        if (n > 0 || img->kthread) {
                info->argv = strv_copy(img->argv, n);
                if (!info->argv)
                        return -ENOMEM;
        }
        if (strdup_or_null(img->exe, &info->exe) < 0 || strdup_or_null(img->cwd ?: "/", &info->cwd) < 0 ||
            strdup_or_null(img->unit, &info->unit) < 0)
                return -ENOMEM;
        return 0;
}

static void ev_image(struct story *s, enum bl_event_type type, uint64_t us, pid_t pid,
                     const struct image *img)
{
        struct bl_event ev;
        int r;

        bl_event_init(&ev, type);
        ev.ts_ns = at(us);
        ev.cpu = cpu_of(pid);
        ev.pid = ev.tid = pid;
        r = info_fill(&ev.info, img, proc_get(s, pid));
        if (r < 0 && s->r >= 0)
                s->r = r;
        emit(s, &ev);
}

static void ev_snapshot(struct story *s, uint64_t us, pid_t pid, pid_t ppid, uint64_t start_ns,
                        const struct image *img)
{
        *proc_get(s, pid) = (struct proc){ .ppid = ppid, .start_ns = start_ns, .img = img };
        ev_image(s, BL_EVENT_SNAPSHOT, us, pid, img);
}

static void ev_exec(struct story *s, uint64_t us, pid_t pid, const struct image *img)
{
        proc_get(s, pid)->img = img;
        ev_image(s, BL_EVENT_EXEC, us, pid, img);
}

static void ev_fork(struct story *s, uint64_t us, pid_t parent, pid_t child)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_FORK);
        ev.ts_ns = at(us);
        ev.cpu = cpu_of(parent);
        ev.pid = ev.tid = child;
        ev.fork.parent_pid = ev.fork.parent_tid = parent;
        *proc_get(s, child) = (struct proc){
                .ppid = parent,
                .start_ns = ev.ts_ns,
                .img = proc_get(s, parent)->img,
        };
        emit(s, &ev);
}

/* A new thread tid in process pid, created by its main thread. */
static void ev_thread(struct story *s, uint64_t us, pid_t pid, pid_t tid)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_FORK);
        ev.ts_ns = at(us);
        ev.cpu = cpu_of(pid);
        ev.pid = pid;
        ev.tid = tid;
        ev.fork.parent_pid = ev.fork.parent_tid = pid;
        /* A thread id is a pid too: its slot keeps the thread's start. */
        *proc_get(s, tid) = (struct proc){ .ppid = pid, .start_ns = ev.ts_ns, .img = proc_get(s, pid)->img };
        emit(s, &ev);
}

/*
 * The COST record of task tid of pid, which just exited with status: the
 * figures of the image it runs (of its main thread or of another thread),
 * the rest derived from them.
 */
static void ev_cost(struct story *s, uint64_t us, pid_t pid, pid_t tid, uint32_t status)
{
        const struct proc *task = proc_get(s, tid);
        const struct figures *f;
        struct bl_cost *c;
        struct bl_event ev;

        if (!task->img)
                return;
        f = tid == pid ? &task->img->cost : &task->img->thread_cost;

        bl_event_init(&ev, BL_EVENT_COST);
        ev.ts_ns = at(us);
        ev.cpu = cpu_of(pid);
        ev.pid = pid;
        ev.tid = tid;
        c = &ev.cost;
        c->flags = BL_COST_IO_DELAYS;
        c->exit_code = status;
        c->elapsed_us = (ev.ts_ns - task->start_ns) / NSEC_PER_USEC;
        c->utime_us = f->utime_us;
        c->stime_us = f->stime_us;
        c->read_bytes = f->read_kib * 1024;
        c->write_bytes = f->write_kib * 1024;
        c->cancelled_write_bytes = f->cancelled_kib * 1024;
        c->read_chars = c->read_bytes + 16384;
        c->write_chars = c->write_bytes + 512;
        c->nvcsw = 2 + (c->read_bytes + c->write_bytes) / (128 * 1024);
        c->nivcsw = (f->utime_us + f->stime_us) / 4000;
        c->minflt = 40 + f->rss_kib / 4;
        c->majflt = f->read_kib / 256;
        c->hiwater_rss_kb = f->rss_kib;
        c->cpu_delay_ns = (f->utime_us + f->stime_us) * 50; /* 5 % of its CPU time spent waiting for one */
        c->blkio_delay_ns = f->blkio_us * NSEC_PER_USEC;
        emit(s, &ev);
}

/* Thread tid of pid ends with status; tid == pid: the process ends. Its parent is the one it has now. With
 * costs, its COST record follows at the same time. */
static void ev_exit_tid(struct story *s, uint64_t us, pid_t pid, pid_t tid, uint32_t status)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_EXIT);
        ev.ts_ns = at(us);
        ev.cpu = cpu_of(pid);
        ev.pid = pid;
        ev.tid = tid;
        ev.exit.code = status;
        ev.exit.exit_signal = tid == pid ? SIGCHLD : 0;
        ev.exit.parent_pid = ev.exit.parent_tid = proc_get(s, pid)->ppid;
        emit(s, &ev);
        if (s->costs)
                ev_cost(s, us, pid, tid, status);
}

static void ev_exit(struct story *s, uint64_t us, pid_t pid, uint32_t status)
{
        ev_exit_tid(s, us, pid, pid, status);
}

/* pid's parent exited: the kernel gives it to init (no event; its exit will name the new parent). */
static void reparent(struct story *s, pid_t pid, pid_t new_parent)
{
        proc_get(s, pid)->ppid = new_parent;
}

static void ev_ids(struct story *s, enum bl_event_type type, uint64_t us, pid_t pid, uint32_t real,
                   uint32_t effective)
{
        struct bl_event ev;

        bl_event_init(&ev, type);
        ev.ts_ns = at(us);
        ev.cpu = cpu_of(pid);
        ev.pid = ev.tid = pid;
        ev.id.real = real;
        ev.id.effective = effective;
        emit(s, &ev);
}

static void ev_sid(struct story *s, uint64_t us, pid_t pid)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_SID);
        ev.ts_ns = at(us);
        ev.cpu = cpu_of(pid);
        ev.pid = ev.tid = pid;
        emit(s, &ev);
}

static void ev_comm(struct story *s, uint64_t us, pid_t pid, const char *comm)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_COMM);
        ev.ts_ns = at(us);
        ev.cpu = cpu_of(pid);
        ev.pid = ev.tid = pid;
        snprintf(ev.info.comm, sizeof(ev.info.comm), "%s", comm);
        emit(s, &ev);
}

static void ev_ptrace(struct story *s, uint64_t us, pid_t pid, pid_t tracer)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_PTRACE);
        ev.ts_ns = at(us);
        ev.cpu = cpu_of(pid);
        ev.pid = ev.tid = pid;
        ev.ptrace.tracer_pid = ev.ptrace.tracer_tid = tracer;
        emit(s, &ev);
}

static void ev_coredump(struct story *s, uint64_t us, pid_t pid)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_COREDUMP);
        ev.ts_ns = at(us);
        ev.cpu = cpu_of(pid);
        ev.pid = ev.tid = pid;
        ev.coredump.parent_pid = ev.coredump.parent_tid = proc_get(s, pid)->ppid;
        emit(s, &ev);
}

static void ev_lost_seq_gap(struct story *s, uint64_t us, uint32_t cpu, uint64_t count)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_LOST);
        ev.ts_ns = at(us);
        ev.cpu = cpu;
        ev.lost.reason = BL_LOST_SEQ_GAP;
        ev.lost.count = count;
        ev.lost.cpu = cpu;
        emit(s, &ev);
}

static void ev_start(struct story *s)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_START);
        ev.ts_ns = at(0);
        ev.pid = ev.tid = FIXTURE_RECORDER;
        ev.start.recorder_pid = FIXTURE_RECORDER;
        emit(s, &ev);
}

/* What bl_writer_close() would append, at a fixed time and pid. */
static void ev_end(struct story *s, uint64_t us, enum bl_stop_reason reason)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_END);
        ev.ts_ns = at(us);
        ev.pid = ev.tid = FIXTURE_RECORDER;
        ev.end.events = s->records;
        ev.end.lost = s->lost;
        ev.end.reason = reason;
        emit(s, &ev);
}

/* The processes found running when the recording started, parents first. */
static void story_snapshot(struct story *s, pid_t shell, pid_t recorder)
{
        ev_snapshot(s, 150, 1, 0, 120 * NSEC_PER_MSEC, &img_init);
        ev_snapshot(s, 160, 2, 0, 120 * NSEC_PER_MSEC, &img_kthreadd);
        if (shell > 0)
                ev_snapshot(s, 170, shell, 1, 3210 * NSEC_PER_MSEC, &img_bash);
        ev_snapshot(s, 180, recorder, 1, 4990 * NSEC_PER_MSEC, &img_bootlogd);
}

static void story_seed(struct story *s, const struct variant *v)
{
        /* The same programs, other pids, in another boot. */
#define P(pid) ((pid_t)((pid) + v->pid_shift))
        const pid_t rc = P(310), s21 = P(311), sub = P(312), puppet = P(313), puppet_thread = P(314),
                    s30 = P(320), ruby = P(321), sudo = P(322), script = P(323), sendmail = P(324),
                    checks = P(400), sleep = P(401), crashy = P(402), disk = P(403), quick = P(404),
                    evil = P(405), strace = P(406), traced = P(407), grep0 = P(410), legacy = P(480),
                    newer = P(481);
#undef P
        uint64_t t;

        ev_start(s);
        story_snapshot(s, 98, FIXTURE_RECORDER);

        /* The rc script: S21puppet daemonises puppet through start-stop-daemon's double fork. */
        ev_fork(s, 100000, 1, rc);
        ev_exec(s, 100200, rc, &img_rc);
        ev_fork(s, 110000, rc, s21);
        ev_exec(s, 110300, s21, &img_s21puppet);
        ev_exec(s, 112000, s21, &img_ssd);
        ev_fork(s, 113000, s21, sub);
        ev_fork(s, 113500, sub, puppet);
        ev_exit(s, 113800, sub, EXITED(0));
        reparent(s, puppet, 1);
        ev_exec(s, 114000, puppet, &img_puppet);
        ev_exit(s, 114500, s21, EXITED(0));
        ev_sid(s, 115000, puppet);
        ev_comm(s, 116000, puppet, "puppet-agent");
        ev_thread(s, 120000, puppet, puppet_thread);

        /* S30foo: ruby, as user foo, runs its helper through sudo, which mails with sendmail -t. */
        ev_fork(s, 200000, rc, s30);
        ev_exec(s, 200300, s30, &img_s30foo);
        ev_fork(s, 201000, s30, ruby);
        ev_ids(s, BL_EVENT_GID, 201050, ruby, 1000, 1000);
        ev_ids(s, BL_EVENT_UID, 201100, ruby, 1000, 1000);
        ev_exec(s, 201300, ruby, &img_ruby_foo);
        ev_fork(s, 205000, ruby, sudo);
        ev_exec(s, 210000, sudo, &img_sudo);
        ev_ids(s, BL_EVENT_GID, 210400, sudo, 0, 0);
        ev_ids(s, BL_EVENT_UID, 210500, sudo, 0, 0);
        ev_fork(s, 212000, sudo, script);
        ev_exec(s, 212400, script, &img_foo_script);
        ev_fork(s, 214000, script, sendmail);
        ev_exec(s, 214300, sendmail, &img_sendmail);
        ev_exit(s, 218400, sendmail, EXITED(0));
        ev_exit(s, 219000, script, EXITED(0));
        ev_exit(s, 219500, sudo, EXITED(0));
        ev_exit(s, 221000, ruby, EXITED(0));
        ev_exit(s, 221500, s30, EXITED(0));
        ev_exit(s, 230000, rc, EXITED(0));

        /* The checks service: every way a child can end badly, and a few that end well. */
        ev_fork(s, 300000, 1, checks);
        ev_exec(s, 300200, checks, &img_checks);
        ev_lost_seq_gap(s, 305000, 1, 3);
        ev_fork(s, 310000, checks, sleep);
        ev_exec(s, 310200, sleep, &img_sleep);
        ev_exit(s, 340000, sleep, KILLED(SIGKILL));
        ev_fork(s, 342000, checks, crashy);
        ev_exec(s, 342200, crashy, &img_crashy);
        ev_coredump(s, 350000, crashy);
        ev_exit(s, 351000, crashy, DUMPED(SIGSEGV));
        ev_fork(s, 352000, checks, disk);
        ev_exec(s, 352200, disk, &img_check_disk);
        ev_exit(s, 370000, disk, EXITED(3));
        ev_fork(s, 371000, checks, quick);
        ev_exec(s, 371010, quick, &img_true_exited);
        ev_exit(s, 371080, quick, EXITED(0));
        ev_fork(s, 372000, checks, evil);
        ev_exec(s, 372200, evil, &img_evil);
        ev_comm(s, 372300, evil, EVIL_COMM);
        ev_exit(s, 372600, evil, EXITED(0));
        ev_fork(s, 380000, checks, strace);
        ev_exec(s, 380200, strace, &img_strace);
        ev_fork(s, 381000, strace, traced);
        ev_ptrace(s, 381100, traced, strace);
        ev_exec(s, 381300, traced, &img_true);
        ev_exit(s, 381500, traced, EXITED(0));
        ev_exit(s, 382000, strace, EXITED(0));
        for (unsigned i = 0; i < v->n_greps; i++) {
                t = 390000 + (uint64_t)i * 1000;
                ev_fork(s, t, checks, grep0 + (pid_t)i);
                ev_exec(s, t + 100, grep0 + (pid_t)i, &img_grep);
                ev_exit(s, t + 400, grep0 + (pid_t)i, EXITED(0));
        }
        if (v->legacy_hook) {
                ev_fork(s, 470000, checks, legacy);
                ev_exec(s, 470200, legacy, &img_legacy_hook);
                ev_exit(s, 478000, legacy, EXITED(0));
        }
        if (v->new_hook) {
                ev_fork(s, 470000, checks, newer);
                ev_exec(s, 470200, newer, &img_new_hook);
                ev_exit(s, 475000, newer, EXITED(0));
        }
        ev_exit(s, 500000, checks, EXITED(0));

        /* The daemon, reparented to init since 114 ms, stops its thread and exits. */
        ev_exit_tid(s, 114000 + v->puppet_us - 50000, puppet, puppet_thread, EXITED(0));
        ev_exit(s, 114000 + v->puppet_us, puppet, EXITED(0));

        ev_end(s, v->end_us, BL_STOP_STARTUP_FINISHED);
}

static pid_t next_pid(pid_t pid)
{
        return pid + 1 < FIXTURE_PID_MAX ? pid + 1 : FIXTURE_PID_WRAP;
}

static void story_storm(struct story *s, uint64_t n)
{
        const pid_t spawner = 200;
        struct image img = img_storm;
        char nbuf[32];
        pid_t pid = spawner;
        uint64_t t = 0;

        snprintf(nbuf, sizeof(nbuf), "%" PRIu64, n);
        img.argv[2] = nbuf;

        ev_start(s);
        story_snapshot(s, 0, FIXTURE_RECORDER);
        ev_fork(s, 1000, 1, spawner);
        ev_exec(s, 1020, spawner, &img);
        for (uint64_t i = 0; i < n && s->r >= 0; i++) {
                pid = next_pid(pid);
                t = 2000 + i * 100;
                ev_fork(s, t, spawner, pid);
                ev_exec(s, t + 20, pid, &img_storm_true);
                ev_exit(s, t + 60, pid, EXITED(0));
        }
        ev_exit(s, t + 1000, spawner, EXITED(0));
        ev_end(s, t + 1100, BL_STOP_COMMAND_EXITED);
}

static int id128_from_string(const char *s, uint8_t ret[static BL_ID128_SIZE])
{
        for (size_t i = 0; i < BL_ID128_SIZE; i++)
                if (sscanf(s + 2 * i, "%2hhx", &ret[i]) != 1)
                        return -EINVAL;
        return 0;
}

enum fixture {
        FIXTURE_SEED,
        FIXTURE_SEED2,
        FIXTURE_STORM,
        _FIXTURE_MAX,
        _FIXTURE_INVALID = -EINVAL,
};

static const char *const fixture_names[_FIXTURE_MAX] = {
        [FIXTURE_SEED] = "seed",
        [FIXTURE_SEED2] = "seed2",
        [FIXTURE_STORM] = "storm",
};

static enum fixture fixture_from_string(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(fixture_names); i++)
                if (streq(s, fixture_names[i]))
                        return (enum fixture)i;
        return _FIXTURE_INVALID;
}

static int make_fixture(enum fixture which, uint64_t n, const char *path)
{
        const struct variant *v = which == FIXTURE_SEED2 ? &variant_seed2 : &variant_seed;
        struct bl_file_info info = {
                .ref_monotonic_ns = REF_MONOTONIC_NS,
                .ref_realtime_ns = v->realtime_ns,
                .ref_boottime_ns = REF_MONOTONIC_NS,
                .clk_tck = FIXTURE_CLK_TCK,
                .recorder_pid = FIXTURE_RECORDER,
                .kernel_release = FIXTURE_KERNEL,
                .hostname = FIXTURE_HOSTNAME,
        };
        /* Small blocks for the stories, so that they span several. */
        struct bl_writer_options opts = {
                .block_size = which == FIXTURE_STORM ? 0 : 1024,
        };
        _cleanup_free_ struct story *s = NULL;
        int fd, r;

        r = id128_from_string(which == FIXTURE_STORM ? FIXTURE_BOOT_STRM : v->boot_id, info.boot_id);
        if (r >= 0)
                r = id128_from_string(FIXTURE_MACHINE, info.machine_id);
        if (which != FIXTURE_STORM)
                info.compatible_flags |= BL_HEADER_COMPAT_COST;
        if (r < 0)
                return log_error_errno(r, "Bad id in the fixture's header: %m");

        s = calloc(1, sizeof(*s));
        if (!s)
                return log_oom();

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to create '%s': %m", path);
        r = bl_writer_new(fd, &info, &opts, &s->w);
        if (r < 0)
                return log_error_errno(r, "Failed to start a recording in '%s': %m", path);

        s->costs = info.compatible_flags & BL_HEADER_COMPAT_COST;
        if (which == FIXTURE_STORM)
                story_storm(s, n);
        else
                story_seed(s, v);

        /* Not bl_writer_close(): that would append a second END, stamped with this machine's clock. */
        r = s->r;
        if (r >= 0)
                r = bl_writer_flush(s->w);
        s->w = bl_writer_free(s->w);
        if (r < 0) {
                (void)unlink(path);
                return log_error_errno(r, "Failed to write '%s': %m", path);
        }
        return 0;
}

static void help(void)
{
        printf("Usage: make-fixture NAME [N] OUT [NAME [N] OUT ...]\n"
               "\n"
               "Writes recordings with fixed contents, for tests:\n"
               "  seed OUT      the seed story\n"
               "  seed2 OUT     the next boot of the seed story, for bootlog diff\n"
               "  storm N OUT   N fork+exec+exit of /bin/true under one spawner\n");
}

int main(int argc, char *argv[])
{
        int r;

        log_set_program("make-fixture");

        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                help();
                return 0;
        }
        if (argc < 3) {
                help();
                return 2;
        }

        for (int i = 1; i < argc;) {
                enum fixture which = fixture_from_string(argv[i]);
                uint64_t n = 0;
                char *end;

                if (which < 0) {
                        log_error("Unknown fixture '%s'.", argv[i]);
                        return 2;
                }
                i++;
                if (which == FIXTURE_STORM) {
                        if (i >= argc) {
                                log_error("storm needs a count.");
                                return 2;
                        }
                        errno = 0;
                        n = strtoull(argv[i], &end, 10);
                        if (errno != 0 || end == argv[i] || *end || argv[i][0] == '-') {
                                log_error("Invalid count '%s'.", argv[i]);
                                return 2;
                        }
                        i++;
                }
                if (i >= argc) {
                        log_error("%s needs an output file.", fixture_names[which]);
                        return 2;
                }
                r = make_fixture(which, n, argv[i]);
                if (r < 0)
                        return 1;
                i++;
        }
        return 0;
}
