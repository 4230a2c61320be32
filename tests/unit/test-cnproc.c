/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The proc connector decoder and source. Datagrams are laid out here byte by
 * byte at the offsets the kernel uses (not through the kernel's structs, so a
 * decoder reading the wrong field shows up), then fed to the decoder directly
 * and through a socketpair. The last test subscribes to the real kernel.
 */

#include <inttypes.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cnproc.h"
#include "source.h"

/* Offsets in a kernel datagram. */
#define OFF_NLMSG 0
#define OFF_CN    16
#define OFF_PE    36
#define OFF_DATA  (OFF_PE + 16)
#define PE_LEN    40 /* sizeof(struct proc_event) */
#define MSG_LEN   (OFF_PE + PE_LEN)

#define MAX_EVENTS 256

struct dgram {
        uint8_t b[4096];
        size_t len;
};

struct collected {
        struct bl_event ev[MAX_EVENTS];
        size_t n;
        int fail_at; /* return -ECANCELED for the event with this index (1-based); 0 never */
};

static void put16(uint8_t *p, uint16_t v)
{
        memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
        memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
        memcpy(p, &v, sizeof(v));
}

/*
 * Appends one message as the kernel builds it: nlmsghdr (type NLMSG_DONE),
 * cn_msg for CN_IDX_PROC, proc_event with event_data words w[0..5].
 */
static uint8_t *add_event(struct dgram *d, uint32_t what, uint32_t cpu, uint32_t seq, uint64_t ts,
                          const uint32_t w[6])
{
        uint8_t *m = d->b + d->len;

        assert_true(d->len + NLMSG_ALIGN(MSG_LEN) <= sizeof(d->b));
        memset(m, 0, NLMSG_ALIGN(MSG_LEN));
        put32(m + OFF_NLMSG + 0, MSG_LEN);    /* nlmsg_len */
        put16(m + OFF_NLMSG + 4, NLMSG_DONE); /* nlmsg_type */
        put32(m + OFF_NLMSG + 8, seq);        /* nlmsg_seq */
        put32(m + OFF_CN + 0, CN_IDX_PROC);   /* id.idx */
        put32(m + OFF_CN + 4, CN_VAL_PROC);   /* id.val */
        put32(m + OFF_CN + 8, seq);           /* seq */
        put16(m + OFF_CN + 16, PE_LEN);       /* len */
        put32(m + OFF_PE + 0, what);
        put32(m + OFF_PE + 4, cpu);
        put64(m + OFF_PE + 8, ts);
        for (size_t i = 0; i < 6; i++)
                put32(m + OFF_DATA + 4 * i, w ? w[i] : 0);
        d->len += NLMSG_ALIGN(MSG_LEN);
        return m;
}

static int collect(struct bl_event *ev, void *userdata)
{
        struct collected *c = userdata;

        assert_true(c->n < MAX_EVENTS);
        c->ev[c->n++] = *ev;
        if (c->fail_at > 0 && (size_t)c->fail_at == c->n)
                return -ECANCELED;
        return 0;
}

/* Decodes from a heap copy of exactly len bytes, so ASan sees any read past the end. */
static int decode_exact(struct bl_cnproc_decoder *d, const void *buf, size_t len, uint32_t port,
                        struct collected *c)
{
        void *copy = malloc(len ? len : 1);
        int r;

        assert_non_null(copy);
        memcpy(copy, buf, len);
        r = bl_cnproc_decode(d, copy, len, port, collect, c);
        free(copy);
        return r;
}

static int decode(struct bl_cnproc_decoder *d, const struct dgram *g, struct collected *c)
{
        return decode_exact(d, g->b, g->len, 0, c);
}

static int setup(void **state)
{
        struct bl_cnproc_decoder *d;

        assert_int_equal(bl_cnproc_decoder_new(&d), 0);
        *state = d;
        return 0;
}

static int teardown(void **state)
{
        bl_cnproc_decoder_free(*state);
        return 0;
}

/* Decodes one event and returns it; it must be the only one. */
static struct bl_event decode_one(struct bl_cnproc_decoder *d, uint32_t what, uint32_t cpu, uint32_t seq,
                                  uint64_t ts, const uint32_t w[6])
{
        struct collected c = {};
        struct dgram g = {};

        add_event(&g, what, cpu, seq, ts, w);
        assert_int_equal(decode(d, &g, &c), 1);
        assert_int_equal(c.n, 1);
        return c.ev[0];
}

static void assert_bad(struct bl_cnproc_decoder *d, const void *buf, size_t len, uint32_t port)
{
        struct collected c = {};

        assert_int_equal(decode_exact(d, buf, len, port, &c), 1);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.ev[0].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[0].lost.reason, BL_LOST_BAD_MESSAGE);
        assert_int_equal(c.ev[0].lost.count, 1);
}

static void test_fork_process(void **state)
{
        /* parent_pid, parent_tgid, child_pid, child_tgid */
        const uint32_t w[6] = { 100, 100, 4242, 4242 };
        struct bl_event ev = decode_one(*state, PROC_EVENT_FORK, 1, 7, UINT64_C(123456789012), w);

        assert_int_equal(ev.type, BL_EVENT_FORK);
        assert_int_equal(ev.cpu, 1);
        assert_int_equal(ev.ts_ns, UINT64_C(123456789012));
        assert_int_equal(ev.pid, 4242);
        assert_int_equal(ev.tid, 4242);
        assert_int_equal(ev.fork.parent_pid, 100);
        assert_int_equal(ev.fork.parent_tid, 100);
        assert_null(ev.info.argv);
}

