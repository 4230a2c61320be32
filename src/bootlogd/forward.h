/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Live forwarding of recorded events to the systemd journal (Forward=journal).
 *
 * bootlogd must never wait for journald: at boot it may not run yet (no
 * socket before the switch to the real root), and later it may be busy,
 * stopped or rate-limiting. sd_journal_send() blocks when journald's queue is
 * full, so the journal's native protocol is written here, on a non-blocking
 * datagram socket. An entry that cannot be sent at once is counted and
 * dropped, never queued; the recording is the same either way.
 *
 * Two layers: a journal entry and a connection that sends it (also used for
 * bootlogd's summary), and the forwarder, which turns events into entries.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "event.h"
#include "macro.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"

/*
 * One entry in the native protocol: KEY=value lines, or, for a value holding
 * a newline, KEY, newline, the length as 64-bit little-endian, the value and a
 * newline. An allocation failure is remembered and reported by the send.
 */
struct journal_entry {
        char *data;
        size_t len, size;
        bool oom;
};

/* Empties e for the next entry; keeps its buffer. */
void journal_entry_reset(struct journal_entry *e);
/* Frees e's buffer; e may be reused after journal_entry_reset(). */
void journal_entry_done(struct journal_entry *e);
/* Adds KEY with len bytes of value (binary form if the value holds a newline). */
void journal_entry_add(struct journal_entry *e, const char *key, const char *value, size_t len);
void journal_entry_add_string(struct journal_entry *e, const char *key, const char *value);
void journal_entry_addf(struct journal_entry *e, const char *key, const char *format, ...) _printf_(3, 4);

struct journal_conn;

/* A connection to journald's native socket at path; connects on the first send. */
int journal_conn_new(const char *path, struct journal_conn **ret);
/* Accepts NULL, returns NULL. */
struct journal_conn *journal_conn_free(struct journal_conn *j);
static inline void journal_conn_freep(struct journal_conn **j)
{
        journal_conn_free(*j);
}

/*
 * Sends e. Waits at most timeout_ms for room in journald's queue (0: not at
 * all). Connects first if not connected, but tries at most once a second: the
 * socket may appear at any time (journald starts, or the root switched).
 * Returns 0, or -EAGAIN/-ENOBUFS (journald's queue is full), -ENOENT,
 * -ECONNREFUSED and others (journald not there; the connection is dropped and
 * tried again later), -EMSGSIZE, -ENOMEM.
 */
int journal_conn_send(struct journal_conn *j, const struct journal_entry *e, int timeout_ms);

/* Lets the next send try to connect at once (the root changed: the socket may be there now). */
void journal_conn_retry_now(struct journal_conn *j);

/* Why an event was not forwarded. */
enum forward_failure {
        FORWARD_UNAVAILABLE, /* no socket, or nobody listening on it */
        FORWARD_BUSY,        /* journald's queue was full */
        FORWARD_TOO_LARGE,   /* the entry did not fit in a datagram */
        FORWARD_NO_MEMORY,
        _FORWARD_FAILURE_MAX,
};

struct forward_stats {
        uint64_t forwarded;     /* entries journald's socket took */
        uint64_t not_forwarded; /* selected events that did not get there: the sum of failed[] */
        uint64_t failed[_FORWARD_FAILURE_MAX];
};

struct forwarder;

/*
 * Sends the events spec selects to the journal socket at path. Keeps a map
 * from pid to the process's forker and last exec (argv, exe, unit), from every
 * event it is given, so an exit names what exited.
 */
int forwarder_new(const struct forward_spec *spec, const char *path, struct forwarder **ret);
/* Accepts NULL, returns NULL. */
struct forwarder *forwarder_free(struct forwarder *f);

/*
 * Takes every recorded event, in order (the recorder's observer), after its
 * /proc enrichment. Sends an entry for the selected ones without waiting;
 * failures are counted, never returned: recording goes on regardless.
 */
void forwarder_event(struct forwarder *f, const struct bl_event *ev);

/* See journal_conn_retry_now(). */
void forwarder_retry_now(struct forwarder *f);

void forwarder_get_stats(const struct forwarder *f, struct forward_stats *ret);

/*
 * "forwarded 230 events, 12 not (journald unavailable)", for the summary.
 * Returns a new string, NULL on ENOMEM.
 */
char *forward_stats_describe(const struct forward_stats *st);
