/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog diff: two recordings side by side, for the question after changing
 * an image or a configuration: "what is new in this boot?"
 *
 *     A  before.bootlog  2026-11-22 17:28:53, 233 processes, 180 execs
 *     B  after.bootlog  2026-11-23 08:00:02, 241 processes, 195 execs
 *
 *     Only in B (1 command)
 *         RUNS   TOTAL  MEDIAN  COMMAND  EXAMPLE
 *            2  41.0ms  20.5ms  chronyc  /usr/bin/chronyc -a makestep
 *
 * Commands are grouped as commands.h describes (by program name, or by the
 * normalised command line with --by-argv); a command common to both is
 * listed when its number of runs or its run time changed markedly (see
 * changes()), so that the noise of two boots never being alike stays out.
 */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>

#include "command-table.h"
#include "escape.h"
#include "exit-status.h"
#include "format.h"
#include "json-util.h"
#include "label.h"
#include "log.h"
#include "macro.h"
#include "model.h"
#include "options.h"
#include "output.h"
#include "recording-select.h"
#include "recording.h"
#include "table.h"
#include "verbs.h"

/* A change in runs counts from this ratio, or from this many runs more or fewer. */
#define RUNS_RATIO 2
#define RUNS_DELTA 10
/* A change in run time counts from this ratio if it is also this large. */
#define TIME_RATIO    2
#define TIME_DELTA_NS (50 * NSEC_PER_MSEC)

static struct selection arg_sides[2];
static size_t arg_n_sides;
static size_t arg_n_named; /* sides named by --file or -b; the others are defaults */
static const char *arg_directory;
static enum command_key arg_key = COMMAND_KEY_NAME;
static bool arg_json;
static bool arg_full;
static enum color_mode arg_color = COLOR_AUTO;
static bool arg_no_pager;

enum change {
        CHANGE_RUNS = 1 << 0,
        CHANGE_TOTAL = 1 << 1,
        CHANGE_MEDIAN = 1 << 2,
};

struct pair {
        const struct command *a, *b; /* NULL where the command did not run */
        unsigned changes;            /* enum change, for commands in both */
};

struct side {
        struct recording rec;
        struct command_table commands;
        uint64_t execs;
};

struct diff {
        struct side sides[2];
        struct pair *pairs; /* only in B, only in A, changed; each group in the order shown */
        size_t n_only_b, n_only_a, n_changed;
        size_t n_common;
};

static void diff_done(struct diff *d)
{
        for (size_t i = 0; i < 2; i++) {
                command_table_done(&d->sides[i].commands);
                recording_done(&d->sides[i].rec);
        }
        free(d->pairs);
}

/* ---- comparing ---- */

static bool time_changed(uint64_t x, uint64_t y)
{
        uint64_t lo = MIN(x, y), hi = MAX(x, y);

        return hi - lo >= TIME_DELTA_NS && hi >= lo * TIME_RATIO;
}

/* What changed markedly between a command's runs in A and in B. */
static unsigned changes(const struct command *a, const struct command *b)
{
        uint64_t lo = MIN(a->n_runs, b->n_runs), hi = MAX(a->n_runs, b->n_runs);
        unsigned c = 0;

        if (hi - lo >= RUNS_DELTA || (hi > lo && hi >= lo * RUNS_RATIO))
                c |= CHANGE_RUNS;
        /* Times only where both sides have timed runs: an unknown is not a change. */
        if (a->n_timed > 0 && b->n_timed > 0) {
                if (time_changed(a->total_ns, b->total_ns))
                        c |= CHANGE_TOTAL;
                if (time_changed(a->median_ns, b->median_ns))
                        c |= CHANGE_MEDIAN;
        }
        return c;
}

static uint64_t absdiff(uint64_t x, uint64_t y)
{
        return x > y ? x - y : y - x;
}

static int only_compare(const void *x, const void *y)
{
        const struct pair *p = x, *q = y;
        const struct command *a = p->a ?: p->b, *b = q->a ?: q->b;

        if (a->n_runs != b->n_runs)
                return a->n_runs > b->n_runs ? -1 : 1;
        if (a->total_ns != b->total_ns)
                return a->total_ns > b->total_ns ? -1 : 1;
        return strcmp(a->name, b->name);
}