static void test_fork_thread(void **state)
{
        /* thread 4243 of process 4242, created by thread 4250 of process 100 */
        const uint32_t w[6] = { 4250, 100, 4243, 4242 };
        struct bl_event ev = decode_one(*state, PROC_EVENT_FORK, 0, 1, 5, w);

        assert_int_equal(ev.type, BL_EVENT_FORK);
        assert_int_equal(ev.pid, 4242);
        assert_int_equal(ev.tid, 4243);
        assert_int_not_equal(ev.pid, ev.tid);
        assert_int_equal(ev.fork.parent_pid, 100);
        assert_int_equal(ev.fork.parent_tid, 4250);
}

static void test_exec(void **state)
{
        /* process_pid, process_tgid */
        const uint32_t w[6] = { 501, 500 };
        struct bl_event ev = decode_one(*state, PROC_EVENT_EXEC, 0, 1, 99, w);

        assert_int_equal(ev.type, BL_EVENT_EXEC);
        assert_int_equal(ev.pid, 500);
        assert_int_equal(ev.tid, 501);
        assert_int_equal(ev.ts_ns, 99);
        assert_int_equal(ev.info.status, BL_INFO_NOT_READ);
}

static void test_exit(void **state)
{
        /* process_pid, process_tgid, exit_code, exit_signal, parent_pid, parent_tgid */
        const uint32_t w[6] = { 600, 600, 3 << 8, 17, 11, 10 };
        const uint32_t w_sig[6] = { 601, 601, 0x80 | 9, 17, 1, 1 };
        const uint32_t w_thread[6] = { 603, 602, 0, UINT32_MAX, 0, 0 };
        struct bl_event ev;
        int code = -1, sig = -1;
        bool core = false;

        ev = decode_one(*state, PROC_EVENT_EXIT, 2, 1, 7, w);
        assert_int_equal(ev.type, BL_EVENT_EXIT);
        assert_int_equal(ev.pid, 600);
        assert_int_equal(ev.tid, 600);
        assert_int_equal(ev.exit.code, 0x300);
        assert_true(bl_exit_status_decode(ev.exit.code, &code, &sig, &core));
        assert_int_equal(code, 3);
        assert_int_equal(ev.exit.exit_signal, 17);
        assert_int_equal(ev.exit.parent_pid, 10);
        assert_int_equal(ev.exit.parent_tid, 11);

        ev = decode_one(*state, PROC_EVENT_EXIT, 2, 2, 8, w_sig);
        assert_false(bl_exit_status_decode(ev.exit.code, &code, &sig, &core));
        assert_int_equal(sig, 9);
        assert_true(core);

        /* A thread exits with exit_signal -1; event.h promises 0. */
        ev = decode_one(*state, PROC_EVENT_EXIT, 2, 3, 9, w_thread);
        assert_int_equal(ev.pid, 602);
        assert_int_equal(ev.tid, 603);
        assert_int_equal(ev.exit.exit_signal, 0);
}

static void test_uid_gid(void **state)
{
        /* process_pid, process_tgid, r, e */
        const uint32_t wu[6] = { 701, 700, 1000, 0 };
        const uint32_t wg[6] = { 702, 700, 100, 27 };
        struct bl_event ev;

        ev = decode_one(*state, PROC_EVENT_UID, 0, 1, 1, wu);
        assert_int_equal(ev.type, BL_EVENT_UID);
        assert_int_equal(ev.pid, 700);
        assert_int_equal(ev.tid, 701);
        assert_int_equal(ev.id.real, 1000);
        assert_int_equal(ev.id.effective, 0);

        ev = decode_one(*state, PROC_EVENT_GID, 0, 2, 2, wg);
        assert_int_equal(ev.type, BL_EVENT_GID);
        assert_int_equal(ev.pid, 700);
        assert_int_equal(ev.tid, 702);
        assert_int_equal(ev.id.real, 100);
        assert_int_equal(ev.id.effective, 27);
}

static void test_sid(void **state)
{
        const uint32_t w[6] = { 800, 800 };
        struct bl_event ev = decode_one(*state, PROC_EVENT_SID, 3, 1, 1, w);

        assert_int_equal(ev.type, BL_EVENT_SID);
        assert_int_equal(ev.pid, 800);
        assert_int_equal(ev.tid, 800);
        assert_int_equal(ev.cpu, 3);
}

static void test_ptrace(void **state)
{
        /* process_pid, process_tgid, tracer_pid, tracer_tgid */
        const uint32_t w[6] = { 901, 900, 951, 950 };
        const uint32_t w_detach[6] = { 901, 900, 0, 0 };
        struct bl_event ev;

        ev = decode_one(*state, PROC_EVENT_PTRACE, 0, 1, 1, w);
        assert_int_equal(ev.type, BL_EVENT_PTRACE);
        assert_int_equal(ev.pid, 900);
        assert_int_equal(ev.tid, 901);
        assert_int_equal(ev.ptrace.tracer_pid, 950);
        assert_int_equal(ev.ptrace.tracer_tid, 951);

        ev = decode_one(*state, PROC_EVENT_PTRACE, 0, 2, 2, w_detach);
        assert_int_equal(ev.ptrace.tracer_pid, 0);
        assert_int_equal(ev.ptrace.tracer_tid, 0);
}

