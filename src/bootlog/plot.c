/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog plot: an SVG timeline of the recorded processes, one row each, as
 * systemd-analyze plot and bootchart draw them, but with every process of the
 * recording in it, however short it lived:
 *
 *      PID  COMMAND LINE (indented under its forker)   |0s      |1s      |2s
 *        1  /sbin/init                                 |██████████████████████
 *     1418    /bin/sh /etc/init.d/rc 2                 |  ███████▎
 *     1419      sudo /usr/local/sbin/foo-script        |    ▌|  (a tick: an exec)
 *
 * A bar runs from the fork (or the start of the recording, for a process
 * found running then) to the exit (or the end of the recording), at least
 * 2 px wide (MIN_BAR_10) so that a 1 ms process still shows; its colour says
 * how the process ended, and where the recording says what the process
 * used (COST records) a darker shade of that colour the more CPU time it
 * took over its life; a tick above and below it marks each exec, and a
 * <title> (the tooltip) holds its pid, command lines, times, exit status and
 * CPU time, read and written bytes. The command lines sit in a
 * column of their own at the left, indented by depth, so that the tree reads
 * as in `bootlog tree` and the bars line up on one time axis.
 *
 * The SVG is written with fprintf as the rows are walked: only the row order
 * (one pointer per process) is built beforehand, for the canvas height.
 * Recorded strings go through bl_escape() (control characters, escape
 * sequences and invalid UTF-8 become visible \e, \n, \xNN) and then through
 * xml_puts(), so the file is well-formed XML whatever a process's argv held.
 * Coordinates are printed with integer arithmetic, in tenths of a pixel:
 * the locale must not turn "12.5" into "12,5".
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <time.h>

#include "escape.h"
#include "event.h"
#include "exit-status.h"
#include "format.h"
#include "label.h"
#include "log.h"
#include "macro.h"
#include "model.h"
#include "options.h"
#include "output.h"
#include "reader.h"
#include "recording-select.h"
#include "recording.h"
#include "text-width.h"
#include "time-bound.h"
#include "verbs.h"

#define WIDTH_DEFAULT 1600
#define WIDTH_MIN     800
#define WIDTH_MAX     20000

#define ROW_H           13  /* px per row */
#define BAR_H           9   /* px, centred in its row */
#define MIN_BAR_10      20  /* the narrowest bar, in tenths of a px: a 1 ms process still shows */
#define MARGIN          12  /* px around the drawing */
#define PID_W           44  /* px for the pid, right-aligned */
#define GLYPH_W_100     602 /* advance of a 10 px DejaVu Sans Mono glyph, in hundredths of a px */
#define INDENT_PX       10  /* per level of depth */
#define INDENT_MAX      20  /* levels: deeper rows are drawn at this depth (the tooltip has the rest) */
#define AXIS_EVERY      80  /* a row of time labels after about every this many rows */
#define TICK_MIN_PX     80  /* the closest two time labels may be */
#define LOST_MERGE_10   40  /* lost-event markers closer than this (tenths of a px) are drawn as one */
#define TITLE_LABEL_MAX 400 /* characters of a command line in a tooltip */
#define TITLE_EXECS_MAX 16  /* execs listed in a tooltip */
#define HEADER_H        92  /* px above the first row: title, legend, time axis */
#define FOOTER_H        44  /* px below the last row: time axis, note */
#define SHADE_MAX       60  /* percent of a bar's colour taken away (towards black) at full CPU use */

enum group_by {
        GROUP_PARENT,
        GROUP_UNIT,
        _GROUP_MAX,
        _GROUP_INVALID = -EINVAL,
};

static const char *const group_names[_GROUP_MAX] = {
        [GROUP_PARENT] = "parent",
        [GROUP_UNIT] = "unit",
};

static struct selection arg_selection;
static const char *arg_output;
static enum group_by arg_group = GROUP_PARENT;
static struct time_bound arg_since, arg_until;
static unsigned arg_width = WIDTH_DEFAULT;

/* How a process ended, by colour; in the order of precedence when several apply. */
enum state {
        STATE_SIGNAL,     /* killed by a signal, or dumped core */
        STATE_FAILED,     /* exited with a non-zero status */
        STATE_RUNNING,    /* still running when the recording ended */
        STATE_UNREADABLE, /* exited 0, but the arguments of its (last) program could not be read */
        STATE_OK,         /* exited 0 */
        _STATE_MAX,
};

static const struct {
        const char *class;
        const char *fill;
        const char *legend;
} states[_STATE_MAX] = {
        [STATE_OK] = { "ok", "#6f9fd8", "exit 0" },
        [STATE_FAILED] = { "fail", "#f28e2b", "exit status not 0" },
        [STATE_SIGNAL] = { "sig", "#d62728", "killed by a signal / core dumped" },
        [STATE_RUNNING] = { "run", "#59a14f", "running at the end" },
        [STATE_UNREADABLE] = { "unk", "#b4b4b4", "arguments unreadable" },
};

/* The order the legend lists states in: the common case first. */
static const enum state legend_order[] = {
        STATE_OK, STATE_FAILED, STATE_SIGNAL, STATE_RUNNING, STATE_UNREADABLE,
};

enum row_type {
        ROW_PROCESS,
        ROW_UNIT, /* --group=unit: the header of a unit's rows */
};

struct row {
        enum row_type type;
        const struct bl_process *p; /* ROW_PROCESS */
        unsigned depth;             /* levels of indentation */
        const char *unit;  /* the process's unit (--group=unit); ROW_UNIT: the unit; NULL: none known */
        size_t order;      /* depth-first position: the order within a unit */
        size_t n;          /* ROW_UNIT: its processes */
        uint64_t from, to; /* ROW_UNIT: from the first start to the last end, in the window */
};

/* One or more LOST records drawn as one marker. */
struct lost_mark {
        uint64_t ts_ns, last_ns; /* the first record's time, the last one's */
        uint64_t count;          /* events counted lost */
        uint64_t records;        /* LOST records */
        uint64_t unknown;        /* of which of unknown size (receive-buffer overflows) */
        int64_t x10;             /* where it is drawn */
};

struct plot {
        FILE *f;
        const struct recording *rec;
        struct bl_model_stats stats;
        uint64_t events;
        uint64_t rec_start, rec_end; /* the recording */
        uint64_t t0, t1;             /* the window shown */
        uint64_t step;               /* ns between two time labels */

        int width, height;
        int pid_x, text_x, label_w; /* label column: the pid's right edge, the text's left edge, its width */
        int tl_x, tl_w;             /* the timeline */
        int chart_y;                /* the top of the first row */
        size_t n_lines;             /* rows, axis rows included */

        struct row *rows;
        size_t n_rows;
        struct lost_mark *lost;
        size_t n_lost, lost_alloc;
};

static void plot_done(struct plot *pl)
{
        free(pl->rows);
        free(pl->lost);
}

/* ---- writing XML ---- */

/* Tenths of a px as "12.5" (non-negative values only). */
#define PX(v) (int)((v) / 10), (int)((v) % 10)

