/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog events: every event in file (= time) order, one line each, like
 * forkstat, but with microsecond wall-clock times and nothing guessed:
 *
 *   TIME                        EVENT        PID  DETAILS
 *   2026-11-22 11:17:13.402113  fork        1419  parent 1418  ruby /usr/bin/foo -c /etc/foo.conf
 *   2026-11-22 11:17:13.402871  exec        1419  sudo /usr/local/sbin/foo-script
 *   2026-11-22 11:17:13.431002  exit        1419  exit 0 after 31.0ms  sudo /usr/local/sbin/foo-script
 *
 * Fork and exit lines name the program involved; that comes from a process
 * model built from the events already shown, in the same single pass, so the
 * name is always the one recorded for that very process. Filters only choose
 * which lines print: every event still goes into the model.
 *
 * --follow reads a recording while it is being written, as tail -f does: at
 * the end of the file it looks for more every 200 ms, and stops at the END
 * record, on SIGINT or SIGTERM, or when the recorder holding the file's lock
 * went away without writing END. When bootlogd moves the recording from
 * /run/bootlog to /var/log/bootlog (or another -D directory), it follows the
 * copy there: the same header, the same bytes up to where it was read.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "escape.h"
#include "event.h"
#include "exit-status.h"
#include "format.h"
#include "label.h"
#include "log.h"
#include "macro.h"
#include "model.h"
#include "options.h"
#include "output.h"
#include "path-util.h"
#include "reader.h"
#include "recording-select.h"
#include "recording.h"
#include "recordings.h"
#include "text-width.h"
#include "time-bound.h"
#include "verbs.h"

static struct selection arg_selection;
static bool arg_utc;
static bool arg_full;
static uint32_t arg_types; /* 1 << enum bl_event_type; 0: all */
static pid_t arg_pid;
static const char *arg_comm;
static struct time_bound arg_since, arg_until;
static bool arg_follow;
static enum color_mode arg_color;
static bool arg_no_pager;

/* How often --follow looks for more at the end of the file. */
#define FOLLOW_POLL_NS (200 * NSEC_PER_MSEC)
/* How long a recording may stay unlocked and still before --follow takes its recorder for gone. */
#define FOLLOW_UNLOCKED_POLLS 10

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
        stop_requested = 1;
}

/* Where the details column starts: "TIME  EVENT PID  " (see the header's format). */
#define DETAILS_COLUMN (26 + 2 + 8 + 1 + 7 + 2)

/*
 * The cut for a label printed after used characters of the line: to the
 * terminal's width (never below 16 characters), else LABEL_MAX_CHARS; 0
 * (none) with --full.
 */
static size_t fit(size_t used)
{
        size_t columns = output_columns();

        if (arg_full)
                return 0;
        if (columns == 0)
                return LABEL_MAX_CHARS;
        return used + 16 < columns ? columns - used : 16;
}

/* Prints an image's label, grey when /proc could not be read for it. */
static int print_label(const struct bl_proc_info *info, size_t used)
{
        _cleanup_free_ char *s = cut_chars(info_label(info, 0), fit(used));

        if (!s)
                return log_oom();
        if (info->status != BL_INFO_OK)
                printf("%s%s%s", ansi(ANSI_GREY), s, ansi(ANSI_RESET));
        else
                fputs(s, stdout);
        return 0;
}

static int print_fork(const struct recording *rec, const struct bl_event *ev, size_t used)
{
        const struct bl_process *parent;
        _cleanup_free_ char *label = NULL;
        int n;

        if (ev->tid != ev->pid) {
                printf("tid %d  thread", (int)ev->tid);
                return 0;
        }
        n = printf("parent %d", (int)ev->fork.parent_pid);
        /* The child starts as a copy of its parent: name the parent's image at this moment. */
        parent = bl_model_find(rec->model, ev->fork.parent_pid, ev->ts_ns);
        if (!parent)
                return 0;
        label = cut_chars(process_label_at(parent, ev->ts_ns, 0), fit(used + (size_t)MAX(n, 0) + 2));
        if (!label)
                return log_oom();
        printf("  %s", label);
        return 0;
}

