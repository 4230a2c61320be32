/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the reading verbs: opening a recording, formatting times
 * and exit statuses, labelling program images, reporting usage errors.
 *
 * Numbers are formatted with integer arithmetic only: the verbs call
 * setlocale(LC_ALL, "") for the codeset, and "%f" would then print "0,5s" in
 * some locales, which scripts reading our output do not expect.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <time.h>

#include "bootlog.h"
#include "cli.h"
#include "escape.h"
#include "log.h"

int recording_open(const char *path, bool build_model, struct recording *ret)
{
        struct recording rec = {};
        struct bl_event ev;
        bool first = true;
        int r;

        rec.path = strdup(path);
        if (!rec.path)
                return log_oom();

        r = bl_reader_open(path, &rec.reader);
        if (r == -EBADMSG) {
                log_error("'%s' is not a bootlog recording", path);
                goto fail;
        }
        if (r == -EPROTONOSUPPORT) {
                log_error("'%s' uses a recording format version or feature this bootlog cannot read", path);
                goto fail;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to open '%s': %m", path);
                goto fail;
        }
        rec.info = *bl_reader_get_info(rec.reader);
        rec.start_ns = rec.info.ref_monotonic_ns;

        if (build_model) {
                r = bl_model_new(&rec.model);
                if (r < 0) {
                        log_oom();
                        goto fail;
                }
        }

        /*
         * The START record comes first in a recording; its time is the origin of
         * every offset shown. Without a model only that first event is read.
         */
        bl_event_init(&ev, 0);
        for (;;) {
                r = bl_reader_next(rec.reader, &ev);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", path);
                        goto fail;
                }
                if (r == 0)
                        break;
                if (first && ev.type == BL_EVENT_START && ev.ts_ns > 0)
                        rec.start_ns = ev.ts_ns;
                first = false;
                if (!build_model) {
                        bl_event_done(&ev);
                        break;
                }
                r = bl_model_add(rec.model, &ev);
                bl_event_done(&ev);
                if (r < 0) {
                        log_oom();
                        goto fail;
                }
        }

        if (!build_model) {
                r = bl_reader_rewind(rec.reader);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", path);
                        goto fail;
                }
        }

        *ret = rec;
        return 0;
fail:
        recording_done(&rec);
        return r < 0 ? r : -EIO;
}

void recording_done(struct recording *rec)
{
        if (!rec)
                return;
        bl_model_free(rec->model);
        bl_reader_free(rec->reader);
        free(rec->path);
        *rec = (struct recording){};
}

void recording_warn_damage(const struct recording *rec)
{
        const struct bl_damage *damage;
        uint64_t bytes = 0;
        size_t n;

        if (!rec->reader)
                return;
        n = bl_reader_get_damage(rec->reader, &damage);
        if (n == 0)
                return;
        for (size_t i = 0; i < n; i++)
                bytes += damage[i].length;
        log_warning("warning: %zu damaged byte range%s (%" PRIu64 " bytes) skipped in '%s'; "
                    "events there are missing. Run 'bootlog verify --file %s' for details.",
                    n, n == 1 ? "" : "s", bytes, rec->path, rec->path);
}

char *format_duration(char *buf, size_t size, uint64_t ns)
{
        if (ns < NSEC_PER_USEC)
                snprintf(buf, size, "%" PRIu64 "ns", ns);
        else if (ns < NSEC_PER_MSEC)
                snprintf(buf, size, "%" PRIu64 "us", ns / NSEC_PER_USEC);
        else if (ns < NSEC_PER_SEC)
                snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "ms", ns / NSEC_PER_MSEC,
                         ns % NSEC_PER_MSEC / (NSEC_PER_MSEC / 10));
        else if (ns < 60 * NSEC_PER_SEC)
                snprintf(buf, size, "%" PRIu64 ".%03" PRIu64 "s", ns / NSEC_PER_SEC,
                         ns % NSEC_PER_SEC / NSEC_PER_MSEC);
        else if (ns < 3600 * NSEC_PER_SEC)
                snprintf(buf, size, "%" PRIu64 "m%02" PRIu64 "s", ns / (60 * NSEC_PER_SEC),
                         ns / NSEC_PER_SEC % 60);
        else
                snprintf(buf, size, "%" PRIu64 "h%02" PRIu64 "m", ns / (3600 * NSEC_PER_SEC),
                         ns / (60 * NSEC_PER_SEC) % 60);
        return buf;
}

char *format_offset(char *buf, size_t size, const struct recording *rec, uint64_t ts_ns)
{
        char sign = ts_ns >= rec->start_ns ? '+' : '-';
        uint64_t d = ts_ns >= rec->start_ns ? ts_ns - rec->start_ns : rec->start_ns - ts_ns;
        char dur[32];

        if (ts_ns == 0) {
                snprintf(buf, size, "?");
                return buf;
        }
        /* Milliseconds order start-up; beyond 1000s (long-running snapshot processes) minutes do. */
        if (d < 1000 * NSEC_PER_SEC)
                snprintf(buf, size, "%c%" PRIu64 ".%03" PRIu64 "s", sign, d / NSEC_PER_SEC,
                         d % NSEC_PER_SEC / NSEC_PER_MSEC);
        else
                snprintf(buf, size, "%c%s", sign, format_duration(dur, sizeof(dur), d));
        return buf;
}

