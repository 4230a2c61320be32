/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog events: every event in file (= time) order, one line each, like
 * forkstat, but with microsecond wall-clock times and nothing guessed:
 *
 *   TIME                        EVENT        PID  DETAILS
 *   2026-11-22 11:17:13.402113  fork        1419  parent 1418  ruby /usr/bin/foo -c /etc/foo.conf
 *   2026-11-22 11:17:13.402871  exec        1419  sudo /usr/local/sbin/foo-script
 *   2026-11-22 11:17:13.431002  exit        1419  exit 0 after 31.0ms  sudo /usr/local/sbin/foo-script
 *
 * Fork and exit lines name the program involved; that comes from a process
 * model built from the events already shown, in the same single pass, so the
 * name is always the one recorded for that very process.
 */
#include <getopt.h>
#include <inttypes.h>

#include "bootlog.h"
#include "cli.h"
#include "escape.h"
#include "log.h"

static struct selection arg_selection;
static bool arg_utc;
static bool arg_full;

static int print_fork(const struct recording *rec, const struct bl_event *ev, size_t max_chars)
{
        const struct bl_process *parent;
        _cleanup_free_ char *label = NULL;

        if (ev->tid != ev->pid) {
                printf("tid %d  thread", (int)ev->tid);
                return 0;
        }
        printf("parent %d", (int)ev->fork.parent_pid);
        /* The child starts as a copy of its parent: name the parent's image at this moment. */
        parent = bl_model_find(rec->model, ev->fork.parent_pid, ev->ts_ns);
        if (!parent)
                return 0;
        label = process_label_at(parent, ev->ts_ns, max_chars);
        if (!label)
                return log_oom();
        printf("  %s", label);
        return 0;
}

static int print_exit(const struct recording *rec, const struct bl_event *ev, size_t max_chars)
{
        const struct bl_process *p;
        _cleanup_free_ char *label = NULL;
        char status[64], dur[32];

        format_wait_status(status, sizeof(status), ev->exit.code);
        if (ev->tid != ev->pid) {
                printf("tid %d  thread %s", (int)ev->tid, status);
                return 0;
        }
        printf("%s", status);
        p = bl_model_find(rec->model, ev->pid, ev->ts_ns);
        if (!p || p->exited)
                return 0;
        if (p->start_ns > 0 && ev->ts_ns >= p->start_ns)
                printf(" after %s", format_duration(dur, sizeof(dur), ev->ts_ns - p->start_ns));
        label = process_label_at(p, ev->ts_ns, max_chars);
        if (!label)
                return log_oom();
        printf("  %s", label);
        return 0;
}

static void print_lost(const struct bl_event *ev)
{
        const char *reason = bl_lost_reason_to_string(ev->lost.reason) ?: "unknown reason";

        if (ev->lost.count > 0)
                printf("%" PRIu64 " event%s lost (%s", ev->lost.count, ev->lost.count == 1 ? "" : "s",
                       reason);
        else
                printf("events lost, count unknown (%s", reason);
        if (ev->lost.reason == BL_LOST_SEQ_GAP)
                printf(", cpu %" PRIu32, ev->lost.cpu);
        printf(")");
}

