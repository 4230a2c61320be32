/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal format: its integer encodings and checksum, and what a user of
 * the writer and reader sees: every event comes back as written, write
 * failures turn into LOST records, bad headers into the documented errors.
 */
#include <endian.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <cmocka.h>

#include "crc32c.h"
#include "event.h"
#include "format-def.h"
#include "format.h"
#include "reader.h"
#include "varint.h"
#include "writer.h"

/* ---- helpers ---- */

struct evlist {
        struct bl_event *ev;
        size_t n, alloc;
};

static void evlist_push(struct evlist *l, struct bl_event *ev)
{
        if (l->n == l->alloc) {
                l->alloc = l->alloc ? l->alloc * 2 : 64;
                l->ev = realloc(l->ev, l->alloc * sizeof(*l->ev));
                assert_non_null(l->ev);
        }
        l->ev[l->n++] = *ev; /* takes ownership */
        bl_event_init(ev, 0);
}

static void evlist_done(struct evlist *l)
{
        for (size_t i = 0; i < l->n; i++)
                bl_event_done(&l->ev[i]);
        free(l->ev);
        *l = (struct evlist){};
}

static uint64_t rng_state;

static uint64_t rng(void)
{
        /* xorshift64*: deterministic across libcs, unlike rand(). */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * UINT64_C(2685821657736338717);
}

static char *xstrdup(const char *s)
{
        char *c = strdup(s);
        assert_non_null(c);
        return c;
}

static char **strv_new(size_t n, ...)
{
        char **l = calloc(n + 1, sizeof(char *));
        va_list ap;

        assert_non_null(l);
        va_start(ap, n);
        for (size_t i = 0; i < n; i++)
                l[i] = xstrdup(va_arg(ap, const char *));
        va_end(ap);
        return l;
}

static void assert_string_ptr_equal(const char *a, const char *b)
{
        if (!a || !b) {
                assert_ptr_equal(a, b);
                return;
        }
        assert_string_equal(a, b);
}

static void assert_info_equal(const struct bl_proc_info *a, const struct bl_proc_info *b)
{
        assert_int_equal(a->status, b->status);
        assert_int_equal(a->error, b->error);
        assert_int_equal(a->start_ns, b->start_ns);
        assert_int_equal(a->ppid, b->ppid);
        assert_int_equal(a->uid, b->uid);
        assert_int_equal(a->gid, b->gid);
        assert_int_equal(a->argv_truncated, b->argv_truncated);
        assert_int_equal(!a->argv, !b->argv);
        assert_int_equal(strv_length(a->argv), strv_length(b->argv));
        for (size_t i = 0; a->argv && a->argv[i]; i++)
                assert_string_equal(a->argv[i], b->argv[i]);
        assert_string_ptr_equal(a->exe, b->exe);
        assert_string_ptr_equal(a->cwd, b->cwd);
        assert_string_ptr_equal(a->unit, b->unit);
        assert_string_equal(a->comm, b->comm);
}

/* Everything meaningful for the type; the rest must be as bl_event_init() left it. */
static void assert_event_equal(const struct bl_event *a, const struct bl_event *b)
{
        struct bl_proc_info empty;

        assert_int_equal(a->type, b->type);
        assert_int_equal(a->cpu, b->cpu);
        assert_int_equal(a->ts_ns, b->ts_ns);
        assert_int_equal(a->pid, b->pid);
        assert_int_equal(a->tid, b->tid);
        switch (a->type) {
        case BL_EVENT_FORK:
                assert_int_equal(a->fork.parent_pid, b->fork.parent_pid);
                assert_int_equal(a->fork.parent_tid, b->fork.parent_tid);
                break;
        case BL_EVENT_EXIT:
                assert_int_equal(a->exit.code, b->exit.code);
                assert_int_equal(a->exit.exit_signal, b->exit.exit_signal);
                assert_int_equal(a->exit.parent_pid, b->exit.parent_pid);
                assert_int_equal(a->exit.parent_tid, b->exit.parent_tid);
                break;
        case BL_EVENT_UID:
        case BL_EVENT_GID:
                assert_int_equal(a->id.real, b->id.real);
                assert_int_equal(a->id.effective, b->id.effective);
                break;
        case BL_EVENT_PTRACE:
                assert_int_equal(a->ptrace.tracer_pid, b->ptrace.tracer_pid);
                assert_int_equal(a->ptrace.tracer_tid, b->ptrace.tracer_tid);
                break;
        case BL_EVENT_COREDUMP:
                assert_int_equal(a->coredump.parent_pid, b->coredump.parent_pid);
                assert_int_equal(a->coredump.parent_tid, b->coredump.parent_tid);
                break;
        case BL_EVENT_LOST:
                assert_int_equal(a->lost.reason, b->lost.reason);
                assert_int_equal(a->lost.count, b->lost.count);
                assert_int_equal(a->lost.cpu, b->lost.cpu);
                break;
        case BL_EVENT_UNKNOWN:
                assert_int_equal(a->unknown.what, b->unknown.what);
                assert_int_equal(a->unknown.len, b->unknown.len);
                assert_memory_equal(a->unknown.data, b->unknown.data, a->unknown.len);
                break;
        case BL_EVENT_START:
                assert_int_equal(a->start.recorder_pid, b->start.recorder_pid);
                assert_int_equal(a->start.flags, b->start.flags);
                break;
        case BL_EVENT_END:
                assert_int_equal(a->end.events, b->end.events);
                assert_int_equal(a->end.lost, b->end.lost);
                break;
        default: break;
        }
        if (a->type == BL_EVENT_EXEC || a->type == BL_EVENT_SNAPSHOT)
                assert_info_equal(&a->info, &b->info);
        else if (a->type == BL_EVENT_COMM)
                assert_string_equal(a->info.comm, b->info.comm);
        else {
                bl_proc_info_init(&empty);
                assert_info_equal(&b->info, &empty);
        }
}

