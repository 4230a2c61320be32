/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The `bootlog` program: one file per subcommand, dispatched from the table
 * in bootlog.c. Each verb parses its own options and returns the process exit
 * status: 0 success, 1 data problem (damaged or missing file, nothing found),
 * 2 usage error.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "exit-status.h"
#include "format.h"
#include "model.h"
#include "reader.h"

int verb_record(int argc, char *argv[]);
int verb_tree(int argc, char *argv[]);
int verb_why(int argc, char *argv[]);
int verb_events(int argc, char *argv[]);
int verb_export(int argc, char *argv[]);
int verb_verify(int argc, char *argv[]);
int verb_plot(int argc, char *argv[]);
int verb_boots(int argc, char *argv[]);
int verb_stop(int argc, char *argv[]);
int verb_stats(int argc, char *argv[]);
int verb_diff(int argc, char *argv[]);

/* A recording loaded for a view. */
struct recording {
        char *path;
        struct bl_reader *reader;
        struct bl_model *model; /* NULL unless asked for */
        struct bl_file_info info;
        uint64_t start_ns; /* CLOCK_MONOTONIC of the first event (the START record, else the header's) */
};

/*
 * Opens path; with build_model, reads every event into a model. Logs a clear
 * one-line error itself and returns EXIT_DATA-style failure as a negative
 * errno. Damage found is reported on stderr as a warning (the view goes on
 * with every intact event).
 */
int recording_open(const char *path, bool build_model, struct recording *ret);
void recording_done(struct recording *rec);
/* Prints "warning: N damaged byte ranges skipped ..." to stderr if the reader found damage. */
void recording_warn_damage(const struct recording *rec);

/* "+12.345s" relative to the recording start (or "-0.120s" for processes that started earlier). */
char *format_offset(char *buf, size_t size, const struct recording *rec, uint64_t ts_ns);
/* "1.5ms", "2.304s", "1m04s", "3h02m" */
char *format_duration(char *buf, size_t size, uint64_t ns);
/* "2026-11-22 17:28:53.123456" in local time (or UTC) */
char *format_wallclock(char *buf, size_t size, const struct recording *rec, uint64_t ts_ns, bool utc);
/* "exit 0", "exit 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)", "running" */
char *format_exit(char *buf, size_t size, const struct bl_process *p);

/* Prints "Try 'bootlog VERB --help'." style usage error and returns EXIT_USAGE. */
int usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
