/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The proc connector socket: set up with libnl-3, read directly from its fd
 * in batches (recvmmsg), decoded by cnproc.c.
 *
 * Per event there is no allocation and no syscall: one recvmmsg() fetches up
 * to BATCH datagrams into buffers that live in struct bl_source.
 */

#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "cnproc.h"
#include "netlink.h"
#include "source.h"
#include "time-util.h"

#define DEFAULT_RCVBUF (32 * 1024 * 1024)
/* Datagrams fetched per recvmmsg(). */
#define BATCH 64
/*
 * A proc event datagram is 76 bytes (nlmsghdr + cn_msg + a 40-byte
 * proc_event); this leaves room for the struct to grow. A larger datagram is
 * cut (MSG_TRUNC) and reported as a bad message.
 */
#define DATAGRAM_MAX 1024
/* After this many datagrams without our subscription ack, stop looking for it. */
#define ACK_SEARCH_MAX 4096

struct bl_source {
        struct nl_sock *nl; /* NULL for a source made from an fd */
        int fd;             /* owned by nl if nl is set */
        bool subscribed;
        uint32_t ack_cookie;   /* cn_msg.ack we sent; the kernel answers with cookie + 1 */
        unsigned ack_search;   /* datagrams still to check for our ack; 0: found or given up */
        bool overflow_pending; /* ENOBUFS consumed while peeking, to be reported by dispatch */
        struct bl_cnproc_decoder *decoder;
        struct bl_source_stats stats;

        /* Valid during bl_source_dispatch(). */
        bl_event_cb cb;
        void *userdata;

        /* The last batch received; msgs[next..count) are still to be decoded. */
        unsigned next, count;
        struct mmsghdr msgs[BATCH];
        struct iovec iovs[BATCH];
        struct sockaddr_nl addrs[BATCH];
        uint8_t bufs[BATCH][DATAGRAM_MAX] __attribute__((aligned(8)));
};

static struct bl_source *source_alloc(void)
{
        struct bl_source *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->fd = -1;
        r = bl_cnproc_decoder_new(&s->decoder);
        if (r < 0) {
                free(s);
                return NULL;
        }
        for (size_t i = 0; i < BATCH; i++) {
                s->iovs[i] = (struct iovec){ .iov_base = s->bufs[i], .iov_len = DATAGRAM_MAX };
                s->msgs[i].msg_hdr.msg_iov = &s->iovs[i];
                s->msgs[i].msg_hdr.msg_iovlen = 1;
        }
        return s;
}

static void read_rcvbuf(struct bl_source *s)
{
        socklen_t l = sizeof(s->stats.rcvbuf);

        if (getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &s->stats.rcvbuf, &l) < 0)
                s->stats.rcvbuf = 0;
}

/*
 * Sends PROC_CN_MCAST_LISTEN or _IGNORE to the kernel. Built by hand and sent
 * on the fd rather than with nl_send_simple(): libnl folds ECONNREFUSED into
 * NLE_FAILURE, and that errno is how a missing connector shows.
 */
static int send_mcast_op(struct bl_source *s, enum proc_cn_mcast_op op)
{
        uint8_t buf[NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(uint32_t))] __attribute__((aligned(4))) = {};
        const struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        const struct nlmsghdr nlh = {
                .nlmsg_len = sizeof(buf),
                .nlmsg_type = NLMSG_DONE, /* the connector ignores it; this is what it sends itself */
                .nlmsg_pid = s->ack_cookie,
        };
        const struct cn_msg cn = {
                .id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC },
                .ack = s->ack_cookie,
                .len = sizeof(uint32_t),
        };
        const uint32_t op32 = op;

        memcpy(buf, &nlh, sizeof(nlh));
        memcpy(buf + NLMSG_HDRLEN, &cn, sizeof(cn));
        memcpy(buf + NLMSG_HDRLEN + sizeof(cn), &op32, sizeof(op32));
        for (;;) {
                if (sendto(s->fd, buf, sizeof(buf), 0, (const struct sockaddr *)&kernel, sizeof(kernel)) >=
                    0)
                        return 0;
                if (errno == EINTR)
                        continue;
                /* The connector exists only in the initial network namespace. */
                if (errno == ECONNREFUSED)
                        return -EPROTONOSUPPORT;
                return -errno;
        }
}

