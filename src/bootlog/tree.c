/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog tree: every recorded process under the one that forked it, with
 * its pid, when it started (relative to the start of the recording), how long
 * it ran, what it ran (each exec in order) and how it ended:
 *
 *     1  -12.300s  running  /sbin/init
 *     ├─ 1418  +0.401s  1.203s  /bin/sh /etc/init.d/rc 2  (exit 0)
 *     │  ├─ 1419  +0.512s  21.0ms  sudo /usr/local/sbin/foo-script  (exit 0)
 *     │  │     ↳ exec +0.520s /bin/sh /usr/local/sbin/foo-script
 *     │  ├─ 1420…1659  +0.530s  ×240 sed -e s/a/b/  (total 1.203s, max 21.0ms, 2 failed)
 *     │  └─ 1660  +0.610s  3.1ms  (fork of: /bin/sh /etc/init.d/rc 2)  (exit 0)
 *     ⚠ +3.200s  120 events lost (sequence-gap)
 *
 * With --cost, what each line's processes used (from the COST records that
 * follow their exits) comes first, in aligned columns: their own CPU time
 * and storage bytes read and written, then the same summed over them and
 * all their descendants for a line with children:
 *
 *         CPU  READ WRITE  SUBTREE  READ WRITE
 *           -     -     -   1.819s   46M  4.5M  1  -12.300s  running  /sbin/init
 *      23.4ms  180K     0  106.0ms   10M  2.5M  ├─ 1418  +0.401s  1.203s  /bin/sh /etc/init.d/rc 2
 *
 * The tree comes first on each line, as in pstree, so that the nesting is
 * what the eye follows. Consecutive siblings that ran the same programs (and
 * whose subtrees did too) share one line; a group's children are grouped by
 * position, so 240 "sh -c sed" that each ran one sed show as two lines.
 *
 * Filters keep the processes that match and, for context, their ancestors:
 * the tree keeps its shape. Lost-event records are shown where they
 * happened in time: among the top-level processes (where processes whose
 * fork was lost appear), and among the children of the innermost processes
 * that were running then and started a child within a second of it (in a
 * filtered tree, only below processes that matched).
 */
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/wait.h>

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
#include "path-util.h"
#include "reader.h"
#include "recording-select.h"
#include "recording.h"
#include "text-width.h"
#include "time-bound.h"
#include "verbs.h"

static struct selection arg_selection;
static pid_t arg_pid;
static bool arg_full;
static enum color_mode arg_color;
static bool arg_no_pager;
static const char *arg_comm;
static const char *arg_unit;
static struct time_bound arg_since, arg_until;
static int arg_depth = -1;
static bool arg_failed;
static bool arg_no_collapse;
static bool arg_json;
static bool arg_cost;

/* How near a child's start must be to a loss for the loss to be marked among its siblings. */
#define GAP_NEAR_NS (1 * NSEC_PER_SEC)
/* A label is never cut shorter than this to fit the terminal; the line is wider then. */
#define LABEL_MIN_CHARS 16
/* --cost: the columns before the tree, own CPU, read, written, then the subtree's, each group followed by
 * two spaces. */
#define COST_CPU_CHARS   7 /* bl_format_duration() */
#define COST_BYTES_CHARS 5 /* format_size() */
#define COST_BLOCK_CHARS (2 * (COST_CPU_CHARS + 2 * (1 + COST_BYTES_CHARS) + 2))

enum visibility {
        HIDDEN,
        CONTEXT, /* an ancestor of a match */
        MATCH,
};

/* Consecutive LOST records, as one loss. */
struct gap {
        uint64_t ts_ns;
        uint64_t count;
        bool unknown;     /* a receive-buffer overflow: the count may be higher */
        unsigned reasons; /* 1 << enum bl_lost_reason */
        uint32_t cpu;     /* the first sequence gap's CPU */
        bool has_cpu;
};

struct tree {
        const struct recording *rec;
        const struct glyphs *g;
        size_t columns;   /* the width to fit lines into; 0: none */
        bool cost;        /* the cost columns come first on each line */
        size_t max_chars; /* the cut of a label without a width: LABEL_MAX_CHARS, 0 with --full */
        uint8_t *vis;     /* enum visibility by process index */
        bool filtered;
        int64_t since, until;
        struct gap *gaps;
        size_t n_gaps;
        uint64_t shown;
        char *prefix; /* what is drawn left of the current node's own glyph */
        size_t prefix_len, prefix_alloc;
};

static void tree_done(struct tree *t)
{
        free(t->vis);
        free(t->gaps);
        free(t->prefix);
}

/* Appends s to the prefix; returns the old length for prefix_pop(), or -ENOMEM. */
static ssize_t prefix_push(struct tree *t, const char *s)
{
        size_t old = t->prefix_len, n = strlen(s);

        if (old + n + 1 > t->prefix_alloc) {
                size_t a = MAX(t->prefix_alloc * 2, old + n + 64);
                char *p = realloc(t->prefix, a);

                if (!p)
                        return -ENOMEM;
                t->prefix = p;
                t->prefix_alloc = a;
        }
        memcpy(t->prefix + old, s, n + 1);
        t->prefix_len = old + n;
        return (ssize_t)old;
}

static void prefix_pop(struct tree *t, size_t len)
{
        t->prefix_len = len;
        if (t->prefix)
                t->prefix[len] = 0;
}

static bool visible(const struct tree *t, const struct bl_process *p)
{
        return t->vis[p->index] != HIDDEN;
}

static size_t visible_children(const struct tree *t, const struct bl_process *p)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_children; i++)
                n += visible(t, p->children[i]);
        return n;
}

static uint64_t count_visible(const struct tree *t, const struct bl_process *p)
{
        uint64_t n = 0;

        for (size_t i = 0; i < p->n_children; i++)
                if (visible(t, p->children[i]))
                        n += 1 + count_visible(t, p->children[i]);
        return n;
}

/* ---- filters ---- */

static bool glob(const char *pattern, const char *s)
{
        return s && fnmatch(pattern, s, 0) == 0;
}