/* The largest change in runs first, then in total run time. */
static int changed_compare(const void *x, const void *y)
{
        const struct pair *p = x, *q = y;
        uint64_t dp = absdiff(p->a->n_runs, p->b->n_runs), dq = absdiff(q->a->n_runs, q->b->n_runs);

        if (dp != dq)
                return dp > dq ? -1 : 1;
        dp = absdiff(p->a->total_ns, p->b->total_ns);
        dq = absdiff(q->a->total_ns, q->b->total_ns);
        if (dp != dq)
                return dp > dq ? -1 : 1;
        return strcmp(p->a->name, q->a->name);
}

static int compare(struct diff *d)
{
        const struct command_table *ta = &d->sides[0].commands, *tb = &d->sides[1].commands;
        _cleanup_free_ struct pair *only_a = NULL, *changed = NULL;
        size_t i = 0, j = 0;

        /* Three groups of at most ta->n + tb->n pairs in all: B-only from the front, then A-only, then
         * changed. */
        d->pairs = calloc(ta->n + tb->n + 1, sizeof(*d->pairs));
        only_a = calloc(ta->n + 1, sizeof(*only_a));
        changed = calloc(ta->n + 1, sizeof(*changed));
        if (!d->pairs || !only_a || !changed)
                return log_oom();

        /* Both tables are sorted by name: walk them side by side. */
        while (i < ta->n || j < tb->n) {
                int c = i >= ta->n   ? 1
                        : j >= tb->n ? -1
                                     : strcmp(ta->commands[i].name, tb->commands[j].name);

                if (c < 0)
                        only_a[d->n_only_a++] = (struct pair){ .a = &ta->commands[i++] };
                else if (c > 0)
                        d->pairs[d->n_only_b++] = (struct pair){ .b = &tb->commands[j++] };
                else {
                        struct pair p = { .a = &ta->commands[i++], .b = &tb->commands[j++] };

                        d->n_common++;
                        p.changes = changes(p.a, p.b);
                        if (p.changes)
                                changed[d->n_changed++] = p;
                }
        }

        qsort(d->pairs, d->n_only_b, sizeof(*d->pairs), only_compare);
        qsort(only_a, d->n_only_a, sizeof(*only_a), only_compare);
        qsort(changed, d->n_changed, sizeof(*changed), changed_compare);
        memcpy(d->pairs + d->n_only_b, only_a, d->n_only_a * sizeof(*only_a));
        memcpy(d->pairs + d->n_only_b + d->n_only_a, changed, d->n_changed * sizeof(*changed));
        return 0;
}

/* The run of c that started first: an example of what it ran. */
static const struct command_run *first_run(const struct command *c)
{
        const struct command_run *first = NULL;

        for (size_t i = 0; i < c->n_runs; i++)
                if (!first || c->runs[i].exec->ts_ns < first->exec->ts_ns ||
                    (c->runs[i].exec->ts_ns == first->exec->ts_ns &&
                     c->runs[i].process->index < first->process->index))
                        first = &c->runs[i];
        return first;
}

/* ---- text ---- */

static char *format_count_delta(char *buf, size_t size, size_t a, size_t b)
{
        snprintf(buf, size, "runs %c%zu", b >= a ? '+' : '-', b >= a ? b - a : a - b);
        return buf;
}

/*
 * "total ×4.1" for a run time that grew, "total -75%" for one that shrank: the
 * change from A to B; the times themselves are in the columns beside it.
 */
static char *format_time_factor(char *buf, size_t size, const char *what, uint64_t a, uint64_t b)
{
        uint64_t tenths;
        char d[32];

        if (a == 0) {
                snprintf(buf, size, "%s +%s", what, bl_format_duration(d, sizeof(d), b));
                return buf;
        }
        if (b < a) {
                snprintf(buf, size, "%s -%" PRIu64 "%%", what, ((a - b) * 100 + a / 2) / a);
                return buf;
        }
        tenths = (b * 10 + a / 2) / a;
        snprintf(buf, size, "%s %s%" PRIu64 ".%" PRIu64, what, glyphs_get()->times, tenths / 10,
                 tenths % 10);
        return buf;
}

