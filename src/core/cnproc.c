/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The proc connector decoder: netlink datagrams in, struct bl_event out.
 *
 * Pure: no syscalls but clock_gettime() for the time of a malformed message,
 * no allocation per event (the per-CPU sequence table grows only when a
 * higher CPU number than ever before shows up).
 *
 * What the kernel sends (checked on 6.18; the layout has not changed since
 * the proc connector got per-CPU sequence numbers):
 *  - one datagram per event: struct nlmsghdr (nlmsg_type NLMSG_DONE, not a
 *    data type: the connector marks every message "done"), struct cn_msg
 *    (id CN_IDX_PROC/CN_VAL_PROC, len = sizeof(struct proc_event)), then the
 *    proc_event at offset 36, so its u64 timestamp is not 8-byte aligned:
 *    the event is copied out with memcpy() rather than read in place;
 *  - cn_msg.seq from a per-CPU counter the kernel increments for every proc
 *    event it broadcasts while anyone listens (send_msg() under a local lock,
 *    which also stamps proc_event.cpu). The subscription ack (PROC_EVENT_NONE)
 *    goes through the same send_msg() on current kernels and so consumes a
 *    counter value on its CPU: skipping it would look like one lost event
 *    each time any process subscribes or unsubscribes. Very old kernels sent
 *    the ack with cpu = -1 and the subscriber's own seq; those acks are not
 *    from the counter and are ignored.
 */

#include <assert.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <time.h>

#include "cnproc.h"
#include "time-util.h"

/* A CPU number above this is garbage, not hardware. */
#define CPU_MAX 65536U
/* A forward jump larger than this is a restart or reordering, not loss. */
#define SEQ_GAP_MAX (UINT32_C(1) << 31)
/* proc_event.cpu of a pre-3.x style ack that did not come from the counter. */
#define ACK_CPU_NONE UINT32_MAX

#define PE_HEADER_SIZE offsetof(struct proc_event, event_data)
/* Bytes of a proc_event needed to read event_data.member. */
#define PE_SIZE(member) (PE_HEADER_SIZE + sizeof(((struct proc_event *)NULL)->event_data.member))

static_assert(sizeof(((struct proc_event *)NULL)->event_data.comm.comm) == BL_COMM_MAX, "comm size");

struct cpu_seq {
        uint32_t last;
        bool seen;
};

struct bl_cnproc_decoder {
        struct cpu_seq *cpus; /* indexed by CPU number */
        size_t n_cpus;
};

int bl_cnproc_decoder_new(struct bl_cnproc_decoder **ret)
{
        struct bl_cnproc_decoder *d;
        long n;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        /* Presize for the CPUs that can exist, so the hot path never grows it. */
        n = sysconf(_SC_NPROCESSORS_CONF);
        if (n > 0 && (unsigned long)n <= CPU_MAX) {
                d->cpus = calloc(n, sizeof(struct cpu_seq));
                if (d->cpus)
                        d->n_cpus = n;
        }
        *ret = d;
        return 0;
}

struct bl_cnproc_decoder *bl_cnproc_decoder_free(struct bl_cnproc_decoder *d)
{
        if (!d)
                return NULL;
        free(d->cpus);
        free(d);
        return NULL;
}

static int grow_cpus(struct bl_cnproc_decoder *d, uint32_t cpu)
{
        size_t n = MAX((size_t)cpu + 1, d->n_cpus * 2);
        struct cpu_seq *c;

        n = MIN(n, (size_t)CPU_MAX);
        c = realloc(d->cpus, n * sizeof(struct cpu_seq));
        if (!c)
                return -ENOMEM;
        memset(c + d->n_cpus, 0, (n - d->n_cpus) * sizeof(struct cpu_seq));
        d->cpus = c;
        d->n_cpus = n;
        return 0;
}

/*
 * Records seq as the latest on cpu and returns how many events the kernel
 * sent on that CPU in between that we did not get. The first event seen on a
 * CPU, a repeat and a backward or huge jump only resynchronise.
 */
static uint64_t track_seq(struct bl_cnproc_decoder *d, uint32_t cpu, uint32_t seq)
{
        struct cpu_seq *c;
        uint32_t delta;
        bool seen;

        /* Without memory the event still goes out, only its loss check is skipped. */
        if (_unlikely_(cpu >= d->n_cpus) && grow_cpus(d, cpu) < 0)
                return 0;
        c = &d->cpus[cpu];
        delta = seq - c->last; /* modulo 2^32: wrap-around is an ordinary step */
        seen = c->seen;
        c->last = seq;
        c->seen = true;
        if (!seen || delta < 2 || delta > SEQ_GAP_MAX)
                return 0;
        return delta - 1;
}

