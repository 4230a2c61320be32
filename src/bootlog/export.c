/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog export --format json: one JSON object per event and line (NDJSON),
 * every field the recording holds, for jq and friends. --format csv: one row
 * per event (RFC 4180) with the fields most analyses need, for spreadsheets
 * and databases. The field and column names are documented in bootlog(1);
 * they are an interface, change them only by adding.
 *
 * Recorded strings are whatever bytes a process had, and JSON text must be
 * UTF-8: json-c copies invalid bytes through, so each byte that is not part
 * of a valid UTF-8 sequence is replaced by U+FFFD here. That is lossy, but
 * every consumer reads it; a "\xNN" spelling would be indistinguishable from
 * an argument that really held a backslash. CSV text is treated the same.
 */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
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
        _FORMAT_MAX,
        _FORMAT_INVALID = -EINVAL,
};

static const char *const format_names[_FORMAT_MAX] = {
        [FORMAT_JSON] = "json",
        [FORMAT_CSV] = "csv",
};

static struct selection arg_selection;
static enum format arg_format = FORMAT_JSON;

static void put_info(struct jobj *j, const struct bl_event *ev)
{
        const struct bl_proc_info *info = &ev->info;

        jobj_strv(j, "argv", info->argv);
        if (info->argv_truncated)
                jobj_bool(j, "argv_truncated", true);
        jobj_str(j, "exe", info->exe);
        jobj_str(j, "cwd", info->cwd);
        jobj_str(j, "comm", info->comm[0] ? info->comm : NULL);
        if (info->uid != UINT32_MAX)
                jobj_int(j, "uid", info->uid);
        else
                jobj_null(j, "uid");
        if (info->gid != UINT32_MAX)
                jobj_int(j, "gid", info->gid);
        else
                jobj_null(j, "gid");
        jobj_str(j, "unit", info->unit);
        if (info->start_ns > 0)
                jobj_int(j, "start_ns", (int64_t)info->start_ns);
        else
                jobj_null(j, "start_ns");
        if (ev->type == BL_EVENT_SNAPSHOT) {
                if (info->ppid > 0)
                        jobj_int(j, "ppid", info->ppid);
                else
                        jobj_null(j, "ppid");
        }
        jobj_str(j, "info_status", bl_info_status_to_string(info->status));
        if (info->error > 0)
                jobj_int(j, "info_errno", info->error);
}

static void put_exit(struct jobj *j, const struct bl_event *ev)
{
        int code = 0, sig = 0;
        bool core = false;

        if (bl_exit_status_decode(ev->exit.code, &code, &sig, &core))
                jobj_int(j, "exit_code", code);
        else {
                const char *name = bl_signal_to_string(sig);

                jobj_int(j, "signal", sig);
                if (name)
                        jobj_str(j, "signal_name", name);
                jobj_bool(j, "core_dumped", core);
        }
        jobj_int(j, "raw_status", ev->exit.code);
        jobj_int(j, "exit_signal", ev->exit.exit_signal);
        if (ev->exit.parent_pid > 0)
                jobj_int(j, "parent_pid", ev->exit.parent_pid);
}

static bool is_kernel_event(enum bl_event_type t)
{
        return t >= BL_EVENT_FORK && t <= BL_EVENT_COREDUMP ? true : t == BL_EVENT_UNKNOWN;
}