static int print_side(const struct side *s, char which)
{
        const struct recording *rec = &s->rec;
        _cleanup_free_ char *path = bl_escape(rec->path);
        struct bl_model_stats st;
        char when[64];

        if (!path)
                return log_oom();
        bl_model_get_stats(rec->model, &st);
        format_wallclock(when, sizeof(when), rec, st.first_ts_ns, false);
        /* Seconds are enough to tell boots apart. */
        when[strcspn(when, ".")] = 0;
        printf("%s%c%s  %s  %s, %" PRIu64 " processes, %" PRIu64 " execs", ansi(ANSI_BOLD), which,
               ansi(ANSI_RESET), path, when, st.processes, s->execs);
        if (st.lost > 0 || st.overflows > 0)
                printf(", %s%" PRIu64 " events lost%s", ansi(ANSI_YELLOW), st.lost, ansi(ANSI_RESET));
        putchar('\n');
        return 0;
}

static int print_only(const struct pair *pairs, size_t n, bool in_b)
{
        static const char *const headers[] = { "RUNS", "TOTAL", "MEDIAN", "COMMAND", "EXAMPLE" };
        static const enum table_align align[] = { TABLE_RIGHT, TABLE_RIGHT, TABLE_RIGHT, TABLE_LEFT,
                                                  TABLE_LEFT };
        _cleanup_(table_freep) struct table *t = NULL;
        /* With --by-argv the command is the command line already. */
        size_t columns = arg_key == COMMAND_KEY_ARGV ? 4 : 5;
        int r = 0;

        printf("\n%s%s (%zu command%s)%s\n", ansi(ANSI_BOLD), in_b ? "Only in B" : "Only in A", n,
               n == 1 ? "" : "s", ansi(ANSI_RESET));
        if (n == 0) {
                printf("    (none)\n");
                return 0;
        }
        t = table_new(columns, headers, align);
        if (!t)
                return log_oom();
        for (size_t i = 0; i < n && r >= 0; i++) {
                const struct command *c = in_b ? pairs[i].b : pairs[i].a;
                _cleanup_free_ char *name = bl_escape(c->name), *label = NULL;
                char d1[32], d2[32];

                if (!name)
                        return log_oom();
                r = table_addf(t, "%zu", c->n_runs);
                if (r >= 0)
                        r = table_add(t, c->n_timed > 0 ? bl_format_duration(d1, sizeof(d1), c->total_ns)
                                                        : "-");
                if (r >= 0)
                        r = table_add(t, c->n_timed > 0 ? bl_format_duration(d2, sizeof(d2), c->median_ns)
                                                        : "-");
                if (r >= 0)
                        r = table_add(t, name);
                if (r >= 0 && columns == 5) {
                        label = info_label(&first_run(c)->exec->info, arg_full ? 0 : LABEL_MAX_CHARS);
                        r = label ? table_add(t, label) : -ENOMEM;
                }
                table_highlight_row(t, ansi(in_b ? ANSI_GREEN : ANSI_RED), ansi(ANSI_RESET));
        }
        if (r < 0 ||
            table_print(t, "    ", arg_full ? 0 : output_columns(), ansi(ANSI_BOLD), ansi(ANSI_RESET)) < 0)
                return log_oom();
        return 0;
}