static void put_replacement(FILE *f)
{
        fputs("\xef\xbf\xbd", f); /* U+FFFD */
}

/*
 * Writes s as XML character data (also fit for an attribute value): the five
 * special characters as entities; what XML 1.0 does not allow in a document
 * (control characters other than tab, newline and CR, U+FFFE, U+FFFF,
 * invalid UTF-8) as U+FFFD. Strings from a recording come through
 * bl_escape() first, which already shows control characters and invalid
 * bytes as visible escapes: this is the second line of defence.
 */
static void xml_puts(FILE *f, const char *s)
{
        const unsigned char *u = (const unsigned char *)s;

        while (*u) {
                size_t n;

                switch (*u) {
                case '&': fputs("&amp;", f); break;
                case '<': fputs("&lt;", f); break;
                case '>': fputs("&gt;", f); break;
                case '"': fputs("&quot;", f); break;
                case '\'': fputs("&apos;", f); break;
                case '\t':
                case '\n': fputc(*u, f); break;
                default:
                        n = *u < 0x20 || *u == 0x7f ? 0 : bl_utf8_valid_len((const char *)u);
                        /* U+FFFE, U+FFFF and the C1 controls are valid UTF-8 but no characters for XML. */
                        if ((n == 3 && u[0] == 0xef && u[1] == 0xbf && u[2] >= 0xbe) ||
                            (n == 2 && u[0] == 0xc2 && u[1] <= 0x9f))
                                n = 0;
                        if (n == 0) {
                                put_replacement(f);
                                u++;
                                continue;
                        }
                        fwrite(u, 1, n, f);
                        u += n;
                        continue;
                }
                u++;
        }
}

/* A recorded string, escaped for the terminal views' conventions and then for XML. */
static int xml_put_recorded(FILE *f, const char *s)
{
        _cleanup_free_ char *e = bl_escape(s);

        if (!e)
                return log_oom();
        xml_puts(f, e);
        return 0;
}

/* s cut to max_chars characters, marked "…" whatever the locale, as the file is UTF-8. Takes s over. */
static char *cut_label(char *s, size_t max_chars)
{
        return cut_chars_with(s, max_chars, "\xe2\x80\xa6");
}

/* ---- time ---- */

/* x of a moment, in tenths of a px, clamped to the window. */
static int64_t x_of(const struct plot *pl, uint64_t ts)
{
        double span = (double)(pl->t1 - pl->t0);

        if (ts <= pl->t0)
                return (int64_t)pl->tl_x * 10;
        if (ts >= pl->t1)
                return (int64_t)(pl->tl_x + pl->tl_w) * 10;
        return (int64_t)pl->tl_x * 10 + (int64_t)((double)(ts - pl->t0) * pl->tl_w * 10 / span + 0.5);
}

/* When p's bar starts: its fork; for a process running before the recording, the recording's start. */
static uint64_t process_from(const struct plot *pl, const struct bl_process *p)
{
        if (p->fork_seen)
                return MAX(p->start_ns, pl->rec_start);
        /* Neither fork nor snapshot: it was first seen by its exec (its fork was lost), else by its exit. */
        if (p->start_ns == 0 && !p->from_snapshot && p->n_execs > 0)
                return MAX(p->execs[0].ts_ns, pl->rec_start);
        return pl->rec_start;
}

/* When p's bar ends: its exit, else the end of the recording. */
static uint64_t process_to(const struct plot *pl, const struct bl_process *p)
{
        uint64_t from = process_from(pl, p);

        /* Timestamps from different CPUs may disagree by a little. */
        if (p->exited)
                return MAX(p->exit_ns, from);
        return MAX(pl->rec_end, from);
}

/* Nice distances between time labels: 1, 2, 5 × 10^k up to 10 s, then what clocks use. */
static uint64_t pick_step(uint64_t span, int px)
{
        static const uint64_t big[] = {
                15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200
        };
        uint64_t max_labels = MAX(px / TICK_MIN_PX, 1);
        uint64_t want = span / max_labels + 1;

        for (uint64_t decade = NSEC_PER_USEC; decade <= NSEC_PER_SEC; decade *= 10)
                for (uint64_t m = 1; m <= 5; m += m == 1 ? 1 : 3)
                        if (m * decade >= want)
                                return m * decade;
        if (10 * NSEC_PER_SEC >= want)
                return 10 * NSEC_PER_SEC;
        for (size_t i = 0; i < ELEMENTSOF(big); i++)
                if (big[i] * NSEC_PER_SEC >= want)
                        return big[i] * NSEC_PER_SEC;
        return (want / (86400 * NSEC_PER_SEC) + 1) * 86400 * NSEC_PER_SEC;
}