static int new_memfd(void)
{
        int fd = memfd_create("bootlog-test", MFD_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static struct bl_file_info test_info(void)
{
        struct bl_file_info info = {
                .boot_id = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76,
                             0x54, 0x32, 0x10 },
                .machine_id = { 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f },
                .ref_monotonic_ns = UINT64_C(5000000000),
                .ref_realtime_ns = UINT64_C(1700000000000000000),
                .ref_boottime_ns = UINT64_C(5100000000),
                .clk_tck = 100,
                .recorder_pid = 4242,
        };
        /* 64 characters: the longest a utsname field holds. */
        memset(info.kernel_release, 'r', BL_HEADER_STR_MAX - 1);
        snprintf(info.hostname, sizeof(info.hostname), "host\xc3\xa9.example");
        return info;
}

static void assert_file_info_equal(const struct bl_file_info *a, const struct bl_file_info *b)
{
        assert_memory_equal(a->boot_id, b->boot_id, BL_ID128_SIZE);
        assert_memory_equal(a->machine_id, b->machine_id, BL_ID128_SIZE);
        assert_int_equal(a->ref_monotonic_ns, b->ref_monotonic_ns);
        assert_int_equal(a->ref_realtime_ns, b->ref_realtime_ns);
        assert_int_equal(a->ref_boottime_ns, b->ref_boottime_ns);
        assert_int_equal(a->clk_tck, b->clk_tck);
        assert_int_equal(a->recorder_pid, b->recorder_pid);
        assert_string_equal(a->kernel_release, b->kernel_release);
        assert_string_equal(a->hostname, b->hostname);
}

/* Reads every event of the file on fd (the fd is duplicated); returns the reader for its stats. */
/* What END.lost should say: the sum of the counts of the file's LOST records (wrapping, as the writer). */
static uint64_t lost_sum(const struct evlist *l, size_t from, size_t to)
{
        uint64_t sum = 0;

        for (size_t i = from; i < to; i++)
                if (l->ev[i].type == BL_EVENT_LOST)
                        sum += l->ev[i].lost.count;
        return sum;
}

static struct bl_reader *read_events(int fd, struct evlist *ret)
{
        struct bl_reader *r;
        struct bl_event ev;
        int k;

        assert_int_equal(bl_reader_open_fd(fcntl(fd, F_DUPFD_CLOEXEC, 3), &r), 0);
        while ((k = bl_reader_next(r, &ev)) > 0)
                evlist_push(ret, &ev);
        assert_int_equal(k, 0);
        return r;
}

static void assert_no_damage(struct bl_reader *r)
{
        const struct bl_damage *d;

        assert_int_equal(bl_reader_get_damage(r, &d), 0);
}

/* One event of each type with every field set, and the edge values of each encoding. */
static void make_special_events(struct evlist *l)
{
        static const char *const comms[] = { "", "x", "kworker/u8:2", "fifteen-chars.." };
        char bytes[256];
        struct bl_event ev;

        for (int i = 1; i < 256; i++)
                bytes[i - 1] = (char)i;
        bytes[255] = 0;

        bl_event_init(&ev, BL_EVENT_START);
        ev.ts_ns = 1000;
        ev.pid = ev.tid = 4242;
        ev.start.recorder_pid = 4242;
        ev.start.flags = 0x5a;
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_SNAPSHOT);
        ev.ts_ns = 1001;
        ev.pid = ev.tid = 1;
        ev.info.status = BL_INFO_OK;
        ev.info.start_ns = 20000000;
        ev.info.ppid = 0;
        ev.info.uid = ev.info.gid = 0;
        ev.info.argv = strv_new(3, "/sbin/init", "splash", "");
        ev.info.exe = xstrdup("/usr/lib/systemd/systemd");
        ev.info.cwd = xstrdup("/");
        ev.info.unit = xstrdup("init.scope");
        strcpy(ev.info.comm, "systemd");
        evlist_push(l, &ev);

        /* Unknown everything: NULL argv, exe, unit; empty cwd; ids unknown; start 0; error set. */
        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.ts_ns = 900; /* earlier than the one before: a negative delta */
        ev.cpu = 3;
        ev.pid = ev.tid = 1419;
        ev.info.status = BL_INFO_EXITED;
        ev.info.error = ESRCH;
        ev.info.cwd = xstrdup("");
        evlist_push(l, &ev);

        /* Empty argv (a kernel thread), empty exe, truncated flag, a negative error. */
        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.ts_ns = 2000;
        ev.pid = ev.tid = 2;
        ev.info.status = BL_INFO_ERROR;
        ev.info.error = -7;
        ev.info.argv = strv_new(0);
        ev.info.argv_truncated = true;
        ev.info.exe = xstrdup("");
        ev.info.start_ns = UINT64_MAX;
        ev.info.ppid = INT32_MAX;
        ev.info.uid = UINT32_MAX - 1;
        ev.info.gid = 65534;
        strcpy(ev.info.comm, "kthreadd");
        evlist_push(l, &ev);

        /* Every byte but NUL, in every string. */
        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.ts_ns = 2001;
        ev.pid = ev.tid = 77;
        ev.info.status = BL_INFO_OK;
        ev.info.argv = strv_new(3, bytes, "\x01", "\xff\xfe");
        ev.info.exe = xstrdup(bytes);
        ev.info.cwd = xstrdup(bytes + 100);
        ev.info.unit = xstrdup(bytes + 200);
        memcpy(ev.info.comm, bytes + 240, 15);
        ev.info.comm[15] = 0;
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_FORK);
        ev.ts_ns = UINT64_MAX;
        ev.cpu = UINT32_MAX;
        ev.pid = ev.tid = INT32_MAX;
        ev.fork.parent_pid = INT32_MIN;
        ev.fork.parent_tid = INT32_MAX;
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_FORK); /* a thread */
        ev.ts_ns = 0;
        ev.pid = INT32_MIN;
        ev.tid = INT32_MAX;
        ev.fork.parent_pid = 1419;
        ev.fork.parent_tid = 1419;
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_EXIT);
        ev.ts_ns = 3000;
        ev.pid = ev.tid = 1426;
        ev.exit.code = 0x8b; /* SIGSEGV, core dumped */
        ev.exit.exit_signal = 17;
        ev.exit.parent_pid = 1;
        ev.exit.parent_tid = 1;
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_EXIT);
        ev.ts_ns = 3001;
        ev.pid = 1426;
        ev.tid = 1427;
        ev.exit.code = UINT32_MAX;
        ev.exit.exit_signal = 0;
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_UID);
        ev.ts_ns = 3002;
        ev.pid = ev.tid = 1426;
        ev.id.real = 1000;
        ev.id.effective = 0;
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_GID);
        ev.ts_ns = 3003;
        ev.pid = ev.tid = 1426;
        ev.id.real = UINT32_MAX;
        ev.id.effective = 65534;
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_SID);
        ev.ts_ns = 3004;
        ev.pid = ev.tid = 1500;
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_PTRACE);
        ev.ts_ns = 3005;
        ev.pid = ev.tid = 1500;
        ev.ptrace.tracer_pid = 1600;
        ev.ptrace.tracer_tid = 1601;
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_PTRACE); /* detach */
        ev.ts_ns = 3006;
        ev.pid = ev.tid = 1500;
        evlist_push(l, &ev);

        for (size_t i = 0; i < ELEMENTSOF(comms); i++) {
                bl_event_init(&ev, BL_EVENT_COMM);
                ev.ts_ns = 3007 + i;
                ev.pid = ev.tid = 1500;
                strcpy(ev.info.comm, comms[i]);
                evlist_push(l, &ev);
        }

        bl_event_init(&ev, BL_EVENT_COREDUMP);
        ev.ts_ns = 3100;
        ev.pid = ev.tid = 1700;
        ev.coredump.parent_pid = 1;
        ev.coredump.parent_tid = 5;
        evlist_push(l, &ev);

        for (int reason = 1; reason < _BL_LOST_REASON_MAX; reason++) {
                bl_event_init(&ev, BL_EVENT_LOST);
                ev.ts_ns = 3200 + reason;
                ev.lost.reason = reason;
                ev.lost.count = reason == BL_LOST_ENOBUFS   ? 0
                                : reason == BL_LOST_SEQ_GAP ? UINT64_MAX
                                                            : 12345;
                ev.lost.cpu = reason == BL_LOST_SEQ_GAP ? 1 : 0;
                evlist_push(l, &ev);
        }

        bl_event_init(&ev, BL_EVENT_UNKNOWN);
        ev.ts_ns = 3300;
        ev.cpu = 1;
        ev.pid = ev.tid = 9;
        ev.unknown.what = 0x80000000;
        ev.unknown.len = BL_UNKNOWN_DATA_MAX;
        for (int i = 0; i < BL_UNKNOWN_DATA_MAX; i++)
                ev.unknown.data[i] = (uint8_t)(i * 37); /* includes 0 bytes */
        evlist_push(l, &ev);

        bl_event_init(&ev, BL_EVENT_UNKNOWN);
        ev.ts_ns = 3301;
        ev.unknown.what = 0;
        ev.unknown.len = 0;
        evlist_push(l, &ev);
}

