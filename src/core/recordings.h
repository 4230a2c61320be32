/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The recordings directory, one definition for the recorder (which creates
 * recordings and removes old ones) and the reader (which lists them and picks
 * one): where recordings live, which files of a directory are recordings, and
 * in what order they come.
 *
 * A boot is recorded to RECORDINGS_DIR_RUNTIME/BOOT_ID.bootlog (BOOT_ID-N.bootlog
 * for a further recording of the same boot), which moves to
 * RECORDINGS_DIR_PERSISTENT once /var/log is writable. The boot id in a
 * file's header is what counts, not its name: every regular file named
 * *.bootlog that does not start with '.' is a recording, readable or not.
 * Hidden files are left to whoever writes them (a copy in progress, say).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "format.h"

#define RECORDINGS_DIR_PERSISTENT "/var/log/bootlog"
#define RECORDINGS_DIR_RUNTIME    "/run/bootlog"
/* The running recorder's pid: bootlogd writes it when it records the boot, bootlog stop reads it. */
#define RECORDER_PID_FILE RECORDINGS_DIR_RUNTIME "/bootlogd.pid"
#define RECORDING_SUFFIX  ".bootlog"

/* Whether a file of this name is a recording (if it is a regular file): "*.bootlog", not hidden. */
bool bl_recording_name_is_candidate(const char *name);

/* One recording found in a directory. */
struct bl_recording {
        char *name; /* the file's name in the directory */
        uint64_t size;
        struct timespec mtime;
        bool locked; /* a running recorder holds its lock (flock): it is being recorded */
        int error;   /* negative errno if its header could not be read; then info is zero */
        struct bl_file_info info;
};

/*
 * The one order of recordings, for qsort(): readable ones first, by the start
 * of the recording in their header (ref_realtime_ns), then by name; then the
 * unreadable ones, by name. The "newest" recording is the last readable one.
 */
int bl_recording_compare(const struct bl_recording *a, const struct bl_recording *b);

/*
 * Whether two headers are of one recording (a copy keeps the header, as when
 * bootlogd moves a recording from /run to /var/log): no two recordings share
 * a boot, a start and a recorder.
 */
bool bl_recording_same(const struct bl_file_info *a, const struct bl_file_info *b);

/* The recordings of a directory. */
struct bl_recordings {
        struct bl_recording *entries; /* in bl_recording_compare() order */
        size_t n;
        size_t n_readable; /* entries[0 .. n_readable) have a header: these are the boots */
};

/*
 * Lists the recordings of the directory dir_fd (open for reading; it is not
 * taken over, nor its position moved) and reads each one's header (with
 * bl_reader_open_fd()). A file that is not regular (after following a
 * symbolic link), or that is gone by the time it is looked at, is left out;
 * one that cannot be opened or whose header cannot be read is listed with
 * its error. Never blocks on a FIFO. Returns 0, -ENOMEM, or the errno of
 * reading the directory.
 */
int bl_recordings_scan(int dir_fd, struct bl_recordings *ret);

void bl_recording_done(struct bl_recording *r);
/* Frees the entries; accepts an empty list. */
void bl_recordings_done(struct bl_recordings *l);