/* The images p ran, or the one it was forked with if it never exec'd: what --comm and --unit look at. */
static bool any_image(const struct bl_process *p, bool (*fn)(const struct bl_exec *e))
{
        const struct bl_exec *e;

        for (size_t i = 0; i < p->n_execs; i++)
                if (fn(&p->execs[i]))
                        return true;
        if (p->n_execs > 0)
                return false;
        e = bl_process_image_at(p, p->start_ns, NULL);
        return e && fn(e);
}

static bool comm_matches(const struct bl_exec *e)
{
        const struct bl_proc_info *info = &e->info;

        return (info->comm[0] && glob(arg_comm, info->comm)) ||
               (info->argv && info->argv[0] && glob(arg_comm, path_basename(info->argv[0])));
}

static bool unit_matches(const struct bl_exec *e)
{
        return glob(arg_unit, e->info.unit);
}

static bool alive_between(const struct bl_process *p, int64_t since, int64_t until)
{
        /* An unknown start (0) is before anything; a missing exit is after anything. */
        if (p->start_ns > 0 && (int64_t)p->start_ns > until)
                return false;
        return !p->exited || (int64_t)p->exit_ns >= since;
}

static bool matches(const struct tree *t, const struct bl_process *p)
{
        if (arg_comm && !(glob(arg_comm, p->comm) || any_image(p, comm_matches)))
                return false;
        if (arg_unit && !any_image(p, unit_matches))
                return false;
        if (arg_failed && !bl_process_failed(p))
                return false;
        if ((arg_since.set || arg_until.set) && !alive_between(p, t->since, t->until))
                return false;
        return true;
}

/* Marks p's subtree; in_scope: an ancestor was the --pid process. Returns whether anything in it shows. */
static bool mark(struct tree *t, const struct bl_process *p, bool in_scope)
{
        bool match, any;

        in_scope = in_scope || arg_pid == 0 || p->pid == arg_pid;
        match = in_scope && matches(t, p);
        any = match;
        for (size_t i = 0; i < p->n_children; i++)
                any |= mark(t, p->children[i], in_scope);
        t->vis[p->index] = match ? MATCH : any ? CONTEXT : HIDDEN;
        return any;
}

/* ---- identical siblings ---- */

static bool strv_equal(char *const *a, char *const *b)
{
        /* The model shares equal argv vectors: the same pointer is the common case. */
        if (a == b)
                return true;
        if (!a || !b)
                return false;
        for (; *a && *b; a++, b++)
                if (!streq(*a, *b))
                        return false;
        return !*a && !*b;
}

static bool image_equal(const struct bl_exec *a, const struct bl_exec *b)
{
        if (!a || !b)
                return a == b;
        return a->from_snapshot == b->from_snapshot && a->info.status == b->info.status &&
               a->info.argv_truncated == b->info.argv_truncated && streq(a->info.comm, b->info.comm) &&
               strv_equal(a->info.argv, b->info.argv) && streq_ptr(a->info.exe, b->info.exe) &&
               streq_ptr(a->info.unit, b->info.unit);
}

/* Whether a and b ran the same programs and their shown subtrees did too: one line can show both. */
static bool same_shape(const struct tree *t, const struct bl_process *a, const struct bl_process *b)
{
        if (t->vis[a->index] != t->vis[b->index] || a->n_execs != b->n_execs ||
            (a->exited && a->coredump) != (b->exited && b->coredump))
                return false;
        if (a->n_execs == 0) {
                bool ia, ib;

                if (!image_equal(bl_process_image_at(a, a->start_ns, &ia),
                                 bl_process_image_at(b, b->start_ns, &ib)) ||
                    ia != ib || !streq(a->comm, b->comm))
                        return false;
        }
        for (size_t i = 0; i < a->n_execs; i++)
                if (!image_equal(&a->execs[i], &b->execs[i]))
                        return false;
        /* The visible children, pairwise. */
        for (size_t i = 0, j = 0;; i++, j++) {
                while (i < a->n_children && !visible(t, a->children[i]))
                        i++;
                while (j < b->n_children && !visible(t, b->children[j]))
                        j++;
                if (i == a->n_children || j == b->n_children)
                        return i == a->n_children && j == b->n_children;
                if (!same_shape(t, a->children[i], b->children[j]))
                        return false;
        }
}

/* ---- costs ---- */

/* "0", "512B", "9.5K", "180K", "46M" (binary units), at most COST_BYTES_CHARS long. */
static char *format_size(char *buf, size_t size, uint64_t bytes)
{
        static const char units[] = "KMGTPE";
        double v;
        size_t i = 0;

        if (bytes == 0)
                snprintf(buf, size, "0");
        else if (bytes < 1024)
                snprintf(buf, size, "%" PRIu64 "B", bytes);
        else {
                v = (double)bytes / 1024.0;
                while (v >= 1023.5 && i + 1 < sizeof(units) - 1) {
                        v /= 1024.0;
                        i++;
                }
                snprintf(buf, size, v < 9.95 ? "%.1f%c" : "%.0f%c", v, units[i]);
        }
        return buf;
}

static char *format_cpu(char *buf, size_t size, const struct bl_cost *c)
{
        uint64_t us = bl_cost_cpu_us(c);

        if (us == 0)
                snprintf(buf, size, "0");
        else
                bl_format_duration(buf, size, us * NSEC_PER_USEC);
        return buf;
}

/* CPU, read, written of c (NULL: "-"), aligned, followed by two spaces. */
static void print_cost_cells(const struct bl_cost *c)
{
        char cpu[32], rd[16], wr[16];

        if (!c) {
                printf("%*s %*s %*s  ", COST_CPU_CHARS, "-", COST_BYTES_CHARS, "-", COST_BYTES_CHARS, "-");
                return;
        }
        printf("%*s %*s %*s  ", COST_CPU_CHARS, format_cpu(cpu, sizeof(cpu), c), COST_BYTES_CHARS,
               format_size(rd, sizeof(rd), c->read_bytes), COST_BYTES_CHARS,
               format_size(wr, sizeof(wr), c->write_bytes));
}

/*
 * The cost columns of a line that stands for the processes m[0..n): what
 * they used themselves, and with all their descendants if they have
 * children. Without m (a line that is not a process's), blank columns.
 */
