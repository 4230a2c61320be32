/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The taskstats listener and its pairing of records with exits; see
 * taskstats.h.
 */
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "netlink.h"
#include "taskstats.h"
#include "time-util.h"
#include "string-util.h"

#define DEFAULT_RCVBUF (4 * 1024 * 1024)
/* One message per datagram: some 450 bytes for version 13, 900 with the per-process aggregate; room for
 * larger future ones. A longer one is cut (MSG_TRUNC) and counted malformed: its exit shows as cost-missing.
 */
#define DATAGRAM_MAX 2048
/* Datagrams fetched per recvmmsg(): a storm's exits come one datagram each, a few at a time. */
#define BATCH 8
/* How long registering may wait for the kernel's answer. */
#define REGISTER_TIMEOUT_MS 2000

struct slot {
        pid_t tid; /* 0: free */
        pid_t tgid;
        uint64_t read_ns;
        struct bl_cost cost;
};

struct bl_taskstats {
        struct nl_sock *nl; /* NULL: detached (tests) */
        int fd;
        int family;
        char *cpumask;
        uint32_t flags;     /* or-ed into every record: BL_COST_IO_DELAYS */
        struct slot *slots; /* open addressing, linear probing, power-of-two size, at most half full */
        size_t cap, n;
        struct bl_taskstats_stats stats;
        struct mmsghdr msgs[BATCH];
        struct iovec iovs[BATCH];
        struct sockaddr_nl addrs[BATCH];
        uint8_t bufs[BATCH][DATAGRAM_MAX] __attribute__((aligned(8)));
};

/* ---- decoding ---- */

static void cost_from_kernel(struct bl_cost *c, const struct taskstats *ts)
{
        *c = (struct bl_cost){
                .exit_code = ts->ac_exitcode,
                .elapsed_us = ts->ac_etime,
                .utime_us = ts->ac_utime,
                .stime_us = ts->ac_stime,
                .read_bytes = ts->read_bytes,
                .write_bytes = ts->write_bytes,
                .cancelled_write_bytes = ts->cancelled_write_bytes,
                .read_chars = ts->read_char,
                .write_chars = ts->write_char,
                .nvcsw = ts->nvcsw,
                .nivcsw = ts->nivcsw,
                .minflt = ts->ac_minflt,
                .majflt = ts->ac_majflt,
                .hiwater_rss_kb = ts->hiwater_rss,
                .cpu_delay_ns = ts->cpu_delay_total,
                .blkio_delay_ns = ts->blkio_delay_total,
                .swapin_delay_ns = ts->swapin_delay_total,
                .cpu_ns = ts->cpu_run_virtual_total,
        };
}

/* The struct is the kernel's of the version it was sent with: shorter from older kernels, longer from newer.
 */
static int decode_aggr_pid(struct nlattr *aggr, uint32_t flags, bl_taskstats_cb cb, void *userdata)
{
        struct nlattr *tb[TASKSTATS_TYPE_MAX + 1];
        struct bl_taskstats_record rec = {};
        struct taskstats ts = {};
        size_t len;
        int r;

        r = nla_parse_nested(tb, TASKSTATS_TYPE_MAX, aggr, NULL);
        if (r < 0 || !tb[TASKSTATS_TYPE_PID] || !tb[TASKSTATS_TYPE_STATS] ||
            nla_len(tb[TASKSTATS_TYPE_PID]) < (int)sizeof(uint32_t))
                return -EBADMSG;
        len = (size_t)nla_len(tb[TASKSTATS_TYPE_STATS]);
        /* Every field used below but ac_tgid is in version 1's struct, which ends after cpu_count..; the
         * smallest the kernel ever sent is longer than freepages_delay_total's end. */
        if (len < offsetof(struct taskstats, freepages_count))
                return -EBADMSG;
        memcpy(&ts, nla_data(tb[TASKSTATS_TYPE_STATS]), MIN(len, sizeof(ts)));

        rec.tid = (pid_t)nla_get_u32(tb[TASKSTATS_TYPE_PID]);
        if (rec.tid <= 0)
                return -EBADMSG;
        if (ts.version >= 12 && len >= offsetof(struct taskstats, ac_tgid) + sizeof(ts.ac_tgid) &&
            ts.ac_tgid <= INT32_MAX)
                rec.tgid = (pid_t)ts.ac_tgid;
        cost_from_kernel(&rec.cost, &ts);
        rec.cost.flags = flags | (rec.tgid > 0 ? 0 : BL_COST_NO_TGID);
        return cb(&rec, userdata);
}

