/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "journal-fields.h"
#include "log.h"

int bl_journal_priority(const struct bl_event *ev)
{
        int code = 0;

        switch (ev->type) {
        case BL_EVENT_EXIT:
                if (!bl_exit_status_decode(ev->exit.code, &code, NULL, NULL))
                        return LOG_LEVEL_WARNING;
                return code == 0 ? LOG_LEVEL_INFO : LOG_LEVEL_NOTICE;
        case BL_EVENT_COREDUMP:
        case BL_EVENT_LOST: return LOG_LEVEL_WARNING;
        case BL_EVENT_UNKNOWN: return LOG_LEVEL_NOTICE;
        case BL_EVENT_END: return ev->end.lost > 0 ? LOG_LEVEL_WARNING : LOG_LEVEL_INFO;
        default: return LOG_LEVEL_INFO;
        }
}

/* Room for "signal -2147483648". */
#define EXIT_STATUS_MAX 32

/*
 * How an exit ended, as BOOTLOG_EXIT_STATUS says it: the exit code ("3"), or
 * the signal's name ("SIGKILL"; "signal 40" if it has none here). Returns
 * whether a signal ended it.
 */
static bool exit_status(uint32_t status, char buf[static EXIT_STATUS_MAX], bool *ret_core)
{
        int code = 0, sig = 0;
        bool core = false;
        const char *name;

        if (bl_exit_status_decode(status, &code, &sig, &core)) {
                snprintf(buf, EXIT_STATUS_MAX, "%d", code);
                *ret_core = core;
                return false;
        }
        name = bl_signal_to_string(sig);
        if (name)
                snprintf(buf, EXIT_STATUS_MAX, "%s", name);
        else
                snprintf(buf, EXIT_STATUS_MAX, "signal %d", sig);
        *ret_core = core;
        return true;
}

char *bl_journal_display(char *const *argv, bool mark_cut, const char *comm)
{
        _cleanup_free_ char *esc = NULL;
        char *s;

        if (argv && argv[0]) {
                esc = bl_escape_argv(argv);
                if (!esc || !mark_cut)
                        return TAKE_PTR(esc);
                return asprintf(&s, "%s...", esc) < 0 ? NULL : s;
        }
        if (!comm || !comm[0])
                return strdup("?");
        esc = bl_escape(comm);
        if (!esc || asprintf(&s, "[%s]", esc) < 0)
                return NULL;
        return s;
}

/*
 * What follows "TYPE PID COMMAND" in MESSAGE: ": exit 3", ": killed by
 * SIGKILL (core dumped)", ": forked by 1419", ": new thread 1432", and for
 * the other types bl_event_detail()'s words. A thread other than the main
 * one is named.
 */
static char *message_tail(const struct bl_event *ev)
{
        _cleanup_free_ char *thread = NULL;
        char status[EXIT_STATUS_MAX], *s = NULL;
        bool core;
        int r = 0;

        if (ev->tid > 0 && ev->tid != ev->pid && asprintf(&thread, "thread %d", (int)ev->tid) < 0)
                return NULL;
        switch (ev->type) {
        case BL_EVENT_FORK:
                if (thread)
                        r = asprintf(&s, ": new %s", thread);
                else
                        r = asprintf(&s, ": forked by %d", (int)ev->fork.parent_pid);
                break;
        case BL_EVENT_EXIT:
                if (exit_status(ev->exit.code, status, &core))
                        r = asprintf(&s, ": %s%skilled by %s%s", thread ?: "", thread ? " " : "", status,
                                     core ? " (core dumped)" : "");
                else
                        r = asprintf(&s, ": %s%sexit %s", thread ?: "", thread ? " " : "", status);
                break;
        case BL_EVENT_COST:
                /* ": used 0.120 s CPU (...), ...", for another thread ": thread 1430 used ...". */
                s = bl_event_detail(ev);
                if (s && thread && strncmp(s, ": ", 2) == 0) {
                        _cleanup_free_ char *d = s;

                        r = asprintf(&s, ": %s %s", thread, d + 2);
                }
                break;
        default: s = bl_event_detail(ev); break;
        }
        return r < 0 ? NULL : s;
}

