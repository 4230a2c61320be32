/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs of programs grouped into commands, for stats and diff; see command-table.h.
 *
 * Every run gets its key, the runs are sorted by key (then timed ones by
 * duration) and each stretch of equal keys is a command: O(n log n) and no
 * hash table, and the median falls out of the order.
 */
#include <stdlib.h>
#include <string.h>

#include "command-table.h"
#include "event.h"
#include "macro.h"
#include "model.h"

struct keyed {
        char *key;
        bool from_comm; /* the key is a command name, argv being unknown */
        struct command_run run;
};

static bool is_alnum(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* "N" for a number, "X" for a hex-like word, NULL to keep the word. */
static const char *classify_word(const char *w, size_t n)
{
        bool hex = true, digit = false, letter = false;

        for (size_t i = 0; i < n; i++) {
                if (is_digit(w[i]))
                        digit = true;
                else if (is_hex(w[i]))
                        letter = true;
                else
                        hex = false;
        }
        if (digit && !letter && hex)
                return "N";
        if (hex && digit && letter && n >= 4)
                return "X";
        if (n > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
                for (size_t i = 2; i < n; i++)
                        if (!is_hex(w[i]))
                                return NULL;
                return "X";
        }
        return NULL;
}

char *command_line_normalise(const char *s)
{
        char *r, *p;

        /* A replacement is never longer than the word it replaces. */
        r = malloc(strlen(s) + 1);
        if (!r)
                return NULL;
        p = r;
        while (*s) {
                const char *w = s, *what;

                if (!is_alnum(*s)) {
                        *p++ = *s++;
                        continue;
                }
                while (is_alnum(*s))
                        s++;
                what = classify_word(w, (size_t)(s - w));
                if (what)
                        p = stpcpy(p, what);
                else
                        p = mempcpy(p, w, (size_t)(s - w));
        }
        *p = 0;
        return r;
}

/* The key of one image, and whether it comes from its command name. New string; NULL on ENOMEM. */
static char *run_key(const struct bl_exec *e, enum command_key how, bool *ret_from_comm)
{
        const struct bl_proc_info *info = &e->info;
        char *s, *r;

        *ret_from_comm = false;
        if (info->argv && info->argv[0] && info->argv[0][0]) {
                if (how == COMMAND_KEY_ARGV) {
                        _cleanup_free_ char *joined = bl_argv_join(info->argv);

                        return joined ? command_line_normalise(joined) : NULL;
                }
                s = strrchr(info->argv[0], '/');
                s = s ? s + 1 : info->argv[0];
                /* A login shell's "-bash" is bash. */
                if (s[0] == '-' && s[1])
                        s++;
                if (s[0])
                        return strdup(s);
        }

        *ret_from_comm = true;
        if (!info->comm[0])
                return strdup("?");
        if (how == COMMAND_KEY_NAME)
                return strndup(info->comm, BL_COMM_MAX - 1);
        if (asprintf(&r, "[%.*s]", BL_COMM_MAX - 1, info->comm) < 0)
                return NULL;
        return r;
}

static int keyed_compare(const void *a, const void *b)
{
        const struct keyed *x = a, *y = b;
        int c = strcmp(x->key, y->key);

        if (c != 0)
                return c;
        if (x->run.timed != y->run.timed)
                return x->run.timed ? -1 : 1;
        if (x->run.timed && x->run.duration_ns != y->run.duration_ns)
                return x->run.duration_ns < y->run.duration_ns ? -1 : 1;
        if (x->run.process->index != y->run.process->index)
                return x->run.process->index < y->run.process->index ? -1 : 1;
        return x->run.exec < y->run.exec ? -1 : x->run.exec > y->run.exec;
}

/*
 * The kernel cuts command names at 15 bytes: a run known only by "systemd-tmpfile"
 * belongs to "systemd-tmpfiles" if that is the only longer name it starts.
 * k is sorted by key, so the names a prefix starts follow it.
 */
static int merge_cut_names(struct keyed *k, size_t n)
{
        const size_t cut = BL_COMM_MAX - 1;

        for (size_t i = 0; i < n; i++) {
                const char *match = NULL;
                bool unique = true;
                char *s;

                if (!k[i].from_comm || strlen(k[i].key) != cut)
                        continue;
                for (size_t j = i + 1; j < n && strncmp(k[j].key, k[i].key, cut) == 0; j++) {
                        if (k[j].from_comm || strlen(k[j].key) == cut)
                                continue;
                        if (match && !streq(match, k[j].key)) {
                                unique = false;
                                break;
                        }
                        match = k[j].key;
                }
                if (!match || !unique)
                        continue;
                s = strdup(match);
                if (!s)
                        return -ENOMEM;
                free(k[i].key);
                k[i].key = s;
        }
        return 0;
}

static void keyed_free(struct keyed *k, size_t n)
{
        if (!k)
                return;
        for (size_t i = 0; i < n; i++)
                free(k[i].key);
        free(k);
}

static void command_finish(struct command *c)
{
        for (size_t i = 0; i < c->n_runs && c->runs[i].timed; i++) {
                c->n_timed++;
                c->total_ns += c->runs[i].duration_ns;
        }
        if (c->n_timed == 0)
                return;
        c->max_ns = c->runs[c->n_timed - 1].duration_ns;
        if (c->n_timed % 2)
                c->median_ns = c->runs[c->n_timed / 2].duration_ns;
        else
                c->median_ns =
                    c->runs[c->n_timed / 2 - 1].duration_ns / 2 + c->runs[c->n_timed / 2].duration_ns / 2;
}

int command_table_build(const struct bl_model *m, enum command_key how, struct command_table *ret)
{
        struct command_table t = {};
        struct bl_process *const *procs;
        struct keyed *k = NULL;
        size_t n_procs, n = 0, alloc = 0;
        int r;

        n_procs = bl_model_get_processes(m, &procs);
        for (size_t i = 0; i < n_procs; i++)
                for (size_t j = 0; j < procs[i]->n_execs; j++)
                        if (!procs[i]->execs[j].from_snapshot)
                                alloc++;
        k = calloc(MAX(alloc, (size_t)1), sizeof(*k));
        if (!k)
                return -ENOMEM;

        for (size_t i = 0; i < n_procs; i++) {
                const struct bl_process *p = procs[i];

                for (size_t j = 0; j < p->n_execs; j++) {
                        const struct bl_exec *e = &p->execs[j];
                        uint64_t end = j + 1 < p->n_execs ? p->execs[j + 1].ts_ns
                                       : p->exited        ? p->exit_ns
                                                          : 0;

                        if (e->from_snapshot)
                                continue;
                        k[n].key = run_key(e, how, &k[n].from_comm);
                        if (!k[n].key) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        k[n].run = (struct command_run){
                                .process = p,
                                .exec = e,
                                .timed = e->ts_ns > 0 && end > 0 && end >= e->ts_ns,
                        };
                        if (k[n].run.timed)
                                k[n].run.duration_ns = end - e->ts_ns;
                        n++;
                }
        }

        if (n > 0)
                qsort(k, n, sizeof(*k), keyed_compare);
        if (how == COMMAND_KEY_NAME) {
                r = merge_cut_names(k, n);
                if (r < 0)
                        goto fail;
                if (n > 0)
                        qsort(k, n, sizeof(*k), keyed_compare);
        }

        t.runs = calloc(MAX(n, (size_t)1), sizeof(*t.runs));
        t.commands = calloc(MAX(n, (size_t)1), sizeof(*t.commands));
        if (!t.runs || !t.commands) {
                r = -ENOMEM;
                goto fail;
        }
        t.n_runs = n;
        for (size_t i = 0; i < n; i++) {
                struct command *c;

                t.runs[i] = k[i].run;
                if (t.n == 0 || !streq(k[i].key, t.commands[t.n - 1].name)) {
                        c = &t.commands[t.n++];
                        c->name = TAKE_PTR(k[i].key);
                        c->runs = &t.runs[i];
                } else
                        c = &t.commands[t.n - 1];
                c->n_runs++;
        }
        for (size_t i = 0; i < t.n; i++)
                command_finish(&t.commands[i]);

        keyed_free(k, n);
        *ret = t;
        return 0;
fail:
        keyed_free(k, n);
        command_table_done(&t);
        return r;
}

void command_table_done(struct command_table *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n; i++)
                free(t->commands[i].name);
        free(t->commands);
        free(t->runs);
        *t = (struct command_table){};
}

static int command_name_compare(const void *key, const void *elem)
{
        const struct command *c = elem;

        return strcmp(key, c->name);
}

const struct command *command_table_find(const struct command_table *t, const char *name)
{
        if (t->n == 0)
                return NULL;
        return bsearch(name, t->commands, t->n, sizeof(*t->commands), command_name_compare);
}