int bl_taskstats_decode(const void *buf, size_t len, uint32_t flags, uint32_t seq, bool *ret_acked,
                        int *ret_ack_error, bl_taskstats_cb cb, void *userdata)
{
        size_t off = 0;
        int n = 0, r;

        /* NLMSG_OK()/NLMSG_NEXT() by hand: every length checked against what is left, unsigned. */
        for (size_t next; off + sizeof(struct nlmsghdr) <= len; off = next) {
                struct nlmsghdr *h = (struct nlmsghdr *)((uint8_t *)buf + off);
                struct nlattr *tb[TASKSTATS_TYPE_MAX + 1];

                if (h->nlmsg_len < sizeof(struct nlmsghdr) || h->nlmsg_len > len - off)
                        break;
                next = off + MIN((size_t)NLMSG_ALIGN(h->nlmsg_len), len - off);

                if (h->nlmsg_type == NLMSG_ERROR) {
                        const struct nlmsgerr *e = NLMSG_DATA(h);

                        if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                                return -EBADMSG;
                        if (ret_acked && h->nlmsg_seq == seq) {
                                *ret_acked = true;
                                if (ret_ack_error)
                                        *ret_ack_error = e->error > 0 ? -e->error : e->error;
                        }
                        continue;
                }
                if (h->nlmsg_type == NLMSG_NOOP || h->nlmsg_type == NLMSG_DONE)
                        continue;
                if (h->nlmsg_type < NLMSG_MIN_TYPE)
                        return -EBADMSG;
                r = genlmsg_parse(h, 0, tb, TASKSTATS_TYPE_MAX, NULL);
                if (r < 0)
                        return -EBADMSG;
                if (((struct genlmsghdr *)NLMSG_DATA(h))->cmd != TASKSTATS_CMD_NEW)
                        continue;
                /* A multi-threaded process's last exit also carries AGGR_TGID: delays only, skipped. */
                if (!tb[TASKSTATS_TYPE_AGGR_PID])
                        continue;
                r = decode_aggr_pid(tb[TASKSTATS_TYPE_AGGR_PID], flags, cb, userdata);
                if (r < 0)
                        return r;
                n++;
        }
        return n;
}

/* ---- the pending table ---- */

static size_t slot_of(const struct bl_taskstats *t, pid_t tid)
{
        return ((uint32_t)tid * UINT32_C(2654435761)) & (t->cap - 1);
}

static struct slot *find(const struct bl_taskstats *t, pid_t tid)
{
        if (t->cap == 0)
                return NULL;
        for (size_t i = slot_of(t, tid);; i = (i + 1) & (t->cap - 1)) {
                if (t->slots[i].tid == tid)
                        return &t->slots[i];
                if (t->slots[i].tid == 0)
                        return NULL;
        }
}

/* Backward-shift deletion: no tombstones, lookups stay short. */
static void remove_slot(struct bl_taskstats *t, struct slot *s)
{
        size_t i = (size_t)(s - t->slots), j = i;

        for (;;) {
                size_t home;

                t->slots[i].tid = 0;
                for (;;) {
                        j = (j + 1) & (t->cap - 1);
                        if (t->slots[j].tid == 0) {
                                t->n--;
                                return;
                        }
                        home = slot_of(t, t->slots[j].tid);
                        /* Can slot j's entry move to the hole at i? Only if its home is not in (i, j]. */
                        if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
                                break;
                }
                t->slots[i] = t->slots[j];
                i = j;
        }
}

