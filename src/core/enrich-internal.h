/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by enrich.c and snapshot.c only: the enricher's state and a read
 * that also returns the raw start time, which orders a snapshot correctly
 * even across a suspend (where start_ns cannot be told, see enrich.c).
 */

#include "enrich.h"

struct bl_enricher {
        int proc_fd; /* owned: our own dup of the caller's fd, or /proc opened O_PATH */
        size_t argv_max;
        uint64_t clk_tck;
        int64_t boottime_offset_ns;
        bool offset_known; /* false: measured at every read (it grows with each suspend) */
        bool read_unit;

        /* Scratch buffer for stat, cmdline and links, kept between reads: no malloc per read. */
        char *buf;
        size_t buf_size;
};

/*
 * bl_enrich_read(), also returning the start time in clock ticks since boot
 * as /proc/PID/stat gives it, and whether stat could be read at all (false:
 * the process was gone, or unreadable, before anything was known of it).
 * ret_start_ticks and ret_found may be NULL.
 */
int enrich_read_full(struct bl_enricher *e, pid_t pid, uint64_t not_after_ns, struct bl_proc_info *ret,
                     uint64_t *ret_start_ticks, bool *ret_found);
