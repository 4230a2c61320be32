/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Reads a journal file back, event by event. The reader tolerates torn tails
 * and corrupt blocks: it skips what does not check out, resynchronises at the
 * next valid block and remembers each damaged byte range, so a damaged file
 * still yields every intact event.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "format.h"

struct bl_reader;

struct bl_damage {
        uint64_t offset; /* first damaged byte */
        uint64_t length; /* bytes skipped */
        const char
            *reason; /* static string: "bad block header", "checksum mismatch", "truncated block", ... */
};

struct bl_reader_stats {
        uint64_t blocks_ok;
        uint64_t blocks_bad;
        uint64_t events; /* events returned so far */
        uint64_t file_size;
        bool clean_end; /* an END record was read: the recording was closed cleanly */
};

/*
 * Opens a journal file. Errors: -EBADMSG "not a bootlog journal file" (bad
 * magic or too short), -EPROTONOSUPPORT (incompatible flags or version this
 * reader does not know), or the errno of open/read.
 */
int bl_reader_open(const char *path, struct bl_reader **ret);
/* As bl_reader_open() on an fd the reader takes ownership of. */
int bl_reader_open_fd(int fd, struct bl_reader **ret);

struct bl_reader *bl_reader_free(struct bl_reader *r);

const struct bl_file_info *bl_reader_get_info(const struct bl_reader *r);

/*
 * Returns the next event in file order in *ret (which the caller releases
 * with bl_event_done()): 1 for an event, 0 at the end of the file, -ENOMEM or
 * an I/O error. Damage is not an error: it is skipped and recorded.
 */
int bl_reader_next(struct bl_reader *r, struct bl_event *ret);

/* Damaged ranges found so far, in file order. */
size_t bl_reader_get_damage(const struct bl_reader *r, const struct bl_damage **ret);

void bl_reader_get_stats(const struct bl_reader *r, struct bl_reader_stats *ret);

/* Starts again from the first block (damage list is kept, not duplicated). */
int bl_reader_rewind(struct bl_reader *r);

/*
 * Following a recording while it is written (bootlog events --follow).
 *
 * In follow mode a block cut short by the end of the file is one the writer
 * has not finished writing: bl_reader_next() returns 0 there, without
 * recording damage, and reads it once it is whole. Damage anywhere else is
 * skipped and recorded as always.
 */
void bl_reader_set_follow(struct bl_reader *r, bool follow);

/*
 * Takes in what was appended since the file was opened or last refreshed:
 * reads the file's size again. Returns 1 if it changed, 0 if not, or -errno.
 * Call it after bl_reader_next() returned 0.
 */
int bl_reader_refresh(struct bl_reader *r);

/*
 * Goes on reading from fd (taken over in any case), another file holding the
 * same recording: a copy of it that the writer appends to now, as bootlogd
 * makes when it moves a recording from /run to /var/log. The header must be
 * the same (boot id, clocks, recorder); reading continues at the same offset,
 * the copy holding the same bytes there. -EXDEV if it is another recording,
 * else as bl_reader_open_fd(). Call it after bl_reader_next() returned 0.
 */
int bl_reader_replace_fd(struct bl_reader *r, int fd);