static void test_comm(void **state)
{
        struct collected c = {};
        struct dgram g = {};
        uint8_t *m;

        m = add_event(&g, PROC_EVENT_COMM, 0, 1, 1, NULL);
        put32(m + OFF_DATA + 0, 1001);
        put32(m + OFF_DATA + 4, 1000);
        memcpy(m + OFF_DATA + 8, "kworker", 8);
        /* 16 bytes, no NUL: must still come out terminated */
        m = add_event(&g, PROC_EVENT_COMM, 0, 2, 2, NULL);
        put32(m + OFF_DATA + 0, 1000);
        put32(m + OFF_DATA + 4, 1000);
        memcpy(m + OFF_DATA + 8, "0123456789abcdef", 16);

        assert_int_equal(decode(*state, &g, &c), 2);
        assert_int_equal(c.ev[0].type, BL_EVENT_COMM);
        assert_int_equal(c.ev[0].pid, 1000);
        assert_int_equal(c.ev[0].tid, 1001);
        assert_string_equal(c.ev[0].info.comm, "kworker");
        assert_int_equal(c.ev[1].type, BL_EVENT_COMM);
        assert_string_equal(c.ev[1].info.comm, "0123456789abcde");
}

static void test_coredump(void **state)
{
        /* process_pid, process_tgid, parent_pid, parent_tgid */
        const uint32_t w[6] = { 1101, 1100, 1051, 1050 };
        struct bl_event ev = decode_one(*state, PROC_EVENT_COREDUMP, 1, 1, 1, w);

        assert_int_equal(ev.type, BL_EVENT_COREDUMP);
        assert_int_equal(ev.pid, 1100);
        assert_int_equal(ev.tid, 1101);
        assert_int_equal(ev.coredump.parent_pid, 1050);
        assert_int_equal(ev.coredump.parent_tid, 1051);
}

static void test_unknown(void **state)
{
        const uint32_t w[6] = { 0x04030201, 0x08070605, 0, 0, 0, 0xdeadbeef };
        struct bl_event ev;
        uint8_t expect[24] = { 1, 2, 3, 4, 5, 6, 7, 8 };

        put32(expect + 20, 0xdeadbeef);
        ev = decode_one(*state, 0x00000400, 1, 1, 77, w);
        assert_int_equal(ev.type, BL_EVENT_UNKNOWN);
        assert_int_equal(ev.unknown.what, 0x400);
        assert_int_equal(ev.unknown.len, 24);
        assert_memory_equal(ev.unknown.data, expect, 24);
        assert_int_equal(ev.cpu, 1);
        assert_int_equal(ev.ts_ns, 77);

        /* Newer kernels' filter flag is not an event; if one ever came, it is unknown, not garbage. */
        ev = decode_one(*state, 0x20000000, 1, 2, 78, w);
        assert_int_equal(ev.type, BL_EVENT_UNKNOWN);
        assert_int_equal(ev.unknown.what, 0x20000000);
}

static void test_unknown_long(void **state)
{
        struct collected c = {};
        struct dgram g = {};
        size_t pe_len = 16 + 100;
        uint8_t *m = g.b;

        /* A future, larger proc_event: data is kept up to BL_UNKNOWN_DATA_MAX. */
        put32(m + 0, OFF_PE + pe_len);
        put16(m + 4, NLMSG_DONE);
        put32(m + OFF_CN + 0, CN_IDX_PROC);
        put32(m + OFF_CN + 4, CN_VAL_PROC);
        put16(m + OFF_CN + 16, pe_len);
        put32(m + OFF_PE + 0, 0x800);
        for (size_t i = 0; i < 100; i++)
                m[OFF_DATA + i] = i;
        g.len = OFF_PE + pe_len;
        assert_int_equal(decode(*state, &g, &c), 1);
        assert_int_equal(c.ev[0].type, BL_EVENT_UNKNOWN);
        assert_int_equal(c.ev[0].unknown.len, BL_UNKNOWN_DATA_MAX);
        for (size_t i = 0; i < BL_UNKNOWN_DATA_MAX; i++)
                assert_int_equal(c.ev[0].unknown.data[i], i);
}

static void test_seq_gap(void **state)
{
        const uint32_t w[6] = { 1, 1, 2, 2 };
        struct collected c = {};
        struct dgram g = {};

        add_event(&g, PROC_EVENT_FORK, 1, 10, 100, w);
        add_event(&g, PROC_EVENT_FORK, 1, 11, 101, w);
        add_event(&g, PROC_EVENT_FORK, 0, 500, 102, w); /* another CPU: its own sequence */
        add_event(&g, PROC_EVENT_FORK, 1, 15, 103, w);  /* 12, 13, 14 lost */
        add_event(&g, PROC_EVENT_FORK, 0, 501, 104, w);
        assert_int_equal(decode(*state, &g, &c), 6);
        assert_int_equal(c.ev[0].type, BL_EVENT_FORK);
        assert_int_equal(c.ev[1].type, BL_EVENT_FORK);
        assert_int_equal(c.ev[2].type, BL_EVENT_FORK);
        assert_int_equal(c.ev[3].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[3].lost.reason, BL_LOST_SEQ_GAP);
        assert_int_equal(c.ev[3].lost.count, 3);
        assert_int_equal(c.ev[3].lost.cpu, 1);
        assert_int_equal(c.ev[3].ts_ns, 103);
        assert_int_equal(c.ev[4].type, BL_EVENT_FORK);
        assert_int_equal(c.ev[4].ts_ns, 103);
        assert_int_equal(c.ev[5].type, BL_EVENT_FORK);
        assert_int_equal(c.ev[5].cpu, 0);
}

