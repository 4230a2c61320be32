/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <endian.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "forward.h"
#include "journal-fields.h"
#include "log.h"
#include "recorder.h"
#include "time-util.h"

/*
 * The argv sent is cut here, with BOOTLOG_ARGV_TRUNCATED=yes: an entry, with
 * the escaped copy in MESSAGE (up to 4 times as long), exe and unit, stays well
 * below a datagram's limit (the socket's send buffer, below).
 */
#define FORWARD_ARGV_MAX ((size_t)16 * 1024)
#define RECONNECT_NS     NSEC_PER_SEC
/*
 * As sd-journal's own sockets: room for a boot's bursts of execs while journald catches up (the
 * default, about 200 KiB, holds some 150 entries). Only used while entries wait in journald's queue.
 */
#define SNDBUF_SIZE       (8 * 1024 * 1024)
#define PROCS_INITIAL_LOG 10

void journal_entry_reset(struct journal_entry *e)
{
        e->len = 0;
        e->oom = false;
}

void journal_entry_done(struct journal_entry *e)
{
        e->data = mfree(e->data);
        e->len = e->size = 0;
        e->oom = false;
}

static bool entry_reserve(struct journal_entry *e, size_t n)
{
        size_t size;
        char *p;

        if (e->oom)
                return false;
        if (e->size - e->len >= n)
                return true;
        size = MAX(e->size * 2, e->len + n + 256);
        p = realloc(e->data, size);
        if (!p) {
                e->oom = true;
                return false;
        }
        e->data = p;
        e->size = size;
        return true;
}

void journal_entry_add(struct journal_entry *e, const char *key, const char *value, size_t len)
{
        size_t klen = strlen(key);
        char *p;

        if (!entry_reserve(e, klen + 1 + 8 + len + 1))
                return;
        p = mempcpy(e->data + e->len, key, klen);
        if (memchr(value, '\n', len)) {
                uint64_t le = htole64((uint64_t)len);

                *p++ = '\n';
                p = mempcpy(p, &le, sizeof(le));
        } else
                *p++ = '=';
        p = mempcpy(p, value, len);
        *p++ = '\n';
        e->len = (size_t)(p - e->data);
}

void journal_entry_add_string(struct journal_entry *e, const char *key, const char *value)
{
        journal_entry_add(e, key, value, strlen(value));
}

void journal_entry_addf(struct journal_entry *e, const char *key, const char *format, ...)
{
        _cleanup_free_ char *big = NULL;
        char buf[256];
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        if (n < 0) {
                e->oom = true;
                return;
        }
        if ((size_t)n < sizeof(buf)) {
                journal_entry_add(e, key, buf, (size_t)n);
                return;
        }
        va_start(ap, format);
        n = vasprintf(&big, format, ap);
        va_end(ap);
        if (n < 0) {
                big = NULL;
                e->oom = true;
                return;
        }
        journal_entry_add(e, key, big, (size_t)n);
}

struct journal_conn {
        struct sockaddr_un address;
        socklen_t address_len;
        int fd;                   /* -1: not connected */
        uint64_t next_attempt_ns; /* CLOCK_MONOTONIC: no connect() before this */
        int last_error;           /* of the last connect() or send, while not connected */
};

int journal_conn_new(const char *path, struct journal_conn **ret)
{
        struct journal_conn *j;
        size_t len = strlen(path);

        if (len == 0 || len >= sizeof(j->address.sun_path))
                return -EINVAL;
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->address.sun_family = AF_UNIX;
        memcpy(j->address.sun_path, path, len);
        j->address_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
        j->fd = -1;
        j->last_error = -ENOTCONN;
        *ret = j;
        return 0;
}

struct journal_conn *journal_conn_free(struct journal_conn *j)
{
        if (!j)
                return NULL;
        safe_close(j->fd);
        free(j);
        return NULL;
}

void journal_conn_retry_now(struct journal_conn *j)
{
        j->next_attempt_ns = 0;
}

