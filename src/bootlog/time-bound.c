/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --since and --until: parsed before the recording is open, resolved
 * against its clock afterwards; see time-bound.h.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "macro.h"
#include "recording.h"
#include "time-bound.h"
#include "time-util.h"

/* Reads 1 to max_digits decimal digits at *p into *ret; false if there are none. */
static bool parse_digits(const char **p, int max_digits, int *ret)
{
        int v = 0, n = 0;

        while (n < max_digits && **p >= '0' && **p <= '9') {
                v = v * 10 + (**p - '0');
                (*p)++;
                n++;
        }
        if (n == 0)
                return false;
        *ret = v;
        return true;
}

/* ".123456789" (any number of digits, nanoseconds kept) at *p, if there; false for a dot without digits. */
static bool parse_fraction(const char **p, uint32_t *ret)
{
        uint32_t ns = 0, scale = 100000000;

        *ret = 0;
        if (**p != '.')
                return true;
        (*p)++;
        if (!(**p >= '0' && **p <= '9'))
                return false;
        for (; **p >= '0' && **p <= '9'; (*p)++) {
                ns += (uint32_t)(**p - '0') * scale;
                scale /= 10;
        }
        *ret = ns;
        return true;
}

static int parse_wallclock(const char *s, struct time_bound *b)
{
        const char *p = s;
        int v;

        /* "YYYY-MM-DD " first if the string has a date. */
        if (strchr(s, '-')) {
                if (!parse_digits(&p, 4, &b->year) || *p++ != '-' || !parse_digits(&p, 2, &b->month) ||
                    *p++ != '-' || !parse_digits(&p, 2, &b->day) || (*p != ' ' && *p != 'T'))
                        return -EINVAL;
                p++;
                if (b->month < 1 || b->month > 12 || b->day < 1 || b->day > 31)
                        return -EINVAL;
                b->has_date = true;
        }
        if (!parse_digits(&p, 2, &b->hour) || *p++ != ':' || !parse_digits(&p, 2, &b->minute))
                return -EINVAL;
        if (*p == ':') {
                p++;
                if (!parse_digits(&p, 2, &v))
                        return -EINVAL;
                b->second = v;
                if (!parse_fraction(&p, &b->nsec))
                        return -EINVAL;
        }
        if (*p || b->hour > 23 || b->minute > 59 || b->second > 60)
                return -EINVAL;
        b->wallclock = true;
        return 0;
}

int time_bound_parse(const char *s, struct time_bound *ret)
{
        struct time_bound b = { .set = true };
        int r;

        if (strchr(s, ':'))
                r = parse_wallclock(s, &b);
        else
                r = parse_timespan(s, true, &b.offset_ns);
        if (r < 0)
                return -EINVAL;
        *ret = b;
        return 0;
}

int time_bound_resolve(const struct time_bound *b, const struct recording *rec, bool utc, bool upper,
                       int64_t *ret)
{
        uint64_t start_rt;
        int64_t rt;
        struct tm tm = {};
        time_t sec;

        if (!b->set) {
                *ret = upper ? INT64_MAX : INT64_MIN;
                return 0;
        }
        if (!b->wallclock) {
                *ret = (int64_t)rec->start_ns + b->offset_ns;
                return 0;
        }
        if (rec->info.ref_realtime_ns == 0)
                return -EINVAL;

        start_rt = bl_file_info_realtime(&rec->info, rec->start_ns);
        if (b->has_date) {
                tm.tm_year = b->year - 1900;
                tm.tm_mon = b->month - 1;
                tm.tm_mday = b->day;
        } else {
                time_t s0 = (time_t)(start_rt / NSEC_PER_SEC);

                if (!(utc ? gmtime_r(&s0, &tm) : localtime_r(&s0, &tm)))
                        return -EINVAL;
        }
        tm.tm_hour = b->hour;
        tm.tm_min = b->minute;
        tm.tm_sec = b->second;
        tm.tm_isdst = -1;
        sec = utc ? timegm(&tm) : mktime(&tm);
        if (sec == (time_t)-1)
                return -EINVAL;
        rt = (int64_t)sec * (int64_t)NSEC_PER_SEC + b->nsec;
        if (!b->has_date && rt < (int64_t)start_rt - 12 * 3600 * (int64_t)NSEC_PER_SEC)
                rt += 24 * 3600 * (int64_t)NSEC_PER_SEC;
        /* The header's clock pair turns wall-clock time into the recording's CLOCK_MONOTONIC. */
        *ret = (int64_t)rec->info.ref_monotonic_ns + (rt - (int64_t)rec->info.ref_realtime_ns);
        return 0;
}
