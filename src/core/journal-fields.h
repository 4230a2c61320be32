/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The journal schema of recorded events: what an event's systemd-journal
 * entry says. Both programs write such entries, bootlogd live (Forward=,
 * src/bootlogd/forward.c, journald's native protocol) and bootlog from a
 * recording (export --format=journal, src/bootlog/export-journal.c, the
 * journal export format), and one query must find both: their PRIORITY,
 * MESSAGE and BOOTLOG_* fields come from here. The field names are an
 * interface, documented in bootlogd(8) and bootlog(1): change them only by
 * adding.
 *
 * How a field is framed is the caller's (the two formats differ), and so are
 * the fields only one of them writes: the export's trusted fields (_PID,
 * _COMM, __REALTIME_TIMESTAMP, ...). Where the two entries differ in what
 * they say, a flag below names the difference.
 *
 * No allocation but for MESSAGE's strings; no dependency beyond the core's
 * event and escape modules (bootlogd links this).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "event.h"
#include "macro.h"

/* SYSLOG_IDENTIFIER of every event's entry. */
#define BL_JOURNAL_IDENTIFIER "bootlog"

/*
 * PRIORITY (a LOG_LEVEL_*): warning for a process killed by a signal, a core
 * dump, lost events and the end of a recording that lost events; notice for
 * a non-zero exit and a kernel event this version cannot decode; info
 * otherwise.
 */
int bl_journal_priority(const struct bl_event *ev) _pure_;

/*
 * How MESSAGE names a process: its argv escaped as the text views show it
 * (bl_escape_argv(): a recorded newline or escape sequence cannot forge a
 * line or drive a terminal), with "..." after it if mark_cut; without argv
 * (NULL or empty: a kernel thread, or unknown) "[comm]", escaped; "?" if comm
 * is NULL or empty too. New string; NULL on ENOMEM.
 *
 * mark_cut is where the two entries differ: the live forwarding marks an
 * argv that it or the recorder cut, the export does not.
 */
char *bl_journal_display(char *const *argv, bool mark_cut, const char *comm);

/*
 * MESSAGE: "exec 1419 sudo /usr/local/sbin/foo-script", "exit 1426
 * sendmail -t: exit 3", "fork 1431 sudo ...: new thread 1432", "lost 3
 * events (sequence-gap)", "recording started on HOST (recorder pid 99)".
 * display names the event's process (bl_journal_display()); not NULL, but
 * only read for the events about a process. hostname is the recording's,
 * for START; NULL or "" says "?". New string; NULL on ENOMEM.
 */
char *bl_journal_message(const struct bl_event *ev, const char *display, const char *hostname);

/*
 * What the caller knows of the process an event is about, for the BOOTLOG_*
 * fields: the event itself carries only part of it (an exit does not say
 * what exited). Pointers are borrowed; NULL (and 0) for what is not known.
 */
struct bl_journal_process {
        const char *argv; /* BOOTLOG_ARGV: its last exec's arguments joined with spaces (raw bytes) */
        size_t argv_len;
        bool argv_truncated;    /* BOOTLOG_ARGV_TRUNCATED=yes, with argv */
        const char *exe, *unit; /* BOOTLOG_EXE, BOOTLOG_UNIT */
        const char *comm;       /* BOOTLOG_COMM; "" is unknown too */
        pid_t parent_pid;       /* BOOTLOG_PARENT_PID: its forker, or its parent where no fork was seen */
};

/* Where the live forwarding and the export differ in the BOOTLOG_* fields they write. */
enum bl_journal_flags {
        /* BOOTLOG_INFO_STATUS on an exec or snapshot whose /proc details are missing (live only). */
        BL_JOURNAL_INFO_STATUS = 1 << 0,
        /* BOOTLOG_CPU_NSEC on a cost entry also when it is 0 (export only; live leaves it out). */
        BL_JOURNAL_CPU_NSEC_ZERO = 1 << 1,
        /* BOOTLOG_TS_NS also for an event without a time, as 0 (live only). */
        BL_JOURNAL_TS_NS_ZERO = 1 << 2,
};

/* Receives one field: name, and len bytes of value (NUL-terminated; may hold a newline). */
typedef void (*bl_journal_add_t)(const char *name, const char *value, size_t len, void *userdata);

/*
 * Passes the event's BOOTLOG_* fields to add, in their order: BOOTLOG_EVENT,
 * _PID, _TID (a thread other than the main one), _PARENT_PID, _ARGV,
 * _ARGV_TRUNCATED, _EXE, _UNIT, _COMM, [_INFO_STATUS], then by type
 * _EXIT_STATUS ("3", "SIGKILL", "signal 40") and _CORE_DUMPED, _LOST_REASON
 * and _LOST_COUNT, a cost record's figures (_CPU_USER_USEC, ..., the delays
 * only when measured), and last BOOTLOG_TS_NS. p may be NULL: nothing known.
 * flags: enum bl_journal_flags.
 */
void bl_journal_fields(const struct bl_event *ev, const struct bl_journal_process *p, unsigned flags,
                       bl_journal_add_t add, void *userdata);
