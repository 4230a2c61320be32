/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The basic layer's clock and its one duration parser (time-util.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "macro.h"
#include "time-util.h"

static void test_durations(void **state)
{
        uint64_t ns;

        assert_int_equal(parse_duration("5s", &ns), 0);
        assert_int_equal(ns, 5 * NSEC_PER_SEC);
        assert_int_equal(parse_duration("250ms", &ns), 0);
        assert_int_equal(ns, 250 * NSEC_PER_MSEC);
        assert_int_equal(parse_duration("10min", &ns), 0);
        assert_int_equal(ns, 600 * NSEC_PER_SEC);
        assert_int_equal(parse_duration("90", &ns), 0);
        assert_int_equal(ns, 90 * NSEC_PER_SEC);
        assert_int_equal(parse_duration("1.5h", &ns), 0);
        assert_int_equal(ns, 5400 * NSEC_PER_SEC);
        assert_int_equal(parse_duration("-1s", &ns), -EINVAL);
        assert_int_equal(parse_duration("5 parsecs", &ns), -EINVAL);
        assert_int_equal(parse_duration("", &ns), -EINVAL);
}

static void test_timespans(void **state)
{
        int64_t ns;

        /* Every form --since/--until offsets and the settings take. */
        assert_int_equal(parse_timespan("5", true, &ns), 0);
        assert_int_equal(ns, 5 * (int64_t)NSEC_PER_SEC);
        assert_int_equal(parse_timespan("5.5", true, &ns), 0);
        assert_int_equal(ns, 5500 * (int64_t)NSEC_PER_MSEC);
        assert_int_equal(parse_timespan("+2s", true, &ns), 0);
        assert_int_equal(ns, 2 * (int64_t)NSEC_PER_SEC);
        assert_int_equal(parse_timespan("-0.5s", true, &ns), 0);
        assert_int_equal(ns, -500 * (int64_t)NSEC_PER_MSEC);
        assert_int_equal(parse_timespan("1500ms", true, &ns), 0);
        assert_int_equal(ns, 1500 * (int64_t)NSEC_PER_MSEC);
        assert_int_equal(parse_timespan("2m30s", true, &ns), 0);
        assert_int_equal(ns, 150 * (int64_t)NSEC_PER_SEC);
        assert_int_equal(parse_timespan("1m30", true, &ns), 0);
        assert_int_equal(ns, 90 * (int64_t)NSEC_PER_SEC);
        assert_int_equal(parse_timespan("1h", true, &ns), 0);
        assert_int_equal(ns, 3600 * (int64_t)NSEC_PER_SEC);
        assert_int_equal(parse_timespan("7ns", true, &ns), 0);
        assert_int_equal(ns, 7);
        assert_int_equal(parse_timespan("1.5us", true, &ns), 0);
        assert_int_equal(ns, 1500);
        assert_int_equal(parse_timespan("0.25ms", true, &ns), 0);
        assert_int_equal(ns, 250000);
        assert_int_equal(parse_timespan("3sec", true, &ns), 0);
        assert_int_equal(ns, 3 * (int64_t)NSEC_PER_SEC);
        assert_int_equal(parse_timespan("2min", true, &ns), 0);
        assert_int_equal(ns, 120 * (int64_t)NSEC_PER_SEC);
        assert_int_equal(parse_timespan(".5s", true, &ns), 0);
        assert_int_equal(ns, 500 * (int64_t)NSEC_PER_MSEC);

        /* A sign only where it is allowed; a bare number only last; nothing else. */
        assert_int_equal(parse_timespan("-1s", false, &ns), -EINVAL);
        assert_int_equal(parse_timespan("+1s", false, &ns), -EINVAL);
        assert_int_equal(parse_timespan("30 1m", true, &ns), -EINVAL);
        assert_int_equal(parse_timespan("30s1", true, &ns), 0);
        assert_int_equal(ns, 31 * (int64_t)NSEC_PER_SEC);
        assert_int_equal(parse_timespan("", true, &ns), -EINVAL);
        assert_int_equal(parse_timespan("-", true, &ns), -EINVAL);
        assert_int_equal(parse_timespan(".", true, &ns), -EINVAL);
        assert_int_equal(parse_timespan("s", true, &ns), -EINVAL);
        assert_int_equal(parse_timespan("5x", true, &ns), -EINVAL);
        assert_int_equal(parse_timespan("5 s", true, &ns), -EINVAL);
        assert_int_equal(parse_timespan("1e3", true, &ns), -EINVAL);
        assert_int_equal(parse_timespan("0x10", true, &ns), -EINVAL);
        /* Locale-free: a comma is no decimal point. */
        assert_int_equal(parse_timespan("0,5", true, &ns), -EINVAL);
        /* Past 2^62 ns. */
        assert_int_equal(parse_timespan("200000000000h", true, &ns), -ERANGE);
        assert_int_equal(parse_timespan("99999999999999999999", true, &ns), -ERANGE);

        /* ret is written only on success. */
        ns = 42;
        assert_int_equal(parse_timespan("bad", true, &ns), -EINVAL);
        assert_int_equal(ns, 42);
}

static void test_now_monotonic(void **state)
{
        uint64_t a = now_monotonic(), b = now_monotonic();

        assert_true(a > 0);
        assert_true(b >= a);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_durations),
                cmocka_unit_test(test_timespans),
                cmocka_unit_test(test_now_monotonic),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
