/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog stats: the recording in numbers, for the question "what ran, what
 * failed, what was lost?" before reading any tree:
 *
 *     Recording   /var/log/bootlog/1a2b….bootlog
 *     Span        2026-11-22 17:28:53.402113 to 17:29:05.118204 (11.716s)
 *     Processes   233 (12 running at the start), 41 threads
 *     ...
 *     Top commands by runs
 *         RUNS     TOTAL   MEDIAN  LONGEST  COMMAND
 *          240  120.3ms    402us    2.1ms  sed
 *
 * Commands are grouped as commands.h describes: by the file name of argv[0],
 * runs counted from exec to the next exec or exit. Processes are counted per
 * systemd unit of the last program they ran.
 */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>

#include "bootlog.h"
#include "cli.h"
#include "commands.h"
#include "escape.h"
#include "format-def.h"
#include "log.h"
#include "output.h"
#include "report.h"

#define TOP_DEFAULT 10

static struct selection arg_selection;
static bool arg_json;
static bool arg_utc;
static bool arg_full;
static size_t arg_top = TOP_DEFAULT; /* 0: all */
static enum color_mode arg_color = COLOR_AUTO;
static bool arg_no_pager;

struct lost_record {
        uint64_t ts_ns;
        enum bl_lost_reason reason;
        uint64_t count; /* 0: unknown */
        uint32_t cpu;
};

struct unit_stat {
        const char *unit; /* NULL: none known; points into the model */
        uint64_t processes;
        uint64_t failed;
        uint64_t timed;    /* processes whose start and exit are known */
        uint64_t total_ns; /* their lifetimes */
};

struct stats {
        struct recording rec;
        struct bl_model_stats model;
        struct command_table commands;
        struct lost_record *lost;
        size_t n_lost, lost_alloc;
        const struct bl_process **failed; /* by start */
        size_t n_failed;
        struct unit_stat *units; /* most processes first */
        size_t n_units;
        uint64_t running_at_start;
        uint64_t events;
        uint64_t execs, execs_with_argv, execs_argv_at_exec;
};

static void stats_done(struct stats *s)
{
        command_table_done(&s->commands);
        free(s->lost);
        free(s->failed);
        free(s->units);
        recording_done(&s->rec);
}

/* ---- gathering ---- */

static int lost_append(struct stats *s, const struct bl_event *ev)
{
        if (s->n_lost == s->lost_alloc) {
                size_t a = MAX(s->lost_alloc * 2, (size_t)16);
                struct lost_record *l = reallocarray(s->lost, a, sizeof(*l));

                if (!l)
                        return -ENOMEM;
                s->lost = l;
                s->lost_alloc = a;
        }
        s->lost[s->n_lost++] = (struct lost_record){
                .ts_ns = ev->ts_ns,
                .reason = ev->lost.reason,
                .count = ev->lost.count,
                .cpu = ev->lost.cpu,
        };
        return 0;
}

/* Reads the selected recording into a model, keeping the LOST records for "where". */
static int load(struct stats *s)
{
        struct bl_event ev;
        int r;

        r = recording_select(&arg_selection, false, &s->rec);
        if (r < 0)
                return r;
        r = bl_model_new(&s->rec.model);
        if (r < 0)
                return log_oom();

        bl_event_init(&ev, 0);
        for (;;) {
                r = bl_reader_next(s->rec.reader, &ev);
                if (r < 0)
                        return log_error_errno(r, "Failed to read '%s': %m", s->rec.path);
                if (r == 0)
                        break;
                if (ev.type == BL_EVENT_LOST && lost_append(s, &ev) < 0) {
                        bl_event_done(&ev);
                        return log_oom();
                }
                r = bl_model_add(s->rec.model, &ev);
                bl_event_done(&ev);
                if (r < 0)
                        return log_oom();
        }
        bl_model_get_stats(s->rec.model, &s->model);
        for (size_t i = 0; i < _BL_EVENT_TYPE_MAX; i++)
                s->events += s->model.events[i];
        return 0;
}

static bool process_failed(const struct bl_process *p)
{
        int code = 0, sig = 0;
        bool core = false;

        if (p->coredump)
                return true;
        if (!p->exited)
                return false;
        if (bl_exit_status_decode(p->exit_status, &code, &sig, &core))
                return code != 0;
        return true;
}

