/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Choosing the recording a reading verb reads.
 *
 * Recordings live in RECORDINGS_DIR_PERSISTENT (one file per boot, once
 * /var/log is writable) and RECORDINGS_DIR_RUNTIME (the current boot before
 * that, and while it is being recorded); which files count and in what order
 * is recordings.h's one definition, which bootlogd prunes by.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "recording.h"
#include "recordings.h"

/* What -f/--file, -b/--boot and -D/--directory asked for. */
struct selection {
        const char *file;      /* --file FILE: exactly this file */
        const char *directory; /* -D DIR: look only here (NULL: the two default directories) */
        bool boot;             /* -b given */
        bool boot_by_id;       /* -b ID, else -b N */
        int64_t boot_offset;   /* -b N: 0 the newest, -1 the one before, ...; 1 the oldest, 2 ... */
        uint8_t boot_id[BL_ID128_SIZE];
};

/*
 * A reading verb's getopt_long() optstring takes these, and its options[]
 * { "file", required_argument, NULL, 'f' }, { "boot", optional_argument, NULL, 'b' }
 * and { "directory", required_argument, NULL, 'D' }.
 */
#define SELECTION_OPTSTRING "f:b::D:"
/* Lines for the verb's --help (options column 24 characters wide). */
#define SELECTION_HELP                                                                                      \
        "  -b, --boot[=N|ID]     read the recording of this boot: 0 (or nothing) the\n"                     \
        "                        newest, -1 the one before, ...; 1 the oldest, 2 ...;\n"                    \
        "                        or a boot ID (see 'bootlog boots')\n"                                      \
        "  -D, --directory DIR   look for recordings in DIR instead of\n"                                   \
        "                        " RECORDINGS_DIR_PERSISTENT " and " RECORDINGS_DIR_RUNTIME "\n"            \
        "  -f, --file FILE       read this recording file\n"

/*
 * Handles a selection option c ('f', 'b' or 'D') for verb. For -b/--boot
 * without an attached value, the next argument is taken as its value if it is
 * a boot offset or ID (as journalctl does: "-b -1"). Returns 0, or -EINVAL
 * after a usage_error().
 */
int selection_parse_option(struct selection *s, const char *verb, int c, int argc, char *argv[]);

/* Checks the combination once all options are parsed: 0, or -EINVAL after a usage_error(). */
int selection_check(const struct selection *s, const char *verb);

/*
 * Opens the selected recording as recording_open() does: --file, else the
 * boot asked for with -b, else the current boot's recording (boot id of the
 * running kernel) if there is one, else the newest. Logs one clear line
 * itself on failure (no recordings, no such boot, unreadable file) and
 * returns a negative errno.
 */
int recording_select(const struct selection *s, bool build_model, struct recording *ret);

/* One candidate file found by boot_list_load(). */
struct boot_entry {
        char *path;
        int error; /* negative errno if its header could not be read; then info is zero */
        struct bl_file_info info;
        uint64_t size;
        unsigned source; /* 0: the persistent directory (or -D DIR), 1: the runtime one */
        bool locked;     /* a running recorder holds its lock: still being recorded */
};

/* The recordings of a directory (or of the two default ones). */
struct boot_list {
        struct boot_entry *entries; /* readable ones first, oldest first (ref_realtime_ns, then path);
                                     * then unreadable ones, by path */
        size_t n;                   /* all entries */
        size_t n_readable;          /* entries[0 .. n_readable) have a header: these are the boots */
        char *where;                /* "/var/log/bootlog or /run/bootlog", or DIR, for messages */
};

/*
 * Scans directory (NULL: the default ones, where a recording found in both,
 * being moved, keeps the /var/log copy only if it is at least as large as the
 * /run one; a copy is told by its header: same boot id, start and recorder).
 * Missing default directories count as empty; anything else that prevents
 * reading a directory is logged and returned as a negative errno.
 */
int boot_list_load(const char *directory, struct boot_list *ret);
void boot_list_done(struct boot_list *l);

/* Why e->error: "not a bootlog recording", "Permission denied", ... */
const char *boot_entry_error(const struct boot_entry *e);

/* The journalctl-style index of readable entry i: 0 the newest, -1 the one before, ... */
static inline int64_t boot_list_index(const struct boot_list *l, size_t i)
{
        return (int64_t)i - (int64_t)(l->n_readable - 1);
}