char *format_wallclock(char *buf, size_t size, const struct recording *rec, uint64_t ts_ns, bool utc)
{
        uint64_t rt;
        time_t sec;
        struct tm tm;
        size_t n;

        if (ts_ns == 0 || rec->info.ref_realtime_ns == 0) {
                snprintf(buf, size, "?");
                return buf;
        }
        rt = bl_file_info_realtime(&rec->info, ts_ns);
        sec = (time_t)(rt / NSEC_PER_SEC);
        if (!(utc ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm))) {
                snprintf(buf, size, "?");
                return buf;
        }
        n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
        if (n == 0) {
                snprintf(buf, size, "?");
                return buf;
        }
        snprintf(buf + n, size - n, ".%06" PRIu64, rt % NSEC_PER_SEC / NSEC_PER_USEC);
        return buf;
}

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

int usage_error(const char *verb, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "bootlog %s: ", verb);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, ". Try 'bootlog %s --help'.\n", verb);
        return EXIT_USAGE;
}

int getopt_failed(const char *verb, int c, char *argv[])
{
        /*
         * optopt names a short option (or a long one's value); the failing
         * argument itself says best what a long option was, "--foo=bar" included.
         */
        const char *arg = optind > 0 ? argv[optind - 1] : NULL;
        char shortopt[3] = { '-', (char)optopt, 0 };
        const char *what;

        if (arg && strncmp(arg, "--", 2) == 0)
                what = arg;
        else if (optopt > 0 && optopt < 0x100)
                what = shortopt;
        else
                what = arg ?: "?";

        if (c == ':')
                usage_error(verb, "option '%s' requires an argument", what);
        else
                usage_error(verb, "unrecognized option '%s'", what);
        return -EINVAL;
}

int parse_pid(const char *s, pid_t *ret)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end || v <= 0 || v > INT_MAX)
                return -EINVAL;
        *ret = (pid_t)v;
        return 0;
}

const struct glyphs *glyphs_get(void)
{
        static const struct glyphs utf8 = {
                .branch = "├─ ",
                .last = "└─ ",
                .vertical = "│  ",
                .space = "   ",
                .chain = "├",
                .chain_last = "└",
                .rail = "│",
                .exec = "↳",
                .ellipsis = "…",
        };
        static const struct glyphs ascii = {
                .branch = "|- ",
                .last = "`- ",
                .vertical = "|  ",
                .space = "   ",
                .chain = "|",
                .chain_last = "`",
                .rail = "|",
                .exec = "->",
                .ellipsis = "...",
        };
        static const struct glyphs *cached;

        if (!cached) {
                setlocale(LC_ALL, "");
                cached = streq(nl_langinfo(CODESET), "UTF-8") ? &utf8 : &ascii;
        }
        return cached;
}

size_t utf8_chars(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                if (((unsigned char)*s & 0xc0) != 0x80)
                        n++;
        return n;
}

/* Cuts the (valid UTF-8, escaped) string s after max_chars characters, marking the cut. Takes s over. */
static char *cut_chars(char *s, size_t max_chars)
{
        const char *ellipsis = glyphs_get()->ellipsis;
        size_t n = 0;
        char *p, *r;

        if (!s || max_chars == 0)
                return s;
        for (p = s; *p; p++)
                if (((unsigned char)*p & 0xc0) != 0x80 && n++ == max_chars)
                        break;
        if (!*p)
                return s;
        r = malloc((size_t)(p - s) + strlen(ellipsis) + 1);
        if (r)
                stpcpy(mempcpy(r, s, (size_t)(p - s)), ellipsis);
        free(s);
        return r;
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

pid_t process_reparented_to(const struct bl_process *p)
{
        if (p->parent && p->reported_ppid > 0 && p->reported_ppid != p->parent->pid)
                return p->reported_ppid;
        return 0;
}

void print_lost_warning(const struct recording *rec)
{
        struct bl_model_stats stats;

        if (!rec->model)
                return;
        bl_model_get_stats(rec->model, &stats);
        if (stats.lost == 0 && stats.overflows == 0)
                return;
        printf("warning: events were lost while recording (%" PRIu64 " counted", stats.lost);
        if (stats.overflows > 0)
                printf(", %" PRIu64 " overflow%s of unknown size", stats.overflows,
                       stats.overflows == 1 ? "" : "s");
        printf("): processes may be missing, or shown without their parent, an exec or their exit\n");
}

int flush_stdout(void)
{
        if (fflush(stdout) != 0 || ferror(stdout))
                return log_error_errno(errno > 0 ? -errno : -EIO, "Failed to write output: %m");
        return 0;
}