/* Ended by a signal, or dumped core. */
static bool process_killed(const struct bl_process *p)
{
        int code = 0, sig = 0;
        bool core = false;

        return p->coredump || (p->exited && !bl_exit_status_decode(p->exit_status, &code, &sig, &core));
}

static bool process_lifetime(const struct bl_process *p, uint64_t *ret)
{
        if (!p->exited || p->start_ns == 0 || p->exit_ns < p->start_ns)
                return false;
        *ret = p->exit_ns - p->start_ns;
        return true;
}

static int process_start_compare(const void *a, const void *b)
{
        const struct bl_process *x = *(const struct bl_process *const *)a,
                                *y = *(const struct bl_process *const *)b;

        if (x->start_ns != y->start_ns)
                return x->start_ns < y->start_ns ? -1 : 1;
        return x->index < y->index ? -1 : x->index > y->index;
}

/* The unit of the program a process ran last (or inherited): where systemd had put it. */
static const char *process_unit(const struct bl_process *p)
{
        const struct bl_exec *e = bl_process_last_image(p, NULL);

        return e && e->info.unit && e->info.unit[0] ? e->info.unit : NULL;
}

static int unit_name_compare(const void *a, const void *b)
{
        const struct unit_stat *x = a, *y = b;

        if (!x->unit || !y->unit)
                return !x->unit - !y->unit;
        return strcmp(x->unit, y->unit);
}

static int unit_rank_compare(const void *a, const void *b)
{
        const struct unit_stat *x = a, *y = b;

        if (x->processes != y->processes)
                return x->processes > y->processes ? -1 : 1;
        if (x->total_ns != y->total_ns)
                return x->total_ns > y->total_ns ? -1 : 1;
        return unit_name_compare(a, b);
}

static int gather(struct stats *s)
{
        _cleanup_free_ struct unit_stat *per_process = NULL;
        struct bl_process *const *procs;
        size_t n;
        int r;

        r = command_table_build(s->rec.model, COMMAND_KEY_NAME, &s->commands);
        if (r < 0)
                return log_oom();

        n = bl_model_get_processes(s->rec.model, &procs);
        s->failed = calloc(MAX(n, (size_t)1), sizeof(*s->failed));
        per_process = calloc(MAX(n, (size_t)1), sizeof(*per_process));
        if (!s->failed || !per_process)
                return log_oom();

        for (size_t i = 0; i < n; i++) {
                const struct bl_process *p = procs[i];
                uint64_t life;

                if (p->from_snapshot)
                        s->running_at_start++;
                for (size_t j = 0; j < p->n_execs; j++) {
                        const struct bl_proc_info *info = &p->execs[j].info;

                        if (p->execs[j].from_snapshot)
                                continue;
                        s->execs++;
                        if (info->argv && info->argv[0])
                                s->execs_with_argv++;
                        if (info->argv_at_exec)
                                s->execs_argv_at_exec++;
                }
                if (process_failed(p))
                        s->failed[s->n_failed++] = p;

                per_process[i] = (struct unit_stat){
                        .unit = process_unit(p),
                        .processes = 1,
                        .failed = process_failed(p),
                };
                if (process_lifetime(p, &life)) {
                        per_process[i].timed = 1;
                        per_process[i].total_ns = life;
                }
        }
        if (s->n_failed > 0)
                qsort(s->failed, s->n_failed, sizeof(*s->failed), process_start_compare);

        /* One entry per process, sorted by unit, then summed up per unit in place. */
        if (n > 0)
                qsort(per_process, n, sizeof(*per_process), unit_name_compare);
        for (size_t i = 0; i < n; i++) {
                if (s->n_units > 0 &&
                    unit_name_compare(&per_process[s->n_units - 1], &per_process[i]) == 0) {
                        struct unit_stat *u = &per_process[s->n_units - 1];

                        u->processes++;
                        u->failed += per_process[i].failed;
                        u->timed += per_process[i].timed;
                        u->total_ns += per_process[i].total_ns;
                } else
                        per_process[s->n_units++] = per_process[i];
        }
        if (s->n_units > 0)
                qsort(per_process, s->n_units, sizeof(*per_process), unit_rank_compare);
        s->units = TAKE_PTR(per_process);
        return 0;
}

/* ---- ranking commands ---- */

enum rank {
        RANK_RUNS,
        RANK_TOTAL,
        RANK_LONGEST,
        _RANK_MAX,
};

