/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog export --format csv: one row per event (RFC 4180) with the fields
 * most analyses need, for spreadsheets and databases. The columns are
 * documented in bootlog(1); they are an interface, change them only by
 * adding (at the end). Text is made valid UTF-8 as export-json.c does.
 */
#include <inttypes.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "event.h"
#include "export-shared.h"
#include "format.h"
#include "json-util.h"
#include "macro.h"
#include "recording.h"

/*
 * The columns, in order. One table for the header and the rows, so they
 * cannot disagree. Each function writes its field's value unquoted, or
 * nothing where the event has none.
 */
struct csv_column {
        const char *name;
        void (*write)(const struct recording *rec, const struct bl_event *ev);
        /* write NULL: a cost column, the uint64_t at this offset in struct bl_cost (cost rows only) */
        size_t cost_offset;
        bool delay; /* a delay taskstats only measures with delay accounting: empty without IO_DELAYS */
};

/*
 * CSV is data: fields hold what was recorded, control characters included,
 * for the program that reads them. Only a terminal gets them escaped as the
 * text views show them, so that a recorded escape sequence cannot drive it.
 */
static bool csv_on_terminal;

/* A field per RFC 4180: quoted if it holds a comma, a quote, CR or LF, with quotes doubled. */
static int csv_string(const char *s)
{
        _cleanup_free_ char *fixed = NULL;

        if (!s)
                return 0;
        fixed = csv_on_terminal ? bl_escape(s) : utf8_fix(s);
        if (!fixed)
                return -ENOMEM;
        if (!fixed[strcspn(fixed, ",\"\r\n")]) {
                fputs(fixed, stdout);
                return 0;
        }
        putchar('"');
        for (const char *p = fixed; *p; p++) {
                if (*p == '"')
                        putchar('"');
                putchar(*p);
        }
        putchar('"');
        return 0;
}

/* Out of memory while making a field valid UTF-8 is remembered here and reported after the row. */
static int csv_error;

static void csv_str(const char *s)
{
        if (csv_string(s) < 0)
                csv_error = -ENOMEM;
}

static void col_type(const struct recording *rec, const struct bl_event *ev)
{
        fputs(bl_event_type_to_string(ev->type) ?: "invalid", stdout);
}

static void col_ts(const struct recording *rec, const struct bl_event *ev)
{
        printf("%" PRIu64, ev->ts_ns);
}