static int print_cost_block(const struct tree *t, const struct bl_process *const *m, size_t n)
{
        struct bl_process_cost own = {}, sub = {}, c;
        bool parent = false;

        if (!t->cost)
                return 0;
        if (!m) {
                printf("%*s", COST_BLOCK_CHARS, "");
                return 0;
        }
        for (size_t i = 0; i < n; i++) {
                if (m[i]->cost)
                        bl_process_cost_add(&own, m[i]->cost);
                if (m[i]->n_children == 0)
                        continue;
                parent = true;
                if (bl_process_subtree_cost(m[i], &c) == UINT64_MAX)
                        return -ENOMEM;
                if (c.tasks > 0)
                        bl_process_cost_add(&sub, &c);
        }
        print_cost_cells(own.tasks > 0 ? &own.sum : NULL);
        if (parent)
                print_cost_cells(sub.tasks > 0 ? &sub.sum : NULL);
        else
                printf("%*s", COST_BLOCK_CHARS / 2, "");
        return 0;
}

static void print_cost_header(const struct tree *t)
{
        if (!t->cost)
                return;
        printf("%s%*s %*s %*s  %*s %*s %*s%s\n", ansi(ANSI_BOLD), COST_CPU_CHARS, "CPU", COST_BYTES_CHARS,
               "READ", COST_BYTES_CHARS, "WRITE", COST_CPU_CHARS, "SUBTREE", COST_BYTES_CHARS, "READ",
               COST_BYTES_CHARS, "WRITE", ansi(ANSI_RESET));
}

/* What the footer says about costs: how many processes have one, and why the others do not. */
static void print_cost_summary(const struct tree *t, const struct bl_model_stats *stats)
{
        struct bl_process *const *all;
        uint64_t running = 0, without = 0;
        size_t n;

        if (!t->cost)
                return;
        n = bl_model_get_processes(t->rec->model, &all);
        for (size_t i = 0; i < n; i++)
                if (!all[i]->exited)
                        running++;
                else if (!all[i]->cost || !all[i]->cost->complete)
                        without++;
        printf("%" PRIu64 " processes with a cost, %" PRIu64 " still running at the end",
               stats->cost_processes, running);
        if (without > 0)
                printf(", %s%" PRIu64 " exited without a cost record%s", ansi(ANSI_YELLOW), without,
                       ansi(ANSI_RESET));
        if (stats->cost_missing > 0)
                printf(" (%" PRIu64 " lost)", stats->cost_missing);
        putchar('\n');
}

/* ---- lost events ---- */

static int load_gaps(struct tree *t, struct bl_reader *reader)
{
        size_t alloc = 0;
        bool in_gap = false;
        int r;

        r = bl_reader_rewind(reader);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_(bl_event_done) struct bl_event ev;
                struct gap *g;

                bl_event_init(&ev, 0);
                r = bl_reader_next(reader, &ev);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 0;
                if (ev.type != BL_EVENT_LOST) {
                        in_gap = false;
                        continue;
                }
                /* A capture or cost record missing is no gap in the tree: every event is there. */
                if (!bl_lost_reason_is_event_loss(ev.lost.reason))
                        continue;
                if (!in_gap) {
                        if (t->n_gaps == alloc) {
                                size_t a = MAX(alloc * 2, (size_t)8);
                                struct gap *p = reallocarray(t->gaps, a, sizeof(*p));

                                if (!p)
                                        return -ENOMEM;
                                t->gaps = p;
                                alloc = a;
                        }
                        t->gaps[t->n_gaps++] = (struct gap){ .ts_ns = ev.ts_ns };
                        in_gap = true;
                }
                g = &t->gaps[t->n_gaps - 1];
                g->count += ev.lost.count;
                if (ev.lost.reason == BL_LOST_ENOBUFS && ev.lost.count == 0)
                        g->unknown = true;
                if (ev.lost.reason > 0 && ev.lost.reason < _BL_LOST_REASON_MAX)
                        g->reasons |= 1u << ev.lost.reason;
                if (ev.lost.reason == BL_LOST_SEQ_GAP && !g->has_cpu) {
                        g->cpu = ev.lost.cpu;
                        g->has_cpu = true;
                }
        }
}

static bool gap_in_window(const struct tree *t, const struct gap *g)
{
        return (int64_t)g->ts_ns >= t->since && (int64_t)g->ts_ns <= t->until;
}

/* Whether p ran at the time of gap g and started a (shown) child near it: it may have lost children. */
static bool gap_busy(const struct tree *t, const struct bl_process *p, const struct gap *g)
{
        if ((p->start_ns > 0 && p->start_ns > g->ts_ns) || (p->exited && p->exit_ns < g->ts_ns))
                return false;
        for (size_t i = 0; i < p->n_children; i++) {
                const struct bl_process *c = p->children[i];

                if (visible(t, c) && c->start_ns + GAP_NEAR_NS >= g->ts_ns &&
                    c->start_ns <= g->ts_ns + GAP_NEAR_NS)
                        return true;
        }
        return false;
}

/* Whether a process below p that ran at the time of g was busy then. */
static bool gap_busy_below(const struct tree *t, const struct bl_process *p, const struct gap *g)
{
        for (size_t i = 0; i < p->n_children; i++) {
                const struct bl_process *c = p->children[i];

                /* Only processes running then can be busy then: the walk stays on the few of them. */
                if (!visible(t, c) || (c->start_ns > 0 && c->start_ns > g->ts_ns) ||
                    (c->exited && c->exit_ns < g->ts_ns))
                        continue;
                if (gap_busy(t, c, g) || gap_busy_below(t, c, g))
                        return true;
        }
        return false;
}

/*
 * Whether gap g gets a line among p's children: p was busy then, and none of
 * the processes below it was (the innermost busy process is where the loss
 * shows best; PID 1 is busy at every moment of a boot).
 */
static bool gap_concerns(const struct tree *t, const struct bl_process *p, const struct gap *g)
{
        /* Not among the children of an ancestor shown only for context: its other children are hidden. */
        return t->vis[p->index] == MATCH && gap_in_window(t, g) && gap_busy(t, p, g) &&
               !gap_busy_below(t, p, g);
}