static int rank_runs(const void *a, const void *b)
{
        const struct command *x = *(const struct command *const *)a, *y = *(const struct command *const *)b;

        if (x->n_runs != y->n_runs)
                return x->n_runs > y->n_runs ? -1 : 1;
        if (x->total_ns != y->total_ns)
                return x->total_ns > y->total_ns ? -1 : 1;
        return strcmp(x->name, y->name);
}

static int rank_total(const void *a, const void *b)
{
        const struct command *x = *(const struct command *const *)a, *y = *(const struct command *const *)b;

        if (x->total_ns != y->total_ns)
                return x->total_ns > y->total_ns ? -1 : 1;
        return rank_runs(a, b);
}

static int rank_longest(const void *a, const void *b)
{
        const struct command *x = *(const struct command *const *)a, *y = *(const struct command *const *)b;

        if (x->max_ns != y->max_ns)
                return x->max_ns > y->max_ns ? -1 : 1;
        return rank_runs(a, b);
}

static int (*const rank_compare[_RANK_MAX])(const void *, const void *) = {
        [RANK_RUNS] = rank_runs,
        [RANK_TOTAL] = rank_total,
        [RANK_LONGEST] = rank_longest,
};

static const char *const rank_title[_RANK_MAX] = {
        [RANK_RUNS] = "Top commands by runs",
        [RANK_TOTAL] = "Top commands by total run time",
        [RANK_LONGEST] = "Top commands by longest run",
};

static const char *const rank_json[_RANK_MAX] = {
        [RANK_RUNS] = "top_by_runs",
        [RANK_TOTAL] = "top_by_total",
        [RANK_LONGEST] = "top_by_longest",
};

/*
 * The commands ranked by how; only timed ones for run-time rankings. At most
 * arg_top. New array in *ret (its length returned); -ENOMEM.
 */
static ssize_t ranked(const struct stats *s, enum rank how, const struct command ***ret)
{
        const struct command **l;
        size_t n = 0;

        l = calloc(MAX(s->commands.n, (size_t)1), sizeof(*l));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < s->commands.n; i++)
                if (how == RANK_RUNS || s->commands.commands[i].n_timed > 0)
                        l[n++] = &s->commands.commands[i];
        if (n > 0)
                qsort(l, n, sizeof(*l), rank_compare[how]);
        if (arg_top > 0 && n > arg_top)
                n = arg_top;
        *ret = l;
        return (ssize_t)n;
}

/* ---- text ---- */

static char *percent(char *buf, size_t size, uint64_t part, uint64_t whole)
{
        uint64_t permille = whole > 0 ? (part * 1000 + whole / 2) / whole : 0;

        snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "%%", permille / 10, permille % 10);
        return buf;
}

static int print_summary(const struct stats *s)
{
        const struct recording *rec = &s->rec;
        _cleanup_free_ char *path = NULL, *host = NULL, *kernel = NULL;
        bool lost = s->model.lost > 0 || s->model.overflows > 0;
        char id[33], a[64], b[64], d[32], pc[32];

        path = bl_escape(rec->path);
        host = bl_escape(rec->info.hostname);
        kernel = bl_escape(rec->info.kernel_release);
        if (!path || !host || !kernel)
                return log_oom();

        printf("Recording   %s\n", path);
        if (!bl_id128_is_null(rec->info.boot_id))
                printf("Boot        %s%s%s%s%s\n", bl_id128_to_string(rec->info.boot_id, id),
                       *host ? " on " : "", host, *kernel ? ", kernel " : "", kernel);
        if (s->model.first_ts_ns > 0) {
                format_wallclock(a, sizeof(a), rec, s->model.first_ts_ns, arg_utc);
                format_wallclock(b, sizeof(b), rec, s->model.last_ts_ns, arg_utc);
                /* The same day is not repeated. */
                printf("Span        %s to %s (%s)%s\n", a, strncmp(a, b, 11) == 0 ? b + 11 : b,
                       format_duration(d, sizeof(d), s->model.last_ts_ns - s->model.first_ts_ns),
                       arg_utc ? " UTC" : "");
        }
        printf("Processes   %" PRIu64 " (%" PRIu64 " running at the start), %" PRIu64 " thread%s\n",
               s->model.processes, s->running_at_start, s->model.threads, s->model.threads == 1 ? "" : "s");
        printf("Events      %" PRIu64 "\n", s->events);
        printf("Execs       %" PRIu64 ", %" PRIu64 " with arguments (%s)\n", s->execs, s->execs_with_argv,
               percent(pc, sizeof(pc), s->execs_with_argv, s->execs));
        if (rec->info.compatible_flags & BL_HEADER_COMPAT_ARGV_AT_EXEC)
                printf("Arguments   captured in the kernel at each exec (%" PRIu64 " execs; the others read "
                       "from /proc)\n",
                       s->execs_argv_at_exec);
        else
                printf("Arguments   read from /proc after each exec\n");
        printf("Failed      %s%zu%s\n", s->n_failed > 0 ? ansi(ANSI_RED) : "", s->n_failed,
               s->n_failed > 0 ? ansi(ANSI_RESET) : "");
        printf("Lost        %s%" PRIu64 " events", lost ? ansi(ANSI_YELLOW) : "", s->model.lost);
        if (s->model.overflows > 0)
                printf(", and %" PRIu64 " overflow%s of unknown size", s->model.overflows,
                       s->model.overflows == 1 ? "" : "s");
        printf("%s\n", lost ? ansi(ANSI_RESET) : "");
        return 0;
}

