/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The --since and --until options of the reading verbs. */

#include <stdbool.h>
#include <stdint.h>

#include "recording.h"

/*
 * A --since or --until value, parsed before the recording is open and
 * resolved against it afterwards:
 *
 *   - an offset from the start of the recording: "5", "5.5" (seconds), "+2s",
 *     "-0.5s", "1500ms", "2m30s", "1h"; units ns, us, ms, s, m (or min), h;
 *   - a wall-clock time, "HH:MM[:SS[.frac]]" or "YYYY-MM-DD HH:MM[:SS[.frac]]"
 *     (a "T" between date and time is taken too), in local time or UTC. A
 *     time without a date is on the day of the recording's start, or the
 *     next day if it would be more than 12 hours before the start.
 */
struct time_bound {
        bool set;
        bool wallclock;
        int64_t offset_ns; /* an offset */
        bool has_date;     /* wall clock: */
        int year, month, day, hour, minute, second;
        uint32_t nsec;
};

/* Parses s into *ret; -EINVAL if it is neither form. */
int time_bound_parse(const char *s, struct time_bound *ret);

/*
 * b as a CLOCK_MONOTONIC time of rec's clock (signed: it may lie before the
 * clock's zero). utc: wall-clock values are UTC, else local time. Unset:
 * INT64_MIN, or INT64_MAX with upper set. -EINVAL if the wall-clock time
 * does not exist or the recording has no clock reference.
 */
int time_bound_resolve(const struct time_bound *b, const struct recording *rec, bool utc, bool upper,
                       int64_t *ret);

/* Help lines for --since/--until (options column 24 characters wide). */
#define TIME_BOUND_HELP                                                                                     \
        "  -S, --since TIME      only what happened (or ran) at or after TIME: an offset\n"                 \
        "                        from the start of the recording (5.5, +2s, 300ms) or\n"                    \
        "                        a wall-clock time (HH:MM:SS, 'YYYY-MM-DD HH:MM:SS')\n"                     \
        "  -U, --until TIME      only what happened (or ran) at or before TIME\n"
