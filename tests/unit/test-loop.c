/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "loop.h"

#define MS NSEC_PER_MSEC

struct trace {
        struct bl_loop *loop;
        int order[16];
        size_t n;
        int exit_after; /* exit when this many were recorded */
        struct bl_loop_source *victim;
        struct bl_loop_source *self;
        int fds[2];
        uint64_t fired_at[16];
};

static void trace_add(struct trace *t, int id)
{
        assert_true(t->n < ELEMENTSOF(t->order));
        t->fired_at[t->n] = bl_loop_now(t->loop);
        t->order[t->n++] = id;
        if ((int)t->n == t->exit_after)
                bl_loop_exit(t->loop, 40 + id);
}

static int on_time_1(struct bl_loop_source *s, uint64_t when, void *userdata)
{
        trace_add(userdata, 1);
        return 0;
}
static int on_time_2(struct bl_loop_source *s, uint64_t when, void *userdata)
{
        trace_add(userdata, 2);
        return 0;
}
static int on_time_3(struct bl_loop_source *s, uint64_t when, void *userdata)
{
        trace_add(userdata, 3);
        return 0;
}

static void test_timers_in_order(void **state)
{
        _cleanup_loop_ struct bl_loop *l = NULL;
        struct trace t = { .exit_after = 3 };
        uint64_t start;

        assert_int_equal(bl_loop_new(&l), 0);
        t.loop = l;
        start = bl_loop_now(l);
        assert_int_equal(bl_loop_add_time(l, NULL, start + 30 * MS, on_time_1, &t), 0);
        assert_int_equal(bl_loop_add_time(l, NULL, start + 10 * MS, on_time_2, &t), 0);
        assert_int_equal(bl_loop_add_time(l, NULL, start + 20 * MS, on_time_3, &t), 0);
        /* Exit code of the third: 40 + its id. */
        assert_int_equal(bl_loop_run(l), 41);
        assert_int_equal(t.n, 3);
        assert_int_equal(t.order[0], 2);
        assert_int_equal(t.order[1], 3);
        assert_int_equal(t.order[2], 1);
        /* Never early. */
        assert_true(t.fired_at[0] >= start + 10 * MS);
        assert_true(t.fired_at[1] >= start + 20 * MS);
        assert_true(t.fired_at[2] >= start + 30 * MS);
        /* And not absurdly late (generous: this machine may be busy). */
        assert_true(t.fired_at[2] < start + 2000 * MS);
}

static int on_rearm(struct bl_loop_source *s, uint64_t when, void *userdata)
{
        struct trace *t = userdata;

        trace_add(t, 1);
        if (t->n < 3)
                assert_int_equal(bl_loop_source_arm(s, when + 5 * MS), 0);
        else
                bl_loop_exit(t->loop, 3);
        return 0;
}

static void test_timer_oneshot_rearm_disable(void **state)
{
        _cleanup_loop_ struct bl_loop *l = NULL;
        struct bl_loop_source *rearm = NULL, *off = NULL, *never = NULL;
        struct trace t = {}, other = {};
        uint64_t now;

        assert_int_equal(bl_loop_new(&l), 0);
        t.loop = other.loop = l;
        now = bl_loop_now(l);
        assert_int_equal(bl_loop_add_time(l, &rearm, now, on_rearm, &t), 0);
        assert_int_equal(bl_loop_source_get_enabled(rearm), BL_LOOP_ONESHOT);
        /* Due at once, but disabled: never runs. */
        assert_int_equal(bl_loop_add_time(l, &off, now, on_time_2, &other), 0);
        assert_int_equal(bl_loop_source_set_enabled(off, BL_LOOP_OFF), 0);
        /* Created off. */
        assert_int_equal(bl_loop_add_time(l, &never, UINT64_MAX, on_time_3, &other), 0);
        assert_int_equal(bl_loop_source_get_enabled(never), BL_LOOP_OFF);
        assert_int_equal(bl_loop_run(l), 3);
        assert_int_equal(t.n, 3);
        assert_int_equal(other.n, 0);
        /* Oneshot: off after it ran (and it did not re-arm the third time). */
        assert_int_equal(bl_loop_source_get_enabled(rearm), BL_LOOP_OFF);
        assert_true(t.fired_at[2] >= t.fired_at[0] + 10 * MS);

        /* Nothing enabled any more: the loop would wait for ever, and says so. */
        assert_int_equal(bl_loop_source_set_enabled(off, BL_LOOP_OFF), 0);
        assert_int_equal(bl_loop_run(l), -ECHILD);

        bl_loop_source_free(rearm);
        bl_loop_source_free(off);
        bl_loop_source_free(never);
}