/*
 * Looks for the kernel's answer to our subscription in a datagram: a
 * PROC_EVENT_NONE whose cn_msg.ack is our cookie + 1 (acks are broadcast, so
 * other subscribers' acks arrive too). Returns true and the kernel's error
 * (a positive errno, 0 for success) if it is there.
 */
static bool find_ack(const uint8_t *p, size_t len, uint32_t cookie, uint32_t *ret_err)
{
        const size_t need = offsetof(struct proc_event, event_data) + sizeof(uint32_t);

        while (len >= NLMSG_HDRLEN) {
                struct nlmsghdr nlh;
                struct proc_event pe;
                struct cn_msg cn;
                size_t step;

                memcpy(&nlh, p, sizeof(nlh));
                if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > len)
                        return false;
                if (nlh.nlmsg_len >= NLMSG_HDRLEN + sizeof(cn)) {
                        memcpy(&cn, p + NLMSG_HDRLEN, sizeof(cn));
                        if (cn.id.idx == CN_IDX_PROC && cn.id.val == CN_VAL_PROC && cn.len >= need &&
                            cn.len <= nlh.nlmsg_len - NLMSG_HDRLEN - sizeof(cn)) {
                                memcpy(&pe, p + NLMSG_HDRLEN + sizeof(cn), need);
                                if (pe.what == PROC_EVENT_NONE && cn.ack == cookie + 1) {
                                        *ret_err = pe.event_data.ack.err;
                                        return true;
                                }
                        }
                }
                step = MIN((size_t)NLMSG_ALIGN(nlh.nlmsg_len), len);
                p += step;
                len -= step;
        }
        return false;
}

/*
 * The kernel answers LISTEN synchronously, so its ack is queued before
 * send() returns. Peek (without consuming: events may already sit in
 * front of it) so that a refusal fails bl_source_new() rather than leaving
 * a silent source. If the ack is not first in the queue, dispatch keeps
 * looking.
 */
static int check_ack_early(struct bl_source *s)
{
        struct sockaddr_nl sa = {};
        socklen_t salen = sizeof(sa);
        uint32_t err;
        ssize_t n;

        do
                n = recvfrom(s->fd, s->bufs[0], DATAGRAM_MAX, MSG_PEEK | MSG_DONTWAIT,
                             (struct sockaddr *)&sa, &salen);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                /*
                 * Nothing at all: the kernel answered neither yes nor no.
                 * Since 6.6 it does that to requests from outside the
                 * initial user and pid namespaces (older kernels answer
                 * EPERM); what such a socket receives then depends on
                 * others listening, so refuse rather than record by chance.
                 */
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                        return -EPERM;
                /* Reading the error cleared it: report the overflow later. */
                if (errno == ENOBUFS)
                        s->overflow_pending = true;
                return 0;
        }
        if (salen < sizeof(sa) || sa.nl_pid != 0 ||
            !find_ack(s->bufs[0], MIN((size_t)n, (size_t)DATAGRAM_MAX), s->ack_cookie, &err))
                return 0;
        s->ack_search = 0;
        return err == 0 ? 0 : -(int)err;
}

