/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Makes recorded strings (argv, comm, paths: chosen by whoever ran the
 * process) safe to print on a terminal: control characters, DEL, C1 controls,
 * backslashes and invalid UTF-8 come out as C-style escapes (\n, \t, \e,
 * \\, \xNN), so a process cannot forge output lines or drive the terminal.
 * Valid printable UTF-8 is kept.
 */

#include <stddef.h>

/*
 * Length (1..4) of the valid UTF-8 sequence at s, 0 if the byte at s does not
 * start one (stray continuation bytes, overlong forms, surrogates, code points
 * past U+10FFFF, a sequence cut by the NUL). s must be NUL-terminated.
 */
size_t bl_utf8_valid_len(const char *s);

/* Returns a new escaped string (NULL on ENOMEM). s may be NULL: returns "". */
char *bl_escape(const char *s);

/* As bl_escape() for argv joined with spaces; an element with spaces or empty is quoted ('a b'). */
char *bl_escape_argv(char *const *argv);

/*
 * JSON strings for export: the upper bound of bytes bl_json_string() writes
 * for a string of len bytes (each byte at most \u00XX, plus the quotes).
 */
#define BL_JSON_STRING_MAX(len) (6 * (size_t)(len) + 2)

/*
 * Writes s as a JSON string, quotes included and no NUL, to buf, which has
 * room for BL_JSON_STRING_MAX(strlen(s)) bytes; returns the end of what was
 * written. Each byte that is not part of a valid UTF-8 sequence becomes
 * U+FFFD (JSON text must be UTF-8), then the bytes are spelled as json-c
 * prints a string with JSON_C_TO_STRING_NOSLASHESCAPE: '"' and '\' and
 * \b \f \n \r \t with a backslash, other bytes below 0x20 as \u00XX (lower
 * case hex), everything else ('/', DEL, valid UTF-8) as it is.
 */
char *bl_json_string(char *buf, const char *s);