static int on_failing(struct bl_loop_source *s, uint64_t when, void *userdata)
{
        trace_add(userdata, 1);
        return -EIO;
}

static void test_failing_callback_disables(void **state)
{
        _cleanup_loop_ struct bl_loop *l = NULL;
        struct bl_loop_source *s = NULL;
        struct trace t = {};

        assert_int_equal(bl_loop_new(&l), 0);
        t.loop = l;
        /* ON and never moved: would run every iteration; its error turns it off after the first. */
        assert_int_equal(bl_loop_add_time(l, &s, bl_loop_now(l), on_failing, &t), 0);
        assert_int_equal(bl_loop_source_set_enabled(s, BL_LOOP_ON), 0);
        assert_int_equal(bl_loop_run(l), -ECHILD);
        assert_int_equal(t.n, 1);
        assert_int_equal(bl_loop_source_get_enabled(s), BL_LOOP_OFF);
        bl_loop_source_free(s);
}

static int on_readable(struct bl_loop_source *s, int fd, uint32_t revents, void *userdata)
{
        struct trace *t = userdata;
        char c;

        assert_true(revents & EPOLLIN);
        assert_int_equal(read(fd, &c, 1), 1);
        trace_add(t, c);
        return 0;
}

static int on_write_later(struct bl_loop_source *s, uint64_t when, void *userdata)
{
        struct trace *t = userdata;

        assert_int_equal(write(t->fds[1], "ab", 2), 2);
        return 0;
}

static int on_exit_time(struct bl_loop_source *s, uint64_t when, void *userdata)
{
        struct trace *t = userdata;

        bl_loop_exit(t->loop, 99);
        return 0;
}

static void test_io(void **state)
{
        _cleanup_loop_ struct bl_loop *l = NULL;
        struct bl_loop_source *io = NULL;
        struct trace t = { .exit_after = 2 };
        char c;

        assert_int_equal(pipe2(t.fds, O_CLOEXEC | O_NONBLOCK), 0);
        assert_int_equal(bl_loop_new(&l), 0);
        t.loop = l;
        assert_int_equal(bl_loop_add_io(l, &io, t.fds[0], EPOLLIN, on_readable, &t), 0);
        assert_int_equal(bl_loop_add_time(l, NULL, bl_loop_now(l) + 5 * MS, on_write_later, &t), 0);
        /* Both bytes, one per callback, in order; exit code 40 + 'b'. */
        assert_int_equal(bl_loop_run(l), 40 + 'b');
        assert_int_equal(t.n, 2);
        assert_int_equal(t.order[0], 'a');
        assert_int_equal(t.order[1], 'b');

        /* Oneshot: runs once although the fd stays readable. */
        t.n = 0;
        t.exit_after = 0;
        assert_int_equal(write(t.fds[1], "cd", 2), 2);
        assert_int_equal(bl_loop_source_set_enabled(io, BL_LOOP_ONESHOT), 0);
        assert_int_equal(bl_loop_add_time(l, NULL, bl_loop_now(l) + 20 * MS, on_exit_time, &t), 0);
        assert_int_equal(bl_loop_run(l), 99);
        assert_int_equal(t.n, 1);
        assert_int_equal(t.order[0], 'c');
        assert_int_equal(bl_loop_source_get_enabled(io), BL_LOOP_OFF);

        /* Off: nothing read, the byte stays. */
        assert_int_equal(bl_loop_add_time(l, NULL, bl_loop_now(l) + 5 * MS, on_exit_time, &t), 0);
        assert_int_equal(bl_loop_run(l), 99);
        assert_int_equal(t.n, 1);
        assert_int_equal(read(t.fds[0], &c, 1), 1);
        assert_int_equal(c, 'd');

        /* A regular file cannot be watched: the error is returned, nothing is added. */
        {
                int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
                struct bl_loop_source *bad = NULL;

                assert_true(fd >= 0);
                assert_int_equal(bl_loop_add_io(l, &bad, fd, EPOLLIN, on_readable, &t), -EPERM);
                assert_null(bad);
                close(fd);
        }

        bl_loop_source_free(io);
        close(t.fds[0]);
        close(t.fds[1]);
}