char *bl_journal_message(const struct bl_event *ev, const char *display, const char *hostname)
{
        _cleanup_free_ char *tail = NULL, *host = NULL;
        const char *reason;
        char *s;
        int r;

        switch (ev->type) {
        case BL_EVENT_LOST:
                reason = bl_lost_reason_to_string(ev->lost.reason) ?: "unknown";
                if (ev->lost.count > 0)
                        r = asprintf(&s, "lost %" PRIu64 " events (%s)", ev->lost.count, reason);
                else
                        r = asprintf(&s, "lost events (%s)", reason);
                break;
        case BL_EVENT_UNKNOWN:
                r = asprintf(&s,
                             "kernel event 0x%08" PRIx32 " this version cannot decode (%" PRIu32 " bytes)",
                             ev->unknown.what, ev->unknown.len);
                break;
        case BL_EVENT_START:
                host = bl_escape(hostname);
                if (!host)
                        return NULL;
                r = asprintf(&s, "recording started on %s (recorder pid %d)", host[0] ? host : "?",
                             (int)ev->start.recorder_pid);
                break;
        case BL_EVENT_END:
                r = asprintf(&s, "recording ended (%s): %" PRIu64 " events, %" PRIu64 " lost",
                             bl_stop_reason_to_string(ev->end.reason) ?: "unknown", ev->end.events,
                             ev->end.lost);
                break;
        default:
                tail = message_tail(ev);
                if (!tail)
                        return NULL;
                r = asprintf(&s, "%s %d %s%s", bl_event_type_to_string(ev->type) ?: "?", (int)ev->pid,
                             display, tail);
                break;
        }
        return r < 0 ? NULL : s;
}

/*
 * A cost record's fields: the uint64_t at offset in struct bl_cost. The
 * delays marked are only there when they were measured (IO_DELAYS).
 */
static const struct {
        const char *name;
        size_t offset;
        bool delay;
} cost_fields[] = {
        { "BOOTLOG_CPU_USER_USEC", offsetof(struct bl_cost, utime_us) },
        { "BOOTLOG_CPU_SYSTEM_USEC", offsetof(struct bl_cost, stime_us) },
        { "BOOTLOG_CPU_NSEC", offsetof(struct bl_cost, cpu_ns) },
        { "BOOTLOG_ELAPSED_USEC", offsetof(struct bl_cost, elapsed_us) },
        { "BOOTLOG_READ_BYTES", offsetof(struct bl_cost, read_bytes) },
        { "BOOTLOG_WRITE_BYTES", offsetof(struct bl_cost, write_bytes) },
        { "BOOTLOG_CANCELLED_WRITE_BYTES", offsetof(struct bl_cost, cancelled_write_bytes) },
        { "BOOTLOG_READ_CHARS", offsetof(struct bl_cost, read_chars) },
        { "BOOTLOG_WRITE_CHARS", offsetof(struct bl_cost, write_chars) },
        { "BOOTLOG_VOLUNTARY_CSW", offsetof(struct bl_cost, nvcsw) },
        { "BOOTLOG_INVOLUNTARY_CSW", offsetof(struct bl_cost, nivcsw) },
        { "BOOTLOG_MINOR_FAULTS", offsetof(struct bl_cost, minflt) },
        { "BOOTLOG_MAJOR_FAULTS", offsetof(struct bl_cost, majflt) },
        { "BOOTLOG_PEAK_RSS_KB", offsetof(struct bl_cost, hiwater_rss_kb) },
        { "BOOTLOG_CPU_DELAY_NSEC", offsetof(struct bl_cost, cpu_delay_ns) },
        { "BOOTLOG_BLKIO_DELAY_NSEC", offsetof(struct bl_cost, blkio_delay_ns), true },
        { "BOOTLOG_SWAPIN_DELAY_NSEC", offsetof(struct bl_cost, swapin_delay_ns), true },
};

static bool has_info(const struct bl_event *ev)
{
        return ev->type == BL_EVENT_EXEC || ev->type == BL_EVENT_SNAPSHOT;
}

