/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the text views call a process: its program image as one escaped
 * line (never anything that did not come from that image's own record),
 * and how it ended. Every label is escaped with bl_escape(): recorded
 * strings are chosen by whoever ran the process and may hold terminal
 * escape sequences.
 */

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* "exit 0", "exit 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)" for a wait status. */
char *format_wait_status(char *buf, size_t size, uint32_t status);

/* "exit 0", "exit 3", "killed by SIGKILL", "killed by SIGSEGV (core dumped)", "running" */
char *format_exit(char *buf, size_t size, const struct bl_process *p);

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
