/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The recorder's side of the in-kernel argv capture: starting the loader,
 * reading the ring buffer, pairing records with exec events; see execargs.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "enrich.h"
#include "execargs-record.h"
#include "execargs.h"
#include "log.h"
#include "macro.h"
#include "string-util.h"

/* Records waiting for their exec event; beyond, the oldest are given up (and counted lost). */
#define PENDING_MAX 16384
/* A record this much older than the newest one read has no exec event coming: its event was lost. */
#define STALE_NS (10 * NSEC_PER_SEC)
/* How long the loading child may take (the verifier needs milliseconds for this program). */
#define LOAD_TIMEOUT_MS 10000

struct pending {
        pid_t tgid; /* 0: taken (a hole, squeezed out at the next drain) */
        uint64_t ts_ns;
        struct bl_execargs_record *rec; /* malloc'd, len bytes */
        size_t len;
};

/*
 * The BPF ring buffer as the kernel lays it out for mmap(): the consumer
 * position's page (writable), the producer position's page, then the data.
 * The kernel maps the data twice in a row, so that a record running past the
 * end reads on; mapping it once instead halves what it adds to the
 * recorder's resident memory, and the rare record that wraps is copied out
 * in two pieces.
 */
#define RB_BUSY_BIT    (UINT32_C(1) << 31)
#define RB_DISCARD_BIT (UINT32_C(1) << 30)
#define RB_HDR_SIZE    8

struct ring {
        unsigned long *consumer_pos;       /* page 0, read-write */
        const unsigned long *producer_pos; /* page 1, read-only, then the data */
        const uint8_t *data;
        size_t page_size, size;             /* data bytes, a power of two */
        struct bl_execargs_record *wrapped; /* a record that runs past the end, put together */
};

struct bl_execargs {
        int ring_fd, link_fd, bss_fd;
        struct ring ring;
        struct pending *pending;
        size_t n_pending, size_pending, holes;
        uint64_t newest_ts;
        uint64_t dropped_seen; /* the program's drop counter, as the last record carried it */
        uint64_t lost_unreported;
        uint64_t records, matched, lost;
        size_t max_backlog; /* most bytes found waiting in the ring at a drain */
};

struct bl_execargs *bl_execargs_free(struct bl_execargs *x)
{
        if (!x)
                return NULL;
        if (x->ring.consumer_pos)
                (void)munmap(x->ring.consumer_pos, x->ring.page_size);
        if (x->ring.producer_pos)
                (void)munmap((void *)x->ring.producer_pos, x->ring.page_size + x->ring.size);
        free(x->ring.wrapped);
        for (size_t i = 0; i < x->n_pending; i++)
                free(x->pending[i].rec);
        free(x->pending);
        /* Closing the link detaches the program; the maps go with their last fd. */
        safe_close(x->link_fd);
        safe_close(x->ring_fd);
        safe_close(x->bss_fd);
        free(x);
        return NULL;
}

static void drop_pending(struct bl_execargs *x, size_t i)
{
        x->pending[i].rec = mfree(x->pending[i].rec);
        x->pending[i].tgid = 0;
        x->holes++;
}

/* Squeezes out taken and stale records, and gives up the oldest beyond PENDING_MAX. */
static void compact(struct bl_execargs *x)
{
        size_t live, j = 0;

        for (size_t i = 0; i < x->n_pending; i++)
                if (x->pending[i].tgid != 0 && x->pending[i].ts_ns + STALE_NS < x->newest_ts)
                        drop_pending(x, i);
        live = x->n_pending - x->holes;
        for (size_t i = 0; i < x->n_pending && live > PENDING_MAX; i++)
                if (x->pending[i].tgid != 0) {
                        drop_pending(x, i);
                        x->lost_unreported++;
                        x->lost++;
                        live--;
                }
        if (x->holes == 0)
                return;
        for (size_t i = 0; i < x->n_pending; i++)
                if (x->pending[i].tgid != 0)
                        x->pending[j++] = x->pending[i];
        x->n_pending = j;
        x->holes = 0;
}

static void note_dropped(struct bl_execargs *x, uint64_t dropped)
{
        if (dropped <= x->dropped_seen)
                return;
        x->lost_unreported += dropped - x->dropped_seen;
        x->lost += dropped - x->dropped_seen;
        x->dropped_seen = dropped;
}

