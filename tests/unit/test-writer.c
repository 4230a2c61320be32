/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The writer: blocks, pending events and what free() and close() write; and
 * write failures (a read-only fd, a full disk, a closed pipe, the file size
 * limit), which turn the events of the failed block into a LOST record.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "format-def.h"
#include "journal-fixture.h"

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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_writer_blocks_and_pending),
                cmocka_unit_test(test_write_error_readonly_fd),
                cmocka_unit_test(test_write_error_disk_full),
                cmocka_unit_test(test_write_error_pipe),
                cmocka_unit_test(test_write_error_file_size_limit),
        };

        /* Write failures must come back as EPIPE and EFBIG, not kill the test. */
        signal(SIGPIPE, SIG_IGN);
        signal(SIGXFSZ, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
