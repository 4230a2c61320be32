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
