/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Just enough of the service manager's protocols for bootlogd, without
 * libsystemd (whose dependencies would be most of bootlogd's memory):
 *
 *  - the readiness notification: one datagram to $NOTIFY_SOCKET;
 *  - a D-Bus peer connection to systemd's private socket
 *    (/run/systemd/private, no bus daemon involved): SASL EXTERNAL, then the
 *    method calls Manager.Subscribe and Properties.Get of
 *    FinishTimestampMonotonic, then the StartupFinished signal.
 *
 * The connection never blocks: the caller polls sysbus_get_fd() for
 * sysbus_get_events() and calls sysbus_process(). Everything read is
 * untrusted and checked before use; messages other than the replies and the
 * signal we wait for are skipped without being buffered whole.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SYSTEMD_PRIVATE_SOCKET "/run/systemd/private"

/* Sends text to the service manager's notification socket (a path, or '@' for an abstract name). 0 if path
 * is NULL or empty (no service manager waits for it). */
int sysbus_notify(const char *path, const char *text);

/* D-Bus message types. */
enum {
        SYSBUS_METHOD_CALL = 1,
        SYSBUS_METHOD_RETURN = 2,
        SYSBUS_ERROR = 3,
        SYSBUS_SIGNAL = 4,
};

/* A parsed message header. The strings point into the parsed buffer (NUL-terminated there); NULL if absent.
 */
struct sysbus_message {
        uint8_t type;
        bool big_endian;
        uint32_t serial;
        uint32_t reply_serial; /* 0: none */
        const char *path, *interface, *member, *error_name, *destination, *signature;
        size_t header_size; /* where the body starts */
        uint32_t body_size;
};

/*
 * Parses the header of the message at the start of buf. Returns 1 when it is
 * complete and valid (the body may not be there yet: header_size + body_size
 * is the whole message), 0 if more bytes are needed (at least *ret_need in
 * all; may be NULL), -EBADMSG if it is not a valid message or larger than
 * this parser accepts.
 */
int sysbus_parse_header(const uint8_t *buf, size_t size, struct sysbus_message *ret, size_t *ret_need);

/* The body of m (at body, body_size bytes) as a variant holding a uint64 ("v" of "t"). -EBADMSG otherwise.
 */
int sysbus_parse_variant_u64(const struct sysbus_message *m, const uint8_t *body, uint64_t *ret);

/*
 * Writes a little-endian message: type, serial, reply_serial (0: none) and
 * the string fields of m (NULL: left out; header_size and body_size are
 * ignored), with body_size bytes of body, marshalled as m->signature says
 * (alignment counted from the body's start). Returns its size, or -ENOBUFS
 * if it does not fit in size bytes.
 */
ssize_t sysbus_build(uint8_t *buf, size_t size, const struct sysbus_message *m, const uint8_t *body,
                     size_t body_size);

/* Marshals n strings, a body of signature "s" n times. Returns its size or -ENOBUFS. */
ssize_t sysbus_marshal_strings(uint8_t *buf, size_t size, const char *const *strings, size_t n);

struct sysbus;

/* Connects to the D-Bus peer at path (non-blocking) and starts the exchange as uid. */
int sysbus_connect(const char *path, uid_t uid, struct sysbus **ret);

/* The same over an already connected stream socket (taken over; made non-blocking). */
int sysbus_open_fd(int fd, uid_t uid, struct sysbus **ret);

int sysbus_get_fd(const struct sysbus *b);

/* EPOLLIN, plus EPOLLOUT while output waits. */
uint32_t sysbus_get_events(const struct sysbus *b);

/*
 * Reads and writes what the socket allows without blocking. Returns 1 once
 * systemd's startup is known to have finished (a FinishTimestampMonotonic
 * above 0, or the StartupFinished signal), 0 if not yet, or -errno when the
 * connection is over (closed by the peer, an error reply, a protocol error):
 * free it and connect again later.
 */
int sysbus_process(struct sysbus *b);

/* Accepts NULL, returns NULL. */
struct sysbus *sysbus_free(struct sysbus *b);
