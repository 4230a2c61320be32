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
 *
 * When the recorder listened to taskstats, what the processes used (their
 * COST records, summed over their threads) is ranked too: the processes and
 * the units that took the most CPU time, storage I/O and delay (time spent
 * waiting for a CPU, for block I/O and for swap-in).
 */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>

#include "command-table.h"
#include "escape.h"
#include "event.h"
#include "exit-status.h"
#include "format.h"
#include "json-util.h"
#include "label.h"
#include "log.h"
#include "macro.h"
#include "model.h"
#include "options.h"
#include "output.h"
#include "reader.h"
#include "recording-select.h"
#include "recording.h"
#include "table.h"
#include "verbs.h"

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

/* What the processes of a unit used, summed. */
struct unit_cost {
        const char *unit;   /* NULL: none known; points into the model */
        uint64_t processes; /* with a cost */
        struct bl_process_cost cost;
};

/* The ways to rank costs. */
enum cost_rank {
        COST_CPU,
        COST_IO,
        COST_DELAY,
        _COST_RANK_MAX,
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
        bool cost_recorded;               /* the header says the recorder listened to taskstats */
        const struct bl_process **costly; /* the processes with a cost */
        size_t n_costly;
        uint64_t exited;              /* processes seen to exit */
        bool io_delays;               /* every cost record had BL_COST_IO_DELAYS */
        struct unit_cost *unit_costs; /* units with a cost, by name */
        size_t n_unit_costs;
};

