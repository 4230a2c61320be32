/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A small single-threaded event loop: epoll for file descriptors, one
 * signalfd for signals, and CLOCK_MONOTONIC timers kept in a list whose
 * earliest deadline bounds epoll_wait()'s timeout. The recorder needs one fd,
 * one flush timer and a few signals; the programs a few more timers. Times are
 * CLOCK_MONOTONIC nanoseconds, as now_monotonic() (time-util.h) gives them.
 *
 * Sources belong to the loop. A source created with a non-NULL ret is also
 * the caller's handle: the caller frees it with bl_loop_source_free(), before
 * or after the loop (a source outlives its loop detached and inert). A source
 * created with ret == NULL lives as long as the loop. Sources may be freed,
 * disabled or re-armed from inside any callback, their own included.
 *
 * A callback that returns a negative errno disables its source (logged at
 * debug level); it does not end the loop: call bl_loop_exit() for that.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "macro.h"

struct bl_loop;
struct bl_loop_source;

enum bl_loop_enabled {
        BL_LOOP_OFF,
        BL_LOOP_ON,      /* io, signal: every time; timer: again whenever its (unchanged) time has passed */
        BL_LOOP_ONESHOT, /* once, then OFF (before the callback runs) */
};

typedef int (*bl_loop_io_cb)(struct bl_loop_source *s, int fd, uint32_t revents, void *userdata);
/* when_ns: the time the timer was set to (not the time it ran: re-arm with when_ns + period for a steady
 * rate). */
typedef int (*bl_loop_time_cb)(struct bl_loop_source *s, uint64_t when_ns, void *userdata);
typedef int (*bl_loop_signal_cb)(struct bl_loop_source *s, const struct signalfd_siginfo *si,
                                 void *userdata);
typedef int (*bl_loop_defer_cb)(struct bl_loop_source *s, void *userdata);

int bl_loop_new(struct bl_loop **ret);

/* Frees the loop and the sources nobody holds a handle to; held sources are detached. Accepts NULL. */
struct bl_loop *bl_loop_free(struct bl_loop *l);

/* Watches fd (not taken over) for events (EPOLLIN, ...); enabled ON. */
int bl_loop_add_io(struct bl_loop *l, struct bl_loop_source **ret, int fd, uint32_t events, bl_loop_io_cb cb,
                   void *userdata);

/* A timer at when_ns (CLOCK_MONOTONIC), enabled ONESHOT; when_ns == UINT64_MAX: created OFF. */
int bl_loop_add_time(struct bl_loop *l, struct bl_loop_source **ret, uint64_t when_ns, bl_loop_time_cb cb,
                     void *userdata);

/* Delivers sig (blocked here in the calling thread, as a signalfd needs); enabled ON. One source per signal.
 */
int bl_loop_add_signal(struct bl_loop *l, struct bl_loop_source **ret, int sig, bl_loop_signal_cb cb,
                       void *userdata);

/* Runs cb on the next iteration, before waiting for anything; enabled ONESHOT. */
int bl_loop_add_defer(struct bl_loop *l, struct bl_loop_source **ret, bl_loop_defer_cb cb, void *userdata);

int bl_loop_source_set_enabled(struct bl_loop_source *s, enum bl_loop_enabled enabled);
enum bl_loop_enabled bl_loop_source_get_enabled(const struct bl_loop_source *s);

/* io only: what to watch for (EPOLLIN, EPOLLOUT, ...). -EINVAL for other sources. */
int bl_loop_source_set_io_events(struct bl_loop_source *s, uint32_t events);

/* Timers only: moves the deadline (the enabled state is unchanged). -EINVAL for other sources. */
int bl_loop_source_set_time(struct bl_loop_source *s, uint64_t when_ns);

/* Timers only: set_time() and enable ONESHOT in one call; UINT64_MAX disables. */
int bl_loop_source_arm(struct bl_loop_source *s, uint64_t when_ns);

/* The loop s belongs to; NULL once the loop was freed. */
struct bl_loop *bl_loop_source_get_loop(const struct bl_loop_source *s);

/* Disables, detaches and frees s. Accepts NULL, returns NULL. */
struct bl_loop_source *bl_loop_source_free(struct bl_loop_source *s);

/* CLOCK_MONOTONIC now, in ns. */
uint64_t bl_loop_now(const struct bl_loop *l);

/*
 * Runs until bl_loop_exit(); returns its code. Returns -errno if waiting
 * itself fails, or -ECHILD if nothing is left that could ever end the loop
 * (no source enabled). bl_loop_run() may be called again after it returned.
 */
int bl_loop_run(struct bl_loop *l);

/* One iteration: dispatches what is pending, waiting at most timeout_ns (UINT64_MAX: no limit). Returns 1 if
 * the loop was asked to exit, 0 otherwise, or -errno. */
int bl_loop_run_once(struct bl_loop *l, uint64_t timeout_ns);

/* Ends bl_loop_run() with code once the current callback returns; the first code given wins. */
void bl_loop_exit(struct bl_loop *l, int code);

static inline void bl_loop_freep(struct bl_loop **l)
{
        bl_loop_free(*l);
}
#define _cleanup_loop_ _cleanup_(bl_loop_freep)