int bl_source_new(const struct bl_source_options *opts, struct bl_source **ret)
{
        struct bl_source *s;
        int rcvbuf = opts && opts->rcvbuf > 0 ? opts->rcvbuf : DEFAULT_RCVBUF;
        int r;

        if (opts && opts->rcvbuf < 0)
                return -EINVAL;

        s = source_alloc();
        if (!s)
                return -ENOMEM;

        s->nl = nl_socket_alloc();
        if (!s->nl) {
                r = -ENOMEM;
                goto fail;
        }
        /* Events are multicasts carrying the kernel's own sequence numbers. */
        nl_socket_disable_seq_check(s->nl);

        r = nl_connect(s->nl, NETLINK_CONNECTOR);
        if (r < 0) {
                r = bl_nlerr_to_errno(r);
                goto fail;
        }
        s->fd = nl_socket_get_fd(s->nl);
        /* libnl opens with SOCK_CLOEXEC; make sure whatever version we run with did. */
        if (fcntl(s->fd, F_SETFD, FD_CLOEXEC) < 0) {
                r = -errno;
                goto fail;
        }
        /* NETLINK_NO_ENOBUFS stays off: an overflow must be seen. */
        r = bl_netlink_set_rcvbuf(s->fd, rcvbuf);
        if (r < 0)
                goto fail;
        read_rcvbuf(s);

        r = nl_socket_add_membership(s->nl, CN_IDX_PROC);
        if (r < 0) {
                r = bl_nlerr_to_errno(r);
                goto fail;
        }
        r = nl_socket_set_nonblocking(s->nl);
        if (r < 0) {
                r = bl_nlerr_to_errno(r);
                goto fail;
        }

        s->ack_cookie = nl_socket_get_local_port(s->nl);
        r = send_mcast_op(s, PROC_CN_MCAST_LISTEN);
        if (r < 0)
                goto fail;
        s->subscribed = true;
        s->ack_search = ACK_SEARCH_MAX;
        r = check_ack_early(s);
        if (r < 0) {
                /* The kernel refused: there is nothing to unsubscribe from. */
                s->subscribed = false;
                goto fail;
        }

        *ret = s;
        return 0;
fail:
        bl_source_free(s);
        return r;
}

int bl_source_new_from_fd(int fd, struct bl_source **ret)
{
        struct bl_source *s;

        if (fd < 0)
                return -EBADF;
        s = source_alloc();
        if (!s) {
                safe_close(fd);
                return -ENOMEM;
        }
        s->fd = fd;
        read_rcvbuf(s);
        *ret = s;
        return 0;
}

struct bl_source *bl_source_free(struct bl_source *s)
{
        int r;

        if (!s)
                return NULL;
        if (s->subscribed) {
                r = send_mcast_op(s, PROC_CN_MCAST_IGNORE);
                if (r < 0)
                        (void)log_debug_errno(r,
                                              "Failed to unsubscribe from the proc connector, ignoring: %m");
        }
        if (s->nl)
                nl_socket_free(s->nl); /* closes fd */
        else
                safe_close(s->fd);
        bl_cnproc_decoder_free(s->decoder);
        free(s);
        return NULL;
}

int bl_source_get_fd(const struct bl_source *s)
{
        return s->fd;
}

void bl_source_get_stats(const struct bl_source *s, struct bl_source_stats *ret)
{
        *ret = s->stats;
}

/* Between the decoder and the caller: keeps the counts. */
static int on_event(struct bl_event *ev, void *userdata)
{
        struct bl_source *s = userdata;

        if (ev->type != BL_EVENT_LOST)
                s->stats.events++;
        else if (ev->lost.reason == BL_LOST_SEQ_GAP)
                s->stats.lost += ev->lost.count;
        else if (ev->lost.reason == BL_LOST_BAD_MESSAGE)
                s->stats.bad_messages++;
        return s->cb(ev, s->userdata);
}

static int emit_simple_lost(struct bl_source *s, enum bl_lost_reason reason, uint64_t count)
{
        struct bl_event ev;

        bl_event_init(&ev, BL_EVENT_LOST);
        ev.ts_ns = now_monotonic();
        ev.lost.reason = reason;
        ev.lost.count = count;
        return on_event(&ev, s);
}

static int overflowed(struct bl_source *s)
{
        /* How many were lost shows later, as sequence gaps. */
        s->stats.overflows++;
        return emit_simple_lost(s, BL_LOST_ENOBUFS, 0);
}

