/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Helpers private to the reading verbs (tree, why, events, export, verify),
 * implemented in util.c beside the shared ones declared in bootlog.h: option
 * errors, tree glyphs, --since/--until times, and labels for recorded
 * program images (cut to a width by cut_chars()). Every label
 * is escaped with bl_escape(): recorded strings are chosen by whoever ran the
 * process and may hold terminal escape sequences.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bootlog.h"

/* Characters to draw trees with: UTF-8 box drawing, or ASCII when the locale's codeset is not UTF-8. */
struct glyphs {
        const char *branch;     /* "├─ " a child followed by siblings */
        const char *last;       /* "└─ " the last child */
        const char *vertical;   /* "│  " an ancestor with siblings still to come */
        const char *space;      /* "   " */
        const char *chain;      /* "├" a link in an ancestry chain */
        const char *chain_last; /* "└" */
        const char *rail;       /* "│" an ancestry chain going on past a line that is not a link */
        const char *exec;       /* "↳" a further exec of the same process */
        const char *ellipsis;   /* "…" a cut command line */
        const char *times;      /* "×" before the count of identical processes shown as one line */
        const char *warning;    /* "⚠" before a line about lost events */
};

/* Sets the locale from the environment (once) and returns the glyphs matching its codeset. */
const struct glyphs *glyphs_get(void);

/*
 * A --since or --until value, parsed before the recording is open and
 * resolved against it afterwards:
 *
 *   - an offset from the start of the recording: "5", "5.5" (seconds), "+2s",
 *     "-0.5s", "1500ms", "2m30s", "1h"; units ns, us, ms, s, m (or min), h;
 *   - a wall-clock time, "HH:MM[:SS[.frac]]" or "YYYY-MM-DD HH:MM[:SS[.frac]]"
 *     (a "T" between date and time is taken too), in local time or UTC. A
 *     time without a date is on the day of the recording's start, or the
 *     next day if it would be more than 12 hours before the start.
 */
struct time_bound {
        bool set;
        bool wallclock;
        int64_t offset_ns; /* an offset */
        bool has_date;     /* wall clock: */
        int year, month, day, hour, minute, second;
        uint32_t nsec;
};

/* Parses s into *ret; -EINVAL if it is neither form. */
int time_bound_parse(const char *s, struct time_bound *ret);

/*
 * b as a CLOCK_MONOTONIC time of rec's clock (signed: it may lie before the
 * clock's zero). utc: wall-clock values are UTC, else local time. Unset:
 * INT64_MIN, or INT64_MAX with upper set. -EINVAL if the wall-clock time
 * does not exist or the recording has no clock reference.
 */
int time_bound_resolve(const struct time_bound *b, const struct recording *rec, bool utc, bool upper,
                       int64_t *ret);

/* Help lines for --since/--until (options column 24 characters wide). */
#define TIME_BOUND_HELP                                                                                     \
        "  -S, --since TIME      only what happened (or ran) at or after TIME: an offset\n"                 \
        "                        from the start of the recording (5.5, +2s, 300ms) or\n"                    \
        "                        a wall-clock time (HH:MM:SS, 'YYYY-MM-DD HH:MM:SS')\n"                     \
        "  -U, --until TIME      only what happened (or ran) at or before TIME\n"

/*
 * Reports what getopt_long() complained about (c is '?' or ':', the optstring
 * starting with ':' so getopt stays quiet) as one usage_error() line.
 * Returns -EINVAL for parse_argv() to pass on.
 */
int getopt_failed(const char *verb, int c, char *argv[]);

/* Parses a positive pid; -EINVAL if s is not one. */
int parse_pid(const char *s, pid_t *ret);

/* "exit 0", "exit 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)" for a wait status. */
char *format_wait_status(char *buf, size_t size, uint32_t status);

/* Default cut for command lines in text views (--full lifts it). */
#define LABEL_MAX_CHARS 200

/*
 * A program image as one escaped line: the argv if /proc was read ("[comm]"
 * for a kernel thread), else what is known and why the rest is missing, e.g.
 * "[foo] (exited before its arguments could be read)". Never anything that
 * did not come from this image's own record. Cut to max_chars characters
 * (0: no limit). New string; NULL on ENOMEM.
 */
char *info_label(const struct bl_proc_info *info, size_t max_chars);

/*
 * The image p ran at ts_ns, labelled as above; an image it never exec'd
 * itself (inherited from its forker) is shown as "(fork of: LABEL)". If no
 * image is known, "[comm]" from p's own record or "?". New string; NULL on ENOMEM.
 */
char *process_label_at(const struct bl_process *p, uint64_t ts_ns, size_t max_chars);

/* The label of the image p started with: its first exec (or snapshot image), else its inherited image. */
char *process_first_label(const struct bl_process *p, size_t max_chars);

/* Number of characters (UTF-8 code points) in s. */
size_t utf8_chars(const char *s);

/*
 * Cuts the (valid UTF-8, escaped) string s to max_chars characters, the
 * ellipsis glyph that ends a cut string included; 0: no cut. Never inside a
 * bl_escape() escape ("\xff" stays whole or goes). Takes s over; the result
 * is s or a new string, NULL on ENOMEM.
 */
char *cut_chars(char *s, size_t max_chars);

/* The reported ppid if it differs from the process's forker (reparented, e.g. daemonised), else 0. */
pid_t process_reparented_to(const struct bl_process *p);

struct jobj;
/* The JSON fields of how p ended, shared by the tree and why views: exit_ns, duration_ns, exit_code,
 * signal, signal_name, core_dumped, running, reparented_to (null where they do not apply). */
void jobj_process_end(struct jobj *j, const struct bl_process *p);

/* If the model counted lost events, prints a warning line saying what that means for the view (stdout),
 * in yellow if colour is on. */
void print_lost_warning(const struct recording *rec);

/* Flushes stdout; logs and returns a negative errno if output could not be written. */
int flush_stdout(void);

/*
 * Choosing the recording a reading verb reads.
 *
 * Recordings live in RECORDINGS_DIR_PERSISTENT (one file per boot, once
 * /var/log is writable) and RECORDINGS_DIR_RUNTIME (the current boot before
 * that, and while it is being recorded); which files count and in what order
 * is recordings.h's one definition, which bootlogd prunes by.
 */
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
