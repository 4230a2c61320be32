/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The event model: one struct for everything the recorder writes and the
 * reader returns. Kernel events keep the kernel's meaning; the recorder adds
 * what /proc still held (struct bl_proc_info) and records loss as events too.
 *
 * Timestamps are CLOCK_MONOTONIC nanoseconds, as the proc connector gives
 * them; the file header holds a MONOTONIC/REALTIME pair to turn them into
 * wall-clock times.
 *
 * The numeric values of enum bl_event_type, bl_lost_reason and bl_info_status
 * are written to disk: never renumber them, only append.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"

#define BL_COMM_MAX         16 /* TASK_COMM_LEN, including the NUL */
#define BL_UNKNOWN_DATA_MAX 64

enum bl_event_type {
        BL_EVENT_FORK = 1,      /* pid/tid: the child; fork.parent_*: the forker */
        BL_EVENT_EXEC = 2,      /* pid/tid; info: what /proc held right after the exec */
        BL_EVENT_EXIT = 3,      /* pid/tid; exit.* */
        BL_EVENT_UID = 4,       /* pid/tid; id.real/effective */
        BL_EVENT_GID = 5,       /* pid/tid; id.real/effective */
        BL_EVENT_SID = 6,       /* pid/tid: setsid() */
        BL_EVENT_PTRACE = 7,    /* pid/tid; ptrace.tracer_* (0 on detach) */
        BL_EVENT_COMM = 8,      /* pid/tid; info.comm is the new name */
        BL_EVENT_COREDUMP = 9,  /* pid/tid; coredump.parent_* */
        BL_EVENT_SNAPSHOT = 10, /* a process already running when recording started; pid, info */
        BL_EVENT_LOST = 11,     /* lost.*: events the recording does not hold */
        BL_EVENT_UNKNOWN = 12,  /* a kernel event type this version cannot decode; unknown.* */
        BL_EVENT_START = 13,    /* recording started; start.* */
        BL_EVENT_END = 14,      /* recording ended cleanly; end.* */
        BL_EVENT_COST = 15,     /* what a task used, from the kernel's taskstats at its exit; pid: its
                                   process, tid: the task; cost.* */
        _BL_EVENT_TYPE_MAX,
        _BL_EVENT_TYPE_INVALID = -EINVAL,
};

/* Why a recording ended (END record). */
enum bl_stop_reason {
        BL_STOP_UNKNOWN = 0,          /* not given (files from before the field existed, too) */
        BL_STOP_SIGNAL = 1,           /* SIGTERM/SIGINT, e.g. `bootlog stop` or service stop */
        BL_STOP_STARTUP_FINISHED = 2, /* systemd reported StartupFinished (and the tail passed) */
        BL_STOP_DURATION = 3,         /* the configured duration (Until=) passed */
        BL_STOP_MAX_DURATION = 4,     /* the safety limit (MaxDuration=) passed */
        BL_STOP_COMMAND_EXITED = 5,   /* `bootlog record`: the command and its descendants are done */
        BL_STOP_ERROR = 6,            /* a fatal error ended the recording */
        _BL_STOP_REASON_MAX,
        _BL_STOP_REASON_INVALID = -EINVAL,
};

enum bl_lost_reason {
        BL_LOST_ENOBUFS = 1,     /* receive queue overflowed; the count follows as SEQ_GAP records */
        BL_LOST_SEQ_GAP = 2,     /* per-CPU sequence numbers skipped lost.count events on lost.cpu */
        BL_LOST_DISK_FULL = 3,   /* a block could not be written (ENOSPC/EDQUOT): lost.count events */
        BL_LOST_WRITE_ERROR = 4, /* a block could not be written for another reason */
        BL_LOST_ENRICH = 5,      /* /proc could not be read for lost.count processes (other than exit) */
        BL_LOST_BAD_MESSAGE = 6, /* malformed or foreign datagrams ignored */
        BL_LOST_EXEC_ARGS = 7,   /* lost.count exec records of the kernel-side argv capture dropped (its ring
                                    buffer was full): those execs' argv was read from /proc, if at all */
        BL_LOST_COST = 8,        /* lost.count exits whose taskstats record never came (the kernel could not
                                    queue it): those tasks have no COST record */
        _BL_LOST_REASON_MAX,
        _BL_LOST_REASON_INVALID = -EINVAL,
};

