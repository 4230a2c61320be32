/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the reading verbs: opening a recording, formatting times
 * and exit statuses, labelling program images, reporting usage errors.
 *
 * Numbers are formatted with integer arithmetic only: the verbs call
 * setlocale(LC_ALL, "") for the codeset, and "%f" would then print "0,5s" in
 * some locales, which scripts reading our output do not expect.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "bootlog.h"
#include "cli.h"
#include "report.h"
#include "escape.h"
#include "log.h"
#include "output.h"

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
        return bl_format_duration(buf, size, ns);
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

/* Reads 1 to max_digits decimal digits at *p into *ret; false if there are none. */
static bool parse_digits(const char **p, int max_digits, int *ret)
{
        int v = 0, n = 0;

        while (n < max_digits && **p >= '0' && **p <= '9') {
                v = v * 10 + (**p - '0');
                (*p)++;
                n++;
        }
        if (n == 0)
                return false;
        *ret = v;
        return true;
}

/* ".123456789" (any number of digits, nanoseconds kept) at *p, if there; false for a dot without digits. */
static bool parse_fraction(const char **p, uint32_t *ret)
{
        uint32_t ns = 0, scale = 100000000;

        *ret = 0;
        if (**p != '.')
                return true;
        (*p)++;
        if (!(**p >= '0' && **p <= '9'))
                return false;
        for (; **p >= '0' && **p <= '9'; (*p)++) {
                ns += (uint32_t)(**p - '0') * scale;
                scale /= 10;
        }
        *ret = ns;
        return true;
}

static int parse_wallclock(const char *s, struct time_bound *b)
{
        const char *p = s;
        int v;

        /* "YYYY-MM-DD " first if the string has a date. */
        if (strchr(s, '-')) {
                if (!parse_digits(&p, 4, &b->year) || *p++ != '-' || !parse_digits(&p, 2, &b->month) ||
                    *p++ != '-' || !parse_digits(&p, 2, &b->day) || (*p != ' ' && *p != 'T'))
                        return -EINVAL;
                p++;
                if (b->month < 1 || b->month > 12 || b->day < 1 || b->day > 31)
                        return -EINVAL;
                b->has_date = true;
        }
        if (!parse_digits(&p, 2, &b->hour) || *p++ != ':' || !parse_digits(&p, 2, &b->minute))
                return -EINVAL;
        if (*p == ':') {
                p++;
                if (!parse_digits(&p, 2, &v))
                        return -EINVAL;
                b->second = v;
                if (!parse_fraction(&p, &b->nsec))
                        return -EINVAL;
        }
        if (*p || b->hour > 23 || b->minute > 59 || b->second > 60)
                return -EINVAL;
        b->wallclock = true;
        return 0;
}

static int parse_offset(const char *s, int64_t *ret)
{
        static const struct {
                const char *suffix;
                uint64_t ns;
        } units[] = {
                /* Longest first: "ms" is not "m" followed by "s". */
                { "min", 60 * NSEC_PER_SEC }, { "sec", NSEC_PER_SEC },      { "ns", 1 },
                { "us", NSEC_PER_USEC },      { "ms", NSEC_PER_MSEC },      { "s", NSEC_PER_SEC },
                { "m", 60 * NSEC_PER_SEC },   { "h", 3600 * NSEC_PER_SEC },
        };
        const char *p = s;
        bool negative = false;
        uint64_t total = 0;

        if (*p == '+' || *p == '-')
                negative = *p++ == '-';
        if (!*p)
                return -EINVAL;
        while (*p) {
                uint64_t whole = 0, frac_ns = 0, unit = 0, frac_scale = NSEC_PER_SEC;
                const char *start = p;
                size_t i;

                for (; *p >= '0' && *p <= '9'; p++) {
                        if (whole > UINT64_C(1) << 40)
                                return -ERANGE;
                        whole = whole * 10 + (uint64_t)(*p - '0');
                }
                /* The fraction as a part of NSEC_PER_SEC, scaled by the unit below. */
                if (*p == '.') {
                        p++;
                        for (; *p >= '0' && *p <= '9'; p++) {
                                frac_scale /= 10;
                                frac_ns += (uint64_t)(*p - '0') * frac_scale;
                        }
                }
                if (p == start || (p == start + 1 && *start == '.'))
                        return -EINVAL;
                for (i = 0; i < ELEMENTSOF(units); i++)
                        if (strncmp(p, units[i].suffix, strlen(units[i].suffix)) == 0) {
                                unit = units[i].ns;
                                p += strlen(units[i].suffix);
                                break;
                        }
                if (i == ELEMENTSOF(units)) {
                        /* A bare number is seconds, and only as the last part. */
                        if (*p)
                                return -EINVAL;
                        unit = NSEC_PER_SEC;
                }
                if (whole > (UINT64_C(1) << 62) / unit)
                        return -ERANGE;
                /* frac_ns is the fraction in billionths: of the unit, not of a second. */
                total += whole * unit + (unit >= NSEC_PER_SEC ? frac_ns * (unit / NSEC_PER_SEC)
                                                              : frac_ns * unit / NSEC_PER_SEC);
                if (total > UINT64_C(1) << 62)
                        return -ERANGE;
        }
        *ret = negative ? -(int64_t)total : (int64_t)total;
        return 0;
}