static void print_gap(struct tree *t, const struct gap *g, const char *glyph)
{
        char off[32];
        bool first = true;

        (void)print_cost_block(t, NULL, 0);
        printf("%s%s%s%s %s  ", t->prefix ?: "", glyph, ansi(ANSI_YELLOW), t->g->warning,
               format_offset(off, sizeof(off), t->rec, g->ts_ns));
        if (g->count > 0)
                printf("%s%" PRIu64 " event%s lost", g->unknown ? "at least " : "", g->count,
                       g->count == 1 ? "" : "s");
        else
                printf("events lost, count unknown");
        printf(" (");
        for (int r = 1; r < _BL_LOST_REASON_MAX; r++)
                if (g->reasons & (1u << r)) {
                        printf("%s%s", first ? "" : ", ", bl_lost_reason_to_string(r) ?: "?");
                        first = false;
                }
        if (g->has_cpu)
                printf(", cpu %" PRIu32, g->cpu);
        printf(")%s\n", ansi(ANSI_RESET));
}

/* ---- lines ---- */

/* How p ended, coloured, into buf; "" if it has not. */
static const char *exit_note(const struct bl_process *p, char *buf, size_t size, enum ansi_color *ret_color)
{
        int code = 0, sig = 0;
        bool core = false;

        *ret_color = _ANSI_COLOR_MAX;
        if (!p->exited) {
                buf[0] = 0;
                return buf;
        }
        if (bl_exit_status_decode(p->exit_status, &code, &sig, &core)) {
                if (code != 0)
                        *ret_color = ANSI_RED;
        } else
                *ret_color = ANSI_RED_BOLD;
        format_exit(buf, size, p);
        /* A coredump event without the core bit in the status (a core_pattern pipe that failed, say). */
        if (p->coredump && !core) {
                size_t n = strlen(buf);

                snprintf(buf + n, size - n, ", core dumped");
                *ret_color = ANSI_RED_BOLD;
        }
        return buf;
}

/* The budget for a label on a line whose other parts take used characters. */
static size_t label_budget(const struct tree *t, size_t used)
{
        if (arg_full)
                return 0;
        if (t->cost)
                used += COST_BLOCK_CHARS;
        if (t->columns == 0)
                return t->max_chars;
        return used + LABEL_MIN_CHARS < t->columns ? t->columns - used : LABEL_MIN_CHARS;
}

/* Appends to the string buf of size bytes, *len long; what does not fit is left out. */
_printf_(4, 5) static void appendf(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
        va_list ap;
        int k;

        if (*len >= size - 1)
                return;
        va_start(ap, fmt);
        k = vsnprintf(buf + *len, size - *len, fmt, ap);
        va_end(ap);
        if (k > 0)
                *len = MIN(*len + (size_t)k, size - 1);
}

/* The image p started with: what its line shows. */
static const struct bl_exec *first_image(const struct bl_process *p)
{
        return p->n_execs > 0 ? &p->execs[0] : bl_process_image_at(p, p->start_ns, NULL);
}

static int print_exec_lines(struct tree *t, const struct bl_process *p, const char *cont,
                            bool children_follow, bool group)
{
        const struct glyphs *g = t->g;
        char off[32];

        /* The first image is on the process's own line; each later exec gets a line of its own. */
        for (size_t i = 1; i < p->n_execs; i++) {
                const struct bl_exec *e = &p->execs[i];
                _cleanup_free_ char *l = NULL;
                char head[64];
                size_t used;

                if (group)
                        snprintf(head, sizeof(head), "%s exec ", g->exec);
                else
                        snprintf(head, sizeof(head), "%s exec %s ", g->exec,
                                 format_offset(off, sizeof(off), t->rec, e->ts_ns));
                used = utf8_chars(t->prefix ?: "") + utf8_chars(cont) + 3 + utf8_chars(head);
                l = cut_chars(info_label(&e->info, 0), label_budget(t, used));
                if (!l)
                        return log_oom();
                (void)print_cost_block(t, NULL, 0);
                printf("%s%s%s%s%s%s%s\n", t->prefix ?: "", cont, children_follow ? g->vertical : g->space,
                       head, e->info.status != BL_INFO_OK ? ansi(ANSI_GREY) : "", l,
                       e->info.status != BL_INFO_OK ? ansi(ANSI_RESET) : "");
        }
        return 0;
}

static int print_single(struct tree *t, const struct bl_process *p, const char *glyph, const char *more)
{
        _cleanup_free_ char *label = NULL;
        const struct bl_exec *e = first_image(p);
        char off[32], dur[32], pid[16], status[96], rest[192];
        enum ansi_color color;
        const char *on = "", *off_seq = "";
        size_t rl = 0, used;
        pid_t reparented;

        format_offset(off, sizeof(off), t->rec, p->start_ns);
        if (!p->exited)
                snprintf(dur, sizeof(dur), "running");
        else if (p->start_ns == 0 || p->exit_ns < p->start_ns)
                snprintf(dur, sizeof(dur), "?");
        else
                bl_format_duration(dur, sizeof(dur), p->exit_ns - p->start_ns);
        snprintf(pid, sizeof(pid), "%d", (int)p->pid);

        /* Notes in parentheses: how it ended (coloured with the label), then the rest. */
        exit_note(p, status, sizeof(status), &color);
        rest[0] = 0;
        reparented = bl_process_reparented_to(p);
        if (reparented > 0)
                appendf(rest, sizeof(rest), &rl, "%sreparented to PID %d", status[0] || rl ? ", " : "",
                        (int)reparented);
        if (p->n_threads > 0)
                appendf(rest, sizeof(rest), &rl, "%s+%" PRIu32 " thread%s", status[0] || rl ? ", " : "",
                        p->n_threads, p->n_threads == 1 ? "" : "s");
        if (more[0])
                appendf(rest, sizeof(rest), &rl, "%s%s", status[0] || rl ? ", " : "", more);

        if (color < _ANSI_COLOR_MAX) {
                on = ansi(color);
                off_seq = ansi(ANSI_RESET);
        } else if (!e || e->info.status != BL_INFO_OK) {
                on = ansi(ANSI_GREY);
                off_seq = ansi(ANSI_RESET);
        }

        used = utf8_chars(t->prefix ?: "") + utf8_chars(glyph) + strlen(pid) + 2 + strlen(off) + 2 +
               strlen(dur) + 2;
        if (status[0] || rest[0])
                used += 4 + utf8_chars(status) + utf8_chars(rest);
        label = process_first_label(p, 0);
        if (label)
                label = cut_chars(TAKE_PTR(label), label_budget(t, used));
        if (!label)
                return log_oom();

        if (print_cost_block(t, &p, 1) < 0)
                return log_oom();
        printf("%s%s%s  %s  %s  %s%s%s", t->prefix ?: "", glyph, pid, off, dur, on, label, off_seq);
        if (status[0] || rest[0])
                printf("  (%s%s%s%s)", color < _ANSI_COLOR_MAX ? on : "", status,
                       color < _ANSI_COLOR_MAX ? off_seq : "", rest);
        putchar('\n');
        return 0;
}

