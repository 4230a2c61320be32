/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Clocks and time spans; see time-util.h. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "time-util.h"

uint64_t now_monotonic(void)
{
        struct timespec ts;

        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return 0;
        return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

#define TIMESPAN_MAX (UINT64_C(1) << 62)

int parse_timespan(const char *s, bool allow_sign, int64_t *ret_ns)
{
        static const struct {
                const char *suffix;
                uint64_t ns;
        } units[] = {
                /* Longest first: "ms" is not "m" followed by "s". */
                { "min", 60 * NSEC_PER_SEC }, { "sec", NSEC_PER_SEC },      { "ns", 1 },
                { "us", NSEC_PER_USEC },      { "ms", NSEC_PER_MSEC },      { "s", NSEC_PER_SEC },
                { "m", 60 * NSEC_PER_SEC },   { "h", 3600 * NSEC_PER_SEC },
        };
        const char *p = s;
        bool negative = false;
        uint64_t total = 0;

        if (allow_sign && (*p == '+' || *p == '-'))
                negative = *p++ == '-';
        if (!*p)
                return -EINVAL;
        while (*p) {
                uint64_t whole = 0, frac_ns = 0, unit = 0, frac_scale = NSEC_PER_SEC;
                const char *start = p;
                size_t i;

                for (; *p >= '0' && *p <= '9'; p++) {
                        if (whole > UINT64_C(1) << 40)
                                return -ERANGE;
                        whole = whole * 10 + (uint64_t)(*p - '0');
                }
                /* The fraction as a part of NSEC_PER_SEC, scaled by the unit below. */
                if (*p == '.') {
                        p++;
                        for (; *p >= '0' && *p <= '9'; p++) {
                                frac_scale /= 10;
                                frac_ns += (uint64_t)(*p - '0') * frac_scale;
                        }
                }
                if (p == start || (p == start + 1 && *start == '.'))
                        return -EINVAL;
                for (i = 0; i < ELEMENTSOF(units); i++)
                        if (strncmp(p, units[i].suffix, strlen(units[i].suffix)) == 0) {
                                unit = units[i].ns;
                                p += strlen(units[i].suffix);
                                break;
                        }
                if (i == ELEMENTSOF(units)) {
                        /* A bare number is seconds, and only as the last part. */
                        if (*p)
                                return -EINVAL;
                        unit = NSEC_PER_SEC;
                }
                if (whole > TIMESPAN_MAX / unit)
                        return -ERANGE;
                /* frac_ns is the fraction in billionths: of the unit, not of a second. */
                total += whole * unit + (unit >= NSEC_PER_SEC ? frac_ns * (unit / NSEC_PER_SEC)
                                                              : frac_ns * unit / NSEC_PER_SEC);
                if (total > TIMESPAN_MAX)
                        return -ERANGE;
        }
        *ret_ns = negative ? -(int64_t)total : (int64_t)total;
        return 0;
}

int parse_duration(const char *s, uint64_t *ret_ns)
{
        int64_t ns;
        int r;

        r = parse_timespan(s, false, &ns);
        if (r < 0)
                return r;
        *ret_ns = (uint64_t)ns;
        return 0;
}