/* "exit 3" red, "killed by SIGSEGV (core dumped)" bold red, "exit 0" plain. */
static enum ansi_color status_color(uint32_t status)
{
        int code = 0, sig = 0;
        bool core = false;

        if (!bl_exit_status_decode(status, &code, &sig, &core))
                return ANSI_RED_BOLD;
        return code != 0 ? ANSI_RED : _ANSI_COLOR_MAX;
}

static int print_exit(const struct recording *rec, const struct bl_event *ev, size_t used)
{
        enum ansi_color color = status_color(ev->exit.code);
        const char *on = color < _ANSI_COLOR_MAX ? ansi(color) : "",
                   *off = color < _ANSI_COLOR_MAX ? ansi(ANSI_RESET) : "";
        const struct bl_process *p;
        _cleanup_free_ char *label = NULL;
        char status[64], dur[32], after[48] = "";

        format_wait_status(status, sizeof(status), ev->exit.code);
        if (ev->tid != ev->pid) {
                printf("tid %d  thread %s%s%s", (int)ev->tid, on, status, off);
                return 0;
        }
        p = bl_model_find(rec->model, ev->pid, ev->ts_ns);
        if (p && !p->exited && p->start_ns > 0 && ev->ts_ns >= p->start_ns)
                snprintf(after, sizeof(after), " after %s",
                         bl_format_duration(dur, sizeof(dur), ev->ts_ns - p->start_ns));
        printf("%s%s%s%s", on, status, off, after);
        if (!p || p->exited)
                return 0;
        label = cut_chars(process_label_at(p, ev->ts_ns, 0), fit(used + strlen(status) + strlen(after) + 2));
        if (!label)
                return log_oom();
        printf("  %s", label);
        return 0;
}

/* "used 0.120 s CPU (0.100 s user, 0.020 s system), read 1.2 MiB, wrote 0 B  PROGRAM" */
static int print_cost(const struct recording *rec, const struct bl_event *ev, size_t used)
{
        _cleanup_free_ char *detail = bl_event_detail(ev), *label = NULL;
        const char *d;
        const struct bl_process *p;

        if (!detail)
                return log_oom();
        d = strncmp(detail, ": ", 2) == 0 ? detail + 2 : detail;
        fputs(d, stdout);
        /* The record follows its task's exit: the process is the one that just ended. */
        p = bl_model_find(rec->model, ev->pid, ev->ts_ns);
        if (!p)
                return 0;
        label = cut_chars(process_label_at(p, ev->ts_ns, 0), fit(used + strlen(d) + 2));
        if (!label)
                return log_oom();
        printf("  %s", label);
        return 0;
}

static void print_lost(const struct bl_event *ev)
{
        const char *reason = bl_lost_reason_to_string(ev->lost.reason) ?: "unknown reason";

        fputs(ansi(ANSI_YELLOW), stdout);
        if (ev->lost.count > 0)
                printf("%" PRIu64 " event%s lost (%s", ev->lost.count, ev->lost.count == 1 ? "" : "s",
                       reason);
        else
                printf("events lost, count unknown (%s", reason);
        if (ev->lost.reason == BL_LOST_SEQ_GAP)
                printf(", cpu %" PRIu32, ev->lost.cpu);
        printf(")%s", ansi(ANSI_RESET));
}