/* A big exec: 20000 arguments, 2.6 MB, far beyond any block size. */
static void make_huge_exec(struct evlist *l)
{
        struct bl_event ev;
        size_t n = 20000;

        bl_event_init(&ev, BL_EVENT_EXEC);
        ev.ts_ns = 4000;
        ev.pid = ev.tid = 31337;
        ev.info.status = BL_INFO_OK;
        ev.info.argv = calloc(n + 1, sizeof(char *));
        assert_non_null(ev.info.argv);
        for (size_t i = 0; i < n; i++) {
                char buf[160];

                snprintf(buf, sizeof(buf), "--argument-%zu=%0*zu", i, (int)(i % 100) + 10, i * 7919);
                ev.info.argv[i] = xstrdup(buf);
        }
        ev.info.exe = xstrdup("/usr/bin/xargs");
        strcpy(ev.info.comm, "xargs");
        evlist_push(l, &ev);
}

static void make_random_events(struct evlist *l, size_t n)
{
        static const char *const words[] = { "/usr/bin/sudo",
                                             "-u",
                                             "root",
                                             "/usr/local/sbin/foo-script",
                                             "sendmail",
                                             "-t",
                                             "/etc/foo.conf",
                                             "ruby",
                                             "",
                                             "x" };
        static const char *const comms[] = { "sudo", "foo-script", "", "sendmail" };
        uint64_t ts = 5000000000;
        pid_t pid = 1000;

        for (size_t i = 0; i < n; i++) {
                struct bl_event ev;
                int type = 1 + (int)(rng() % (_BL_EVENT_TYPE_MAX - 2)); /* no END: the writer writes it */

                bl_event_init(&ev, type);
                ts += rng() % 100000;
                ev.ts_ns = rng() % 50 == 0 ? ts - rng() % 1000000 : ts;
                ev.cpu = (uint32_t)(rng() % 4);
                pid += (pid_t)(rng() % 7) - 2;
                ev.pid = pid;
                ev.tid = rng() % 5 == 0 ? pid + (pid_t)(rng() % 3) : pid;
                switch (type) {
                case BL_EVENT_FORK:
                        ev.fork.parent_pid = pid - (pid_t)(rng() % 30);
                        ev.fork.parent_tid = ev.fork.parent_pid;
                        break;
                case BL_EVENT_EXIT:
                        ev.exit.code = (uint32_t)(rng() % 256) << 8;
                        ev.exit.exit_signal = 17;
                        ev.exit.parent_pid = 1;
                        ev.exit.parent_tid = 1;
                        break;
                case BL_EVENT_EXEC:
                case BL_EVENT_SNAPSHOT: {
                        size_t argc = rng() % 6;

                        ev.info.status = (enum bl_info_status)(rng() % _BL_INFO_STATUS_MAX);
                        ev.info.start_ns = rng() % 3 == 0 ? 0 : ts - rng() % 1000000000;
                        ev.info.ppid = pid - 1;
                        ev.info.uid = rng() % 2 ? 0 : 1000;
                        ev.info.gid = ev.info.uid;
                        if (rng() % 4) {
                                ev.info.argv = calloc(argc + 1, sizeof(char *));
                                assert_non_null(ev.info.argv);
                                for (size_t a = 0; a < argc; a++)
                                        ev.info.argv[a] = xstrdup(words[rng() % ELEMENTSOF(words)]);
                        }
                        if (rng() % 3)
                                ev.info.exe = xstrdup(words[rng() % ELEMENTSOF(words)]);
                        if (rng() % 3)
                                ev.info.cwd = xstrdup("/root");
                        if (rng() % 2)
                                ev.info.unit = xstrdup("puppet.service");
                        strcpy(ev.info.comm, "sudo");
                        break;
                }
                case BL_EVENT_UID:
                case BL_EVENT_GID:
                        ev.id.real = (uint32_t)(rng() % 2000);
                        ev.id.effective = (uint32_t)(rng() % 2000);
                        break;
                case BL_EVENT_PTRACE:
                        ev.ptrace.tracer_pid = pid + 5;
                        ev.ptrace.tracer_tid = pid + 6;
                        break;
                case BL_EVENT_COMM: strcpy(ev.info.comm, comms[rng() % ELEMENTSOF(comms)]); break;
                case BL_EVENT_COREDUMP:
                        ev.coredump.parent_pid = pid - 1;
                        ev.coredump.parent_tid = pid - 1;
                        break;
                case BL_EVENT_LOST:
                        ev.lost.reason = 1 + (int)(rng() % (_BL_LOST_REASON_MAX - 1));
                        ev.lost.count = rng() % 1000;
                        ev.lost.cpu = (uint32_t)(rng() % 4);
                        break;
                case BL_EVENT_UNKNOWN:
                        ev.unknown.what = (uint32_t)rng();
                        ev.unknown.len = (uint32_t)(rng() % (BL_UNKNOWN_DATA_MAX + 1));
                        for (uint32_t b = 0; b < ev.unknown.len; b++)
                                ev.unknown.data[b] = (uint8_t)rng();
                        break;
                case BL_EVENT_START: ev.start.recorder_pid = pid; break;
                default: break;
                }
                evlist_push(l, &ev);
        }
}

