/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog export --format json: one JSON object per event and line (NDJSON),
 * every field the recording holds, for jq and friends. The field names are
 * documented in bootlog(1); they are an interface, change them only by adding.
 *
 * Recorded strings are whatever bytes a process had, and JSON text must be
 * UTF-8: json-c copies invalid bytes through, so each byte that is not part
 * of a valid UTF-8 sequence is replaced by U+FFFD here. That is lossy, but
 * every consumer reads it; a "\xNN" spelling would be indistinguishable from
 * an argument that really held a backslash.
 */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>

#include "bootlog.h"
#include "cli.h"
#include "escape.h"
#include "log.h"

static struct selection arg_selection;
static const char *arg_format = "json";

/* An object under construction; the first failure sticks and the rest is skipped. */
struct obj {
        struct json_object *o;
        int r;
};

static void put(struct obj *j, const char *key, struct json_object *v)
{
        if (j->r < 0) {
                json_object_put(v);
                return;
        }
        if (!v) {
                j->r = -ENOMEM;
                return;
        }
        if (json_object_object_add(j->o, key, v) < 0) {
                json_object_put(v);
                j->r = -ENOMEM;
        }
}

static void put_null(struct obj *j, const char *key)
{
        if (j->r >= 0 && json_object_object_add(j->o, key, NULL) < 0)
                j->r = -ENOMEM;
}

static void put_int(struct obj *j, const char *key, int64_t v)
{
        put(j, key, json_object_new_int64(v));
}

static void put_bool(struct obj *j, const char *key, bool v)
{
        put(j, key, json_object_new_boolean(v));
}

/* A JSON string of s with invalid UTF-8 bytes replaced by U+FFFD; JSON null for NULL. */
static struct json_object *json_string_utf8(const char *s, bool *ret_oom)
{
        const unsigned char *u = (const unsigned char *)s;
        struct json_object *j;
        char *fixed, *p;
        bool valid = true;

        *ret_oom = false;
        if (!s)
                return NULL;
        for (size_t i = 0; u[i];) {
                size_t n = bl_utf8_valid_len((const char *)u + i);

                if (n == 0) {
                        valid = false;
                        break;
                }
                i += n;
        }
        if (valid)
                j = json_object_new_string(s);
        else {
                fixed = malloc(strlen(s) * 3 + 1);
                if (!fixed) {
                        *ret_oom = true;
                        return NULL;
                }
                p = fixed;
                while (*u) {
                        size_t n = bl_utf8_valid_len((const char *)u);

                        if (n == 0) {
                                p = stpcpy(p, "\xef\xbf\xbd");
                                u++;
                                continue;
                        }
                        p = mempcpy(p, u, n);
                        u += n;
                }
                *p = 0;
                j = json_object_new_string(fixed);
                free(fixed);
        }
        *ret_oom = !j;
        return j;
}

static void put_str(struct obj *j, const char *key, const char *s)
{
        struct json_object *v;
        bool oom;

        v = json_string_utf8(s, &oom);
        if (oom) {
                if (j->r >= 0)
                        j->r = -ENOMEM;
                return;
        }
        if (!v)
                put_null(j, key);
        else
                put(j, key, v);
}

static void put_info(struct obj *j, const struct bl_event *ev)
{
        const struct bl_proc_info *info = &ev->info;

        if (info->argv) {
                struct json_object *a = json_object_new_array();

                put(j, "argv", a);
                if (j->r < 0)
                        return;
                STRV_FOREACH (s, info->argv) {
                        struct json_object *v;
                        bool oom;

                        v = json_string_utf8(*s, &oom);
                        if (!v || json_object_array_add(a, v) < 0) {
                                json_object_put(v);
                                j->r = -ENOMEM;
                                return;
                        }
                }
        } else
                put_null(j, "argv");
        if (info->argv_truncated)
                put_bool(j, "argv_truncated", true);
        put_str(j, "exe", info->exe);
        put_str(j, "cwd", info->cwd);
        put_str(j, "comm", info->comm[0] ? info->comm : NULL);
        if (info->uid != UINT32_MAX)
                put_int(j, "uid", info->uid);
        else
                put_null(j, "uid");
        if (info->gid != UINT32_MAX)
                put_int(j, "gid", info->gid);
        else
                put_null(j, "gid");
        put_str(j, "unit", info->unit);
        if (info->start_ns > 0)
                put_int(j, "start_ns", (int64_t)info->start_ns);
        else
                put_null(j, "start_ns");
        if (ev->type == BL_EVENT_SNAPSHOT) {
                if (info->ppid > 0)
                        put_int(j, "ppid", info->ppid);
                else
                        put_null(j, "ppid");
        }
        put_str(j, "info_status", bl_info_status_to_string(info->status));
        if (info->error > 0)
                put_int(j, "info_errno", info->error);
}

static void put_exit(struct obj *j, const struct bl_event *ev)
{
        int code = 0, sig = 0;
        bool core = false;

        if (bl_exit_status_decode(ev->exit.code, &code, &sig, &core))
                put_int(j, "exit_code", code);
        else {
                const char *name = bl_signal_to_string(sig);

                put_int(j, "signal", sig);
                if (name)
                        put_str(j, "signal_name", name);
                put_bool(j, "core_dumped", core);
        }
        put_int(j, "raw_status", ev->exit.code);
        put_int(j, "exit_signal", ev->exit.exit_signal);
        if (ev->exit.parent_pid > 0)
                put_int(j, "parent_pid", ev->exit.parent_pid);
}

