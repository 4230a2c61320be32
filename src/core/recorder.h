/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The recording pipeline shared by bootlogd and `bootlog record`:
 * proc connector → /proc enrichment → writer. The caller owns the event
 * loop: it polls bl_recorder_get_fd() and calls bl_recorder_process() when
 * readable, and bl_recorder_flush_if_due() from a timer; or the recorder
 * attaches both itself (bl_recorder_attach_event()). The taskstats socket
 * is not polled: every task's record comes with an exit event, so it is
 * read whenever the connector's events are.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "loop.h"
#include "source.h"
#include "writer.h"

struct bl_recorder;

/* Where argv comes from. */
enum bl_argv_capture {
        BL_ARGV_CAPTURE_AUTO =
            0, /* captured in the kernel at each exec if it can be (execargs.h), else /proc */
        BL_ARGV_CAPTURE_PROC = 1, /* read from /proc after each exec event only */
        _BL_ARGV_CAPTURE_MAX,
        _BL_ARGV_CAPTURE_INVALID = -EINVAL,
};

/* "auto", "proc"; NULL if out of range. And back: -EINVAL if unknown. */
const char *bl_argv_capture_to_string(enum bl_argv_capture c);
enum bl_argv_capture bl_argv_capture_from_string(const char *s);

struct bl_recorder_options {
        int output_fd;                     /* empty file open for writing; taken over */
        size_t block_size;                 /* see bl_writer_options; 0: default */
        int compression_level;             /* 0: default */
        bool sync;                         /* fdatasync each block */
        uint64_t flush_interval_ns;        /* 0: 1 s */
        int rcvbuf;                        /* 0: default of bl_source */
        bool no_snapshot;                  /* skip the start-up snapshot */
        bool no_enrich;                    /* do not read /proc on exec */
        size_t argv_max;                   /* see bl_enrich_options */
        enum bl_argv_capture argv_capture; /* ignored with no_enrich (nothing read at all) */
        size_t exec_ring_size;             /* see bl_execargs_new(); 0: default */
        bool no_cost;                      /* do not listen to taskstats: no COST records */
        /* Which command lines to keep (argv-policy.h); NULL: all. Not copied: must outlive the recorder. */
        const struct bl_argv_policy *argv_policy;
        /* Called for every event after it was enriched and before it is written (may be NULL). */
        bl_event_cb observer;
        void *observer_userdata;
};

struct bl_recorder_stats {
        uint64_t events;    /* events recorded (written or pending) */
        uint64_t lost;      /* events known lost: sequence gaps + blocks not written */
        uint64_t overflows; /* receive-buffer overflows */
        uint64_t execs, execs_with_argv;
        uint64_t execs_argv_at_exec; /* of which argv was captured in the kernel at the exec */
        uint64_t processes;          /* processes seen: running at start (snapshot) and forked since */
        uint64_t costs;              /* COST records written */
        uint64_t costs_missing;      /* exits without a COST record (LOST(COST) counts) */
        uint64_t bytes;              /* file size */
        int last_write_error;
};

/*
 * Subscribes to the proc connector, writes the file header and the START
 * record, then the snapshot. Once this returns, no process event is missed.
 */
int bl_recorder_new(const struct bl_recorder_options *opts, struct bl_recorder **ret);

int bl_recorder_get_fd(const struct bl_recorder *r);

/* Drains the socket: decodes, enriches and writes everything pending. Returns 0 or -errno (fatal only). */
int bl_recorder_process(struct bl_recorder *r);

/* Writes the current block if the flush interval has passed since it was started. */
int bl_recorder_flush_if_due(struct bl_recorder *r);

/* CLOCK_MONOTONIC ns at which the pending block must be flushed; UINT64_MAX if nothing is pending. */
uint64_t bl_recorder_next_flush(const struct bl_recorder *r);

void bl_recorder_get_stats(const struct bl_recorder *r, struct bl_recorder_stats *ret);

/*
 * Whether argv is captured in the kernel at each exec (true), or read from
 * /proc (false); then *ret_reason (may be NULL) says why, in words, or is
 * NULL when the options asked for /proc. Owned by the recorder.
 */
bool bl_recorder_argv_at_exec(const struct bl_recorder *r, const char **ret_reason);

/*
 * Whether taskstats is listened to (true): each task's cost is recorded at its
 * exit. Else *ret_reason (may be NULL) says why, or is NULL when the options
 * said no. Owned by the recorder.
 */
bool bl_recorder_cost(const struct bl_recorder *r, const char **ret_reason);

/* Why the recording will have ended, for the END record. */
void bl_recorder_set_stop_reason(struct bl_recorder *r, enum bl_stop_reason reason);

/* Moves the recording to fd; see bl_writer_relocate(). */
int bl_recorder_relocate(struct bl_recorder *r, int fd);

/*
 * Drains what is still queued, unsubscribes, writes the END record and closes
 * the file. Frees r. Returns the last write error, if any.
 */
int bl_recorder_finish(struct bl_recorder *r, struct bl_recorder_stats *ret_stats);

/* Frees without a clean END (tests, fatal errors). Accepts NULL, returns NULL. */
struct bl_recorder *bl_recorder_free(struct bl_recorder *r);

/*
 * Runs the recorder from an event loop: drains the socket when it is
 * readable and writes pending blocks when their flush interval ends. A fatal
 * read error ends the loop with that error (bl_loop_exit()). The sources are
 * released with the recorder.
 */
int bl_recorder_attach_event(struct bl_recorder *r, struct bl_loop *l);

/*
 * Creates the file for a new recording, open for reading and writing (a
 * recording can be moved: bl_recorder_relocate()): mode 0640, O_EXCL|O_NOFOLLOW, so an
 * existing file or a planted symlink is never written through. With replace,
 * an existing file is removed first, unless a recorder holds it locked
 * (-EBUSY). The new file is locked (flock LOCK_EX) while fd is open.
 * Returns the fd or -errno (-EEXIST, -EBUSY).
 */
int bl_output_create(const char *path, bool replace);
/* The same for name below the directory dfd (AT_FDCWD: the working directory). */
int bl_output_create_at(int dfd, const char *name, bool replace);