/* Writes events with the given options to fd; returns the writer's stats before close. */
static struct bl_writer_stats write_events(int fd, const struct evlist *l, size_t block_size)
{
        struct bl_file_info info = test_info();
        struct bl_writer_options opts = { .block_size = block_size };
        struct bl_writer_stats st;
        struct bl_writer *w;

        assert_int_equal(bl_writer_new(fcntl(fd, F_DUPFD_CLOEXEC, 3), &info, &opts, &w), 0);
        for (size_t i = 0; i < l->n; i++)
                assert_int_equal(bl_writer_append(w, &l->ev[i]), 0);
        bl_writer_get_stats(w, &st);
        assert_int_equal(bl_writer_close(w), 0);
        return st;
}

/* ---- varints, zigzag, CRC ---- */

static void test_varint(void **state)
{
        static const uint64_t values[] = {
                0,
                1,
                0x7f,
                0x80,
                0x3fff,
                0x4000,
                300,
                UINT32_MAX,
                (uint64_t)UINT32_MAX + 1,
                INT64_MAX,
                (uint64_t)INT64_MAX + 1,
                UINT64_MAX - 1,
                UINT64_MAX,
        };
        uint8_t buf[BL_VARINT_MAX + 1];

        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                const uint8_t *p = buf;
                size_t n = bl_varint_encode(buf, values[i]);
                uint64_t v;

                assert_int_equal(n, bl_varint_size(values[i]));
                assert_int_equal(bl_varint_decode(&p, buf + n, &v), 0);
                assert_int_equal(v, values[i]);
                assert_ptr_equal(p, buf + n);
                /* Cut one byte short: an error, nothing consumed. */
                p = buf;
                assert_int_equal(bl_varint_decode(&p, buf + n - 1, &v), -EBADMSG);
                assert_ptr_equal(p, buf);
        }

        assert_int_equal(bl_varint_encode(buf, 0), 1);
        assert_int_equal(buf[0], 0);
        assert_int_equal(bl_varint_encode(buf, 300), 2);
        assert_int_equal(buf[0], 0xac);
        assert_int_equal(buf[1], 0x02);
        assert_int_equal(bl_varint_encode(buf, UINT64_MAX), BL_VARINT_MAX);
        assert_int_equal(buf[9], 0x01);

        /* 65 bits, and 11 bytes: refused. */
        {
                uint8_t over[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
                uint8_t eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
                const uint8_t *p = over;
                uint64_t v;

                assert_int_equal(bl_varint_decode(&p, over + sizeof(over), &v), -EBADMSG);
                p = eleven;
                assert_int_equal(bl_varint_decode(&p, eleven + sizeof(eleven), &v), -EBADMSG);
                p = over;
                assert_int_equal(bl_varint_decode(&p, over, &v), -EBADMSG);
        }
}

static void test_zigzag(void **state)
{
        static const struct {
                int64_t s;
                uint64_t u;
        } table[] = {
                { 0, 0 },
                { -1, 1 },
                { 1, 2 },
                { -2, 3 },
                { 2147483647, 4294967294 },
                { -2147483648, 4294967295 },
                { INT64_MAX, UINT64_MAX - 1 },
                { INT64_MIN, UINT64_MAX },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                assert_int_equal(bl_zigzag_encode(table[i].s), table[i].u);
                assert_true(bl_zigzag_decode(table[i].u) == table[i].s);
        }
}

/* Bit by bit, straight from the definition: the reference for the table-driven code. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t n)
{
        uint32_t crc = 0xffffffff;

        for (size_t i = 0; i < n; i++) {
                crc ^= p[i];
                for (int b = 0; b < 8; b++)
                        crc = crc & 1 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
}

static void test_crc32c(void **state)
{
        uint8_t buf[32 + 64 + 8];

        assert_int_equal(bl_crc32c(0, "123456789", 9), 0xE3069283);
        assert_int_equal(bl_crc32c(0, "", 0), 0);
        /* RFC 3720, B.4. */
        memset(buf, 0, 32);
        assert_int_equal(bl_crc32c(0, buf, 32), 0x8A9136AA);
        memset(buf, 0xff, 32);
        assert_int_equal(bl_crc32c(0, buf, 32), 0x62A8AB43);
        for (int i = 0; i < 32; i++)
                buf[i] = (uint8_t)i;
        assert_int_equal(bl_crc32c(0, buf, 32), 0x46DD794E);
        for (int i = 0; i < 32; i++)
                buf[i] = (uint8_t)(31 - i);
        assert_int_equal(bl_crc32c(0, buf, 32), 0x113FDB5C);

        /* Chaining, and every alignment and length against the bitwise reference. */
        assert_int_equal(bl_crc32c(bl_crc32c(0, "1234", 4), "56789", 5), 0xE3069283);
        rng_state = 7;
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t)rng();
        for (size_t off = 0; off < 8; off++)
                for (size_t n = 0; n + off <= sizeof(buf); n++)
                        assert_int_equal(bl_crc32c(0, buf + off, n), crc32c_bitwise(buf + off, n));
}

/* ---- file info ---- */

static void test_file_info_from_system(void **state)
{
        struct bl_file_info info;
        struct utsname u;
        char s[33];
        FILE *f;

        assert_int_equal(bl_file_info_from_system(&info), 0);
        assert_int_equal(uname(&u), 0);
        assert_string_equal(info.kernel_release, u.release);
        assert_string_equal(info.hostname, u.nodename);
        assert_int_equal(info.recorder_pid, getpid());
        assert_int_equal(info.clk_tck, sysconf(_SC_CLK_TCK));
        assert_true(info.ref_monotonic_ns > 0);
        assert_true(info.ref_realtime_ns > UINT64_C(1500000000) * NSEC_PER_SEC);
        assert_true(info.ref_boottime_ns >= info.ref_monotonic_ns - NSEC_PER_SEC);

        f = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (f) {
                char text[64] = "", expected[33] = "";
                size_t j = 0;

                assert_non_null(fgets(text, sizeof(text), f));
                fclose(f);
                for (size_t i = 0; text[i] && j < 32; i++)
                        if (text[i] != '-' && text[i] != '\n')
                                expected[j++] = text[i];
                assert_string_equal(bl_id128_to_string(info.boot_id, s), expected);
        }
        if (access("/etc/machine-id", R_OK) < 0)
                assert_true(bl_id128_is_null(info.machine_id));
}

