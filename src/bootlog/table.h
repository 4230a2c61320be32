/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Tables of text cells printed with aligned columns, for the summary views (stats, diff). */

#include <stdbool.h>
#include <stddef.h>

/*
 * A table of text cells printed with aligned columns:
 *
 *     COMMAND   RUNS   TOTAL  LONGEST
 *     sed        240  1.203s  21.0ms
 *
 * Cells are copied; they must be valid UTF-8 already escaped for the
 * terminal (width is counted in code points). The last column is not padded
 * and is cut with an ellipsis to fit a line width if one is given.
 */
struct table;

enum table_align {
        TABLE_LEFT,
        TABLE_RIGHT,
};

/* A table with these column headers ("COUNT", ...) and alignments, n columns. NULL on ENOMEM. */
struct table *table_new(size_t n, const char *const *headers, const enum table_align *align);
struct table *table_free(struct table *t);
void table_freep(struct table **t);

/* Appends a cell to the current row; a new row starts after the last column. Returns 0 or -ENOMEM. */
int table_add(struct table *t, const char *cell);
int table_addf(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The row being filled (or the one just completed) is printed between on and off (colour sequences). */
void table_highlight_row(struct table *t, const char *on, const char *off);
/* Rows so far. */
size_t table_rows(const struct table *t);

/*
 * Prints the header (between header_on and header_off, which may be "") and
 * the rows, each line starting with indent. width > 0: lines are cut to
 * that many characters (the last column only). Returns 0 or -ENOMEM.
 */
int table_print(const struct table *t, const char *indent, size_t width, const char *header_on,
                const char *header_off);
