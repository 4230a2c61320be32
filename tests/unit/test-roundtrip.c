/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writer and reader together: every event comes back as written, whatever
 * its type, its field values and the block size, from a file or a pipe.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "journal-fixture.h"

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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip_every_type),
                cmocka_unit_test(test_roundtrip_huge_and_random),
                cmocka_unit_test(test_roundtrip_pipe),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