/* Prints the details column; the caller has printed time, type and pid. */
static int print_details(const struct recording *rec, const struct bl_event *ev)
{
        _cleanup_free_ char *s = NULL;
        size_t used = DETAILS_COLUMN;
        char off[32];
        int n;

        /* Events of a thread other than the main one say which. */
        if (ev->tid > 0 && ev->tid != ev->pid && ev->type != BL_EVENT_FORK && ev->type != BL_EVENT_EXIT) {
                n = printf("tid %d  ", (int)ev->tid);
                used += (size_t)MAX(n, 0);
        }

        switch (ev->type) {
        case BL_EVENT_FORK: return print_fork(rec, ev, used);
        case BL_EVENT_EXIT: return print_exit(rec, ev, used);
        case BL_EVENT_EXEC: return print_label(&ev->info, used);
        case BL_EVENT_SNAPSHOT:
                if (ev->info.ppid > 0) {
                        n = printf("ppid %d  ", (int)ev->info.ppid);
                        used += (size_t)MAX(n, 0);
                }
                if (ev->info.start_ns > 0) {
                        n = printf("started %s  ", format_offset(off, sizeof(off), rec, ev->info.start_ns));
                        used += (size_t)MAX(n, 0);
                }
                return print_label(&ev->info, used);
        case BL_EVENT_UID: printf("ruid=%" PRIu32 " euid=%" PRIu32, ev->id.real, ev->id.effective); return 0;
        case BL_EVENT_GID: printf("rgid=%" PRIu32 " egid=%" PRIu32, ev->id.real, ev->id.effective); return 0;
        case BL_EVENT_SID: printf("new session"); return 0;
        case BL_EVENT_PTRACE:
                if (ev->ptrace.tracer_pid == 0)
                        printf("tracer detached");
                else
                        printf("traced by %d", (int)ev->ptrace.tracer_pid);
                return 0;
        case BL_EVENT_COMM:
                s = bl_escape(ev->info.comm);
                if (!s)
                        return log_oom();
                printf("comm %s", s);
                return 0;
        case BL_EVENT_COREDUMP:
                printf("%score dumped%s", ansi(ANSI_RED_BOLD), ansi(ANSI_RESET));
                if (ev->coredump.parent_pid > 0)
                        printf(" (parent %d)", (int)ev->coredump.parent_pid);
                return 0;
        case BL_EVENT_LOST: print_lost(ev); return 0;
        case BL_EVENT_COST: return print_cost(rec, ev, used);
        case BL_EVENT_UNKNOWN:
                printf("kernel event 0x%08" PRIx32 " this version cannot decode (%" PRIu32 " bytes)",
                       ev->unknown.what, ev->unknown.len);
                return 0;
        case BL_EVENT_START:
                s = bl_escape(rec->info.hostname);
                if (!s)
                        return log_oom();
                printf("recording started");
                if (*s)
                        printf(" on %s", s);
                if (ev->start.recorder_pid > 0)
                        printf(" (recorder pid %d)", (int)ev->start.recorder_pid);
                return 0;
        case BL_EVENT_END:
                printf("%srecording ended cleanly%s (%s): %" PRIu64 " events, %" PRIu64 " lost",
                       ansi(ANSI_GREEN), ansi(ANSI_RESET),
                       bl_stop_reason_to_string(ev->end.reason) ?: "unknown", ev->end.events, ev->end.lost);
                return 0;
        default: printf("event type %d", (int)ev->type); return 0;
        }
}

/* ---- filters ---- */

static bool comm_matches(const struct bl_proc_info *info)
{
        return (info->comm[0] && fnmatch(arg_comm, info->comm, 0) == 0) ||
               (info->argv && info->argv[0] && fnmatch(arg_comm, path_basename(info->argv[0]), 0) == 0);
}

/*
 * Whether ev's process matches --comm: for an exec or snapshot the new image;
 * otherwise the image the process ran then (a fork: its parent's, which the
 * child is a copy of), or its command name.
 */
static bool event_comm_matches(const struct recording *rec, const struct bl_event *ev)
{
        const struct bl_process *p;
        const struct bl_exec *e;

        switch (ev->type) {
        case BL_EVENT_EXEC:
        case BL_EVENT_SNAPSHOT: return comm_matches(&ev->info);
        case BL_EVENT_COMM:
                if (fnmatch(arg_comm, ev->info.comm, 0) == 0)
                        return true;
                break;
        default: break;
        }
        p = ev->type == BL_EVENT_FORK ? bl_model_find(rec->model, ev->fork.parent_pid, ev->ts_ns)
                                      : bl_model_find(rec->model, ev->pid, ev->ts_ns);
        if (!p)
                return false;
        if (p->comm[0] && fnmatch(arg_comm, p->comm, 0) == 0)
                return true;
        e = bl_process_image_at(p, ev->ts_ns, NULL);
        return e && comm_matches(&e->info);
}

static bool event_shown(const struct recording *rec, const struct bl_event *ev, int64_t since, int64_t until)
{
        if (arg_types != 0 && !(ev->type > 0 && ev->type < 32 && (arg_types & (UINT32_C(1) << ev->type))))
                return false;
        if (arg_pid > 0 && ev->pid != arg_pid &&
            !(ev->type == BL_EVENT_FORK && ev->fork.parent_pid == arg_pid))
                return false;
        if ((int64_t)ev->ts_ns < since || (int64_t)ev->ts_ns > until)
                return false;
        if (arg_comm && !event_comm_matches(rec, ev))
                return false;
        return true;
}