static const enum table_align R = TABLE_RIGHT, L = TABLE_LEFT;

static void section(const char *title)
{
        printf("\n%s%s%s\n", ansi(ANSI_BOLD), title, ansi(ANSI_RESET));
}

/* Tables: headers bold, the last column cut to the terminal's width unless --full. */
static int print_table(const struct table *t)
{
        if (table_print(t, "    ", arg_full ? 0 : output_columns(), ansi(ANSI_BOLD), ansi(ANSI_RESET)) < 0)
                return log_oom();
        return 0;
}

static int print_event_types(const struct stats *s)
{
        static const char *const headers[] = { "EVENT", "COUNT" };
        _cleanup_(table_freep) struct table *t = NULL;
        int r = 0;

        t = table_new(2, headers, (const enum table_align[]){ L, R });
        if (!t)
                return log_oom();
        for (int i = 0; i < _BL_EVENT_TYPE_MAX && r >= 0; i++) {
                const char *name = bl_event_type_to_string((enum bl_event_type)i);

                if (!name || s->model.events[i] == 0)
                        continue;
                r = table_add(t, name);
                if (r >= 0)
                        r = table_addf(t, "%" PRIu64, s->model.events[i]);
        }
        if (r < 0)
                return log_oom();
        section("Events by type");
        return print_table(t);
}

static int print_ranking(const struct stats *s, enum rank how)
{
        static const char *const headers[] = { "RUNS", "TOTAL", "MEDIAN", "LONGEST", "COMMAND" };
        static const char *const headers_longest[] = { "LONGEST", "PID", "START", "COMMAND",
                                                       "COMMAND LINE" };
        _cleanup_(table_freep) struct table *t = NULL;
        _cleanup_free_ const struct command **l = NULL;
        ssize_t n;
        int r = 0;

        n = ranked(s, how, &l);
        if (n < 0)
                return log_oom();
        if (how == RANK_LONGEST)
                t = table_new(5, headers_longest, (const enum table_align[]){ R, R, R, L, L });
        else
                t = table_new(5, headers, (const enum table_align[]){ R, R, R, R, L });
        if (!t)
                return log_oom();

        for (ssize_t i = 0; i < n && r >= 0; i++) {
                const struct command *c = l[i];
                const struct command_run *longest = command_longest(c);
                _cleanup_free_ char *name = bl_escape(c->name), *label = NULL;
                char d1[32], d2[32], d3[32];

                if (!name)
                        return log_oom();
                if (how == RANK_LONGEST) {
                        label = info_label(&longest->exec->info, arg_full ? 0 : LABEL_MAX_CHARS);
                        if (!label)
                                return log_oom();
                        r = table_add(t, format_duration(d1, sizeof(d1), longest->duration_ns));
                        if (r >= 0)
                                r = table_addf(t, "%d", (int)longest->process->pid);
                        if (r >= 0)
                                r = table_add(t,
                                              format_offset(d2, sizeof(d2), &s->rec, longest->exec->ts_ns));
                        if (r >= 0)
                                r = table_add(t, name);
                        if (r >= 0)
                                r = table_add(t, label);
                        continue;
                }
                r = table_addf(t, "%zu", c->n_runs);
                if (r >= 0)
                        r = table_add(t,
                                      c->n_timed > 0 ? format_duration(d1, sizeof(d1), c->total_ns) : "-");
                if (r >= 0)
                        r = table_add(t,
                                      c->n_timed > 0 ? format_duration(d2, sizeof(d2), c->median_ns) : "-");
                if (r >= 0)
                        r = table_add(t, c->n_timed > 0 ? format_duration(d3, sizeof(d3), c->max_ns) : "-");
                if (r >= 0)
                        r = table_add(t, name);
        }
        if (r < 0)
                return log_oom();

        section(rank_title[how]);
        if (n == 0) {
                printf("    (none)\n");
                return 0;
        }
        return print_table(t);
}

