/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The taskstats listener's decoder and its table of records waiting for
 * their exit events (taskstats.c), fed messages laid out as the kernel sends
 * them.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "macro.h"
#include "taskstats.h"

#define FAMILY    27
#define ALIGN4(n) (((n) + 3u) & ~3u)

struct seen {
        struct bl_taskstats_record recs[64];
        size_t n;
};

static int collect(const struct bl_taskstats_record *rec, void *userdata)
{
        struct seen *s = userdata;

        assert_true(s->n < ELEMENTSOF(s->recs));
        s->recs[s->n++] = *rec;
        return 0;
}

static uint8_t *put_attr(uint8_t *p, uint16_t type, const void *data, size_t len)
{
        struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };

        memcpy(p, &a, sizeof(a));
        memcpy(p + NLA_HDRLEN, data, len);
        memset(p + NLA_HDRLEN + len, 0, ALIGN4(len) - len);
        return p + NLA_HDRLEN + ALIGN4(len);
}

/*
 * One TASKSTATS_CMD_NEW message as taskstats_exit() builds it: AGGR_PID
 * {PID, STATS}, and for the last task of a multi-threaded process AGGR_TGID
 * {TGID, STATS} after it. stats_len: bytes of struct taskstats sent (older
 * kernels send less). Returns the message length.
 */
static size_t build(uint8_t *buf, uint32_t tid, const struct taskstats *ts, size_t stats_len, bool with_tgid)
{
        uint8_t inner[1024], *q = inner, *p;
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        struct genlmsghdr *g = (struct genlmsghdr *)NLMSG_DATA(h);

        memset(buf, 0, 4096);
        q = put_attr(q, TASKSTATS_TYPE_PID, &tid, sizeof(tid));
        q = put_attr(q, TASKSTATS_TYPE_STATS, ts, stats_len);
        g->cmd = TASKSTATS_CMD_NEW;
        g->version = TASKSTATS_GENL_VERSION;
        p = (uint8_t *)g + GENL_HDRLEN;
        p = put_attr(p, TASKSTATS_TYPE_AGGR_PID | NLA_F_NESTED, inner, (size_t)(q - inner));
        if (with_tgid) {
                uint32_t tgid = ts->ac_tgid;

                q = inner;
                q = put_attr(q, TASKSTATS_TYPE_TGID, &tgid, sizeof(tgid));
                q = put_attr(q, TASKSTATS_TYPE_STATS, ts, stats_len);
                p = put_attr(p, TASKSTATS_TYPE_AGGR_TGID | NLA_F_NESTED, inner, (size_t)(q - inner));
        }
        h->nlmsg_len = (uint32_t)(p - buf);
        h->nlmsg_type = FAMILY;
        return h->nlmsg_len;
}

static struct taskstats sample(uint32_t tid, uint32_t tgid)
{
        return (struct taskstats){
                .version = TASKSTATS_VERSION,
                .ac_exitcode = 3 << 8,
                .ac_pid = tid,
                .ac_tgid = tgid,
                .ac_etime = 250000,
                .ac_utime = 120000,
                .ac_stime = 8000,
                .read_bytes = 4096,
                .write_bytes = 1 << 20,
                .cancelled_write_bytes = 512,
                .read_char = 7000,
                .write_char = 1 << 20,
                .nvcsw = 11,
                .nivcsw = 2,
                .ac_minflt = 300,
                .ac_majflt = 4,
                .hiwater_rss = 2048,
                .cpu_delay_total = 1500,
                .blkio_delay_total = 900000,
                .swapin_delay_total = 0,
                .cpu_run_virtual_total = 128123456,
        };
}

