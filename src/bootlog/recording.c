/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening a recording for a view, and times relative to it; see recording.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "format.h"
#include "log.h"
#include "macro.h"
#include "model.h"
#include "output.h"
#include "reader.h"
#include "recording.h"

int recording_open(const char *path, bool build_model, struct recording *ret)
{
        struct recording rec = {};
        struct bl_event ev;
        bool first = true;
        int r;

        rec.path = strdup(path);
        if (!rec.path)
                return log_oom();

        r = bl_reader_open(path, &rec.reader);
        if (r == -EBADMSG) {
                log_error("'%s' is not a bootlog recording", path);
                goto fail;
        }
        if (r == -EPROTONOSUPPORT) {
                log_error("'%s' uses a recording format version or feature this bootlog cannot read", path);
                goto fail;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to open '%s': %m", path);
                goto fail;
        }
        rec.info = *bl_reader_get_info(rec.reader);
        rec.start_ns = rec.info.ref_monotonic_ns;

        if (build_model) {
                r = bl_model_new(&rec.model);
                if (r < 0) {
                        log_oom();
                        goto fail;
                }
        }

        /*
         * The START record comes first in a recording; its time is the origin of
         * every offset shown. Without a model only that first event is read.
         */
        bl_event_init(&ev, 0);
        for (;;) {
                r = bl_reader_next(rec.reader, &ev);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", path);
                        goto fail;
                }
                if (r == 0)
                        break;
                if (first && ev.type == BL_EVENT_START && ev.ts_ns > 0)
                        rec.start_ns = ev.ts_ns;
                first = false;
                if (!build_model) {
                        bl_event_done(&ev);
                        break;
                }
                r = bl_model_add(rec.model, &ev);
                bl_event_done(&ev);
                if (r < 0) {
                        log_oom();
                        goto fail;
                }
        }

        if (!build_model) {
                r = bl_reader_rewind(rec.reader);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", path);
                        goto fail;
                }
        }

        *ret = rec;
        return 0;
fail:
        recording_done(&rec);
        return r < 0 ? r : -EIO;
}

void recording_done(struct recording *rec)
{
        if (!rec)
                return;
        bl_model_free(rec->model);
        bl_reader_free(rec->reader);
        free(rec->path);
        *rec = (struct recording){};
}

void recording_warn_damage(const struct recording *rec)
{
        const struct bl_damage *damage;
        uint64_t bytes = 0;
        size_t n;

        if (!rec->reader)
                return;
        n = bl_reader_get_damage(rec->reader, &damage);
        if (n == 0)
                return;
        for (size_t i = 0; i < n; i++)
                bytes += damage[i].length;
        log_warning("warning: %zu damaged byte range%s (%" PRIu64 " bytes) skipped in '%s'; "
                    "events there are missing. Run 'bootlog verify --file %s' for details.",
                    n, n == 1 ? "" : "s", bytes, rec->path, rec->path);
}

char *format_offset(char *buf, size_t size, const struct recording *rec, uint64_t ts_ns)
{
        char sign = ts_ns >= rec->start_ns ? '+' : '-';
        uint64_t d = ts_ns >= rec->start_ns ? ts_ns - rec->start_ns : rec->start_ns - ts_ns;
        char dur[32];

        if (ts_ns == 0) {
                snprintf(buf, size, "?");
                return buf;
        }
        /* Milliseconds order start-up; beyond 1000s (long-running snapshot processes) minutes do. */
        if (d < 1000 * NSEC_PER_SEC)
                snprintf(buf, size, "%c%" PRIu64 ".%03" PRIu64 "s", sign, d / NSEC_PER_SEC,
                         d % NSEC_PER_SEC / NSEC_PER_MSEC);
        else
                snprintf(buf, size, "%c%s", sign, bl_format_duration(dur, sizeof(dur), d));
        return buf;
}

char *format_wallclock(char *buf, size_t size, const struct recording *rec, uint64_t ts_ns, bool utc)
{
        uint64_t rt;
        time_t sec;
        struct tm tm;
        size_t n;

        if (ts_ns == 0 || rec->info.ref_realtime_ns == 0) {
                snprintf(buf, size, "?");
                return buf;
        }
        rt = bl_file_info_realtime(&rec->info, ts_ns);
        sec = (time_t)(rt / NSEC_PER_SEC);
        if (!(utc ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm))) {
                snprintf(buf, size, "?");
                return buf;
        }
        n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
        if (n == 0) {
                snprintf(buf, size, "?");
                return buf;
        }
        snprintf(buf + n, size - n, ".%06" PRIu64, rt % NSEC_PER_SEC / NSEC_PER_USEC);
        return buf;
}

void print_lost_warning(const struct recording *rec)
{
        struct bl_model_stats stats;

        if (!rec->model)
                return;
        bl_model_get_stats(rec->model, &stats);
        if (stats.lost == 0 && stats.overflows == 0)
                return;
        printf("%swarning: events were lost while recording (%" PRIu64 " counted", ansi(ANSI_YELLOW),
               stats.lost);
        if (stats.overflows > 0)
                printf(", %" PRIu64 " overflow%s of unknown size", stats.overflows,
                       stats.overflows == 1 ? "" : "s");
        printf("): processes may be missing, or shown without their parent, an exec or their exit%s\n",
               ansi(ANSI_RESET));
}
