/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tables of text cells with aligned columns; see table.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "table.h"
#include "text-width.h"

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

/* Prints s cut to max characters as every view cuts text (cut_chars()): never inside an escape. */
static int print_cut(const char *s, size_t max)
{
        _cleanup_free_ char *c = cut_chars(strdup(s), max);

        if (!c)
                return -ENOMEM;
        fputs(c, stdout);
        return 0;
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
                                else if (width > 0) {
                                        /* However narrow the terminal, some of the command line shows. */
                                        int k = print_cut(s, width > used + 16 ? width - used : 16);

                                        if (k < 0)
                                                return k;
                                } else
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
