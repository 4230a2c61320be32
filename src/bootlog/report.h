/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Presentation helpers of the summary views (stats, diff) and of export:
 * tables with aligned columns, and recorded strings made valid UTF-8 for
 * JSON and CSV.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

/*
 * A copy of s in which each byte that is not part of a valid UTF-8 sequence
 * is replaced by U+FFFD: JSON and CSV readers expect UTF-8 text. New string;
 * NULL on ENOMEM (s must not be NULL).
 */
char *utf8_fix(const char *s);

/*
 * A JSON string of s made valid UTF-8 as by utf8_fix(); NULL if s is NULL
 * (JSON null) or, with *ret_oom set, out of memory.
 */
struct json_object *json_string_utf8(const char *s, bool *ret_oom);

/*
 * A JSON object under construction: the first failure (out of memory) sticks
 * in r and later additions are skipped, so a whole object is built and
 * checked once. Strings are made valid UTF-8 as by utf8_fix(); a NULL string
 * or argv gives JSON null.
 */
struct jobj {
        struct json_object *o;
        int r;
};

/* A new empty object; j.r is -ENOMEM if it could not be allocated. */
struct jobj jobj_new(void);
/* Adds v under key, taking v over; v NULL means out of memory. */
void jobj_put(struct jobj *j, const char *key, struct json_object *v);
void jobj_null(struct jobj *j, const char *key);
void jobj_int(struct jobj *j, const char *key, int64_t v);
void jobj_bool(struct jobj *j, const char *key, bool v);
void jobj_str(struct jobj *j, const char *key, const char *s);
void jobj_strv(struct jobj *j, const char *key, char *const *l);
/* Adds the finished object sub under key (taking it over, also when it failed). */
void jobj_put_obj(struct jobj *j, const char *key, struct jobj *sub);
/* Appends the finished object sub to the array a, taking it over. Returns 0 or -ENOMEM. */
int json_array_append(struct json_object *a, struct jobj *sub);
/* Returns j->r after releasing the object if it failed; on success the caller owns j->o. */
int jobj_finish(struct jobj *j);

/* Prints o as one line of JSON followed by a newline to stdout. Returns 0 or -ENOMEM. */
int json_print(struct json_object *o);

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
