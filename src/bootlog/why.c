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
 *       └ forked by     1  -12.300s  /sbin/init  [init.scope]
 *
 * Each ancestor shows its systemd unit, as /proc told it at its exec, in
 * brackets when known. PATTERN is a shell glob, or with --regex a POSIX
 * extended regular expression (unanchored, as grep -E takes it).
 */
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <regex.h>

#include "escape.h"
#include "event.h"
#include "exit-status.h"
#include "json-util.h"
#include "label.h"
#include "log.h"
#include "macro.h"
#include "model.h"
#include "options.h"
#include "output.h"
#include "path-util.h"
#include "recording-select.h"
#include "recording.h"
#include "text-width.h"
#include "verbs.h"

static struct selection arg_selection;
static const char *arg_pattern;
static bool arg_full;
static bool arg_regex;
static bool arg_json;
static enum color_mode arg_color;
static bool arg_no_pager;

/* What PATTERN is matched with: a glob, or a compiled --regex. */
struct matcher {
        const char *pattern;
        regex_t regex;
        bool compiled;
};

static void matcher_done(struct matcher *m)
{
        if (m->compiled)
                regfree(&m->regex);
        m->compiled = false;
}

/* The headline's label is padded to this many characters so the pid columns of short commands line up. */
#define HEADLINE_LABEL_WIDTH 40
/* Command lines are not cut shorter than this to fit the terminal: the rest of the line gives way. */
#define LABEL_LEAST_CHARS 40

struct match {
        const struct bl_process *process;
        const struct bl_exec *exec; /* the first of its images that matched */
};

static bool str_matches(const struct matcher *m, const char *s)
{
        if (!s)
                return false;
        if (m->compiled)
                return regexec(&m->regex, s, 0, NULL, 0) == 0;
        return fnmatch(m->pattern, s, 0) == 0;
}

/* 1 if the image matches: comm, exe and its basename, each argv element, argv[0]'s basename, the line. */
static int exec_matches(const struct bl_exec *e, const struct matcher *m)
{
        const struct bl_proc_info *info = &e->info;
        _cleanup_free_ char *line = NULL;

        if (info->comm[0] && str_matches(m, info->comm))
                return 1;
        if (info->exe && (str_matches(m, info->exe) || str_matches(m, path_basename(info->exe))))
                return 1;
        if (!info->argv || !info->argv[0])
                return 0;
        if (str_matches(m, path_basename(info->argv[0])))
                return 1;
        STRV_FOREACH (a, info->argv)
                if (str_matches(m, *a))
                        return 1;
        line = bl_argv_join(info->argv);
        if (!line)
                return -ENOMEM;
        return str_matches(m, line);
}

static int match_compare(const void *a, const void *b)
{
        const struct bl_process *x = ((const struct match *)a)->process,
                                *y = ((const struct match *)b)->process;

        if (x->start_ns != y->start_ns)
                return x->start_ns < y->start_ns ? -1 : 1;
        return x->index < y->index ? -1 : x->index > y->index;
}

static int find_matches(const struct bl_model *m, const struct matcher *pattern, struct match **ret,
                        size_t *ret_n)
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

/* Colour for how p ended: red for a failure, bold red for a signal; _ANSI_COLOR_MAX for none. */
static enum ansi_color exit_color(const struct bl_process *p)
{
        int code = 0, sig = 0;
        bool core = false;

        if (p->coredump)
                return ANSI_RED_BOLD;
        if (!p->exited)
                return _ANSI_COLOR_MAX;
        if (!bl_exit_status_decode(p->exit_status, &code, &sig, &core))
                return ANSI_RED_BOLD;
        return code != 0 ? ANSI_RED : _ANSI_COLOR_MAX;
}

/* " [unit.service]", escaped, or "" if the image has no unit. New string; NULL on ENOMEM. */
static char *unit_note(const struct bl_exec *e)
{
        _cleanup_free_ char *u = NULL;
        char *r;

        if (!e || !e->info.unit || !e->info.unit[0])
                return strdup("");
        u = bl_escape(e->info.unit);
        if (!u || asprintf(&r, "  [%s]", u) < 0)
                return NULL;
        return r;
}

/*
 * The room left for a label on a line whose other parts take used characters
 * (0: no cut), but at least least characters: a command line cut to a few
 * characters says nothing, and what follows it on the line matters less.
 */
