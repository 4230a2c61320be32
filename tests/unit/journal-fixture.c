/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The journal tests' shared helpers: see journal-fixture.h. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "format-def.h"
#include "journal-fixture.h"

void evlist_push(struct evlist *l, struct bl_event *ev)
{
        if (l->n == l->alloc) {
                l->alloc = l->alloc ? l->alloc * 2 : 64;
                l->ev = realloc(l->ev, l->alloc * sizeof(*l->ev));
                assert_non_null(l->ev);
        }
        l->ev[l->n++] = *ev; /* takes ownership */
        bl_event_init(ev, 0);
}

void evlist_done(struct evlist *l)
{
        for (size_t i = 0; i < l->n; i++)
                bl_event_done(&l->ev[i]);
        free(l->ev);
        *l = (struct evlist){};
}

uint64_t rng_state;

uint64_t rng(void)
{
        /* xorshift64*: deterministic across libcs, unlike rand(). */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * UINT64_C(2685821657736338717);
}

char *xstrdup(const char *s)
{
        char *c = strdup(s);
        assert_non_null(c);
        return c;
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
void assert_event_equal(const struct bl_event *a, const struct bl_event *b)
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

int new_memfd(void)
{
        int fd = memfd_create("bootlog-test", MFD_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

struct bl_file_info test_info(void)
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

/* What END.lost should say: the sum of the counts of the file's LOST records (wrapping, as the writer). */
uint64_t lost_sum(const struct evlist *l, size_t from, size_t to)
{
        uint64_t sum = 0;

        for (size_t i = from; i < to; i++)
                if (l->ev[i].type == BL_EVENT_LOST)
                        sum += l->ev[i].lost.count;
        return sum;
}

/* Reads every event of the file on fd (the fd is duplicated); returns the reader for its stats. */
struct bl_reader *read_events(int fd, struct evlist *ret)
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

void assert_no_damage(struct bl_reader *r)
{
        const struct bl_damage *d;

        assert_int_equal(bl_reader_get_damage(r, &d), 0);
}

void make_random_events(struct evlist *l, size_t n)
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
struct bl_writer_stats write_events(int fd, const struct evlist *l, size_t block_size)
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