static int grow(struct bl_taskstats *t)
{
        /* A few records wait at a time (8 at most in a 20,000-child storm): start small. */
        size_t cap = t->cap ? t->cap * 2 : 32;
        struct slot *old = t->slots, *s;
        size_t old_cap = t->cap;

        s = calloc(cap, sizeof(*s));
        if (!s)
                return -ENOMEM;
        t->slots = s;
        t->cap = cap;
        t->n = 0;
        for (size_t i = 0; i < old_cap; i++) {
                size_t k;

                if (old[i].tid == 0)
                        continue;
                for (k = slot_of(t, old[i].tid); t->slots[k].tid != 0; k = (k + 1) & (cap - 1))
                        ;
                t->slots[k] = old[i];
                t->n++;
        }
        free(old);
        return 0;
}

static void record_of(const struct slot *s, struct bl_taskstats_record *ret)
{
        *ret = (struct bl_taskstats_record){
                .tid = s->tid,
                .tgid = s->tgid,
                .read_ns = s->read_ns,
                .cost = s->cost,
        };
}

struct push_ctx {
        struct bl_taskstats *t;
        uint64_t read_ns;
        bl_taskstats_cb cb;
        void *userdata;
};

static int insert(struct bl_taskstats *t, const struct bl_taskstats_record *rec, bl_taskstats_cb cb,
                  void *userdata)
{
        struct slot *s;
        size_t k;
        int r;

        t->stats.records++;
        s = find(t, rec->tid);
        if (s) {
                struct bl_taskstats_record old;

                /* The tid's earlier task never had its exit paired: that exit event was lost. */
                record_of(s, &old);
                remove_slot(t, s);
                r = cb(&old, userdata);
                if (r < 0)
                        return r;
        }
        if (t->n >= BL_TASKSTATS_PENDING_MAX) {
                r = bl_taskstats_flush(t, rec->read_ns, 0, cb, userdata);
                if (r < 0)
                        return r;
        }
        if ((t->n + 1) * 2 > t->cap) {
                r = grow(t);
                if (r < 0)
                        return r;
        }
        for (k = slot_of(t, rec->tid); t->slots[k].tid != 0; k = (k + 1) & (t->cap - 1))
                ;
        t->slots[k] =
            (struct slot){ .tid = rec->tid, .tgid = rec->tgid, .read_ns = rec->read_ns, .cost = rec->cost };
        t->n++;
        t->stats.max_pending = MAX(t->stats.max_pending, t->n);
        return 0;
}

static int push_decoded(const struct bl_taskstats_record *rec, void *userdata)
{
        struct push_ctx *c = userdata;
        struct bl_taskstats_record r = *rec;

        r.read_ns = c->read_ns;
        return insert(c->t, &r, c->cb, c->userdata);
}

int bl_taskstats_push(struct bl_taskstats *t, const struct bl_taskstats_record *rec, bl_taskstats_cb cb,
                      void *userdata)
{
        return insert(t, rec, cb, userdata);
}

int bl_taskstats_take(struct bl_taskstats *t, pid_t tid, struct bl_taskstats_record *ret)
{
        struct slot *s = tid > 0 ? find(t, tid) : NULL;

        if (!s)
                return 0;
        record_of(s, ret);
        remove_slot(t, s);
        return 1;
}