static int conn_connect(struct journal_conn *j)
{
        _cleanup_close_ int fd = -1;
        uint64_t now;

        if (j->fd >= 0)
                return 0;
        now = now_monotonic();
        if (now < j->next_attempt_ns)
                return j->last_error;
        j->next_attempt_ns = now + RECONNECT_NS;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return j->last_error = negative_errno();
        /* SO_SNDBUFFORCE passes net.core.wmem_max (bootlogd has CAP_NET_ADMIN); if not, what we get. */
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &(int){ SNDBUF_SIZE }, sizeof(int)) < 0)
                (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ SNDBUF_SIZE }, sizeof(int));
        /* A datagram socket's connect() does not wait for the peer: it only names it. */
        if (connect(fd, (const struct sockaddr *)&j->address, j->address_len) < 0)
                return j->last_error = negative_errno();
        j->fd = TAKE_FD(fd);
        return 0;
}

int journal_conn_send(struct journal_conn *j, const struct journal_entry *e, int timeout_ms)
{
        struct iovec iov = { .iov_base = e->data, .iov_len = e->len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        int r;

        if (e->oom)
                return -ENOMEM;
        r = conn_connect(j);
        if (r < 0)
                return r;
        for (;;) {
                struct pollfd p = { .fd = j->fd, .events = POLLOUT };

                if (sendmsg(j->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
                        return 0;
                r = negative_errno();
                if (r == -EINTR)
                        continue;
                if (r != -EAGAIN || timeout_ms <= 0)
                        break;
                /* For a connected datagram socket, POLLOUT means room in the receiver's queue. */
                if (poll(&p, 1, timeout_ms) <= 0)
                        break;
                timeout_ms = 0;
        }
        if (r == -EAGAIN || r == -ENOBUFS || r == -EMSGSIZE)
                return r;
        /* journald went away (ECONNREFUSED once it exited) or was replaced: connect again later. */
        j->fd = safe_close(j->fd);
        j->last_error = r;
        return r;
}

/* What a process is running: its last exec. Shared by a process and the children it forks. */
struct image {
        unsigned n_ref;
        bool argv_truncated;
        size_t argv_len;
        char *argv;    /* raw, joined with spaces; NULL if unknown or empty (kernel threads) */
        char *display; /* MESSAGE's name for it (bl_journal_display()); never NULL */
        char *exe, *unit;
};

struct proc {
        pid_t pid;    /* 0: a free slot */
        pid_t parent; /* the process that forked it; 0 if unknown */
        struct image *image;
        char comm[BL_COMM_MAX];
};

struct forwarder {
        struct forward_spec spec;
        struct journal_conn *conn;
        struct journal_entry entry;
        struct proc *procs; /* open addressing, linear probing; 1 << procs_log slots, at most half used */
        unsigned procs_log;
        size_t n_procs;
        /* The process of the last exit, out of the table: its COST record comes right after, with the
         * exit's time, and is forwarded under its name. */
        struct proc exited;
        uint64_t exited_ts_ns;
        struct forward_stats stats;
};

static struct image *image_unref(struct image *img)
{
        if (!img || --img->n_ref > 0)
                return NULL;
        free(img->argv);
        free(img->display);
        free(img->exe);
        free(img->unit);
        free(img);
        return NULL;
}

static struct image *image_ref(struct image *img)
{
        if (img)
                img->n_ref++;
        return img;
}

/* argv, or a copy cut so that joined with spaces it takes at most max bytes. */
static int argv_cut(char *const *argv, size_t max, char ***ret_copy, bool *ret_cut)
{
        _cleanup_strv_free_ char **copy = NULL;
        size_t n = strv_length(argv), total = 0, i;

        for (i = 0; i < n; i++) {
                total += strlen(argv[i]) + (i > 0);
                if (total > max)
                        break;
        }
        if (i == n) {
                *ret_copy = NULL;
                *ret_cut = false;
                return 0;
        }
        copy = calloc(i + 2, sizeof(char *));
        if (!copy)
                return -ENOMEM;
        total = 0;
        for (size_t k = 0; k <= i; k++) {
                size_t len = strlen(argv[k]), room = max - total - (k > 0);

                copy[k] = strndup(argv[k], MIN(len, room));
                if (!copy[k])
                        return -ENOMEM;
                total += MIN(len, room) + (k > 0);
        }
        *ret_copy = TAKE_PTR(copy);
        *ret_cut = true;
        return 0;
}

static struct image *image_new(const struct bl_proc_info *info)
{
        _cleanup_strv_free_ char **cut = NULL;
        struct image *img;
        char *const *argv = NULL;

        img = calloc(1, sizeof(*img));
        if (!img)
                return NULL;
        img->n_ref = 1;
        if (info->argv && info->argv[0]) {
                if (argv_cut(info->argv, FORWARD_ARGV_MAX, &cut, &img->argv_truncated) < 0)
                        return image_unref(img);
                argv = cut ?: info->argv;
                img->argv_truncated = img->argv_truncated || info->argv_truncated;
                img->argv = bl_argv_join(argv);
                if (!img->argv)
                        return image_unref(img);
                img->argv_len = strlen(img->argv);
        }
        /* Unlike the export's, MESSAGE here says "..." where the argv was cut (here or by the recorder). */
        img->display = bl_journal_display(argv, img->argv_truncated, info->comm);
        if (!img->display)
                return image_unref(img);
        img->exe = info->exe ? strdup(info->exe) : NULL;
        img->unit = info->unit ? strdup(info->unit) : NULL;
        if ((info->exe && !img->exe) || (info->unit && !img->unit))
                return image_unref(img);
        return img;
}

static size_t proc_slot(const struct forwarder *f, pid_t pid)
{
        /* Fibonacci hashing: the top bits of the product. */
        return (size_t)(((uint32_t)pid * UINT32_C(2654435769)) >> (32 - f->procs_log));
}

static size_t procs_mask(const struct forwarder *f)
{
        return ((size_t)1 << f->procs_log) - 1;
}

static struct proc *proc_find(const struct forwarder *f, pid_t pid)
{
        if (pid <= 0)
                return NULL;
        for (size_t i = proc_slot(f, pid);; i = (i + 1) & procs_mask(f)) {
                if (f->procs[i].pid == pid)
                        return &f->procs[i];
                if (f->procs[i].pid == 0)
                        return NULL;
        }
}

static void procs_place(struct forwarder *f, const struct proc *p)
{
        size_t i = proc_slot(f, p->pid);

        while (f->procs[i].pid != 0)
                i = (i + 1) & procs_mask(f);
        f->procs[i] = *p;
}

static int procs_grow(struct forwarder *f)
{
        struct proc *old = f->procs;
        size_t old_n = (size_t)1 << f->procs_log;
        struct proc *new = calloc(old_n * 2, sizeof(*new));

        if (!new)
                return -ENOMEM;
        f->procs = new;
        f->procs_log++;
        for (size_t i = 0; i < old_n; i++)
                if (old[i].pid != 0)
                        procs_place(f, &old[i]);
        free(old);
        return 0;
}

/* The entry for pid, a new empty one if there was none; NULL on ENOMEM. Invalidates other pointers. */
static struct proc *proc_get(struct forwarder *f, pid_t pid)
{
        struct proc *p = proc_find(f, pid);

        if (p || pid <= 0)
                return p;
        if ((f->n_procs + 1) * 2 > ((size_t)1 << f->procs_log) && procs_grow(f) < 0)
                return NULL;
        procs_place(f, &(struct proc){ .pid = pid });
        f->n_procs++;
        return proc_find(f, pid);
}

/*
 * Takes pid's entry out of the table into *ret (all zero if there is none),
 * moving later ones of its probe run back so lookups need no tombstones.
 */
static void proc_take(struct forwarder *f, pid_t pid, struct proc *ret)
{
        struct proc *p = proc_find(f, pid);
        size_t mask = procs_mask(f), i, j;

        *ret = (struct proc){};
        if (!p)
                return;
        *ret = *p;
        i = j = (size_t)(p - f->procs);
        for (;;) {
                size_t k;

                j = (j + 1) & mask;
                if (f->procs[j].pid == 0)
                        break;
                k = proc_slot(f, f->procs[j].pid);
                /* Stays if its home slot k lies cyclically in (i, j]. */
                if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
                        continue;
                f->procs[i] = f->procs[j];
                i = j;
        }
        f->procs[i] = (struct proc){};
        f->n_procs--;
}

int forwarder_new(const struct forward_spec *spec, const char *path, struct forwarder **ret)
{
        struct forwarder *f;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->spec = *spec;
        f->procs_log = PROCS_INITIAL_LOG;
        f->procs = calloc((size_t)1 << f->procs_log, sizeof(*f->procs));
        if (!f->procs) {
                forwarder_free(f);
                return -ENOMEM;
        }
        r = journal_conn_new(path, &f->conn);
        if (r < 0) {
                forwarder_free(f);
                return r;
        }
        *ret = f;
        return 0;
}

struct forwarder *forwarder_free(struct forwarder *f)
{
        if (!f)
                return NULL;
        if (f->procs)
                for (size_t i = 0; i < ((size_t)1 << f->procs_log); i++)
                        image_unref(f->procs[i].image);
        image_unref(f->exited.image);
        free(f->procs);
        journal_entry_done(&f->entry);
        journal_conn_free(f->conn);
        free(f);
        return NULL;
}

void forwarder_retry_now(struct forwarder *f)
{
        journal_conn_retry_now(f->conn);
}

void forwarder_get_stats(const struct forwarder *f, struct forward_stats *ret)
{
        *ret = f->stats;
}

/* A fork: the child runs the parent's image until it execs. */
static struct proc *track_fork(struct forwarder *f, const struct bl_event *ev)
{
        const struct proc *parent = proc_find(f, ev->fork.parent_pid);
        struct image *img = parent ? image_ref(parent->image) : NULL;
        char comm[BL_COMM_MAX] = "";
        struct proc *p;

        if (parent)
                memcpy(comm, parent->comm, sizeof(comm));
        p = proc_get(f, ev->pid); /* after this, parent may point elsewhere */
        if (!p) {
                image_unref(img);
                return NULL;
        }
        /* An entry still there for this pid belonged to a process whose exit was lost. */
        image_unref(p->image);
        p->image = img;
        p->parent = ev->fork.parent_pid;
        memcpy(p->comm, comm, sizeof(comm));
        return p;
}

/* An exec or a process found running at start: what /proc said is its image now. */
static struct proc *track_image(struct forwarder *f, const struct bl_event *ev)
{
        struct proc *p = proc_get(f, ev->pid);

        if (!p)
                return NULL;
        image_unref(p->image);
        p->image = image_new(&ev->info);
        if (p->parent <= 0 && ev->info.ppid > 0)
                /* Not seen forking: the parent /proc names is the best guess left. */
                p->parent = ev->info.ppid;
        /* Even when it is unknown: the name before the exec is not this program's. */
        memcpy(p->comm, ev->info.comm, sizeof(p->comm));
        return p;
}

static bool is_thread(const struct bl_event *ev)
{
        return ev->tid > 0 && ev->tid != ev->pid;
}

static bool exit_failed(const struct bl_event *ev)
{
        int code = 0;

        return !bl_exit_status_decode(ev->exit.code, &code, NULL, NULL) || code != 0;
}

static bool selected(const struct forwarder *f, const struct bl_event *ev)
{
        if (ev->type <= 0 || ev->type >= 32 || !(f->spec.types & FORWARD_TYPE(ev->type)))
                return false;
        /* Threads are not processes: their forks and exits would only drown the rest. */
        if (is_thread(ev))
                return false;
        if (ev->type == BL_EVENT_EXIT && f->spec.failed_exits_only)
                return exit_failed(ev);
        return true;
}

static enum forward_failure failure_of(int r)
{
        switch (r) {
        case -EAGAIN:
        case -ENOBUFS: return FORWARD_BUSY;
        case -EMSGSIZE: return FORWARD_TOO_LARGE;
        case -ENOMEM: return FORWARD_NO_MEMORY;
        default: return FORWARD_UNAVAILABLE;
        }
}

static void entry_add(const char *name, const char *value, size_t len, void *userdata)
{
        journal_entry_add(userdata, name, value, len);
}

/*
 * The event's entry in the schema `bootlog export --format=journal` shares
 * (journal-fields.h); its flags are what only the live entry says. The
 * trusted fields (_PID, _COMM, ...) are journald's, naming bootlogd.
 */
static void forward(struct forwarder *f, const struct bl_event *ev, const struct proc *p)
{
        struct journal_entry *e = &f->entry;
        const struct image *img = p ? p->image : NULL;
        _cleanup_free_ char *who = NULL, *message = NULL;
        struct bl_journal_process v = {};
        const char *display;
        int r;

        /* Without an exec seen: the name the process had, "[comm]". */
        display = img ? img->display : (who = bl_journal_display(NULL, false, p ? p->comm : NULL));
        if (display)
                message = bl_journal_message(ev, display, NULL);
        if (img) {
                v.argv = img->argv;
                v.argv_len = img->argv_len;
                v.argv_truncated = img->argv_truncated;
                v.exe = img->exe;
                v.unit = img->unit;
        }
        if (p) {
                v.comm = p->comm;
                v.parent_pid = p->parent;
        }
        if (ev->type == BL_EVENT_FORK)
                v.parent_pid = ev->fork.parent_pid;

        journal_entry_reset(e);
        if (!message)
                e->oom = true;
        journal_entry_add_string(e, "SYSLOG_IDENTIFIER", BL_JOURNAL_IDENTIFIER);
        journal_entry_addf(e, "PRIORITY", "%d", bl_journal_priority(ev));
        if (message)
                journal_entry_add_string(e, "MESSAGE", message);
        bl_journal_fields(ev, &v, BL_JOURNAL_INFO_STATUS | BL_JOURNAL_TS_NS_ZERO, entry_add, e);

        r = journal_conn_send(f->conn, e, 0);
        if (r >= 0) {
                f->stats.forwarded++;
                return;
        }
        f->stats.not_forwarded++;
        f->stats.failed[failure_of(r)]++;
}

void forwarder_event(struct forwarder *f, const struct bl_event *ev)
{
        struct proc *p;

        switch (ev->type) {
        case BL_EVENT_FORK: p = is_thread(ev) ? proc_find(f, ev->pid) : track_fork(f, ev); break;
        case BL_EVENT_EXEC:
        case BL_EVENT_SNAPSHOT: p = track_image(f, ev); break;
        case BL_EVENT_COMM:
                p = proc_find(f, ev->pid);
                if (p && !is_thread(ev) && ev->info.comm[0])
                        memcpy(p->comm, ev->info.comm, sizeof(p->comm));
                break;
        case BL_EVENT_COST:
                p = f->exited.pid == ev->pid && f->exited_ts_ns == ev->ts_ns ? &f->exited
                                                                             : proc_find(f, ev->pid);
                break;
        default: p = proc_find(f, ev->pid); break;
        }

        if (selected(f, ev))
                forward(f, ev, p);
        if (ev->type == BL_EVENT_EXIT && !is_thread(ev)) {
                image_unref(f->exited.image);
                proc_take(f, ev->pid, &f->exited);
                f->exited_ts_ns = ev->ts_ns;
        }
}

static const char *const failure_table[_FORWARD_FAILURE_MAX] = {
        [FORWARD_UNAVAILABLE] = "journald unavailable",
        [FORWARD_BUSY] = "journald busy",
        [FORWARD_TOO_LARGE] = "too large",
        [FORWARD_NO_MEMORY] = "out of memory",
};

char *forward_stats_describe(const struct forward_stats *st)
{
        char *s = NULL, *buf;
        size_t size = 0, kinds = 0;
        FILE *f;

        for (size_t i = 0; i < _FORWARD_FAILURE_MAX; i++)
                kinds += st->failed[i] > 0;
        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fprintf(f, "forwarded %" PRIu64 " event%s, %" PRIu64 " not", st->forwarded,
                st->forwarded == 1 ? "" : "s", st->not_forwarded);
        if (kinds > 0) {
                const char *sep = " (";

                for (size_t i = 0; i < _FORWARD_FAILURE_MAX; i++) {
                        if (st->failed[i] == 0)
                                continue;
                        if (kinds > 1)
                                fprintf(f, "%s%" PRIu64 " %s", sep, st->failed[i], failure_table[i]);
                        else
                                fprintf(f, "%s%s", sep, failure_table[i]);
                        sep = ", ";
                }
                fputc(')', f);
        }
        if (fclose(f) == 0)
                s = buf;
        else
                free(buf);
        return s;
}