static size_t budget(size_t max_chars, size_t used, size_t least)
{
        size_t columns = output_columns();

        if (arg_full)
                return 0;
        if (columns == 0)
                return max_chars;
        return used + least < columns ? columns - used : least;
}

static int print_headline(const struct recording *rec, const struct match *m, size_t max_chars)
{
        const struct bl_process *p = m->process;
        _cleanup_free_ char *label = NULL, *unit = NULL, *rest = NULL;
        char off[32], status[64], dur[32], after[48] = "", reparented_note[48] = "";
        enum ansi_color color = exit_color(p);
        size_t chars;
        pid_t reparented;

        format_offset(off, sizeof(off), rec, p->start_ns);
        format_exit(status, sizeof(status), p);
        if (p->exited && p->start_ns > 0 && p->exit_ns >= p->start_ns)
                snprintf(after, sizeof(after), " after %s",
                         bl_format_duration(dur, sizeof(dur), p->exit_ns - p->start_ns));
        reparented = bl_process_reparented_to(p);
        if (reparented > 0)
                snprintf(reparented_note, sizeof(reparented_note), "  (reparented to PID %d)",
                         (int)reparented);
        unit = unit_note(m->exec);
        if (!unit || asprintf(&rest, "  pid %d  %s  %s%s%s%s", (int)p->pid, off, status, after,
                              reparented_note, unit) < 0)
                return log_oom();

        label =
            cut_chars(info_label(&m->exec->info, 0), budget(max_chars, utf8_chars(rest), LABEL_LEAST_CHARS));
        if (!label)
                return log_oom();
        chars = utf8_chars(label);
        printf("%s%s%s%*s  pid %d  %s  %s%s%s%s%s%s\n", ansi(ANSI_HIGHLIGHT), label, ansi(ANSI_RESET),
               chars < HEADLINE_LABEL_WIDTH &&
                       utf8_chars(rest) + HEADLINE_LABEL_WIDTH <= (output_columns() ?: SIZE_MAX)
                   ? (int)(HEADLINE_LABEL_WIDTH - chars)
                   : 0,
               "", (int)p->pid, off, color < _ANSI_COLOR_MAX ? ansi(color) : "", status, after,
               color < _ANSI_COLOR_MAX ? ansi(ANSI_RESET) : "", reparented_note, unit);
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
                _cleanup_free_ char *label = NULL, *head = NULL;

                if (asprintf(&head, "  %s %s %s %s  ", rail, g->exec,
                             e->from_snapshot ? "running at start" : "exec",
                             format_offset(off, sizeof(off), rec, e->ts_ns)) < 0)
                        return log_oom();
                label = cut_chars(info_label(&e->info, 0),
                                  budget(max_chars, utf8_chars(head), LABEL_LEAST_CHARS));
                if (!label)
                        return log_oom();
                printf("%s%s%s%s\n", head, e->info.status != BL_INFO_OK ? ansi(ANSI_GREY) : "", label,
                       e->info.status != BL_INFO_OK ? ansi(ANSI_RESET) : "");
        }
        return 0;
}