/* ---- following ---- */

struct follow {
        dev_t dev;
        ino_t ino;
        int lock_fd;   /* our own fd of the file, to see whether its recorder still holds the lock */
        bool locked;   /* a recorder held the lock when we started: its going away ends the recording */
        unsigned idle; /* polls in a row without new data and without the lock held */
};

static void follow_done(struct follow *f)
{
        f->lock_fd = safe_close(f->lock_fd);
}

static bool lock_held(int fd)
{
        if (flock(fd, LOCK_SH | LOCK_NB) < 0)
                return errno == EWOULDBLOCK;
        (void)flock(fd, LOCK_UN);
        return false;
}

/* Opens rec's file again for following: a reader that waits for blocks still being written. */
static int follow_open(struct recording *rec, struct follow *f)
{
        struct bl_reader *reader;
        struct stat st;
        int fd, r;

        fd = open(rec->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open '%s': %m", rec->path);
        if (fstat(fd, &st) < 0) {
                r = log_error_errno(errno, "Failed to open '%s': %m", rec->path);
                safe_close(fd);
                return r;
        }
        f->dev = st.st_dev;
        f->ino = st.st_ino;
        f->lock_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        f->locked = f->lock_fd >= 0 && lock_held(f->lock_fd);
        r = bl_reader_open_fd(fd, &reader);
        if (r < 0)
                return log_error_errno(r, "Failed to open '%s': %m", rec->path);
        bl_reader_set_follow(reader, true);
        bl_reader_free(rec->reader);
        rec->reader = reader;
        return 0;
}

/*
 * rec's file is gone from its path: finds the copy bootlogd moved it to in
 * the -D directory (or the default ones) and goes on reading there. Returns
 * 1 when following the copy, 0 if there is none, or -errno.
 */
static int follow_moved(struct recording *rec, struct follow *f)
{
        _cleanup_(boot_list_done) struct boot_list l = {};
        struct stat st;
        int r;

        r = boot_list_load(arg_selection.directory, &l);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l.n_readable; i++) {
                struct boot_entry *e = &l.entries[i];
                char *path;
                int fd;

                if (!bl_recording_same(&e->info, &rec->info) || streq(e->path, rec->path))
                        continue;
                fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0 || fstat(fd, &st) < 0) {
                        safe_close(fd);
                        continue;
                }
                safe_close(f->lock_fd);
                f->lock_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                f->locked = f->lock_fd >= 0 && lock_held(f->lock_fd);
                f->dev = st.st_dev;
                f->ino = st.st_ino;
                r = bl_reader_replace_fd(rec->reader, fd);
                if (r < 0)
                        return log_error_errno(r, "Failed to follow the recording to '%s': %m", e->path);
                path = strdup(e->path);
                if (!path)
                        return log_oom();
                log_info("Recording moved to '%s'; following it there.", path);
                free(rec->path);
                rec->path = path;
                return 1;
        }
        return 0;
}

/*
 * At the end of what was written: waits for more. Returns 1 to read on, 0 when
 * following is over (a signal, or the recorder went away), or -errno after
 * logging.
 */
static int follow_wait(struct recording *rec, struct follow *f)
{
        struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)FOLLOW_POLL_NS };
        struct stat st;
        int r;

        r = flush_stdout();
        if (r < 0)
                return r;
        for (;;) {
                if (stop_requested)
                        return 0;
                (void)nanosleep(&ts, NULL);
                if (stop_requested)
                        return 0;

                r = bl_reader_refresh(rec->reader);
                if (r < 0)
                        return log_error_errno(r, "Failed to read '%s': %m", rec->path);
                if (r > 0) {
                        f->idle = 0;
                        return 1;
                }

                /* Moved away (bootlogd's move to persistent storage) or removed. */
                if (stat(rec->path, &st) < 0 || st.st_dev != f->dev || st.st_ino != f->ino) {
                        r = follow_moved(rec, f);
                        if (r != 0)
                                return r;
                        log_error("'%s' was moved or removed, and no copy of it is in %s.", rec->path,
                                  arg_selection.directory
                                      ?: RECORDINGS_DIR_PERSISTENT " or " RECORDINGS_DIR_RUNTIME);
                        return -ENOENT;
                }

                /* A recorder that held the lock and let go without END (killed, say) writes no more. */
                if (f->locked && !lock_held(f->lock_fd)) {
                        if (++f->idle >= FOLLOW_UNLOCKED_POLLS) {
                                log_warning("The recorder of '%s' stopped without ending the recording.",
                                            rec->path);
                                return 0;
                        }
                } else
                        f->idle = 0;
        }
}