static int print_group(struct tree *t, const struct bl_process *const *m, size_t n, const char *glyph,
                       const char *more)
{
        const struct bl_process *first = m[0], *latest = m[0];
        _cleanup_free_ char *label = NULL;
        uint64_t total = 0, max = 0, n_failed = 0, n_running = 0, threads = 0;
        char off[32], pids[48], count[32], t_total[32], t_max[32], notes[256], failures[64];
        const struct bl_exec *e = first_image(first);
        const char *on = "";
        size_t nl = 0, used;

        for (size_t i = 0; i < n; i++) {
                const struct bl_process *p = m[i];

                if (p->start_ns < first->start_ns)
                        first = p;
                if (p->start_ns > latest->start_ns)
                        latest = p;
                if (!p->exited)
                        n_running++;
                else if (p->start_ns > 0 && p->exit_ns >= p->start_ns) {
                        total += p->exit_ns - p->start_ns;
                        max = MAX(max, p->exit_ns - p->start_ns);
                }
                n_failed += bl_process_failed(p);
                threads += p->n_threads;
        }
        snprintf(pids, sizeof(pids), "%d%s%d", (int)first->pid, t->g->ellipsis, (int)latest->pid);
        snprintf(count, sizeof(count), "%s%zu", t->g->times, n);
        format_offset(off, sizeof(off), t->rec, first->start_ns);

        appendf(notes, sizeof(notes), &nl, "total %s, max %s",
                bl_format_duration(t_total, sizeof(t_total), total),
                bl_format_duration(t_max, sizeof(t_max), max));
        if (n_running > 0)
                appendf(notes, sizeof(notes), &nl, ", %" PRIu64 " running", n_running);
        if (threads > 0)
                appendf(notes, sizeof(notes), &nl, ", +%" PRIu64 " thread%s", threads,
                        threads == 1 ? "" : "s");
        if (more[0])
                appendf(notes, sizeof(notes), &nl, ", %s", more);
        failures[0] = 0;
        if (n_failed > 0)
                snprintf(failures, sizeof(failures), ", %" PRIu64 " failed", n_failed);

        used = utf8_chars(t->prefix ?: "") + utf8_chars(glyph) + utf8_chars(pids) + 2 + strlen(off) + 2 +
               utf8_chars(count) + 1 + 4 + nl + strlen(failures);
        label = process_first_label(first, 0);
        if (label)
                label = cut_chars(TAKE_PTR(label), label_budget(t, used));
        if (!label)
                return log_oom();

        /* The label is red when every one of them failed, grey when /proc could not be read for it. */
        if (n_failed == n)
                on = ansi(ANSI_RED);
        else if (!e || e->info.status != BL_INFO_OK)
                on = ansi(ANSI_GREY);
        if (print_cost_block(t, m, n) < 0)
                return log_oom();
        printf("%s%s%s  %s  %s%s%s %s%s%s  (%s%s%s%s)\n", t->prefix ?: "", glyph, pids, off, ansi(ANSI_BOLD),
               count, ansi(ANSI_RESET), on, label, on[0] ? ansi(ANSI_RESET) : "", notes,
               n_failed > 0 ? ansi(ANSI_RED) : "", failures, n_failed > 0 ? ansi(ANSI_RESET) : "");
        return 0;
}

/* A run of consecutive sibling entries shown as one: the processes of all of them. */
struct entry {
        const struct bl_process **m;
        size_t n, alloc;
};

static void entries_free(struct entry *e, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(e[i].m);
        free(e);
}

static int entry_add(struct entry *e, const struct bl_process *p)
{
        if (e->n == e->alloc) {
                size_t a = MAX(e->alloc * 2, (size_t)4);
                const struct bl_process **m = reallocarray(e->m, a, sizeof(*m));

                if (!m)
                        return -ENOMEM;
                e->m = m;
                e->alloc = a;
        }
        e->m[e->n++] = p;
        return 0;
}

/*
 * The entries below the processes m[0..n) (one process, or a group of the
 * same shape, which all have as many visible children): position by
 * position, the i-th visible children of all of them form one entry;
 * consecutive entries of the same shape merge, unless --no-collapse. Without
 * m, the entries are the visible roots[0..n_roots) instead.
 */
static int build_entries(const struct tree *t, const struct bl_process *const *m, size_t n,
                         struct bl_process *const *roots, size_t n_roots, struct entry **ret, size_t *ret_n)
{
        _cleanup_free_ const struct bl_process **kids = NULL;
        struct entry *e;
        size_t k = 0, positions = 0, members = m ? n : 1;
        int r;

        /* The visible children of each member, member by member: kids[j * positions + i]. */
        if (m) {
                positions = visible_children(t, m[0]);
                kids = calloc(MAX(n * positions, (size_t)1), sizeof(*kids));
                if (!kids)
                        return -ENOMEM;
                for (size_t j = 0; j < n; j++)
                        for (size_t c = 0, i = 0; c < m[j]->n_children && i < positions; c++)
                                if (visible(t, m[j]->children[c]))
                                        kids[j * positions + i++] = m[j]->children[c];
        } else {
                kids = calloc(MAX(n_roots, (size_t)1), sizeof(*kids));
                if (!kids)
                        return -ENOMEM;
                for (size_t i = 0; i < n_roots; i++)
                        if (visible(t, roots[i]))
                                kids[positions++] = roots[i];
        }

        e = calloc(MAX(positions, (size_t)1), sizeof(*e));
        if (!e)
                return -ENOMEM;
        for (size_t i = 0; i < positions; i++) {
                if (k == 0 || arg_no_collapse || !same_shape(t, e[k - 1].m[0], kids[i]))
                        k++;
                for (size_t j = 0; j < members; j++) {
                        r = entry_add(&e[k - 1], kids[j * positions + i]);
                        if (r < 0) {
                                entries_free(e, k);
                                return r;
                        }
                }
        }
        *ret = e;
        *ret_n = k;
        return 0;
}

