/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The proc connector's datagrams decoded into events: no socket, no
 * allocation per event. source.c feeds it what it reads; tests and the fuzz
 * target feed it crafted datagrams.
 */

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct bl_cnproc_decoder;

int bl_cnproc_decoder_new(struct bl_cnproc_decoder **ret);
struct bl_cnproc_decoder *bl_cnproc_decoder_free(struct bl_cnproc_decoder *d);

/*
 * Decodes one datagram as received from the socket (one or more nlmsghdr
 * with a cn_msg and a proc_event each), tracking per-CPU sequence numbers.
 * sender_port is the nl_pid of the sender (must be 0, the kernel). Every
 * length is checked before use. Calls cb for each event, LOST events
 * included. Returns the number of events passed to cb, or the first negative
 * value cb returned.
 */
int bl_cnproc_decode(struct bl_cnproc_decoder *d, const void *buf, size_t len, uint32_t sender_port,
                     bl_event_cb cb, void *userdata);