/* ---- command line ---- */

/* "fork, exec, ..."; with wrap, broken into lines for --help's second column. */
static const char *event_type_names(char *buf, size_t size, bool wrap)
{
        size_t n = 0, line = 0;

        buf[0] = 0;
        for (int t = 1; t < _BL_EVENT_TYPE_MAX && n < size; t++) {
                const char *name = bl_event_type_to_string(t);
                const char *sep = n == 0                             ? ""
                                  : wrap && line + strlen(name) > 50 ? ",\n                        "
                                                                     : ", ";
                int k = snprintf(buf + n, size - n, "%s%s", sep, name);

                line = strchr(sep, '\n') ? strlen(name) : line + (size_t)MAX(k, 0);
                n += (size_t)MAX(k, 0);
        }
        return buf;
}

/* "exec,exit" into arg_types; a usage_error() naming the valid types for an unknown one. */
static int parse_types(const char *arg)
{
        _cleanup_free_ char *copy = strdup(arg);
        char *save = NULL, names[256];

        if (!copy)
                return log_oom();
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                enum bl_event_type t = bl_event_type_from_string(w);

                if (t < 0) {
                        usage_error("events", "unknown event type '%s' (one of: %s)", w,
                                    event_type_names(names, sizeof(names), false));
                        return -EINVAL;
                }
                arg_types |= UINT32_C(1) << t;
        }
        if (arg_types == 0) {
                usage_error("events", "empty event type list (one of: %s)",
                            event_type_names(names, sizeof(names), false));
                return -EINVAL;
        }
        return 0;
}