/* Prints the details column; the caller has printed time, type and pid. */
static int print_details(const struct recording *rec, const struct bl_event *ev, size_t max_chars)
{
        _cleanup_free_ char *s = NULL;
        char off[32];

        /* Events of a thread other than the main one say which. */
        if (ev->tid > 0 && ev->tid != ev->pid && ev->type != BL_EVENT_FORK && ev->type != BL_EVENT_EXIT)
                printf("tid %d  ", (int)ev->tid);

        switch (ev->type) {
        case BL_EVENT_FORK: return print_fork(rec, ev, max_chars);
        case BL_EVENT_EXIT: return print_exit(rec, ev, max_chars);
        case BL_EVENT_EXEC:
                s = info_label(&ev->info, max_chars);
                if (!s)
                        return log_oom();
                printf("%s", s);
                return 0;
        case BL_EVENT_SNAPSHOT:
                s = info_label(&ev->info, max_chars);
                if (!s)
                        return log_oom();
                if (ev->info.ppid > 0)
                        printf("ppid %d  ", (int)ev->info.ppid);
                if (ev->info.start_ns > 0)
                        printf("started %s  ", format_offset(off, sizeof(off), rec, ev->info.start_ns));
                printf("%s", s);
                return 0;
        case BL_EVENT_UID: printf("ruid=%" PRIu32 " euid=%" PRIu32, ev->id.real, ev->id.effective); return 0;
        case BL_EVENT_GID: printf("rgid=%" PRIu32 " egid=%" PRIu32, ev->id.real, ev->id.effective); return 0;
        case BL_EVENT_SID: printf("new session"); return 0;
        case BL_EVENT_PTRACE:
                if (ev->ptrace.tracer_pid == 0)
                        printf("tracer detached");
                else
                        printf("traced by %d", (int)ev->ptrace.tracer_pid);
                return 0;
        case BL_EVENT_COMM:
                s = bl_escape(ev->info.comm);
                if (!s)
                        return log_oom();
                printf("comm %s", s);
                return 0;
        case BL_EVENT_COREDUMP:
                printf("core dumped");
                if (ev->coredump.parent_pid > 0)
                        printf(" (parent %d)", (int)ev->coredump.parent_pid);
                return 0;
        case BL_EVENT_LOST: print_lost(ev); return 0;
        case BL_EVENT_UNKNOWN:
                printf("kernel event 0x%08" PRIx32 " this version cannot decode (%" PRIu32 " bytes)",
                       ev->unknown.what, ev->unknown.len);
                return 0;
        case BL_EVENT_START:
                s = bl_escape(rec->info.hostname);
                if (!s)
                        return log_oom();
                printf("recording started");
                if (*s)
                        printf(" on %s", s);
                if (ev->start.recorder_pid > 0)
                        printf(" (recorder pid %d)", (int)ev->start.recorder_pid);
                return 0;
        case BL_EVENT_END:
                printf("recording ended cleanly (%s): %" PRIu64 " events, %" PRIu64 " lost",
                       bl_stop_reason_to_string(ev->end.reason) ?: "unknown", ev->end.events, ev->end.lost);
                return 0;
        default: printf("event type %d", (int)ev->type); return 0;
        }
}

static int help(void)
{
        printf("Usage: bootlog events [-b [N|ID]] [-D DIR] [--file FILE] [--utc] [--full]\n"
               "\n"
               "List every recorded event in order, one per line, like forkstat: wall-clock\n"
               "time (microseconds), event type, process ID and details.\n"
               "\n"
               "Options:\n%s"
               "      --utc             show times in UTC instead of local time\n"
               "      --full            do not cut command lines at %d characters\n"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n",
               SELECTION_HELP, LABEL_MAX_CHARS);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_UTC = 0x100, ARG_FULL };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
                { "utc", no_argument, NULL, ARG_UTC },
                { "full", no_argument, NULL, ARG_FULL },
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
                        if (selection_parse_option(&arg_selection, "events", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                case ARG_UTC: arg_utc = true; break;
                case ARG_FULL: arg_full = true; break;
                default: return getopt_failed("events", c, argv);
                }

        if (optind < argc) {
                usage_error("events", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (selection_check(&arg_selection, "events") < 0)
                return -EINVAL;
        return 1;
}

int verb_events(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        size_t max_chars;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        (void)glyphs_get(); /* sets the locale: local time, the ellipsis */
        max_chars = arg_full ? 0 : LABEL_MAX_CHARS;

        r = recording_select(&arg_selection, false, &rec);
        if (r < 0)
                return EXIT_DATA;
        r = bl_model_new(&rec.model);
        if (r < 0) {
                log_oom();
                return EXIT_DATA;
        }

        printf("%-26s  %-8s %7s  %s\n", "TIME", "EVENT", "PID", "DETAILS");
        for (;;) {
                _cleanup_(bl_event_done) struct bl_event ev;
                char when[64], pid[16];

                bl_event_init(&ev, 0);
                r = bl_reader_next(rec.reader, &ev);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", rec.path);
                        return EXIT_DATA;
                }
                if (r == 0)
                        break;

                if (ev.pid > 0)
                        snprintf(pid, sizeof(pid), "%d", (int)ev.pid);
                else
                        snprintf(pid, sizeof(pid), "-");
                printf("%-26s  %-8s %7s  ", format_wallclock(when, sizeof(when), &rec, ev.ts_ns, arg_utc),
                       bl_event_type_to_string(ev.type) ?: "?", pid);
                /* The line is printed before the event joins the model, which takes over its strings. */
                r = print_details(&rec, &ev, max_chars);
                if (r < 0)
                        return EXIT_DATA;
                putchar('\n');

                r = bl_model_add(rec.model, &ev);
                if (r < 0) {
                        log_oom();
                        return EXIT_DATA;
                }
        }

        r = flush_stdout();
        recording_warn_damage(&rec);
        return r < 0 ? EXIT_DATA : 0;
}
