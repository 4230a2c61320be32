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
 *     │  └─ 1424  +0.530s  3.1ms  (fork of: /bin/sh /etc/init.d/rc 2)  (exit 0)
 *
 * The tree comes first on each line, as in pstree, so that the nesting is
 * what the eye follows.
 */
#include <getopt.h>
#include <inttypes.h>

#include "bootlog.h"
#include "cli.h"
#include "log.h"

static struct selection arg_selection;
static pid_t arg_pid;
static bool arg_full;

struct tree {
        const struct recording *rec;
        const struct glyphs *g;
        size_t max_chars;
        char *prefix; /* what is drawn left of the current node's own glyph */
        size_t prefix_len, prefix_alloc;
};

static void tree_done(struct tree *t)
{
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

static int print_node(struct tree *t, const struct bl_process *p, bool root, bool last, bool children_follow,
                      bool recurse)
{
        const struct glyphs *g = t->g;
        const char *prefix = t->prefix ?: "";
        const char *glyph = root ? "" : last ? g->last : g->branch;
        const char *cont = root ? "" : last ? g->space : g->vertical;
        _cleanup_free_ char *label = NULL;
        char off[32], dur[32], status[64], notes[192];
        size_t nl = 0;
        pid_t reparented;
        ssize_t old;
        int r;

        label = process_first_label(p, t->max_chars);
        if (!label)
                return log_oom();

        format_offset(off, sizeof(off), t->rec, p->start_ns);
        if (!p->exited)
                snprintf(dur, sizeof(dur), "running");
        else if (p->start_ns == 0 || p->exit_ns < p->start_ns)
                snprintf(dur, sizeof(dur), "?");
        else
                format_duration(dur, sizeof(dur), p->exit_ns - p->start_ns);

        notes[0] = 0;
        if (p->exited)
                nl += snprintf(notes + nl, sizeof(notes) - nl, "%s", format_exit(status, sizeof(status), p));
        reparented = process_reparented_to(p);
        if (reparented > 0)
                nl += snprintf(notes + nl, sizeof(notes) - nl, "%sreparented to PID %d", nl ? ", " : "",
                               (int)reparented);
        if (p->n_threads > 0)
                nl += snprintf(notes + nl, sizeof(notes) - nl, "%s+%" PRIu32 " thread%s", nl ? ", " : "",
                               p->n_threads, p->n_threads == 1 ? "" : "s");

        printf("%s%s%d  %s  %s  %s", prefix, glyph, (int)p->pid, off, dur, label);
        if (nl > 0)
                printf("  (%s)", notes);
        putchar('\n');

        /* The first image is on the process's own line; each later exec gets a line of its own. */
        for (size_t i = 1; i < p->n_execs; i++) {
                _cleanup_free_ char *l = info_label(&p->execs[i].info, t->max_chars);

                if (!l)
                        return log_oom();
                printf("%s%s%s%s exec %s %s\n", prefix, cont, children_follow ? g->vertical : g->space,
                       g->exec, format_offset(off, sizeof(off), t->rec, p->execs[i].ts_ns), l);
        }

        if (!recurse || p->n_children == 0)
                return 0;

        old = prefix_push(t, cont);
        if (old < 0)
                return log_oom();
        for (size_t i = 0; i < p->n_children; i++) {
                const struct bl_process *c = p->children[i];

                r = print_node(t, c, false, i + 1 == p->n_children, c->n_children > 0, true);
                if (r < 0)
                        return r;
        }
        prefix_pop(t, (size_t)old);
        return 0;
}

/* Prints q's ancestors (root first, one per level), then q's subtree. */
static int print_with_ancestors(struct tree *t, const struct bl_process *q)
{
        _cleanup_free_ const struct bl_process **chain = NULL;
        size_t n = 0, i;
        int r;

        for (const struct bl_process *a = q->parent; a; a = a->parent)
                n++;
        chain = calloc(n + 1, sizeof(*chain));
        if (!chain)
                return log_oom();
        i = n;
        for (const struct bl_process *a = q->parent; a; a = a->parent)
                chain[--i] = a;

        for (i = 0; i < n; i++) {
                r = print_node(t, chain[i], i == 0, true, true, false);
                if (r < 0)
                        return r;
                if (i > 0 && prefix_push(t, t->g->space) < 0)
                        return log_oom();
        }
        r = print_node(t, q, n == 0, true, q->n_children > 0, true);
        prefix_pop(t, 0);
        return r;
}

static int help(void)
{
        printf("Usage: bootlog tree [-b [N|ID]] [-D DIR] [--file FILE] [--pid PID] [--full]\n"
               "\n"
               "Show the recorded processes as a tree: each under the process that forked it,\n"
               "with its start time (relative to the start of the recording), how long it ran,\n"
               "the command line of each program it ran, and how it ended.\n"
               "\n"
               "Options:\n%s"
               "  -p, --pid PID         show only the process(es) with this PID, their children,\n"
               "                        and the chain of processes that started them\n"
               "      --full            do not cut command lines at %d characters\n"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n",
               SELECTION_HELP, LABEL_MAX_CHARS);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_FULL = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
                { "pid", required_argument, NULL, 'p' },
                { "full", no_argument, NULL, ARG_FULL },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h" SELECTION_OPTSTRING "p:", options, NULL)) >= 0)
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
                case ARG_FULL: arg_full = true; break;
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

int verb_tree(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        _cleanup_(tree_done) struct tree t = {};
        struct bl_process *const *list;
        struct bl_model_stats stats;
        struct bl_reader_stats rstats;
        size_t n, shown = 0;
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

        if (arg_pid > 0) {
                n = bl_model_get_processes(rec.model, &list);
                for (size_t i = 0; i < n; i++) {
                        if (list[i]->pid != arg_pid)
                                continue;
                        if (shown > 0)
                                putchar('\n');
                        r = print_with_ancestors(&t, list[i]);
                        if (r < 0)
                                return EXIT_DATA;
                        shown++;
                }
                if (shown == 0) {
                        recording_warn_damage(&rec);
                        log_error("No process with PID %d in '%s'", (int)arg_pid, rec.path);
                        return EXIT_DATA;
                }
        } else {
                n = bl_model_get_roots(rec.model, &list);
                for (size_t i = 0; i < n; i++) {
                        r = print_node(&t, list[i], true, true, list[i]->n_children > 0, true);
                        if (r < 0)
                                return EXIT_DATA;
                }
        }

        bl_model_get_stats(rec.model, &stats);
        bl_reader_get_stats(rec.reader, &rstats);
        printf("\n%" PRIu64 " processes, %" PRIu64 " events, %" PRIu64 " lost\n", stats.processes,
               rstats.events, stats.lost);
        print_lost_warning(&rec);

        r = flush_stdout();
        recording_warn_damage(&rec);
        return r < 0 ? EXIT_DATA : 0;
}
