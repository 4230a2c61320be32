/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog export --format journal: one journal entry per event, in the
 * journal export format (systemd.io/JOURNAL_EXPORT_FORMATS), as
 * systemd-journal-remote reads it, for journalctl: fields "NAME=value\n",
 * an empty line after each entry. A value that is not printable UTF-8 on one
 * line is written in the binary form: "NAME\n", its length as a
 * little-endian 64-bit number, the bytes, "\n". Recorded strings are kept
 * byte for byte (journalctl escapes them when it shows them); only MESSAGE
 * is escaped, as the text views do.
 *
 * The entries carry the recorded boot's identity and each event's own time:
 * __REALTIME_TIMESTAMP and __MONOTONIC_TIMESTAMP (which journal-remote uses
 * for the entry instead of the time of import) and _BOOT_ID, _MACHINE_ID,
 * _HOSTNAME from the header; and the trusted fields of the process the event
 * is about, as journald would have stamped them had that process logged:
 * _PID, _COMM, _EXE, _CMDLINE, _UID, _GID, _SYSTEMD_UNIT. For events that do
 * not carry /proc's answer themselves (fork, exit, uid, ...) the process's
 * image at that moment comes from the model. PRIORITY, MESSAGE and the
 * BOOTLOG_* fields are those of bootlogd's live forwarding, from
 * journal-fields.h, so that one query finds both. The fields are documented
 * in bootlog(1); they are an interface, change them only by adding.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>

#include "escape.h"
#include "event.h"
#include "export-shared.h"
#include "format.h"
#include "journal-fields.h"
#include "macro.h"
#include "model.h"
#include "recording.h"

/* What the journal entry says about the process an event is about; pointers into the event or model. */
struct journal_process {
        const struct bl_process *p; /* NULL if the model does not know it */
        const char *comm, *exe, *unit;
        char *const *argv;
        bool argv_truncated; /* the recorder cut argv */
        uint32_t uid, gid;   /* UINT32_MAX unknown */
        pid_t parent_pid;    /* 0 unknown */
};

/* The time written for an event without one: the last one written, so that it stays in its place. */
static uint64_t journal_last_ts_ns;

static bool is_process_event(enum bl_event_type t)
{
        return (t >= BL_EVENT_FORK && t <= BL_EVENT_SNAPSHOT) || t == BL_EVENT_COST;
}