/* Frees the other source, whose event is pending in the same round: it must not run. */
static int on_readable_kill(struct bl_loop_source *s, int fd, uint32_t revents, void *userdata)
{
        struct trace *t = userdata;
        char c;

        assert_int_equal(read(fd, &c, 1), 1);
        trace_add(t, c);
        /* The other one, and itself. */
        t->victim = bl_loop_source_free(t->victim);
        t->self = bl_loop_source_free(t->self);
        bl_loop_exit(t->loop, 5);
        return 0;
}

static void test_free_from_callback(void **state)
{
        _cleanup_loop_ struct bl_loop *l = NULL;
        struct trace t = {};
        int a[2], b[2];

        assert_int_equal(pipe2(a, O_CLOEXEC | O_NONBLOCK), 0);
        assert_int_equal(pipe2(b, O_CLOEXEC | O_NONBLOCK), 0);
        assert_int_equal(bl_loop_new(&l), 0);
        t.loop = l;
        assert_int_equal(bl_loop_add_io(l, &t.self, a[0], EPOLLIN, on_readable_kill, &t), 0);
        assert_int_equal(bl_loop_add_io(l, &t.victim, b[0], EPOLLIN, on_readable_kill, &t), 0);
        /* Both readable before the wait: both events come back from one epoll_wait(). */
        assert_int_equal(write(a[1], "x", 1), 1);
        assert_int_equal(write(b[1], "y", 1), 1);
        /* Whichever ran first freed both and asked to exit; the other's event was skipped. */
        assert_int_equal(bl_loop_run(l), 5);
        assert_int_equal(t.n, 1);
        close(a[0]);
        close(a[1]);
        close(b[0]);
        close(b[1]);
}

static int on_signal(struct bl_loop_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        struct trace *t = userdata;

        trace_add(t, (int)si->ssi_signo);
        if (si->ssi_signo == SIGUSR2)
                bl_loop_exit(t->loop, 0);
        return 0;
}

static int on_raise(struct bl_loop_source *s, uint64_t when, void *userdata)
{
        assert_int_equal(kill(getpid(), SIGUSR1), 0);
        assert_int_equal(kill(getpid(), SIGUSR2), 0);
        return 0;
}