static void test_decode_fields(void **state)
{
        uint8_t buf[4096];
        struct taskstats ts = sample(4242, 4240);
        struct seen s = {};
        size_t len = build(buf, 4242, &ts, sizeof(ts), false);

        assert_int_equal(bl_taskstats_decode(buf, len, BL_COST_IO_DELAYS, 0, NULL, NULL, collect, &s), 1);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.recs[0].tid, 4242);
        assert_int_equal(s.recs[0].tgid, 4240);
        assert_int_equal(s.recs[0].cost.flags, BL_COST_IO_DELAYS);
        assert_int_equal(s.recs[0].cost.exit_code, 3 << 8);
        assert_int_equal(s.recs[0].cost.elapsed_us, 250000);
        assert_int_equal(s.recs[0].cost.utime_us, 120000);
        assert_int_equal(s.recs[0].cost.stime_us, 8000);
        assert_int_equal(s.recs[0].cost.cpu_ns, 128123456);
        assert_int_equal(s.recs[0].cost.read_bytes, 4096);
        assert_int_equal(s.recs[0].cost.write_bytes, 1 << 20);
        assert_int_equal(s.recs[0].cost.cancelled_write_bytes, 512);
        assert_int_equal(s.recs[0].cost.read_chars, 7000);
        assert_int_equal(s.recs[0].cost.write_chars, 1 << 20);
        assert_int_equal(s.recs[0].cost.nvcsw, 11);
        assert_int_equal(s.recs[0].cost.nivcsw, 2);
        assert_int_equal(s.recs[0].cost.minflt, 300);
        assert_int_equal(s.recs[0].cost.majflt, 4);
        assert_int_equal(s.recs[0].cost.hiwater_rss_kb, 2048);
        assert_int_equal(s.recs[0].cost.cpu_delay_ns, 1500);
        assert_int_equal(s.recs[0].cost.blkio_delay_ns, 900000);
}

static void test_decode_tgid_aggregate_skipped(void **state)
{
        uint8_t buf[4096];
        struct taskstats ts = sample(501, 500);
        struct seen s = {};
        size_t len = build(buf, 501, &ts, sizeof(ts), true);

        /* The per-process aggregate rides in the same message: only the task's own record is taken. */
        assert_int_equal(bl_taskstats_decode(buf, len, 0, 0, NULL, NULL, collect, &s), 1);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.recs[0].tid, 501);
        assert_int_equal(s.recs[0].tgid, 500);
}

static void test_decode_old_kernel(void **state)
{
        uint8_t buf[4096];
        struct taskstats ts = sample(77, 70);
        struct seen s = {};
        size_t len;

        /* Version 8's struct ends before ac_tgid: the process is unknown, the task's figures are there. */
        ts.version = 8;
        len = build(buf, 77, &ts, offsetof(struct taskstats, ac_btime64), false);
        assert_int_equal(bl_taskstats_decode(buf, len, 0, 0, NULL, NULL, collect, &s), 1);
        assert_int_equal(s.recs[0].tgid, 0);
        assert_int_equal(s.recs[0].cost.flags, BL_COST_NO_TGID);
        assert_int_equal(s.recs[0].cost.utime_us, 120000);
        assert_int_equal(s.recs[0].cost.cpu_ns, 128123456);
}

static void test_decode_malformed(void **state)
{
        uint8_t buf[4096];
        struct taskstats ts = sample(9, 9);
        struct seen s = {};
        size_t len = build(buf, 9, &ts, sizeof(ts), false);

        /* Cut anywhere inside: never a record read past the end. */
        for (size_t cut = 0; cut < len; cut++) {
                int r = bl_taskstats_decode(buf, cut, 0, 0, NULL, NULL, collect, &s);

                assert_true(r == 0 || r == -EBADMSG);
        }
        assert_int_equal(s.n, 0);

        /* Stats too short to hold the fields used. */
        len = build(buf, 9, &ts, 40, false);
        assert_int_equal(bl_taskstats_decode(buf, len, 0, 0, NULL, NULL, collect, &s), -EBADMSG);
        assert_int_equal(s.n, 0);
}

static void test_decode_ack(void **state)
{
        uint8_t buf[4096] = {};
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        struct nlmsgerr *e = NLMSG_DATA(h);
        struct seen s = {};
        bool acked = false;
        int error = 0;

        h->nlmsg_len = NLMSG_LENGTH(sizeof(*e));
        h->nlmsg_type = NLMSG_ERROR;
        h->nlmsg_seq = 12;
        e->error = -EPERM;
        /* Another request's answer is not ours. */
        assert_int_equal(bl_taskstats_decode(buf, h->nlmsg_len, 0, 13, &acked, &error, collect, &s), 0);
        assert_false(acked);
        assert_int_equal(bl_taskstats_decode(buf, h->nlmsg_len, 0, 12, &acked, &error, collect, &s), 0);
        assert_true(acked);
        assert_int_equal(error, -EPERM);
}

static struct bl_taskstats_record rec(pid_t tid, uint64_t read_ns, uint64_t utime)
{
        return (struct bl_taskstats_record){
                .tid = tid, .tgid = tid, .read_ns = read_ns, .cost = { .utime_us = utime }
        };
}

