/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The start-up snapshot of the enricher (enrich.h): the processes already
 * running when recording starts, read from /proc, oldest first, so that the
 * tree has roots instead of orphans.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <time.h>

#include "enrich-internal.h"
#include "time-util.h"

struct snapshot_entry {
        uint64_t start_ticks;
        struct bl_event ev;
};

/* /proc's numeric entries are thread-group leaders (threads are only under task/). */
static int parse_pid_name(const char *s, pid_t *ret)
{
        uint64_t v = 0;

        if (*s < '1' || *s > '9')
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned)(*s - '0');
                if (v > INT_MAX)
                        return -ERANGE;
        }
        *ret = (pid_t)v;
        return 0;
}

/*
 * By start time as the kernel counts it (boot-time ticks: it keeps its order
 * across a suspend, which start_ns cannot), then pid: a parent starts no
 * later than its children.
 */
static int snapshot_entry_cmp(const void *a, const void *b)
{
        const struct snapshot_entry *x = a, *y = b;

        if (x->start_ticks != y->start_ticks)
                return x->start_ticks < y->start_ticks ? -1 : 1;
        return (x->ev.pid > y->ev.pid) - (x->ev.pid < y->ev.pid);
}

int bl_enrich_snapshot(struct bl_enricher *e, bl_event_cb cb, void *userdata)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct snapshot_entry *entries = NULL, *s;
        size_t n = 0, allocated = 0;
        struct dirent *de;
        int fd, r = 0;
        pid_t pid;

        /* A fresh fd of our own: fdopendir() needs a readable one, and must not move a shared offset. */
        fd = openat(e->proc_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                r = negative_errno();
                safe_close(fd);
                return r;
        }

        for (;;) {
                bool found;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0) {
                                r = negative_errno();
                                goto finish;
                        }
                        break;
                }
                if ((de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
                    parse_pid_name(de->d_name, &pid) < 0)
                        continue;

                if (n == allocated) {
                        size_t na = MAX(allocated * 2, (size_t)256);
                        struct snapshot_entry *p;

                        if (na > INT_MAX) {
                                r = -E2BIG;
                                goto finish;
                        }
                        p = reallocarray(entries, na, sizeof(*entries));
                        if (!p) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        entries = p;
                        allocated = na;
                }

                s = &entries[n];
                bl_event_init(&s->ev, BL_EVENT_SNAPSHOT);
                s->ev.pid = s->ev.tid = pid;
                s->ev.ts_ns = now_monotonic();
                r = enrich_read_full(e, pid, 0, &s->ev.info, &s->start_ticks, &found);
                if (r < 0) {
                        bl_event_done(&s->ev);
                        goto finish;
                }
                /* Vanished before its stat could be read: nothing says it was ever there. One that exits
                 * later during the read is kept (EXITED, with comm and start): it was running. So is one
                 * whose stat could not be read for another reason (DENIED, ERROR): the loss shows. */
                if (!found && s->ev.info.status == BL_INFO_EXITED) {
                        bl_event_done(&s->ev);
                        continue;
                }
                n++;
        }

        if (n > 0) /* entries is NULL then, and qsort() wants a real pointer */
                qsort(entries, n, sizeof(*entries), snapshot_entry_cmp);

        for (size_t i = 0; i < n; i++) {
                r = cb(&entries[i].ev, userdata);
                bl_event_done(&entries[i].ev);
                if (r < 0)
                        goto finish;
        }
        r = (int)n;

finish:
        for (size_t i = 0; i < n; i++)
                bl_event_done(&entries[i].ev);
        free(entries);
        return r;
}
