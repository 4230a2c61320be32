/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog export --format json: one JSON object per event and line (NDJSON),
 * every field the recording holds, for jq and friends. --format csv: one row
 * per event (RFC 4180) with the fields most analyses need, for spreadsheets
 * and databases. --format journal: one journal entry per event, in the
 * journal export format, for systemd-journal-remote and journalctl. The
 * field and column names are documented in bootlog(1); they are an
 * interface, change them only by adding.
 *
 * Recorded strings are whatever bytes a process had, and JSON text must be
 * UTF-8, so each byte that is not part of a valid UTF-8 sequence is
 * replaced by U+FFFD here. That is lossy, but
 * every consumer reads it; a "\xNN" spelling would be indistinguishable from
 * an argument that really held a backslash. CSV text is treated the same.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>

#include "bootlog.h"
#include "cli.h"
#include "escape.h"
#include "log.h"
#include "report.h"

enum format {
        FORMAT_JSON,
        FORMAT_CSV,
        FORMAT_JOURNAL,
        _FORMAT_MAX,
        _FORMAT_INVALID = -EINVAL,
};

static const char *const format_names[_FORMAT_MAX] = {
        [FORMAT_JSON] = "json",
        [FORMAT_CSV] = "csv",
        [FORMAT_JOURNAL] = "journal",
};

static struct selection arg_selection;
static enum format arg_format = FORMAT_JSON;

/* ---- JSON ---- */

/*
 * Each event's line is written here directly rather than through a json-c
 * object per event, which cost more than everything else export does. The
 * bytes are the ones json-c printed with JSON_C_TO_STRING_PLAIN and
 * JSON_C_TO_STRING_NOSLASHESCAPE: no spaces, keys in the order added,
 * integers in decimal, strings by bl_json_string() (made valid UTF-8 as
 * utf8_fix() does). Lines collect in one buffer that goes to stdout in large
 * writes.
 */
#define JSON_FLUSH_SIZE (64 * 1024)

struct json_line {
        char *buf;
        size_t len, alloc;
        int r; /* the first failure (out of memory) sticks; later fields are skipped */
};

static struct json_line json_out;

/* Room for n more bytes; false (and j->r set) if there is none. */
static bool json_reserve(struct json_line *j, size_t n)
{
        size_t a;
        char *b;

        if (j->r < 0)
                return false;
        if (n <= j->alloc - j->len)
                return true;
        a = MAX(j->alloc * 2, j->len + n + JSON_FLUSH_SIZE);
        b = realloc(j->buf, a);
        if (!b) {
                j->r = -ENOMEM;
                return false;
        }
        j->buf = b;
        j->alloc = a;
        return true;
}

static void json_append(struct json_line *j, const char *s, size_t n)
{
        memcpy(j->buf + j->len, s, n);
        j->len += n;
}