static int print_entries(struct tree *t, const struct bl_process *owner, struct entry *e, size_t n, int rel,
                         bool top);

/*
 * Prints the entry m[0..n) and what is below it. rel: its depth below the
 * top of the view (with --pid, below the --pid process; -1 above it).
 */
static int print_entry(struct tree *t, const struct bl_process *const *m, size_t n, bool root, bool last,
                       int rel)
{
        const struct glyphs *g = t->g;
        const char *glyph = root ? "" : last ? g->last : g->branch;
        const char *cont = root ? "" : last ? g->space : g->vertical;
        struct entry *children = NULL;
        size_t n_children = 0;
        bool cut;
        char more[64] = "";
        ssize_t old;
        int child_rel, r;

        if (arg_pid > 0 && rel < 0 && m[0]->pid == arg_pid && t->vis[m[0]->index] == MATCH)
                rel = 0;
        child_rel = rel < 0 ? -1 : rel + 1;
        /* --depth: ancestors above the --pid process always show; below the top, N levels. */
        cut = arg_depth >= 0 && rel >= arg_depth;

        if (cut) {
                uint64_t below = 0;

                for (size_t i = 0; i < n; i++)
                        below += count_visible(t, m[i]);
                if (below > 0)
                        snprintf(more, sizeof(more), "%" PRIu64 " more below", below);
        } else {
                r = build_entries(t, m, n, NULL, 0, &children, &n_children);
                if (r < 0)
                        return log_oom();
        }

        r = n == 1 ? print_single(t, m[0], glyph, more) : print_group(t, m, n, glyph, more);
        if (r >= 0)
                r = print_exec_lines(t, m[0], cont, n_children > 0, n > 1);
        t->shown += n;
        if (r < 0 || n_children == 0) {
                entries_free(children, n_children);
                return r;
        }

        old = prefix_push(t, cont);
        if (old < 0) {
                entries_free(children, n_children);
                return log_oom();
        }
        r = print_entries(t, n == 1 ? m[0] : NULL, children, n_children, child_rel, false);
        prefix_pop(t, (size_t)old);
        entries_free(children, n_children);
        return r;
}

/*
 * Prints entries e[0..n), the children of owner (NULL for a group, which
 * gets no loss lines) or the roots (top), with the losses that concern them
 * in time order.
 */