/* What became of the /proc read for an exec or snapshot. */
enum bl_info_status {
        BL_INFO_OK = 0,         /* argv, exe, cwd read from the process itself */
        BL_INFO_EXITED = 1,     /* the process exited before /proc could be read: only comm is known */
        BL_INFO_REUSED = 2,     /* the pid already belonged to a newer process: nothing read is kept */
        BL_INFO_DENIED = 3,     /* permission denied */
        BL_INFO_ERROR = 4,      /* another error; see info.error */
        BL_INFO_NOT_READ = 5,   /* enrichment was off */
        BL_INFO_SUPERSEDED = 6, /* the process exec'd again before it could be read */
        _BL_INFO_STATUS_MAX,
        _BL_INFO_STATUS_INVALID = -EINVAL,
};

/* What /proc said about a process. Strings are owned by the event (malloc'd). */
struct bl_proc_info {
        enum bl_info_status status;
        int error;              /* errno (positive) behind status, 0 if none */
        uint64_t start_ns;      /* process start, CLOCK_MONOTONIC ns (from /proc/PID/stat; tick precision); 0
                                   unknown */
        pid_t ppid;             /* parent pid at the time of reading; 0 unknown */
        uint32_t uid, gid;      /* effective ids; UINT32_MAX unknown */
        char **argv;            /* NULL-terminated; NULL if unknown; empty for kernel threads */
        bool argv_truncated;    /* argv was cut at the enrichment limit */
        bool argv_withheld;     /* argv left out on purpose (the recorder's argv policy); argv is NULL */
        bool argv_at_exec;      /* argv was captured by the kernel at the exec itself (execargs.h), not read
                                   from /proc afterwards */
        bool exe_as_execed;     /* exe is the path given to execve() (absolute, links not resolved): the
                                   process was gone before /proc/PID/exe could be read */
        char *exe, *cwd, *unit; /* NULL if unknown */
        char comm[BL_COMM_MAX]; /* NUL-terminated; "" unknown */
};

/* cost.flags */
#define BL_COST_IO_DELAYS                                                                                   \
        (UINT32_C(1) << 0) /* the kernel's delay accounting was on: blkio and swapin                        \
                              delays were measured (else they read 0) */
#define BL_COST_NO_TGID                                                                                     \
        (UINT32_C(1) << 1) /* the kernel did not say the task's process (taskstats                          \
                              before version 12): pid is the task's own id */

/* What one task (thread) used over its life, as the kernel's taskstats reported it at its exit. */
struct bl_cost {
        uint32_t flags;       /* BL_COST_* */
        uint32_t exit_code;   /* the task's exit code (a wait(2) status, as exit.code) */
        uint64_t elapsed_us;  /* from the task's start to its exit */
        uint64_t utime_us;    /* CPU time in user mode */
        uint64_t stime_us;    /* CPU time in the kernel */
        uint64_t read_bytes;  /* storage I/O: bytes the task caused to be read from block devices */
        uint64_t write_bytes; /* ... and sent to be written */
        uint64_t cancelled_write_bytes; /* written bytes it truncated away before they reached storage */
        uint64_t read_chars;            /* bytes through read(2) and the like, storage or not */
        uint64_t write_chars;           /* ... through write(2) and the like */
        uint64_t nvcsw, nivcsw;         /* voluntary and involuntary context switches */
        uint64_t minflt, majflt;        /* page faults without and with I/O */
        uint64_t hiwater_rss_kb;        /* peak resident memory of its address space, KiB */
        uint64_t cpu_delay_ns;          /* time spent runnable, waiting for a CPU */
        uint64_t blkio_delay_ns;        /* time waiting for block I/O (BL_COST_IO_DELAYS) */
        uint64_t swapin_delay_ns;       /* time waiting for swap-in (BL_COST_IO_DELAYS) */
        uint64_t cpu_ns; /* CPU time as the scheduler accounted it, to the nanosecond (utime_us and
                            stime_us are sampled at timer ticks); it is brought up to date at a tick or a
                            context switch, so a task that exited before either shows 0 */
};