static void stats_done(struct stats *s)
{
        command_table_done(&s->commands);
        free(s->lost);
        free(s->failed);
        free(s->units);
        free(s->costly);
        free(s->unit_costs);
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

static int gather_costs(struct stats *s);

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
                if (bl_process_failed(p))
                        s->failed[s->n_failed++] = p;

                per_process[i] = (struct unit_stat){
                        .unit = process_unit(p),
                        .processes = 1,
                        .failed = bl_process_failed(p),
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
        return gather_costs(s);
}

/* ---- costs ---- */

static uint64_t cost_io_bytes(const struct bl_cost *c)
{
        return c->read_bytes + c->write_bytes;
}

static uint64_t cost_delay_ns(const struct bl_cost *c)
{
        return c->cpu_delay_ns + c->blkio_delay_ns + c->swapin_delay_ns;
}

static uint64_t cost_measure(const struct bl_cost *c, enum cost_rank how)
{
        return how == COST_CPU ? bl_cost_cpu_us(c) : how == COST_IO ? cost_io_bytes(c) : cost_delay_ns(c);
}

static int unit_cost_name_compare(const void *a, const void *b)
{
        const struct unit_cost *x = a, *y = b;

        if (!x->unit || !y->unit)
                return !x->unit - !y->unit;
        return strcmp(x->unit, y->unit);
}

/* The processes with a cost, and the costs summed per unit. */
static int gather_costs(struct stats *s)
{
        struct bl_process *const *procs;
        struct unit_cost *u;
        size_t n;

        s->cost_recorded = s->rec.info.compatible_flags & BL_HEADER_COMPAT_COST;
        s->io_delays = true;
        n = bl_model_get_processes(s->rec.model, &procs);
        s->costly = calloc(MAX(n, (size_t)1), sizeof(*s->costly));
        u = calloc(MAX(n, (size_t)1), sizeof(*u));
        if (!s->costly || !u) {
                free(u);
                return log_oom();
        }
        for (size_t i = 0; i < n; i++) {
                const struct bl_process *p = procs[i];

                s->exited += p->exited;
                if (!p->cost || p->cost->tasks == 0)
                        continue;
                s->costly[s->n_costly] = p;
                if (!(p->cost->sum.flags & BL_COST_IO_DELAYS))
                        s->io_delays = false;
                u[s->n_costly++] =
                    (struct unit_cost){ .unit = process_unit(p), .processes = 1, .cost = *p->cost };
        }
        if (s->n_costly == 0)
                s->io_delays = false;

        /* One entry per process, sorted by unit, then summed up per unit in place. */
        if (s->n_costly > 0)
                qsort(u, s->n_costly, sizeof(*u), unit_cost_name_compare);
        for (size_t i = 0; i < s->n_costly; i++)
                if (s->n_unit_costs > 0 && unit_cost_name_compare(&u[s->n_unit_costs - 1], &u[i]) == 0) {
                        u[s->n_unit_costs - 1].processes++;
                        bl_process_cost_add(&u[s->n_unit_costs - 1].cost, &u[i].cost);
                } else
                        u[s->n_unit_costs++] = u[i];
        s->unit_costs = u;
        return 0;
}

static enum cost_rank cost_sort_how;

static int cost_value_compare(const struct bl_cost *x, const struct bl_cost *y)
{
        uint64_t a = cost_measure(x, cost_sort_how), b = cost_measure(y, cost_sort_how);

        if (a != b)
                return a > b ? -1 : 1;
        /* Ties: by CPU, then the caller's order. */
        if (bl_cost_cpu_us(x) != bl_cost_cpu_us(y))
                return bl_cost_cpu_us(x) > bl_cost_cpu_us(y) ? -1 : 1;
        return 0;
}

static int process_cost_compare(const void *a, const void *b)
{
        const struct bl_process *x = *(const struct bl_process *const *)a,
                                *y = *(const struct bl_process *const *)b;
        int c = cost_value_compare(&x->cost->sum, &y->cost->sum);

        if (c != 0)
                return c;
        return x->index < y->index ? -1 : x->index > y->index;
}

static int unit_cost_compare(const void *a, const void *b)
{
        const struct unit_cost *x = *(const struct unit_cost *const *)a,
                               *y = *(const struct unit_cost *const *)b;
        int c = cost_value_compare(&x->cost.sum, &y->cost.sum);

        return c != 0 ? c : unit_cost_name_compare(x, y);
}

/*
 * The processes with a cost ranked by how, those with nothing of it left
 * out; at most arg_top. New array in *ret (its length returned); -ENOMEM.
 */
static ssize_t cost_ranked_processes(const struct stats *s, enum cost_rank how,
                                     const struct bl_process ***ret)
{
        const struct bl_process **l;
        size_t n = 0;

        l = calloc(MAX(s->n_costly, (size_t)1), sizeof(*l));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_costly; i++)
                if (cost_measure(&s->costly[i]->cost->sum, how) > 0)
                        l[n++] = s->costly[i];
        cost_sort_how = how;
        if (n > 0)
                qsort(l, n, sizeof(*l), process_cost_compare);
        if (arg_top > 0 && n > arg_top)
                n = arg_top;
        *ret = l;
        return (ssize_t)n;
}

/* The same for the units. */
static ssize_t cost_ranked_units(const struct stats *s, enum cost_rank how, const struct unit_cost ***ret)
{
        const struct unit_cost **l;
        size_t n = 0;

        l = calloc(MAX(s->n_unit_costs, (size_t)1), sizeof(*l));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_unit_costs; i++)
                if (cost_measure(&s->unit_costs[i].cost.sum, how) > 0)
                        l[n++] = &s->unit_costs[i];
        cost_sort_how = how;
        if (n > 0)
                qsort(l, n, sizeof(*l), unit_cost_compare);
        if (arg_top > 0 && n > arg_top)
                n = arg_top;
        *ret = l;
        return (ssize_t)n;
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
                       bl_format_duration(d, sizeof(d), s->model.last_ts_ns - s->model.first_ts_ns),
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
        if (!s->cost_recorded) {
                printf("Cost        not recorded (no taskstats in this recording)\n");
                return 0;
        }
        printf("Cost        %" PRIu64 " of %" PRIu64 " exited processes, %s%" PRIu64 " record%s missing%s",
               s->model.cost_processes, s->exited, s->model.cost_missing > 0 ? ansi(ANSI_YELLOW) : "",
               s->model.cost_missing, s->model.cost_missing == 1 ? "" : "s",
               s->model.cost_missing > 0 ? ansi(ANSI_RESET) : "");
        if (s->model.cost_orphans > 0)
                printf(", %" PRIu64 " without their process", s->model.cost_orphans);
        if (s->n_costly > 0 && !s->io_delays)
                printf("; I/O delays not measured");
        putchar('\n');
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
                        r = table_add(t, bl_format_duration(d1, sizeof(d1), longest->duration_ns));
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
                        r = table_add(t, c->n_timed > 0 ? bl_format_duration(d1, sizeof(d1), c->total_ns)
                                                        : "-");
                if (r >= 0)
                        r = table_add(t, c->n_timed > 0 ? bl_format_duration(d2, sizeof(d2), c->median_ns)
                                                        : "-");
                if (r >= 0)
                        r = table_add(t,
                                      c->n_timed > 0 ? bl_format_duration(d3, sizeof(d3), c->max_ns) : "-");
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
                        r = table_add(t, u->timed > 0 ? bl_format_duration(d, sizeof(d), u->total_ns) : "-");
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

