/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The event loop: epoll, a signalfd and CLOCK_MONOTONIC timers; see loop.h. */
#include <limits.h>
#include <signal.h>
#include <sys/epoll.h>
#include <time.h>

#include "log.h"
#include "loop.h"

/* epoll events taken per wait; more stay queued for the next iteration. */
#define EPOLL_BATCH 16

enum source_type {
        SOURCE_IO,
        SOURCE_TIME,
        SOURCE_SIGNAL,
        SOURCE_DEFER,
        SOURCE_SIGNALFD, /* the loop's own signalfd, never in the list */
};

struct bl_loop_source {
        struct bl_loop *loop;
        struct bl_loop_source *next, *prev;
        enum source_type type;
        enum bl_loop_enabled enabled;
        bool floating;   /* no handle was given out: freed with the loop */
        bool dead;       /* freed while the loop dispatches: unlinked afterwards */
        bool registered; /* io: in the epoll set */
        void *userdata;
        union {
                bl_loop_io_cb io;
                bl_loop_time_cb time;
                bl_loop_signal_cb signal;
                bl_loop_defer_cb defer;
        } cb;
        int fd;
        uint32_t events;
        uint64_t when_ns;
        uint64_t
            fired_in; /* timers: the iteration that last ran it, so an ON timer runs once per iteration */
        int sig;
};

struct bl_loop {
        int epoll_fd, signal_fd;
        sigset_t signal_mask; /* what signal_fd delivers */
        struct bl_loop_source *sources;
        struct bl_loop_source signalfd_source;
        unsigned dispatching;
        bool has_dead;
        uint64_t iteration;
        bool exit_requested;
        int exit_code;
};

uint64_t bl_loop_now(const struct bl_loop *l)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

int bl_loop_new(struct bl_loop **ret)
{
        struct bl_loop *l;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->signal_fd = -1;
        sigemptyset(&l->signal_mask);
        l->signalfd_source = (struct bl_loop_source){ .loop = l, .type = SOURCE_SIGNALFD, .fd = -1 };
        l->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (l->epoll_fd < 0) {
                int r = negative_errno();
                free(l);
                return r;
        }
        *ret = l;
        return 0;
}

static void source_unlink(struct bl_loop_source *s)
{
        struct bl_loop *l = s->loop;

        if (s->prev)
                s->prev->next = s->next;
        else if (l)
                l->sources = s->next;
        if (s->next)
                s->next->prev = s->prev;
        s->next = s->prev = NULL;
}

struct bl_loop *bl_loop_free(struct bl_loop *l)
{
        struct bl_loop_source *s, *next;

        if (!l)
                return NULL;
        for (s = l->sources; s; s = next) {
                next = s->next;
                s->next = s->prev = NULL;
                s->loop = NULL;
                s->registered = false;
                /* Held ones stay, inert, until their holder frees them. */
                if (s->floating || s->dead)
                        free(s);
        }
        safe_close(l->signal_fd);
        safe_close(l->epoll_fd);
        free(l);
        return NULL;
}

static bool source_is_on(const struct bl_loop_source *s)
{
        return !s->dead && s->enabled != BL_LOOP_OFF;
}

/* Points the signalfd at the signals of the enabled signal sources. */
static int update_signals(struct bl_loop *l)
{
        sigset_t mask;
        int fd;

        sigemptyset(&mask);
        for (struct bl_loop_source *s = l->sources; s; s = s->next)
                if (s->type == SOURCE_SIGNAL && source_is_on(s))
                        sigaddset(&mask, s->sig);
        if (l->signal_fd < 0 && sigisemptyset(&mask))
                return 0;
        fd = signalfd(l->signal_fd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (l->signal_fd < 0) {
                struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &l->signalfd_source };

                if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                        int r = negative_errno();
                        safe_close(fd);
                        return r;
                }
                l->signal_fd = fd;
        }
        l->signal_mask = mask;
        return 0;
}