static int on_record(void *userdata, void *data, size_t len)
{
        struct bl_execargs *x = userdata;
        struct bl_execargs_header h;
        struct pending *p;

        if (len < sizeof(h)) {
                log_debug("Exec record of %zu bytes, too short, ignored.", len);
                return 0;
        }
        memcpy(&h, data, sizeof(h));
        if (sizeof(h) + (size_t)h.args_len + h.path_len > len || h.tgid == 0) {
                log_debug("Malformed exec record (args %u, path %u, %zu bytes), ignored.", h.args_len,
                          h.path_len, len);
                return 0;
        }
        x->records++;
        note_dropped(x, h.dropped);
        if (x->n_pending == x->size_pending) {
                size_t n = x->size_pending ? x->size_pending * 2 : 256;
                struct pending *np = reallocarray(x->pending, n, sizeof(*np));

                if (!np)
                        return -ENOMEM;
                x->pending = np;
                x->size_pending = n;
        }
        p = &x->pending[x->n_pending];
        p->rec = malloc(len);
        if (!p->rec)
                return -ENOMEM;
        memcpy(p->rec, data, len);
        p->len = len;
        p->tgid = (pid_t)h.tgid;
        p->ts_ns = h.ts_ns;
        x->n_pending++;
        if (h.ts_ns > x->newest_ts)
                x->newest_ts = h.ts_ns;
        return 0;
}

int bl_execargs_new_detached(struct bl_execargs **ret)
{
        struct bl_execargs *x = calloc(1, sizeof(*x));

        if (!x)
                return -ENOMEM;
        x->ring_fd = x->link_fd = x->bss_fd = -1;
        *ret = x;
        return 0;
}

int bl_execargs_push(struct bl_execargs *x, const void *record, size_t len)
{
        return on_record(x, (void *)record, len);
}

static int ring_map(struct ring *rb, int fd, size_t size)
{
        void *p;

        rb->page_size = (size_t)sysconf(_SC_PAGESIZE);
        rb->size = size;
        p = mmap(NULL, rb->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
                return negative_errno();
        rb->consumer_pos = p;
        p = mmap(NULL, rb->page_size + size, PROT_READ, MAP_SHARED, fd, (off_t)rb->page_size);
        if (p == MAP_FAILED)
                return negative_errno();
        rb->producer_pos = p;
        rb->data = (const uint8_t *)p + rb->page_size;
        rb->wrapped = malloc(sizeof(*rb->wrapped));
        if (!rb->wrapped)
                return -ENOMEM;
        return 0;
}

/* Hands every committed record to on_record(), in order, and frees its space. Returns -ENOMEM or 0. */
static int ring_consume(struct bl_execargs *x)
{
        struct ring *rb = &x->ring;
        unsigned long cons, prod;
        size_t mask = rb->size - 1;
        int r = 0;

        if (!rb->consumer_pos)
                return 0;
        cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_ACQUIRE);
        prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
        if (prod - cons > x->max_backlog)
                x->max_backlog = prod - cons;
        while (cons < prod && r >= 0) {
                const uint32_t *hdr = (const uint32_t *)(rb->data + (cons & mask));
                uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
                size_t n = len & ~(RB_BUSY_BIT | RB_DISCARD_BIT);
                size_t off = (cons + RB_HDR_SIZE) & mask;

                /* Reserved, not yet committed: it and what follows wait for the next drain. */
                if (len & RB_BUSY_BIT)
                        break;
                if (!(len & RB_DISCARD_BIT) && n <= sizeof(*rb->wrapped)) {
                        if (off + n <= rb->size)
                                r = on_record(x, (void *)(rb->data + off), n);
                        else {
                                memcpy(rb->wrapped, rb->data + off, rb->size - off);
                                memcpy((uint8_t *)rb->wrapped + (rb->size - off), rb->data,
                                       n - (rb->size - off));
                                r = on_record(x, rb->wrapped, n);
                        }
                }
                cons += (RB_HDR_SIZE + n + 7) & ~(size_t)7;
                /* The space is the kernel's again once the record is copied out. */
                __atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
        }
        return r < 0 ? r : 0;
}

int bl_execargs_drain(struct bl_execargs *x)
{
        uint64_t before = x->records;
        int r;

        r = ring_consume(x);
        if (r < 0)
                return r;
        compact(x);
        return (int)MIN(x->records - before, (uint64_t)INT32_MAX);
}

