/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * When bootlogd stops recording: after the Until= duration, after
 * MaxDuration= in any case, or Tail= after systemd's StartupFinished, which
 * it learns over systemd's private bus (sysbus.c), connecting again whenever
 * PID 1 re-executes. Signals (bootlogd.c) stop it too, through stop().
 */
#include <unistd.h>

#include "bootlogd-shared.h"

void stop(struct context *c, enum bl_stop_reason reason)
{
        if (c->reason == BL_STOP_UNKNOWN)
                c->reason = reason;
        notify("STOPPING=1");
        bl_loop_exit(c->event, 0);
}

static int on_stop_timer(struct bl_loop_source *s, uint64_t when_ns, void *userdata)
{
        struct context *c = userdata;

        stop(c, c->startup_finished ? BL_STOP_STARTUP_FINISHED : BL_STOP_DURATION);
        return 0;
}

static int on_limit_timer(struct bl_loop_source *s, uint64_t when_ns, void *userdata)
{
        struct context *c = userdata;

        log_info("Stopping after the maximum duration.");
        stop(c, BL_STOP_MAX_DURATION);
        return 0;
}

static void startup_finished(struct context *c)
{
        if (c->startup_finished)
                return;
        c->startup_finished = true;
        log_debug("Startup finished; recording %" PRIu64 " ms more.", c->settings.tail_ns / NSEC_PER_MSEC);
        c->stop_timer = bl_loop_source_free(c->stop_timer);
        if (bl_loop_add_time(c->event, &c->stop_timer, bl_loop_now(c->event) + c->settings.tail_ns,
                             on_stop_timer, c) < 0)
                stop(c, BL_STOP_STARTUP_FINISHED);
}

void bus_close(struct context *c)
{
        c->bus_source = bl_loop_source_free(c->bus_source);
        c->bus = sysbus_free(c->bus);
}

static int on_bus_io(struct bl_loop_source *s, int fd, uint32_t revents, void *userdata)
{
        struct context *c = userdata;
        int r;

        r = sysbus_process(c->bus);
        if (r > 0) {
                /* Nothing more to hear from systemd. */
                bus_close(c);
                startup_finished(c);
                return 0;
        }
        if (r < 0) {
                /* PID 1 re-executed (switch root, daemon-reexec), or would not answer: connect again. */
                log_debug_errno(r, "Connection to systemd ended, will retry: %m");
                bus_close(c);
                if (!c->startup_finished && c->bus_timer)
                        return bl_loop_source_arm(c->bus_timer, bl_loop_now(c->event) + RETRY_NS);
                return 0;
        }
        return bl_loop_source_set_io_events(s, sysbus_get_events(c->bus));
}

/*
 * Talks to systemd over its private socket (no D-Bus daemon needed, so this
 * works from early boot): subscribes to StartupFinished, and checks whether
 * startup has finished already (sysbus_process() tells, from on_bus_io()).
 * Returns 1 when connected, 0 to retry later.
 */
static int try_bus(struct context *c)
{
        struct sysbus *bus = NULL;
        int r;

        if (c->bus)
                return 1;
        if (in_initrd() || access(SYSTEMD_PRIVATE_SOCKET, F_OK) < 0)
                return 0;
        r = sysbus_connect(SYSTEMD_PRIVATE_SOCKET, getuid(), &bus);
        if (r >= 0)
                r = bl_loop_add_io(c->event, &c->bus_source, sysbus_get_fd(bus), sysbus_get_events(bus),
                                   on_bus_io, c);
        if (r < 0) {
                sysbus_free(bus);
                log_debug_errno(r, "Failed to talk to systemd, will retry: %m");
                return 0;
        }
        c->bus = bus;
        log_debug("Connected to systemd.");
        return 1;
}

static int on_bus_timer(struct bl_loop_source *s, uint64_t when_ns, void *userdata)
{
        struct context *c = userdata;

        if (try_bus(c) || c->startup_finished)
                return 0; /* a oneshot: off now */
        return bl_loop_source_arm(s, when_ns + RETRY_NS);
}

int stop_watch_start(struct context *c, uint64_t now)
{
        const struct settings *s = &c->settings;
        bool want_bus;
        int r;

        if (s->until == UNTIL_DURATION) {
                r = bl_loop_add_time(c->event, &c->stop_timer, now + s->until_ns, on_stop_timer, c);
                if (r < 0)
                        return r;
        }
        if (s->max_duration_ns > 0) {
                r = bl_loop_add_time(c->event, &c->limit_timer, now + s->max_duration_ns, on_limit_timer, c);
                if (r < 0)
                        return r;
        }
        want_bus = s->until == UNTIL_STARTUP_FINISHED || (s->until == UNTIL_AUTO && !c->opts->output);
        if (want_bus) {
                r = bl_loop_add_time(c->event, &c->bus_timer, now, on_bus_timer, c);
                if (r < 0)
                        return r;
        }
        return 0;
}
