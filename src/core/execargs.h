/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Exact argv for every exec, captured in the kernel: a BPF program on the
 * sched_process_exec tracepoint (bpf/execargs.bpf.c) copies the new image's
 * arguments, file name, comm, ids and start time into a ring buffer, before
 * the proc connector sends its exec event for the same exec. The recorder
 * drains the ring before it handles the connector's events and pairs each
 * exec event with its record (bl_execargs_take()); the connector stays the
 * source of every event and of loss accounting.
 *
 * Optional twice over: built only with -Dbpf (clang, libbpf, bpftool), and
 * at run time the kernel may refuse (no BTF, no CAP_BPF/CAP_PERFMON or
 * CAP_SYS_ADMIN, lockdown, an old kernel): bl_execargs_new() then fails
 * with a reason to log, and argv is read from /proc as before.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct bl_execargs;

/*
 * Ring buffer bytes (kernel memory, also mapped read-only by the recorder):
 * some 600 records of 100 bytes. The recorder empties it at every batch of
 * connector events; storms of 20,000 children (also with the recorder at
 * nice 19) never left more than 6 KiB in it. A full ring drops records: they
 * are counted (LOST, exec-args-dropped), and those execs' argv is read from
 * /proc.
 */
#define BL_EXECARGS_RING_DEFAULT ((size_t)64 * 1024)

/*
 * Loads and attaches the program. libbpf's relocation against the kernel's
 * BTF takes some 10 MiB for a moment: that is done by a program of its own
 * (bootlog-execargs, in libexecdir/bootlog, or $BOOTLOG_EXECARGS_LOADER),
 * run as a short-lived child, which hands over only the ring buffer and the
 * attachment (as file descriptors), so the recorder carries no libbpf.
 * ring_size: bytes, a power of two of at least a page; 0:
 * BL_EXECARGS_RING_DEFAULT. On failure returns
 * -errno and, in *ret_reason (may be NULL), a new string saying why in words
 * for the log ("the kernel has no BTF (/sys/kernel/btf/vmlinux is
 * missing)"); -EOPNOTSUPP when built without BPF support.
 * *ret_loader is the loader's pid once it was started (0 if it never was),
 * also on failure: the proc connector may report its exit after the
 * recorder subscribed, an exit of no process of the recording.
 */
int bl_execargs_new(size_t ring_size, pid_t *ret_loader, struct bl_execargs **ret, char **ret_reason);
struct bl_execargs *bl_execargs_free(struct bl_execargs *x);

/*
 * Moves every record in the ring buffer to the pending list. Call it before
 * handling connector events received since the last call: the kernel writes
 * an exec's record before it sends the exec event. Returns records read, or
 * -ENOMEM.
 */
int bl_execargs_drain(struct bl_execargs *x);

/*
 * The record of the exec the proc connector reported for pid at ts_ns: the
 * latest pending record of that tgid written at or before ts_ns (the
 * tracepoint runs just before the connector event, in the same task, so no
 * other exec of that process can come between them). Taken off the list,
 * with any older record of the tgid (their exec events were lost). Fills
 * argv, argv_truncated, argv_at_exec, comm, start_ns, ppid, uid and gid of
 * info (status OK) and, in *ret_path (may be NULL), the file name given to
 * execve(). Returns 1 if found, 0 if not (info untouched), -ENOMEM.
 */
int bl_execargs_take(struct bl_execargs *x, pid_t pid, uint64_t ts_ns, struct bl_proc_info *info,
                     char **ret_path);

/* The process pid left at ts_ns (its leader's exit): pending records of it written before are stale. */
void bl_execargs_forget(struct bl_execargs *x, pid_t pid, uint64_t ts_ns);

/*
 * Records lost so far, and not yet reported: those the ring buffer had no
 * room for (counted by the program), and pending ones given up (more than
 * BL_EXECARGS_PENDING_MAX waiting). Resets the count. final: also reads the
 * program's own counter (the drops after the last record read).
 */
uint64_t bl_execargs_take_lost(struct bl_execargs *x, bool final);

/*
 * Test seams: a pairing table without a kernel behind it, fed records as
 * the ring would deliver them (struct bl_execargs_record, execargs-record.h,
 * cut to its header plus args_len + path_len bytes). bl_execargs_drain()
 * then only squeezes the table.
 */
int bl_execargs_new_detached(struct bl_execargs **ret);
/* Returns 0 (malformed records are ignored, as from the ring) or -ENOMEM. */
int bl_execargs_push(struct bl_execargs *x, const void *record, size_t len);

struct bl_execargs_stats {
        uint64_t records; /* read from the ring */
        uint64_t matched; /* paired with an exec event */
        uint64_t lost;    /* dropped by the ring or given up */
        size_t pending;
        size_t max_backlog; /* most bytes found waiting in the ring at a drain: how close it came to full */
        size_t ring_size;
};
void bl_execargs_get_stats(const struct bl_execargs *x, struct bl_execargs_stats *ret);