int bl_execargs_take(struct bl_execargs *x, pid_t pid, uint64_t ts_ns, struct bl_proc_info *info,
                     char **ret_path)
{
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *path = NULL;
        const struct bl_execargs_record *rec;
        const struct bl_execargs_header *h;
        size_t best = SIZE_MAX;
        int r;

        if (pid <= 0)
                return 0;
        for (size_t i = 0; i < x->n_pending; i++) {
                const struct pending *p = &x->pending[i];

                if (p->tgid == pid && p->ts_ns <= ts_ns &&
                    (best == SIZE_MAX || p->ts_ns >= x->pending[best].ts_ns))
                        best = i;
        }
        if (best == SIZE_MAX)
                return 0;

        rec = x->pending[best].rec;
        h = &rec->h;
        if (!(h->flags & BL_EXECARGS_ARGS_FAULT) && h->args_len > 0) {
                r = bl_argv_split(rec->data, h->args_len, &argv);
                if (r < 0)
                        return r;
        }
        if (ret_path && h->path_len > 0) {
                path = strndup(rec->data + h->args_len, h->path_len);
                if (!path)
                        return -ENOMEM;
        }

        strv_free(info->argv);
        info->argv = TAKE_PTR(argv);
        info->argv_truncated = info->argv && (h->flags & BL_EXECARGS_TRUNCATED);
        info->argv_at_exec = info->argv != NULL;
        info->status = BL_INFO_OK;
        info->error = 0;
        info->start_ns = h->start_ns;
        info->ppid = (pid_t)h->ppid;
        info->uid = h->uid;
        info->gid = h->gid;
        memcpy(info->comm, h->comm, sizeof(info->comm));
        info->comm[BL_COMM_MAX - 1] = 0;
        if (ret_path)
                *ret_path = TAKE_PTR(path);

        /* This one, and any older of the process: those exec events never came. */
        for (size_t i = 0; i < x->n_pending; i++) {
                const struct pending *p = &x->pending[i];

                if (p->tgid == pid && p->ts_ns <= x->pending[best].ts_ns && i != best)
                        drop_pending(x, i);
        }
        drop_pending(x, best);
        x->matched++;
        return 1;
}

void bl_execargs_forget(struct bl_execargs *x, pid_t pid, uint64_t ts_ns)
{
        for (size_t i = 0; i < x->n_pending; i++)
                if (x->pending[i].tgid == pid && x->pending[i].ts_ns < ts_ns)
                        drop_pending(x, i);
}

uint64_t bl_execargs_take_lost(struct bl_execargs *x, bool final)
{
        uint64_t n;

        if (final && x->bss_fd >= 0) {
                uint64_t value[1] = {};
                uint32_t key = 0;
                union bpf_attr attr = {
                        .map_fd = (uint32_t)x->bss_fd,
                        .key = (uint64_t)(uintptr_t)&key,
                        .value = (uint64_t)(uintptr_t)value,
                };

                /* .bss holds only the drop counter. A map's fd needs no capability to be read. */
                if (syscall(__NR_bpf, BPF_MAP_LOOKUP_ELEM, &attr, sizeof(attr)) == 0)
                        note_dropped(x, value[0]);
        }
        n = x->lost_unreported;
        x->lost_unreported = 0;
        return n;
}

void bl_execargs_get_stats(const struct bl_execargs *x, struct bl_execargs_stats *ret)
{
        *ret = (struct bl_execargs_stats){
                .records = x->records,
                .matched = x->matched,
                .lost = x->lost,
                .pending = x->n_pending - x->holes,
                .max_backlog = x->max_backlog,
                .ring_size = x->ring.size,
        };
}

#if HAVE_BPF

/* The loader program: $BOOTLOG_EXECARGS_LOADER (tests run it from the build tree), else the installed one.
 */
static const char *loader_path(void)
{
        const char *p = secure_getenv("BOOTLOG_EXECARGS_LOADER");

        return p && *p ? p : BL_EXECARGS_LOADER_PATH;
}

/* In the child: runs the loader with sock as its fd 3; says why if it cannot. */
_noreturn_ static void exec_loader(int sock, size_t ring_size)
{
        struct bl_execargs_load_reply m = {};
        const char *path = loader_path();
        char size[32];

        snprintf(size, sizeof(size), "%zu", ring_size);
        if (sock == BL_EXECARGS_LOADER_FD || dup2(sock, BL_EXECARGS_LOADER_FD) >= 0) {
                (void)fcntl(BL_EXECARGS_LOADER_FD, F_SETFD, 0);
                execl(path, path, size, (char *)NULL);
        }
        m.error = -errno;
        snprintf(m.reason, sizeof(m.reason), "cannot run the exec program's loader %s: %s", path,
                 strerror(errno));
        (void)send(sock, &m, sizeof(m), MSG_NOSIGNAL);
        _exit(127);
}

