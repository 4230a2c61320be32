/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Appends events to a journal file. Events are encoded into an in-memory
 * block; a full block (or an explicit flush) is compressed with zstd,
 * checksummed and written with a single write(2), so a crash loses at most
 * the block being filled.
 *
 * Write failures never lose earlier blocks: a block that cannot be written
 * (ENOSPC, EIO, ...) is dropped, the file is cut back to its last good block,
 * and the next block that can be written starts with a LOST record counting
 * the dropped events with the reason. The writer then keeps going.
 */

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "format.h"

struct bl_writer;

struct bl_writer_options {
        size_t block_size;     /* flush when the encoded block reaches this many bytes; 0: 64 KiB */
        int compression_level; /* zstd level; 0: 3 */
        bool sync;             /* fdatasync() after every block */
};

struct bl_writer_stats {
        uint64_t events;         /* events accepted by bl_writer_append() */
        uint64_t events_written; /* events in blocks that reached the file */
        uint64_t lost;           /* events in blocks that could not be written */
        uint64_t blocks;         /* blocks written */
        uint64_t bytes;          /* file size, header included */
        uint64_t write_errors;   /* failed block writes */
        int last_error;          /* last write error (negative errno), 0 if none */
};

/*
 * Starts a journal file on fd, which must be open for writing, empty and
 * positioned at 0 (the writer owns fd from now on and closes it on free).
 * Writes the header at once. opts may be NULL for defaults.
 */
int bl_writer_new(int fd, const struct bl_file_info *info, const struct bl_writer_options *opts,
                  struct bl_writer **ret);

/*
 * Encodes ev into the current block; writes the block when it is full.
 * A write failure is absorbed (see above) and returned as a negative errno so
 * the caller can log it; the event itself is kept or counted as lost, never
 * silently dropped. -ENOMEM is the only other failure.
 */
int bl_writer_append(struct bl_writer *w, const struct bl_event *ev);

/* Writes the current block if it holds any event. Same error semantics as append. */
int bl_writer_flush(struct bl_writer *w);

/* Bytes encoded in the block being filled (0 if empty). */
size_t bl_writer_pending(const struct bl_writer *w);

void bl_writer_get_stats(const struct bl_writer *w, struct bl_writer_stats *ret);

/* The reason the END record written by bl_writer_close() gives. Default: BL_STOP_UNKNOWN. */
void bl_writer_set_stop_reason(struct bl_writer *w, enum bl_stop_reason reason);

/*
 * Moves the recording to fd (an empty file open for writing, e.g. on
 * persistent storage once it is writable): writes the pending block, copies
 * every block written so far, syncs, and from then on appends to fd. The
 * writer takes fd over in any case; on failure it keeps writing to the old
 * file and returns -errno. The caller removes the old file.
 */
int bl_writer_relocate(struct bl_writer *w, int fd);

/*
 * Appends an END record (with the totals), flushes, syncs and frees.
 * Returns the last flush's error, if any. Accepts NULL.
 */
int bl_writer_close(struct bl_writer *w);

/* Frees without writing END (as after a crash); pending events are written first. Accepts NULL, returns
 * NULL. */
struct bl_writer *bl_writer_free(struct bl_writer *w);