struct bl_event {
        enum bl_event_type type;
        uint32_t cpu;   /* CPU that sent it (kernel events) */
        uint64_t ts_ns; /* CLOCK_MONOTONIC */
        pid_t pid;      /* process (thread group) the event is about; for a fork, the child */
        pid_t tid;      /* thread; tid != pid means a thread, not a process */
        union {
                struct {
                        pid_t parent_pid, parent_tid;
                } fork;
                struct {
                        uint32_t code;        /* kernel exit_code: a wait(2) status */
                        uint32_t exit_signal; /* signal sent to the parent (SIGCHLD, or 0 for threads) */
                        pid_t parent_pid,
                            parent_tid; /* parent at exit time (after reparenting); 0 unknown */
                } exit;
                struct {
                        uint32_t real, effective;
                } id;
                struct {
                        pid_t tracer_pid, tracer_tid;
                } ptrace;
                struct {
                        pid_t parent_pid, parent_tid;
                } coredump;
                struct {
                        enum bl_lost_reason reason;
                        uint64_t count; /* events lost; 0 when unknown (ENOBUFS) */
                        uint32_t cpu;   /* SEQ_GAP: the CPU whose sequence skipped */
                } lost;
                struct {
                        uint32_t what; /* the kernel's PROC_EVENT_* value */
                        uint32_t len;
                        uint8_t data[BL_UNKNOWN_DATA_MAX];
                } unknown;
                struct {
                        pid_t recorder_pid;
                        uint32_t flags; /* reserved, 0 */
                } start;
                struct {
                        uint64_t events; /* events written, this one excluded */
                        uint64_t lost;   /* events lost (sum of LOST counts) */
                        enum bl_stop_reason reason;
                } end;
                struct bl_cost cost;
        };
        struct bl_proc_info info; /* EXEC, SNAPSHOT: what /proc held; COMM: info.comm */
};

/* Receives one decoded event; ev is only valid during the call. Return <0 to stop dispatching. */
typedef int (*bl_event_cb)(struct bl_event *ev, void *userdata);

/* Initialises an event of the given type: zeroes it and marks ids unknown. */
void bl_event_init(struct bl_event *ev, enum bl_event_type type);
/* Frees what the event owns (info strings) and re-initialises it as empty. Accepts NULL. */
void bl_event_done(struct bl_event *ev);
/* Deep copy; returns -ENOMEM on allocation failure (ret untouched). */
int bl_event_copy(struct bl_event *ret, const struct bl_event *src);
/* Moves info from src to dst (dst's old info freed); src->info is left empty. */
void bl_proc_info_move(struct bl_proc_info *dst, struct bl_proc_info *src);
void bl_proc_info_init(struct bl_proc_info *info);
void bl_proc_info_done(struct bl_proc_info *info);
int bl_proc_info_copy(struct bl_proc_info *ret, const struct bl_proc_info *src);

/* "fork", "exec", ... as used in JSON and text views; NULL if out of range. */
const char *bl_event_type_to_string(enum bl_event_type t) _pure_;
enum bl_event_type bl_event_type_from_string(const char *s) _pure_;
const char *bl_lost_reason_to_string(enum bl_lost_reason r) _pure_;
/* Whether a LOST record of this reason counts missing events (false for EXEC_ARGS and COST: every event is
 * there, a capture record or a cost record is what is missing). */
bool bl_lost_reason_is_event_loss(enum bl_lost_reason r) _pure_;
const char *bl_info_status_to_string(enum bl_info_status s) _pure_;
const char *bl_stop_reason_to_string(enum bl_stop_reason r) _pure_;

/*
 * Decodes a wait status. Returns true if the process exited normally and
 * stores the code in *ret_code; false if a signal ended it, storing the
 * signal and whether a core was dumped.
 */
bool bl_exit_status_decode(uint32_t status, int *ret_code, int *ret_signal, bool *ret_core);

/* "SIGKILL" for 9, NULL if unknown. */
const char *bl_signal_to_string(int sig) _pure_;

/*
 * What a one-line description ("TYPE PID COMMAND...") adds for the event
 * types other than fork, exec and exit, whose wording is the caller's:
 * ": uid 0, euid 1000", ": new session", ": renamed itself NAME" (escaped),
 * ... "" for types with nothing to add. Shared by the journal export and the
 * live forwarder, so both say the same. New string; NULL on ENOMEM.
 */
char *bl_event_detail(const struct bl_event *ev);

/* A cost's CPU time in µs: the scheduler's exact cpu_ns where the kernel gave it, else the tick-sampled
 * user + system time. */
uint64_t bl_cost_cpu_us(const struct bl_cost *c) _pure_;

/* "850ns", "12us", "4.5ms", "1.250s", "2m05s", "1h02m" into buf; returns buf. */
char *bl_format_duration(char *buf, size_t size, uint64_t ns);

/* "512 B", "1.5 KiB", "23 MiB" (binary units) into buf; returns buf. */
const char *bl_format_bytes(char *buf, size_t size, uint64_t bytes);

/* Joins argv with single spaces into a new string; NULL on ENOMEM. Empty argv gives "". */
char *bl_argv_join(char *const *argv);