/* One line of printable UTF-8: no control characters (newline, tab, ESC, DEL), no invalid bytes. */
static bool journal_text_ok(const char *s, size_t len)
{
        for (size_t i = 0; i < len;) {
                unsigned char c = (unsigned char)s[i];
                size_t n;

                if (c < 0x20 || c == 0x7f)
                        return false;
                n = bl_utf8_valid_len(s + i);
                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}

/* A field of len bytes of value (NUL-terminated), in the text form if it can have it. */
static void journal_field_len(const char *name, const char *value, size_t len)
{
        uint8_t le[8];

        if (journal_text_ok(value, len))
                printf("%s=", name);
        else {
                for (size_t i = 0; i < sizeof(le); i++)
                        le[i] = (uint8_t)((uint64_t)len >> (8 * i));
                printf("%s\n", name);
                fwrite(le, 1, sizeof(le), stdout);
        }
        fwrite(value, 1, len, stdout);
        putchar('\n');
}

/* A string field; none if value is NULL. */
static void journal_field(const char *name, const char *value)
{
        if (value)
                journal_field_len(name, value, strlen(value));
}

static void journal_add(const char *name, const char *value, size_t len, void *userdata)
{
        journal_field_len(name, value, len);
}

/* Numbers and other values made here are printable: always the text form. */
static void journal_fieldf(const char *name, const char *fmt, ...) _printf_(2, 3);
static void journal_fieldf(const char *name, const char *fmt, ...)
{
        va_list ap;

        printf("%s=", name);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static void journal_process_of(const struct recording *rec, const struct bl_event *ev,
                               struct journal_process *ret)
{
        struct journal_process v = { .uid = UINT32_MAX, .gid = UINT32_MAX };
        const struct bl_proc_info *info = NULL;

        if (!is_process_event(ev->type) || ev->pid <= 0) {
                *ret = v;
                return;
        }
        v.p = bl_model_find(rec->model, ev->pid, ev->ts_ns);
        if (has_info(ev))
                info = &ev->info;
        else if (v.p) {
                const struct bl_exec *e = bl_process_image_at(v.p, ev->ts_ns, NULL);

                if (e)
                        info = &e->info;
        }
        if (info) {
                v.argv = info->argv;
                v.argv_truncated = info->argv_truncated;
                v.exe = info->exe;
                v.unit = info->unit;
                v.comm = info->comm[0] ? info->comm : NULL;
        }
        /*
         * The ids only where the event knows them: an image's ids are those
         * at its exec, and a setuid() since would make them wrong.
         */
        if (has_info(ev)) {
                v.uid = ev->info.uid;
                v.gid = ev->info.gid;
        }

        /* The forker, as in the tree; where the fork was not recorded, what the event says. */
        if (ev->type == BL_EVENT_FORK)
                v.parent_pid = ev->fork.parent_pid;
        else if (v.p && v.p->parent)
                v.parent_pid = v.p->parent->pid;
        else if (ev->type == BL_EVENT_SNAPSHOT)
                v.parent_pid = ev->info.ppid;
        else if (ev->type == BL_EVENT_EXIT)
                v.parent_pid = ev->exit.parent_pid;
        else if (v.p)
                v.parent_pid = v.p->reported_ppid;

        switch (ev->type) {
        case BL_EVENT_EXIT:
        case BL_EVENT_COST:
                /* The last comm it had (a comm event may have renamed it), its user at the end. */
                if (v.p && v.p->comm[0])
                        v.comm = v.p->comm;
                if (v.p)
                        v.uid = v.p->uid;
                break;
        case BL_EVENT_COMM: v.comm = ev->info.comm[0] ? ev->info.comm : v.comm; break;
        case BL_EVENT_UID: v.uid = ev->id.effective; break;
        case BL_EVENT_GID: v.gid = ev->id.effective; break;
        default: break;
        }
        *ret = v;
}

int export_journal_event(const struct recording *rec, const struct bl_event *ev)
{
        _cleanup_free_ char *cmdline = NULL, *display = NULL, *message = NULL;
        struct bl_journal_process fields;
        struct journal_process v;
        uint64_t ts_ns = ev->ts_ns ?: journal_last_ts_ns;
        char id[33];

        journal_process_of(rec, ev, &v);
        /* A kernel thread has an empty argv: no command line, as journald would say. */
        if (v.argv && v.argv[0]) {
                cmdline = bl_argv_join(v.argv);
                if (!cmdline)
                        return -ENOMEM;
        }
        /* Unlike the live forwarding, no "..." after a cut argv: BOOTLOG_ARGV_TRUNCATED says it. */
        display = bl_journal_display(v.argv, false, v.comm);
        if (!display)
                return -ENOMEM;
        message = bl_journal_message(ev, display, rec->info.hostname);
        if (!message)
                return -ENOMEM;

        /* journal-remote takes the entry's times from these two; without them it would stamp "now". */
        if (ts_ns > 0) {
                if (rec->info.ref_realtime_ns > 0)
                        journal_fieldf("__REALTIME_TIMESTAMP", "%" PRIu64,
                                       bl_file_info_realtime(&rec->info, ts_ns) / NSEC_PER_USEC);
                journal_fieldf("__MONOTONIC_TIMESTAMP", "%" PRIu64, ts_ns / NSEC_PER_USEC);
                journal_last_ts_ns = ts_ns;
        }
        if (!bl_id128_is_null(rec->info.boot_id))
                journal_field("_BOOT_ID", bl_id128_to_string(rec->info.boot_id, id));
        if (!bl_id128_is_null(rec->info.machine_id))
                journal_field("_MACHINE_ID", bl_id128_to_string(rec->info.machine_id, id));
        if (rec->info.hostname[0])
                journal_field("_HOSTNAME", rec->info.hostname);

        if (is_process_event(ev->type) && ev->pid > 0) {
                journal_fieldf("_PID", "%d", (int)ev->pid);
                if (v.uid != UINT32_MAX)
                        journal_fieldf("_UID", "%" PRIu32, v.uid);
                if (v.gid != UINT32_MAX)
                        journal_fieldf("_GID", "%" PRIu32, v.gid);
                journal_field("_COMM", v.comm);
                journal_field("_EXE", v.exe);
                journal_field("_CMDLINE", cmdline);
                journal_field("_SYSTEMD_UNIT", v.unit);
        }

        journal_field("MESSAGE", message);
        journal_fieldf("PRIORITY", "%d", bl_journal_priority(ev));
        journal_field("SYSLOG_IDENTIFIER", BL_JOURNAL_IDENTIFIER);
        if (ts_ns > 0 && rec->info.ref_realtime_ns > 0)
                /* What journald sets when a client says when it logged: journalctl shows this time. */
                journal_fieldf("_SOURCE_REALTIME_TIMESTAMP", "%" PRIu64,
                               bl_file_info_realtime(&rec->info, ts_ns) / NSEC_PER_USEC);

        fields = (struct bl_journal_process){
                .argv = cmdline,
                .argv_len = cmdline ? strlen(cmdline) : 0,
                .argv_truncated = v.argv_truncated,
                .exe = v.exe,
                .unit = v.unit,
                .comm = v.comm,
                .parent_pid = v.parent_pid,
        };
        /* BOOTLOG_CPU_NSEC even when 0, unlike the live forwarding: as this export always wrote it. */
        bl_journal_fields(ev, &fields, BL_JOURNAL_CPU_NSEC_ZERO, journal_add, NULL);
        putchar('\n');
        return 0;
}