int bl_taskstats_flush(struct bl_taskstats *t, uint64_t now_ns, uint64_t max_age_ns, bl_taskstats_cb cb,
                       void *userdata)
{
        int r;

        for (size_t i = 0; i < t->cap;) {
                struct slot *s = &t->slots[i];
                struct bl_taskstats_record rec;

                if (s->tid == 0 || (max_age_ns > 0 && s->read_ns + max_age_ns > now_ns)) {
                        i++;
                        continue;
                }
                record_of(s, &rec);
                /* The shift may move another entry into slot i: look at it again. */
                remove_slot(t, s);
                r = cb(&rec, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

int bl_taskstats_drain(struct bl_taskstats *t, bl_taskstats_cb cb, void *userdata)
{
        struct push_ctx c = { .t = t, .cb = cb, .userdata = userdata };
        int total = 0;

        if (!t->nl)
                return 0;
        for (;;) {
                int n, r;

                for (size_t i = 0; i < BATCH; i++) {
                        t->iovs[i] = (struct iovec){ .iov_base = t->bufs[i], .iov_len = DATAGRAM_MAX };
                        t->msgs[i].msg_hdr = (struct msghdr){
                                .msg_name = &t->addrs[i],
                                .msg_namelen = sizeof(t->addrs[i]),
                                .msg_iov = &t->iovs[i],
                                .msg_iovlen = 1,
                        };
                }
                n = recvmmsg(t->fd, t->msgs, BATCH, MSG_DONTWAIT, NULL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return total;
                        if (errno == ENOBUFS) {
                                /* Which tasks: the exits without a record will say. */
                                t->stats.overflows++;
                                continue;
                        }
                        return -errno;
                }
                c.read_ns = now_monotonic();
                for (int i = 0; i < n; i++) {
                        const struct msghdr *h = &t->msgs[i].msg_hdr;
                        const struct sockaddr_nl *sa = &t->addrs[i];

                        /* Another process may send to this socket too: only the kernel's records count. */
                        if (h->msg_namelen < sizeof(*sa) || sa->nl_family != AF_NETLINK || sa->nl_pid != 0) {
                                t->stats.foreign++;
                                continue;
                        }
                        if (h->msg_flags & MSG_TRUNC) {
                                t->stats.malformed++;
                                continue;
                        }
                        r = bl_taskstats_decode(t->bufs[i], t->msgs[i].msg_len, t->flags, 0, NULL, NULL,
                                                push_decoded, &c);
                        if (r == -EBADMSG) {
                                t->stats.malformed++;
                                continue;
                        }
                        if (r < 0)
                                return r;
                        total += r;
                }
                if (n < BATCH)
                        return total;
        }
}

/* ---- setting up ---- */

/* The CPUs to register for: every possible one (those brought online later included). */
static char *possible_cpus(void)
{
        char buf[256] = "";
        _cleanup_close_ int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
        char *s;

        if (fd >= 0) {
                ssize_t n = read(fd, buf, sizeof(buf) - 1);

                if (n > 0) {
                        buf[n] = 0;
                        buf[strcspn(buf, "\n")] = 0;
                        if (buf[0])
                                return strdup(buf);
                }
        }
        /* /sys not mounted (early boot): the CPUs configured. */
        if (asprintf(&s, "0-%d", MAX(get_nprocs_conf(), 1) - 1) < 0)
                return NULL;
        return s;
}

static bool delay_accounting_on(void)
{
        _cleanup_close_ int fd = open("/proc/sys/kernel/task_delayacct", O_RDONLY | O_CLOEXEC);
        char c = '0';

        /* Kernels before 5.14 have no switch: their delay accounting is on unless booted with nodelayacct.
         */
        if (fd < 0)
                return errno == ENOENT;
        return read(fd, &c, 1) == 1 && c == '1';
}

static int send_cpumask(struct bl_taskstats *t, int attr, uint32_t *ret_seq)
{
        struct nl_msg *msg = nlmsg_alloc();
        int r;

        if (!msg)
                return -ENOMEM;
        if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, t->family, 0, 0, TASKSTATS_CMD_GET,
                         TASKSTATS_VERSION) ||
            nla_put_string(msg, attr, t->cpumask) < 0) {
                nlmsg_free(msg);
                return -ENOMEM;
        }
        r = nl_send_auto(t->nl, msg);
        if (ret_seq)
                *ret_seq = nlmsg_hdr(msg)->nlmsg_seq;
        nlmsg_free(msg);
        return r < 0 ? bl_nlerr_to_errno(r) : 0;
}

static int discard(const struct bl_taskstats_record *rec, void *userdata)
{
        /* Tasks that exited before the connector was subscribed: not in the recording. */
        return 0;
}

/* Waits for the kernel's answer to the registration; records coming before it are of no use. */
static int wait_ack(struct bl_taskstats *t, uint32_t seq)
{
        bool acked = false;
        int error = 0;

        while (!acked) {
                struct pollfd p = { .fd = t->fd, .events = POLLIN };
                ssize_t n;
                int r;

                r = poll(&p, 1, REGISTER_TIMEOUT_MS);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIMEDOUT;
                n = recv(t->fd, t->bufs[0], DATAGRAM_MAX, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS)
                                continue;
                        return -errno;
                }
                (void)bl_taskstats_decode(t->bufs[0], (size_t)n, 0, seq, &acked, &error, discard, NULL);
        }
        return error;
}

