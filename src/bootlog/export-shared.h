/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What `bootlog export` (export.c: options, selection, dispatch) shares with
 * its writers, one file per format: export-json.c, export-csv.c and
 * export-journal.c. Each writer gets every event of the recording in order
 * and writes to stdout; a write error shows in ferror(stdout), and
 * export.c's flush_stdout() reports it. Their event functions return 0, or
 * -ENOMEM, which export.c logs.
 */

#include <stdbool.h>

#include "event.h"
#include "recording.h"

/* NDJSON: one line per event. finish writes out what is still buffered; also after a failure. */
int export_json_event(const struct recording *rec, const struct bl_event *ev);
void export_json_finish(void);

/* CSV: the header row first, then one row per event. */
int export_csv_header(void);
int export_csv_event(const struct recording *rec, const struct bl_event *ev);

/* The journal export format: one entry per event. Needs the recording's model (the process tree). */
int export_journal_event(const struct recording *rec, const struct bl_event *ev);

/* An event the kernel sent (it has a CPU), as opposed to one the recorder wrote. */
static inline bool is_kernel_event(enum bl_event_type t)
{
        return t >= BL_EVENT_FORK && t <= BL_EVENT_COREDUMP ? true : t == BL_EVENT_UNKNOWN;
}

/* An event that carries what /proc said of the process (ev->info). */
static inline bool has_info(const struct bl_event *ev)
{
        return ev->type == BL_EVENT_EXEC || ev->type == BL_EVENT_SNAPSHOT;
}