static int print_failed(const struct stats *s)
{
        static const char *const headers[] = { "PID", "START", "STATUS", "COMMAND LINE" };
        _cleanup_(table_freep) struct table *t = NULL;
        char title[64];
        int r = 0;

        t = table_new(4, headers, (const enum table_align[]){ R, R, L, L });
        if (!t)
                return log_oom();
        for (size_t i = 0; i < s->n_failed && r >= 0; i++) {
                const struct bl_process *p = s->failed[i];
                _cleanup_free_ char *label = NULL;
                char off[32], status[64];

                /* What it ran when it ended: the program that failed. */
                label =
                    process_label_at(p, p->exited ? p->exit_ns : UINT64_MAX, arg_full ? 0 : LABEL_MAX_CHARS);
                if (!label)
                        return log_oom();
                format_exit(status, sizeof(status), p);
                if (p->coredump && !strstr(status, "core dumped"))
                        strncat(status, ", core dumped", sizeof(status) - strlen(status) - 1);

                r = table_addf(t, "%d", (int)p->pid);
                if (r >= 0)
                        r = table_add(t, format_offset(off, sizeof(off), &s->rec, p->start_ns));
                if (r >= 0)
                        r = table_add(t, status);
                if (r >= 0)
                        r = table_add(t, label);
                /* As in the tree: a non-zero exit red, a signal or a core dump bold red. */
                table_highlight_row(t, ansi(process_killed(p) ? ANSI_RED_BOLD : ANSI_RED), ansi(ANSI_RESET));
        }
        if (r < 0)
                return log_oom();

        snprintf(title, sizeof(title), "Failed processes (%zu)", s->n_failed);
        section(title);
        if (s->n_failed == 0) {
                printf("    (none)\n");
                return 0;
        }
        return print_table(t);
}

static int print_lost(const struct stats *s)
{
        static const char *const headers[] = { "WHEN", "COUNT", "REASON", "CPU" };
        _cleanup_(table_freep) struct table *t = NULL;
        size_t shown = arg_top > 0 ? MIN(arg_top, s->n_lost) : s->n_lost;
        int r = 0;

        section("Lost events");
        if (s->n_lost == 0) {
                printf("    (none)\n");
                return 0;
        }
        printf("    %s%" PRIu64 " event%s counted in %" PRIu64 " record%s", ansi(ANSI_YELLOW), s->model.lost,
               s->model.lost == 1 ? "" : "s", s->model.lost_records, s->model.lost_records == 1 ? "" : "s");
        if (s->model.overflows > 0)
                printf(", %" PRIu64 " receive-buffer overflow%s (their size is counted by the sequence gaps "
                       "that follow)",
                       s->model.overflows, s->model.overflows == 1 ? "" : "s");
        printf("%s\n\n", ansi(ANSI_RESET));

        t = table_new(4, headers, (const enum table_align[]){ R, R, L, R });
        if (!t)
                return log_oom();
        for (size_t i = 0; i < shown && r >= 0; i++) {
                const struct lost_record *l = &s->lost[i];
                char off[32];

                r = table_add(t, format_offset(off, sizeof(off), &s->rec, l->ts_ns));
                if (r >= 0)
                        r = l->count > 0 ? table_addf(t, "%" PRIu64, l->count) : table_add(t, "?");
                if (r >= 0)
                        r = table_add(t, bl_lost_reason_to_string(l->reason) ?: "unknown");
                if (r >= 0)
                        r = l->reason == BL_LOST_SEQ_GAP ? table_addf(t, "%" PRIu32, l->cpu)
                                                         : table_add(t, "-");
        }
        if (r < 0)
                return log_oom();
        r = print_table(t);
        if (r < 0)
                return r;
        if (shown < s->n_lost)
                printf("    ... and %zu more record%s (--top 0 shows all)\n", s->n_lost - shown,
                       s->n_lost - shown == 1 ? "" : "s");
        return 0;
}