/* The image a forked b with: a's image when b started, and the one a ran before it if a exec'd since. */
static const struct bl_exec *forking_image(const struct bl_process *a, const struct bl_process *b,
                                           bool *ret_inherited, const struct bl_exec **ret_before)
{
        uint64_t at = b->start_ns > 0 ? b->start_ns : UINT64_MAX;
        const struct bl_exec *e;
        bool inherited = false;

        e = bl_process_image_at(a, at, &inherited);
        *ret_before = e && !inherited && e > a->execs && e < a->execs + a->n_execs ? &e[-1] : NULL;
        *ret_inherited = inherited;
        return e;
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
                _cleanup_free_ char *label = NULL, *before = NULL, *head = NULL, *unit = NULL;
                const struct bl_exec *e, *prev;
                bool inherited;
                size_t used;

                e = forking_image(a, child, &inherited, &prev);
                unit = unit_note(e);
                if (!unit ||
                    asprintf(&head, "  %s forked by  %*d  %*s  ", last ? g->chain_last : g->chain, pid_width,
                             (int)a->pid, off_width, format_offset(off, sizeof(off), rec, a->start_ns)) < 0)
                        return log_oom();
                used = utf8_chars(head) + utf8_chars(unit);
                label = cut_chars(process_label_at(a, at, 0), budget(max_chars, used, LABEL_LEAST_CHARS));
                if (!label)
                        return log_oom();
                /* When the forker had exec'd before, say what it had been: sudo → foo-script → sendmail. */
                if (prev) {
                        used += utf8_chars(label) + strlen("   (exec'd from: )");
                        before = cut_chars(info_label(&prev->info, 0), budget(max_chars, used, 16));
                        if (!before)
                                return log_oom();
                }
                printf("%s%s%s%s%s", head, !e || e->info.status != BL_INFO_OK ? ansi(ANSI_GREY) : "", label,
                       !e || e->info.status != BL_INFO_OK ? ansi(ANSI_RESET) : "", unit);
                if (before)
                        printf("   (exec'd from: %s)", before);
                putchar('\n');
        }

        /* The chain stops short of the system's first processes: its top one's parent was never seen. */
        if (parent_missing(root)) {
                printf("  %s %sparent not in the recording", g->chain_last, ansi(ANSI_YELLOW));
                if (root->reported_ppid > 0)
                        printf(" (ppid %d)", (int)root->reported_ppid);
                printf("%s\n", ansi(ANSI_RESET));
        }
        return 0;
}

/* ---- JSON ---- */

static struct jobj image_obj(const struct bl_exec *e)
{
        struct jobj x = jobj_new();

        jobj_int(&x, "ts_ns", (int64_t)e->ts_ns);
        jobj_bool(&x, "from_snapshot", e->from_snapshot);
        jobj_strv(&x, "argv", e->info.argv);
        jobj_str(&x, "exe", e->info.exe);
        jobj_str(&x, "comm", e->info.comm[0] ? e->info.comm : NULL);
        jobj_str(&x, "unit", e->info.unit);
        jobj_str(&x, "status", bl_info_status_to_string(e->info.status));
        return x;
}

/* The image e as an object under key (null if unknown). */
static void json_image(struct jobj *j, const char *key, const struct bl_exec *e)
{
        struct jobj x;

        if (!e) {
                jobj_null(j, key);
                return;
        }
        x = image_obj(e);
        jobj_put_obj(j, key, &x);
}

static void json_times(struct jobj *j, const struct recording *rec, const struct bl_process *p)
{
        jobj_int(j, "pid", p->pid);
        if (p->start_ns > 0) {
                jobj_int(j, "start_ns", (int64_t)p->start_ns);
                jobj_put(j, "start_offset_s", json_seconds((int64_t)p->start_ns - (int64_t)rec->start_ns));
        } else {
                jobj_null(j, "start_ns");
                jobj_null(j, "start_offset_s");
        }
}

static int json_match(const struct recording *rec, const struct match *m, struct json_object *array)
{
        const struct bl_process *p = m->process, *root = p;
        struct jobj j = jobj_new(), proc = jobj_new();
        struct json_object *chain;
        int r;

        json_times(&proc, rec, p);
        jobj_process_end(&proc, p);
        json_image(&proc, "matched", m->exec);
        if (proc.r >= 0) {
                struct json_object *execs = json_object_new_array();

                jobj_put(&proc, "execs", execs);
                for (size_t i = 0; proc.r >= 0 && i < p->n_execs; i++) {
                        struct jobj x = image_obj(&p->execs[i]);

                        r = json_array_append(execs, &x);
                        if (r < 0)
                                proc.r = r;
                }
        }
        jobj_put_obj(&j, "process", &proc);

        chain = json_object_new_array();
        jobj_put(&j, "chain", chain);
        for (const struct bl_process *child = p, *a = p->parent; j.r >= 0 && a; child = a, a = a->parent) {
                struct jobj link = jobj_new();
                const struct bl_exec *e, *prev;
                bool inherited;

                e = forking_image(a, child, &inherited, &prev);
                json_times(&link, rec, a);
                json_image(&link, "image", e);
                jobj_bool(&link, "inherited", inherited);
                json_image(&link, "execd_from", prev);
                r = json_array_append(chain, &link);
                if (r < 0)
                        j.r = r;
                root = a;
        }
        jobj_bool(&j, "parent_missing", parent_missing(root));
        if (parent_missing(root) && root->reported_ppid > 0)
                jobj_int(&j, "missing_ppid", root->reported_ppid);
        else
                jobj_null(&j, "missing_ppid");
        return json_array_append(array, &j);
}