static int handle_datagram(struct bl_source *s, const struct mmsghdr *m)
{
        const struct msghdr *h = &m->msg_hdr;
        uint32_t port = 0, err;
        int r;

        if (h->msg_flags & MSG_TRUNC)
                return emit_simple_lost(s, BL_LOST_BAD_MESSAGE, 1);

        if (s->nl) {
                const struct sockaddr_nl *sa = h->msg_name;

                /* An unknown sender is not the kernel. */
                if (h->msg_namelen >= sizeof(*sa) && sa->nl_family == AF_NETLINK)
                        port = sa->nl_pid;
                else
                        port = UINT32_MAX;
        }

        if (_unlikely_(s->ack_search > 0) && port == 0) {
                s->ack_search--;
                if (find_ack(h->msg_iov->iov_base, m->msg_len, s->ack_cookie, &err)) {
                        s->ack_search = 0;
                        if (err != 0) {
                                s->subscribed = false;
                                return -(int)err;
                        }
                }
        }

        r = bl_cnproc_decode(s->decoder, h->msg_iov->iov_base, m->msg_len, port, on_event, s);
        return r < 0 ? r : 0;
}

/*
 * Hands the received datagrams [s->next, s->count) to the decoder. What a
 * failing callback leaves unread stays for the next dispatch: recvmmsg()
 * already took it off the socket.
 */
static int process_batch(struct bl_source *s, size_t max_datagrams, size_t *done)
{
        int r;

        while (s->next < s->count && (max_datagrams == 0 || *done < max_datagrams)) {
                const struct mmsghdr *m = &s->msgs[s->next++];

                /* Only a closed SOCK_SEQPACKET peer (the test seam) gives an empty read. */
                if (m->msg_len == 0) {
                        s->next = s->count = 0;
                        return *done > 0 ? 0 : -ECONNRESET;
                }
                (*done)++;
                s->stats.datagrams++;
                r = handle_datagram(s, m);
                if (r < 0)
                        return r;
        }
        return 0;
}

int bl_source_dispatch(struct bl_source *s, size_t max_datagrams, bl_event_cb cb, void *userdata)
{
        size_t done = 0;
        int r = 0;

        s->cb = cb;
        s->userdata = userdata;

        if (s->overflow_pending) {
                s->overflow_pending = false;
                r = overflowed(s);
                if (r < 0)
                        goto finish;
        }
        r = process_batch(s, max_datagrams, &done);
        if (r < 0)
                goto finish;

        while (max_datagrams == 0 || done < max_datagrams) {
                /* Never fetch more than asked for: what sits in our buffers does not wake poll(). */
                unsigned vlen = max_datagrams == 0 ? BATCH : MIN((size_t)BATCH, max_datagrams - done);
                int n;

                for (unsigned i = 0; i < vlen; i++) {
                        struct msghdr *h = &s->msgs[i].msg_hdr;

                        h->msg_name = s->nl ? &s->addrs[i] : NULL;
                        h->msg_namelen = s->nl ? sizeof(s->addrs[i]) : 0;
                        h->msg_flags = 0;
                }

                n = recvmmsg(s->fd, s->msgs, vlen, MSG_DONTWAIT, NULL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                break;
                        if (errno == ENOBUFS) {
                                r = overflowed(s);
                                if (r < 0)
                                        goto finish;
                                continue;
                        }
                        r = -errno;
                        goto finish;
                }
                s->next = 0;
                s->count = n;
                r = process_batch(s, max_datagrams, &done);
                if (r < 0)
                        goto finish;
                /* A short batch means the queue ran dry: save the syscall that would say EAGAIN. */
                if ((unsigned)n < vlen)
                        break;
        }

finish:
        s->cb = NULL;
        s->userdata = NULL;
        return r < 0 ? r : (int)MIN(done, (size_t)INT32_MAX);
}