static int print_units(const struct stats *s)
{
        static const char *const headers[] = { "PROCESSES", "FAILED", "TOTAL", "UNIT" };
        _cleanup_(table_freep) struct table *t = NULL;
        size_t shown = arg_top > 0 ? MIN(arg_top, s->n_units) : s->n_units;
        char title[96];
        int r = 0;

        t = table_new(4, headers, (const enum table_align[]){ R, R, R, L });
        if (!t)
                return log_oom();
        for (size_t i = 0; i < shown && r >= 0; i++) {
                const struct unit_stat *u = &s->units[i];
                _cleanup_free_ char *name = u->unit ? bl_escape(u->unit) : strdup("(no unit)");
                char d[32];

                if (!name)
                        return log_oom();
                r = table_addf(t, "%" PRIu64, u->processes);
                if (r >= 0)
                        r = table_addf(t, "%" PRIu64, u->failed);
                if (r >= 0)
                        r = table_add(t, u->timed > 0 ? format_duration(d, sizeof(d), u->total_ns) : "-");
                if (r >= 0)
                        r = table_add(t, name);
        }
        if (r < 0)
                return log_oom();

        if (shown < s->n_units)
                snprintf(title, sizeof(title), "Processes per unit (top %zu of %zu)", shown, s->n_units);
        else
                snprintf(title, sizeof(title), "Processes per unit");
        section(title);
        return print_table(t);
}

static int print_text(const struct stats *s)
{
        int r;

        r = print_summary(s);
        if (r >= 0)
                r = print_event_types(s);
        for (enum rank how = 0; how < _RANK_MAX && r >= 0; how++)
                r = print_ranking(s, how);
        if (r >= 0)
                r = print_failed(s);
        if (r >= 0)
                r = print_lost(s);
        if (r >= 0)
                r = print_units(s);
        return r;
}

/* ---- JSON ---- */

static void json_run(struct jobj *j, const struct stats *s, const char *key, const struct command_run *run)
{
        struct jobj o;

        if (!run) {
                jobj_null(j, key);
                return;
        }
        o = jobj_new();
        jobj_int(&o, "pid", run->process->pid);
        jobj_int(&o, "start_ns", (int64_t)run->exec->ts_ns);
        jobj_int(&o, "start_offset_ns", (int64_t)(run->exec->ts_ns - s->rec.start_ns));
        jobj_int(&o, "duration_ns", (int64_t)run->duration_ns);
        jobj_strv(&o, "argv", run->exec->info.argv);
        jobj_str(&o, "comm", run->exec->info.comm[0] ? run->exec->info.comm : NULL);
        jobj_put_obj(j, key, &o);
}

static struct json_object *json_ranking(const struct stats *s, enum rank how)
{
        _cleanup_free_ const struct command **l = NULL;
        struct json_object *a;
        ssize_t n;

        n = ranked(s, how, &l);
        a = n >= 0 ? json_object_new_array() : NULL;
        if (!a)
                return NULL;
        for (ssize_t i = 0; i < n; i++) {
                const struct command *c = l[i];
                struct jobj o = jobj_new();

                jobj_str(&o, "command", c->name);
                jobj_int(&o, "runs", (int64_t)c->n_runs);
                jobj_int(&o, "timed_runs", (int64_t)c->n_timed);
                jobj_int(&o, "total_ns", (int64_t)c->total_ns);
                jobj_int(&o, "median_ns", (int64_t)c->median_ns);
                json_run(&o, s, "longest", command_longest(c));
                if (json_array_append(a, &o) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        }
        return a;
}

static void json_exit(struct jobj *o, const struct bl_process *p)
{
        int code = 0, sig = 0;
        bool core = false;

        if (!p->exited) {
                jobj_null(o, "exit_code");
                return;
        }
        if (bl_exit_status_decode(p->exit_status, &code, &sig, &core)) {
                jobj_int(o, "exit_code", code);
                return;
        }
        jobj_int(o, "signal", sig);
        jobj_str(o, "signal_name", bl_signal_to_string(sig));
        jobj_bool(o, "core_dumped", core || p->coredump);
}

static struct json_object *json_failed(const struct stats *s)
{
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < s->n_failed; i++) {
                const struct bl_process *p = s->failed[i];
                const struct bl_exec *e = bl_process_image_at(p, p->exited ? p->exit_ns : UINT64_MAX, NULL);
                struct jobj o = jobj_new();
                char status[64];

                jobj_int(&o, "pid", p->pid);
                if (p->start_ns > 0) {
                        jobj_int(&o, "start_ns", (int64_t)p->start_ns);
                        jobj_int(&o, "start_offset_ns", (int64_t)(p->start_ns - s->rec.start_ns));
                } else {
                        jobj_null(&o, "start_ns");
                        jobj_null(&o, "start_offset_ns");
                }
                jobj_strv(&o, "argv", e ? e->info.argv : NULL);
                jobj_str(&o, "comm", p->comm[0] ? p->comm : NULL);
                jobj_str(&o, "status", format_exit(status, sizeof(status), p));
                json_exit(&o, p);
                if (json_array_append(a, &o) < 0) {
                        json_object_put(a);
                        a = NULL;
                }
        }
        return a;
}