int time_bound_parse(const char *s, struct time_bound *ret)
{
        struct time_bound b = { .set = true };
        int r;

        if (strchr(s, ':'))
                r = parse_wallclock(s, &b);
        else
                r = parse_offset(s, &b.offset_ns);
        if (r < 0)
                return -EINVAL;
        *ret = b;
        return 0;
}

int time_bound_resolve(const struct time_bound *b, const struct recording *rec, bool utc, bool upper,
                       int64_t *ret)
{
        uint64_t start_rt;
        int64_t rt;
        struct tm tm = {};
        time_t sec;

        if (!b->set) {
                *ret = upper ? INT64_MAX : INT64_MIN;
                return 0;
        }
        if (!b->wallclock) {
                *ret = (int64_t)rec->start_ns + b->offset_ns;
                return 0;
        }
        if (rec->info.ref_realtime_ns == 0)
                return -EINVAL;

        start_rt = bl_file_info_realtime(&rec->info, rec->start_ns);
        if (b->has_date) {
                tm.tm_year = b->year - 1900;
                tm.tm_mon = b->month - 1;
                tm.tm_mday = b->day;
        } else {
                time_t s0 = (time_t)(start_rt / NSEC_PER_SEC);

                if (!(utc ? gmtime_r(&s0, &tm) : localtime_r(&s0, &tm)))
                        return -EINVAL;
        }
        tm.tm_hour = b->hour;
        tm.tm_min = b->minute;
        tm.tm_sec = b->second;
        tm.tm_isdst = -1;
        sec = utc ? timegm(&tm) : mktime(&tm);
        if (sec == (time_t)-1)
                return -EINVAL;
        rt = (int64_t)sec * (int64_t)NSEC_PER_SEC + b->nsec;
        if (!b->has_date && rt < (int64_t)start_rt - 12 * 3600 * (int64_t)NSEC_PER_SEC)
                rt += 24 * 3600 * (int64_t)NSEC_PER_SEC;
        /* The header's clock pair turns wall-clock time into the recording's CLOCK_MONOTONIC. */
        *ret = (int64_t)rec->info.ref_monotonic_ns + (rt - (int64_t)rec->info.ref_realtime_ns);
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
                .times = "×",
                .warning = "⚠",
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
                .times = "x",
                .warning = "!",
        };

        return output_is_utf8() ? &utf8 : &ascii;
}

size_t utf8_chars(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                if (((unsigned char)*s & 0xc0) != 0x80)
                        n++;
        return n;
}

