/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The event model: initialising, copying and freeing events, and the names and
 * decodings (exit statuses, signals, sizes) every view shares; see event.h.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "event.h"

static const char *const event_type_table[_BL_EVENT_TYPE_MAX] = {
        [BL_EVENT_FORK] = "fork",         [BL_EVENT_EXEC] = "exec", [BL_EVENT_EXIT] = "exit",
        [BL_EVENT_UID] = "uid",           [BL_EVENT_GID] = "gid",   [BL_EVENT_SID] = "sid",
        [BL_EVENT_PTRACE] = "ptrace",     [BL_EVENT_COMM] = "comm", [BL_EVENT_COREDUMP] = "coredump",
        [BL_EVENT_SNAPSHOT] = "snapshot", [BL_EVENT_LOST] = "lost", [BL_EVENT_UNKNOWN] = "unknown",
        [BL_EVENT_START] = "start",       [BL_EVENT_END] = "end",   [BL_EVENT_COST] = "cost",
};

static const char *const lost_reason_table[_BL_LOST_REASON_MAX] = {
        [BL_LOST_ENOBUFS] = "receive-buffer-overflow",
        [BL_LOST_SEQ_GAP] = "sequence-gap",
        [BL_LOST_DISK_FULL] = "disk-full",
        [BL_LOST_WRITE_ERROR] = "write-error",
        [BL_LOST_ENRICH] = "proc-unreadable",
        [BL_LOST_BAD_MESSAGE] = "bad-message",
        [BL_LOST_EXEC_ARGS] = "exec-args-dropped",
        [BL_LOST_COST] = "cost-missing",
};

static const char *const stop_reason_table[_BL_STOP_REASON_MAX] = {
        [BL_STOP_UNKNOWN] = "unknown",
        [BL_STOP_SIGNAL] = "signal",
        [BL_STOP_STARTUP_FINISHED] = "startup-finished",
        [BL_STOP_DURATION] = "duration",
        [BL_STOP_MAX_DURATION] = "max-duration",
        [BL_STOP_COMMAND_EXITED] = "command-exited",
        [BL_STOP_ERROR] = "error",
};

static const char *const info_status_table[_BL_INFO_STATUS_MAX] = {
        [BL_INFO_OK] = "ok",
        [BL_INFO_EXITED] = "exited-before-read",
        [BL_INFO_REUSED] = "pid-reused",
        [BL_INFO_DENIED] = "permission-denied",
        [BL_INFO_ERROR] = "error",
        [BL_INFO_NOT_READ] = "not-read",
        [BL_INFO_SUPERSEDED] = "exec-superseded",
};