static const char *const cost_title[_COST_RANK_MAX] = {
        [COST_CPU] = "Top processes by CPU time",
        [COST_IO] = "Top processes by storage I/O",
        [COST_DELAY] = "Top processes by delay",
};

/* A CPU time in µs; none as "0". */
static const char *format_cpu_us(char *buf, size_t size, uint64_t us)
{
        if (us == 0)
                return "0";
        return bl_format_duration(buf, size, us * NSEC_PER_USEC);
}

/* A delay that was not measured shows as "-", none as "0". */
static const char *format_delay(char *buf, size_t size, uint64_t ns, bool measured)
{
        if (!measured)
                return "-";
        if (ns == 0)
                return "0";
        return bl_format_duration(buf, size, ns);
}

static int print_cost_ranking(const struct stats *s, enum cost_rank how)
{
        static const char *const headers[_COST_RANK_MAX][6] = {
                [COST_CPU] = { "CPU", "USER", "SYSTEM", "PID", "COMMAND LINE" },
                [COST_IO] = { "I/O", "READ", "WRITTEN", "PID", "COMMAND LINE" },
                [COST_DELAY] = { "DELAY", "CPU WAIT", "BLOCK I/O", "SWAP-IN", "PID", "COMMAND LINE" },
        };
        _cleanup_(table_freep) struct table *t = NULL;
        _cleanup_free_ const struct bl_process **l = NULL;
        char title[96];
        ssize_t n;
        int r = 0;

        n = cost_ranked_processes(s, how, &l);
        if (n < 0)
                return log_oom();
        if (how == COST_DELAY)
                t = table_new(6, headers[how], (const enum table_align[]){ R, R, R, R, R, L });
        else
                t = table_new(5, headers[how], (const enum table_align[]){ R, R, R, R, L });
        if (!t)
                return log_oom();

        for (ssize_t i = 0; i < n && r >= 0; i++) {
                const struct bl_process *p = l[i];
                const struct bl_cost *c = &p->cost->sum;
                bool io = c->flags & BL_COST_IO_DELAYS;
                _cleanup_free_ char *label = NULL;
                char a[32], b[32], d[32], e[32];

                label =
                    process_label_at(p, p->exited ? p->exit_ns : UINT64_MAX, arg_full ? 0 : LABEL_MAX_CHARS);
                if (!label)
                        return log_oom();
                switch (how) {
                case COST_CPU:
                        r = table_add(t, format_cpu_us(a, sizeof(a), bl_cost_cpu_us(c)));
                        if (r >= 0)
                                r = table_add(t, format_cpu_us(b, sizeof(b), c->utime_us));
                        if (r >= 0)
                                r = table_add(t, format_cpu_us(d, sizeof(d), c->stime_us));
                        break;
                case COST_IO:
                        r = table_add(t, bl_format_bytes(a, sizeof(a), cost_io_bytes(c)));
                        if (r >= 0)
                                r = table_add(t, bl_format_bytes(b, sizeof(b), c->read_bytes));
                        if (r >= 0)
                                r = table_add(t, bl_format_bytes(d, sizeof(d), c->write_bytes));
                        break;
                default:
                        r = table_add(t, format_delay(a, sizeof(a), cost_delay_ns(c), true));
                        if (r >= 0)
                                r = table_add(t, format_delay(b, sizeof(b), c->cpu_delay_ns, true));
                        if (r >= 0)
                                r = table_add(t, format_delay(d, sizeof(d), c->blkio_delay_ns, io));
                        if (r >= 0)
                                r = table_add(t, format_delay(e, sizeof(e), c->swapin_delay_ns, io));
                        break;
                }
                if (r >= 0)
                        r = table_addf(t, "%d", (int)p->pid);
                if (r >= 0)
                        r = table_add(t, label);
        }
        if (r < 0)
                return log_oom();

        snprintf(title, sizeof(title), "%s%s", cost_title[how],
                 how == COST_DELAY && s->n_costly > 0 && !s->io_delays
                     ? " (I/O delays not measured: the kernel's delay accounting was off)"
                     : "");
        section(title);
        if (n == 0) {
                printf("    (none)\n");
                return 0;
        }
        return print_table(t);
}