static int emit_lost(enum bl_lost_reason reason, uint64_t count, uint32_t cpu, uint64_t ts_ns,
                     bl_event_cb cb, void *userdata, int *n)
{
        struct bl_event ev;
        int r;

        bl_event_init(&ev, BL_EVENT_LOST);
        ev.ts_ns = ts_ns;
        ev.cpu = cpu;
        ev.lost.reason = reason;
        ev.lost.count = count;
        ev.lost.cpu = cpu;
        r = cb(&ev, userdata);
        if (r < 0)
                return r;
        (*n)++;
        return 0;
}

static int emit_bad(bl_event_cb cb, void *userdata, int *n)
{
        return emit_lost(BL_LOST_BAD_MESSAGE, 1, 0, now_monotonic(), cb, userdata, n);
}

/* Fills ev from the proc_event pe of size len (bytes that arrived); false if too short for its type. */
static bool fill_event(struct bl_event *ev, const struct proc_event *pe, const uint8_t *raw, size_t len)
{
        switch (pe->what) {
        case PROC_EVENT_FORK:
                if (len < PE_SIZE(fork))
                        return false;
                bl_event_init(ev, BL_EVENT_FORK);
                ev->pid = pe->event_data.fork.child_tgid;
                ev->tid = pe->event_data.fork.child_pid;
                /* For a thread the kernel reports the process's real_parent here, not the creator. */
                ev->fork.parent_pid = pe->event_data.fork.parent_tgid;
                ev->fork.parent_tid = pe->event_data.fork.parent_pid;
                break;
        case PROC_EVENT_EXEC:
                if (len < PE_SIZE(exec))
                        return false;
                bl_event_init(ev, BL_EVENT_EXEC);
                ev->pid = pe->event_data.exec.process_tgid;
                ev->tid = pe->event_data.exec.process_pid;
                break;
        case PROC_EVENT_UID:
        case PROC_EVENT_GID:
                if (len < PE_SIZE(id))
                        return false;
                bl_event_init(ev, pe->what == PROC_EVENT_UID ? BL_EVENT_UID : BL_EVENT_GID);
                ev->pid = pe->event_data.id.process_tgid;
                ev->tid = pe->event_data.id.process_pid;
                ev->id.real = pe->event_data.id.r.ruid; /* rgid shares the slot */
                ev->id.effective = pe->event_data.id.e.euid;
                break;
        case PROC_EVENT_SID:
                if (len < PE_SIZE(sid))
                        return false;
                bl_event_init(ev, BL_EVENT_SID);
                ev->pid = pe->event_data.sid.process_tgid;
                ev->tid = pe->event_data.sid.process_pid;
                break;
        case PROC_EVENT_PTRACE:
                if (len < PE_SIZE(ptrace))
                        return false;
                bl_event_init(ev, BL_EVENT_PTRACE);
                ev->pid = pe->event_data.ptrace.process_tgid;
                ev->tid = pe->event_data.ptrace.process_pid;
                ev->ptrace.tracer_pid = pe->event_data.ptrace.tracer_tgid;
                ev->ptrace.tracer_tid = pe->event_data.ptrace.tracer_pid;
                break;
        case PROC_EVENT_COMM:
                if (len < PE_SIZE(comm))
                        return false;
                bl_event_init(ev, BL_EVENT_COMM);
                ev->pid = pe->event_data.comm.process_tgid;
                ev->tid = pe->event_data.comm.process_pid;
                memcpy(ev->info.comm, pe->event_data.comm.comm, BL_COMM_MAX);
                ev->info.comm[BL_COMM_MAX - 1] = 0;
                break;
        case PROC_EVENT_COREDUMP:
                if (len < PE_SIZE(coredump))
                        return false;
                bl_event_init(ev, BL_EVENT_COREDUMP);
                ev->pid = pe->event_data.coredump.process_tgid;
                ev->tid = pe->event_data.coredump.process_pid;
                ev->coredump.parent_pid = pe->event_data.coredump.parent_tgid;
                ev->coredump.parent_tid = pe->event_data.coredump.parent_pid;
                break;
        case PROC_EVENT_EXIT:
                if (len < PE_SIZE(exit))
                        return false;
                bl_event_init(ev, BL_EVENT_EXIT);
                ev->pid = pe->event_data.exit.process_tgid;
                ev->tid = pe->event_data.exit.process_pid;
                ev->exit.code = pe->event_data.exit.exit_code;
                /* Threads exit with exit_signal -1; event.h promises 0 for them. */
                ev->exit.exit_signal =
                    pe->event_data.exit.exit_signal == UINT32_MAX ? 0 : pe->event_data.exit.exit_signal;
                ev->exit.parent_pid = pe->event_data.exit.parent_tgid;
                ev->exit.parent_tid = pe->event_data.exit.parent_pid;
                break;
        default:
                /* A type newer than this code: keep its bytes for a later reader. */
                bl_event_init(ev, BL_EVENT_UNKNOWN);
                ev->unknown.what = pe->what;
                ev->unknown.len = MIN(len - PE_HEADER_SIZE, (size_t)BL_UNKNOWN_DATA_MAX);
                memcpy(ev->unknown.data, raw + PE_HEADER_SIZE, ev->unknown.len);
                break;
        }
        ev->cpu = pe->cpu;
        ev->ts_ns = pe->timestamp_ns;
        return true;
}