static void json_lost(struct jobj *j, const struct stats *s)
{
        struct jobj o = jobj_new();
        struct json_object *a = json_object_new_array();

        jobj_int(&o, "events", (int64_t)s->model.lost);
        jobj_int(&o, "records", (int64_t)s->model.lost_records);
        jobj_int(&o, "overflows", (int64_t)s->model.overflows);
        jobj_put(&o, "where", a);
        for (size_t i = 0; o.r >= 0 && i < s->n_lost; i++) {
                const struct lost_record *l = &s->lost[i];
                struct jobj w = jobj_new();

                jobj_int(&w, "ts_ns", (int64_t)l->ts_ns);
                jobj_int(&w, "offset_ns", (int64_t)(l->ts_ns - s->rec.start_ns));
                if (l->count > 0)
                        jobj_int(&w, "count", (int64_t)l->count);
                else
                        jobj_null(&w, "count");
                jobj_str(&w, "reason", bl_lost_reason_to_string(l->reason));
                if (l->reason == BL_LOST_SEQ_GAP)
                        jobj_int(&w, "cpu", l->cpu);
                o.r = json_array_append(a, &w);
        }
        jobj_put_obj(j, "lost", &o);
}

static struct json_object *json_units(const struct stats *s)
{
        size_t shown = arg_top > 0 ? MIN(arg_top, s->n_units) : s->n_units;
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < shown; i++) {
                struct jobj o = jobj_new();

                jobj_str(&o, "unit", s->units[i].unit);
                jobj_int(&o, "processes", (int64_t)s->units[i].processes);
                jobj_int(&o, "failed", (int64_t)s->units[i].failed);
                jobj_int(&o, "timed_processes", (int64_t)s->units[i].timed);
                jobj_int(&o, "total_ns", (int64_t)s->units[i].total_ns);
                if (json_array_append(a, &o) < 0) {
                        json_object_put(a);
                        a = NULL;
                }
        }
        return a;
}

