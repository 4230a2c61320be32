/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Helpers private to the reading verbs (tree, why, events, export, verify),
 * implemented in util.c beside the shared ones declared in bootlog.h: option
 * errors, tree glyphs, and labels for recorded program images. Every label
 * is escaped with bl_escape(): recorded strings are chosen by whoever ran the
 * process and may hold terminal escape sequences.
 */

#include <stdbool.h>
#include <stddef.h>
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
};

/* Sets the locale from the environment (once) and returns the glyphs matching its codeset. */
const struct glyphs *glyphs_get(void);

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

/* The reported ppid if it differs from the process's forker (reparented, e.g. daemonised), else 0. */
pid_t process_reparented_to(const struct bl_process *p);

/* If the model counted lost events, prints a warning line saying what that means for the view (stdout). */
void print_lost_warning(const struct recording *rec);

/* Flushes stdout; logs and returns a negative errno if output could not be written. */
int flush_stdout(void);