/* ISO 8601 in UTC to the microsecond: "2026-11-22T17:28:53.123456Z". */
static void col_realtime(const struct recording *rec, const struct bl_event *ev)
{
        uint64_t rt;
        struct tm tm;
        time_t sec;
        char buf[64];

        if (rec->info.ref_realtime_ns == 0 || ev->ts_ns == 0)
                return;
        rt = bl_file_info_realtime(&rec->info, ev->ts_ns);
        sec = (time_t)(rt / NSEC_PER_SEC);
        if (!gmtime_r(&sec, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                return;
        printf("%s.%06" PRIu64 "Z", buf, rt % NSEC_PER_SEC / NSEC_PER_USEC);
}

static void col_cpu(const struct recording *rec, const struct bl_event *ev)
{
        if (ev->type == BL_EVENT_LOST) {
                if (ev->lost.reason == BL_LOST_SEQ_GAP)
                        printf("%" PRIu32, ev->lost.cpu);
        } else if (is_kernel_event(ev->type))
                printf("%" PRIu32, ev->cpu);
}

static void col_pid(const struct recording *rec, const struct bl_event *ev)
{
        if (ev->pid > 0)
                printf("%d", (int)ev->pid);
}

static void col_tid(const struct recording *rec, const struct bl_event *ev)
{
        if (ev->tid > 0)
                printf("%d", (int)ev->tid);
}

static void col_parent_pid(const struct recording *rec, const struct bl_event *ev)
{
        pid_t p = 0;

        switch (ev->type) {
        case BL_EVENT_FORK: p = ev->fork.parent_pid; break;
        case BL_EVENT_EXIT: p = ev->exit.parent_pid; break;
        case BL_EVENT_COREDUMP: p = ev->coredump.parent_pid; break;
        case BL_EVENT_SNAPSHOT: p = ev->info.ppid; break;
        default: break;
        }
        if (p > 0)
                printf("%d", (int)p);
}

static void col_argv(const struct recording *rec, const struct bl_event *ev)
{
        _cleanup_free_ char *s = NULL;

        if (!has_info(ev) || !ev->info.argv)
                return;
        s = bl_argv_join(ev->info.argv);
        if (!s) {
                csv_error = -ENOMEM;
                return;
        }
        csv_str(s);
}

static void col_exe(const struct recording *rec, const struct bl_event *ev)
{
        if (has_info(ev))
                csv_str(ev->info.exe);
}

static void col_cwd(const struct recording *rec, const struct bl_event *ev)
{
        if (has_info(ev))
                csv_str(ev->info.cwd);
}

static void col_comm(const struct recording *rec, const struct bl_event *ev)
{
        if ((has_info(ev) || ev->type == BL_EVENT_COMM) && ev->info.comm[0])
                csv_str(ev->info.comm);
}

static void col_uid(const struct recording *rec, const struct bl_event *ev)
{
        if (has_info(ev) && ev->info.uid != UINT32_MAX)
                printf("%" PRIu32, ev->info.uid);
        else if (ev->type == BL_EVENT_UID)
                printf("%" PRIu32, ev->id.effective);
}

static void col_gid(const struct recording *rec, const struct bl_event *ev)
{
        if (has_info(ev) && ev->info.gid != UINT32_MAX)
                printf("%" PRIu32, ev->info.gid);
        else if (ev->type == BL_EVENT_GID)
                printf("%" PRIu32, ev->id.effective);
}

static void col_unit(const struct recording *rec, const struct bl_event *ev)
{
        if (has_info(ev))
                csv_str(ev->info.unit);
}

static void col_exit_code(const struct recording *rec, const struct bl_event *ev)
{
        int code = 0, sig = 0;
        bool core = false;

        if (ev->type == BL_EVENT_EXIT && bl_exit_status_decode(ev->exit.code, &code, &sig, &core))
                printf("%d", code);
}

static void col_signal(const struct recording *rec, const struct bl_event *ev)
{
        int code = 0, sig = 0;
        bool core = false;

        if (ev->type == BL_EVENT_EXIT && !bl_exit_status_decode(ev->exit.code, &code, &sig, &core))
                printf("%d", sig);
}

static void col_core_dumped(const struct recording *rec, const struct bl_event *ev)
{
        int code = 0, sig = 0;
        bool core = false;

        if (ev->type != BL_EVENT_EXIT)
                return;
        (void)bl_exit_status_decode(ev->exit.code, &code, &sig, &core);
        fputs(core ? "true" : "false", stdout);
}

static void col_lost_count(const struct recording *rec, const struct bl_event *ev)
{
        /* Empty for an overflow: the kernel cannot say how many; the sequence gaps after it do. */
        if (ev->type == BL_EVENT_LOST && ev->lost.count > 0)
                printf("%" PRIu64, ev->lost.count);
}

static void col_lost_reason(const struct recording *rec, const struct bl_event *ev)
{
        if (ev->type == BL_EVENT_LOST)
                fputs(bl_lost_reason_to_string(ev->lost.reason) ?: "unknown", stdout);
}

static void col_info_status(const struct recording *rec, const struct bl_event *ev)
{
        if (has_info(ev))
                fputs(bl_info_status_to_string(ev->info.status) ?: "unknown", stdout);
}

static const struct csv_column csv_columns[] = {
        { "type", col_type },
        { "ts_ns", col_ts },
        { "realtime", col_realtime },
        { "cpu", col_cpu },
        { "pid", col_pid },
        { "tid", col_tid },
        { "parent_pid", col_parent_pid },
        { "argv", col_argv },
        { "exe", col_exe },
        { "cwd", col_cwd },
        { "comm", col_comm },
        { "uid", col_uid },
        { "gid", col_gid },
        { "unit", col_unit },
        { "exit_code", col_exit_code },
        { "signal", col_signal },
        { "core_dumped", col_core_dumped },
        { "lost_count", col_lost_count },
        { "lost_reason", col_lost_reason },
        { "info_status", col_info_status },
        /* Appended, so that existing columns keep their places: filled on cost rows only. */
        { "elapsed_us", NULL, offsetof(struct bl_cost, elapsed_us) },
        { "utime_us", NULL, offsetof(struct bl_cost, utime_us) },
        { "stime_us", NULL, offsetof(struct bl_cost, stime_us) },
        { "read_bytes", NULL, offsetof(struct bl_cost, read_bytes) },
        { "write_bytes", NULL, offsetof(struct bl_cost, write_bytes) },
        { "cancelled_write_bytes", NULL, offsetof(struct bl_cost, cancelled_write_bytes) },
        { "read_chars", NULL, offsetof(struct bl_cost, read_chars) },
        { "write_chars", NULL, offsetof(struct bl_cost, write_chars) },
        { "nvcsw", NULL, offsetof(struct bl_cost, nvcsw) },
        { "nivcsw", NULL, offsetof(struct bl_cost, nivcsw) },
        { "minflt", NULL, offsetof(struct bl_cost, minflt) },
        { "majflt", NULL, offsetof(struct bl_cost, majflt) },
        { "hiwater_rss_kb", NULL, offsetof(struct bl_cost, hiwater_rss_kb) },
        { "cpu_delay_ns", NULL, offsetof(struct bl_cost, cpu_delay_ns) },
        { "blkio_delay_ns", NULL, offsetof(struct bl_cost, blkio_delay_ns), true },
        { "swapin_delay_ns", NULL, offsetof(struct bl_cost, swapin_delay_ns), true },
        { "cpu_ns", NULL, offsetof(struct bl_cost, cpu_ns) },
};

static void col_cost(const struct csv_column *col, const struct bl_event *ev)
{
        uint64_t v;

        if (ev->type != BL_EVENT_COST || (col->delay && !(ev->cost.flags & BL_COST_IO_DELAYS)))
                return;
        memcpy(&v, (const uint8_t *)&ev->cost + col->cost_offset, sizeof(v));
        printf("%" PRIu64, v);
}

/* RFC 4180 ends records with CRLF; every CSV reader takes it. */
#define CSV_EOL "\r\n"

int export_csv_header(void)
{
        csv_on_terminal = isatty(STDOUT_FILENO);
        for (size_t i = 0; i < ELEMENTSOF(csv_columns); i++)
                printf("%s%s", i > 0 ? "," : "", csv_columns[i].name);
        fputs(CSV_EOL, stdout);
        return 0;
}

int export_csv_event(const struct recording *rec, const struct bl_event *ev)
{
        csv_error = 0;
        for (size_t i = 0; i < ELEMENTSOF(csv_columns); i++) {
                if (i > 0)
                        putchar(',');
                if (csv_columns[i].write)
                        csv_columns[i].write(rec, ev);
                else
                        col_cost(&csv_columns[i], ev);
        }
        fputs(CSV_EOL, stdout);
        return csv_error;
}