static void test_seq_wrap(void **state)
{
        const uint32_t w[6] = { 1, 1, 2, 2 };
        struct collected c = {};
        struct dgram g = {};

        add_event(&g, PROC_EVENT_EXEC, 3, UINT32_MAX - 1, 1, w);
        add_event(&g, PROC_EVENT_EXEC, 3, UINT32_MAX, 2, w);
        add_event(&g, PROC_EVENT_EXEC, 3, 0, 3, w);
        add_event(&g, PROC_EVENT_EXEC, 3, 1, 4, w);
        assert_int_equal(decode(*state, &g, &c), 4);
        for (size_t i = 0; i < 4; i++)
                assert_int_equal(c.ev[i].type, BL_EVENT_EXEC);

        /* A gap across the wrap counts right. */
        memset(&c, 0, sizeof(c));
        g.len = 0;
        add_event(&g, PROC_EVENT_EXEC, 4, UINT32_MAX, 1, w);
        add_event(&g, PROC_EVENT_EXEC, 4, 2, 2, w); /* 0 and 1 lost */
        assert_int_equal(decode(*state, &g, &c), 3);
        assert_int_equal(c.ev[1].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[1].lost.count, 2);
        assert_int_equal(c.ev[1].lost.cpu, 4);
}

static void test_seq_resync(void **state)
{
        const uint32_t w[6] = { 1, 1, 2, 2 };
        struct collected c = {};
        struct dgram g = {};

        add_event(&g, PROC_EVENT_EXEC, 0, 1000, 1, w);
        add_event(&g, PROC_EVENT_EXEC, 0, 40, 2, w); /* backward: resync */
        add_event(&g, PROC_EVENT_EXEC, 0, 41, 3, w);
        add_event(&g, PROC_EVENT_EXEC, 0, 41 + (UINT32_C(1) << 31) + 1, 4, w); /* huge jump: resync */
        add_event(&g, PROC_EVENT_EXEC, 0, 41 + (UINT32_C(1) << 31) + 2, 5, w);
        add_event(&g, PROC_EVENT_EXEC, 0, 41 + (UINT32_C(1) << 31) + 2, 6, w); /* repeat */
        assert_int_equal(decode(*state, &g, &c), 6);
        for (size_t i = 0; i < 6; i++)
                assert_int_equal(c.ev[i].type, BL_EVENT_EXEC);

        /* The largest forward step that still counts as loss: 2^31. */
        memset(&c, 0, sizeof(c));
        g.len = 0;
        add_event(&g, PROC_EVENT_EXEC, 1, 0, 1, w);
        add_event(&g, PROC_EVENT_EXEC, 1, UINT32_C(1) << 31, 2, w);
        assert_int_equal(decode(*state, &g, &c), 3);
        assert_int_equal(c.ev[1].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[1].lost.count, (UINT64_C(1) << 31) - 1);
}

static void test_seq_high_cpu(void **state)
{
        const uint32_t w[6] = { 1, 1, 2, 2 };
        struct collected c = {};
        struct dgram g = {};

        /* Beyond the CPUs the machine has: the table grows. */
        add_event(&g, PROC_EVENT_EXEC, 4095, 1, 1, w);
        add_event(&g, PROC_EVENT_EXEC, 4095, 3, 2, w);
        add_event(&g, PROC_EVENT_EXEC, 65535, 1, 3, w);
        add_event(&g, PROC_EVENT_EXEC, 65535, 2, 4, w);
        assert_int_equal(decode(*state, &g, &c), 5);
        assert_int_equal(c.ev[1].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[1].lost.count, 1);
        assert_int_equal(c.ev[1].lost.cpu, 4095);
        assert_int_equal(c.ev[3].cpu, 65535);
        assert_int_equal(c.ev[4].type, BL_EVENT_EXEC);
}

static void test_ack(void **state)
{
        const uint32_t w[6] = { 1, 1, 2, 2 };
        const uint32_t ack_ok[6] = { 0 };
        const uint32_t ack_eperm[6] = { EPERM };
        struct collected c = {};
        struct dgram g = {};

        /* The ack alone: nothing comes out. */
        add_event(&g, PROC_EVENT_NONE, 0, 0, 1, ack_ok);
        assert_int_equal(decode(*state, &g, &c), 0);
        assert_int_equal(c.n, 0);

        /*
         * Current kernels stamp the ack from the per-CPU counter too (seen on
         * 6.18): skipping its number is no loss. An old-style ack (cpu -1,
         * the subscriber's seq) is not from the counter and changes nothing.
         */
        g.len = 0;
        add_event(&g, PROC_EVENT_EXEC, 1, 20, 1, w);
        add_event(&g, PROC_EVENT_NONE, 1, 21, 2, ack_eperm);
        add_event(&g, PROC_EVENT_EXEC, 1, 22, 3, w);
        add_event(&g, PROC_EVENT_NONE, UINT32_MAX, 12345, 4, ack_ok);
        add_event(&g, PROC_EVENT_EXEC, 1, 23, 5, w);
        assert_int_equal(decode(*state, &g, &c), 3);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(c.ev[i].type, BL_EVENT_EXEC);

        /* Events lost before an ack are still reported, with the ack's place and time. */
        memset(&c, 0, sizeof(c));
        g.len = 0;
        add_event(&g, PROC_EVENT_NONE, 1, 30, 6, ack_ok);
        assert_int_equal(decode(*state, &g, &c), 1);
        assert_int_equal(c.ev[0].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[0].lost.reason, BL_LOST_SEQ_GAP);
        assert_int_equal(c.ev[0].lost.count, 6);
        assert_int_equal(c.ev[0].lost.cpu, 1);
}