char *cut_chars(char *s, size_t max_chars)
{
        const char *ellipsis = glyphs_get()->ellipsis;
        size_t e = utf8_chars(ellipsis), keep, n = 0;
        char *p, *r;

        if (!s || max_chars == 0 || utf8_chars(s) <= max_chars)
                return s;
        /* The ellipsis counts in max_chars: a cut line fits the width it was cut for. */
        keep = max_chars > e ? max_chars - e : 1;
        /* By whole characters and whole escapes: "\xf…" would read as something it is not. */
        for (p = s; *p;) {
                size_t chars = 1, bytes = 1;

                if (*p == '\\' && p[1])
                        chars = bytes = p[1] == 'x' && p[2] && p[3] ? 4 : 2;
                else
                        while ((p[bytes] & 0xc0) == 0x80)
                                bytes++;
                if (n + chars > keep)
                        break;
                n += chars;
                p += bytes;
        }
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

pid_t process_reparented_to(const struct bl_process *p)
{
        if (p->parent && p->reported_ppid > 0 && p->reported_ppid != p->parent->pid)
                return p->reported_ppid;
        return 0;
}

void jobj_process_end(struct jobj *j, const struct bl_process *p)
{
        bool core = false;
        int code, sig;
        pid_t reparented;

        if (p->exited) {
                jobj_int(j, "exit_ns", (int64_t)p->exit_ns);
                if (p->start_ns > 0 && p->exit_ns >= p->start_ns)
                        jobj_int(j, "duration_ns", (int64_t)(p->exit_ns - p->start_ns));
                else
                        jobj_null(j, "duration_ns");
                if (bl_exit_status_decode(p->exit_status, &code, &sig, &core)) {
                        jobj_int(j, "exit_code", code);
                        jobj_null(j, "signal");
                        jobj_null(j, "signal_name");
                } else {
                        jobj_null(j, "exit_code");
                        jobj_int(j, "signal", sig);
                        jobj_str(j, "signal_name", bl_signal_to_string(sig));
                }
        } else {
                jobj_null(j, "exit_ns");
                jobj_null(j, "duration_ns");
                jobj_null(j, "exit_code");
                jobj_null(j, "signal");
                jobj_null(j, "signal_name");
        }
        jobj_bool(j, "core_dumped", core || p->coredump);
        jobj_bool(j, "running", !p->exited);
        reparented = process_reparented_to(p);
        if (reparented > 0)
                jobj_int(j, "reparented_to", reparented);
        else
                jobj_null(j, "reparented_to");
}

void print_lost_warning(const struct recording *rec)
{
        struct bl_model_stats stats;

        if (!rec->model)
                return;
        bl_model_get_stats(rec->model, &stats);
        if (stats.lost == 0 && stats.overflows == 0)
                return;
        printf("%swarning: events were lost while recording (%" PRIu64 " counted", ansi(ANSI_YELLOW),
               stats.lost);
        if (stats.overflows > 0)
                printf(", %" PRIu64 " overflow%s of unknown size", stats.overflows,
                       stats.overflows == 1 ? "" : "s");
        printf("): processes may be missing, or shown without their parent, an exec or their exit%s\n",
               ansi(ANSI_RESET));
}

int flush_stdout(void)
{
        if (fflush(stdout) != 0 || ferror(stdout))
                return log_error_errno(errno > 0 ? -errno : -EIO, "Failed to write output: %m");
        return 0;
}

/* "0", "-1", "+2", "3": a boot offset. */
static int parse_boot_offset(const char *s, int64_t *ret)
{
        const char *digits = s[0] == '-' || s[0] == '+' ? s + 1 : s;
        long long v;
        char *end;

        if (!(*digits >= '0' && *digits <= '9'))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* A boot ID or offset into s; s is left alone if arg is neither. */
static int parse_boot(const char *arg, struct selection *s)
{
        uint8_t id[BL_ID128_SIZE];
        int64_t offset;

        if (bl_id128_from_string(arg, id) >= 0) {
                s->boot_by_id = true;
                memcpy(s->boot_id, id, BL_ID128_SIZE);
                return 0;
        }
        if (parse_boot_offset(arg, &offset) >= 0) {
                s->boot_by_id = false;
                s->boot_offset = offset;
                return 0;
        }
        return -EINVAL;
}

int selection_parse_option(struct selection *s, const char *verb, int c, int argc, char *argv[])
{
        switch (c) {
        case 'f': s->file = optarg; return 0;
        case 'D': s->directory = optarg; return 0;
        case 'b':
                s->boot = true;
                s->boot_by_id = false;
                s->boot_offset = 0;
                if (optarg) {
                        if (parse_boot(optarg, s) < 0) {
                                usage_error(verb,
                                            "invalid boot '%s' (an offset such as 0, -1 or 1, or a boot ID)",
                                            optarg);
                                return -EINVAL;
                        }
                } else if (optind < argc && parse_boot(argv[optind], s) >= 0)
                        /* "-b -1", "--boot 2": the value as the next argument, as journalctl takes it. */
                        optind++;
                return 0;
        default: usage_error(verb, "unexpected option %d", c); return -EINVAL;
        }
}

int selection_check(const struct selection *s, const char *verb)
{
        if (s->file && s->boot) {
                usage_error(verb, "--file and -b/--boot cannot be combined");
                return -EINVAL;
        }
        if (s->file && s->directory) {
                usage_error(verb, "--file and -D/--directory cannot be combined");
                return -EINVAL;
        }
        return 0;
}

static void boot_entry_done(struct boot_entry *e)
{
        free(e->path);
        *e = (struct boot_entry){};
}

void boot_list_done(struct boot_list *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                boot_entry_done(&l->entries[i]);
        free(l->entries);
        free(l->where);
        *l = (struct boot_list){};
}

const char *boot_entry_error(const struct boot_entry *e)
{
        if (e->error == -EBADMSG)
                return "not a bootlog recording";
        if (e->error == -EPROTONOSUPPORT)
                return "a recording format version or feature this bootlog cannot read";
        return strerror(-e->error);
}

/* A recording found by bl_recordings_scan() in one of the directories looked at. */
struct found {
        struct bl_recording rec;
        const char *dir; /* as given */
        unsigned source; /* as boot_entry.source */
};

struct found_list {
        struct found *f;
        size_t n, alloc;
};

static void found_list_done(struct found_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                bl_recording_done(&l->f[i].rec);
        free(l->f);
        *l = (struct found_list){};
}

/* The recordings of dir, appended to l. */
static int scan_directory(const char *dir, unsigned source, bool missing_ok, struct found_list *l)
{
        _cleanup_(bl_recordings_done) struct bl_recordings recs = {};
        _cleanup_close_ int fd = -1;
        int r;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT && missing_ok)
                        return 0;
                return log_error_errno(negative_errno(), "Failed to open directory '%s': %m", dir);
        }
        r = bl_recordings_scan(fd, &recs);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Failed to read directory '%s': %m", dir);

        if (l->n + recs.n > l->alloc) {
                size_t a = MAX(l->alloc * 2, l->n + recs.n);
                struct found *p = reallocarray(l->f, a, sizeof(*p));

                if (!p)
                        return log_oom();
                l->f = p;
                l->alloc = a;
        }
        for (size_t i = 0; i < recs.n; i++) {
                l->f[l->n++] = (struct found){ .rec = recs.entries[i], .dir = dir, .source = source };
                recs.entries[i] = (struct bl_recording){};
        }
        return 0;
}