/* "0s", "0.25s", "12s", "1m30s" for an offset that is a multiple of step. */
static char *format_tick(char *buf, size_t size, uint64_t offset, uint64_t step)
{
        uint64_t s = offset / NSEC_PER_SEC, frac = offset % NSEC_PER_SEC;
        int decimals = 0;

        if (step >= 60 * NSEC_PER_SEC) {
                if (s % 60 == 0)
                        snprintf(buf, size, "%" PRIu64 "m", s / 60);
                else
                        snprintf(buf, size, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
                return buf;
        }
        for (uint64_t q = NSEC_PER_SEC; decimals < 9 && (q > step || step % q != 0); q /= 10)
                decimals++;
        if (decimals == 0 || frac == 0)
                snprintf(buf, size, "%" PRIu64 "s", s);
        else {
                for (int i = decimals; i < 9; i++)
                        frac /= 10;
                snprintf(buf, size, "%" PRIu64 ".%0*" PRIu64 "s", s, decimals, frac);
        }
        return buf;
}

/* ---- rows ---- */

/* The systemd unit p ran in: that of its first image that knows one, else the one it was forked from. */
static const char *process_unit(const struct bl_process *p)
{
        const struct bl_exec *e;

        for (size_t i = 0; i < p->n_execs; i++)
                if (p->execs[i].info.unit && p->execs[i].info.unit[0])
                        return p->execs[i].info.unit;
        e = bl_process_image_at(p, p->start_ns, NULL);
        return e && e->info.unit && e->info.unit[0] ? e->info.unit : NULL;
}

static bool in_window(const struct plot *pl, const struct bl_process *p)
{
        /* The whole recording: every process, whatever its timestamps say. */
        if (!arg_since.set && !arg_until.set)
                return true;
        return process_to(pl, p) >= pl->t0 && process_from(pl, p) <= pl->t1;
}

/*
 * The processes to draw, depth first, each right under its forker (a loop,
 * not recursion: fork chains can be as deep as the recording is long). A
 * process outside the window is left out and its children take its place.
 * With by_unit, depth counts only the ancestors in the same unit.
 */
static int collect_rows(struct plot *pl, bool by_unit)
{
        struct entry {
                const struct bl_process *p;
                unsigned depth;          /* if drawn under the nearest drawn ancestor */
                const char *parent_unit; /* that ancestor's unit (by_unit) */
                bool has_parent;         /* there is one */
        };
        _cleanup_free_ struct entry *stack = NULL;
        struct bl_process *const *roots;
        size_t n_procs, n_roots, sp = 0, pushed = 0;
        struct bl_process *const *all;

        n_procs = bl_model_get_processes(pl->rec->model, &all);
        n_roots = bl_model_get_roots(pl->rec->model, &roots);
        stack = calloc(n_procs + 1, sizeof(*stack));
        pl->rows = calloc(n_procs + 1, sizeof(*pl->rows));
        if (!stack || !pl->rows)
                return log_oom();

        /* Every process is pushed once: the model is a forest. The bound keeps a broken one finite. */
        for (size_t i = n_roots; i > 0 && pushed < n_procs; i--, pushed++)
                stack[sp++] = (struct entry){ .p = roots[i - 1] };

        while (sp > 0) {
                struct entry e = stack[--sp];
                const char *unit = by_unit ? process_unit(e.p) : NULL;
                struct entry next = e;

                if (in_window(pl, e.p)) {
                        unsigned depth = e.depth;

                        if (by_unit && !(e.has_parent && streq_ptr(unit, e.parent_unit)))
                                depth = 0;
                        pl->rows[pl->n_rows] = (struct row){
                                .type = ROW_PROCESS,
                                .p = e.p,
                                .depth = depth,
                                .unit = unit,
                                .order = pl->n_rows,
                        };
                        pl->n_rows++;
                        next = (struct entry){
                                .depth = depth + 1,
                                .parent_unit = unit,
                                .has_parent = true,
                        };
                }
                for (size_t i = e.p->n_children; i > 0 && pushed < n_procs; i--, pushed++) {
                        next.p = e.p->children[i - 1];
                        stack[sp++] = next;
                }
        }
        return 0;
}

static int row_unit_cmp(const void *a, const void *b)
{
        const struct row *x = a, *y = b;
        int c;

        /* Rows without a unit after the others; then the depth-first order. */
        if (!x->unit || !y->unit)
                c = !x->unit - !y->unit;
        else
                c = strcmp(x->unit, y->unit);
        if (c != 0)
                return c;
        return x->order < y->order ? -1 : x->order > y->order;
}

static int group_cmp(const void *a, const void *b)
{
        const struct row *x = a, *y = b;

        if (x->from != y->from)
                return x->from < y->from ? -1 : 1;
        return row_unit_cmp(a, b);
}

/* --group=unit: the rows of each unit together, after a header row; units by their first start. */
static int group_by_unit(struct plot *pl)
{
        _cleanup_free_ struct row *groups = NULL, *out = NULL;
        size_t n_groups = 0, k = 0;

        if (pl->n_rows == 0)
                return 0;
        qsort(pl->rows, pl->n_rows, sizeof(*pl->rows), row_unit_cmp);

        groups = calloc(pl->n_rows, sizeof(*groups));
        out = calloc(2 * pl->n_rows, sizeof(*out));
        if (!groups || !out)
                return log_oom();
        for (size_t i = 0; i < pl->n_rows; i++) {
                const struct row *r = &pl->rows[i];
                uint64_t from = MAX(process_from(pl, r->p), pl->t0), to = MIN(process_to(pl, r->p), pl->t1);
                struct row *g;

                if (n_groups == 0 || !streq_ptr(groups[n_groups - 1].unit, r->unit))
                        groups[n_groups++] = (struct row){
                                .type = ROW_UNIT,
                                .unit = r->unit,
                                .order = i, /* its first process row */
                                .from = from,
                                .to = to,
                        };
                g = &groups[n_groups - 1];
                g->n++;
                g->from = MIN(g->from, from);
                g->to = MAX(g->to, to);
        }
        qsort(groups, n_groups, sizeof(*groups), group_cmp);

        for (size_t i = 0; i < n_groups; i++) {
                out[k++] = groups[i];
                for (size_t j = 0; j < groups[i].n; j++)
                        out[k++] = pl->rows[groups[i].order + j];
        }
        free(pl->rows);
        pl->rows = TAKE_PTR(out);
        pl->n_rows = k;
        return 0;
}

/* ---- what the recording holds beside the model ---- */

static int lost_add(struct plot *pl, const struct bl_event *ev)
{
        struct lost_mark *m;

        if (pl->n_lost == pl->lost_alloc) {
                size_t a = MAX(pl->lost_alloc * 2, (size_t)16);
                struct lost_mark *p = reallocarray(pl->lost, a, sizeof(*p));

                if (!p)
                        return -ENOMEM;
                pl->lost = p;
                pl->lost_alloc = a;
        }
        m = &pl->lost[pl->n_lost++];
        *m = (struct lost_mark){
                .ts_ns = ev->ts_ns ?: pl->rec_start,
                .last_ns = ev->ts_ns ?: pl->rec_start,
                .count = ev->lost.count,
                .records = 1,
                .unknown = ev->lost.reason == BL_LOST_ENOBUFS,
        };
        return 0;
}

/*
 * The model keeps no times for LOST records, nor the END record's: a second
 * pass over the file finds them. Sets rec_end to the END record's time, or
 * the last event's.
 */
static int scan_recording(struct plot *pl)
{
        struct bl_reader_stats rstats;
        struct bl_event ev;
        uint64_t end = 0;
        int r;

        r = bl_reader_rewind(pl->rec->reader);
        if (r < 0)
                return log_error_errno(r, "Failed to read '%s': %m", pl->rec->path);
        bl_event_init(&ev, 0);
        for (;;) {
                r = bl_reader_next(pl->rec->reader, &ev);
                if (r < 0)
                        return log_error_errno(r, "Failed to read '%s': %m", pl->rec->path);
                if (r == 0)
                        break;
                if (ev.type == BL_EVENT_LOST)
                        r = lost_add(pl, &ev);
                else if (ev.type == BL_EVENT_END && ev.ts_ns > 0)
                        end = ev.ts_ns;
                bl_event_done(&ev);
                if (r < 0)
                        return log_oom();
        }
        bl_reader_get_stats(pl->rec->reader, &rstats);
        pl->events = rstats.events;
        pl->rec_end = MAX(end, pl->stats.last_ts_ns);
        return 0;
}

/* ---- layout ---- */

/* The window shown: --since and --until, within the recording where they leave it open. */
static int plot_window(struct plot *pl)
{
        int64_t since, until;

        pl->rec_start = pl->rec->start_ns;
        if (pl->rec_end <= pl->rec_start)
                pl->rec_end = pl->rec_start + 1;
        if (time_bound_resolve(&arg_since, pl->rec, false, false, &since) < 0 ||
            time_bound_resolve(&arg_until, pl->rec, false, true, &until) < 0) {
                log_error("'%s' has no wall-clock reference: give --since and --until as offsets",
                          pl->rec->path);
                return -EINVAL;
        }
        /* Nothing is drawn before the recording started: a bar starts there at the earliest. */
        pl->t0 = since > (int64_t)pl->rec_start ? (uint64_t)since : pl->rec_start;
        pl->t1 = arg_until.set ? (until > 0 ? (uint64_t)until : 0) : pl->rec_end;
        if (pl->t1 <= pl->t0) /* a window after the end, or before the start: an empty second */
                pl->t1 = pl->t0 + NSEC_PER_SEC;
        return 0;
}

static void plot_layout(struct plot *pl)
{
        uint64_t span;

        pl->width = (int)arg_width;
        pl->label_w = MIN(MAX(pl->width * 3 / 10, 240), 600);
        pl->pid_x = MARGIN + PID_W;
        pl->text_x = pl->pid_x + 8;
        pl->tl_x = MARGIN + pl->label_w + 16;
        pl->tl_w = pl->width - pl->tl_x - MARGIN - 8;
        pl->chart_y = HEADER_H;

        span = pl->t1 - pl->t0;
        pl->step = pick_step(span, pl->tl_w);
}

/*
 * Whether a row of time labels goes before row i, given the rows drawn since
 * the last one: every AXIS_EVERY rows, but never between a unit's header and
 * its first process.
 */
static bool axis_before(const struct plot *pl, size_t i, size_t *since)
{
        if (i > 0 && *since >= AXIS_EVERY && pl->rows[i - 1].type != ROW_UNIT) {
                *since = 1;
                return true;
        }
        (*since)++;
        return false;
}

static void plot_count_lines(struct plot *pl)
{
        size_t since = 0;

        pl->n_lines = pl->n_rows;
        for (size_t i = 0; i < pl->n_rows; i++)
                if (axis_before(pl, i, &since))
                        pl->n_lines++;
        pl->height = pl->chart_y + (int)MAX(pl->n_lines, (size_t)1) * ROW_H + FOOTER_H;
}

/* ---- drawing ---- */

static int y_of_line(const struct plot *pl, size_t line)
{
        return pl->chart_y + (int)line * ROW_H;
}

/* ---- CPU use ---- */

/*
 * How busy p was: its CPU time (user and system, all its tasks) over its
 * life, in permille, 1000 (one CPU busy throughout) at most. -1 when the
 * recording does not say (no COST record for its main thread).
 */
static int cpu_permille(const struct bl_process *p)
{
        const struct bl_process_cost *c = p->cost;
        uint64_t cpu_us, life_us;

        if (!c || !c->complete)
                return -1;
        cpu_us = bl_cost_cpu_us(&c->sum);
        /* The kernel's own measure of its life, from before the recording too; else the recorded one. */
        life_us = c->sum.elapsed_us;
        if (life_us == 0 && p->exited && p->start_ns > 0 && p->exit_ns > p->start_ns)
                life_us = (p->exit_ns - p->start_ns) / NSEC_PER_USEC;
        if (life_us == 0)
                return cpu_us > 0 ? 1000 : 0;
        return (int)MIN(cpu_us * 1000 / life_us, (uint64_t)1000);
}

/* fill ("#rrggbb") darkened for a CPU use of permille, as "#rrggbb" in buf (8 bytes). */
static char *shade(char buf[static 8], const char *fill, int permille)
{
        unsigned long rgb = strtoul(fill + 1, NULL, 16);
        unsigned keep = 1000 - (unsigned)permille * SHADE_MAX / 100;
        uint8_t c[3];

        for (int i = 0; i < 3; i++)
                c[i] = (uint8_t)(((rgb >> (16 - 8 * i)) & 0xff) * keep / 1000);
        snprintf(buf, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
        return buf;
}

static void put_style(const struct plot *pl)
{
        FILE *f = pl->f;

        fputs("<style>\n"
              "text { fill: #222; }\n"
              ".t1 { font-size: 15px; font-weight: bold; }\n"
              ".t2 { font-size: 11px; fill: #444; }\n"
              ".warn { fill: #c02020; font-weight: bold; }\n"
              ".lg { font-size: 11px; }\n"
              ".ax { font-size: 10px; fill: #555; text-anchor: middle; }\n"
              ".ax2 { font-size: 9px; fill: #999; text-anchor: middle; }\n"
              ".hd { font-size: 10px; fill: #555; font-weight: bold; }\n"
              ".note { font-size: 10px; fill: #777; }\n"
              ".pid, .l { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 10px; }\n"
              ".pid { fill: #8a8a8a; text-anchor: end; }\n"
              ".u { font-size: 11px; font-weight: bold; fill: #1d3557; }\n"
              ".un { font-size: 10px; fill: #777; }\n"
              ".grid { stroke: #e2e2e2; stroke-width: 1; fill: none; }\n"
              ".edge { stroke: #999; stroke-width: 1; fill: none; }\n"
              ".ex { stroke: #14213d; stroke-width: 1.2; fill: none; }\n"
              ".span { fill: #1d3557; fill-opacity: 0.08; }\n"
              ".uline { stroke: #c9d3e0; stroke-width: 1; }\n"
              ".lost { fill: #d62728; }\n"
              ".lostl { stroke: #d62728; stroke-opacity: 0.45; stroke-width: 1; stroke-dasharray: 3 3; "
              "fill: none; }\n"
              "g.p:hover .l { font-weight: bold; }\n"
              "g.p:hover .bar { stroke: #000; stroke-width: 1; }\n",
              f);
        for (size_t i = 0; i < _STATE_MAX; i++)
                fprintf(f, ".%s { fill: %s; }\n", states[i].class, states[i].fill);
        fputs("</style>\n", f);
}

/*
 * The shading, where the recording has costs: the exit-0 colour at 0, 50 and
 * 100 % CPU use. On the legend's line from x if it fits, else on a line of
 * its own below it.
 */
static void put_cpu_legend(const struct plot *pl, int x)
{
        static const char text[] = "CPU time over its life: 0, 50, 100 % of a CPU";
        int y = 50, w = 3 * 16 + 5 + (int)strlen(text) * 6;
        FILE *f = pl->f;
        char c[8];

        if (x + w > pl->width - MARGIN) {
                x = MARGIN;
                y = 64;
        }
        fputs("<g class=\"cpulg\">", f);
        for (int i = 0; i < 3; i++)
                fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"%d\" style=\"fill:%s\"/>",
                        x + 16 * i, y, BAR_H, shade(c, states[STATE_OK].fill, 500 * i));
        fprintf(f, "<text class=\"lg\" x=\"%d\" y=\"%d\">%s</text></g>\n", x + 3 * 16 + 5, y + 9, text);
}

static int put_header(const struct plot *pl)
{
        const struct bl_file_info *info = &pl->rec->info;
        char id[33], when[64], dur[32], a[32], b[32];
        FILE *f = pl->f;
        struct tm tm;
        time_t sec;
        int x, r;

        /* The wall-clock time of the start, with its time zone: the axis counts from it. */
        snprintf(when, sizeof(when), "?");
        if (info->ref_realtime_ns > 0) {
                sec = (time_t)(bl_file_info_realtime(info, pl->rec_start) / NSEC_PER_SEC);
                if (localtime_r(&sec, &tm) && strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                        snprintf(when, sizeof(when), "?");
        }

        fprintf(f, "<text class=\"t1\" x=\"%d\" y=\"22\">", MARGIN);
        r = xml_put_recorded(f, info->hostname[0] ? info->hostname : "?");
        if (r < 0)
                return r;
        fputs(" \xe2\x80\x94 boot ", f);
        fputs(bl_id128_is_null(info->boot_id) ? "?" : bl_id128_to_string(info->boot_id, id), f);
        fputs(" \xe2\x80\x94 kernel ", f);
        r = xml_put_recorded(f, info->kernel_release[0] ? info->kernel_release : "?");
        if (r < 0)
                return r;
        fputs("</text>\n", f);

        fprintf(f, "<text class=\"t2\" x=\"%d\" y=\"40\">Recording started ", MARGIN);
        xml_puts(f, when);
        fprintf(f, ", ran %s: %" PRIu64 " processes, %" PRIu64 " events, ",
                bl_format_duration(dur, sizeof(dur), pl->rec_end - pl->rec_start), pl->stats.processes,
                pl->events);
        if (pl->stats.lost > 0 || pl->stats.overflows > 0)
                fprintf(f, "<tspan class=\"warn\">%" PRIu64 "%s events lost</tspan>", pl->stats.lost,
                        pl->stats.overflows > 0 ? "+" : "");
        else
                fputs("0 lost", f);
        if (arg_since.set || arg_until.set)
                fprintf(f, ". Shown: %s to %s", format_offset(a, sizeof(a), pl->rec, pl->t0),
                        format_offset(b, sizeof(b), pl->rec, pl->t1));
        if (arg_group == GROUP_UNIT)
                fputs(". By systemd unit", f);
        fputs(".</text>\n", f);

        /* The legend: a swatch per state, the exec tick, the lost-event marker. */
        x = MARGIN;
        for (size_t i = 0; i < ELEMENTSOF(legend_order); i++) {
                enum state s = legend_order[i];

                fprintf(f, "<rect class=\"%s\" x=\"%d\" y=\"50\" width=\"14\" height=\"%d\"/>",
                        states[s].class, x, BAR_H);
                fprintf(f, "<text class=\"lg\" x=\"%d\" y=\"59\">%s</text>\n", x + 19, states[s].legend);
                x += 19 + (int)strlen(states[s].legend) * 6 + 22;
        }
        fprintf(f, "<path class=\"ex\" d=\"M%d 48v13\"/>", x + 5);
        fprintf(f, "<rect class=\"ok\" x=\"%d\" y=\"50\" width=\"14\" height=\"%d\"/>", x, BAR_H);
        fprintf(f, "<text class=\"lg\" x=\"%d\" y=\"59\">exec</text>\n", x + 19);
        x += 19 + 4 * 6 + 22;
        fprintf(f, "<path class=\"lost\" d=\"M%d 50h10l-5 9z\"/>", x + 2);
        fprintf(f, "<text class=\"lg\" x=\"%d\" y=\"59\">events lost</text>\n", x + 19);
        x += 19 + 11 * 6 + 22;
        if (pl->stats.cost_processes > 0)
                put_cpu_legend(pl, x);
        return 0;
}

/* A row of time labels at baseline y; the first one (major) is darker. */
static void put_axis_labels(const struct plot *pl, int y, const char *class)
{
        uint64_t first = (pl->t0 - pl->rec_start + pl->step - 1) / pl->step * pl->step;
        char buf[32];

        for (uint64_t o = first; pl->rec_start + o <= pl->t1; o += pl->step) {
                int64_t x = x_of(pl, pl->rec_start + o);

                fprintf(pl->f, "<text class=\"%s\" x=\"%d.%d\" y=\"%d\">%s</text>", class, PX(x), y,
                        format_tick(buf, sizeof(buf), o, pl->step));
        }
        fputc('\n', pl->f);
}

/* Column headings, the time axis, its gridlines and the row stripes, under everything else. */
static void put_grid(const struct plot *pl)
{
        uint64_t first = (pl->t0 - pl->rec_start + pl->step - 1) / pl->step * pl->step;
        int top = pl->chart_y - 4, bottom = y_of_line(pl, MAX(pl->n_lines, (size_t)1)) + 4;
        FILE *f = pl->f;

        fprintf(
            f,
            "<defs><pattern id=\"rows\" patternUnits=\"userSpaceOnUse\" x=\"0\" y=\"%d\" width=\"8\" "
            "height=\"%d\"><rect y=\"%d\" width=\"8\" height=\"%d\" fill=\"#f2f5f9\"/></pattern></defs>\n",
            pl->chart_y, 2 * ROW_H, ROW_H, ROW_H);
        /* Wide characters could still reach past the column: labels are clipped at its edge. */
        fprintf(f, "<clipPath id=\"col\"><rect width=\"%d\" height=\"%d\"/></clipPath>\n", pl->tl_x - 6,
                pl->height);
        fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"url(#rows)\"/>\n", MARGIN / 2,
                pl->chart_y, pl->width - MARGIN, (int)MAX(pl->n_lines, (size_t)1) * ROW_H);

        fprintf(f, "<text class=\"hd\" x=\"%d\" y=\"%d\" style=\"text-anchor: end\">PID</text>", pl->pid_x,
                pl->chart_y - 8);
        fprintf(f, "<text class=\"hd\" x=\"%d\" y=\"%d\">COMMAND</text>\n", pl->text_x, pl->chart_y - 8);

        fputs("<path class=\"grid\" d=\"", f);
        for (uint64_t o = first; pl->rec_start + o <= pl->t1; o += pl->step) {
                int64_t x = x_of(pl, pl->rec_start + o);

                fprintf(f, "M%d.%d %dV%d", PX(x), top, bottom);
        }
        fputs("\"/>\n", f);
        fprintf(f, "<path class=\"edge\" d=\"M%d %dV%dM%d %dV%d\"/>\n", pl->tl_x, top, bottom,
                pl->tl_x + pl->tl_w, top, bottom);
        put_axis_labels(pl, pl->chart_y - 8, "ax");
}

/* A row of time labels between rows, for long plots. */
static void put_axis_row(const struct plot *pl, size_t line)
{
        put_axis_labels(pl, y_of_line(pl, line) + 10, "ax2");
}

static enum state process_state(const struct bl_process *p)
{
        int code = 0, sig = 0;
        bool core = false;

        if (p->coredump || (p->exited && !bl_exit_status_decode(p->exit_status, &code, &sig, &core)))
                return STATE_SIGNAL;
        if (p->exited && code != 0)
                return STATE_FAILED;
        if (!p->exited)
                return STATE_RUNNING;
        /* What the row is labelled with in the end: an earlier image exec'd away quickly (env, sudo) may be
         * unreadable without the process being unknown. */
        if (p->n_execs > 0 && !p->execs[p->n_execs - 1].info.argv)
                return STATE_UNREADABLE;
        return STATE_OK;
}

/* An image as a short label for a row with several: "[comm]" if its arguments are unknown (the tooltip
 * says why). */
static char *image_label(const struct bl_exec *e)
{
        _cleanup_free_ char *comm = NULL;
        char *r;

        if (e->info.argv)
                return info_label(&e->info, 0);
        comm = bl_escape(e->info.comm[0] ? e->info.comm : "?");
        if (!comm || asprintf(&r, "[%s]", comm) < 0)
                return NULL;
        return r;
}

/*
 * The row's label: the program the process started with, as in `bootlog
 * tree`, and if it exec'd again the last program too ("sudo
 * /usr/local/sbin/foo-script ↳ /bin/sh /usr/local/sbin/foo-script", "[env] ↳
 * python3 /usr/bin/foo"): what a row ran in the end is what the eye looks
 * for. A process that never exec'd but renamed itself (kernel threads,
 * workers) shows its name first: "[kworker/0:2] (fork of: [kthreadd])".
 * Not cut. New string; NULL on ENOMEM.
 */
static char *row_label(const struct bl_process *p)
{
        _cleanup_free_ char *first = NULL, *last = NULL;
        const struct bl_exec *e;
        char *r;

        if (p->n_execs == 0 && p->comm[0]) {
                e = bl_process_image_at(p, p->start_ns, NULL);
                if (e && !streq(e->info.comm, p->comm)) {
                        first = bl_escape(p->comm);
                        last = process_first_label(p, 0);
                        if (!first || !last || asprintf(&r, "[%s] %s", first, last) < 0)
                                return NULL;
                        return r;
                }
        }
        if (p->n_execs < 2)
                return process_first_label(p, 0);
        first = image_label(&p->execs[0]);
        last = image_label(&p->execs[p->n_execs - 1]);
        if (!first || !last || asprintf(&r, "%s \xe2\x86\xb3 %s", first, last) < 0)
                return NULL;
        return r;
}

/*
 * What the process used, one line: "CPU 120.0ms (100.0ms user, 20.0ms
 * system), 12.0 % of its 1.000s; read 1.2 MiB, wrote 0 B; peak RSS 3.1 MiB".
 * Where its main thread's record is missing, only its other threads' sum.
 */
static void put_title_cost(FILE *f, const struct bl_process *p)
{
        const struct bl_cost *c = p->cost ? &p->cost->sum : NULL;
        int permille = cpu_permille(p);
        char cpu[32], user[32], sys[32], dur[32], rd[32], wr[32], rss[32];

        if (!c)
                return;
        if (!p->cost->complete)
                fprintf(f, "threads that exited (%" PRIu32 "): ", p->cost->tasks);
        fprintf(f, "CPU %s (%s user, %s system)",
                bl_format_duration(cpu, sizeof(cpu), bl_cost_cpu_us(c) * NSEC_PER_USEC),
                bl_format_duration(user, sizeof(user), c->utime_us * NSEC_PER_USEC),
                bl_format_duration(sys, sizeof(sys), c->stime_us * NSEC_PER_USEC));
        if (permille >= 0 && c->elapsed_us > 0)
                fprintf(f, ", %d.%d %% of its %s", permille / 10, permille % 10,
                        bl_format_duration(dur, sizeof(dur), c->elapsed_us * NSEC_PER_USEC));
        fprintf(f, "; read %s, wrote %s", bl_format_bytes(rd, sizeof(rd), c->read_bytes),
                bl_format_bytes(wr, sizeof(wr), c->write_bytes));
        if (c->hiwater_rss_kb > 0)
                fprintf(f, "; peak RSS %s", bl_format_bytes(rss, sizeof(rss), c->hiwater_rss_kb * 1024));
        fputc('\n', f);
}

/* The tooltip: everything the row stands for, one fact per line. */
static int put_title(const struct plot *pl, const struct bl_process *p, const char *unit)
{
        _cleanup_free_ char *first = NULL;
        char a[32], b[32], dur[32], status[64];
        FILE *f = pl->f;
        size_t shown = 0;
        int r;

        first = cut_label(row_label(p), TITLE_LABEL_MAX);
        if (!first)
                return log_oom();
        fprintf(f, "<title>PID %d: ", (int)p->pid);
        xml_puts(f, first);
        fputc('\n', f);

        if (p->fork_seen)
                fprintf(f, "forked %s", format_offset(a, sizeof(a), pl->rec, p->start_ns));
        else if (p->from_snapshot)
                fprintf(f, "running when the recording started (started %s)",
                        format_offset(a, sizeof(a), pl->rec, p->start_ns));
        else
                fputs("fork not recorded", f);
        if (p->exited) {
                fprintf(f, "; ended %s", format_offset(b, sizeof(b), pl->rec, p->exit_ns));
                if (p->start_ns > 0 && p->exit_ns >= p->start_ns)
                        fprintf(f, " after %s",
                                bl_format_duration(dur, sizeof(dur), p->exit_ns - p->start_ns));
                fprintf(f, ": %s", format_exit(status, sizeof(status), p));
        } else
                fputs("; still running at the end of the recording", f);
        if (p->coredump && !(p->exited && strstr(status, "core")))
                fputs(" (core dumped)", f);
        fputc('\n', f);
        put_title_cost(f, p);

        for (size_t i = 0; i < p->n_execs; i++) {
                const struct bl_exec *e = &p->execs[i];
                _cleanup_free_ char *label = NULL;

                if (e->from_snapshot)
                        continue;
                if (shown++ == TITLE_EXECS_MAX) {
                        fprintf(f, "\xe2\x80\xa6 %zu more execs\n", p->n_execs - i);
                        break;
                }
                label = cut_label(info_label(&e->info, 0), TITLE_LABEL_MAX);
                if (!label)
                        return log_oom();
                fprintf(f, "exec %s ", format_offset(a, sizeof(a), pl->rec, e->ts_ns));
                xml_puts(f, label);
                fputc('\n', f);
        }

        if (p->parent)
                fprintf(f, "forked by %d", (int)p->parent->pid);
        else if (p->reported_ppid > 0)
                fprintf(f, "parent %d (its fork not recorded)", (int)p->reported_ppid);
        else
                fputs("no parent recorded", f);
        if (bl_process_reparented_to(p) > 0)
                fprintf(f, ", reparented to %d", (int)bl_process_reparented_to(p));
        if (p->uid != UINT32_MAX)
                fprintf(f, "; uid %" PRIu32, p->uid);
        if (p->n_threads > 0)
                fprintf(f, "; +%" PRIu32 " thread%s", p->n_threads, p->n_threads == 1 ? "" : "s");
        unit = unit ?: process_unit(p);
        if (unit) {
                fputs("; unit ", f);
                r = xml_put_recorded(f, unit);
                if (r < 0)
                        return r;
        }
        fputs("</title>", f);
        return 0;
}

static int put_process(const struct plot *pl, const struct row *row, size_t line)
{
        const struct bl_process *p = row->p;
        unsigned depth = MIN(row->depth, (unsigned)INDENT_MAX);
        int y = y_of_line(pl, line), indent = (int)depth * INDENT_PX;
        int64_t x, x2, right = (int64_t)(pl->tl_x + pl->tl_w) * 10, ticks = 0;
        _cleanup_free_ char *label = NULL;
        enum state state;
        size_t max_chars;
        FILE *f = pl->f;
        char fill[8];
        int r, permille;

        /* As many characters as the column holds at this depth; the tooltip has the whole line. */
        max_chars = (size_t)MAX(pl->tl_x - 14 - pl->text_x - indent, 60) * 100 / GLYPH_W_100;
        label = cut_label(row_label(p), max_chars);
        if (!label)
                return log_oom();

        fputs("<g class=\"p\">", f);
        r = put_title(pl, p, row->unit);
        if (r < 0)
                return r;
        fprintf(f, "<text class=\"pid\" x=\"%d\" y=\"%d\">%d</text>", pl->pid_x, y + 10, (int)p->pid);
        fprintf(f, "<text class=\"l\" x=\"%d\" y=\"%d\" clip-path=\"url(#col)\">", pl->text_x + indent,
                y + 10);
        xml_puts(f, label);
        fputs("</text>", f);

        x = x_of(pl, process_from(pl, p));
        x2 = x_of(pl, process_to(pl, p));
        if (x2 - x < MIN_BAR_10) {
                x2 = x + MIN_BAR_10;
                if (x2 > right) {
                        x2 = right;
                        x = right - MIN_BAR_10;
                }
        }
        /* Exec ticks go under the bar and stick out above and below it: a short bar keeps its colour. */
        for (size_t i = 0; i < p->n_execs; i++) {
                const struct bl_exec *e = &p->execs[i];
                int64_t xe;

                if (e->from_snapshot || e->ts_ns < pl->t0 || e->ts_ns > pl->t1)
                        continue;
                xe = MIN(MAX(x_of(pl, e->ts_ns), x), x2);
                fprintf(f, "%sM%d.%d %dv%d", ticks++ == 0 ? "<path class=\"ex\" d=\"" : "", PX(xe), y,
                        ROW_H);
        }
        if (ticks > 0)
                fputs("\"/>", f);
        state = process_state(p);
        fprintf(f, "<rect class=\"bar %s\" x=\"%d.%d\" y=\"%d\" width=\"%d.%d\" height=\"%d\"",
                states[state].class, PX(x), y + (ROW_H - BAR_H) / 2, PX(x2 - x), BAR_H);
        /* Its colour, darker the busier it was; without a cost, the colour as it is. */
        permille = cpu_permille(p);
        if (permille >= 0)
                fprintf(f, " style=\"fill:%s\"", shade(fill, states[state].fill, permille));
        fputs("/>", f);

        fputs("</g>\n", f);
        return 0;
}

static int put_unit(const struct plot *pl, const struct row *row, size_t line)
{
        int y = y_of_line(pl, line);
        int64_t x = x_of(pl, row->from), x2 = x_of(pl, row->to);
        FILE *f = pl->f;
        int r;

        fprintf(f, "<g class=\"unit\"><path class=\"uline\" d=\"M%d %dH%d\"/>", MARGIN / 2, y,
                pl->width - MARGIN / 2);
        fprintf(f, "<text class=\"u\" x=\"%d\" y=\"%d\">", MARGIN, y + 10);
        if (row->unit) {
                r = xml_put_recorded(f, row->unit);
                if (r < 0)
                        return r;
        } else
                fputs("(no systemd unit)", f);
        fprintf(f, " <tspan class=\"un\">%zu process%s</tspan></text>", row->n, row->n == 1 ? "" : "es");
        fprintf(f, "<rect class=\"span\" x=\"%d.%d\" y=\"%d\" width=\"%d.%d\" height=\"%d\"/></g>\n", PX(x),
                y + 1, PX(MAX(x2 - x, (int64_t)MIN_BAR_10)), ROW_H - 2);
        return 0;
}

/* Where LOST records fall: a marker on the time axis and a dashed line down the chart. */
static void put_lost(struct plot *pl)
{
        int top = pl->chart_y - 4, bottom = y_of_line(pl, MAX(pl->n_lines, (size_t)1)) + 4;
        char a[32], b[32];
        size_t k = 0;
        FILE *f = pl->f;

        /* Records close together make one marker: a storm of overflows is one place on the axis. */
        for (size_t i = 0; i < pl->n_lost; i++) {
                struct lost_mark *m = &pl->lost[i];

                if (m->ts_ns < pl->t0 || m->ts_ns > pl->t1)
                        continue;
                m->x10 = x_of(pl, m->ts_ns);
                if (k > 0 && llabs(pl->lost[k - 1].x10 - m->x10) < LOST_MERGE_10) {
                        pl->lost[k - 1].count += m->count;
                        pl->lost[k - 1].records += m->records;
                        pl->lost[k - 1].unknown += m->unknown;
                        pl->lost[k - 1].last_ns = MAX(pl->lost[k - 1].last_ns, m->last_ns);
                        continue;
                }
                pl->lost[k++] = *m;
        }
        for (size_t i = 0; i < k; i++) {
                const struct lost_mark *m = &pl->lost[i];
                int64_t x = m->x10;

                fprintf(f, "<g class=\"lostm\"><title>%s: %" PRIu64 " event%s lost",
                        format_offset(a, sizeof(a), pl->rec, m->ts_ns), m->count, m->count == 1 ? "" : "s");
                if (m->unknown > 0)
                        fprintf(f, ", and %" PRIu64 " receive-buffer overflow%s of unknown size", m->unknown,
                                m->unknown == 1 ? "" : "s");
                if (m->records > 1)
                        fprintf(f, " (%" PRIu64 " records, the last at %s)", m->records,
                                format_offset(b, sizeof(b), pl->rec, m->last_ns));
                fputs("</title>", f);
                fprintf(f, "<path class=\"lostl\" d=\"M%d.%d %dV%d\"/>", PX(x), top, bottom);
                fprintf(f, "<path class=\"lost\" d=\"M%d.%d %dl-5 -9h10z\"/>", PX(x), top);
                fprintf(f, "<path class=\"lost\" d=\"M%d.%d %dl-5 9h10z\"/></g>\n", PX(x), bottom);
        }
}

static int put_svg(struct plot *pl)
{
        int bottom = y_of_line(pl, MAX(pl->n_lines, (size_t)1));
        FILE *f = pl->f;
        size_t line = 0, since = 0;
        int r;

        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
        fprintf(f,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
                "viewBox=\"0 0 %d %d\" font-family=\"'DejaVu Sans', Verdana, Arial, sans-serif\" "
                "font-size=\"11\">\n",
                pl->width, pl->height, pl->width, pl->height);
        fputs("<title>bootlog plot: ", f);
        r = xml_put_recorded(f, pl->rec->info.hostname[0] ? pl->rec->info.hostname : "?");
        if (r < 0)
                return r;
        fputs("</title>\n", f);
        put_style(pl);
        fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", pl->width, pl->height);

        r = put_header(pl);
        if (r < 0)
                return r;
        put_grid(pl);

        for (size_t i = 0; i < pl->n_rows; i++) {
                if (axis_before(pl, i, &since))
                        put_axis_row(pl, line++);
                if (pl->rows[i].type == ROW_UNIT)
                        r = put_unit(pl, &pl->rows[i], line++);
                else
                        r = put_process(pl, &pl->rows[i], line++);
                if (r < 0)
                        return r;
                if (ferror(f))
                        return -EIO;
        }
        if (pl->n_rows == 0)
                fprintf(f, "<text class=\"note\" x=\"%d\" y=\"%d\">No process in this time window.</text>\n",
                        pl->text_x, pl->chart_y + 10);

        put_lost(pl);
        put_axis_labels(pl, bottom + 16, "ax");
        fprintf(f,
                "<text class=\"note\" x=\"%d\" y=\"%d\">Seconds from the start of the recording. A bar runs "
                "from "
                "the fork (or the start of the recording) to the exit (or its end), at least 2 px wide; "
                "a tick marks an exec.%s Hover a row for details.</text>\n",
                MARGIN, bottom + 34,
                pl->stats.cost_processes > 0 ? " The darker a bar, the more CPU time it used over its life."
                                             : "");
        fputs("</svg>\n", f);
        return 0;
}

/* ---- the verb ---- */

static enum group_by group_from_string(const char *s)
{
        for (size_t i = 0; i < _GROUP_MAX; i++)
                if (streq(s, group_names[i]))
                        return (enum group_by)i;
        return _GROUP_INVALID;
}

static int help(void)
{
        printf("Usage: bootlog plot [-b [N|ID]] [-D DIR] [--file FILE] -o FILE.svg [--group=parent|unit]\n"
               "                    [--since TIME] [--until TIME] [--width PX]\n"
               "\n"
               "Draw the recorded processes as an SVG timeline: one row per process, with a bar\n"
               "from its fork to its exit coloured by how it ended (darker the more CPU time it\n"
               "used, where the recording says), a tick at each exec, and its command line,\n"
               "under the process that forked it. Open it in a web browser; hover a row for its\n"
               "PID, command lines, times, exit status, CPU time and I/O.\n"
               "\n"
               "Options:\n%s%s"
               "  -o, --output FILE     write the SVG to FILE ('-': standard output); required\n"
               "  -g, --group=parent|unit\n"
               "                        rows under their forker (default), or grouped by\n"
               "                        systemd unit\n"
               "  -w, --width PX        width of the drawing (default %d; %d to %d)\n"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n",
               SELECTION_HELP, TIME_BOUND_HELP, WIDTH_DEFAULT, WIDTH_MIN, WIDTH_MAX);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },         { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },   { "directory", required_argument, NULL, 'D' },
                { "output", required_argument, NULL, 'o' }, { "group", required_argument, NULL, 'g' },
                { "since", required_argument, NULL, 'S' },  { "until", required_argument, NULL, 'U' },
                { "width", required_argument, NULL, 'w' },  {},
        };
        char *end;
        long v;
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h" SELECTION_OPTSTRING "o:g:S:U:w:", options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case 'f':
                case 'b':
                case 'D':
                        if (selection_parse_option(&arg_selection, "plot", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                case 'o':
                        if (!optarg[0]) {
                                usage_error("plot", "--output needs a file name (or '-')");
                                return -EINVAL;
                        }
                        arg_output = optarg;
                        break;
                case 'g':
                        arg_group = group_from_string(optarg);
                        if (arg_group < 0) {
                                usage_error("plot", "invalid --group '%s' (parent or unit)", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'S':
                case 'U':
                        if (time_bound_parse(optarg, c == 'S' ? &arg_since : &arg_until) < 0) {
                                usage_error(
                                    "plot",
                                    "invalid %s '%s' (an offset such as 1.5s or 250ms, or a time such "
                                    "as 12:00:05)",
                                    c == 'S' ? "--since" : "--until", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'w':
                        errno = 0;
                        v = strtol(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end || v < WIDTH_MIN || v > WIDTH_MAX) {
                                usage_error("plot", "invalid --width '%s' (pixels, %d to %d)", optarg,
                                            WIDTH_MIN, WIDTH_MAX);
                                return -EINVAL;
                        }
                        arg_width = (unsigned)v;
                        break;
                default: return getopt_failed("plot", c, argv);
                }

        if (optind < argc) {
                usage_error("plot", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (!arg_output) {
                usage_error("plot", "missing -o FILE.svg (or '-o -' for standard output)");
                return -EINVAL;
        }
        if (selection_check(&arg_selection, "plot") < 0)
                return -EINVAL;
        return 1;
}

/*
 * Opens the output: standard output for "-". A new file is mode 0640, as
 * recordings are: it holds their command lines. *ret_created says whether
 * this call made the file, which alone may be removed again if writing fails
 * (never what was there before: "-o /dev/null" is fine, and so must be any
 * device or pipe).
 */
static int open_output(const char *path, FILE **ret, bool *ret_created)
{
        _cleanup_close_ int fd = -1;
        bool created = true;
        FILE *f;
        int r;

        if (streq(path, "-")) {
                *ret = stdout;
                *ret_created = false;
                return 0;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0640);
        if (fd < 0 && errno == EEXIST) {
                created = false;
                fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
        }
        if (fd < 0)
                return log_error_errno(negative_errno(), "Failed to create '%s': %m", path);
        f = fdopen(fd, "w");
        if (!f) {
                r = log_error_errno(negative_errno(), "Failed to open '%s': %m", path);
                if (created)
                        (void)unlink(path);
                return r;
        }
        TAKE_FD(fd);
        *ret = f;
        *ret_created = created;
        return 0;
}

/* Flushes and closes the output; 0 or a logged negative errno. */
static int close_output(FILE *f, const char *path)
{
        bool failed;

        if (f == stdout)
                return flush_stdout();
        failed = fflush(f) != 0 || ferror(f);
        if (fclose(f) != 0 || failed)
                return log_error_errno(errno > 0 ? -errno : -EIO, "Failed to write '%s': %m", path);
        return 0;
}

int verb_plot(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        _cleanup_(plot_done) struct plot pl = {};
        bool created = false;
        int r, q;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        r = recording_select(&arg_selection, true, &rec);
        if (r < 0)
                return EXIT_DATA;
        pl.rec = &rec;
        bl_model_get_stats(rec.model, &pl.stats);
        r = scan_recording(&pl);
        if (r < 0)
                return EXIT_DATA;

        r = plot_window(&pl);
        if (r < 0)
                return EXIT_DATA;
        plot_layout(&pl);
        r = collect_rows(&pl, arg_group == GROUP_UNIT);
        if (r >= 0 && arg_group == GROUP_UNIT)
                r = group_by_unit(&pl);
        if (r < 0)
                return EXIT_DATA;
        plot_count_lines(&pl);

        r = open_output(arg_output, &pl.f, &created);
        if (r < 0)
                return EXIT_DATA;
        /* A write error (-EIO) sticks to the stream: close_output() reports it, once. */
        r = put_svg(&pl);
        q = close_output(pl.f, arg_output);
        pl.f = NULL;
        if (r < 0 || q < 0) {
                if (created)
                        (void)unlink(arg_output);
                return EXIT_DATA;
        }
        recording_warn_damage(&rec);
        return 0;
}