/* Decimal, as printf's PRId64 spells it. Needs 20 bytes of room. */
static void json_append_int(struct json_line *j, int64_t v)
{
        static const char pairs[] =
            "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
            "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
            "8081828384858687888990919293949596979899";
        char tmp[20], *p = tmp + sizeof(tmp);
        uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

        /* Two digits at a time: timestamps have 19 of them. */
        while (u >= 100) {
                p -= 2;
                memcpy(p, pairs + 2 * (u % 100), 2);
                u /= 100;
        }
        if (u >= 10) {
                p -= 2;
                memcpy(p, pairs + 2 * u, 2);
        } else
                *--p = (char)('0' + u);
        if (v < 0)
                *--p = '-';
        json_append(j, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* The separator and a key: ',"key":'. The first field of a line is written by json_begin(). */
#define JSON_KEY(key)     ",\"" key "\":"
#define JSON_KEY_LEN(key) (sizeof(JSON_KEY(key)) - 1)

static void json_key_int(struct json_line *j, const char *key, size_t key_len, int64_t v)
{
        if (!json_reserve(j, key_len + 20))
                return;
        json_append(j, key, key_len);
        json_append_int(j, v);
}

static void json_key_null(struct json_line *j, const char *key, size_t key_len)
{
        if (!json_reserve(j, key_len + 4))
                return;
        json_append(j, key, key_len);
        json_append(j, "null", 4);
}

static void json_key_bool(struct json_line *j, const char *key, size_t key_len, bool v)
{
        if (!json_reserve(j, key_len + 5))
                return;
        json_append(j, key, key_len);
        if (v)
                json_append(j, "true", 4);
        else
                json_append(j, "false", 5);
}

/* A string; NULL is JSON null. */
static void json_key_str(struct json_line *j, const char *key, size_t key_len, const char *s)
{
        if (!s) {
                json_key_null(j, key, key_len);
                return;
        }
        if (!json_reserve(j, key_len + BL_JSON_STRING_MAX(strlen(s))))
                return;
        json_append(j, key, key_len);
        j->len = (size_t)(bl_json_string(j->buf + j->len, s) - j->buf);
}

/* An array of strings; NULL is JSON null. */
static void json_key_strv(struct json_line *j, const char *key, size_t key_len, char *const *l)
{
        size_t n = key_len + 2;

        if (!l) {
                json_key_null(j, key, key_len);
                return;
        }
        STRV_FOREACH (s, l)
                n += 1 + BL_JSON_STRING_MAX(strlen(*s));
        if (!json_reserve(j, n))
                return;
        json_append(j, key, key_len);
        json_append(j, "[", 1);
        STRV_FOREACH (s, l) {
                if (s != l)
                        json_append(j, ",", 1);
                j->len = (size_t)(bl_json_string(j->buf + j->len, *s) - j->buf);
        }
        json_append(j, "]", 1);
}

#define json_int(j, key, v)  json_key_int(j, JSON_KEY(key), JSON_KEY_LEN(key), v)
#define json_null(j, key)    json_key_null(j, JSON_KEY(key), JSON_KEY_LEN(key))
#define json_bool(j, key, v) json_key_bool(j, JSON_KEY(key), JSON_KEY_LEN(key), v)
#define json_str(j, key, s)  json_key_str(j, JSON_KEY(key), JSON_KEY_LEN(key), s)
#define json_strv(j, key, l) json_key_strv(j, JSON_KEY(key), JSON_KEY_LEN(key), l)

/* Writes what was collected to stdout. Write errors show in ferror(stdout) and flush_stdout(). */
static void json_flush(struct json_line *j)
{
        if (j->len > 0)
                fwrite(j->buf, 1, j->len, stdout);
        j->len = 0;
}

static void put_info(struct json_line *j, const struct bl_event *ev)
{
        const struct bl_proc_info *info = &ev->info;

        json_strv(j, "argv", info->argv);
        if (info->argv_truncated)
                json_bool(j, "argv_truncated", true);
        if (info->argv_withheld)
                json_bool(j, "argv_withheld", true);
        if (info->argv_at_exec)
                json_bool(j, "argv_at_exec", true);
        json_str(j, "exe", info->exe);
        if (info->exe_as_execed)
                json_bool(j, "exe_as_execed", true);
        json_str(j, "cwd", info->cwd);
        json_str(j, "comm", info->comm[0] ? info->comm : NULL);
        if (info->uid != UINT32_MAX)
                json_int(j, "uid", info->uid);
        else
                json_null(j, "uid");
        if (info->gid != UINT32_MAX)
                json_int(j, "gid", info->gid);
        else
                json_null(j, "gid");
        json_str(j, "unit", info->unit);
        if (info->start_ns > 0)
                json_int(j, "start_ns", (int64_t)info->start_ns);
        else
                json_null(j, "start_ns");
        if (ev->type == BL_EVENT_SNAPSHOT) {
                if (info->ppid > 0)
                        json_int(j, "ppid", info->ppid);
                else
                        json_null(j, "ppid");
        }
        json_str(j, "info_status", bl_info_status_to_string(info->status));
        if (info->error > 0)
                json_int(j, "info_errno", info->error);
}

/* A wait status as exit and cost lines give it: exit_code, or signal, signal_name, core_dumped; raw_status.
 */
static void put_wait_status(struct json_line *j, uint32_t status)
{
        int code = 0, sig = 0;
        bool core = false;

        if (bl_exit_status_decode(status, &code, &sig, &core))
                json_int(j, "exit_code", code);
        else {
                const char *name = bl_signal_to_string(sig);

                json_int(j, "signal", sig);
                if (name)
                        json_str(j, "signal_name", name);
                json_bool(j, "core_dumped", core);
        }
        json_int(j, "raw_status", status);
}

static void put_exit(struct json_line *j, const struct bl_event *ev)
{
        put_wait_status(j, ev->exit.code);
        json_int(j, "exit_signal", ev->exit.exit_signal);
        if (ev->exit.parent_pid > 0)
                json_int(j, "parent_pid", ev->exit.parent_pid);
}

/*
 * The fields of struct bl_cost by their names; what was not measured (the
 * delays without IO_DELAYS) is null, not 0. The task's exit status as an
 * exit line says it.
 */
static void put_cost(struct json_line *j, const struct bl_cost *c)
{
        bool delays = c->flags & BL_COST_IO_DELAYS;

        json_int(j, "elapsed_us", (int64_t)c->elapsed_us);
        json_int(j, "utime_us", (int64_t)c->utime_us);
        json_int(j, "stime_us", (int64_t)c->stime_us);
        json_int(j, "cpu_ns", (int64_t)c->cpu_ns);
        json_int(j, "read_bytes", (int64_t)c->read_bytes);
        json_int(j, "write_bytes", (int64_t)c->write_bytes);
        json_int(j, "cancelled_write_bytes", (int64_t)c->cancelled_write_bytes);
        json_int(j, "read_chars", (int64_t)c->read_chars);
        json_int(j, "write_chars", (int64_t)c->write_chars);
        json_int(j, "nvcsw", (int64_t)c->nvcsw);
        json_int(j, "nivcsw", (int64_t)c->nivcsw);
        json_int(j, "minflt", (int64_t)c->minflt);
        json_int(j, "majflt", (int64_t)c->majflt);
        json_int(j, "hiwater_rss_kb", (int64_t)c->hiwater_rss_kb);
        json_int(j, "cpu_delay_ns", (int64_t)c->cpu_delay_ns);
        if (delays) {
                json_int(j, "blkio_delay_ns", (int64_t)c->blkio_delay_ns);
                json_int(j, "swapin_delay_ns", (int64_t)c->swapin_delay_ns);
        } else {
                json_null(j, "blkio_delay_ns");
                json_null(j, "swapin_delay_ns");
        }
        json_bool(j, "io_delays", delays);
        if (c->flags & BL_COST_NO_TGID)
                json_bool(j, "no_tgid", true);
        put_wait_status(j, c->exit_code);
}

static bool is_kernel_event(enum bl_event_type t)
{
        return t >= BL_EVENT_FORK && t <= BL_EVENT_COREDUMP ? true : t == BL_EVENT_UNKNOWN;
}

/* Appends the event's line, newline included, to j. */
static void event_to_json(struct json_line *j, const struct recording *rec, const struct bl_event *ev)
{
        /* "type" is always first: it opens the object, the other keys bring their comma. */
        json_key_str(j, "{\"type\":", strlen("{\"type\":"), bl_event_type_to_string(ev->type) ?: "invalid");
        json_int(j, "ts_ns", (int64_t)ev->ts_ns);
        if (rec->info.ref_realtime_ns > 0 && ev->ts_ns > 0)
                json_int(j, "realtime_us",
                         (int64_t)(bl_file_info_realtime(&rec->info, ev->ts_ns) / NSEC_PER_USEC));
        if (is_kernel_event(ev->type))
                json_int(j, "cpu", ev->cpu);
        if (ev->pid > 0)
                json_int(j, "pid", ev->pid);
        if (ev->tid > 0)
                json_int(j, "tid", ev->tid);

        switch (ev->type) {
        case BL_EVENT_FORK:
                json_int(j, "parent_pid", ev->fork.parent_pid);
                json_int(j, "parent_tid", ev->fork.parent_tid);
                break;
        case BL_EVENT_EXEC:
        case BL_EVENT_SNAPSHOT: put_info(j, ev); break;
        case BL_EVENT_EXIT: put_exit(j, ev); break;
        case BL_EVENT_UID:
        case BL_EVENT_GID:
                json_int(j, "real", ev->id.real);
                json_int(j, "effective", ev->id.effective);
                break;
        case BL_EVENT_PTRACE:
                json_int(j, "tracer_pid", ev->ptrace.tracer_pid);
                json_int(j, "tracer_tid", ev->ptrace.tracer_tid);
                break;
        case BL_EVENT_COMM: json_str(j, "comm", ev->info.comm); break;
        case BL_EVENT_COREDUMP:
                json_int(j, "parent_pid", ev->coredump.parent_pid);
                json_int(j, "parent_tid", ev->coredump.parent_tid);
                break;
        case BL_EVENT_LOST:
                /* ENOBUFS cannot say how many; the sequence gaps that follow it do. */
                if (ev->lost.count > 0)
                        json_int(j, "count", (int64_t)ev->lost.count);
                else
                        json_null(j, "count");
                json_str(j, "reason", bl_lost_reason_to_string(ev->lost.reason));
                if (ev->lost.reason == BL_LOST_SEQ_GAP)
                        json_int(j, "cpu", ev->lost.cpu);
                break;
        case BL_EVENT_UNKNOWN: {
                static const char hex[] = "0123456789abcdef";
                char data[BL_UNKNOWN_DATA_MAX * 2 + 1];
                uint32_t len = MIN(ev->unknown.len, (uint32_t)BL_UNKNOWN_DATA_MAX);

                for (uint32_t i = 0; i < len; i++) {
                        data[2 * i] = hex[ev->unknown.data[i] >> 4];
                        data[2 * i + 1] = hex[ev->unknown.data[i] & 15];
                }
                data[2 * len] = 0;
                json_int(j, "what", ev->unknown.what);
                json_str(j, "data", data);
                break;
        }
        case BL_EVENT_START: json_int(j, "recorder_pid", ev->start.recorder_pid); break;
        case BL_EVENT_END:
                json_int(j, "events", (int64_t)ev->end.events);
                json_int(j, "lost", (int64_t)ev->end.lost);
                json_str(j, "reason", bl_stop_reason_to_string(ev->end.reason) ?: "unknown");
                break;
        case BL_EVENT_COST: put_cost(j, &ev->cost); break;
        default: break;
        }

        if (json_reserve(j, 2))
                json_append(j, "}\n", 2);
}

static int write_json(const struct recording *rec, const struct bl_event *ev)
{
        struct json_line *j = &json_out;
        size_t start = j->len;

        event_to_json(j, rec, ev);
        if (j->r < 0) {
                /* Out of memory: the lines before this one still go out, not half of it. */
                j->len = start;
                json_flush(j);
                return j->r;
        }
        if (j->len >= JSON_FLUSH_SIZE)
                json_flush(j);
        return 0;
}

static void finish_json(void)
{
        json_flush(&json_out);
        json_out.buf = mfree(json_out.buf);
        json_out.alloc = 0;
}

/* ---- CSV ---- */

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

static bool has_info(const struct bl_event *ev)
{
        return ev->type == BL_EVENT_EXEC || ev->type == BL_EVENT_SNAPSHOT;
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

static int write_csv_header(void)
{
        csv_on_terminal = isatty(STDOUT_FILENO);
        for (size_t i = 0; i < ELEMENTSOF(csv_columns); i++)
                printf("%s%s", i > 0 ? "," : "", csv_columns[i].name);
        fputs(CSV_EOL, stdout);
        return 0;
}

static int write_csv(const struct recording *rec, const struct bl_event *ev)
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

/* ---- journal export format ---- */

/*
 * The journal export format (systemd.io/JOURNAL_EXPORT_FORMATS), as
 * systemd-journal-remote reads it: one entry per event, fields "NAME=value\n",
 * an empty line after each entry. A value that is not printable UTF-8 on one
 * line is written in the binary form: "NAME\n", its length as a
 * little-endian 64-bit number, the bytes, "\n". Recorded strings are kept
 * byte for byte (journalctl escapes them when it shows them); only MESSAGE
 * is escaped, as the text views do.
 *
 * The entries carry the recorded boot's identity and each event's own time:
 * __REALTIME_TIMESTAMP and __MONOTONIC_TIMESTAMP (which journal-remote uses
 * for the entry instead of the time of import) and _BOOT_ID, _MACHINE_ID,
 * _HOSTNAME from the header; and the trusted fields of the process the event
 * is about, as journald would have stamped them had that process logged:
 * _PID, _COMM, _EXE, _CMDLINE, _UID, _GID, _SYSTEMD_UNIT. For events that do
 * not carry /proc's answer themselves (fork, exit, uid, ...) the process's
 * image at that moment comes from the model. BOOTLOG_* are the fields
 * bootlogd's live forwarding uses, so that one query finds both.
 */

/* What the journal entry says about the process an event is about; pointers into the event or model. */
struct journal_process {
        const struct bl_process *p; /* NULL if the model does not know it */
        const char *comm, *exe, *unit;
        char *const *argv;
        bool argv_truncated; /* the recorder cut argv */
        uint32_t uid, gid;   /* UINT32_MAX unknown */
        pid_t parent_pid;    /* 0 unknown */
};

/* The time written for an event without one: the last one written, so that it stays in its place. */
static uint64_t journal_last_ts_ns;

static bool is_process_event(enum bl_event_type t)
{
        return (t >= BL_EVENT_FORK && t <= BL_EVENT_SNAPSHOT) || t == BL_EVENT_COST;
}

/*
 * A cost record's fields, as bootlogd's live forwarding names them
 * (forward.c): the uint64_t at offset in struct bl_cost. The delays marked
 * are only there when they were measured (IO_DELAYS).
 */
static const struct {
        const char *name;
        size_t offset;
        bool delay;
} journal_cost_fields[] = {
        { "BOOTLOG_CPU_USER_USEC", offsetof(struct bl_cost, utime_us) },
        { "BOOTLOG_CPU_SYSTEM_USEC", offsetof(struct bl_cost, stime_us) },
        { "BOOTLOG_CPU_NSEC", offsetof(struct bl_cost, cpu_ns) },
        { "BOOTLOG_ELAPSED_USEC", offsetof(struct bl_cost, elapsed_us) },
        { "BOOTLOG_READ_BYTES", offsetof(struct bl_cost, read_bytes) },
        { "BOOTLOG_WRITE_BYTES", offsetof(struct bl_cost, write_bytes) },
        { "BOOTLOG_CANCELLED_WRITE_BYTES", offsetof(struct bl_cost, cancelled_write_bytes) },
        { "BOOTLOG_READ_CHARS", offsetof(struct bl_cost, read_chars) },
        { "BOOTLOG_WRITE_CHARS", offsetof(struct bl_cost, write_chars) },
        { "BOOTLOG_VOLUNTARY_CSW", offsetof(struct bl_cost, nvcsw) },
        { "BOOTLOG_INVOLUNTARY_CSW", offsetof(struct bl_cost, nivcsw) },
        { "BOOTLOG_MINOR_FAULTS", offsetof(struct bl_cost, minflt) },
        { "BOOTLOG_MAJOR_FAULTS", offsetof(struct bl_cost, majflt) },
        { "BOOTLOG_PEAK_RSS_KB", offsetof(struct bl_cost, hiwater_rss_kb) },
        { "BOOTLOG_CPU_DELAY_NSEC", offsetof(struct bl_cost, cpu_delay_ns) },
        { "BOOTLOG_BLKIO_DELAY_NSEC", offsetof(struct bl_cost, blkio_delay_ns), true },
        { "BOOTLOG_SWAPIN_DELAY_NSEC", offsetof(struct bl_cost, swapin_delay_ns), true },
};

/* One line of printable UTF-8: no control characters (newline, tab, ESC, DEL), no invalid bytes. */
static bool journal_text_ok(const char *s, size_t len)
{
        for (size_t i = 0; i < len;) {
                unsigned char c = (unsigned char)s[i];
                size_t n;

                if (c < 0x20 || c == 0x7f)
                        return false;
                n = bl_utf8_valid_len(s + i);
                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}

static void journal_field(const char *name, const char *value)
{
        size_t len;
        uint8_t le[8];

        if (!value)
                return;
        len = strlen(value);
        if (journal_text_ok(value, len)) {
                printf("%s=%s\n", name, value);
                return;
        }
        for (size_t i = 0; i < sizeof(le); i++)
                le[i] = (uint8_t)((uint64_t)len >> (8 * i));
        printf("%s\n", name);
        fwrite(le, 1, sizeof(le), stdout);
        fwrite(value, 1, len, stdout);
        putchar('\n');
}

/* Numbers and other values made here are printable: always the text form. */
static void journal_fieldf(const char *name, const char *fmt, ...) _printf_(2, 3);
static void journal_fieldf(const char *name, const char *fmt, ...)
{
        va_list ap;

        printf("%s=", name);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static void journal_process_of(const struct recording *rec, const struct bl_event *ev,
                               struct journal_process *ret)
{
        struct journal_process v = { .uid = UINT32_MAX, .gid = UINT32_MAX };
        const struct bl_proc_info *info = NULL;

        if (!is_process_event(ev->type) || ev->pid <= 0) {
                *ret = v;
                return;
        }
        v.p = bl_model_find(rec->model, ev->pid, ev->ts_ns);
        if (has_info(ev))
                info = &ev->info;
        else if (v.p) {
                const struct bl_exec *e = bl_process_image_at(v.p, ev->ts_ns, NULL);

                if (e)
                        info = &e->info;
        }
        if (info) {
                v.argv = info->argv;
                v.argv_truncated = info->argv_truncated;
                v.exe = info->exe;
                v.unit = info->unit;
                v.comm = info->comm[0] ? info->comm : NULL;
        }
        /*
         * The ids only where the event knows them: an image's ids are those
         * at its exec, and a setuid() since would make them wrong.
         */
        if (has_info(ev)) {
                v.uid = ev->info.uid;
                v.gid = ev->info.gid;
        }

        /* The forker, as in the tree; where the fork was not recorded, what the event says. */
        if (ev->type == BL_EVENT_FORK)
                v.parent_pid = ev->fork.parent_pid;
        else if (v.p && v.p->parent)
                v.parent_pid = v.p->parent->pid;
        else if (ev->type == BL_EVENT_SNAPSHOT)
                v.parent_pid = ev->info.ppid;
        else if (ev->type == BL_EVENT_EXIT)
                v.parent_pid = ev->exit.parent_pid;
        else if (v.p)
                v.parent_pid = v.p->reported_ppid;

        switch (ev->type) {
        case BL_EVENT_EXIT:
        case BL_EVENT_COST:
                /* The last comm it had (a comm event may have renamed it), its user at the end. */
                if (v.p && v.p->comm[0])
                        v.comm = v.p->comm;
                if (v.p)
                        v.uid = v.p->uid;
                break;
        case BL_EVENT_COMM: v.comm = ev->info.comm[0] ? ev->info.comm : v.comm; break;
        case BL_EVENT_UID: v.uid = ev->id.effective; break;
        case BL_EVENT_GID: v.gid = ev->id.effective; break;
        default: break;
        }
        *ret = v;
}

/*
 * MESSAGE says what happened as bootlogd's live forwarding says it, so that
 * both read the same: "exec 1419 sudo /usr/local/sbin/foo-script", "exit 1426
 * sendmail -t: exit 3". The command line is escaped as the text views show
 * it (a recorded newline or escape sequence cannot forge lines or drive a
 * terminal); _CMDLINE and BOOTLOG_ARGV keep the bytes.
 */
static char *journal_display(const struct journal_process *v)
{
        _cleanup_free_ char *esc = NULL;
        char *s;

        if (v->argv && v->argv[0])
                return bl_escape_argv(v->argv);
        if (!v->comm)
                return strdup("?");
        esc = bl_escape(v->comm);
        if (!esc || asprintf(&s, "[%s]", esc) < 0)
                return NULL;
        return s;
}

/* What follows "TYPE PID COMMAND" in MESSAGE: ": exit 3", ": forked by 1419", ... */
static char *journal_message_tail(const struct bl_event *ev)
{
        _cleanup_free_ char *thread = NULL;
        char status[64], *s = NULL;
        int r = 0;

        if (ev->tid > 0 && ev->tid != ev->pid && asprintf(&thread, "thread %d", (int)ev->tid) < 0)
                return NULL;
        switch (ev->type) {
        case BL_EVENT_FORK:
                if (thread)
                        r = asprintf(&s, ": new %s", thread);
                else
                        r = asprintf(&s, ": forked by %d", (int)ev->fork.parent_pid);
                break;
        case BL_EVENT_EXIT:
                format_wait_status(status, sizeof(status), ev->exit.code);
                r = asprintf(&s, ": %s%s%s", thread ?: "", thread ? " " : "", status);
                break;
        case BL_EVENT_COST:
                /* ": used 0.120 s CPU (...), ...", for another thread ": thread 1430 used ...". */
                s = bl_event_detail(ev);
                if (s && thread && strncmp(s, ": ", 2) == 0) {
                        _cleanup_free_ char *d = s;

                        r = asprintf(&s, ": %s %s", thread, d + 2);
                }
                break;
        default: s = bl_event_detail(ev); break;
        }
        return r < 0 ? NULL : s;
}

/* The whole MESSAGE; NULL on ENOMEM. */
static char *journal_message(const struct recording *rec, const struct bl_event *ev,
                             const struct journal_process *v)
{
        _cleanup_free_ char *display = NULL, *tail = NULL, *host = NULL;
        const char *reason;
        char *s;
        int r;

        switch (ev->type) {
        case BL_EVENT_LOST:
                reason = bl_lost_reason_to_string(ev->lost.reason) ?: "unknown";
                if (ev->lost.count > 0)
                        r = asprintf(&s, "lost %" PRIu64 " events (%s)", ev->lost.count, reason);
                else
                        r = asprintf(&s, "lost events (%s)", reason);
                break;
        case BL_EVENT_UNKNOWN:
                r = asprintf(&s,
                             "kernel event 0x%08" PRIx32 " this version cannot decode (%" PRIu32 " bytes)",
                             ev->unknown.what, ev->unknown.len);
                break;
        case BL_EVENT_START:
                host = bl_escape(rec->info.hostname);
                if (!host)
                        return NULL;
                r = asprintf(&s, "recording started on %s (recorder pid %d)", host[0] ? host : "?",
                             (int)ev->start.recorder_pid);
                break;
        case BL_EVENT_END:
                r = asprintf(&s, "recording ended (%s): %" PRIu64 " events, %" PRIu64 " lost",
                             bl_stop_reason_to_string(ev->end.reason) ?: "unknown", ev->end.events,
                             ev->end.lost);
                break;
        default:
                display = journal_display(v);
                tail = journal_message_tail(ev);
                if (!display || !tail)
                        return NULL;
                r = asprintf(&s, "%s %d %s%s", bl_event_type_to_string(ev->type) ?: "?", (int)ev->pid,
                             display, tail);
                break;
        }
        return r < 0 ? NULL : s;
}

/* As the live forwarding: a signal's kill, a core dump and lost events are warnings, a failure a notice. */
static int journal_priority(const struct bl_event *ev)
{
        int code = 0, sig = 0;
        bool core = false;

        switch (ev->type) {
        case BL_EVENT_EXIT:
                if (!bl_exit_status_decode(ev->exit.code, &code, &sig, &core))
                        return LOG_LEVEL_WARNING;
                return code == 0 ? LOG_LEVEL_INFO : LOG_LEVEL_NOTICE;
        case BL_EVENT_COREDUMP:
        case BL_EVENT_LOST: return LOG_LEVEL_WARNING;
        case BL_EVENT_UNKNOWN: return LOG_LEVEL_NOTICE;
        case BL_EVENT_END: return ev->end.lost > 0 ? LOG_LEVEL_WARNING : LOG_LEVEL_INFO;
        default: return LOG_LEVEL_INFO;
        }
}

static int write_journal(const struct recording *rec, const struct bl_event *ev)
{
        _cleanup_free_ char *cmdline = NULL, *message = NULL;
        struct journal_process v;
        uint64_t ts_ns = ev->ts_ns ?: journal_last_ts_ns;
        char id[33];

        journal_process_of(rec, ev, &v);
        /* A kernel thread has an empty argv: no command line, as journald would say. */
        if (v.argv && v.argv[0]) {
                cmdline = bl_argv_join(v.argv);
                if (!cmdline)
                        return -ENOMEM;
        }
        message = journal_message(rec, ev, &v);
        if (!message)
                return -ENOMEM;

        /* journal-remote takes the entry's times from these two; without them it would stamp "now". */
        if (ts_ns > 0) {
                if (rec->info.ref_realtime_ns > 0)
                        journal_fieldf("__REALTIME_TIMESTAMP", "%" PRIu64,
                                       bl_file_info_realtime(&rec->info, ts_ns) / NSEC_PER_USEC);
                journal_fieldf("__MONOTONIC_TIMESTAMP", "%" PRIu64, ts_ns / NSEC_PER_USEC);
                journal_last_ts_ns = ts_ns;
        }
        if (!bl_id128_is_null(rec->info.boot_id))
                journal_field("_BOOT_ID", bl_id128_to_string(rec->info.boot_id, id));
        if (!bl_id128_is_null(rec->info.machine_id))
                journal_field("_MACHINE_ID", bl_id128_to_string(rec->info.machine_id, id));
        if (rec->info.hostname[0])
                journal_field("_HOSTNAME", rec->info.hostname);

        if (is_process_event(ev->type) && ev->pid > 0) {
                journal_fieldf("_PID", "%d", (int)ev->pid);
                if (v.uid != UINT32_MAX)
                        journal_fieldf("_UID", "%" PRIu32, v.uid);
                if (v.gid != UINT32_MAX)
                        journal_fieldf("_GID", "%" PRIu32, v.gid);
                journal_field("_COMM", v.comm);
                journal_field("_EXE", v.exe);
                journal_field("_CMDLINE", cmdline);
                journal_field("_SYSTEMD_UNIT", v.unit);
        }

        journal_field("MESSAGE", message);
        journal_fieldf("PRIORITY", "%d", journal_priority(ev));
        journal_field("SYSLOG_IDENTIFIER", "bootlog");
        if (ts_ns > 0 && rec->info.ref_realtime_ns > 0)
                /* What journald sets when a client says when it logged: journalctl shows this time. */
                journal_fieldf("_SOURCE_REALTIME_TIMESTAMP", "%" PRIu64,
                               bl_file_info_realtime(&rec->info, ts_ns) / NSEC_PER_USEC);

        journal_field("BOOTLOG_EVENT", bl_event_type_to_string(ev->type) ?: "?");
        if (ev->pid > 0)
                journal_fieldf("BOOTLOG_PID", "%d", (int)ev->pid);
        if (ev->tid > 0 && ev->tid != ev->pid)
                journal_fieldf("BOOTLOG_TID", "%d", (int)ev->tid);
        if (v.parent_pid > 0)
                journal_fieldf("BOOTLOG_PARENT_PID", "%d", (int)v.parent_pid);
        journal_field("BOOTLOG_ARGV", cmdline);
        if (cmdline && v.argv_truncated)
                journal_field("BOOTLOG_ARGV_TRUNCATED", "yes");
        journal_field("BOOTLOG_EXE", v.exe);
        journal_field("BOOTLOG_UNIT", v.unit);
        journal_field("BOOTLOG_COMM", v.comm);
        if (ev->type == BL_EVENT_EXIT) {
                int code = 0, sig = 0;
                bool core = false;

                /* The exit code, or the signal's name, as the live forwarding says it. */
                if (bl_exit_status_decode(ev->exit.code, &code, &sig, &core))
                        journal_fieldf("BOOTLOG_EXIT_STATUS", "%d", code);
                else if (bl_signal_to_string(sig))
                        journal_field("BOOTLOG_EXIT_STATUS", bl_signal_to_string(sig));
                else
                        journal_fieldf("BOOTLOG_EXIT_STATUS", "signal %d", sig);
                if (core)
                        journal_field("BOOTLOG_CORE_DUMPED", "yes");
        }
        if (ev->type == BL_EVENT_LOST) {
                journal_field("BOOTLOG_LOST_REASON", bl_lost_reason_to_string(ev->lost.reason) ?: "unknown");
                /* 0: the kernel could not say (a receive-buffer overflow; the sequence gaps after it do). */
                journal_fieldf("BOOTLOG_LOST_COUNT", "%" PRIu64, ev->lost.count);
        }
        if (ev->type == BL_EVENT_COST)
                for (size_t i = 0; i < ELEMENTSOF(journal_cost_fields); i++) {
                        uint64_t n;

                        if (journal_cost_fields[i].delay && !(ev->cost.flags & BL_COST_IO_DELAYS))
                                continue;
                        memcpy(&n, (const uint8_t *)&ev->cost + journal_cost_fields[i].offset, sizeof(n));
                        journal_fieldf(journal_cost_fields[i].name, "%" PRIu64, n);
                }
        if (ev->ts_ns > 0)
                journal_fieldf("BOOTLOG_TS_NS", "%" PRIu64, ev->ts_ns);
        putchar('\n');
        return 0;
}

static const struct {
        int (*header)(void);
        int (*event)(const struct recording *rec, const struct bl_event *ev);
        void (*finish)(void); /* writes out what the writer still holds; also after a failure */
        bool model;           /* needs the process tree: the image a process ran at each event */
} writers[_FORMAT_MAX] = {
        [FORMAT_JSON] = { NULL, write_json, finish_json, false },
        [FORMAT_CSV] = { write_csv_header, write_csv, NULL, false },
        [FORMAT_JOURNAL] = { NULL, write_journal, NULL, true },
};

static enum format format_from_string(const char *s)
{
        for (size_t i = 0; i < _FORMAT_MAX; i++)
                if (streq(format_names[i], s))
                        return (enum format)i;
        return _FORMAT_INVALID;
}

static int help(void)
{
        printf("Usage: bootlog export [-b [N|ID]] [-D DIR] [--file FILE] [--format json|csv|journal]\n"
               "\n"
               "Write every recorded event to standard output: as one JSON object per line\n"
               "(NDJSON, the default), as CSV with a header row and one row per event, or in\n"
               "the systemd journal export format, one entry per event at its recorded time:\n"
               "\n"
               "  bootlog export --format=journal | /lib/systemd/systemd-journal-remote -o X.journal -\n"
               "\n"
               "See bootlog(1) for the fields.\n"
               "\n"
               "Options:\n%s"
               "      --format FORMAT   output format: json (the default), csv or journal\n"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n",
               SELECTION_HELP);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_FORMAT = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
                { "format", required_argument, NULL, ARG_FORMAT },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h" SELECTION_OPTSTRING, options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case 'f':
                case 'b':
                case 'D':
                        if (selection_parse_option(&arg_selection, "export", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                case ARG_FORMAT:
                        arg_format = format_from_string(optarg);
                        if (arg_format >= 0)
                                break;
                        usage_error("export", "unsupported format '%s' (supported: json, csv, journal)",
                                    optarg);
                        return -EINVAL;
                default: return getopt_failed("export", c, argv);
                }

        if (optind < argc) {
                usage_error("export", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (selection_check(&arg_selection, "export") < 0)
                return -EINVAL;
        return 1;
}

/* Every event through the format's writer. Returns 0, or -errno after logging it. */
static int export_events(struct recording *rec)
{
        struct bl_event ev;
        int r;

        bl_event_init(&ev, 0);
        for (;;) {
                r = bl_reader_next(rec->reader, &ev);
                if (r < 0)
                        return log_error_errno(r, "Failed to read '%s': %m", rec->path);
                if (r == 0)
                        return 0;

                r = writers[arg_format].event(rec, &ev);
                bl_event_done(&ev);
                if (r < 0)
                        return log_oom();
                /* A closed pipe or a full disk: flush_stdout() reports it. */
                if (ferror(stdout))
                        return 0;
        }
}

int verb_export(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        r = recording_select(&arg_selection, writers[arg_format].model, &rec);
        if (r < 0)
                return EXIT_DATA;
        if (writers[arg_format].model) {
                /* Building the model read every event: back to the first. */
                r = bl_reader_rewind(rec.reader);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", rec.path);
                        return EXIT_DATA;
                }
        }

        if (writers[arg_format].header)
                writers[arg_format].header();
        r = export_events(&rec);
        if (writers[arg_format].finish)
                writers[arg_format].finish();
        if (r < 0)
                return EXIT_DATA;

        r = flush_stdout();
        recording_warn_damage(&rec);
        return r < 0 ? EXIT_DATA : 0;
}