/*
 * While the recording of the current boot is moved from /run to /var/log,
 * both hold it: the /var/log copy counts once it is complete (as large).
 * Different recordings of one boot (a recorder started twice) all count.
 */
static void drop_duplicates(struct found_list *l)
{
        bool *drop = calloc(l->n ?: 1, sizeof(bool));
        size_t k = 0;

        if (!drop)
                return; /* both are shown: not worth failing for */
        for (size_t i = 0; i < l->n; i++) {
                const struct found *run = &l->f[i];

                if (run->source != 1 || run->rec.error < 0)
                        continue;
                for (size_t j = 0; j < l->n && !drop[i]; j++) {
                        const struct found *var = &l->f[j];

                        if (var->source != 0 || var->rec.error < 0 || drop[j] ||
                            !bl_recording_same(&var->rec.info, &run->rec.info))
                                continue;
                        if (var->rec.size >= run->rec.size)
                                drop[i] = true;
                        else
                                drop[j] = true;
                }
        }
        for (size_t i = 0; i < l->n; i++)
                if (drop[i])
                        bl_recording_done(&l->f[i].rec);
                else
                        l->f[k++] = l->f[i];
        l->n = k;
        free(drop);
}

/*
 * The recordings' one order (recordings.h). Files of one name and start in
 * both directories (both unreadable, or two recordings that began in the same
 * nanosecond) go as their paths sort: /run's first.
 */
static int found_compare(const void *a, const void *b)
{
        const struct found *x = a, *y = b;
        int r;

        r = bl_recording_compare(&x->rec, &y->rec);
        if (r != 0)
                return r;
        return strcmp(x->dir, y->dir);
}