static void test_file_info_realtime(void **state)
{
        struct bl_file_info info = test_info();

        assert_int_equal(bl_file_info_realtime(&info, info.ref_monotonic_ns), info.ref_realtime_ns);
        assert_int_equal(bl_file_info_realtime(&info, info.ref_monotonic_ns + 1500 * NSEC_PER_MSEC),
                         info.ref_realtime_ns + 1500 * NSEC_PER_MSEC);
        assert_int_equal(bl_file_info_realtime(&info, info.ref_monotonic_ns - 2 * NSEC_PER_SEC),
                         info.ref_realtime_ns - 2 * NSEC_PER_SEC);
        assert_int_equal(bl_file_info_realtime(&info, 0), info.ref_realtime_ns - info.ref_monotonic_ns);
}

static void test_id128(void **state)
{
        uint8_t id[BL_ID128_SIZE] = {};
        char s[33];

        assert_true(bl_id128_is_null(id));
        assert_string_equal(bl_id128_to_string(id, s), "00000000000000000000000000000000");
        id[15] = 1;
        assert_false(bl_id128_is_null(id));
        for (int i = 0; i < BL_ID128_SIZE; i++)
                id[i] = (uint8_t)(0x10 * i + 0xf - i);
        assert_string_equal(bl_id128_to_string(id, s), "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
}

/* ---- round trips ---- */

static void roundtrip(struct evlist *in, size_t block_size, bool expect_many_blocks)
{
        struct bl_file_info info = test_info();
        struct evlist out = {};
        struct bl_writer_stats ws;
        struct bl_reader_stats rs;
        struct bl_reader *r;
        struct stat st;
        int fd = new_memfd();

        ws = write_events(fd, in, block_size);
        assert_int_equal(ws.events, in->n);
        assert_int_equal(ws.lost, 0);
        assert_int_equal(ws.write_errors, 0);
        if (expect_many_blocks)
                assert_true(ws.blocks > 3);

        r = read_events(fd, &out);
        assert_file_info_equal(bl_reader_get_info(r), &info);
        assert_int_equal(bl_reader_get_info(r)->version, BL_FORMAT_VERSION);
        assert_int_equal(out.n, in->n + 1);
        for (size_t i = 0; i < in->n; i++)
                assert_event_equal(&in->ev[i], &out.ev[i]);
        /* END, with the totals. */
        assert_int_equal(out.ev[in->n].type, BL_EVENT_END);
        assert_int_equal(out.ev[in->n].end.events, in->n);
        assert_int_equal(out.ev[in->n].end.lost, lost_sum(in, 0, in->n));
        assert_int_equal(out.ev[in->n].pid, getpid());

        bl_reader_get_stats(r, &rs);
        assert_true(rs.clean_end);
        assert_int_equal(rs.events, in->n + 1);
        assert_int_equal(rs.blocks_bad, 0);
        assert_true(rs.blocks_ok >= ws.blocks);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(rs.file_size, st.st_size);
        assert_no_damage(r);

        /* Rewind: the same events again, stats not doubled. */
        assert_int_equal(bl_reader_rewind(r), 0);
        for (size_t i = 0; i <= in->n; i++) {
                struct bl_event ev;

                assert_int_equal(bl_reader_next(r, &ev), 1);
                assert_event_equal(&out.ev[i], &ev);
                bl_event_done(&ev);
        }
        bl_reader_get_stats(r, &rs);
        assert_int_equal(rs.events, in->n + 1);

        bl_reader_free(r);
        evlist_done(&out);
        close(fd);
}

static void test_roundtrip_every_type(void **state)
{
        struct evlist in = {};

        make_special_events(&in);
        /* Tiny blocks: nearly every event is a block of its own. */
        roundtrip(&in, 1, true);
        /* One block. */
        roundtrip(&in, 0, false);
        evlist_done(&in);
}

static void test_roundtrip_huge_and_random(void **state)
{
        struct evlist in = {};

        rng_state = 0x5eed;
        make_special_events(&in);
        make_random_events(&in, 3000);
        make_huge_exec(&in);
        make_random_events(&in, 3000);
        make_special_events(&in);
        roundtrip(&in, 512, true);
        roundtrip(&in, 0, false);
        evlist_done(&in);
}

static void test_roundtrip_pipe(void **state)
{
        struct evlist in = {}, out = {};
        struct bl_reader *r;
        struct bl_event ev;
        int p[2], fd = new_memfd(), k;
        char buf[4096];
        ssize_t n;

        rng_state = 99;
        make_random_events(&in, 100);
        write_events(fd, &in, 256);

        /* The reader takes a pipe too (bootlog ... < file); a small file fits in the pipe buffer. */
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                assert_int_equal(write(p[1], buf, (size_t)n), n);
        close(p[1]);
        assert_int_equal(bl_reader_open_fd(p[0], &r), 0);
        while ((k = bl_reader_next(r, &ev)) > 0)
                evlist_push(&out, &ev);
        assert_int_equal(k, 0);
        assert_int_equal(out.n, in.n + 1);
        for (size_t i = 0; i < in.n; i++)
                assert_event_equal(&in.ev[i], &out.ev[i]);
        assert_no_damage(r);

        bl_reader_free(r);
        evlist_done(&in);
        evlist_done(&out);
        close(fd);
}

static void test_writer_blocks_and_pending(void **state)
{
        struct bl_file_info info = test_info();
        struct bl_writer_options opts = { .block_size = 4096 };
        struct bl_writer_stats st;
        struct bl_writer *w;
        struct evlist in = {};
        struct stat s;
        int fd = new_memfd(), fd2 = new_memfd();

        rng_state = 3;
        make_random_events(&in, 500);
        assert_int_equal(bl_writer_new(fcntl(fd, F_DUPFD_CLOEXEC, 3), &info, &opts, &w), 0);
        bl_writer_get_stats(w, &st);
        assert_int_equal(st.bytes, sizeof(struct bl_file_header));
        assert_int_equal(bl_writer_pending(w), 0);

        assert_int_equal(bl_writer_append(w, &in.ev[0]), 0);
        assert_true(bl_writer_pending(w) > 0);
        assert_int_equal(bl_writer_flush(w), 0);
        assert_int_equal(bl_writer_pending(w), 0);
        bl_writer_get_stats(w, &st);
        assert_int_equal(st.blocks, 1);
        assert_int_equal(st.events_written, 1);
        assert_int_equal(fstat(fd, &s), 0);
        assert_int_equal(st.bytes, s.st_size);
        /* Flushing nothing writes nothing. */
        assert_int_equal(bl_writer_flush(w), 0);
        bl_writer_get_stats(w, &st);
        assert_int_equal(st.blocks, 1);

        for (size_t i = 1; i < in.n; i++) {
                assert_int_equal(bl_writer_append(w, &in.ev[i]), 0);
                assert_true(bl_writer_pending(w) < opts.block_size);
        }
        bl_writer_get_stats(w, &st);
        assert_true(st.blocks > 2);
        assert_int_equal(st.events, in.n);
        assert_true(st.events_written < st.events);

        /* Events not yet flushed are written by free(), without END. */
        bl_writer_free(w);
        {
                struct evlist out = {};
                struct bl_reader_stats rs;
                struct bl_reader *r = read_events(fd, &out);

                assert_int_equal(out.n, in.n);
                bl_reader_get_stats(r, &rs);
                assert_false(rs.clean_end);
                bl_reader_free(r);
                evlist_done(&out);
        }

        /* The writer wants an empty file. */
        assert_int_equal(bl_writer_new(fcntl(fd, F_DUPFD_CLOEXEC, 3), &info, &opts, &w), -EEXIST);
        assert_int_equal(bl_writer_new(fcntl(fd2, F_DUPFD_CLOEXEC, 3), &info, NULL, &w), 0);
        assert_int_equal(bl_writer_close(w), 0);
        assert_int_equal(bl_writer_close(NULL), 0);
        assert_null(bl_writer_free(NULL));

        evlist_done(&in);
        close(fd);
        close(fd2);
}

/* ---- write failures ---- */

static void append_range(struct bl_writer *w, const struct evlist *l, size_t from, size_t to)
{
        for (size_t i = from; i < to; i++)
                assert_int_equal(bl_writer_append(w, &l->ev[i]), 0);
}

/* The block after a failed write opens with a LOST record; everything else is there in order. */
static void assert_file_with_loss(int fd, const struct evlist *in, size_t first_lost, size_t n_lost,
                                  enum bl_lost_reason reason)
{
        struct evlist out = {};
        struct bl_reader_stats rs;
        struct bl_reader *r = read_events(fd, &out);
        const struct bl_event *lost;
        size_t j = 0;

        assert_int_equal(out.n, in->n - n_lost + 2); /* + LOST + END */
        for (size_t i = 0; i < first_lost; i++)
                assert_event_equal(&in->ev[i], &out.ev[j++]);
        lost = &out.ev[j++];
        assert_int_equal(lost->type, BL_EVENT_LOST);
        assert_int_equal(lost->lost.reason, reason);
        assert_int_equal(lost->lost.count, n_lost);
        assert_int_equal(lost->ts_ns, in->ev[first_lost].ts_ns);
        for (size_t i = first_lost + n_lost; i < in->n; i++)
                assert_event_equal(&in->ev[i], &out.ev[j++]);
        assert_int_equal(out.ev[j].type, BL_EVENT_END);
        assert_int_equal(out.ev[j].end.events, in->n - n_lost + 1);
        assert_int_equal(out.ev[j].end.lost,
                         n_lost + lost_sum(in, 0, first_lost) + lost_sum(in, first_lost + n_lost, in->n));

        bl_reader_get_stats(r, &rs);
        assert_true(rs.clean_end);
        assert_no_damage(r);
        bl_reader_free(r);
        evlist_done(&out);
}

/*
 * Swaps bad_fd under the writer's fd for one block: that block is lost with
 * the given error and reason; then the original comes back and the writer
 * carries on.
 */
static void write_with_swapped_fd(int bad_fd, int error, enum bl_lost_reason reason)
{
        struct bl_file_info info = test_info();
        struct bl_writer_stats st;
        struct bl_writer *w;
        struct evlist in = {};
        int fd = new_memfd(), wfd, saved;

        rng_state = 11;
        make_random_events(&in, 30);
        wfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        assert_int_equal(bl_writer_new(wfd, &info, NULL, &w), 0);
        append_range(w, &in, 0, 10);
        assert_int_equal(bl_writer_flush(w), 0);

        saved = fcntl(wfd, F_DUPFD_CLOEXEC, 3);
        assert_int_equal(dup3(bad_fd, wfd, O_CLOEXEC), wfd);
        append_range(w, &in, 10, 20);
        assert_int_equal(bl_writer_flush(w), error);
        bl_writer_get_stats(w, &st);
        assert_int_equal(st.events, 20);
        assert_int_equal(st.events_written, 10);
        assert_int_equal(st.lost, 10);
        assert_int_equal(st.blocks, 1);
        assert_int_equal(st.write_errors, 1);
        assert_int_equal(st.last_error, error);

        /* The writer keeps going once writes work again. */
        assert_int_equal(dup3(saved, wfd, O_CLOEXEC), wfd);
        append_range(w, &in, 20, 30);
        bl_writer_get_stats(w, &st);
        assert_int_equal(st.events, 30);
        assert_int_equal(st.lost, 10);
        assert_int_equal(bl_writer_close(w), 0);

        assert_file_with_loss(fd, &in, 10, 10, reason);
        close(saved);
        close(fd);
        evlist_done(&in);
}

static void test_write_error_readonly_fd(void **state)
{
        char path[64];
        int fd = new_memfd(), ro;

        /* A read-only open of some file: write(2) gets EBADF. */
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ro = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(ro >= 0);
        write_with_swapped_fd(ro, -EBADF, BL_LOST_WRITE_ERROR);
        close(ro);
        close(fd);
}

static void test_write_error_disk_full(void **state)
{
        int full = open("/dev/full", O_WRONLY | O_CLOEXEC);

        if (full < 0)
                skip();
        /* /dev/full: every write(2) gets ENOSPC. */
        write_with_swapped_fd(full, -ENOSPC, BL_LOST_DISK_FULL);
        close(full);
}

static void test_write_error_pipe(void **state)
{
        struct bl_file_info info = test_info();
        struct bl_writer_stats st;
        struct bl_writer *w;
        struct evlist in = {};
        int p[2];

        rng_state = 12;
        make_random_events(&in, 20);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        /* A pipe cannot seek: the header goes out with plain write(2). */
        assert_int_equal(bl_writer_new(p[1], &info, NULL, &w), 0);
        {
                char buf[sizeof(struct bl_file_header)];

                assert_int_equal(read(p[0], buf, sizeof(buf)), sizeof(buf));
                assert_memory_equal(buf, BL_FILE_MAGIC, BL_FILE_MAGIC_SIZE);
        }
        close(p[0]);
        append_range(w, &in, 0, 5);
        assert_int_equal(bl_writer_flush(w), -EPIPE);
        bl_writer_get_stats(w, &st);
        assert_int_equal(st.events, 5);
        assert_int_equal(st.events_written, 0);
        assert_int_equal(st.lost, 5);
        assert_int_equal(st.write_errors, 1);
        assert_int_equal(st.last_error, -EPIPE);
        assert_int_equal(bl_writer_pending(w), 0);

        /* Still absorbing: the next events are lost too, not dropped silently. */
        append_range(w, &in, 5, 20);
        assert_int_equal(bl_writer_flush(w), -EPIPE);
        bl_writer_get_stats(w, &st);
        assert_int_equal(st.events, 20);
        assert_int_equal(st.lost, 20);
        assert_int_equal(st.write_errors, 2);
        assert_int_equal(bl_writer_close(w), -EPIPE);
        evlist_done(&in);
}

static void test_write_error_file_size_limit(void **state)
{
        struct bl_file_info info = test_info();
        struct bl_writer_stats st;
        struct bl_writer *w;
        struct evlist in = {};
        struct rlimit old, rl;
        struct stat s;
        int fd = new_memfd();

        rng_state = 13;
        make_random_events(&in, 60);
        assert_int_equal(bl_writer_new(fcntl(fd, F_DUPFD_CLOEXEC, 3), &info, NULL, &w), 0);
        append_range(w, &in, 0, 20);
        assert_int_equal(bl_writer_flush(w), 0);
        append_range(w, &in, 20, 30);
        assert_int_equal(bl_writer_flush(w), 0);
        bl_writer_get_stats(w, &st);

        /* Room for 20 more bytes: the block's write starts, comes up short, then fails with EFBIG. */
        assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
        rl = old;
        rl.rlim_cur = st.bytes + 20;
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
        append_range(w, &in, 30, 45);
        assert_int_equal(bl_writer_flush(w), -EFBIG);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);

        /* Cut back to the last good block. */
        assert_int_equal(fstat(fd, &s), 0);
        assert_int_equal(s.st_size, st.bytes);
        bl_writer_get_stats(w, &st);
        assert_int_equal(st.lost, 15);
        assert_int_equal(st.last_error, -EFBIG);
        assert_int_equal(st.bytes, s.st_size);

        append_range(w, &in, 45, 60);
        assert_int_equal(bl_writer_close(w), 0);
        assert_file_with_loss(fd, &in, 30, 15, BL_LOST_WRITE_ERROR);
        close(fd);
        evlist_done(&in);
}