static void test_two_messages(void **state)
{
        const uint32_t wf[6] = { 1, 1, 300, 300 };
        const uint32_t we[6] = { 300, 300 };
        struct collected c = {};
        struct dgram g = {};
        uint8_t *m;

        add_event(&g, PROC_EVENT_FORK, 0, 1, 1, wf);
        /* A NOOP between them is skipped. */
        m = g.b + g.len;
        memset(m, 0, NLMSG_HDRLEN);
        put32(m, NLMSG_HDRLEN);
        put16(m + 4, NLMSG_NOOP);
        g.len += NLMSG_HDRLEN;
        add_event(&g, PROC_EVENT_EXEC, 0, 2, 2, we);
        assert_int_equal(decode(*state, &g, &c), 2);
        assert_int_equal(c.ev[0].type, BL_EVENT_FORK);
        assert_int_equal(c.ev[0].pid, 300);
        assert_int_equal(c.ev[1].type, BL_EVENT_EXEC);
        assert_int_equal(c.ev[1].pid, 300);

        /* A last message whose alignment padding is missing from the datagram. */
        memset(&c, 0, sizeof(c));
        g.len = 0;
        add_event(&g, PROC_EVENT_EXEC, 0, 3, 3, we);
        put32(g.b, MSG_LEN - 2); /* 74: the aligned step (76) runs past the datagram's end */
        put16(g.b + OFF_CN + 16, PE_LEN - 2);
        g.len = MSG_LEN - 2;
        assert_int_equal(decode(*state, &g, &c), 1);
        assert_int_equal(c.ev[0].type, BL_EVENT_EXEC);
}

static void test_bad_lengths(void **state)
{
        const uint32_t w[6] = { 1, 1, 2, 2 };
        struct dgram g = {};
        uint8_t *m;

        m = add_event(&g, PROC_EVENT_FORK, 0, 1, 1, w);

        /* Shorter than a netlink header, down to one byte. */
        for (size_t l = 1; l < NLMSG_HDRLEN; l++)
                assert_bad(*state, g.b, l, 0);
        /* Every cut of the message: nlmsg_len now exceeds the datagram. */
        for (size_t l = NLMSG_HDRLEN; l < MSG_LEN; l++)
                assert_bad(*state, g.b, l, 0);
        /* An empty datagram. */
        assert_bad(*state, g.b, 0, 0);

        /* nlmsg_len smaller than the header, or larger than the datagram. */
        put32(m, 3);
        assert_bad(*state, g.b, MSG_LEN, 0);
        put32(m, 0);
        assert_bad(*state, g.b, MSG_LEN, 0);
        put32(m, 0xffffffff);
        assert_bad(*state, g.b, MSG_LEN, 0);
        put32(m, MSG_LEN + 4);
        assert_bad(*state, g.b, MSG_LEN, 0);

        /* A netlink message too short for a cn_msg. */
        put32(m, NLMSG_HDRLEN + 8);
        assert_bad(*state, g.b, NLMSG_HDRLEN + 8, 0);
        put32(m, MSG_LEN);

        /* cn_msg.len larger than what follows, and huge. */
        put16(m + OFF_CN + 16, PE_LEN + 1);
        assert_bad(*state, g.b, MSG_LEN, 0);
        put16(m + OFF_CN + 16, 0xffff);
        assert_bad(*state, g.b, MSG_LEN, 0);
        /* Too short for the proc_event header, or for a fork. */
        put16(m + OFF_CN + 16, 15);
        assert_bad(*state, g.b, MSG_LEN, 0);
        put16(m + OFF_CN + 16, 16 + 12);
        assert_bad(*state, g.b, MSG_LEN, 0);
        put16(m + OFF_CN + 16, PE_LEN);

        /* Not the proc connector. */
        put32(m + OFF_CN, CN_IDX_PROC + 1);
        assert_bad(*state, g.b, MSG_LEN, 0);
        put32(m + OFF_CN, CN_IDX_PROC);
        put32(m + OFF_CN + 4, CN_VAL_PROC + 1);
        assert_bad(*state, g.b, MSG_LEN, 0);
        put32(m + OFF_CN + 4, CN_VAL_PROC);

        /* A CPU number no machine has. */
        put32(m + OFF_PE + 4, 65536);
        assert_bad(*state, g.b, MSG_LEN, 0);
        put32(m + OFF_PE + 4, 0);

        /* NLMSG_OVERRUN. */
        put16(m + 4, NLMSG_OVERRUN);
        assert_bad(*state, g.b, MSG_LEN, 0);
        put16(m + 4, NLMSG_DONE);
}

