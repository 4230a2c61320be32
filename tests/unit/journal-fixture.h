/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by the unit tests of the journal (crc32c, format, writer, reader,
 * roundtrip): lists of events, deterministic random events, and writing and
 * reading them back through a memfd. The helpers assert with cmocka: a
 * failure in one fails the test that called it.
 */

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "format.h"
#include "reader.h"
#include "writer.h"

struct evlist {
        struct bl_event *ev;
        size_t n, alloc;
};

/* Appends ev, taking ownership of its strings; ev is left as bl_event_init() makes it. */
void evlist_push(struct evlist *l, struct bl_event *ev);
void evlist_done(struct evlist *l);

/* The state of rng(): each test seeds it, so that its events are the same on every run. */
extern uint64_t rng_state;
uint64_t rng(void);

char *xstrdup(const char *s);

/* Everything meaningful for the type; the rest must be as bl_event_init() left it. */
void assert_event_equal(const struct bl_event *a, const struct bl_event *b);

int new_memfd(void);
/* File info with every field set, the longest kernel release and a non-ASCII hostname. */
struct bl_file_info test_info(void);

/* What END.lost should say: the sum of the counts of the file's LOST records (wrapping, as the writer). */
uint64_t lost_sum(const struct evlist *l, size_t from, size_t to);
/* Reads every event of the file on fd (the fd is duplicated); returns the reader for its stats. */
struct bl_reader *read_events(int fd, struct evlist *ret);
void assert_no_damage(struct bl_reader *r);

/* n events of random types and fields (no END), from rng(). */
void make_random_events(struct evlist *l, size_t n);
/* Writes events with the given options to fd; returns the writer's stats before close. */
struct bl_writer_stats write_events(int fd, const struct evlist *l, size_t block_size);
