/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tables and UTF-8-clean strings for the summary views and export; see
 * report.h.
 */
#include <json-c/json.h>
#include <stdarg.h>

#include "cli.h"
#include "escape.h"
#include "report.h"

char *utf8_fix(const char *s)
{
        const unsigned char *u = (const unsigned char *)s;
        char *fixed, *p;

        /* Each invalid byte becomes three: U+FFFD is EF BF BD. */
        fixed = malloc(strlen(s) * 3 + 1);
        if (!fixed)
                return NULL;
        p = fixed;
        while (*u) {
                size_t n = bl_utf8_valid_len((const char *)u);

                if (n == 0) {
                        p = stpcpy(p, "\xef\xbf\xbd");
                        u++;
                        continue;
                }
                p = mempcpy(p, u, n);
                u += n;
        }
        *p = 0;
        return fixed;
}

static bool utf8_is_valid(const char *s)
{
        for (size_t i = 0; s[i];) {
                size_t n = bl_utf8_valid_len(s + i);

                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}

struct json_object *json_string_utf8(const char *s, bool *ret_oom)
{
        _cleanup_free_ char *fixed = NULL;
        struct json_object *j;

        *ret_oom = false;
        if (!s)
                return NULL;
        /* json-c copies invalid bytes through: JSON text must be UTF-8. */
        if (utf8_is_valid(s))
                j = json_object_new_string(s);
        else {
                fixed = utf8_fix(s);
                j = fixed ? json_object_new_string(fixed) : NULL;
        }
        *ret_oom = !j;
        return j;
}

struct jobj jobj_new(void)
{
        struct jobj j = { .o = json_object_new_object() };

        if (!j.o)
                j.r = -ENOMEM;
        return j;
}

void jobj_put(struct jobj *j, const char *key, struct json_object *v)
{
        if (j->r < 0) {
                json_object_put(v);
                return;
        }
        if (!v) {
                j->r = -ENOMEM;
                return;
        }
        if (json_object_object_add(j->o, key, v) < 0) {
                json_object_put(v);
                j->r = -ENOMEM;
        }
}

void jobj_null(struct jobj *j, const char *key)
{
        if (j->r >= 0 && json_object_object_add(j->o, key, NULL) < 0)
                j->r = -ENOMEM;
}

void jobj_int(struct jobj *j, const char *key, int64_t v)
{
        if (j->r >= 0)
                jobj_put(j, key, json_object_new_int64(v));
}

void jobj_bool(struct jobj *j, const char *key, bool v)
{
        if (j->r >= 0)
                jobj_put(j, key, json_object_new_boolean(v));
}

void jobj_str(struct jobj *j, const char *key, const char *s)
{
        struct json_object *v;
        bool oom;

        if (j->r < 0)
                return;
        v = json_string_utf8(s, &oom);
        if (oom)
                j->r = -ENOMEM;
        else if (!v)
                jobj_null(j, key);
        else
                jobj_put(j, key, v);
}

void jobj_strv(struct jobj *j, const char *key, char *const *l)
{
        struct json_object *a;

        if (j->r < 0)
                return;
        if (!l) {
                jobj_null(j, key);
                return;
        }
        a = json_object_new_array();
        jobj_put(j, key, a);
        if (j->r < 0)
                return;
        STRV_FOREACH (s, l) {
                struct json_object *v;
                bool oom;

                v = json_string_utf8(*s, &oom);
                if (!v || json_object_array_add(a, v) < 0) {
                        json_object_put(v);
                        j->r = -ENOMEM;
                        return;
                }
        }
}

void jobj_put_obj(struct jobj *j, const char *key, struct jobj *sub)
{
        if (sub->r < 0) {
                json_object_put(sub->o);
                if (j->r >= 0)
                        j->r = sub->r;
                return;
        }
        jobj_put(j, key, sub->o);
}

int json_array_append(struct json_object *a, struct jobj *sub)
{
        if (sub->r < 0) {
                json_object_put(sub->o);
                return sub->r;
        }
        if (json_object_array_add(a, sub->o) < 0) {
                json_object_put(sub->o);
                return -ENOMEM;
        }
        return 0;
}

int jobj_finish(struct jobj *j)
{
        if (j->r < 0) {
                json_object_put(j->o);
                j->o = NULL;
                return j->r;
        }
        return 0;
}

int json_print(struct json_object *o)
{
        const char *s;

        s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        /* Write errors show in flush_stdout(). */
        fputs(s, stdout);
        putchar('\n');
        return 0;
}

struct table_row {
        const char *on, *off; /* highlight, static strings; NULL: none */
};

struct table {
        size_t n_columns;
        char **cells; /* n_columns per row, headers first */
        size_t n_cells, cells_alloc;
        struct table_row *rows; /* index 0: the header */
        size_t rows_alloc;
        enum table_align *align;
};

static int table_push(struct table *t, char *cell)
{
        size_t row = t->n_cells / t->n_columns;

        if (t->n_cells == t->cells_alloc) {
                size_t a = MAX(t->cells_alloc * 2, (size_t)64);
                char **c = reallocarray(t->cells, a, sizeof(*c));

                if (!c) {
                        free(cell);
                        return -ENOMEM;
                }
                t->cells = c;
                t->cells_alloc = a;
        }
        if (row >= t->rows_alloc) {
                size_t a = MAX(t->rows_alloc * 2, (size_t)16);
                struct table_row *r = reallocarray(t->rows, a, sizeof(*r));

                if (!r) {
                        free(cell);
                        return -ENOMEM;
                }
                memset(r + t->rows_alloc, 0, (a - t->rows_alloc) * sizeof(*r));
                t->rows = r;
                t->rows_alloc = a;
        }
        t->cells[t->n_cells++] = cell;
        return 0;
}

struct table *table_new(size_t n, const char *const *headers, const enum table_align *align)
{
        struct table *t;

        t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->n_columns = n;
        t->align = calloc(n, sizeof(*t->align));
        if (!t->align)
                return table_free(t);
        memcpy(t->align, align, n * sizeof(*align));
        for (size_t i = 0; i < n; i++)
                if (table_add(t, headers[i]) < 0)
                        return table_free(t);
        return t;
}

struct table *table_free(struct table *t)
{
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t->rows);
        free(t->align);
        free(t);
        return NULL;
}