/* Runs the loader and takes what it sends: 0 with its fds, or -errno and the reason. */
static int load(size_t ring_size, int fds[static BL_EXECARGS_LOADER_FDS], pid_t *ret_loader,
                char **ret_reason)
{
        _cleanup_close_ int sock = -1;
        struct bl_execargs_load_reply m = {};
        char cbuf[CMSG_SPACE(BL_EXECARGS_LOADER_FDS * sizeof(int))] = {};
        struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
        struct msghdr mh = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)
        };
        struct pollfd pfd;
        struct cmsghdr *c;
        int sv[2], status, r;
        ssize_t n;
        pid_t child;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                r = negative_errno();
                strprintf(ret_reason, "could not create a socket pair: %s", strerror(-r));
                return r;
        }
        child = fork();
        if (child < 0) {
                r = negative_errno();
                close(sv[0]);
                close(sv[1]);
                strprintf(ret_reason, "could not fork the loader: %s", strerror(-r));
                return r;
        }
        if (child == 0) {
                close(sv[0]);
                exec_loader(sv[1], ring_size);
        }
        *ret_loader = child;
        close(sv[1]);
        sock = sv[0];

        pfd = (struct pollfd){ .fd = sock, .events = POLLIN };
        r = poll(&pfd, 1, LOAD_TIMEOUT_MS);
        if (r <= 0) {
                (void)kill(child, SIGKILL);
                (void)waitpid(child, NULL, 0);
                strprintf(ret_reason, "loading the exec program took more than %d s",
                          LOAD_TIMEOUT_MS / 1000);
                return -ETIMEDOUT;
        }
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        r = n < 0 ? negative_errno() : 0;
        (void)waitpid(child, &status, 0);
        if (n < (ssize_t)sizeof(m)) {
                strprintf(ret_reason, "the loader ended without an answer (%s)",
                          r < 0                 ? strerror(-r)
                          : WIFSIGNALED(status) ? strsignal(WTERMSIG(status))
                                                : "no reply");
                return r < 0 ? r : -EIO;
        }
        m.reason[sizeof(m.reason) - 1] = 0;
        c = CMSG_FIRSTHDR(&mh);
        if (m.error < 0 || !c || c->cmsg_type != SCM_RIGHTS ||
            c->cmsg_len != CMSG_LEN(BL_EXECARGS_LOADER_FDS * sizeof(int))) {
                if (c && c->cmsg_type == SCM_RIGHTS) {
                        int got[BL_EXECARGS_LOADER_FDS];
                        size_t k =
                            MIN((c->cmsg_len - CMSG_LEN(0)) / sizeof(int), (size_t)BL_EXECARGS_LOADER_FDS);

                        memcpy(got, CMSG_DATA(c), k * sizeof(int));
                        for (size_t i = 0; i < k; i++)
                                close(got[i]);
                }
                strprintf(ret_reason, "%s", m.error < 0 ? m.reason : "the loader sent no descriptors");
                return m.error < 0 ? m.error : -EIO;
        }
        memcpy(fds, CMSG_DATA(c), BL_EXECARGS_LOADER_FDS * sizeof(int));
        return 0;
}

int bl_execargs_new(size_t ring_size, pid_t *ret_loader, struct bl_execargs **ret, char **ret_reason)
{
        struct bl_execargs *x;
        int fds[BL_EXECARGS_LOADER_FDS], r;

        *ret_loader = 0;
        if (ret_reason)
                *ret_reason = NULL;
        if (ring_size == 0)
                ring_size = BL_EXECARGS_RING_DEFAULT;
        if (ring_size < 4096 || (ring_size & (ring_size - 1)) != 0 || ring_size > (size_t)1 << 30) {
                strprintf(ret_reason,
                          "the ring buffer size %zu is not a power of two between 4 KiB and 1 GiB",
                          ring_size);
                return -EINVAL;
        }
        /* Said in words before any work: the commonest reasons. */
        if (access("/sys/kernel", F_OK) < 0) {
                strprintf(ret_reason,
                          "/sys is not mounted (the kernel's BTF is read from /sys/kernel/btf/vmlinux)");
                return -ENOENT;
        }
        if (access("/sys/kernel/btf/vmlinux", R_OK) < 0) {
                r = negative_errno();
                strprintf(ret_reason,
                          "the kernel has no BTF type information (/sys/kernel/btf/vmlinux: %s; "
                          "needs CONFIG_DEBUG_INFO_BTF)",
                          strerror(-r));
                return r;
        }

        r = load(ring_size, fds, ret_loader, ret_reason);
        if (r < 0)
                return r;

        x = calloc(1, sizeof(*x));
        if (!x) {
                for (int i = 0; i < BL_EXECARGS_LOADER_FDS; i++)
                        close(fds[i]);
                return -ENOMEM;
        }
        x->ring_fd = fds[0];
        x->link_fd = fds[1];
        x->bss_fd = fds[2];
        r = ring_map(&x->ring, x->ring_fd, ring_size);
        if (r < 0) {
                bl_execargs_free(x);
                strprintf(ret_reason, "could not map the exec ring buffer: %s", strerror(-r));
                return r;
        }
        *ret = x;
        return 0;
}

#else

int bl_execargs_new(size_t ring_size, pid_t *ret_loader, struct bl_execargs **ret, char **ret_reason)
{
        *ret_loader = 0;
        if (ret_reason)
                *ret_reason = strdup("built without BPF support (meson -Dbpf=disabled, or clang, libbpf or "
                                     "bpftool missing at build time)");
        return -EOPNOTSUPP;
}

#endif