static int print_changed(const struct pair *pairs, size_t n)
{
        /* The command last: with --by-argv it is a whole command line, cut to the terminal's width. */
        static const char *const headers[] = { "RUNS A",   "RUNS B",   "TOTAL A", "TOTAL B",
                                               "MEDIAN A", "MEDIAN B", "CHANGE",  "COMMAND" };
        static const enum table_align align[] = { TABLE_RIGHT, TABLE_RIGHT, TABLE_RIGHT, TABLE_RIGHT,
                                                  TABLE_RIGHT, TABLE_RIGHT, TABLE_LEFT,  TABLE_LEFT };
        _cleanup_(table_freep) struct table *t = NULL;
        int r = 0;

        printf("\n%sChanged (%zu command%s)%s\n", ansi(ANSI_BOLD), n, n == 1 ? "" : "s", ansi(ANSI_RESET));
        if (n == 0) {
                printf("    (none)\n");
                return 0;
        }
        t = table_new(ELEMENTSOF(headers), headers, align);
        if (!t)
                return log_oom();
        for (size_t i = 0; i < n && r >= 0; i++) {
                const struct command *a = pairs[i].a, *b = pairs[i].b;
                _cleanup_free_ char *name = bl_escape(a->name);
                char d[4][32], what[160] = "", buf[64];

                if (!name)
                        return log_oom();
                if (pairs[i].changes & CHANGE_RUNS)
                        strcat(what, format_count_delta(buf, sizeof(buf), a->n_runs, b->n_runs));
                if (pairs[i].changes & CHANGE_TOTAL) {
                        strcat(what, what[0] ? ", " : "");
                        strcat(what,
                               format_time_factor(buf, sizeof(buf), "total", a->total_ns, b->total_ns));
                }
                if (pairs[i].changes & CHANGE_MEDIAN) {
                        strcat(what, what[0] ? ", " : "");
                        strcat(what,
                               format_time_factor(buf, sizeof(buf), "median", a->median_ns, b->median_ns));
                }

                r = table_addf(t, "%zu", a->n_runs);
                if (r >= 0)
                        r = table_addf(t, "%zu", b->n_runs);
                if (r >= 0)
                        r = table_add(t, a->n_timed > 0 ? bl_format_duration(d[0], 32, a->total_ns) : "-");
                if (r >= 0)
                        r = table_add(t, b->n_timed > 0 ? bl_format_duration(d[1], 32, b->total_ns) : "-");
                if (r >= 0)
                        r = table_add(t, a->n_timed > 0 ? bl_format_duration(d[2], 32, a->median_ns) : "-");
                if (r >= 0)
                        r = table_add(t, b->n_timed > 0 ? bl_format_duration(d[3], 32, b->median_ns) : "-");
                if (r >= 0)
                        r = table_add(t, what);
                if (r >= 0)
                        r = table_add(t, name);
        }
        if (r < 0 ||
            table_print(t, "    ", arg_full ? 0 : output_columns(), ansi(ANSI_BOLD), ansi(ANSI_RESET)) < 0)
                return log_oom();
        return 0;
}

static void print_lost_note(const struct side *s, char which)
{
        struct bl_model_stats st;

        bl_model_get_stats(s->rec.model, &st);
        if (st.lost == 0 && st.overflows == 0)
                return;
        printf(
            "%swarning: events were lost while recording %c: commands may be missing from it, or their runs "
            "untimed%s\n",
            ansi(ANSI_YELLOW), which, ansi(ANSI_RESET));
}

static int print_text(const struct diff *d)
{
        size_t unchanged = d->n_common - d->n_changed;
        int r;

        r = print_side(&d->sides[0], 'A');
        if (r >= 0)
                r = print_side(&d->sides[1], 'B');
        if (r >= 0)
                r = print_only(d->pairs, d->n_only_b, true);
        if (r >= 0)
                r = print_only(d->pairs + d->n_only_b, d->n_only_a, false);
        if (r >= 0)
                r = print_changed(d->pairs + d->n_only_b + d->n_only_a, d->n_changed);
        if (r < 0)
                return r;

        printf("\n%zu command%s ran in both, %zu of them without a marked change.\n", d->n_common,
               d->n_common == 1 ? "" : "s", unchanged);
        print_lost_note(&d->sides[0], 'A');
        print_lost_note(&d->sides[1], 'B');
        return 0;
}

/* ---- JSON ---- */

static void json_side(struct jobj *j, const char *key, const struct side *s)
{
        const struct recording *rec = &s->rec;
        struct jobj o = jobj_new();
        struct bl_model_stats st;
        char id[33];

        bl_model_get_stats(rec->model, &st);
        jobj_str(&o, "path", rec->path);
        if (bl_id128_is_null(rec->info.boot_id))
                jobj_null(&o, "boot_id");
        else
                jobj_str(&o, "boot_id", bl_id128_to_string(rec->info.boot_id, id));
        if (st.first_ts_ns > 0 && rec->info.ref_realtime_ns > 0)
                jobj_int(&o, "first_realtime_us",
                         (int64_t)(bl_file_info_realtime(&rec->info, st.first_ts_ns) / NSEC_PER_USEC));
        else
                jobj_null(&o, "first_realtime_us");
        jobj_int(&o, "processes", (int64_t)st.processes);
        jobj_int(&o, "execs", (int64_t)s->execs);
        jobj_int(&o, "lost", (int64_t)st.lost);
        jobj_int(&o, "overflows", (int64_t)st.overflows);
        jobj_put_obj(j, key, &o);
}