/* ---- header errors ---- */

static int open_bytes(const void *data, size_t n)
{
        struct bl_reader *r = NULL;
        int fd = new_memfd(), k;

        assert_int_equal(write(fd, data, n), (ssize_t)n);
        k = bl_reader_open_fd(fd, &r);
        if (k == 0)
                bl_reader_free(r);
        else
                assert_null(r);
        return k;
}

static void fix_header_crc(uint8_t *file, size_t header_size)
{
        le32_t crc = htole32(bl_crc32c(0, file, header_size - 4));

        memcpy(file + header_size - 4, &crc, 4);
}

static void test_header_errors(void **state)
{
        struct evlist in = {}, out = {};
        struct bl_reader *r;
        uint8_t *file, *big;
        struct stat s;
        int fd = new_memfd();
        const size_t hs = sizeof(struct bl_file_header);
        uint64_t flags;
        uint32_t v;

        rng_state = 14;
        make_random_events(&in, 20);
        write_events(fd, &in, 0);
        assert_int_equal(fstat(fd, &s), 0);
        file = malloc(s.st_size);
        assert_non_null(file);
        assert_int_equal(pread(fd, file, s.st_size, 0), s.st_size);

        assert_int_equal(open_bytes(file, s.st_size), 0);
        assert_int_equal(open_bytes(file, 0), -EBADMSG);
        assert_int_equal(open_bytes(file, 4), -EBADMSG);
        assert_int_equal(open_bytes(file, 8), -EBADMSG);
        assert_int_equal(open_bytes(file, hs - 1), -EBADMSG);
        assert_int_equal(open_bytes(file, hs), 0); /* a header and no block yet: a file just started */
        assert_int_equal(open_bytes("#!/bin/sh\necho hello, this is not a journal file at all\n", 57),
                         -EBADMSG);
        assert_int_equal(bl_reader_open("/nonexistent/bootlog.journal", &r), -ENOENT);

        /* Any flipped bit in the header: the CRC says no. */
        file[100] ^= 0x10;
        assert_int_equal(open_bytes(file, s.st_size), -EBADMSG);
        file[100] ^= 0x10;
        file[0] = 'b';
        assert_int_equal(open_bytes(file, s.st_size), -EBADMSG);
        file[0] = 'B';

        /* A newer version, an unknown incompatible flag: refused, even with a good CRC. */
        v = htole32(BL_FORMAT_VERSION + 1);
        memcpy(file + offsetof(struct bl_file_header, version), &v, 4);
        fix_header_crc(file, hs);
        assert_int_equal(open_bytes(file, s.st_size), -EPROTONOSUPPORT);
        v = htole32(BL_FORMAT_VERSION);
        memcpy(file + offsetof(struct bl_file_header, version), &v, 4);
        flags = htole64(BL_HEADER_INCOMPAT_COMPRESSED_ZSTD | (UINT64_C(1) << 40));
        memcpy(file + offsetof(struct bl_file_header, incompatible_flags), &flags, 8);
        fix_header_crc(file, hs);
        assert_int_equal(open_bytes(file, s.st_size), -EPROTONOSUPPORT);

        /* An unknown compatible flag is fine, and reported. */
        flags = htole64(BL_HEADER_INCOMPAT_COMPRESSED_ZSTD);
        memcpy(file + offsetof(struct bl_file_header, incompatible_flags), &flags, 8);
        flags = htole64(UINT64_C(1) << 3);
        memcpy(file + offsetof(struct bl_file_header, compatible_flags), &flags, 8);
        fix_header_crc(file, hs);
        assert_int_equal(pwrite(fd, file, hs, 0), (ssize_t)hs);
        r = read_events(fd, &out);
        assert_int_equal(bl_reader_get_info(r)->compatible_flags, UINT64_C(1) << 3);
        assert_int_equal(out.n, in.n + 1);
        bl_reader_free(r);
        evlist_done(&out);

        /* A longer header from a newer minor revision: fields appended before the CRC, blocks after it. */
        big = calloc(1, s.st_size + 16);
        assert_non_null(big);
        memcpy(big, file, hs - 4);
        memset(big + hs - 4, 0xee, 16);
        v = htole32(hs + 16);
        memcpy(big + offsetof(struct bl_file_header, header_size), &v, 4);
        fix_header_crc(big, hs + 16);
        memcpy(big + hs + 16, file + hs, s.st_size - hs);
        {
                int fd2 = new_memfd();

                assert_int_equal(write(fd2, big, s.st_size + 16), s.st_size + 16);
                r = read_events(fd2, &out);
                assert_int_equal(out.n, in.n + 1);
                for (size_t i = 0; i < in.n; i++)
                        assert_event_equal(&in.ev[i], &out.ev[i]);
                assert_no_damage(r);
                bl_reader_free(r);
                evlist_done(&out);
                close(fd2);
        }
        /* header_size smaller than version 1's, or past the end of the file. */
        v = htole32(hs - 8);
        memcpy(big + offsetof(struct bl_file_header, header_size), &v, 4);
        assert_int_equal(open_bytes(big, s.st_size + 16), -EBADMSG);
        v = htole32(s.st_size + 100);
        memcpy(big + offsetof(struct bl_file_header, header_size), &v, 4);
        assert_int_equal(open_bytes(big, s.st_size + 16), -EBADMSG);

        free(big);
        free(file);
        evlist_done(&in);
        close(fd);
}