static void test_pairing(void **state)
{
        _cleanup_(bl_taskstats_freep) struct bl_taskstats *t = NULL;
        struct bl_taskstats_record got, r;
        struct seen s = {};

        assert_int_equal(bl_taskstats_new_detached(&t), 0);
        for (pid_t tid = 100; tid < 4100; tid++) {
                r = rec(tid, 1000, (uint64_t)tid);
                assert_int_equal(bl_taskstats_push(t, &r, collect, &s), 0);
        }
        assert_int_equal(s.n, 0);
        /* Taken in another order than pushed, each exactly once: the table survives its deletions. */
        for (pid_t tid = 4099; tid >= 100; tid -= 2) {
                assert_int_equal(bl_taskstats_take(t, tid, &got), 1);
                assert_int_equal(got.cost.utime_us, (uint64_t)tid);
        }
        for (pid_t tid = 100; tid < 4100; tid += 2) {
                assert_int_equal(bl_taskstats_take(t, tid, &got), 1);
                assert_int_equal(got.tid, tid);
                assert_int_equal(bl_taskstats_take(t, tid, &got), 0);
        }
        assert_int_equal(bl_taskstats_take(t, 4101, &got), 0);

        /* A second record for a tid still pending: the first one's exit never came; it is handed out. */
        r = rec(55, 1, 1);
        assert_int_equal(bl_taskstats_push(t, &r, collect, &s), 0);
        r = rec(55, 2, 2);
        assert_int_equal(bl_taskstats_push(t, &r, collect, &s), 0);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.recs[0].cost.utime_us, 1);
        assert_int_equal(bl_taskstats_take(t, 55, &got), 1);
        assert_int_equal(got.cost.utime_us, 2);
}

static void test_flush_stale(void **state)
{
        _cleanup_(bl_taskstats_freep) struct bl_taskstats *t = NULL;
        struct bl_taskstats_record got, r;
        struct seen s = {};

        assert_int_equal(bl_taskstats_new_detached(&t), 0);
        for (pid_t tid = 1; tid <= 40; tid++) {
                r = rec(tid, tid <= 10 ? 100 : 5000, 0);
                assert_int_equal(bl_taskstats_push(t, &r, collect, &s), 0);
        }
        /* Read at 100 and older than 1000 at 2000: the first ten go; those read at 5000 stay. */
        assert_int_equal(bl_taskstats_flush(t, 2000, 1000, collect, &s), 0);
        assert_int_equal(s.n, 10);
        for (size_t i = 0; i < s.n; i++)
                assert_true(s.recs[i].tid >= 1 && s.recs[i].tid <= 10);
        for (pid_t tid = 11; tid <= 40; tid++)
                assert_int_equal(bl_taskstats_take(t, tid, &got), 1);
        assert_int_equal(bl_taskstats_take(t, 3, &got), 0);
}

static int count(const struct bl_taskstats_record *rec, void *userdata)
{
        (*(size_t *)userdata)++;
        return 0;
}

static void test_pending_max(void **state)
{
        _cleanup_(bl_taskstats_freep) struct bl_taskstats *t = NULL;
        struct bl_taskstats_record got, r;
        size_t n = 0;

        assert_int_equal(bl_taskstats_new_detached(&t), 0);
        for (pid_t tid = 1; tid <= BL_TASKSTATS_PENDING_MAX; tid++) {
                r = rec(tid, 1, 0);
                assert_int_equal(bl_taskstats_push(t, &r, count, &n), 0);
        }
        assert_int_equal(n, 0);
        /* One more: those waiting are written unpaired rather than the table growing without bound. */
        r = rec(BL_TASKSTATS_PENDING_MAX + 1, 2, 0);
        assert_int_equal(bl_taskstats_push(t, &r, count, &n), 0);
        assert_int_equal(n, BL_TASKSTATS_PENDING_MAX);
        assert_int_equal(bl_taskstats_take(t, 1, &got), 0);
        assert_int_equal(bl_taskstats_take(t, BL_TASKSTATS_PENDING_MAX + 1, &got), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_decode_fields),
                cmocka_unit_test(test_decode_tgid_aggregate_skipped),
                cmocka_unit_test(test_decode_old_kernel),
                cmocka_unit_test(test_decode_malformed),
                cmocka_unit_test(test_decode_ack),
                cmocka_unit_test(test_pairing),
                cmocka_unit_test(test_flush_stale),
                cmocka_unit_test(test_pending_max),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