static void test_signals(void **state)
{
        _cleanup_loop_ struct bl_loop *l = NULL;
        struct bl_loop_source *usr1 = NULL;
        struct trace t = {};
        sigset_t blocked;

        assert_int_equal(bl_loop_new(&l), 0);
        t.loop = l;
        assert_int_equal(bl_loop_add_signal(l, &usr1, SIGUSR1, on_signal, &t), 0);
        assert_int_equal(bl_loop_add_signal(l, NULL, SIGUSR2, on_signal, &t), 0);
        /* One source per signal. */
        assert_int_equal(bl_loop_add_signal(l, NULL, SIGUSR1, on_signal, &t), -EBUSY);
        assert_int_equal(bl_loop_add_signal(l, NULL, 0, on_signal, &t), -EINVAL);
        /* Blocked by the loop, or the default action (terminate) would run. */
        assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &blocked), 0);
        assert_true(sigismember(&blocked, SIGUSR1));
        assert_true(sigismember(&blocked, SIGUSR2));

        assert_int_equal(bl_loop_add_time(l, NULL, bl_loop_now(l) + 2 * MS, on_raise, &t), 0);
        assert_int_equal(bl_loop_run(l), 0);
        assert_int_equal(t.n, 2);
        /* Pending standard signals come lowest number first. */
        assert_int_equal(t.order[0], SIGUSR1);
        assert_int_equal(t.order[1], SIGUSR2);

        /* Disabled: the signal stays pending, not delivered, until enabled again. */
        t.n = 0;
        assert_int_equal(bl_loop_source_set_enabled(usr1, BL_LOOP_OFF), 0);
        assert_int_equal(kill(getpid(), SIGUSR1), 0);
        assert_int_equal(bl_loop_add_time(l, NULL, bl_loop_now(l) + 5 * MS, on_exit_time, &t), 0);
        assert_int_equal(bl_loop_run(l), 99);
        assert_int_equal(t.n, 0);
        assert_int_equal(bl_loop_source_set_enabled(usr1, BL_LOOP_ON), 0);
        assert_int_equal(bl_loop_add_time(l, NULL, bl_loop_now(l) + 5 * MS, on_exit_time, &t), 0);
        assert_int_equal(bl_loop_run(l), 99);
        assert_int_equal(t.n, 1);
        assert_int_equal(t.order[0], SIGUSR1);
        bl_loop_source_free(usr1);
}

static int on_defer(struct bl_loop_source *s, void *userdata)
{
        struct trace *t = userdata;

        trace_add(t, 7);
        return 0;
}

static void test_defer_runs_before_waiting(void **state)
{
        _cleanup_loop_ struct bl_loop *l = NULL;
        struct bl_loop_source *d = NULL;
        struct trace t = {};
        uint64_t start;

        assert_int_equal(bl_loop_new(&l), 0);
        t.loop = l;
        assert_int_equal(bl_loop_add_defer(l, &d, on_defer, &t), 0);
        start = bl_loop_now(l);
        /* A long timeout: the pending defer makes the wait return at once. */
        assert_int_equal(bl_loop_run_once(l, 5000 * MS), 0);
        assert_int_equal(t.n, 1);
        assert_true(bl_loop_now(l) - start < 2000 * MS);
        /* Oneshot: the next round waits the full timeout and runs nothing. */
        assert_int_equal(bl_loop_source_get_enabled(d), BL_LOOP_OFF);
        start = bl_loop_now(l);
        assert_int_equal(bl_loop_run_once(l, 20 * MS), 0);
        assert_int_equal(t.n, 1);
        assert_true(bl_loop_now(l) - start >= 20 * MS);
        bl_loop_source_free(d);
}

static void test_exit_code_and_outliving(void **state)
{
        struct bl_loop *l = NULL;
        struct bl_loop_source *held = NULL;
        struct trace t = {};

        assert_int_equal(bl_loop_new(&l), 0);
        t.loop = l;
        assert_int_equal(bl_loop_add_time(l, &held, bl_loop_now(l) + 1000 * MS, on_time_1, &t), 0);
        assert_ptr_equal(bl_loop_source_get_loop(held), l);
        /* The first code wins. */
        bl_loop_exit(l, 12);
        bl_loop_exit(l, 13);
        assert_int_equal(bl_loop_run(l), 12);
        assert_int_equal(t.n, 0);
        /* A source held past its loop is detached and can still be freed. */
        bl_loop_free(l);
        assert_null(bl_loop_source_get_loop(held));
        assert_int_equal(bl_loop_source_get_enabled(held), BL_LOOP_ONESHOT);
        assert_null(bl_loop_source_free(held));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_timers_in_order),
                cmocka_unit_test(test_timer_oneshot_rearm_disable),
                cmocka_unit_test(test_failing_callback_disables),
                cmocka_unit_test(test_io),
                cmocka_unit_test(test_free_from_callback),
                cmocka_unit_test(test_signals),
                cmocka_unit_test(test_defer_runs_before_waiting),
                cmocka_unit_test(test_exit_code_and_outliving),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
