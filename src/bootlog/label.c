/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Labels of program images and of how processes ended; see label.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "event.h"
#include "label.h"
#include "macro.h"
#include "model.h"
#include "text-width.h"

char *format_wait_status(char *buf, size_t size, uint32_t status)
{
        int code = 0, sig = 0;
        bool core = false;
        const char *name;

        if (bl_exit_status_decode(status, &code, &sig, &core)) {
                snprintf(buf, size, "exit %d", code);
                return buf;
        }
        name = bl_signal_to_string(sig);
        if (name)
                snprintf(buf, size, "killed by %s%s", name, core ? " (core dumped)" : "");
        else
                snprintf(buf, size, "killed by signal %d%s", sig, core ? " (core dumped)" : "");
        return buf;
}

char *format_exit(char *buf, size_t size, const struct bl_process *p)
{
        if (!p->exited) {
                snprintf(buf, size, "running");
                return buf;
        }
        return format_wait_status(buf, size, p->exit_status);
}

static const char *info_status_text(const struct bl_proc_info *info, char *buf, size_t size)
{
        switch (info->status) {
        case BL_INFO_EXITED: return "exited before its arguments could be read";
        case BL_INFO_REUSED: return "pid reused before its arguments could be read";
        case BL_INFO_DENIED: return "permission denied reading its arguments";
        case BL_INFO_NOT_READ: return "arguments not recorded";
        case BL_INFO_SUPERSEDED: return "exec'd again before its arguments could be read";
        case BL_INFO_ERROR:
                if (info->error > 0)
                        snprintf(buf, size, "arguments unreadable: %s", strerror(info->error));
                else
                        snprintf(buf, size, "arguments unreadable");
                return buf;
        default: snprintf(buf, size, "unknown read status %d", (int)info->status); return buf;
        }
}

/* "[comm]", escaped; NULL on ENOMEM. */
static char *comm_label(const char *comm)
{
        _cleanup_free_ char *e = bl_escape(comm);
        char *r;

        if (!e || asprintf(&r, "[%s]", e) < 0)
                return NULL;
        return r;
}

char *info_label(const struct bl_proc_info *info, size_t max_chars)
{
        _cleanup_free_ char *comm = NULL, *s = NULL;
        char buf[128];
        char *r;

        if (info->comm[0]) {
                comm = comm_label(info->comm);
                if (!comm)
                        return NULL;
        }

        /* The recorder keeps only what it read from the pinned process itself (a reused pid or a later
         * image leaves the fields empty), so whatever is here is this process's. Without argv, say why. */
        if (!(info->argv && info->argv[0]) && info->status != BL_INFO_OK &&
            !(info->argv && info->status == BL_INFO_DENIED)) {
                if (asprintf(&r, "%s (%s)", comm ?: "?", info_status_text(info, buf, sizeof(buf))) < 0)
                        return NULL;
                return r;
        }

        if (info->argv && info->argv[0])
                s = bl_escape_argv(info->argv);
        else if (info->argv && comm) /* empty argv: a kernel thread */
                s = TAKE_PTR(comm);
        else if (info->exe)
                s = bl_escape(info->exe);
        else
                s = strdup(comm ?: "?");
        if (!s)
                return NULL;

        s = cut_chars(TAKE_PTR(s), max_chars);
        if (!s)
                return NULL;
        if (info->argv_withheld && !info->argv) {
                if (asprintf(&r, "%s (argv not recorded)", s) < 0)
                        return NULL;
                return r;
        }
        if (!info->argv_truncated)
                return TAKE_PTR(s);
        if (asprintf(&r, "%s (argv truncated)", s) < 0)
                return NULL;
        return r;
}

char *process_label_at(const struct bl_process *p, uint64_t ts_ns, size_t max_chars)
{
        _cleanup_free_ char *label = NULL;
        const struct bl_exec *e;
        bool inherited = false;
        char *r;

        e = bl_process_image_at(p, ts_ns, &inherited);
        if (!e)
                return p->comm[0] ? comm_label(p->comm) : strdup("?");

        label = info_label(&e->info, max_chars);
        if (!label)
                return NULL;
        if (!inherited)
                return TAKE_PTR(label);
        if (asprintf(&r, "(fork of: %s)", label) < 0)
                return NULL;
        return r;
}

char *process_first_label(const struct bl_process *p, size_t max_chars)
{
        if (p->n_execs > 0)
                return info_label(&p->execs[0].info, max_chars);
        return process_label_at(p, p->start_ns, max_chars);
}
