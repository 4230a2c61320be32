/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the exec tracepoint program (bpf/execargs.bpf.c) sends through its
 * ring buffer for every successful exec, and the user-space side
 * (execargs.c) reads: shared by both, so fixed-width types only. A record is
 * variable-length: the header, then args_len bytes of the new image's
 * argument area (NUL-separated, as /proc/PID/cmdline), then path_len bytes
 * of the file name given to execve() (NUL-terminated).
 */

#ifdef __bpf__
typedef unsigned char bl_u8;
typedef unsigned short bl_u16;
typedef unsigned int bl_u32;
typedef unsigned long long bl_u64;
#else
#include <stdint.h>
typedef uint8_t bl_u8;
typedef uint16_t bl_u16;
typedef uint32_t bl_u32;
typedef uint64_t bl_u64;
#endif

/* Powers of two: the program masks offsets with them, which the BPF verifier can follow. */
#define BL_EXECARGS_ARGS_MAX 8192u /* bytes of argument area kept; beyond, BL_EXECARGS_TRUNCATED */
#define BL_EXECARGS_PATH_MAX 256u  /* bytes of file name kept, NUL included */

#define BL_EXECARGS_TRUNCATED  (1u << 0) /* the argument area was longer than BL_EXECARGS_ARGS_MAX */
#define BL_EXECARGS_ARGS_FAULT (1u << 1) /* the argument area could not be read: args_len is 0 */

struct bl_execargs_header {
        bl_u64 ts_ns;    /* CLOCK_MONOTONIC at the tracepoint: just before the proc connector's exec event */
        bl_u64 start_ns; /* the process's start (task start_time, CLOCK_MONOTONIC): with tgid, who it is */
        bl_u64 dropped;  /* records the ring buffer had no room for, since loading, before this one */
        bl_u32 tgid, pid;
        bl_u32 ppid;     /* real parent's tgid */
        bl_u32 uid, gid; /* effective ids */
        bl_u16 args_len, path_len;
        bl_u32 flags; /* BL_EXECARGS_* */
        char comm[16];
};

struct bl_execargs_record {
        struct bl_execargs_header h;
        char data[BL_EXECARGS_ARGS_MAX + BL_EXECARGS_PATH_MAX];
};

#ifndef __bpf__
/*
 * The loader (bootlog-execargs, src/bootlogd/execargs-loader.c) is started
 * with a SOCK_SEQPACKET socket as fd 3 and the ring size as its argument;
 * it loads and attaches the program and sends one message: this reply, with,
 * on success, BL_EXECARGS_LOADER_FDS descriptors (SCM_RIGHTS): the ring
 * buffer map, the attachment (link) and the .bss map (the drop counter).
 */
#define BL_EXECARGS_LOADER_FD  3
#define BL_EXECARGS_LOADER_FDS 3
#define BL_EXECARGS_REASON_MAX 300

struct bl_execargs_load_reply {
        int error;                           /* 0, or a negative errno */
        char reason[BL_EXECARGS_REASON_MAX]; /* why not, in words; NUL-terminated */
};
#endif
