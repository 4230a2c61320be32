/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the files of bootlogd share, and nothing else links: the command line
 * as parsed (struct options), the state of a recording (struct context), and
 * the functions each file offers the others. main() in bootlogd.c owns both
 * structures; the other files are handed them.
 *
 *   bootlogd.c          main(), the recording's lifecycle, the summary
 *   bootlogd-options.c  command line options and the settings they override
 *   bootlogd-storage.c  the recording's file: creating, persisting, pruning
 *   bootlogd-stop.c     when to stop: durations, systemd's StartupFinished
 *   bootlogd-init.c     init= mode
 *
 * Calls go one way: bootlogd.c calls into the others and none calls back
 * (bootlogd-stop.c and bootlogd-init.c use bootlogd-storage.c's in_initrd()
 * and running_recorder()).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "argv-policy.h"
#include "conf.h"
#include "config.h"
#include "forward.h"
#include "log.h"
#include "loop.h"
#include "macro.h"
#include "recorder.h"
#include "sysbus.h"

#define DEFAULT_CONFIG SYSCONFDIR "/bootlog.conf"
/* How long to wait before trying again what failed for now (persisting, reaching systemd). */
#define RETRY_NS NSEC_PER_SEC

/* The command line. parse_argv() fills it, main() owns it and hands it down read-only. */
struct options {
        const char *config;
        char *output;
        const char *pid_file;
        bool force;
        uint64_t flush_interval_ns;
        size_t block_size;
        int rcvbuf;
        bool no_snapshot;
        bool sync;
        bool daemon;
        bool condition;
        /* Settings, applied over the config file and the kernel command line by load_settings(). */
        const char *until, *tail, *max_duration, *directory, *forward;
        struct bl_argv_policy *argv_policy; /* --argv, parsed once; load_settings() takes it */
        enum bl_argv_capture argv_capture;  /* _BL_ARGV_CAPTURE_INVALID: not given */
        bool no_cost;
        bool no_persist;
};

#define OPTIONS_INIT                                                                                        \
        {                                                                                                   \
                .config = DEFAULT_CONFIG, .sync = true, .argv_capture = _BL_ARGV_CAPTURE_INVALID            \
        }

struct context {
        const struct options *opts;
        struct settings settings;
        struct bl_loop *event;
        struct bl_recorder *recorder;
        struct forwarder *forwarder; /* Forward=journal */
        int proc_fd; /* /proc as it was at start: it stays valid when the mount moves to the new root */
        char *path;  /* the recording's current file */
        char *name;  /* its file name: BOOT_ID[-N].bootlog */
        const char *pid_file;
        bool persist; /* move the recording to settings.directory when possible */
        bool persisted;
        bool persist_failed_logged;
        int persist_errno; /* why the last try to persist found the directory unusable, for the end */
        struct bl_loop_source *persist_timer, *bus_timer, *stop_timer, *limit_timer, *reroot_source;
        struct sysbus *bus; /* to systemd, until startup finished */
        struct bl_loop_source *bus_source;
        bool startup_finished;
        enum bl_stop_reason reason;
        int notify_fd; /* --daemon / init mode: tells the waiting parent we are recording */
};

/* Tells the service manager, if one waits for it ($NOTIFY_SOCKET); failures change nothing for us. */
static inline void notify(const char *text)
{
        int r;

        r = sysbus_notify(getenv("NOTIFY_SOCKET"), text);
        if (r < 0)
                log_debug_errno(r, "Failed to notify the service manager, ignoring: %m");
}

/* bootlogd-options.c */

/* Parses the command line into o (logging what is wrong): <0 a usage error, 0 exit now (--help), >0 run. */
int parse_argv(int argc, char *argv[], struct options *o);
/* Config file, then kernel command line, then o's settings (taking o->argv_policy) into s. */
int load_settings(struct options *o, struct settings *s);
void options_done(struct options *o);

/* bootlogd-storage.c */

/* Whether / is still an initramfs (or a systemd initrd). */
bool in_initrd(void);
/* The pid of a running recorder according to the pid file, or 0. */
pid_t running_recorder(const char *pid_file);
int write_pid_file(const char *path);
/* Creates the recording's file (--output, else in RECORDINGS_DIR_RUNTIME); logs failures. Returns the fd. */
int open_output(struct context *c);
/*
 * Moves the recording to the persistent directory if it is writable now,
 * then prunes old recordings there. Returns 1 when moved (or nothing to do),
 * 0 to try again later.
 */
int try_persist(struct context *c);
/* The persist timer: try_persist() until it is done. */
int on_persist_timer(struct bl_loop_source *s, uint64_t when_ns, void *userdata);

/* bootlogd-stop.c */

/* Ends the loop (the first reason given is the one recorded). */
void stop(struct context *c, enum bl_stop_reason reason);
/* Arms what stops the recording (Until=, MaxDuration=, the watch for systemd's StartupFinished). */
int stop_watch_start(struct context *c, uint64_t now);
void bus_close(struct context *c);

/* bootlogd-init.c */

/*
 * init= mode (as PID 1): starts a recorder child unless one runs, then
 * becomes the real init. Returns only in that child, which is to record.
 */
void run_as_init(struct context *c, char *argv[]);
