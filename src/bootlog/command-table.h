/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The programs a recording ran, grouped into commands, for stats and diff.
 *
 * A run is one program image a process ran: from its exec to its next exec
 * or its exit. Only execs seen during the recording count; the images of
 * processes already running when it started, and processes that never
 * exec'd (a shell's subshells), are not runs. A run is timed if both ends
 * are in the recording.
 *
 * A command is the name of its program (the file name of argv[0], else the
 * command name the kernel gave), or with COMMAND_KEY_ARGV its whole command
 * line with numbers and hex-like tokens replaced, so that "sleep 0.5" and
 * "sleep 1.5" are one command (see command_line_normalise()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum command_key {
        COMMAND_KEY_NAME, /* argv[0]'s file name, else comm */
        COMMAND_KEY_ARGV, /* the normalised command line, else "[comm]" */
        _COMMAND_KEY_MAX,
        _COMMAND_KEY_INVALID = -EINVAL,
};

struct command_run {
        const struct bl_process *process;
        const struct bl_exec *exec;
        uint64_t duration_ns; /* if timed */
        bool timed;
};

struct command {
        char *name;               /* raw bytes as recorded: escape before printing */
        struct command_run *runs; /* timed ones first, shortest first; then the others */
        size_t n_runs;
        size_t n_timed;
        uint64_t total_ns;  /* sum over the timed runs */
        uint64_t median_ns; /* over the timed runs; 0 if none */
        uint64_t max_ns;    /* the longest timed run; 0 if none */
};

struct command_table {
        struct command *commands; /* sorted by name (strcmp) */
        size_t n;
        struct command_run *runs; /* all runs, owned here */
        size_t n_runs;
};

/* Groups the runs of every process in m. Returns 0 or -ENOMEM. */
int command_table_build(const struct bl_model *m, enum command_key key, struct command_table *ret);
void command_table_done(struct command_table *t);

/* The command of this name, NULL if none. */
const struct command *command_table_find(const struct command_table *t, const char *name);

/* The longest timed run of c; NULL if none was timed. */
static inline const struct command_run *command_longest(const struct command *c)
{
        return c->n_timed > 0 ? &c->runs[c->n_timed - 1] : NULL;
}

/*
 * s with every word of decimal digits replaced by "N" and every hex-like word
 * (4 or more hex digits, at least one a decimal digit and one a letter; or 0x
 * and hex digits) by "X". Words are maximal runs of ASCII letters and digits:
 * "sleep 0.5" and "sleep 12.25" both give "sleep N.N", "/proc/4242/fd" gives
 * "/proc/N/fd", "--id=9f86d081884c" gives "--id=X"; "sda1" and "python3" stay.
 * New string; NULL on ENOMEM.
 */
char *command_line_normalise(const char *s);