/*
 * Decodes the payload of one netlink message (a cn_msg). Returns 0 or cb's
 * negative value; *n counts the events passed to cb.
 */
static int decode_cn_msg(struct bl_cnproc_decoder *d, const uint8_t *p, size_t len, bl_event_cb cb,
                         void *userdata, int *n)
{
        struct proc_event pe = {};
        struct bl_event ev;
        struct cn_msg cn;
        uint64_t lost;
        int r;

        if (len < sizeof(cn))
                return emit_bad(cb, userdata, n);
        memcpy(&cn, p, sizeof(cn));
        p += sizeof(cn);
        len -= sizeof(cn);
        if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC || cn.len > len || cn.len < PE_HEADER_SIZE)
                return emit_bad(cb, userdata, n);
        len = cn.len;
        memcpy(&pe, p, MIN(len, sizeof(pe)));

        if (pe.what == PROC_EVENT_NONE) {
                /* A subscription ack (anyone's): never an event, but a step of the counter. */
                if (pe.cpu == ACK_CPU_NONE)
                        return 0;
                if (pe.cpu >= CPU_MAX)
                        return emit_bad(cb, userdata, n);
                lost = track_seq(d, pe.cpu, cn.seq);
                if (lost > 0)
                        return emit_lost(BL_LOST_SEQ_GAP, lost, pe.cpu, pe.timestamp_ns, cb, userdata, n);
                return 0;
        }

        if (pe.cpu >= CPU_MAX || !fill_event(&ev, &pe, p, len))
                return emit_bad(cb, userdata, n);

        lost = track_seq(d, pe.cpu, cn.seq);
        if (lost > 0) {
                r = emit_lost(BL_LOST_SEQ_GAP, lost, pe.cpu, pe.timestamp_ns, cb, userdata, n);
                if (r < 0)
                        return r;
        }
        r = cb(&ev, userdata);
        if (r < 0)
                return r;
        (*n)++;
        return 0;
}

int bl_cnproc_decode(struct bl_cnproc_decoder *d, const void *buf, size_t len, uint32_t sender_port,
                     bl_event_cb cb, void *userdata)
{
        const uint8_t *p = buf;
        int n = 0, r = 0;

        /* Anyone may send to our port; only the kernel (port 0) speaks for cn_proc. */
        if (sender_port != 0 || len == 0) {
                r = emit_bad(cb, userdata, &n);
                return r < 0 ? r : n;
        }

        while (len > 0) {
                struct nlmsghdr nlh;
                size_t step;

                /* The framing is lost past a bad header: the rest of the datagram goes with it. */
                if (len < sizeof(nlh)) {
                        r = emit_bad(cb, userdata, &n);
                        break;
                }
                memcpy(&nlh, p, sizeof(nlh));
                if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > len) {
                        r = emit_bad(cb, userdata, &n);
                        break;
                }

                if (nlh.nlmsg_type == NLMSG_NOOP || nlh.nlmsg_type == NLMSG_ERROR)
                        r = 0; /* answers to requests; we make none that ask for one */
                else if (nlh.nlmsg_type == NLMSG_OVERRUN)
                        r = emit_bad(cb, userdata, &n);
                else /* NLMSG_DONE: what the connector uses for every message */
                        r = decode_cn_msg(d, p + NLMSG_HDRLEN, nlh.nlmsg_len - NLMSG_HDRLEN, cb, userdata,
                                          &n);
                if (r < 0)
                        break;

                /* The last message's alignment padding may be missing. */
                step = MIN((size_t)NLMSG_ALIGN(nlh.nlmsg_len), len);
                p += step;
                len -= step;
        }

        return r < 0 ? r : n;
}