int bl_taskstats_new(int rcvbuf, struct bl_taskstats **ret, char **ret_reason)
{
        _cleanup_(bl_taskstats_freep) struct bl_taskstats *t = NULL;
        uint32_t seq = 0;
        int r;

        if (ret_reason)
                *ret_reason = NULL;
        r = bl_taskstats_new_detached(&t);
        if (r < 0)
                return r;
        t->nl = nl_socket_alloc();
        if (!t->nl)
                return -ENOMEM;
        r = genl_connect(t->nl);
        if (r < 0) {
                r = bl_nlerr_to_errno(r);
                strprintf(ret_reason, "cannot open a generic netlink socket: %s", strerror(-r));
                return r;
        }
        t->fd = nl_socket_get_fd(t->nl);
        if (fcntl(t->fd, F_SETFD, FD_CLOEXEC) < 0)
                return -errno;

        r = genl_ctrl_resolve(t->nl, TASKSTATS_GENL_NAME);
        if (r < 0) {
                r = bl_nlerr_to_errno(r);
                if (r == -ENOENT) {
                        strprintf(ret_reason, "the kernel has no taskstats (CONFIG_TASKSTATS is off)");
                        return -EOPNOTSUPP;
                }
                strprintf(ret_reason, "cannot look up the taskstats family: %s", strerror(-r));
                return r;
        }
        t->family = r;

        r = bl_netlink_set_rcvbuf(t->fd, rcvbuf > 0 ? rcvbuf : DEFAULT_RCVBUF);
        if (r < 0)
                return r;
        t->cpumask = possible_cpus();
        if (!t->cpumask)
                return -ENOMEM;
        t->flags = delay_accounting_on() ? BL_COST_IO_DELAYS : 0;
        t->stats.io_delays = t->flags & BL_COST_IO_DELAYS;

        /* From here on the kernel's records carry seq 0: only the answer to ours has our number. */
        nl_socket_disable_seq_check(t->nl);
        r = send_cpumask(t, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, &seq);
        if (r == 0)
                r = wait_ack(t, seq);
        if (r == -EPERM || r == -EACCES)
                strprintf(ret_reason, "not permitted to register for taskstats (needs CAP_NET_ADMIN)");
        else if (r == -EINVAL)
                strprintf(ret_reason,
                          "the kernel refused the taskstats registration for CPUs %s "
                          "(only a listener in the initial user and PID namespaces may register)",
                          t->cpumask);
        else if (r < 0)
                strprintf(ret_reason, "cannot register for taskstats: %s", strerror(-r));
        if (r < 0)
                return r;

        *ret = TAKE_PTR(t);
        return 0;
}

int bl_taskstats_new_detached(struct bl_taskstats **ret)
{
        struct bl_taskstats *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        t->fd = -1;
        *ret = t;
        return 0;
}

struct bl_taskstats *bl_taskstats_free(struct bl_taskstats *t)
{
        if (!t)
                return NULL;
        if (t->nl) {
                /* The kernel would drop a closed listener at its next send; telling it spares that. */
                if (t->family > 0 && t->cpumask)
                        (void)send_cpumask(t, TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK, NULL);
                nl_socket_free(t->nl);
        }
        free(t->cpumask);
        free(t->slots);
        free(t);
        return NULL;
}

void bl_taskstats_get_stats(const struct bl_taskstats *t, struct bl_taskstats_stats *ret)
{
        *ret = t->stats;
}
