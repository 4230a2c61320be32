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

/* Returns a new escaped string (NULL on ENOMEM). s may be NULL: returns "". */
char *bl_escape(const char *s);

/* As bl_escape() for argv joined with spaces; an element with spaces or empty is quoted ('a b'). */
char *bl_escape_argv(char *const *argv);