static int help(void)
{
        char names[256];

        printf("Usage: bootlog events [-b [N|ID]] [-D DIR] [--file FILE] [OPTIONS...]\n"
               "\n"
               "List every recorded event in order, one per line, like forkstat: wall-clock\n"
               "time (microseconds), event type, process ID and details.\n"
               "\n"
               "Options:\n%s"
               "  -e, --type TYPES      only events of these types (a comma-separated list):\n"
               "                        %s\n"
               "  -p, --pid PID         only events of this process (and its forks)\n"
               "  -c, --comm GLOB       only events of processes whose command name or\n"
               "                        program file name matches GLOB\n"
               "%s"
               "  -F, --follow          keep reading while the recording is being written,\n"
               "                        until it ends (or Ctrl-C)\n"
               "      --utc             show times in UTC instead of local time\n"
               "  -l, --full            do not cut command lines to the terminal's width\n"
               "                        (or at %d characters when it has none)\n"
               "%s"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n",
               SELECTION_HELP, event_type_names(names, sizeof(names), true), TIME_BOUND_HELP,
               LABEL_MAX_CHARS, OUTPUT_HELP);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum {
                ARG_UTC = 0x100,
                ARG_COLOR,
                ARG_NO_PAGER,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
                { "type", required_argument, NULL, 'e' },
                { "pid", required_argument, NULL, 'p' },
                { "comm", required_argument, NULL, 'c' },
                { "since", required_argument, NULL, 'S' },
                { "until", required_argument, NULL, 'U' },
                { "follow", no_argument, NULL, 'F' },
                { "utc", no_argument, NULL, ARG_UTC },
                { "full", no_argument, NULL, 'l' },
                { "color", required_argument, NULL, ARG_COLOR },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h" SELECTION_OPTSTRING "e:p:c:S:U:Fl", options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case 'f':
                case 'b':
                case 'D':
                        if (selection_parse_option(&arg_selection, "events", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                case 'e':
                        if (parse_types(optarg) < 0)
                                return -EINVAL;
                        break;
                case 'p':
                        if (parse_pid(optarg, &arg_pid) < 0) {
                                usage_error("events", "invalid PID '%s'", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'c': arg_comm = optarg; break;
                case 'S':
                case 'U':
                        if (time_bound_parse(optarg, c == 'S' ? &arg_since : &arg_until) < 0) {
                                usage_error("events",
                                            "invalid time '%s' for --%s (5.5, +2s, 300ms, HH:MM:SS)", optarg,
                                            c == 'S' ? "since" : "until");
                                return -EINVAL;
                        }
                        break;
                case 'F': arg_follow = true; break;
                case ARG_UTC: arg_utc = true; break;
                case 'l': arg_full = true; break;
                case ARG_COLOR:
                        if (parse_color_option("events", optarg, &arg_color) < 0)
                                return -EINVAL;
                        break;
                case ARG_NO_PAGER: arg_no_pager = true; break;
                default: return getopt_failed("events", c, argv);
                }

        if (optind < argc) {
                usage_error("events", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (selection_check(&arg_selection, "events") < 0)
                return -EINVAL;
        return 1;
}

int verb_events(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        _cleanup_(follow_done) struct follow follow = { .lock_fd = -1 };
        int64_t since, until;
        bool ended = false;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        (void)glyphs_get(); /* sets the locale: local time, the ellipsis */

        r = recording_select(&arg_selection, false, &rec);
        if (r < 0)
                return EXIT_DATA;
        if (time_bound_resolve(&arg_since, &rec, arg_utc, false, &since) < 0 ||
            time_bound_resolve(&arg_until, &rec, arg_utc, true, &until) < 0) {
                log_error("Cannot resolve a wall-clock --since/--until in '%s': it has no clock reference.",
                          rec.path);
                return EXIT_DATA;
        }
        r = bl_model_new(&rec.model);
        if (r < 0) {
                log_oom();
                return EXIT_DATA;
        }
        if (arg_follow) {
                struct sigaction sa = { .sa_handler = on_stop_signal };

                if (follow_open(&rec, &follow) < 0)
                        return EXIT_DATA;
                /* No SA_RESTART: the poll's sleep ends at once. */
                sigemptyset(&sa.sa_mask);
                (void)sigaction(SIGINT, &sa, NULL);
                (void)sigaction(SIGTERM, &sa, NULL);
        }

        /* Following is a live view: no pager to hold the lines back. */
        output_begin(arg_color, arg_no_pager || arg_follow);
        printf("%s%-26s  %-8s %7s  %s%s\n", ansi(ANSI_BOLD), "TIME", "EVENT", "PID", "DETAILS",
               ansi(ANSI_RESET));
        while (!ended) {
                _cleanup_(bl_event_done) struct bl_event ev;
                char when[64], pid[16];

                bl_event_init(&ev, 0);
                r = bl_reader_next(rec.reader, &ev);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", rec.path);
                        return EXIT_DATA;
                }
                if (r == 0) {
                        if (!arg_follow)
                                break;
                        r = follow_wait(&rec, &follow);
                        if (r < 0)
                                return EXIT_DATA;
                        if (r == 0)
                                break;
                        continue;
                }
                ended = arg_follow && ev.type == BL_EVENT_END;

                if (event_shown(&rec, &ev, since, until)) {
                        if (ev.pid > 0)
                                snprintf(pid, sizeof(pid), "%d", (int)ev.pid);
                        else
                                snprintf(pid, sizeof(pid), "-");
                        printf("%-26s  %-8s %7s  ",
                               format_wallclock(when, sizeof(when), &rec, ev.ts_ns, arg_utc),
                               bl_event_type_to_string(ev.type) ?: "?", pid);
                        /* The line is printed before the event joins the model, which takes over its
                         * strings. */
                        r = print_details(&rec, &ev);
                        if (r < 0)
                                return EXIT_DATA;
                        putchar('\n');
                }

                r = bl_model_add(rec.model, &ev);
                if (r < 0) {
                        log_oom();
                        return EXIT_DATA;
                }
        }

        r = flush_stdout();
        recording_warn_damage(&rec);
        return r < 0 ? EXIT_DATA : 0;
}