static void test_bad_trailing(void **state)
{
        const uint32_t w[6] = { 1, 1, 2, 2 };
        struct collected c = {};
        struct dgram g = {};

        add_event(&g, PROC_EVENT_FORK, 0, 1, 1, w);
        /* 76 + 4 padding + 10 bytes of junk: the good event, then one bad message. */
        memset(g.b + g.len, 0xaa, 10);
        g.len += 10;
        assert_int_equal(decode(*state, &g, &c), 2);
        assert_int_equal(c.ev[0].type, BL_EVENT_FORK);
        assert_int_equal(c.ev[1].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[1].lost.reason, BL_LOST_BAD_MESSAGE);

        /* A bad cn_msg in the middle costs only itself. */
        memset(&c, 0, sizeof(c));
        g.len = 0;
        add_event(&g, PROC_EVENT_FORK, 0, 2, 2, w);
        put32(add_event(&g, PROC_EVENT_FORK, 0, 3, 3, w) + OFF_CN, 42);
        add_event(&g, PROC_EVENT_FORK, 0, 3, 4, w);
        assert_int_equal(decode(*state, &g, &c), 3);
        assert_int_equal(c.ev[0].type, BL_EVENT_FORK);
        assert_int_equal(c.ev[1].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[2].type, BL_EVENT_FORK);
        assert_int_equal(c.ev[2].ts_ns, 4);
}

static void test_sender_port(void **state)
{
        const uint32_t w[6] = { 1, 1, 2, 2 };
        struct collected c = {};
        struct dgram g = {};

        add_event(&g, PROC_EVENT_FORK, 0, 1, 1, w);
        add_event(&g, PROC_EVENT_FORK, 0, 2, 1, w);
        /* One LOST for the whole datagram, nothing from inside it. */
        assert_bad(*state, g.b, g.len, 4242);
        assert_bad(*state, g.b, g.len, UINT32_MAX);
        assert_int_equal(decode(*state, &g, &c), 2);
}

static void test_garbage(void **state)
{
        uint8_t buf[512];
        unsigned seed = 1;

        /* Random bytes, random lengths: never a crash or a read past the end (ASan build). */
        for (int round = 0; round < 20000; round++) {
                struct collected c = {};
                size_t len = rand_r(&seed) % sizeof(buf);
                int r;

                for (size_t i = 0; i < len; i++)
                        buf[i] = rand_r(&seed);
                /* Often make the framing plausible so the inner checks get exercised. */
                if (len >= 36 && round % 2) {
                        put32(buf, len - (rand_r(&seed) % 8));
                        put32(buf + OFF_CN, CN_IDX_PROC);
                        put32(buf + OFF_CN + 4, CN_VAL_PROC);
                        put16(buf + OFF_CN + 16, len - OFF_PE + (rand_r(&seed) % 9) - 4);
                        put32(buf + OFF_PE + 4, rand_r(&seed) % 4);
                }
                r = decode_exact(*state, buf, len, 0, &c);
                assert_true(r >= 0);
                assert_int_equal((size_t)r, c.n);
        }
}

static void test_callback_error(void **state)
{
        const uint32_t w[6] = { 1, 1, 2, 2 };
        struct collected c = { .fail_at = 2 };
        struct dgram g = {};

        add_event(&g, PROC_EVENT_FORK, 0, 1, 1, w);
        add_event(&g, PROC_EVENT_FORK, 0, 2, 2, w);
        add_event(&g, PROC_EVENT_FORK, 0, 3, 3, w);
        assert_int_equal(decode(*state, &g, &c), -ECANCELED);
        assert_int_equal(c.n, 2);
}

/* --- through a socketpair --- */

static int send_dgram(int fd, const struct dgram *g)
{
        return send(fd, g->b, g->len, 0) == (ssize_t)g->len ? 0 : -errno;
}

