/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Reads what /proc holds about a process, right after its exec (or for the
 * start-up snapshot), without ever attributing one process's data to another:
 * /proc/PID is opened once as a directory fd (pinning that process: lookups
 * through it fail once it is reaped, even if the pid is reused) and its start
 * time is checked against the event before anything read is trusted.
 */

#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "source.h" /* bl_event_cb */

struct bl_enricher;

struct bl_enrich_options {
        int proc_fd; /* directory fd of a proc tree; -1: open /proc. Not taken over: the caller keeps it. */
        size_t argv_max;  /* bytes of /proc/PID/cmdline kept; 0: 128 KiB; beyond, argv_truncated */
        uint32_t clk_tck; /* 0: sysconf(_SC_CLK_TCK) */
        /*
         * CLOCK_BOOTTIME - CLOCK_MONOTONIC in ns: /proc/PID/stat start times
         * count boot time, events count monotonic time. 0 with
         * offset_known = false: measured now.
         */
        int64_t boottime_offset_ns;
        bool offset_known;
        /* Resolves the systemd unit of a pinned process; NULL: none. bl_enrich_unit_sd() uses
         * sd_pid_get_unit(). */
        int (*get_unit)(pid_t pid, int pid_dirfd, char **ret_unit);
};

/* sd_pid_get_unit(), trusted only if pid_dirfd still refers to a live process afterwards. */
int bl_enrich_unit_sd(pid_t pid, int pid_dirfd, char **ret_unit);

/* opts may be NULL: real /proc, sd_pid_get_unit. */
int bl_enricher_new(const struct bl_enrich_options *opts, struct bl_enricher **ret);
struct bl_enricher *bl_enricher_free(struct bl_enricher *e);

/*
 * Fills ret with what /proc/PID holds: comm, ppid, start_ns, uid/gid, argv,
 * exe, cwd, unit; status says what could be read. not_after_ns: the process
 * must have started no later than this (CLOCK_MONOTONIC; the event's time),
 * else status is BL_INFO_REUSED and nothing else is kept. 0 skips that check.
 * A process that is gone, or a zombie (whose argv, exe and cwd are gone),
 * gives BL_INFO_EXITED with whatever is left (comm from a zombie). Whatever
 * status says, every field that is set was read from this very process:
 * readers may show it as is.
 * Returns 0 whatever the status; -ENOMEM only.
 */
int bl_enrich_read(struct bl_enricher *e, pid_t pid, uint64_t not_after_ns, struct bl_proc_info *ret);

/* For an EXEC event: bl_enrich_read(pid, ev->ts_ns) into ev->info. */
int bl_enrich_exec(struct bl_enricher *e, struct bl_event *ev);

/*
 * The start-up snapshot: one BL_EVENT_SNAPSHOT per process in /proc
 * (threads excluded, kernel threads included with an empty argv), parents
 * before children (ordered by start time, then pid), ts_ns = time of reading.
 * Processes that vanish during the walk are skipped. Returns the number of
 * events passed to cb, or a negative errno (from opening /proc, or cb's).
 */
int bl_enrich_snapshot(struct bl_enricher *e, bl_event_cb cb, void *userdata);
