/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reader's --since/--until values (time-bound.h): every form they take,
 * the errors, and how each resolves against a recording's clock pair.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "macro.h"
#include "time-bound.h"

#define S ((int64_t)NSEC_PER_SEC)

/* 2026-11-22 17:28:53 UTC, read when CLOCK_MONOTONIC was 100 s; the recording started at 101.5 s. */
#define REF_REALTIME_S INT64_C(1795368533)
static const struct recording rec = {
        .info = { .ref_monotonic_ns = 100 * NSEC_PER_SEC, .ref_realtime_ns = 1795368533 * NSEC_PER_SEC },
        .start_ns = 101 * NSEC_PER_SEC + 500 * NSEC_PER_MSEC,
};

static int64_t resolve(const char *s, bool upper)
{
        struct time_bound b;
        int64_t t = 0;

        assert_int_equal(time_bound_parse(s, &b), 0);
        assert_int_equal(time_bound_resolve(&b, &rec, true, upper, &t), 0);
        return t;
}

static void test_offsets(void **state)
{
        /* Offsets count from the recording's start, whatever sign or unit. */
        assert_int_equal(resolve("5", false), (int64_t)rec.start_ns + 5 * S);
        assert_int_equal(resolve("5.5", false), (int64_t)rec.start_ns + 5500 * S / 1000);
        assert_int_equal(resolve("+2s", false), (int64_t)rec.start_ns + 2 * S);
        assert_int_equal(resolve("-0.5s", false), (int64_t)rec.start_ns - S / 2);
        assert_int_equal(resolve("1500ms", false), (int64_t)rec.start_ns + 1500 * S / 1000);
        assert_int_equal(resolve("2m30s", false), (int64_t)rec.start_ns + 150 * S);
        assert_int_equal(resolve("1h", false), (int64_t)rec.start_ns + 3600 * S);
        assert_int_equal(resolve("1min", false), (int64_t)rec.start_ns + 60 * S);
        assert_int_equal(resolve("250us", false), (int64_t)rec.start_ns + 250000);
        assert_int_equal(resolve("7ns", false), (int64_t)rec.start_ns + 7);
}

static void test_wallclock(void **state)
{
        int64_t start_rt = REF_REALTIME_S * S + (int64_t)(rec.start_ns - rec.info.ref_monotonic_ns);

        /* The header's pair turns a wall-clock time into the recording's CLOCK_MONOTONIC. */
        assert_int_equal(resolve("2026-11-22 17:28:53", false), 100 * S);
        assert_int_equal(resolve("2026-11-22T17:28:55.25", false), 102 * S + S / 4);
        assert_int_equal(resolve("2026-11-22 17:29", false), 107 * S);
        /* Without a date: the day of the start... */
        assert_int_equal(resolve("17:28:54.5", false), 101 * S + S / 2);
        assert_int_equal(resolve("18:00", false), 100 * S + (18 * 3600 - (17 * 3600 + 28 * 60 + 53)) * S);
        /* ...or the next day when that is more than 12 hours before the start. */
        assert_int_equal(resolve("01:00", false),
                         100 * S + (24 * 3600 + 3600 - (17 * 3600 + 28 * 60 + 53)) * S);
        /* Within 12 hours before the start stays on that day. */
        assert_int_equal(resolve("06:00", false), 100 * S - (17 * 3600 + 28 * 60 + 53 - 6 * 3600) * S);
        /* Nanoseconds are kept to the last digit. */
        assert_int_equal(resolve("17:28:53.000000001", false), 100 * S + 1);
        (void)start_rt;
}

static void test_local_time(void **state)
{
        struct time_bound b;
        int64_t t;

        /* Local time follows TZ: 18:28:53 in Central European Time is 17:28:53 UTC. */
        setenv("TZ", "CET-1", 1);
        tzset();
        assert_int_equal(time_bound_parse("2026-11-22 18:28:53", &b), 0);
        assert_int_equal(time_bound_resolve(&b, &rec, false, false, &t), 0);
        assert_int_equal(t, 100 * S);
        assert_int_equal(time_bound_resolve(&b, &rec, true, false, &t), 0);
        assert_int_equal(t, 100 * S + 3600 * S);
        setenv("TZ", "UTC", 1);
        tzset();
}

static void test_unset(void **state)
{
        struct time_bound b = {};
        int64_t t;

        assert_int_equal(time_bound_resolve(&b, &rec, true, false, &t), 0);
        assert_true(t == INT64_MIN);
        assert_int_equal(time_bound_resolve(&b, &rec, true, true, &t), 0);
        assert_true(t == INT64_MAX);
}

static void test_errors(void **state)
{
        static const char *const bad[] = {
                "",
                "soon",
                "5x",
                "5 s",
                "-",
                ".",
                "1e3",
                "0,5",
                "25:00",
                "12:60",
                "12:30:61",
                "12:3x",
                "12:30:",
                "12:30:00.",
                "2026-13-01 00:00",
                "2026-00-10 00:00",
                "2026-11-32 00:00",
                "2026-11-22",
                "2026-11-22 ",
                "2026-11-22X12:00",
                "12:30 ",
                "+12:30",
        };
        struct time_bound b = { .set = false };
        struct recording no_clock = { .start_ns = 5 * NSEC_PER_SEC };
        int64_t t;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct time_bound x = { .offset_ns = 42 };

                if (time_bound_parse(bad[i], &x) != -EINVAL)
                        fail_msg("'%s' was taken", bad[i]);
                /* ret is written only on success. */
                assert_int_equal(x.offset_ns, 42);
        }
        /* A wall-clock time cannot be resolved without the header's clock pair; an offset can. */
        assert_int_equal(time_bound_parse("12:00", &b), 0);
        assert_int_equal(time_bound_resolve(&b, &no_clock, true, false, &t), -EINVAL);
        assert_int_equal(time_bound_parse("+1s", &b), 0);
        assert_int_equal(time_bound_resolve(&b, &no_clock, true, false, &t), 0);
        assert_int_equal(t, 6 * S);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_offsets),    cmocka_unit_test(test_wallclock),
                cmocka_unit_test(test_local_time), cmocka_unit_test(test_unset),
                cmocka_unit_test(test_errors),
        };

        setenv("TZ", "UTC", 1);
        tzset();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