static void json_command_stats(struct jobj *o, const struct command *c)
{
        jobj_int(o, "runs", (int64_t)c->n_runs);
        jobj_int(o, "timed_runs", (int64_t)c->n_timed);
        jobj_int(o, "total_ns", (int64_t)c->total_ns);
        jobj_int(o, "median_ns", (int64_t)c->median_ns);
}

static struct json_object *json_only(const struct pair *pairs, size_t n, bool in_b)
{
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++) {
                const struct command *c = in_b ? pairs[i].b : pairs[i].a;
                const struct command_run *run = first_run(c);
                struct jobj o = jobj_new(), ex = jobj_new();

                jobj_str(&o, "command", c->name);
                json_command_stats(&o, c);
                jobj_int(&ex, "pid", run->process->pid);
                jobj_strv(&ex, "argv", run->exec->info.argv);
                jobj_str(&ex, "comm", run->exec->info.comm[0] ? run->exec->info.comm : NULL);
                jobj_put_obj(&o, "example", &ex);
                if (json_array_append(a, &o) < 0) {
                        json_object_put(a);
                        a = NULL;
                }
        }
        return a;
}

static struct json_object *json_changed(const struct pair *pairs, size_t n)
{
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; a && i < n; i++) {
                struct jobj o = jobj_new(), sa = jobj_new(), sb = jobj_new();
                struct json_object *what = json_object_new_array();

                jobj_str(&o, "command", pairs[i].a->name);
                json_command_stats(&sa, pairs[i].a);
                json_command_stats(&sb, pairs[i].b);
                jobj_put_obj(&o, "a", &sa);
                jobj_put_obj(&o, "b", &sb);
                jobj_put(&o, "changes", what);
                if (o.r >= 0 && (pairs[i].changes & CHANGE_RUNS))
                        o.r = json_object_array_add(what, json_object_new_string("runs")) < 0 ? -ENOMEM : 0;
                if (o.r >= 0 && (pairs[i].changes & CHANGE_TOTAL))
                        o.r = json_object_array_add(what, json_object_new_string("total")) < 0 ? -ENOMEM : 0;
                if (o.r >= 0 && (pairs[i].changes & CHANGE_MEDIAN))
                        o.r =
                            json_object_array_add(what, json_object_new_string("median")) < 0 ? -ENOMEM : 0;
                if (json_array_append(a, &o) < 0) {
                        json_object_put(a);
                        a = NULL;
                }
        }
        return a;
}

