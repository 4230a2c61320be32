/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A recording opened for a view: its reader, its header, the time every
 * offset is counted from and, if asked for, the process tree; and times
 * shown relative to it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "model.h"
#include "reader.h"

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
/* "2026-11-22 17:28:53.123456" in local time (or UTC) */
char *format_wallclock(char *buf, size_t size, const struct recording *rec, uint64_t ts_ns, bool utc);

/* If the model counted lost events, prints a warning line saying what that means for the view (stdout),
 * in yellow if colour is on. */
void print_lost_warning(const struct recording *rec);
