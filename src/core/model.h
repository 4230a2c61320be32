/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The process tree, rebuilt from a recording's events.
 *
 * - A process is identified by (pid, start time), never by pid alone: pids
 *   are reused.
 * - Its parent is the process that forked it (from the fork event), not the
 *   ppid it had later after reparenting to init or a subreaper; the later
 *   ppid, where known, is kept in reported_ppid.
 * - Every exec is kept, in order (sudo → foo-script → sendmail in one pid).
 * - Threads are not processes: a fork whose child tid differs from its pid
 *   only counts a thread of its process.
 * - Processes running when the recording started come from snapshot events
 *   and are linked to their parents by ppid; a later fork event for the same
 *   (pid, start) merges into the snapshot entry.
 *
 * The structs below are the model's read-only view for the renderers: the
 * model owns them and they live until bl_model_free(). Their layout is
 * exposed (rather than a getter per field) because every view walks all of
 * it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

/*
 * The strings of an exec's info (argv and its elements, exe, cwd, unit) are
 * shared between the execs that ran the same: equal contents, one copy.
 */
struct bl_exec {
        uint64_t ts_ns;           /* exec time (snapshot: time of reading) */
        bool from_snapshot;       /* the image found running at start-up, not an exec seen */
        struct bl_proc_info info; /* argv, exe, cwd, unit, uid, comm, status */
};

/*
 * What a process used: the sum of its tasks' COST records (its main thread
 * and its other threads), hiwater_rss_kb their largest. Its children's costs
 * are not included.
 */
struct bl_process_cost {
        struct bl_cost sum; /* flags: BL_COST_IO_DELAYS if every record had it; elapsed_us, exit_code: the
                               main thread's */
        uint32_t tasks;     /* COST records added */
        bool complete;      /* the main thread's record is in: the whole process is counted */
};

/* Fields are ordered to leave no padding: a recording can hold millions of processes. */
struct bl_process {
        pid_t pid;
        uint32_t exit_status; /* wait status (see bl_exit_status_decode), if exited */
        uint64_t start_ns;    /* fork time; snapshot processes: /proc start time (tick precision) */
        uint64_t exit_ns;     /* 0 if no exit was recorded */
        pid_t reported_ppid;  /* ppid from the snapshot or exit event; 0 unknown */
        uint32_t n_threads;   /* threads created (not counting the main one) */
        uint32_t uid;         /* last uid event (effective), or the exec info's; UINT32_MAX unknown */
        bool fork_seen;       /* the fork event is in the recording */
        bool from_snapshot;   /* found running at start-up */
        bool exited;
        bool coredump;                /* a coredump event was seen */
        struct bl_process *parent;    /* the forker (snapshot: the ppid's process); NULL for a root */
        struct bl_process **children; /* by start time */
        size_t n_children;
        struct bl_exec *execs; /* in order */
        size_t n_execs;
        char comm[BL_COMM_MAX];       /* last known comm */
        uint64_t index;               /* order of appearance in the model, for stable sorting */
        struct bl_process_cost *cost; /* NULL: no COST record for it */
};

struct bl_model;

struct bl_model_stats {
        uint64_t events[_BL_EVENT_TYPE_MAX]; /* per type */
        uint64_t lost;         /* sum of LOST counts of missing events (bl_lost_reason_is_event_loss) */
        uint64_t lost_records; /* LOST events */
        uint64_t overflows;    /* LOST(ENOBUFS): count unknown */
        uint64_t processes;
        uint64_t threads;
        uint64_t first_ts_ns, last_ts_ns; /* over all events with a timestamp */
        uint64_t cost_processes;          /* processes with a complete cost (their main thread's record) */
        uint64_t cost_orphans;            /* COST records that matched no process */
        uint64_t cost_missing;            /* sum of LOST(COST) counts: tasks whose exit has no cost */
};

int bl_model_new(struct bl_model **ret);
struct bl_model *bl_model_free(struct bl_model *m);

/*
 * Adds one event, in file order. The model takes over ev's info strings
 * (ev->info is left empty); the caller still calls bl_event_done(ev).
 * Returns 0 or -ENOMEM.
 */
int bl_model_add(struct bl_model *m, struct bl_event *ev);

/* Roots of the tree (processes without a known parent), by start time. */
size_t bl_model_get_roots(const struct bl_model *m, struct bl_process *const **ret);

/* Every process, in order of appearance. */
size_t bl_model_get_processes(const struct bl_model *m, struct bl_process *const **ret);

/* The process with this pid that was alive at ts_ns (the newest one started at or before ts_ns); NULL if
 * none. */
struct bl_process *bl_model_find(const struct bl_model *m, pid_t pid, uint64_t ts_ns);

void bl_model_get_stats(const struct bl_model *m, struct bl_model_stats *ret);

/*
 * The program image p ran at ts_ns: its last exec at or before ts_ns; if it
 * had not exec'd yet, the image it was forked with (its parent's at the fork,
 * recursively), with *ret_inherited set true. NULL if unknown.
 */
const struct bl_exec *bl_process_image_at(const struct bl_process *p, uint64_t ts_ns, bool *ret_inherited);

/* The reported ppid if it differs from the process's forker (reparented, e.g. daemonised), else 0. */
pid_t bl_process_reparented_to(const struct bl_process *p);

/* Whether p failed: it dumped core, was killed by a signal or exited non-zero. A running process has not. */
bool bl_process_failed(const struct bl_process *p);

/* The last exec, or the inherited image (as above, at exit or now). NULL if unknown. */
const struct bl_exec *bl_process_last_image(const struct bl_process *p, bool *ret_inherited);

/* Adds c into acc: sums, hiwater_rss_kb the larger, tasks added, complete if both are, IO_DELAYS if both
 * have it. An empty acc (tasks 0) takes c's flags. */
void bl_process_cost_add(struct bl_process_cost *acc, const struct bl_process_cost *c);

/*
 * The cost of p and all its descendants: the sum over those that have one.
 * Returns the number of processes in the subtree without a complete cost
 * (still running at the end, or their record missing).
 */
uint64_t bl_process_subtree_cost(const struct bl_process *p, struct bl_process_cost *ret);

/* A short label: joined argv of the image, else its exe, else "[comm]", else "?". New string; NULL on
 * ENOMEM. */
char *bl_exec_label(const struct bl_exec *e, const char *fallback_comm);