static int event_to_json(const struct recording *rec, const struct bl_event *ev, struct json_object **ret)
{
        struct jobj j = jobj_new();
        int r;

        jobj_str(&j, "type", bl_event_type_to_string(ev->type) ?: "invalid");
        jobj_int(&j, "ts_ns", (int64_t)ev->ts_ns);
        if (rec->info.ref_realtime_ns > 0 && ev->ts_ns > 0)
                jobj_int(&j, "realtime_us",
                         (int64_t)(bl_file_info_realtime(&rec->info, ev->ts_ns) / NSEC_PER_USEC));
        if (is_kernel_event(ev->type))
                jobj_int(&j, "cpu", ev->cpu);
        if (ev->pid > 0)
                jobj_int(&j, "pid", ev->pid);
        if (ev->tid > 0)
                jobj_int(&j, "tid", ev->tid);

        switch (ev->type) {
        case BL_EVENT_FORK:
                jobj_int(&j, "parent_pid", ev->fork.parent_pid);
                jobj_int(&j, "parent_tid", ev->fork.parent_tid);
                break;
        case BL_EVENT_EXEC:
        case BL_EVENT_SNAPSHOT: put_info(&j, ev); break;
        case BL_EVENT_EXIT: put_exit(&j, ev); break;
        case BL_EVENT_UID:
        case BL_EVENT_GID:
                jobj_int(&j, "real", ev->id.real);
                jobj_int(&j, "effective", ev->id.effective);
                break;
        case BL_EVENT_PTRACE:
                jobj_int(&j, "tracer_pid", ev->ptrace.tracer_pid);
                jobj_int(&j, "tracer_tid", ev->ptrace.tracer_tid);
                break;
        case BL_EVENT_COMM: jobj_str(&j, "comm", ev->info.comm); break;
        case BL_EVENT_COREDUMP:
                jobj_int(&j, "parent_pid", ev->coredump.parent_pid);
                jobj_int(&j, "parent_tid", ev->coredump.parent_tid);
                break;
        case BL_EVENT_LOST:
                /* ENOBUFS cannot say how many; the sequence gaps that follow it do. */
                if (ev->lost.count > 0)
                        jobj_int(&j, "count", (int64_t)ev->lost.count);
                else
                        jobj_null(&j, "count");
                jobj_str(&j, "reason", bl_lost_reason_to_string(ev->lost.reason));
                if (ev->lost.reason == BL_LOST_SEQ_GAP)
                        jobj_int(&j, "cpu", ev->lost.cpu);
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
                jobj_int(&j, "what", ev->unknown.what);
                jobj_str(&j, "data", data);
                break;
        }
        case BL_EVENT_START: jobj_int(&j, "recorder_pid", ev->start.recorder_pid); break;
        case BL_EVENT_END:
                jobj_int(&j, "events", (int64_t)ev->end.events);
                jobj_int(&j, "lost", (int64_t)ev->end.lost);
                jobj_str(&j, "reason", bl_stop_reason_to_string(ev->end.reason) ?: "unknown");
                break;
        default: break;
        }

        r = jobj_finish(&j);
        if (r < 0)
                return r;
        *ret = j.o;
        return 0;
}

static int write_json(const struct recording *rec, const struct bl_event *ev)
{
        struct json_object *o;
        int r;

        r = event_to_json(rec, ev, &o);
        if (r < 0)
                return r;
        r = json_print(o);
        json_object_put(o);
        return r;
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
};

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
                csv_columns[i].write(rec, ev);
        }
        fputs(CSV_EOL, stdout);
        return csv_error;
}

static const struct {
        int (*header)(void);
        int (*event)(const struct recording *rec, const struct bl_event *ev);
} writers[_FORMAT_MAX] = {
        [FORMAT_JSON] = { NULL, write_json },
        [FORMAT_CSV] = { write_csv_header, write_csv },
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
        printf("Usage: bootlog export [-b [N|ID]] [-D DIR] [--file FILE] [--format json|csv]\n"
               "\n"
               "Write every recorded event to standard output: as one JSON object per line\n"
               "(NDJSON, the default), or as CSV with a header row and one row per event.\n"
               "See bootlog(1) for the fields.\n"
               "\n"
               "Options:\n%s"
               "      --format FORMAT   output format: json (the default) or csv\n"
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
                        if (streq(optarg, "journal"))
                                usage_error("export",
                                            "format 'journal' is not supported yet (supported: json, csv)");
                        else
                                usage_error("export", "unsupported format '%s' (supported: json, csv)",
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

int verb_export(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        r = recording_select(&arg_selection, false, &rec);
        if (r < 0)
                return EXIT_DATA;

        if (writers[arg_format].header)
                writers[arg_format].header();
        for (;;) {
                _cleanup_(bl_event_done) struct bl_event ev;

                bl_event_init(&ev, 0);
                r = bl_reader_next(rec.reader, &ev);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", rec.path);
                        return EXIT_DATA;
                }
                if (r == 0)
                        break;

                r = writers[arg_format].event(&rec, &ev);
                if (r < 0) {
                        log_oom();
                        return EXIT_DATA;
                }
                /* A closed pipe or a full disk: flush_stdout() below reports it. */
                if (ferror(stdout))
                        break;
        }

        r = flush_stdout();
        recording_warn_damage(&rec);
        return r < 0 ? EXIT_DATA : 0;
}