static int print_cost_units(const struct stats *s)
{
        static const char *const headers[] = { "CPU", "READ", "WRITTEN", "DELAY", "PROCESSES", "UNIT" };
        _cleanup_(table_freep) struct table *t = NULL;
        _cleanup_free_ const struct unit_cost **l = NULL;
        char title[96];
        ssize_t n;
        int r = 0;

        n = cost_ranked_units(s, COST_CPU, &l);
        if (n < 0)
                return log_oom();
        t = table_new(6, headers, (const enum table_align[]){ R, R, R, R, R, L });
        if (!t)
                return log_oom();
        for (ssize_t i = 0; i < n && r >= 0; i++) {
                const struct unit_cost *u = l[i];
                const struct bl_cost *c = &u->cost.sum;
                _cleanup_free_ char *name = u->unit ? bl_escape(u->unit) : strdup("(no unit)");
                char a[32], b[32], d[32], e[32];

                if (!name)
                        return log_oom();
                r = table_add(t, format_cpu_us(a, sizeof(a), bl_cost_cpu_us(c)));
                if (r >= 0)
                        r = table_add(t, bl_format_bytes(b, sizeof(b), c->read_bytes));
                if (r >= 0)
                        r = table_add(t, bl_format_bytes(d, sizeof(d), c->write_bytes));
                if (r >= 0)
                        r = table_add(t, format_delay(e, sizeof(e), cost_delay_ns(c), true));
                if (r >= 0)
                        r = table_addf(t, "%" PRIu64, u->processes);
                if (r >= 0)
                        r = table_add(t, name);
        }
        if (r < 0)
                return log_oom();

        if ((size_t)n < s->n_unit_costs)
                snprintf(title, sizeof(title), "Units by CPU time (top %zd of %zu)", n, s->n_unit_costs);
        else
                snprintf(title, sizeof(title), "Units by CPU time");
        section(title);
        if (n == 0) {
                printf("    (none)\n");
                return 0;
        }
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
        for (enum cost_rank how = 0; s->cost_recorded && how < _COST_RANK_MAX && r >= 0; how++)
                r = print_cost_ranking(s, how);
        if (r >= 0 && s->cost_recorded)
                r = print_cost_units(s);
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

static const char *const cost_json[_COST_RANK_MAX] = {
        [COST_CPU] = "cpu",
        [COST_IO] = "io",
        [COST_DELAY] = "delay",
};

/* The sums of c, with the three measures they are ranked by. */
static void json_cost_sums(struct jobj *o, const struct bl_cost *c)
{
        jobj_bool(o, "io_delays", c->flags & BL_COST_IO_DELAYS);
        jobj_int(o, "cpu_us", (int64_t)bl_cost_cpu_us(c));
        jobj_int(o, "utime_us", (int64_t)c->utime_us);
        jobj_int(o, "stime_us", (int64_t)c->stime_us);
        jobj_int(o, "io_bytes", (int64_t)cost_io_bytes(c));
        jobj_int(o, "read_bytes", (int64_t)c->read_bytes);
        jobj_int(o, "write_bytes", (int64_t)c->write_bytes);
        jobj_int(o, "delay_ns", (int64_t)cost_delay_ns(c));
        jobj_int(o, "cpu_delay_ns", (int64_t)c->cpu_delay_ns);
        jobj_int(o, "blkio_delay_ns", (int64_t)c->blkio_delay_ns);
        jobj_int(o, "swapin_delay_ns", (int64_t)c->swapin_delay_ns);
        jobj_int(o, "hiwater_rss_kb", (int64_t)c->hiwater_rss_kb);
}

static struct json_object *json_cost_processes(const struct stats *s, enum cost_rank how)
{
        _cleanup_free_ const struct bl_process **l = NULL;
        struct json_object *a;
        ssize_t n = 0;

        if (s->cost_recorded)
                n = cost_ranked_processes(s, how, &l);
        a = n >= 0 ? json_object_new_array() : NULL;
        for (ssize_t i = 0; a && i < n; i++) {
                const struct bl_process *p = l[i];
                const struct bl_exec *e = bl_process_image_at(p, p->exited ? p->exit_ns : UINT64_MAX, NULL);
                struct jobj o = jobj_new();

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
                jobj_str(&o, "unit", process_unit(p));
                jobj_int(&o, "tasks", p->cost->tasks);
                jobj_bool(&o, "complete", p->cost->complete);
                json_cost_sums(&o, &p->cost->sum);
                if (json_array_append(a, &o) < 0) {
                        json_object_put(a);
                        a = NULL;
                }
        }
        return a;
}

static struct json_object *json_cost_units(const struct stats *s, enum cost_rank how)
{
        _cleanup_free_ const struct unit_cost **l = NULL;
        struct json_object *a;
        ssize_t n = 0;

        if (s->cost_recorded)
                n = cost_ranked_units(s, how, &l);
        a = n >= 0 ? json_object_new_array() : NULL;
        for (ssize_t i = 0; a && i < n; i++) {
                struct jobj o = jobj_new();

                jobj_str(&o, "unit", l[i]->unit);
                jobj_int(&o, "processes", (int64_t)l[i]->processes);
                jobj_int(&o, "tasks", l[i]->cost.tasks);
                json_cost_sums(&o, &l[i]->cost.sum);
                if (json_array_append(a, &o) < 0) {
                        json_object_put(a);
                        a = NULL;
                }
        }
        return a;
}

/* "cost": whether costs were recorded, and how many processes have one; then the rankings beside it. */
static void json_cost(struct jobj *j, const struct stats *s)
{
        struct jobj o = jobj_new();
        char key[32];

        jobj_bool(&o, "recorded", s->cost_recorded);
        if (s->cost_recorded) {
                jobj_int(&o, "processes", (int64_t)s->model.cost_processes);
                jobj_int(&o, "exited", (int64_t)s->exited);
                jobj_int(&o, "missing", (int64_t)s->model.cost_missing);
                jobj_int(&o, "orphans", (int64_t)s->model.cost_orphans);
                jobj_bool(&o, "io_delays", s->io_delays);
        }
        jobj_put_obj(j, "cost", &o);
        for (enum cost_rank how = 0; how < _COST_RANK_MAX; how++) {
                snprintf(key, sizeof(key), "top_%s", cost_json[how]);
                jobj_put(j, key, json_cost_processes(s, how));
        }
        for (enum cost_rank how = 0; how < _COST_RANK_MAX; how++) {
                snprintf(key, sizeof(key), "units_%s", cost_json[how]);
                jobj_put(j, key, json_cost_units(s, how));
        }
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
        json_cost(&j, s);

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
               "in total and longest at once, the processes that failed, lost events,\n"
               "processes per systemd unit, and, when the recording holds what processes\n"
               "used, the processes and units that took the most CPU time, storage I/O\n"
               "and delay.\n"
               "\n"
               "Options:\n%s"
               "  -n, --top N           show the first N commands, processes and units\n"
               "                        (default %d; 0: all)\n"
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
