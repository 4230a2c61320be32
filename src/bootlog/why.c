/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog why PATTERN: for every process that ran something matching
 * PATTERN, the chain of processes that started it, each shown with the
 * program it was running when it forked the one below it. That is the
 * question forkstat users answer by reading a log by hand: "what ran sudo,
 * which ran sendmail?"
 *
 *     sendmail -t                               pid 1426  +0.534s  exit 0 after 4.1ms
 *       ├ forked by  1425   +0.533s  (fork of: sudo /usr/local/sbin/foo-script)
 *       ├ forked by  1419   +0.512s  sudo /usr/local/sbin/foo-script
 *       ├ forked by  1418   +0.401s  ruby /usr/bin/foo -c /etc/foo.conf
 *       └ forked by     1  -12.300s  /sbin/init
 */
#include <fnmatch.h>
#include <getopt.h>

#include "bootlog.h"
#include "cli.h"
#include "log.h"

static struct selection arg_selection;
static const char *arg_pattern;
static bool arg_full;

/* The headline's label is padded to this many characters so the pid columns of short commands line up. */
#define HEADLINE_LABEL_WIDTH 40

struct match {
        const struct bl_process *process;
        const struct bl_exec *exec; /* the first of its images that matched */
};

static const char *path_basename(const char *path)
{
        const char *s = strrchr(path, '/');

        return s ? s + 1 : path;
}

static bool glob(const char *pattern, const char *s)
{
        return s && fnmatch(pattern, s, 0) == 0;
}

/* 1 if the image matches: comm, exe and its basename, each argv element, argv[0]'s basename, the line. */
static int exec_matches(const struct bl_exec *e, const char *pattern)
{
        const struct bl_proc_info *info = &e->info;
        _cleanup_free_ char *line = NULL;

        if (info->comm[0] && glob(pattern, info->comm))
                return 1;
        if (info->exe && (glob(pattern, info->exe) || glob(pattern, path_basename(info->exe))))
                return 1;
        if (!info->argv || !info->argv[0])
                return 0;
        if (glob(pattern, path_basename(info->argv[0])))
                return 1;
        STRV_FOREACH (a, info->argv)
                if (glob(pattern, *a))
                        return 1;
        line = bl_argv_join(info->argv);
        if (!line)
                return -ENOMEM;
        return glob(pattern, line);
}

static int match_compare(const void *a, const void *b)
{
        const struct bl_process *x = ((const struct match *)a)->process,
                                *y = ((const struct match *)b)->process;

        if (x->start_ns != y->start_ns)
                return x->start_ns < y->start_ns ? -1 : 1;
        return x->index < y->index ? -1 : x->index > y->index;
}

static int find_matches(const struct bl_model *m, const char *pattern, struct match **ret, size_t *ret_n)
{
        _cleanup_free_ struct match *matches = NULL;
        struct bl_process *const *list;
        size_t n, n_matches = 0;
        int r;

        n = bl_model_get_processes(m, &list);
        matches = calloc(MAX(n, 1u), sizeof(*matches));
        if (!matches)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < list[i]->n_execs; j++) {
                        r = exec_matches(&list[i]->execs[j], pattern);
                        if (r < 0)
                                return r;
                        if (r > 0) {
                                matches[n_matches++] = (struct match){ list[i], &list[i]->execs[j] };
                                break;
                        }
                }
        qsort(matches, n_matches, sizeof(*matches), match_compare);
        *ret = TAKE_PTR(matches);
        *ret_n = n_matches;
        return 0;
}

static int print_headline(const struct recording *rec, const struct match *m, size_t max_chars)
{
        const struct bl_process *p = m->process;
        _cleanup_free_ char *label = info_label(&m->exec->info, max_chars);
        char off[32], status[64], dur[32];
        size_t chars;
        pid_t reparented;

        if (!label)
                return log_oom();
        chars = utf8_chars(label);
        printf("%s%*s  pid %d  %s  %s", label,
               chars < HEADLINE_LABEL_WIDTH ? (int)(HEADLINE_LABEL_WIDTH - chars) : 0, "", (int)p->pid,
               format_offset(off, sizeof(off), rec, p->start_ns), format_exit(status, sizeof(status), p));
        if (p->exited && p->start_ns > 0 && p->exit_ns >= p->start_ns)
                printf(" after %s", format_duration(dur, sizeof(dur), p->exit_ns - p->start_ns));
        reparented = process_reparented_to(p);
        if (reparented > 0)
                printf("  (reparented to PID %d)", (int)reparented);
        putchar('\n');
        return 0;
}

/*
 * A root whose parent the recording lacks: it has a parent pid, or it was not
 * in the start-up snapshot (where only PID 1 and kthreadd have no parent).
 */
static bool parent_missing(const struct bl_process *root)
{
        return root->reported_ppid > 0 || !root->from_snapshot;
}