static int print_entries(struct tree *t, const struct bl_process *owner, struct entry *e, size_t n, int rel,
                         bool top)
{
        size_t gi = 0;
        int r;

        for (size_t i = 0; i <= n; i++) {
                /* The losses before this entry (or all that remain, after the last one). */
                for (; gi < t->n_gaps; gi++) {
                        const struct gap *g = &t->gaps[gi];
                        bool later_gap = false;

                        /* Entry i started at or before the loss (or at an unknown time): it comes first. */
                        if (i < n && e[i].m[0]->start_ns <= g->ts_ns)
                                break;
                        if (!(top ? gap_in_window(t, g) : owner && gap_concerns(t, owner, g)))
                                continue;
                        if (i == n)
                                for (size_t k = gi + 1; k < t->n_gaps && !later_gap; k++)
                                        later_gap = top ? gap_in_window(t, &t->gaps[k])
                                                        : gap_concerns(t, owner, &t->gaps[k]);
                        print_gap(t, g, top ? "" : i == n && !later_gap ? t->g->last : t->g->branch);
                }
                if (i == n)
                        break;

                bool last = i + 1 == n;
                /* A loss after the last entry still follows it in the tree. */
                for (size_t k = gi; last && !top && owner && k < t->n_gaps; k++)
                        if (gap_concerns(t, owner, &t->gaps[k]))
                                last = false;
                r = print_entry(t, e[i].m, e[i].n, top, last, rel);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- JSON ---- */

static int json_exec(const struct bl_exec *e, struct json_object *array)
{
        struct jobj j = jobj_new();

        jobj_int(&j, "ts_ns", (int64_t)e->ts_ns);
        jobj_bool(&j, "from_snapshot", e->from_snapshot);
        jobj_strv(&j, "argv", e->info.argv);
        jobj_str(&j, "exe", e->info.exe);
        jobj_str(&j, "comm", e->info.comm[0] ? e->info.comm : NULL);
        jobj_str(&j, "unit", e->info.unit);
        jobj_str(&j, "status", bl_info_status_to_string(e->info.status));
        return json_array_append(array, &j);
}

static void json_cost_fields(struct jobj *j, const struct bl_process_cost *c, bool own)
{
        const struct bl_cost *s = &c->sum;

        jobj_int(j, "tasks", c->tasks);
        if (own)
                jobj_bool(j, "complete", c->complete);
        jobj_bool(j, "io_delays", s->flags & BL_COST_IO_DELAYS);
        if (own) {
                jobj_int(j, "exit_code", s->exit_code);
                jobj_int(j, "elapsed_us", (int64_t)s->elapsed_us);
        }
        jobj_int(j, "utime_us", (int64_t)s->utime_us);
        jobj_int(j, "stime_us", (int64_t)s->stime_us);
        jobj_int(j, "read_bytes", (int64_t)s->read_bytes);
        jobj_int(j, "write_bytes", (int64_t)s->write_bytes);
        jobj_int(j, "cancelled_write_bytes", (int64_t)s->cancelled_write_bytes);
        jobj_int(j, "read_chars", (int64_t)s->read_chars);
        jobj_int(j, "write_chars", (int64_t)s->write_chars);
        jobj_int(j, "nvcsw", (int64_t)s->nvcsw);
        jobj_int(j, "nivcsw", (int64_t)s->nivcsw);
        jobj_int(j, "minflt", (int64_t)s->minflt);
        jobj_int(j, "majflt", (int64_t)s->majflt);
        jobj_int(j, "hiwater_rss_kb", (int64_t)s->hiwater_rss_kb);
        jobj_int(j, "cpu_delay_ns", (int64_t)s->cpu_delay_ns);
        jobj_int(j, "blkio_delay_ns", (int64_t)s->blkio_delay_ns);
        jobj_int(j, "swapin_delay_ns", (int64_t)s->swapin_delay_ns);
}

/*
 * "cost": what p used itself (the fields of its COST records summed; "tasks"
 * 0 and no sums without one) and, if it has children, "subtree": the same
 * over it and all its descendants, with "incomplete" the processes there
 * without a complete cost. null when none of them has a cost.
 */
static void json_cost(struct jobj *j, const struct bl_process *p)
{
        struct bl_process_cost sub;
        struct jobj c, s;
        uint64_t incomplete = 0;

        if (p->n_children > 0) {
                incomplete = bl_process_subtree_cost(p, &sub);
                if (incomplete == UINT64_MAX) {
                        j->r = -ENOMEM;
                        return;
                }
        } else
                sub = (struct bl_process_cost){};
        if (!p->cost && sub.tasks == 0) {
                jobj_null(j, "cost");
                return;
        }
        c = jobj_new();
        if (p->cost)
                json_cost_fields(&c, p->cost, true);
        else
                jobj_int(&c, "tasks", 0);
        if (p->n_children > 0) {
                s = jobj_new();
                json_cost_fields(&s, &sub, false);
                jobj_int(&s, "incomplete", (int64_t)incomplete);
                jobj_put_obj(&c, "subtree", &s);
        }
        jobj_put_obj(j, "cost", &c);
}

static int json_node(const struct tree *t, const struct bl_process *p, int rel, struct json_object *array)
{
        struct jobj j = jobj_new();
        struct json_object *execs, *children;
        int r;

        if (arg_pid > 0 && rel < 0 && p->pid == arg_pid && t->vis[p->index] == MATCH)
                rel = 0;

        jobj_int(&j, "pid", p->pid);
        if (p->start_ns > 0) {
                jobj_int(&j, "start_ns", (int64_t)p->start_ns);
                jobj_put(&j, "start_offset_s",
                         json_seconds((int64_t)p->start_ns - (int64_t)t->rec->start_ns));
        } else {
                jobj_null(&j, "start_ns");
                jobj_null(&j, "start_offset_s");
        }
        jobj_process_end(&j, p);
        jobj_int(&j, "threads", p->n_threads);
        jobj_str(&j, "comm", p->comm[0] ? p->comm : NULL);
        jobj_bool(&j, "match", t->vis[p->index] == MATCH);
        if (t->cost)
                json_cost(&j, p);

        execs = json_object_new_array();
        jobj_put(&j, "execs", execs);
        for (size_t i = 0; j.r >= 0 && i < p->n_execs; i++) {
                r = json_exec(&p->execs[i], execs);
                if (r < 0)
                        j.r = r;
        }

        children = json_object_new_array();
        jobj_put(&j, "children", children);
        if (!(arg_depth >= 0 && rel >= arg_depth))
                for (size_t i = 0; j.r >= 0 && i < p->n_children; i++) {
                        if (!visible(t, p->children[i]))
                                continue;
                        r = json_node(t, p->children[i], rel < 0 ? -1 : rel + 1, children);
                        if (r < 0)
                                j.r = r;
                }
        return json_array_append(array, &j);
}

static int print_json(const struct tree *t, struct bl_process *const *roots, size_t n)
{
        struct json_object *a = json_object_new_array();
        const char *s;
        int r = 0;

        if (!a)
                return log_oom();
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (visible(t, roots[i]))
                        r = json_node(t, roots[i], arg_pid > 0 ? -1 : 0, a);
        if (r < 0) {
                json_object_put(a);
                return log_oom();
        }
        s = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                  JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s) {
                json_object_put(a);
                return log_oom();
        }
        puts(s);
        json_object_put(a);
        return 0;
}

/* ---- command line ---- */

static int help(void)
{
        printf("Usage: bootlog tree [-b [N|ID]] [-D DIR] [--file FILE] [OPTIONS...]\n"
               "\n"
               "Show the recorded processes as a tree: each under the process that forked it,\n"
               "with its start time (relative to the start of the recording), how long it ran,\n"
               "the command line of each program it ran, and how it ended. Consecutive\n"
               "siblings that ran the same programs share one line (\"%s240 sed ...\").\n"
               "\n"
               "Options:\n%s"
               "  -p, --pid PID         show only the process(es) with this PID, their children,\n"
               "                        and the chain of processes that started them\n"
               "  -c, --comm GLOB       only processes whose command name or program file name\n"
               "                        matches GLOB (with the processes that started them)\n"
               "  -u, --unit GLOB       only processes of a matching systemd unit\n"
               "%s"
               "      --failed          only processes that exited non-zero or were killed\n"
               "  -d, --depth N         show N levels below the top (or below --pid's process)\n"
               "      --no-collapse     one line per process, also for identical siblings\n"
               "  -l, --full            do not cut command lines to the terminal's width\n"
               "                        (or at %d characters when it has none)\n"
               "      --cost            show what each process used: CPU time and bytes read\n"
               "                        and written, its own and with its descendants\n"
               "      --json            print the tree as nested JSON objects\n"
               "%s"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n",
               glyphs_get()->times, SELECTION_HELP, TIME_BOUND_HELP, LABEL_MAX_CHARS, OUTPUT_HELP);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum {
                ARG_FULL = 0x100,
                ARG_COLOR,
                ARG_NO_PAGER,
                ARG_FAILED,
                ARG_NO_COLLAPSE,
                ARG_JSON,
                ARG_COST,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
                { "pid", required_argument, NULL, 'p' },
                { "comm", required_argument, NULL, 'c' },
                { "unit", required_argument, NULL, 'u' },
                { "since", required_argument, NULL, 'S' },
                { "until", required_argument, NULL, 'U' },
                { "depth", required_argument, NULL, 'd' },
                { "failed", no_argument, NULL, ARG_FAILED },
                { "no-collapse", no_argument, NULL, ARG_NO_COLLAPSE },
                { "full", no_argument, NULL, 'l' },
                { "json", no_argument, NULL, ARG_JSON },
                { "cost", no_argument, NULL, ARG_COST },
                { "color", required_argument, NULL, ARG_COLOR },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                {},
        };
        char *end;
        long v;
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h" SELECTION_OPTSTRING "p:c:u:S:U:d:l", options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case 'f':
                case 'b':
                case 'D':
                        if (selection_parse_option(&arg_selection, "tree", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                case 'p':
                        if (parse_pid(optarg, &arg_pid) < 0) {
                                usage_error("tree", "invalid PID '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'c': arg_comm = optarg; break;
                case 'u': arg_unit = optarg; break;
                case 'S':
                case 'U':
                        if (time_bound_parse(optarg, c == 'S' ? &arg_since : &arg_until) < 0) {
                                usage_error("tree", "invalid time '%s' for --%s (5.5, +2s, 300ms, HH:MM:SS)",
                                            optarg, c == 'S' ? "since" : "until");
                                return -EINVAL;
                        }
                        break;
                case 'd':
                        errno = 0;
                        v = strtol(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end || v < 0 || v > INT_MAX) {
                                usage_error("tree", "invalid depth '%s' (0 or more)", optarg);
                                return -EINVAL;
                        }
                        arg_depth = (int)v;
                        break;
                case ARG_FAILED: arg_failed = true; break;
                case ARG_NO_COLLAPSE: arg_no_collapse = true; break;
                case 'l': arg_full = true; break;
                case ARG_JSON: arg_json = true; break;
                case ARG_COST: arg_cost = true; break;
                case ARG_COLOR:
                        if (parse_color_option("tree", optarg, &arg_color) < 0)
                                return -EINVAL;
                        break;
                case ARG_NO_PAGER: arg_no_pager = true; break;
                default: return getopt_failed("tree", c, argv);
                }

        if (optind < argc) {
                usage_error("tree", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (selection_check(&arg_selection, "tree") < 0)
                return -EINVAL;
        return 1;
}

/* Logs that nothing matched, naming the filters. */
static void log_no_match(const struct recording *rec)
{
        char what[128] = "";
        size_t n = 0;

        if (arg_pid > 0 && !arg_comm && !arg_unit && !arg_failed && !arg_since.set && !arg_until.set) {
                log_error("No process with PID %d in '%s'", (int)arg_pid, rec->path);
                return;
        }
        if (arg_pid > 0)
                appendf(what, sizeof(what), &n, "%s--pid", n ? ", " : "");
        if (arg_comm)
                appendf(what, sizeof(what), &n, "%s--comm", n ? ", " : "");
        if (arg_unit)
                appendf(what, sizeof(what), &n, "%s--unit", n ? ", " : "");
        if (arg_failed)
                appendf(what, sizeof(what), &n, "%s--failed", n ? ", " : "");
        if (arg_since.set || arg_until.set)
                appendf(what, sizeof(what), &n, "%s--since/--until", n ? ", " : "");
        log_error("No process in '%s' matched %s.", rec->path, what);
}

int verb_tree(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        _cleanup_(tree_done) struct tree t = {};
        struct bl_process *const *roots, *const *all;
        struct entry *entries = NULL;
        size_t n_roots, n_all, n_entries;
        struct bl_model_stats stats;
        struct bl_reader_stats rstats;
        bool any = false;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        t.g = glyphs_get();
        t.max_chars = arg_full ? 0 : LABEL_MAX_CHARS;

        r = recording_select(&arg_selection, true, &rec);
        if (r < 0)
                return EXIT_DATA;
        t.rec = &rec;
        if (arg_cost) {
                /* Without the flag, processes have no cost because none was recorded, not because it was
                 * lost. */
                if (rec.info.compatible_flags & BL_HEADER_COMPAT_COST)
                        t.cost = true;
                else
                        log_warning("'%s' holds no costs: it was recorded without taskstats.", rec.path);
        }
        if (time_bound_resolve(&arg_since, &rec, false, false, &t.since) < 0 ||
            time_bound_resolve(&arg_until, &rec, false, true, &t.until) < 0) {
                log_error("Cannot resolve a wall-clock --since/--until in '%s': it has no clock reference.",
                          rec.path);
                return EXIT_DATA;
        }

        n_all = bl_model_get_processes(rec.model, &all);
        n_roots = bl_model_get_roots(rec.model, &roots);
        t.vis = calloc(MAX(n_all, (size_t)1), sizeof(*t.vis));
        if (!t.vis) {
                log_oom();
                return EXIT_DATA;
        }
        t.filtered = arg_pid > 0 || arg_comm || arg_unit || arg_failed || arg_since.set || arg_until.set;
        for (size_t i = 0; i < n_roots; i++)
                any |= mark(&t, roots[i], false);
        if (!any && t.filtered) {
                recording_warn_damage(&rec);
                log_no_match(&rec);
                return EXIT_DATA;
        }

        if (arg_json) {
                output_begin(COLOR_NEVER, arg_no_pager);
                r = print_json(&t, roots, n_roots);
                if (r < 0)
                        return EXIT_DATA;
                r = flush_stdout();
                recording_warn_damage(&rec);
                return r < 0 ? EXIT_DATA : 0;
        }

        r = load_gaps(&t, rec.reader);
        if (r < 0) {
                log_error_errno(r, "Failed to read '%s': %m", rec.path);
                return EXIT_DATA;
        }

        output_begin(arg_color, arg_no_pager);
        t.columns = output_columns();

        r = build_entries(&t, NULL, 0, roots, n_roots, &entries, &n_entries);
        if (r < 0) {
                log_oom();
                return EXIT_DATA;
        }
        print_cost_header(&t);
        r = print_entries(&t, NULL, entries, n_entries, arg_pid > 0 ? -1 : 0, true);
        entries_free(entries, n_entries);
        if (r < 0)
                return EXIT_DATA;

        bl_model_get_stats(rec.model, &stats);
        bl_reader_get_stats(rec.reader, &rstats);
        printf("\n%" PRIu64 " processes, %" PRIu64 " events, %s%" PRIu64 " lost%s", stats.processes,
               rstats.events, stats.lost > 0 ? ansi(ANSI_YELLOW) : "", stats.lost,
               stats.lost > 0 ? ansi(ANSI_RESET) : "");
        if (t.filtered || arg_depth >= 0)
                printf("; %" PRIu64 " shown", t.shown);
        putchar('\n');
        print_cost_summary(&t, &stats);
        print_lost_warning(&rec);

        r = flush_stdout();
        recording_warn_damage(&rec);
        return r < 0 ? EXIT_DATA : 0;
}