static void test_source_fd(void **state)
{
        const uint32_t w[6] = { 1, 1, 2, 2 };
        struct bl_source_stats st;
        struct bl_source *s = NULL;
        struct collected c = {};
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(bl_source_new_from_fd(sv[0], &s), 0);
        assert_int_equal(bl_source_get_fd(s), sv[0]);

        /* Nothing pending. */
        assert_int_equal(bl_source_dispatch(s, 0, collect, &c), 0);

        for (uint32_t i = 0; i < 5; i++) {
                struct dgram g = {};
                uint32_t wi[6] = { 1, 1, 100 + i, 100 + i };

                add_event(&g, PROC_EVENT_FORK, 0, 10 + i + (i >= 3 ? 2 : 0), 1000 + i, wi); /* 13, 14 lost */
                assert_int_equal(send_dgram(sv[1], &g), 0);
        }
        /* A foreign datagram. */
        {
                struct dgram g = { .len = 7 };
                assert_int_equal(send_dgram(sv[1], &g), 0);
        }
        /* One too big for a receive buffer: truncated, so bad. */
        {
                struct dgram g = {};
                while (g.len + NLMSG_ALIGN(MSG_LEN) <= 2000)
                        add_event(&g, PROC_EVENT_EXEC, 1, 1, 1, w);
                assert_int_equal(send_dgram(sv[1], &g), 0);
        }

        /* max_datagrams is honoured and nothing is held back. */
        assert_int_equal(bl_source_dispatch(s, 2, collect, &c), 2);
        assert_int_equal(c.n, 2);
        assert_int_equal(bl_source_dispatch(s, 0, collect, &c), 5);
        assert_int_equal(bl_source_dispatch(s, 0, collect, &c), 0);

        assert_int_equal(c.n, 8);
        for (size_t i = 0; i < 3; i++) {
                assert_int_equal(c.ev[i].type, BL_EVENT_FORK);
                assert_int_equal(c.ev[i].pid, 100 + i);
        }
        assert_int_equal(c.ev[3].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[3].lost.reason, BL_LOST_SEQ_GAP);
        assert_int_equal(c.ev[3].lost.count, 2);
        assert_int_equal(c.ev[4].pid, 103);
        assert_int_equal(c.ev[5].pid, 104);
        assert_int_equal(c.ev[6].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[6].lost.reason, BL_LOST_BAD_MESSAGE);
        assert_int_equal(c.ev[7].type, BL_EVENT_LOST);
        assert_int_equal(c.ev[7].lost.reason, BL_LOST_BAD_MESSAGE);

        bl_source_get_stats(s, &st);
        assert_int_equal(st.datagrams, 7);
        assert_int_equal(st.events, 5);
        assert_int_equal(st.lost, 2);
        assert_int_equal(st.bad_messages, 2);
        assert_int_equal(st.overflows, 0);
        assert_true(st.rcvbuf > 0);

        /* A callback error stops dispatch; what was already received is not dropped. */
        memset(&c, 0, sizeof(c));
        c.fail_at = 2;
        for (uint32_t i = 0; i < 4; i++) {
                struct dgram g = {};
                uint32_t wi[6] = { 200 + i, 200 + i };

                add_event(&g, PROC_EVENT_EXEC, 2, 50 + i, 1, wi);
                assert_int_equal(send_dgram(sv[1], &g), 0);
        }
        assert_int_equal(bl_source_dispatch(s, 0, collect, &c), -ECANCELED);
        c.fail_at = 0;
        assert_int_equal(bl_source_dispatch(s, 0, collect, &c), 2);
        assert_int_equal(c.n, 4);
        for (size_t i = 0; i < 4; i++)
                assert_int_equal(c.ev[i].pid, 200 + i);

        /* The peer went away. */
        close(sv[1]);
        assert_int_equal(bl_source_dispatch(s, 0, collect, &c), -ECONNRESET);

        assert_null(bl_source_free(s));
        assert_null(bl_source_free(NULL));
}

static void test_source_fd_dgram(void **state)
{
        struct bl_source *s = NULL;
        struct collected c = {};
        int sv[2];

        assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
        assert_int_equal(bl_source_new_from_fd(sv[0], &s), 0);
        /* More than one recvmmsg() batch. */
        for (uint32_t i = 0; i < 150; i++) {
                struct dgram g = {};
                uint32_t wi[6] = { i, i };

                add_event(&g, PROC_EVENT_EXEC, 0, i, i, wi);
                assert_int_equal(send_dgram(sv[1], &g), 0);
        }
        assert_int_equal(bl_source_dispatch(s, 0, collect, &c), 150);
        assert_int_equal(c.n, 150);
        for (size_t i = 0; i < 150; i++)
                assert_int_equal(c.ev[i].pid, i);
        bl_source_free(s);
        close(sv[1]);
}

/* --- the real kernel --- */

struct live {
        pid_t child;
        bool fork_seen, exit_seen;
        int exit_code;
        size_t lost, events;
};

static int on_live(struct bl_event *ev, void *userdata)
{
        struct live *l = userdata;

        l->events++;
        if (ev->type == BL_EVENT_LOST) {
                l->lost++;
                print_message("# LOST reason=%s count=%" PRIu64 " cpu=%u\n",
                              bl_lost_reason_to_string(ev->lost.reason), ev->lost.count, ev->lost.cpu);
        }
        if (ev->type == BL_EVENT_FORK && ev->pid == l->child && ev->tid == l->child)
                l->fork_seen = true;
        if (ev->type == BL_EVENT_EXIT && ev->pid == l->child && ev->tid == l->child) {
                int code = -1;

                l->exit_seen = true;
                if (bl_exit_status_decode(ev->exit.code, &code, NULL, NULL))
                        l->exit_code = code;
        }
        return 0;
}

static pid_t fork_exit(int status)
{
        pid_t pid = fork();
        int st;

        assert_true(pid >= 0);
        if (pid == 0)
                _exit(status);
        assert_int_equal(waitpid(pid, &st, 0), pid);
        return pid;
}

