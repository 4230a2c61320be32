/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Which command lines a recording keeps (ArgvPolicy= in bootlog.conf,
 * --argv= for bootlogd, bootlog.argv= on the kernel command line).
 *
 * Command lines can hold secrets: passwords and tokens passed as arguments.
 * The policy decides, per process, whether its argv is recorded; the
 * executable's path, comm, cwd and everything else are recorded either way.
 *
 *   all            every argv (the default)
 *   none           no argv at all
 *   PATTERN,...    only the argv of programs matching one of the shell
 *                  patterns (fnmatch(3), no flags: '*' matches '/' too),
 *                  each tried against the executable's path (/proc/PID/exe),
 *                  the comm (the kernel's 15-character name) and argv[0]:
 *                  "sshd", "systemd-*", or "/usr/lib/systemd/" followed by "*".
 *
 * Patterns are separated by commas or white space, so none can contain
 * those. comm and argv[0] are chosen by the program itself: a match is a
 * privacy filter ("only these programs' arguments are worth keeping"), not
 * a guarantee that a program cannot get its arguments recorded.
 */

#include <stdbool.h>

#include "event.h"

/* The most patterns a policy holds, and the longest pattern. */
#define BL_ARGV_POLICY_PATTERNS_MAX 256
#define BL_ARGV_POLICY_PATTERN_MAX  4096

enum bl_argv_mode {
        BL_ARGV_ALL,
        BL_ARGV_NONE,
        BL_ARGV_MATCH,
        _BL_ARGV_MODE_MAX,
        _BL_ARGV_MODE_INVALID = -EINVAL,
};

struct bl_argv_policy;

/*
 * Parses text ("all", "none" or a list of patterns; white space around it is
 * ignored). Returns 0 and the policy in *ret, -ENOMEM, or -EINVAL with a
 * message saying what is wrong in *ret_error (allocated, may be NULL when out
 * of memory; ret_error itself may be NULL).
 */
int bl_argv_policy_parse(const char *text, struct bl_argv_policy **ret, char **ret_error);

/* Accepts NULL; returns NULL. */
struct bl_argv_policy *bl_argv_policy_free(struct bl_argv_policy *p);

static inline void bl_argv_policy_freep(struct bl_argv_policy **p)
{
        bl_argv_policy_free(*p);
}

enum bl_argv_mode bl_argv_policy_mode(const struct bl_argv_policy *p);

/*
 * Whether the argv of the process described by info is to be recorded. A
 * NULL policy is "all". In MATCH mode a process with none of exe, comm and
 * argv[0] known matches nothing.
 */
bool bl_argv_policy_keep(const struct bl_argv_policy *p, const struct bl_proc_info *info);

/*
 * Applies the policy to info: frees its argv (left NULL, "not recorded") when
 * the policy does not keep it. Kernel threads (an empty argv) keep theirs:
 * it holds nothing, and tells them apart. Returns true when argv was dropped.
 */
bool bl_argv_policy_apply(const struct bl_argv_policy *p, struct bl_proc_info *info);
