/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Command-line errors of the reading verbs, said the same way by each:
 * "bootlog VERB: what was wrong. Try 'bootlog VERB --help'." on stderr.
 */

#include <sys/types.h>

#include "output.h"

/* Prints "bootlog VERB: ... Try 'bootlog VERB --help'." and returns EXIT_USAGE. */
int usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Reports what getopt_long() complained about (c is '?' or ':', the optstring
 * starting with ':' so getopt stays quiet) as one usage_error() line.
 * Returns -EINVAL for parse_argv() to pass on.
 */
int getopt_failed(const char *verb, int c, char *argv[]);

/* Parses a positive pid; -EINVAL if s is not one. */
int parse_pid(const char *s, pid_t *ret);

/*
 * Handles --color=WHEN for verb: stores the mode in *ret, or prints a
 * usage_error() naming the valid values and returns -EINVAL.
 */
int parse_color_option(const char *verb, const char *arg, enum color_mode *ret);