/* Signal names written here: the abbreviations differ between libcs and sigabbrev_np() is too new. */
static const char *const signal_table[] = {
        [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",       [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
        [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",     [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
        [SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
        [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",     [SIGTERM] = "SIGTERM", [SIGSTKFLT] = "SIGSTKFLT",
        [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",     [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
        [SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",     [SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU",
        [SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
        [SIGIO] = "SIGIO",     [SIGPWR] = "SIGPWR",       [SIGSYS] = "SIGSYS",
};

const char *bl_event_type_to_string(enum bl_event_type t)
{
        if (t <= 0 || t >= _BL_EVENT_TYPE_MAX)
                return NULL;
        return event_type_table[t];
}

enum bl_event_type bl_event_type_from_string(const char *s)
{
        if (!s)
                return _BL_EVENT_TYPE_INVALID;
        for (int i = 1; i < _BL_EVENT_TYPE_MAX; i++)
                if (event_type_table[i] && streq(event_type_table[i], s))
                        return i;
        return _BL_EVENT_TYPE_INVALID;
}

const char *bl_lost_reason_to_string(enum bl_lost_reason r)
{
        if (r <= 0 || r >= _BL_LOST_REASON_MAX)
                return NULL;
        return lost_reason_table[r];
}

const char *bl_info_status_to_string(enum bl_info_status s)
{
        if (s < 0 || s >= _BL_INFO_STATUS_MAX)
                return NULL;
        return info_status_table[s];
}

const char *bl_stop_reason_to_string(enum bl_stop_reason r)
{
        if (r < 0 || r >= _BL_STOP_REASON_MAX)
                return NULL;
        return stop_reason_table[r];
}

const char *bl_signal_to_string(int sig)
{
        if (sig <= 0 || (size_t)sig >= ELEMENTSOF(signal_table))
                return NULL;
        return signal_table[sig];
}

bool bl_exit_status_decode(uint32_t status, int *ret_code, int *ret_signal, bool *ret_core)
{
        int sig = status & 0x7f;

        if (sig == 0) {
                if (ret_code)
                        *ret_code = (status >> 8) & 0xff;
                return true;
        }
        if (ret_signal)
                *ret_signal = sig;
        if (ret_core)
                *ret_core = status & 0x80;
        return false;
}

void bl_proc_info_init(struct bl_proc_info *info)
{
        *info = (struct bl_proc_info){
                .status = BL_INFO_NOT_READ,
                .uid = UINT32_MAX,
                .gid = UINT32_MAX,
        };
}

void bl_proc_info_done(struct bl_proc_info *info)
{
        if (!info)
                return;
        strv_free(info->argv);
        free(info->exe);
        free(info->cwd);
        free(info->unit);
        bl_proc_info_init(info);
}

void bl_proc_info_move(struct bl_proc_info *dst, struct bl_proc_info *src)
{
        bl_proc_info_done(dst);
        *dst = *src;
        bl_proc_info_init(src);
}

static int strdup_ptr(char **ret, const char *s)
{
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static char **strv_copy(char *const *l)
{
        size_t n = strv_length(l);
        char **c = calloc(n + 1, sizeof(char *));

        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(l[i]);
                if (!c[i])
                        return strv_free(c);
        }
        return c;
}

int bl_proc_info_copy(struct bl_proc_info *ret, const struct bl_proc_info *src)
{
        struct bl_proc_info c = *src;

        c.argv = NULL;
        c.exe = c.cwd = c.unit = NULL;
        if (src->argv) {
                c.argv = strv_copy(src->argv);
                if (!c.argv)
                        goto fail;
        }
        if (strdup_ptr(&c.exe, src->exe) < 0 || strdup_ptr(&c.cwd, src->cwd) < 0 ||
            strdup_ptr(&c.unit, src->unit) < 0)
                goto fail;
        *ret = c;
        return 0;
fail:
        bl_proc_info_done(&c);
        return -ENOMEM;
}

void bl_event_init(struct bl_event *ev, enum bl_event_type type)
{
        /* As bl_proc_info_init(), without zeroing the info twice: this runs for every event read. */
        memset(ev, 0, sizeof(*ev));
        ev->type = type;
        ev->info.status = BL_INFO_NOT_READ;
        ev->info.uid = UINT32_MAX;
        ev->info.gid = UINT32_MAX;
}

void bl_event_done(struct bl_event *ev)
{
        if (!ev)
                return;
        bl_proc_info_done(&ev->info);
        bl_event_init(ev, 0);
}

int bl_event_copy(struct bl_event *ret, const struct bl_event *src)
{
        struct bl_event c = *src;
        int r;

        r = bl_proc_info_copy(&c.info, &src->info);
        if (r < 0)
                return r;
        *ret = c;
        return 0;
}

char *bl_event_detail(const struct bl_event *ev)
{
        _cleanup_free_ char *comm = NULL;
        char *s = NULL;
        int r = 0;

        switch (ev->type) {
        case BL_EVENT_UID:
                r = asprintf(&s, ": uid %" PRIu32 ", euid %" PRIu32, ev->id.real, ev->id.effective);
                break;
        case BL_EVENT_GID:
                r = asprintf(&s, ": gid %" PRIu32 ", egid %" PRIu32, ev->id.real, ev->id.effective);
                break;
        case BL_EVENT_SID: s = strdup(": new session"); break;
        case BL_EVENT_PTRACE:
                if (ev->ptrace.tracer_pid > 0)
                        r = asprintf(&s, ": traced by %d", (int)ev->ptrace.tracer_pid);
                else
                        s = strdup(": no longer traced");
                break;
        case BL_EVENT_COMM:
                comm = bl_escape(ev->info.comm);
                if (comm)
                        r = asprintf(&s, ": renamed itself %s", comm);
                break;
        case BL_EVENT_COREDUMP: s = strdup(": dumped core"); break;
        case BL_EVENT_SNAPSHOT: s = strdup(": running when recording started"); break;
        case BL_EVENT_COST: {
                /* The scheduler's exact figure, where the kernel gave it; the tick-sampled split beside it.
                 */
                uint64_t cpu_ns = ev->cost.cpu_ns > 0
                                      ? ev->cost.cpu_ns
                                      : (ev->cost.utime_us + ev->cost.stime_us) * NSEC_PER_USEC;
                char cpu[32], user[32], sys[32], rd[32], wr[32];

                r = asprintf(&s, ": used %s CPU (%s user, %s system), read %s, wrote %s",
                             bl_format_duration(cpu, sizeof(cpu), cpu_ns),
                             bl_format_duration(user, sizeof(user), ev->cost.utime_us * NSEC_PER_USEC),
                             bl_format_duration(sys, sizeof(sys), ev->cost.stime_us * NSEC_PER_USEC),
                             bl_format_bytes(rd, sizeof(rd), ev->cost.read_bytes),
                             bl_format_bytes(wr, sizeof(wr), ev->cost.write_bytes));
                break;
        }
        default: s = strdup(""); break;
        }
        return r < 0 ? NULL : s;
}

bool bl_lost_reason_is_event_loss(enum bl_lost_reason r)
{
        return r != BL_LOST_EXEC_ARGS && r != BL_LOST_COST;
}

uint64_t bl_cost_cpu_us(const struct bl_cost *c)
{
        return c->cpu_ns > 0 ? c->cpu_ns / NSEC_PER_USEC : c->utime_us + c->stime_us;
}

char *bl_format_duration(char *buf, size_t size, uint64_t ns)
{
        if (ns < NSEC_PER_USEC)
                (void)snprintf(buf, size, "%" PRIu64 "ns", ns);
        else if (ns < NSEC_PER_MSEC)
                (void)snprintf(buf, size, "%" PRIu64 "us", ns / NSEC_PER_USEC);
        else if (ns < NSEC_PER_SEC)
                (void)snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "ms", ns / NSEC_PER_MSEC,
                               ns % NSEC_PER_MSEC / (NSEC_PER_MSEC / 10));
        else if (ns < 60 * NSEC_PER_SEC)
                (void)snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 "s", ns / NSEC_PER_SEC,
                               ns % NSEC_PER_SEC / NSEC_PER_MSEC);
        else if (ns < 3600 * NSEC_PER_SEC)
                (void)snprintf(buf, size, "%" PRIu64 "m%02" PRIu64 "s", ns / (60 * NSEC_PER_SEC),
                               ns / NSEC_PER_SEC % 60);
        else
                (void)snprintf(buf, size, "%" PRIu64 "h%02" PRIu64 "m", ns / (3600 * NSEC_PER_SEC),
                               ns / (60 * NSEC_PER_SEC) % 60);
        return buf;
}

const char *bl_format_bytes(char *buf, size_t size, uint64_t bytes)
{
        static const char units[] = "KMGTPE";
        double v = (double)bytes;
        size_t i = 0;

        if (bytes < 1024) {
                (void)snprintf(buf, size, "%" PRIu64 " B", bytes);
                return buf;
        }
        while (v >= 1024.0 * 1024.0 && i < sizeof(units) - 2) {
                v /= 1024.0;
                i++;
        }
        v /= 1024.0;
        (void)snprintf(buf, size, v < 10.0 ? "%.1f %ciB" : "%.0f %ciB", v, units[i]);
        return buf;
}

char *bl_argv_join(char *const *argv)
{
        size_t len = 1;
        char *s, *p;

        STRV_FOREACH (a, argv)
                len += strlen(*a) + 1;
        s = malloc(len);
        if (!s)
                return NULL;
        p = s;
        STRV_FOREACH (a, argv) {
                if (p != s)
                        *p++ = ' ';
                p = stpcpy(p, *a);
        }
        *p = 0;
        return s;
}