static int print_json(const struct stats *s)
{
        const struct recording *rec = &s->rec;
        struct jobj j = jobj_new(), types = jobj_new();
        char id[33];
        int r;

        jobj_str(&j, "path", rec->path);
        if (bl_id128_is_null(rec->info.boot_id))
                jobj_null(&j, "boot_id");
        else
                jobj_str(&j, "boot_id", bl_id128_to_string(rec->info.boot_id, id));
        jobj_str(&j, "hostname", rec->info.hostname);
        jobj_str(&j, "kernel_release", rec->info.kernel_release);
        if (s->model.first_ts_ns > 0 && rec->info.ref_realtime_ns > 0) {
                jobj_int(&j, "first_realtime_us",
                         (int64_t)(bl_file_info_realtime(&rec->info, s->model.first_ts_ns) / NSEC_PER_USEC));
                jobj_int(&j, "last_realtime_us",
                         (int64_t)(bl_file_info_realtime(&rec->info, s->model.last_ts_ns) / NSEC_PER_USEC));
        } else {
                jobj_null(&j, "first_realtime_us");
                jobj_null(&j, "last_realtime_us");
        }
        jobj_int(&j, "span_ns", (int64_t)(s->model.last_ts_ns - s->model.first_ts_ns));
        jobj_int(&j, "processes", (int64_t)s->model.processes);
        jobj_int(&j, "running_at_start", (int64_t)s->running_at_start);
        jobj_int(&j, "threads", (int64_t)s->model.threads);
        jobj_int(&j, "events", (int64_t)s->events);
        for (int i = 0; i < _BL_EVENT_TYPE_MAX; i++) {
                const char *name = bl_event_type_to_string((enum bl_event_type)i);

                if (name)
                        jobj_int(&types, name, (int64_t)s->model.events[i]);
        }
        jobj_put_obj(&j, "events_by_type", &types);
        jobj_int(&j, "execs", (int64_t)s->execs);
        jobj_int(&j, "execs_with_argv", (int64_t)s->execs_with_argv);
        jobj_int(&j, "execs_argv_at_exec", (int64_t)s->execs_argv_at_exec);
        jobj_str(&j, "argv_capture",
                 rec->info.compatible_flags & BL_HEADER_COMPAT_ARGV_AT_EXEC ? "exec" : "proc");
        for (enum rank how = 0; how < _RANK_MAX; how++)
                jobj_put(&j, rank_json[how], json_ranking(s, how));
        jobj_put(&j, "failed", json_failed(s));
        json_lost(&j, s);
        jobj_put(&j, "units", json_units(s));

        r = jobj_finish(&j);
        if (r < 0)
                return log_oom();
        r = json_print(j.o);
        json_object_put(j.o);
        return r < 0 ? log_oom() : 0;
}

/* ---- the verb ---- */

static int help(void)
{
        printf("Usage: bootlog stats [-b [N|ID]] [-D DIR] [--file FILE] [--top N] [--json]\n"
               "\n"
               "Sum up a recording: events per type, the commands that ran most often, longest\n"
               "in total and longest at once, the processes that failed, lost events, and\n"
               "processes per systemd unit.\n"
               "\n"
               "Options:\n%s"
               "  -n, --top N           show the first N commands and units (default %d; 0: all)\n"
               "      --json            print one JSON object\n"
               "      --utc             show times in UTC instead of local time\n"
               "      --full            do not cut command lines (to %d characters, or to\n"
               "                        the terminal's width)\n"
               "%s"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n",
               SELECTION_HELP, TOP_DEFAULT, LABEL_MAX_CHARS, OUTPUT_HELP);
        return 0;
}

static int parse_top(const char *s, size_t *ret)
{
        unsigned long v;
        char *end;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || end == s || *end || s[0] == '-' || v > 1000000)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_JSON = 0x100, ARG_UTC, ARG_FULL, ARG_COLOR, ARG_NO_PAGER };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
                { "top", required_argument, NULL, 'n' },
                { "json", no_argument, NULL, ARG_JSON },
                { "utc", no_argument, NULL, ARG_UTC },
                { "full", no_argument, NULL, ARG_FULL },
                { "color", required_argument, NULL, ARG_COLOR },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h" SELECTION_OPTSTRING "n:", options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case 'f':
                case 'b':
                case 'D':
                        if (selection_parse_option(&arg_selection, "stats", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                case 'n':
                        if (parse_top(optarg, &arg_top) < 0) {
                                usage_error("stats", "invalid number '%s' for --top", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_JSON: arg_json = true; break;
                case ARG_UTC: arg_utc = true; break;
                case ARG_FULL: arg_full = true; break;
                case ARG_COLOR:
                        if (parse_color_option("stats", optarg, &arg_color) < 0)
                                return -EINVAL;
                        break;
                case ARG_NO_PAGER: arg_no_pager = true; break;
                default: return getopt_failed("stats", c, argv);
                }

        if (optind < argc) {
                usage_error("stats", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (selection_check(&arg_selection, "stats") < 0)
                return -EINVAL;
        return 1;
}

int verb_stats(int argc, char *argv[])
{
        _cleanup_(stats_done) struct stats s = {};
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        r = load(&s);
        if (r < 0)
                return EXIT_DATA;
        r = gather(&s);
        if (r < 0)
                return EXIT_DATA;

        if (arg_json)
                r = print_json(&s);
        else {
                output_begin(arg_color, arg_no_pager);
                r = print_text(&s);
        }
        if (r < 0)
                return EXIT_DATA;
        r = flush_stdout();
        recording_warn_damage(&s.rec);
        return r < 0 ? EXIT_DATA : 0;
}