static int print_json(const struct recording *rec, const struct match *matches, size_t n)
{
        struct json_object *a = json_object_new_array();
        const char *s;
        int r = 0;

        if (!a)
                return log_oom();
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = json_match(rec, &matches[i], a);
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
        printf("Usage: bootlog why [-b [N|ID]] [-D DIR] [--file FILE] [OPTIONS...] PATTERN\n"
               "\n"
               "Show who started the processes that ran something matching PATTERN, a shell\n"
               "glob (or with --regex an extended regular expression) matched against each\n"
               "program a process ran: its name (comm), its executable path and file name,\n"
               "each argument, and the whole command line. Each match is followed by the\n"
               "chain of processes that forked it, up to the first process in the recording,\n"
               "each with the program it was running when it forked the one below it and\n"
               "its systemd unit.\n"
               "\n"
               "Options:\n%s"
               "  -E, --regex           PATTERN is a POSIX extended regular expression\n"
               "  -l, --full            do not cut command lines to the terminal's width\n"
               "                        (or at %d characters when it has none)\n"
               "      --json            print the matches and their chains as JSON\n"
               "%s"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n"
               "\n"
               "Examples: bootlog why sendmail\n"
               "          bootlog why -b -1 '*foo-script*'\n"
               "          bootlog why --regex '^(sudo|su)$'\n",
               SELECTION_HELP, LABEL_MAX_CHARS, OUTPUT_HELP);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum {
                ARG_JSON = 0x100,
                ARG_COLOR,
                ARG_NO_PAGER,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "full", no_argument, NULL, 'l' },
                { "regex", no_argument, NULL, 'E' },
                { "json", no_argument, NULL, ARG_JSON },
                { "color", required_argument, NULL, ARG_COLOR },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h" SELECTION_OPTSTRING "lE", options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case 'f':
                case 'b':
                case 'D':
                        if (selection_parse_option(&arg_selection, "why", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                case 'l': arg_full = true; break;
                case 'E': arg_regex = true; break;
                case ARG_JSON: arg_json = true; break;
                case ARG_COLOR:
                        if (parse_color_option("why", optarg, &arg_color) < 0)
                                return -EINVAL;
                        break;
                case ARG_NO_PAGER: arg_no_pager = true; break;
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

/* Compiles --regex's PATTERN; a usage_error() if it is not a valid expression. */
static int matcher_init(struct matcher *m)
{
        char msg[256];
        int k;

        m->pattern = arg_pattern;
        if (!arg_regex)
                return 0;
        k = regcomp(&m->regex, arg_pattern, REG_EXTENDED | REG_NOSUB);
        if (k != 0) {
                regerror(k, &m->regex, msg, sizeof(msg));
                usage_error("why", "invalid regular expression '%s': %s", arg_pattern, msg);
                return -EINVAL;
        }
        m->compiled = true;
        return 0;
}

int verb_why(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        _cleanup_(matcher_done) struct matcher matcher = {};
        _cleanup_free_ struct match *matches = NULL;
        const struct glyphs *g;
        size_t n, max_chars;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;
        if (matcher_init(&matcher) < 0)
                return EXIT_USAGE;

        g = glyphs_get();
        max_chars = arg_full ? 0 : LABEL_MAX_CHARS;

        r = recording_select(&arg_selection, true, &rec);
        if (r < 0)
                return EXIT_DATA;

        r = find_matches(rec.model, &matcher, &matches, &n);
        if (r < 0) {
                log_oom();
                return EXIT_DATA;
        }
        if (n == 0) {
                recording_warn_damage(&rec);
                log_error("No process matched '%s'.", arg_pattern);
                return EXIT_DATA;
        }

        if (arg_json) {
                output_begin(COLOR_NEVER, arg_no_pager);
                r = print_json(&rec, matches, n);
                if (r < 0)
                        return EXIT_DATA;
        } else {
                output_begin(arg_color, arg_no_pager);
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
        }

        r = flush_stdout();
        recording_warn_damage(&rec);
        return r < 0 ? EXIT_DATA : 0;
}
