/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The proc connector (cn_proc) as an event source: the socket, read in
 * batches; each datagram is decoded by cnproc.h.
 *
 * The socket is set up with libnl-3 (NETLINK_CONNECTOR, multicast group
 * CN_IDX_PROC, PROC_CN_MCAST_LISTEN), but datagrams are read from its fd
 * directly: libnl turns ENOBUFS into NLE_NOMEM, and a lost event must be seen.
 *
 * Loss is reported as BL_EVENT_LOST events in the stream itself:
 *  - ENOBUFS from recv → one LOST(reason ENOBUFS, count 0),
 *  - a gap in a CPU's sequence numbers → LOST(reason SEQ_GAP, count, cpu),
 *  - datagrams not from the kernel or malformed → LOST(reason BAD_MESSAGE, count 1).
 */

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct bl_source;

struct bl_source_options {
        int rcvbuf; /* receive buffer bytes; 0: 32 MiB (SO_RCVBUFFORCE, falling back to SO_RCVBUF) */
};

/*
 * Opens the proc connector and subscribes. Errors: -EPROTONOSUPPORT when the
 * kernel has no proc connector, -EPERM without CAP_NET_ADMIN, other -errno.
 * opts may be NULL.
 */
int bl_source_new(const struct bl_source_options *opts, struct bl_source **ret);

/*
 * Test seam: a source reading datagrams from fd (e.g. one end of a
 * SOCK_DGRAM/SOCK_SEQPACKET socketpair; sender port is taken as 0). Takes
 * ownership of fd. No subscription is sent.
 */
int bl_source_new_from_fd(int fd, struct bl_source **ret);

/* Sends PROC_CN_MCAST_IGNORE (if subscribed) and frees. Accepts NULL, returns NULL. */
struct bl_source *bl_source_free(struct bl_source *s);

/* The fd to poll for POLLIN. */
int bl_source_get_fd(const struct bl_source *s);

/*
 * Reads every datagram pending on the socket without blocking (up to
 * max_datagrams if > 0) and dispatches the decoded events to cb. Returns the
 * number of datagrams read (0: nothing pending), or -errno on a socket error
 * other than ENOBUFS/EAGAIN/EINTR, or cb's negative return.
 */
int bl_source_dispatch(struct bl_source *s, size_t max_datagrams, bl_event_cb cb, void *userdata);

struct bl_source_stats {
        uint64_t datagrams;
        uint64_t events;    /* kernel events decoded */
        uint64_t lost;      /* sum of SEQ_GAP counts */
        uint64_t overflows; /* ENOBUFS seen */
        uint64_t bad_messages;
        int rcvbuf; /* effective receive buffer (as getsockopt reports it) */
};

void bl_source_get_stats(const struct bl_source *s, struct bl_source_stats *ret);
