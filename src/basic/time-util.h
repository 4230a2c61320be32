/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Clocks and time spans, for both programs: the one reading of
 * CLOCK_MONOTONIC (the clock of the kernel's process events) and the one
 * parser of durations that options, configuration files and the kernel
 * command line take. Locale-free: "0.5" is half a second whatever
 * LC_NUMERIC says.
 */

#include <stdbool.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds, as cn_proc and taskstats time their events; 0 if the clock failed. */
uint64_t now_monotonic(void);

/*
 * A time span in nanoseconds: one or more parts, each a decimal number with a
 * unit, summed: "300ms", "2m30s", "1.5h"; units ns, us, ms, s (or sec),
 * m (or min), h. A number without a unit is seconds ("5", "0.5"), and only
 * as the last part ("1m30"). With allow_sign a leading '+' or '-' is taken
 * ("-0.5s"). -EINVAL if s is not such a span, -ERANGE past 2^62 ns
 * (146 years).
 */
int parse_timespan(const char *s, bool allow_sign, int64_t *ret_ns);

/* A non-negative time span as above, without a sign. */
int parse_duration(const char *s, uint64_t *ret_ns);