/* ---- forward compatibility of records ---- */

static uint8_t *put_v(uint8_t *p, uint64_t v)
{
        return p + bl_varint_encode(p, v);
}

/* Appends a block of raw records (stored, not compressed) with correct checksums. */
static void append_raw_block(int fd, const uint8_t *payload, size_t n, uint32_t n_events, uint64_t seq)
{
        struct bl_block_header h = {};
        struct stat s;

        memcpy(h.magic, BL_BLOCK_MAGIC, BL_BLOCK_MAGIC_SIZE);
        h.seq = htole64(seq);
        h.flags = htole32(BL_BLOCK_COMPRESSION_NONE);
        h.stored_size = htole32(n);
        h.uncompressed_size = htole32(n);
        h.n_events = htole32(n_events);
        h.payload_crc = htole32(bl_crc32c(0, payload, n));
        h.header_crc = htole32(bl_crc32c(0, &h, offsetof(struct bl_block_header, header_crc)));
        assert_int_equal(fstat(fd, &s), 0);
        assert_int_equal(pwrite(fd, &h, sizeof(h), s.st_size), sizeof(h));
        assert_int_equal(pwrite(fd, payload, n, s.st_size + sizeof(h)), (ssize_t)n);
}

static void test_unknown_record_types_skipped(void **state)
{
        struct bl_file_info info = test_info();
        struct evlist out = {};
        struct bl_reader *r;
        struct bl_writer *w;
        uint8_t payload[128], body[64], *p = payload, *b;
        int fd = new_memfd();

        assert_int_equal(bl_writer_new(fcntl(fd, F_DUPFD_CLOEXEC, 3), &info, NULL, &w), 0);
        bl_writer_free(w);

        /* Type 200 from some future version: common fields, then 5 bytes of its own. */
        b = body;
        b = put_v(b, bl_zigzag_encode(1000)); /* ts 1000 */
        b = put_v(b, 2);                      /* cpu */
        b = put_v(b, bl_zigzag_encode(500));  /* pid 500 */
        b = put_v(b, 0);                      /* tid = pid */
        memcpy(b, "\xff\xff\xff\xff\x7f", 5);
        b += 5;
        *p++ = 200;
        p = put_v(p, b - body);
        memcpy(p, body, b - body);
        p += b - body;

        /* A fork with a field appended by a future version: the known fields come back, the rest is skipped.
         */
        b = body;
        b = put_v(b, bl_zigzag_encode(5));  /* ts 1005: the delta chain goes through the skipped record */
        b = put_v(b, 1);                    /* cpu */
        b = put_v(b, bl_zigzag_encode(3));  /* pid 503 */
        b = put_v(b, bl_zigzag_encode(1));  /* tid 504 */
        b = put_v(b, bl_zigzag_encode(-3)); /* parent pid 500 */
        b = put_v(b, 0);                    /* parent tid 500 */
        b = put_v(b, 123456);               /* the future field */
        *p++ = BL_EVENT_FORK;
        p = put_v(p, b - body);
        memcpy(p, body, b - body);
        p += b - body;

        append_raw_block(fd, payload, p - payload, 2, 0);
        r = read_events(fd, &out);
        assert_int_equal(out.n, 1);
        assert_int_equal(out.ev[0].type, BL_EVENT_FORK);
        assert_int_equal(out.ev[0].ts_ns, 1005);
        assert_int_equal(out.ev[0].cpu, 1);
        assert_int_equal(out.ev[0].pid, 503);
        assert_int_equal(out.ev[0].tid, 504);
        assert_int_equal(out.ev[0].fork.parent_pid, 500);
        assert_int_equal(out.ev[0].fork.parent_tid, 500);
        assert_no_damage(r);
        bl_reader_free(r);
        evlist_done(&out);
        close(fd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_varint),
                cmocka_unit_test(test_zigzag),
                cmocka_unit_test(test_crc32c),
                cmocka_unit_test(test_file_info_from_system),
                cmocka_unit_test(test_file_info_realtime),
                cmocka_unit_test(test_id128),
                cmocka_unit_test(test_roundtrip_every_type),
                cmocka_unit_test(test_roundtrip_huge_and_random),
                cmocka_unit_test(test_roundtrip_pipe),
                cmocka_unit_test(test_writer_blocks_and_pending),
                cmocka_unit_test(test_write_error_readonly_fd),
                cmocka_unit_test(test_write_error_disk_full),
                cmocka_unit_test(test_write_error_pipe),
                cmocka_unit_test(test_write_error_file_size_limit),
                cmocka_unit_test(test_header_errors),
                cmocka_unit_test(test_unknown_record_types_skipped),
        };

        /* Write failures must come back as EPIPE and EFBIG, not kill the test. */
        signal(SIGPIPE, SIG_IGN);
        signal(SIGXFSZ, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
