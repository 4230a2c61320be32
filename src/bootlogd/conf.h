/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * bootlogd's settings: defaults, then /etc/bootlog.conf and its drop-ins
 * (/etc/bootlog.conf.d/ *.conf, in name order), then the kernel command line
 * (bootlog.*=), then the command line options, each overriding the one before.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "argv-policy.h"
#include "recorder.h"
#include "event.h"
#include "time-util.h"

enum until_mode {
        UNTIL_AUTO,             /* StartupFinished when systemd is PID 1, else MaxDuration */
        UNTIL_STARTUP_FINISHED, /* systemd's StartupFinished, plus Tail */
        UNTIL_DURATION,         /* a fixed time after start */
        UNTIL_STOP,             /* only SIGTERM/SIGINT (bootlog stop) or MaxDuration */
};

/*
 * Forward=journal[:EVENTS]: which recorded events also go to the journal, live.
 * EVENTS is a comma list of event type names (fork, exec, exit, uid, gid, sid,
 * ptrace, comm, coredump, snapshot, lost) and failed-exit; "exit" means every
 * exit, "failed-exit" only those with a non-zero status or a signal.
 * Default: exec,failed-exit.
 */
#define FORWARD_TYPE(t) (UINT32_C(1) << (t))

struct forward_spec {
        bool enabled;
        uint32_t types;         /* 1u << enum bl_event_type, per forwarded type */
        bool failed_exits_only; /* with BL_EVENT_EXIT in types */
};

struct settings {
        bool enable;
        enum until_mode until;
        uint64_t until_ns;        /* UNTIL_DURATION */
        uint64_t tail_ns;         /* after StartupFinished */
        uint64_t max_duration_ns; /* 0: none */
        char *directory;          /* persistent directory; "" or NULL: do not persist */
        unsigned keep_boots;
        uint64_t max_use; /* bytes, for all recordings in directory */
        char *group;      /* group owning the files; NULL/"" : root's */
        char *init;       /* init= mode: the real init */
        struct forward_spec forward;
        struct bl_argv_policy *argv_policy; /* ArgvPolicy=; NULL: all */
        enum bl_argv_capture argv_capture;  /* ArgvCapture= */
        bool cost;                          /* Cost=: listen to taskstats */
};

void settings_init(struct settings *s);
void settings_done(struct settings *s);

/*
 * Reads one configuration file. A missing file is fine (returns 0). Unknown
 * keys and bad values are warned about (with file and line) and ignored.
 */
int settings_load_file(struct settings *s, const char *path);
/* Reads path and then path.d/ *.conf in order. */
int settings_load_config(struct settings *s, const char *path);
/*
 * Applies bootlog.enable=, bootlog.until=, bootlog.tail=, bootlog.init=, bootlog.forward= from a kernel
 * command line.
 */
int settings_load_cmdline(struct settings *s, const char *cmdline);

/* "64M", "1G", "4096", "100K" → bytes. */
int parse_size_suffix(const char *s, uint64_t *ret);
/* "journal", "journal:exec,exit,...", or no/off/false/0 (off). */
int parse_forward(const char *s, struct forward_spec *ret);
/* "startup-finished", "stop", or a duration. */
int parse_until(const char *s, enum until_mode *ret_mode, uint64_t *ret_ns);
