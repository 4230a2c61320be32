/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Reads what /proc holds about a process, right after its exec (or for the
 * start-up snapshot), without ever attributing one process's data to another:
 * /proc/PID/stat is looked up last, and the start time it shows is checked
 * against the event, which proves that every earlier lookup of PID found
 * that same process (a pid is handed out again only once its process is
 * reaped); the open stat fd pins it while it is read. See enrich.c.
 */

#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "event.h"

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
        /*
         * Also read the systemd unit from /proc/PID/cgroup (see
         * bl_unit_from_cgroup()). bl_enricher_new(NULL, ...) turns it on.
         */
        bool read_unit;
};

/*
 * The systemd unit a process belongs to, from the contents of its
 * /proc/PID/cgroup (len bytes, need not be NUL-terminated), derived as
 * systemd's sd_pid_get_unit() does, without asking anything else: the
 * cgroup v2 line ("0::/path"), or on a legacy hierarchy the "name=systemd"
 * one; then the first path component that is not a slice, if it is a valid
 * unit name (foo.service, session-1.scope, init.scope, user@1000.service,
 * sys-devices-x\x2dy.device as written), whatever sub-cgroups follow it.
 * The root cgroup, a path that is not a unit's, or anything malformed: no
 * unit. Paths are taken as they are, relative to the reader's cgroup
 * namespace root (a container without one shows its host's path: no unit).
 * Returns 0 with *ret_unit set to a new string or NULL, or -ENOMEM.
 */
int bl_unit_from_cgroup(const char *s, size_t len, char **ret_unit);

/* The same for one cgroup path (e.g. "/system.slice/foo.service/sub"), NUL-terminated. */
int bl_unit_from_cgroup_path(const char *path, char **ret_unit);

/*
 * Splits an argument area (/proc/PID/cmdline's contents) into a
 * NULL-terminated argv. A process may have rewritten it (setproctitle()),
 * and a cut at a limit lands anywhere: a tail without its NUL is one more
 * argument. Empty arguments are kept. Returns 0 or -ENOMEM.
 */
int bl_argv_split(const char *s, size_t len, char ***ret);

/* opts may be NULL: real /proc, units read. */
int bl_enricher_new(const struct bl_enrich_options *opts, struct bl_enricher **ret);
struct bl_enricher *bl_enricher_free(struct bl_enricher *e);

/*
 * Fills ret with what /proc/PID holds: comm, ppid, start_ns, uid/gid, argv,
 * exe, cwd, unit; status says what could be read. not_after_ns: the process
 * must have started no later than this (CLOCK_MONOTONIC; the event's time),
 * else status is BL_INFO_REUSED and nothing else is kept; 0: no later than
 * this call. A process that is gone, or a zombie (whose argv, exe and cwd
 * are gone), gives BL_INFO_EXITED with whatever is left (comm from a
 * zombie). Whatever status says, every field that is set was read from this
 * very process: readers may show it as is.
 * Returns 0 whatever the status; -ENOMEM only.
 */
int bl_enrich_read(struct bl_enricher *e, pid_t pid, uint64_t not_after_ns, struct bl_proc_info *ret);

/* For an EXEC event: bl_enrich_read(pid, ev->ts_ns) into ev->info. */
int bl_enrich_exec(struct bl_enricher *e, struct bl_event *ev);

/*
 * For an EXEC event whose info already holds what the kernel captured at
 * the exec (execargs.h: argv, comm, start, ids; exe as given to execve()):
 * adds what only /proc holds, exe, cwd and unit, if the process found under
 * the pid has the captured start time (else nothing is taken, status
 * REUSED). argv is not read again, unless the capture was cut at its limit:
 * then /proc's, if it begins with the captured one, replaces it (no longer
 * argv_at_exec). status says what became of the /proc read. Returns 0 or
 * -ENOMEM.
 */
int bl_enrich_exec_captured(struct bl_enricher *e, struct bl_event *ev);

/*
 * For an EXEC event whose process is known to have exited since (its EXIT
 * was received too): its argv, exe and cwd went with its memory, so only
 * what a zombie keeps is looked for (comm, ppid, start, ids), from
 * /proc/PID/stat, in case its parent has not reaped it yet. status is
 * BL_INFO_EXITED, or BL_INFO_REUSED as for bl_enrich_read(). Returns 0 or
 * -ENOMEM.
 */
int bl_enrich_exec_exited(struct bl_enricher *e, struct bl_event *ev);

/*
 * The start-up snapshot: one BL_EVENT_SNAPSHOT per process in /proc
 * (threads excluded, kernel threads included with an empty argv), parents
 * before children (ordered by start time, then pid), ts_ns = time of reading.
 * Processes that vanish during the walk are skipped. Returns the number of
 * events passed to cb, or a negative errno (from opening /proc, or cb's).
 */
int bl_enrich_snapshot(struct bl_enricher *e, bl_event_cb cb, void *userdata);