static void test_live(void **state)
{
        struct bl_source *s = NULL, *other = NULL;
        struct bl_source_stats st;
        struct live l = {};
        cpu_set_t cpus, old;
        int r;

        if (geteuid() != 0)
                skip();

        r = bl_source_new(NULL, &s);
        if (r == -EPROTONOSUPPORT) {
                print_message("# no proc connector in this kernel\n");
                skip();
        }
        assert_int_equal(r, 0);
        assert_true(bl_source_get_fd(s) >= 0);

        /*
         * On one CPU: an event, then someone else subscribing (its ack is
         * broadcast and takes a sequence number on this CPU), then ours. No
         * loss may be reported for the ack.
         */
        assert_int_equal(sched_getaffinity(0, sizeof(old), &old), 0);
        CPU_ZERO(&cpus);
        for (int i = 0; i < CPU_SETSIZE; i++)
                if (CPU_ISSET(i, &old)) {
                        CPU_SET(i, &cpus);
                        break;
                }
        assert_int_equal(sched_setaffinity(0, sizeof(cpus), &cpus), 0);
        fork_exit(0);
        assert_int_equal(bl_source_new(NULL, &other), 0);
        l.child = fork_exit(3);
        other = bl_source_free(other);
        assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);

        for (int i = 0; i < 100 && !(l.fork_seen && l.exit_seen); i++) {
                struct pollfd p = { .fd = bl_source_get_fd(s), .events = POLLIN };

                r = poll(&p, 1, 100);
                assert_true(r >= 0);
                assert_true(bl_source_dispatch(s, 0, on_live, &l) >= 0);
        }
        assert_true(l.fork_seen);
        assert_true(l.exit_seen);
        assert_int_equal(l.exit_code, 3);
        assert_int_equal(l.lost, 0);

        bl_source_get_stats(s, &st);
        assert_int_equal(st.lost, 0);
        assert_int_equal(st.overflows, 0);
        assert_int_equal(st.bad_messages, 0);
        assert_true(st.events >= 4);
        assert_true(st.rcvbuf >= 32 * 1024 * 1024);
        print_message("# live: %" PRIu64 " datagrams, %" PRIu64 " events, rcvbuf %d\n", st.datagrams,
                      st.events, st.rcvbuf);
        bl_source_free(s);
}

struct overflow {
        size_t events, lost_events, enobufs, gap;
        bool gap_before_enobufs;
};

static int on_overflow(struct bl_event *ev, void *userdata)
{
        struct overflow *o = userdata;

        if (ev->type != BL_EVENT_LOST) {
                o->events++;
                return 0;
        }
        o->lost_events++;
        if (ev->lost.reason == BL_LOST_ENOBUFS)
                o->enobufs++;
        if (ev->lost.reason == BL_LOST_SEQ_GAP) {
                if (o->enobufs == 0)
                        o->gap_before_enobufs = true;
                o->gap += ev->lost.count;
        }
        return 0;
}

/*
 * An exit on every CPU we may run on, each read at once: gives every CPU a
 * sequence number we know (loss before a CPU's first event cannot be seen)
 * and makes loss at the end of a CPU's sequence show. Three rounds, in case
 * others' events fill the small queue in between.
 */
static void touch_every_cpu(struct bl_source *s, struct overflow *o)
{
        cpu_set_t all;

        assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
        for (int round = 0; round < 3; round++)
                for (int i = 0; i < CPU_SETSIZE; i++) {
                        cpu_set_t one;
                        pid_t pid;

                        if (!CPU_ISSET(i, &all))
                                continue;
                        pid = fork();
                        assert_true(pid >= 0);
                        if (pid == 0) {
                                CPU_ZERO(&one);
                                CPU_SET(i, &one);
                                _exit(sched_setaffinity(0, sizeof(one), &one) < 0);
                        }
                        assert_int_equal(waitpid(pid, NULL, 0), pid);
                        assert_true(bl_source_dispatch(s, 0, on_overflow, o) >= 0);
                }
}

static void test_live_overflow(void **state)
{
        const struct bl_source_options small = { .rcvbuf = 16384 };
        struct bl_source *s = NULL;
        struct bl_source_stats st;
        struct overflow o = {};
        int r;

        if (geteuid() != 0)
                skip();
        r = bl_source_new(&small, &s);
        if (r == -EPROTONOSUPPORT)
                skip();
        assert_int_equal(r, 0);

        touch_every_cpu(s, &o);
        o = (struct overflow){};
        /* 400 events (200 forks, 200 exits) into a queue that holds a few dozen. */
        for (int i = 0; i < 200; i++)
                fork_exit(0);
        touch_every_cpu(s, &o);

        bl_source_get_stats(s, &st);
        print_message("# overflow: rcvbuf %d, %zu events delivered, %zu lost in gaps, %zu ENOBUFS\n",
                      st.rcvbuf, o.events, o.gap, o.enobufs);
        /* The overflow is reported first, then what it cost as gaps; together nothing is unaccounted. */
        assert_true(o.enobufs >= 1);
        assert_false(o.gap_before_enobufs);
        assert_true(o.gap > 0);
        assert_true(o.events + o.gap >= 400);
        assert_true(st.overflows >= o.enobufs);
        assert_true(st.lost >= o.gap);
        assert_true(st.events >= o.events);
        bl_source_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_fork_process, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fork_thread, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exec, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_uid_gid, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sid, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ptrace, setup, teardown),
                cmocka_unit_test_setup_teardown(test_comm, setup, teardown),
                cmocka_unit_test_setup_teardown(test_coredump, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_long, setup, teardown),
                cmocka_unit_test_setup_teardown(test_seq_gap, setup, teardown),
                cmocka_unit_test_setup_teardown(test_seq_wrap, setup, teardown),
                cmocka_unit_test_setup_teardown(test_seq_resync, setup, teardown),
                cmocka_unit_test_setup_teardown(test_seq_high_cpu, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ack, setup, teardown),
                cmocka_unit_test_setup_teardown(test_two_messages, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_lengths, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_trailing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sender_port, setup, teardown),
                cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
                cmocka_unit_test_setup_teardown(test_callback_error, setup, teardown),
                cmocka_unit_test(test_source_fd),
                cmocka_unit_test(test_source_fd_dgram),
                cmocka_unit_test(test_live),
                cmocka_unit_test(test_live_overflow),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
