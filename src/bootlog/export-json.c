/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog export --format json: one JSON object per event and line (NDJSON),
 * every field the recording holds, for jq and friends. The keys are
 * documented in bootlog(1); they are an interface, change them only by
 * adding.
 *
 * Recorded strings are whatever bytes a process had, and JSON text must be
 * UTF-8, so each byte that is not part of a valid UTF-8 sequence is
 * replaced by U+FFFD here. That is lossy, but
 * every consumer reads it; a "\xNN" spelling would be indistinguishable from
 * an argument that really held a backslash. (export-csv.c treats CSV text
 * the same.)
 */
#include <inttypes.h>
#include <stddef.h>

#include "escape.h"
#include "json-util.h"
#include "event.h"
#include "export-shared.h"
#include "format.h"
#include "macro.h"
#include "recording.h"

/*
 * Each event's line is written here directly rather than through a json-c
 * object per event, which cost more than everything else export does. The
 * bytes are the ones json-c printed with JSON_C_TO_STRING_PLAIN and
 * JSON_C_TO_STRING_NOSLASHESCAPE: no spaces, keys in the order added,
 * integers in decimal, strings by json_string_write() (made valid UTF-8 as
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
        if (!json_reserve(j, key_len + JSON_STRING_MAX(strlen(s))))
                return;
        json_append(j, key, key_len);
        j->len = (size_t)(json_string_write(j->buf + j->len, s) - j->buf);
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
                n += 1 + JSON_STRING_MAX(strlen(*s));
        if (!json_reserve(j, n))
                return;
        json_append(j, key, key_len);
        json_append(j, "[", 1);
        STRV_FOREACH (s, l) {
                if (s != l)
                        json_append(j, ",", 1);
                j->len = (size_t)(json_string_write(j->buf + j->len, *s) - j->buf);
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

int export_json_event(const struct recording *rec, const struct bl_event *ev)
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

void export_json_finish(void)
{
        json_flush(&json_out);
        json_out.buf = mfree(json_out.buf);
        json_out.alloc = 0;
}