static int print_json(const struct diff *d)
{
        struct jobj j = jobj_new();
        int r;

        json_side(&j, "a", &d->sides[0]);
        json_side(&j, "b", &d->sides[1]);
        jobj_str(&j, "by", arg_key == COMMAND_KEY_ARGV ? "argv" : "command");
        jobj_put(&j, "only_in_b", json_only(d->pairs, d->n_only_b, true));
        jobj_put(&j, "only_in_a", json_only(d->pairs + d->n_only_b, d->n_only_a, false));
        jobj_put(&j, "changed", json_changed(d->pairs + d->n_only_b + d->n_only_a, d->n_changed));
        jobj_int(&j, "common", (int64_t)d->n_common);

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
        printf("Usage: bootlog diff [-D DIR] [--file A | -b A] [--file B | -b B] [--by-argv] [--json]\n"
               "\n"
               "Compare two recordings: the commands that ran only in B (new), only in A (gone),\n"
               "and those whose number of runs or run time changed markedly.\n"
               "\n"
               "The first --file or -b names A, the second B. Without either, A is the boot\n"
               "before the newest (-b -1) and B the newest (-b 0); with one, B is the newest.\n"
               "\n"
               "Options:\n"
               "  -f, --file FILE       a recording file\n"
               "  -b, --boot[=N|ID]     a recorded boot: 0 the newest, -1 the one before, ...;\n"
               "                        1 the oldest, 2 ...; or a boot ID (see 'bootlog boots')\n"
               "  -D, --directory DIR   look for the boots of -b in DIR instead of\n"
               "                        " RECORDINGS_DIR_PERSISTENT " and " RECORDINGS_DIR_RUNTIME "\n"
               "      --by-argv         tell commands apart by their whole command line, with\n"
               "                        numbers and hex-like words replaced by N and X, instead\n"
               "                        of by program name\n"
               "      --json            print one JSON object\n"
               "      --full            do not cut command lines\n"
               "%s"
               "  -h, --help            show this help\n",
               OUTPUT_HELP);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_BY_ARGV = 0x100, ARG_JSON, ARG_FULL, ARG_COLOR, ARG_NO_PAGER };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
                { "by-argv", no_argument, NULL, ARG_BY_ARGV },
                { "json", no_argument, NULL, ARG_JSON },
                { "full", no_argument, NULL, ARG_FULL },
                { "color", required_argument, NULL, ARG_COLOR },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                {},
        };
        bool any_boot = false;
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h" SELECTION_OPTSTRING, options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case 'f':
                case 'b':
                        if (arg_n_sides == 2) {
                                usage_error("diff",
                                            "at most two recordings can be compared (--file or -b, twice)");
                                return -EINVAL;
                        }
                        if (selection_parse_option(&arg_sides[arg_n_sides++], "diff", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                case 'D': arg_directory = optarg; break;
                case ARG_BY_ARGV: arg_key = COMMAND_KEY_ARGV; break;
                case ARG_JSON: arg_json = true; break;
                case ARG_FULL: arg_full = true; break;
                case ARG_COLOR:
                        if (parse_color_option("diff", optarg, &arg_color) < 0)
                                return -EINVAL;
                        break;
                case ARG_NO_PAGER: arg_no_pager = true; break;
                default: return getopt_failed("diff", c, argv);
                }

        if (optind < argc) {
                usage_error("diff", "unexpected argument '%s' (name recordings with --file or -b)",
                            argv[optind]);
                return -EINVAL;
        }

        /* Defaults: the boot before the newest against the newest. */
        arg_n_named = arg_n_sides;
        if (arg_n_sides == 0)
                arg_sides[arg_n_sides++] = (struct selection){ .boot = true, .boot_offset = -1 };
        if (arg_n_sides == 1)
                arg_sides[arg_n_sides++] = (struct selection){ .boot = true, .boot_offset = 0 };
        for (size_t i = 0; i < 2; i++)
                if (arg_sides[i].boot) {
                        arg_sides[i].directory = arg_directory;
                        any_boot = true;
                }
        if (arg_directory && !any_boot) {
                usage_error("diff", "-D/--directory is for recordings chosen with -b, not --file");
                return -EINVAL;
        }
        return 1;
}

static int load_side(struct side *s, const struct selection *sel, char which)
{
        struct bl_process *const *procs;
        size_t n;
        int r;

        r = recording_select(sel, true, &s->rec);
        if (r < 0) {
                /* recording_select() said what is missing; say why it was looked for. */
                if ((size_t)(which - 'A') >= arg_n_named)
                        log_error("%s; name the recordings to compare with --file or -b.",
                                  arg_n_named == 0 ? "Without --file or -b, bootlog diff compares the boot "
                                                     "before the newest (-b -1) with the newest (-b 0)"
                                                   : "With one recording named, bootlog diff compares it "
                                                     "with the newest boot (-b 0)");
                return r;
        }
        r = command_table_build(s->rec.model, arg_key, &s->commands);
        if (r < 0)
                return log_oom();
        n = bl_model_get_processes(s->rec.model, &procs);
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < procs[i]->n_execs; j++)
                        s->execs += !procs[i]->execs[j].from_snapshot;
        return 0;
}

int verb_diff(int argc, char *argv[])
{
        _cleanup_(diff_done) struct diff d = {};
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        for (size_t i = 0; i < 2; i++) {
                r = load_side(&d.sides[i], &arg_sides[i], (char)('A' + i));
                if (r < 0)
                        return EXIT_DATA;
        }
        r = compare(&d);
        if (r < 0)
                return EXIT_DATA;

        if (arg_json)
                r = print_json(&d);
        else {
                output_begin(arg_color, arg_no_pager);
                r = print_text(&d);
        }
        if (r < 0)
                return EXIT_DATA;
        r = flush_stdout();
        for (size_t i = 0; i < 2; i++)
                recording_warn_damage(&d.sides[i].rec);
        return r < 0 ? EXIT_DATA : 0;
}