static int update_io(struct bl_loop_source *s)
{
        struct bl_loop *l = s->loop;
        bool want = source_is_on(s);

        if (!l || want == s->registered)
                return 0;
        if (want) {
                struct epoll_event ev = { .events = s->events, .data.ptr = s };

                if (epoll_ctl(l->epoll_fd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
                        return negative_errno();
        } else
                /* The fd may be closed already: then the kernel dropped it from the set itself. */
                (void)epoll_ctl(l->epoll_fd, EPOLL_CTL_DEL, s->fd, NULL);
        s->registered = want;
        return 0;
}

static int source_new(struct bl_loop *l, struct bl_loop_source **ret, enum source_type type, void *userdata,
                      struct bl_loop_source **ret_source)
{
        struct bl_loop_source *s;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->loop = l;
        s->type = type;
        s->floating = !ret;
        s->userdata = userdata;
        s->fd = -1;
        s->next = l->sources;
        if (l->sources)
                l->sources->prev = s;
        l->sources = s;
        *ret_source = s;
        return 0;
}

/* Frees a source that never was handed out. */
static int source_abandon(struct bl_loop_source *s, int r)
{
        s->floating = false;
        bl_loop_source_free(s);
        return r;
}

int bl_loop_add_io(struct bl_loop *l, struct bl_loop_source **ret, int fd, uint32_t events, bl_loop_io_cb cb,
                   void *userdata)
{
        struct bl_loop_source *s;
        int r;

        if (fd < 0 || !cb)
                return -EINVAL;
        r = source_new(l, ret, SOURCE_IO, userdata, &s);
        if (r < 0)
                return r;
        s->cb.io = cb;
        s->fd = fd;
        s->events = events;
        s->enabled = BL_LOOP_ON;
        r = update_io(s);
        if (r < 0)
                return source_abandon(s, r);
        if (ret)
                *ret = s;
        return 0;
}

int bl_loop_add_time(struct bl_loop *l, struct bl_loop_source **ret, uint64_t when_ns, bl_loop_time_cb cb,
                     void *userdata)
{
        struct bl_loop_source *s;
        int r;

        if (!cb)
                return -EINVAL;
        r = source_new(l, ret, SOURCE_TIME, userdata, &s);
        if (r < 0)
                return r;
        s->cb.time = cb;
        s->when_ns = when_ns;
        s->enabled = when_ns == UINT64_MAX ? BL_LOOP_OFF : BL_LOOP_ONESHOT;
        if (ret)
                *ret = s;
        return 0;
}

int bl_loop_add_signal(struct bl_loop *l, struct bl_loop_source **ret, int sig, bl_loop_signal_cb cb,
                       void *userdata)
{
        struct bl_loop_source *s;
        sigset_t one;
        int r;

        if (sig <= 0 || sig >= _NSIG || !cb)
                return -EINVAL;
        for (s = l->sources; s; s = s->next)
                if (s->type == SOURCE_SIGNAL && !s->dead && s->sig == sig)
                        return -EBUSY;
        /* Blocked, or the default action would run instead of the signalfd seeing it. */
        sigemptyset(&one);
        if (sigaddset(&one, sig) < 0 || sigprocmask(SIG_BLOCK, &one, NULL) < 0)
                return -EINVAL;
        r = source_new(l, ret, SOURCE_SIGNAL, userdata, &s);
        if (r < 0)
                return r;
        s->cb.signal = cb;
        s->sig = sig;
        s->enabled = BL_LOOP_ON;
        r = update_signals(l);
        if (r < 0)
                return source_abandon(s, r);
        if (ret)
                *ret = s;
        return 0;
}

int bl_loop_add_defer(struct bl_loop *l, struct bl_loop_source **ret, bl_loop_defer_cb cb, void *userdata)
{
        struct bl_loop_source *s;
        int r;

        if (!cb)
                return -EINVAL;
        r = source_new(l, ret, SOURCE_DEFER, userdata, &s);
        if (r < 0)
                return r;
        s->cb.defer = cb;
        s->enabled = BL_LOOP_ONESHOT;
        if (ret)
                *ret = s;
        return 0;
}

int bl_loop_source_set_enabled(struct bl_loop_source *s, enum bl_loop_enabled enabled)
{
        enum bl_loop_enabled old;
        int r;

        if (!s || s->dead || enabled < BL_LOOP_OFF || enabled > BL_LOOP_ONESHOT)
                return -EINVAL;
        if (s->enabled == enabled)
                return 0;
        old = s->enabled;
        s->enabled = enabled;
        if (!s->loop)
                return 0;
        if (s->type == SOURCE_IO)
                r = update_io(s);
        else if (s->type == SOURCE_SIGNAL && (old == BL_LOOP_OFF || enabled == BL_LOOP_OFF))
                r = update_signals(s->loop);
        else
                r = 0;
        if (r < 0)
                s->enabled = old;
        return r;
}

enum bl_loop_enabled bl_loop_source_get_enabled(const struct bl_loop_source *s)
{
        return s && !s->dead ? s->enabled : BL_LOOP_OFF;
}

int bl_loop_source_set_io_events(struct bl_loop_source *s, uint32_t events)
{
        struct epoll_event ev = { .events = events, .data.ptr = s };

        if (!s || s->dead || s->type != SOURCE_IO)
                return -EINVAL;
        if (s->events == events)
                return 0;
        if (s->registered && epoll_ctl(s->loop->epoll_fd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
                return negative_errno();
        s->events = events;
        return 0;
}

int bl_loop_source_set_time(struct bl_loop_source *s, uint64_t when_ns)
{
        if (!s || s->dead || s->type != SOURCE_TIME)
                return -EINVAL;
        s->when_ns = when_ns;
        return 0;
}

int bl_loop_source_arm(struct bl_loop_source *s, uint64_t when_ns)
{
        int r;

        r = bl_loop_source_set_time(s, when_ns);
        if (r < 0)
                return r;
        return bl_loop_source_set_enabled(s, when_ns == UINT64_MAX ? BL_LOOP_OFF : BL_LOOP_ONESHOT);
}

struct bl_loop *bl_loop_source_get_loop(const struct bl_loop_source *s)
{
        return s ? s->loop : NULL;
}

struct bl_loop_source *bl_loop_source_free(struct bl_loop_source *s)
{
        struct bl_loop *l;

        if (!s || s->dead)
                return NULL;
        l = s->loop;
        (void)bl_loop_source_set_enabled(s, BL_LOOP_OFF);
        if (l && l->dispatching > 0) {
                /* The dispatcher may hold a pointer to it (an epoll event of this round): unlink later. */
                s->dead = true;
                l->has_dead = true;
                return NULL;
        }
        source_unlink(s);
        free(s);
        return NULL;
}

void bl_loop_exit(struct bl_loop *l, int code)
{
        if (l->exit_requested)
                return;
        l->exit_requested = true;
        l->exit_code = code;
}

static void sweep(struct bl_loop *l)
{
        struct bl_loop_source *s, *next;

        if (!l->has_dead)
                return;
        for (s = l->sources; s; s = next) {
                next = s->next;
                if (s->dead) {
                        source_unlink(s);
                        free(s);
                }
        }
        l->has_dead = false;
}

static void after_callback(struct bl_loop_source *s, int r)
{
        if (r >= 0)
                return;
        log_debug_errno(r, "Event source callback failed, disabling it: %m");
        if (!s->dead)
                (void)bl_loop_source_set_enabled(s, BL_LOOP_OFF);
}

static void dispatch_signal(struct bl_loop *l)
{
        struct signalfd_siginfo si;
        ssize_t n;

        /* One per round: a stop request is not buried under signals read but never handled. */
        n = read(l->signal_fd, &si, sizeof(si));
        if (n != (ssize_t)sizeof(si))
                return;
        for (struct bl_loop_source *s = l->sources; s; s = s->next) {
                if (s->type != SOURCE_SIGNAL || !source_is_on(s) || s->sig != (int)si.ssi_signo)
                        continue;
                if (s->enabled == BL_LOOP_ONESHOT)
                        (void)bl_loop_source_set_enabled(s, BL_LOOP_OFF);
                after_callback(s, s->cb.signal(s, &si, s->userdata));
                return;
        }
}

static void dispatch_io(struct bl_loop_source *s, uint32_t revents)
{
        if (!source_is_on(s))
                return;
        if (s->enabled == BL_LOOP_ONESHOT)
                (void)bl_loop_source_set_enabled(s, BL_LOOP_OFF);
        after_callback(s, s->cb.io(s, s->fd, revents, s->userdata));
}

/* The earliest due timer not yet run in this iteration, or NULL. */
static struct bl_loop_source *next_due_timer(struct bl_loop *l, uint64_t now)
{
        struct bl_loop_source *best = NULL;

        for (struct bl_loop_source *s = l->sources; s; s = s->next)
                if (s->type == SOURCE_TIME && source_is_on(s) && s->when_ns <= now &&
                    s->fired_in != l->iteration && (!best || s->when_ns < best->when_ns))
                        best = s;
        return best;
}

static void dispatch_timers(struct bl_loop *l)
{
        uint64_t now = bl_loop_now(l);
        struct bl_loop_source *s;

        while (!l->exit_requested && (s = next_due_timer(l, now))) {
                uint64_t when = s->when_ns;

                s->fired_in = l->iteration;
                if (s->enabled == BL_LOOP_ONESHOT)
                        s->enabled = BL_LOOP_OFF;
                after_callback(s, s->cb.time(s, when, s->userdata));
        }
}

static void dispatch_defers(struct bl_loop *l)
{
        for (struct bl_loop_source *s = l->sources; s && !l->exit_requested; s = s->next) {
                if (s->type != SOURCE_DEFER || !source_is_on(s))
                        continue;
                if (s->enabled == BL_LOOP_ONESHOT)
                        s->enabled = BL_LOOP_OFF;
                after_callback(s, s->cb.defer(s, s->userdata));
        }
}

/* Milliseconds to wait for (rounded up, so a timer is never run early), -1 for ever; false if nothing could
 * ever end the wait. */
static bool compute_timeout(struct bl_loop *l, uint64_t limit_ns, int *ret_ms)
{
        uint64_t deadline = limit_ns == UINT64_MAX ? UINT64_MAX : bl_loop_now(l) + limit_ns;
        bool anything = limit_ns != UINT64_MAX;
        uint64_t now, wait;

        for (struct bl_loop_source *s = l->sources; s; s = s->next) {
                if (!source_is_on(s))
                        continue;
                if (s->type == SOURCE_DEFER) {
                        *ret_ms = 0;
                        return true;
                }
                if (s->type == SOURCE_TIME)
                        deadline = MIN(deadline, s->when_ns);
                anything = true;
        }
        if (deadline == UINT64_MAX) {
                *ret_ms = -1;
                return anything;
        }
        now = bl_loop_now(l);
        wait = deadline > now ? (deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC : 0;
        *ret_ms = (int)MIN(wait, (uint64_t)INT_MAX);
        return true;
}

int bl_loop_run_once(struct bl_loop *l, uint64_t timeout_ns)
{
        struct epoll_event events[EPOLL_BATCH];
        int n, timeout_ms;

        if (l->exit_requested)
                return 1;
        if (!compute_timeout(l, timeout_ns, &timeout_ms))
                return -ECHILD;
        n = epoll_wait(l->epoll_fd, events, EPOLL_BATCH, timeout_ms);
        if (n < 0) {
                if (errno == EINTR)
                        return 0;
                return negative_errno();
        }

        l->iteration++;
        l->dispatching++;
        for (int i = 0; i < n && !l->exit_requested; i++) {
                struct bl_loop_source *s = events[i].data.ptr;

                if (s->type == SOURCE_SIGNALFD)
                        dispatch_signal(l);
                else
                        dispatch_io(s, events[i].events);
        }
        dispatch_timers(l);
        dispatch_defers(l);
        l->dispatching--;
        sweep(l);
        return l->exit_requested;
}

int bl_loop_run(struct bl_loop *l)
{
        int r;

        for (;;) {
                r = bl_loop_run_once(l, UINT64_MAX);
                if (r < 0)
                        return r;
                if (r > 0)
                        break;
        }
        l->exit_requested = false;
        return l->exit_code;
}