static bool is_kernel_event(enum bl_event_type t)
{
        return t >= BL_EVENT_FORK && t <= BL_EVENT_COREDUMP ? true : t == BL_EVENT_UNKNOWN;
}

static int event_to_json(const struct recording *rec, const struct bl_event *ev, struct json_object **ret)
{
        struct obj j = { .o = json_object_new_object() };

        if (!j.o)
                return -ENOMEM;

        put_str(&j, "type", bl_event_type_to_string(ev->type) ?: "invalid");
        put_int(&j, "ts_ns", (int64_t)ev->ts_ns);
        if (rec->info.ref_realtime_ns > 0 && ev->ts_ns > 0)
                put_int(&j, "realtime_us",
                        (int64_t)(bl_file_info_realtime(&rec->info, ev->ts_ns) / NSEC_PER_USEC));
        if (is_kernel_event(ev->type))
                put_int(&j, "cpu", ev->cpu);
        if (ev->pid > 0)
                put_int(&j, "pid", ev->pid);
        if (ev->tid > 0)
                put_int(&j, "tid", ev->tid);

        switch (ev->type) {
        case BL_EVENT_FORK:
                put_int(&j, "parent_pid", ev->fork.parent_pid);
                put_int(&j, "parent_tid", ev->fork.parent_tid);
                break;
        case BL_EVENT_EXEC:
        case BL_EVENT_SNAPSHOT: put_info(&j, ev); break;
        case BL_EVENT_EXIT: put_exit(&j, ev); break;
        case BL_EVENT_UID:
        case BL_EVENT_GID:
                put_int(&j, "real", ev->id.real);
                put_int(&j, "effective", ev->id.effective);
                break;
        case BL_EVENT_PTRACE:
                put_int(&j, "tracer_pid", ev->ptrace.tracer_pid);
                put_int(&j, "tracer_tid", ev->ptrace.tracer_tid);
                break;
        case BL_EVENT_COMM: put_str(&j, "comm", ev->info.comm); break;
        case BL_EVENT_COREDUMP:
                put_int(&j, "parent_pid", ev->coredump.parent_pid);
                put_int(&j, "parent_tid", ev->coredump.parent_tid);
                break;
        case BL_EVENT_LOST:
                /* ENOBUFS cannot say how many; the sequence gaps that follow it do. */
                if (ev->lost.count > 0)
                        put_int(&j, "count", (int64_t)ev->lost.count);
                else
                        put_null(&j, "count");
                put_str(&j, "reason", bl_lost_reason_to_string(ev->lost.reason));
                if (ev->lost.reason == BL_LOST_SEQ_GAP)
                        put_int(&j, "cpu", ev->lost.cpu);
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
                put_int(&j, "what", ev->unknown.what);
                put_str(&j, "data", data);
                break;
        }
        case BL_EVENT_START: put_int(&j, "recorder_pid", ev->start.recorder_pid); break;
        case BL_EVENT_END:
                put_int(&j, "events", (int64_t)ev->end.events);
                put_int(&j, "lost", (int64_t)ev->end.lost);
                put_str(&j, "reason", bl_stop_reason_to_string(ev->end.reason) ?: "unknown");
                break;
        default: break;
        }

        if (j.r < 0) {
                json_object_put(j.o);
                return j.r;
        }
        *ret = j.o;
        return 0;
}

static int help(void)
{
        printf("Usage: bootlog export [-b [N|ID]] [-D DIR] [--file FILE] [--format json]\n"
               "\n"
               "Write every recorded event to standard output as one JSON object per line\n"
               "(NDJSON). See bootlog(1) for the fields.\n"
               "\n"
               "Options:\n%s"
               "      --format FORMAT   output format: json (the default)\n"
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
                        if (!streq(optarg, "json")) {
                                usage_error("export", "unsupported format '%s' (supported: json)", optarg);
                                return -EINVAL;
                        }
                        arg_format = optarg;
                        break;
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

        for (;;) {
                _cleanup_(bl_event_done) struct bl_event ev;
                struct json_object *o;
                const char *s;
                size_t len;

                bl_event_init(&ev, 0);
                r = bl_reader_next(rec.reader, &ev);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", rec.path);
                        return EXIT_DATA;
                }
                if (r == 0)
                        break;

                r = event_to_json(&rec, &ev, &o);
                if (r < 0) {
                        log_oom();
                        return EXIT_DATA;
                }
                s = json_object_to_json_string_ext(o,
                                                   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
                if (!s) {
                        json_object_put(o);
                        log_oom();
                        return EXIT_DATA;
                }
                len = strlen(s);
                if (fwrite(s, 1, len, stdout) != len || putchar('\n') == EOF) {
                        json_object_put(o);
                        break; /* flush_stdout() below reports it */
                }
                json_object_put(o);
        }

        r = flush_stdout();
        recording_warn_damage(&rec);
        return r < 0 ? EXIT_DATA : 0;
}