void table_freep(struct table **t)
{
        table_free(*t);
}

int table_add(struct table *t, const char *cell)
{
        char *c = strdup(cell ?: "");

        if (!c)
                return -ENOMEM;
        return table_push(t, c);
}

int table_addf(struct table *t, const char *fmt, ...)
{
        va_list ap;
        char *c;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&c, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        return table_push(t, c);
}

void table_highlight_row(struct table *t, const char *on, const char *off)
{
        /* The row being filled, or the one just completed if none is. */
        size_t row = t->n_cells / t->n_columns;

        if (t->n_cells % t->n_columns == 0)
                row--;
        if (row == 0 || row >= t->rows_alloc)
                return;
        t->rows[row] = (struct table_row){ .on = on, .off = off };
}

size_t table_rows(const struct table *t)
{
        return t->n_cells / t->n_columns - 1;
}

/* Prints the first max characters of s (all if max is 0), with an ellipsis if cut. */
static void print_cut(const char *s, size_t max)
{
        const char *ellipsis = glyphs_get()->ellipsis;
        size_t n = 0;
        const char *p;

        if (max == 0 || utf8_chars(s) <= max) {
                fputs(s, stdout);
                return;
        }
        /* Leave room for the ellipsis (one character wide, or three in ASCII). */
        max = max > utf8_chars(ellipsis) ? max - utf8_chars(ellipsis) : 0;
        for (p = s; *p; p++)
                if (((unsigned char)*p & 0xc0) != 0x80 && n++ == max)
                        break;
        fwrite(s, 1, (size_t)(p - s), stdout);
        fputs(ellipsis, stdout);
}

int table_print(const struct table *t, const char *indent, size_t width, const char *header_on,
                const char *header_off)
{
        _cleanup_free_ size_t *w = NULL;
        size_t n_rows = t->n_cells / t->n_columns, used = utf8_chars(indent);

        w = calloc(t->n_columns, sizeof(*w));
        if (!w)
                return -ENOMEM;
        for (size_t i = 0; i < n_rows * t->n_columns; i++)
                w[i % t->n_columns] = MAX(w[i % t->n_columns], utf8_chars(t->cells[i]));
        for (size_t c = 0; c + 1 < t->n_columns; c++)
                used += w[c] + 2;

        for (size_t r = 0; r < n_rows; r++) {
                const char *on = r == 0 ? header_on : t->rows[r].on,
                           *off = r == 0 ? header_off : t->rows[r].off;

                fputs(indent, stdout);
                if (on)
                        fputs(on, stdout);
                for (size_t c = 0; c < t->n_columns; c++) {
                        const char *s = t->cells[r * t->n_columns + c];
                        size_t pad = w[c] - utf8_chars(s);

                        if (c + 1 == t->n_columns) {
                                /* A right-aligned last column is padded: it is a number, never cut. */
                                if (t->align[c] == TABLE_RIGHT)
                                        printf("%*s%s", (int)pad, "", s);
                                else if (width > 0)
                                        /* However narrow the terminal, some of the command line shows. */
                                        print_cut(s, width > used + 16 ? width - used : 16);
                                else
                                        fputs(s, stdout);
                                break;
                        }
                        if (t->align[c] == TABLE_RIGHT)
                                printf("%*s%s  ", (int)pad, "", s);
                        else
                                printf("%s%*s  ", s, (int)pad, "");
                }
                if (on && off)
                        fputs(off, stdout);
                putchar('\n');
        }
        return 0;
}
