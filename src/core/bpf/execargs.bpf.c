// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs at every successful exec (the sched_process_exec tracepoint, as a
 * BTF-typed tracing program: no tracefs needed) and copies what user space
 * could only read from /proc too late for a short-lived process: argv from
 * the new image's argument area, the file name, comm, ids and the start
 * time. The proc connector's exec event for the same exec is sent right
 * after this tracepoint, by the same task: the recorder pairs them by tgid
 * and time (execargs.c).
 *
 * The kernel types below are minimal and relocatable (CO-RE): only the
 * fields used, found by name in the running kernel's BTF at load time, so
 * nothing depends on the headers of the machine that built this.
 */

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef int pid_t;

/* uapi values (linux/bpf.h), stable ABI */
enum {
        BPF_MAP_TYPE_PERCPU_ARRAY = 6,
        BPF_MAP_TYPE_RINGBUF = 27,
};
enum {
        BPF_RB_NO_WAKEUP = 1,
};

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "../execargs-record.h"

typedef struct {
        unsigned int val;
} kuid_t;
typedef struct {
        unsigned int val;
} kgid_t;

struct cred {
        kuid_t euid;
        kgid_t egid;
} __attribute__((preserve_access_index));

struct mm_struct {
        unsigned long arg_start, arg_end;
} __attribute__((preserve_access_index));

struct task_struct {
        int pid;
        int tgid;
        __u64 start_time;
        struct task_struct *real_parent;
        struct mm_struct *mm;
        const struct cred *cred;
        char comm[16];
} __attribute__((preserve_access_index));

struct linux_binprm {
        const char *filename;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL";

/* Records that did not fit in the ring buffer (the recorder fell behind). */
__u64 dropped = 0;

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 64 * 1024); /* set by the loader */
} events SEC(".maps");

/* A record is too large for the BPF stack: built here, then copied into the ring. */
struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct bl_execargs_record);
} scratch SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(bl_on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
        struct bl_execargs_record *e;
        unsigned long start, end;
        __u64 len, size;
        __u32 zero = 0;
        long n;

        e = bpf_map_lookup_elem(&scratch, &zero);
        if (!e)
                return 0;

        e->h.ts_ns = bpf_ktime_get_ns();
        e->h.start_ns = BPF_CORE_READ(p, start_time);
        e->h.tgid = BPF_CORE_READ(p, tgid);
        e->h.pid = BPF_CORE_READ(p, pid);
        e->h.ppid = BPF_CORE_READ(p, real_parent, tgid);
        e->h.uid = BPF_CORE_READ(p, cred, euid.val);
        e->h.gid = BPF_CORE_READ(p, cred, egid.val);
        e->h.flags = 0;
        BPF_CORE_READ_STR_INTO(&e->h.comm, p, comm);

        start = BPF_CORE_READ(p, mm, arg_start);
        end = BPF_CORE_READ(p, mm, arg_end);
        len = end > start ? end - start : 0;
        if (len > BL_EXECARGS_ARGS_MAX) {
                len = BL_EXECARGS_ARGS_MAX;
                e->h.flags |= BL_EXECARGS_TRUNCATED;
        }
        /* For the verifier: len in [0, ARGS_MAX]. */
        asm volatile("" : "+r"(len));
        if (len > BL_EXECARGS_ARGS_MAX)
                len = 0;
        if (len > 0 && bpf_probe_read_user(e->data, len, (const void *)start) < 0) {
                e->h.flags |= BL_EXECARGS_ARGS_FAULT;
                len = 0;
        }
        e->h.args_len = len;

        n = bpf_probe_read_kernel_str(&e->data[len & (2 * BL_EXECARGS_ARGS_MAX - 1)], BL_EXECARGS_PATH_MAX,
                                      BPF_CORE_READ(bprm, filename));
        if (n < 0)
                n = 0;
        e->h.path_len = n;
        e->h.dropped = __sync_fetch_and_add(&dropped, 0);

        size = sizeof(e->h) + len + (__u64)n;
        asm volatile("" : "+r"(size));
        if (size > sizeof(*e))
                size = sizeof(*e);
        if (bpf_ringbuf_output(&events, e, size, BPF_RB_NO_WAKEUP) < 0)
                __sync_fetch_and_add(&dropped, 1);
        return 0;
}