int boot_list_load(const char *directory, struct boot_list *ret)
{
        _cleanup_(boot_list_done) struct boot_list l = {};
        _cleanup_(found_list_done) struct found_list found = {};
        int r;

        if (directory) {
                r = scan_directory(directory, 0, false, &found);
                if (r < 0)
                        return r;
                l.where = strdup(directory);
        } else {
                r = scan_directory(RECORDINGS_DIR_PERSISTENT, 0, true, &found);
                if (r < 0)
                        return r;
                r = scan_directory(RECORDINGS_DIR_RUNTIME, 1, true, &found);
                if (r < 0)
                        return r;
                drop_duplicates(&found);
                l.where = strdup(RECORDINGS_DIR_PERSISTENT " or " RECORDINGS_DIR_RUNTIME);
        }
        if (!l.where)
                return log_oom();

        if (found.n > 0) {
                qsort(found.f, found.n, sizeof(*found.f), found_compare);
                l.entries = calloc(found.n, sizeof(*l.entries));
                if (!l.entries)
                        return log_oom();
        }
        for (size_t i = 0; i < found.n; i++) {
                const struct found *f = &found.f[i];
                size_t dlen = strlen(f->dir);
                struct boot_entry *e = &l.entries[l.n];

                /* "DIR/name", not "DIR//name", whatever DIR ends with. */
                while (dlen > 1 && f->dir[dlen - 1] == '/')
                        dlen--;
                if (asprintf(&e->path, "%.*s/%s", (int)dlen, f->dir, f->rec.name) < 0)
                        return log_oom();
                e->error = f->rec.error;
                e->info = f->rec.info;
                e->size = f->rec.size;
                e->source = f->source;
                e->locked = f->rec.locked;
                l.n++;
                if (e->error >= 0)
                        l.n_readable = l.n;
        }

        *ret = l;
        l = (struct boot_list){};
        return 0;
}

/* The running kernel's boot id. */
static int current_boot_id(uint8_t ret[BL_ID128_SIZE])
{
        _cleanup_fclose_ FILE *f = NULL;
        char line[64];

        f = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (!f)
                return negative_errno();
        if (!fgets(line, sizeof(line), f))
                return -EIO;
        line[strcspn(line, "\n")] = 0;
        return bl_id128_from_string(line, ret);
}

/* Index into l->entries of the boot s asks for; logs why there is none. */
static int boot_list_pick(const struct boot_list *l, const struct selection *s, size_t *ret)
{
        size_t n = l->n_readable;
        uint8_t id[BL_ID128_SIZE];
        char idstr[33];

        if (n == 0) {
                if (l->n > 0)
                        log_error("No readable recordings in %s: '%s': %s.", l->where, l->entries[0].path,
                                  boot_entry_error(&l->entries[0]));
                else
                        log_error("No recordings in %s.", l->where);
                return -ENOENT;
        }

        if (!s->boot) {
                /* The current boot's recording if there is one, else the newest. */
                if (current_boot_id(id) >= 0)
                        for (size_t i = n; i > 0; i--)
                                if (memcmp(l->entries[i - 1].info.boot_id, id, BL_ID128_SIZE) == 0) {
                                        *ret = i - 1;
                                        return 0;
                                }
                *ret = n - 1;
                return 0;
        }

        if (s->boot_by_id) {
                /* Several recordings of one boot (bootlog record): the newest. */
                for (size_t i = n; i > 0; i--)
                        if (memcmp(l->entries[i - 1].info.boot_id, s->boot_id, BL_ID128_SIZE) == 0) {
                                *ret = i - 1;
                                return 0;
                        }
                log_error("Boot %s not found in %s.", bl_id128_to_string(s->boot_id, idstr), l->where);
                return -ENOENT;
        }

        if (s->boot_offset <= 0 && s->boot_offset >= -(int64_t)(n - 1)) {
                *ret = (size_t)((int64_t)(n - 1) + s->boot_offset);
                return 0;
        }
        if (s->boot_offset > 0 && (uint64_t)s->boot_offset <= n) {
                *ret = (size_t)(s->boot_offset - 1);
                return 0;
        }
        log_error("No boot with offset %" PRId64 ": %zu boot%s recorded.", s->boot_offset, n,
                  n == 1 ? "" : "s");
        return -ENOENT;
}

int recording_select(const struct selection *s, bool build_model, struct recording *ret)
{
        _cleanup_(boot_list_done) struct boot_list l = {};
        size_t i;
        int r;

        if (s->file)
                return recording_open(s->file, build_model, ret);

        r = boot_list_load(s->directory, &l);
        if (r < 0)
                return r;
        r = boot_list_pick(&l, s, &i);
        if (r < 0)
                return r;
        log_debug("Reading '%s'.", l.entries[i].path);
        return recording_open(l.entries[i].path, build_model, ret);
}
