/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * JSON for the views' --json output and export: objects built with one
 * error check, and recorded strings made valid UTF-8 for JSON and CSV.
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

/* "12.345678901", "-0.120000000": seconds as a JSON number printed without floating point (nor the locale's
 * decimal point). NULL on ENOMEM. */
struct json_object *json_seconds(int64_t ns);

struct bl_process;
/* The JSON fields of how p ended, shared by the tree and why views: exit_ns, duration_ns, exit_code,
 * signal, signal_name, core_dumped, running, reparented_to (null where they do not apply). */
void jobj_process_end(struct jobj *j, const struct bl_process *p);

/*
 * JSON strings for export: the upper bound of bytes json_string_write() writes
 * for a string of len bytes (each byte at most \u00XX, plus the quotes).
 */
#define JSON_STRING_MAX(len) (6 * (size_t)(len) + 2)

/*
 * Writes s as a JSON string, quotes included and no NUL, to buf, which has
 * room for JSON_STRING_MAX(strlen(s)) bytes; returns the end of what was
 * written. Each byte that is not part of a valid UTF-8 sequence becomes
 * U+FFFD (JSON text must be UTF-8), then the bytes are spelled as json-c
 * prints a string with JSON_C_TO_STRING_NOSLASHESCAPE: '"' and '\' and
 * \b \f \n \r \t with a backslash, other bytes below 0x20 as \u00XX (lower
 * case hex), everything else ('/', DEL, valid UTF-8) as it is.
 */
char *json_string_write(char *buf, const char *s);
