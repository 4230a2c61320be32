/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What each task cost, from the kernel's taskstats (generic netlink family
 * "TASKSTATS"). Registered for every CPU (TASKSTATS_CMD_ATTR_REGISTER_CPUMASK),
 * the listener is sent one message per exiting task (thread): its CPU time,
 * storage and character I/O, context switches, page faults, peak RSS and
 * delays. Nothing is sampled.
 *
 * The kernel sends a task's message before the proc connector's exit event
 * for it (both from do_exit(), in that order, in the task itself), so the
 * recorder drains this socket before it handles the connector's events and
 * pairs each exit with its record by task id (bl_taskstats_take()); the COST
 * record is written right after the EXIT record. An exit without a record
 * means the kernel could not queue the message (a full receive queue): the
 * recorder counts those as LOST(COST).
 *
 * Optional at run time: a kernel without taskstats, a registration refused
 * (no CAP_NET_ADMIN, not in the initial namespaces) make bl_taskstats_new()
 * fail with a reason to log, and the recording goes on without costs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct bl_taskstats;

/* Tasks' records kept waiting for their exit events at most: beyond, the oldest are written unpaired. */
#define BL_TASKSTATS_PENDING_MAX 16384
/* A record whose exit event has not come after this long is written on its own (that exit was lost). */
#define BL_TASKSTATS_PENDING_AGE_NS (UINT64_C(2) * NSEC_PER_SEC)

/* One task's record as the kernel sent it. */
struct bl_taskstats_record {
        pid_t tid;        /* the task */
        pid_t tgid;       /* its process; 0 if the kernel did not say (taskstats before version 12) */
        uint64_t read_ns; /* CLOCK_MONOTONIC when the recorder read it */
        struct bl_cost cost;
};

/*
 * Opens a generic netlink socket, resolves the TASKSTATS family and
 * registers for every possible CPU. rcvbuf: receive buffer bytes, 0 for the
 * default (4 MiB). On failure returns -errno and, in *ret_reason (may be
 * NULL), a new string saying why in words for the log ("the kernel has no
 * taskstats (CONFIG_TASKSTATS)").
 */
int bl_taskstats_new(int rcvbuf, struct bl_taskstats **ret, char **ret_reason);
/* Deregisters and closes. Accepts NULL. */
struct bl_taskstats *bl_taskstats_free(struct bl_taskstats *t);
static inline void bl_taskstats_freep(struct bl_taskstats **t)
{
        bl_taskstats_free(*t);
}

/* Called for records that will not be paired (see bl_taskstats_drain/flush). */
typedef int (*bl_taskstats_cb)(const struct bl_taskstats_record *rec, void *userdata);

/*
 * Reads every message queued on the socket into the pending table. A record
 * for a task already pending (its exit event never came) and records beyond
 * BL_TASKSTATS_PENDING_MAX are handed to cb to be written unpaired. Returns
 * records read, -ENOMEM, or cb's negative return value.
 */
int bl_taskstats_drain(struct bl_taskstats *t, bl_taskstats_cb cb, void *userdata);

/*
 * The record of task tid, whose exit the connector reported: taken off the
 * pending table into *ret. Returns 1 if found, 0 if not.
 */
int bl_taskstats_take(struct bl_taskstats *t, pid_t tid, struct bl_taskstats_record *ret);

/* Hands pending records read before now_ns - max_age_ns to cb and drops them (all of them: max_age_ns 0). */
int bl_taskstats_flush(struct bl_taskstats *t, uint64_t now_ns, uint64_t max_age_ns, bl_taskstats_cb cb,
                       void *userdata);

struct bl_taskstats_stats {
        uint64_t records;   /* task records read */
        uint64_t overflows; /* ENOBUFS from the socket: the kernel dropped messages */
        uint64_t malformed; /* messages that could not be decoded */
        uint64_t foreign;   /* messages from another sender than the kernel, ignored */
        size_t max_pending; /* most records waiting at once */
        bool io_delays;     /* the kernel's delay accounting was on when the listener started */
};
void bl_taskstats_get_stats(const struct bl_taskstats *t, struct bl_taskstats_stats *ret);

/*
 * Decodes one datagram (one or more TASKSTATS_CMD_NEW messages; buf aligned
 * to 4 bytes, as netlink messages are) and calls cb
 * for each per-task record in it (TASKSTATS_TYPE_AGGR_PID; the per-process
 * aggregates, TASKSTATS_TYPE_AGGR_TGID, carry only delays and are skipped).
 * flags are or-ed into each record's cost.flags. Every length is checked.
 * Returns records decoded, -EBADMSG for a malformed one (records before it
 * were passed to cb), or cb's negative return value. An acknowledgement or
 * error message for seq is stored in *ret_ack_error (0, or -errno the kernel
 * answered) if ret_ack_error is not NULL, and *ret_acked set.
 */
int bl_taskstats_decode(const void *buf, size_t len, uint32_t flags, uint32_t seq, bool *ret_acked,
                        int *ret_ack_error, bl_taskstats_cb cb, void *userdata);

/* Tests: a listener without a socket, and a record as if read from it. */
int bl_taskstats_new_detached(struct bl_taskstats **ret);
int bl_taskstats_push(struct bl_taskstats *t, const struct bl_taskstats_record *rec, bl_taskstats_cb cb,
                      void *userdata);