/* The process's own images, in order, when it had more than one. */
static int print_exec_history(const struct recording *rec, const struct glyphs *g,
                              const struct bl_process *p, size_t max_chars)
{
        const struct bl_process *root = p;
        const char *rail;
        char off[32];

        if (p->n_execs < 2)
                return 0;
        while (root->parent)
                root = root->parent;
        /* The chain's rail goes on through these lines if any chain line follows. */
        rail = p->parent || parent_missing(root) ? g->rail : " ";
        for (size_t i = 0; i < p->n_execs; i++) {
                const struct bl_exec *e = &p->execs[i];
                _cleanup_free_ char *label = info_label(&e->info, max_chars);

                if (!label)
                        return log_oom();
                printf("  %s %s %s %s  %s\n", rail, g->exec, e->from_snapshot ? "running at start" : "exec",
                       format_offset(off, sizeof(off), rec, e->ts_ns), label);
        }
        return 0;
}

static int print_chain(const struct recording *rec, const struct glyphs *g, const struct bl_process *p,
                       size_t max_chars)
{
        const struct bl_process *root = p;
        int pid_width = 1, off_width = 1;
        char off[32];

        for (const struct bl_process *a = p->parent; a; a = a->parent) {
                char digits[16];

                pid_width = MAX(pid_width, snprintf(digits, sizeof(digits), "%d", (int)a->pid));
                off_width = MAX(off_width, (int)strlen(format_offset(off, sizeof(off), rec, a->start_ns)));
                root = a;
        }

        for (const struct bl_process *child = p, *a = p->parent; a; child = a, a = a->parent) {
                bool last = !a->parent && !parent_missing(root);
                uint64_t at = child->start_ns > 0 ? child->start_ns : UINT64_MAX;
                _cleanup_free_ char *label = process_label_at(a, at, max_chars), *before = NULL;
                const struct bl_exec *e;
                bool inherited = false;

                if (!label)
                        return log_oom();
                /* When the forker had exec'd before, say what it had been: sudo → foo-script → sendmail. */
                e = bl_process_image_at(a, at, &inherited);
                if (e && !inherited && e > a->execs && e < a->execs + a->n_execs) {
                        before = info_label(&e[-1].info, max_chars);
                        if (!before)
                                return log_oom();
                }
                printf("  %s forked by  %*d  %*s  %s", last ? g->chain_last : g->chain, pid_width,
                       (int)a->pid, off_width, format_offset(off, sizeof(off), rec, a->start_ns), label);
                if (before)
                        printf("   (exec'd from: %s)", before);
                putchar('\n');
        }

        /* The chain stops short of the system's first processes: its top one's parent was never seen. */
        if (parent_missing(root)) {
                printf("  %s parent not in the recording", g->chain_last);
                if (root->reported_ppid > 0)
                        printf(" (ppid %d)", (int)root->reported_ppid);
                putchar('\n');
        }
        return 0;
}

static int help(void)
{
        printf("Usage: bootlog why [-b [N|ID]] [-D DIR] [--file FILE] [--full] PATTERN\n"
               "\n"
               "Show who started the processes that ran something matching PATTERN, a shell\n"
               "glob matched against each program a process ran: its name (comm), its\n"
               "executable path and file name, each argument, and the whole command line.\n"
               "Each match is followed by the chain of processes that forked it, up to the\n"
               "first process in the recording, each with the program it was running when\n"
               "it forked the one below it.\n"
               "\n"
               "Options:\n%s"
               "      --full            do not cut command lines at %d characters\n"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n"
               "\n"
               "Examples: bootlog why sendmail\n"
               "          bootlog why -b -1 '*foo-script*'\n"
               "          bootlog why --file boot.bootlog sendmail\n",
               SELECTION_HELP, LABEL_MAX_CHARS);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_FULL = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "full", no_argument, NULL, ARG_FULL },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
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
                        if (selection_parse_option(&arg_selection, "why", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                case ARG_FULL: arg_full = true; break;
                default: return getopt_failed("why", c, argv);
                }

        if (optind >= argc) {
                usage_error("why", "missing PATTERN (a shell glob such as 'sendmail' or '*foo*')");
                return -EINVAL;
        }
        arg_pattern = argv[optind++];
        if (optind < argc) {
                usage_error("why", "unexpected argument '%s' (quote a PATTERN with spaces)", argv[optind]);
                return -EINVAL;
        }
        if (selection_check(&arg_selection, "why") < 0)
                return -EINVAL;
        return 1;
}

int verb_why(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        _cleanup_free_ struct match *matches = NULL;
        const struct glyphs *g;
        size_t n, max_chars;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        g = glyphs_get();
        max_chars = arg_full ? 0 : LABEL_MAX_CHARS;

        r = recording_select(&arg_selection, true, &rec);
        if (r < 0)
                return EXIT_DATA;

        r = find_matches(rec.model, arg_pattern, &matches, &n);
        if (r < 0) {
                log_oom();
                return EXIT_DATA;
        }
        if (n == 0) {
                recording_warn_damage(&rec);
                log_error("No process matched '%s'.", arg_pattern);
                return EXIT_DATA;
        }

        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        putchar('\n');
                if (print_headline(&rec, &matches[i], max_chars) < 0 ||
                    print_exec_history(&rec, g, matches[i].process, max_chars) < 0 ||
                    print_chain(&rec, g, matches[i].process, max_chars) < 0)
                        return EXIT_DATA;
        }
        printf("\n%zu process%s matched '%s'.\n", n, n == 1 ? "" : "es", arg_pattern);
        print_lost_warning(&rec);

        r = flush_stdout();
        recording_warn_damage(&rec);
        return r < 0 ? EXIT_DATA : 0;
}