static void add_string(bl_journal_add_t add, void *userdata, const char *name, const char *value)
{
        if (value)
                add(name, value, strlen(value), userdata);
}

static void add_uint(bl_journal_add_t add, void *userdata, const char *name, uint64_t v)
{
        char buf[21];
        int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

        add(name, buf, (size_t)n, userdata);
}

static void add_pid(bl_journal_add_t add, void *userdata, const char *name, pid_t pid)
{
        char buf[12];
        int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

        add(name, buf, (size_t)n, userdata);
}

static void add_cost(bl_journal_add_t add, void *userdata, const struct bl_cost *c, unsigned flags)
{
        for (size_t i = 0; i < ELEMENTSOF(cost_fields); i++) {
                uint64_t n;

                if (cost_fields[i].delay && !(c->flags & BL_COST_IO_DELAYS))
                        continue;
                memcpy(&n, (const uint8_t *)c + cost_fields[i].offset, sizeof(n));
                /* 0: the task exited before the scheduler brought it up to date (event.h). */
                if (cost_fields[i].offset == offsetof(struct bl_cost, cpu_ns) && n == 0 &&
                    !(flags & BL_JOURNAL_CPU_NSEC_ZERO))
                        continue;
                add_uint(add, userdata, cost_fields[i].name, n);
        }
}

void bl_journal_fields(const struct bl_event *ev, const struct bl_journal_process *p, unsigned flags,
                       bl_journal_add_t add, void *userdata)
{
        static const struct bl_journal_process unknown = {};

        if (!p)
                p = &unknown;
        add_string(add, userdata, "BOOTLOG_EVENT", bl_event_type_to_string(ev->type) ?: "?");
        if (ev->pid > 0)
                add_pid(add, userdata, "BOOTLOG_PID", ev->pid);
        if (ev->tid > 0 && ev->tid != ev->pid)
                add_pid(add, userdata, "BOOTLOG_TID", ev->tid);
        if (p->parent_pid > 0)
                add_pid(add, userdata, "BOOTLOG_PARENT_PID", p->parent_pid);
        if (p->argv) {
                add("BOOTLOG_ARGV", p->argv, p->argv_len, userdata);
                if (p->argv_truncated)
                        add_string(add, userdata, "BOOTLOG_ARGV_TRUNCATED", "yes");
        }
        add_string(add, userdata, "BOOTLOG_EXE", p->exe);
        add_string(add, userdata, "BOOTLOG_UNIT", p->unit);
        if (p->comm && p->comm[0])
                add_string(add, userdata, "BOOTLOG_COMM", p->comm);
        if ((flags & BL_JOURNAL_INFO_STATUS) && has_info(ev) && ev->info.status != BL_INFO_OK)
                /* Why argv and exe are missing, as the recording says it. */
                add_string(add, userdata, "BOOTLOG_INFO_STATUS",
                           bl_info_status_to_string(ev->info.status) ?: "unknown");
        switch (ev->type) {
        case BL_EVENT_EXIT: {
                char status[EXIT_STATUS_MAX];
                bool core;

                (void)exit_status(ev->exit.code, status, &core);
                add_string(add, userdata, "BOOTLOG_EXIT_STATUS", status);
                if (core)
                        add_string(add, userdata, "BOOTLOG_CORE_DUMPED", "yes");
                break;
        }
        case BL_EVENT_LOST:
                add_string(add, userdata, "BOOTLOG_LOST_REASON",
                           bl_lost_reason_to_string(ev->lost.reason) ?: "unknown");
                /* 0: the kernel could not say (a receive-buffer overflow; the sequence gaps after it do). */
                add_uint(add, userdata, "BOOTLOG_LOST_COUNT", ev->lost.count);
                break;
        case BL_EVENT_COST: add_cost(add, userdata, &ev->cost, flags); break;
        default: break;
        }
        if (ev->ts_ns > 0 || (flags & BL_JOURNAL_TS_NS_ZERO))
                add_uint(add, userdata, "BOOTLOG_TS_NS", ev->ts_ns);
}
