/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog boots: the recorded boots, oldest first, like journalctl
 * --list-boots. The index is what -b takes: 0 the newest, -1 the one before.
 *
 *     IDX BOOT ID                          FIRST EVENT         LAST EVENT            EVENTS    LOST  FILE
 *      -1 0f1e2d3c4b5a69788796a5b4c3d2e1f0 2026-11-22 17:28:53 2026-11-22 17:30:01    48211       0  ...
 *       0 1a2b3c4d5e6f708192a3b4c5d6e7f809 2026-11-23 08:00:02 2026-11-23 08:00:41     5012       3  ...
 *
 * A recording still being written is marked "(recording)" after its file name.
 * Each recording is read through to count its events and find its last one;
 * a damaged one is listed with a note, a file whose header cannot be read at
 * the end without an index.
 */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <time.h>

#include "escape.h"
#include "event.h"
#include "exit-status.h"
#include "format.h"
#include "log.h"
#include "macro.h"
#include "options.h"
#include "output.h"
#include "reader.h"
#include "recording-select.h"
#include "verbs.h"

static const char *arg_directory;
static bool arg_json;
static bool arg_utc;

/* What reading a recording through found. */
struct summary {
        uint64_t first_ns, last_ns; /* CLOCK_MONOTONIC of the first and last event; 0 if none */
        uint64_t events, lost, overflows;
        size_t n_damage;
        bool clean_end;
        int error; /* negative errno if reading failed part-way */
};

static void summarize(const struct boot_entry *e, struct summary *ret)
{
        struct bl_reader *reader = NULL;
        struct bl_reader_stats stats;
        const struct bl_damage *damage;
        struct summary s = {};
        int r;

        r = bl_reader_open(e->path, &reader);
        if (r < 0) {
                /* Gone or changed since it was listed. */
                s.error = r;
                *ret = s;
                return;
        }
        for (;;) {
                _cleanup_(bl_event_done) struct bl_event ev;

                bl_event_init(&ev, 0);
                r = bl_reader_next(reader, &ev);
                if (r < 0) {
                        s.error = r;
                        break;
                }
                if (r == 0)
                        break;
                if (ev.ts_ns > 0) {
                        if (s.first_ns == 0)
                                s.first_ns = ev.ts_ns;
                        s.last_ns = MAX(s.last_ns, ev.ts_ns);
                }
                if (ev.type == BL_EVENT_LOST) {
                        if (bl_lost_reason_is_event_loss(ev.lost.reason))
                                s.lost += ev.lost.count;
                        if (ev.lost.reason == BL_LOST_ENOBUFS)
                                s.overflows++;
                }
        }
        bl_reader_get_stats(reader, &stats);
        s.events = stats.events;
        s.clean_end = stats.clean_end;
        s.n_damage = bl_reader_get_damage(reader, &damage);
        bl_reader_free(reader);
        *ret = s;
}

/* "2026-11-22 17:28:53" in local time (or UTC), or "-". */
static char *format_time(char *buf, size_t size, const struct boot_entry *e, uint64_t ts_ns)
{
        struct tm tm;
        time_t sec;

        if (ts_ns == 0 || e->info.ref_realtime_ns == 0) {
                snprintf(buf, size, "-");
                return buf;
        }
        sec = (time_t)(bl_file_info_realtime(&e->info, ts_ns) / NSEC_PER_SEC);
        if (!(arg_utc ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm)) ||
            strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                snprintf(buf, size, "?");
        return buf;
}

/* "recording", "not closed cleanly", "damaged: 2 byte ranges skipped", joined with ", "; "" if none. */
static char *format_notes(char *buf, size_t size, const struct boot_entry *e, const struct summary *s)
{
        size_t n = 0;

        buf[0] = 0;
        if (e->error < 0) {
                snprintf(buf, size, "%s: %s",
                         e->error == -EBADMSG || e->error == -EPROTONOSUPPORT ? "damaged" : "unreadable",
                         boot_entry_error(e));
                return buf;
        }
        if (e->locked)
                n += (size_t)snprintf(buf + n, size - n, "recording");
        else if (!s->clean_end)
                n += (size_t)snprintf(buf + n, size - n, "not closed cleanly");
        if (s->n_damage > 0 && n < size)
                n += (size_t)snprintf(buf + n, size - n, "%sdamaged: %zu byte range%s skipped",
                                      n ? ", " : "", s->n_damage, s->n_damage == 1 ? "" : "s");
        if (s->error < 0 && n < size)
                snprintf(buf + n, size - n, "%sread failed: %s", n ? ", " : "", strerror(-s->error));
        return buf;
}

static int print_text(const struct boot_list *l, const struct summary *sums)
{
        printf("%3s %-32s %-19s %-19s %8s %7s  %s\n", "IDX", "BOOT ID", "FIRST EVENT", "LAST EVENT",
               "EVENTS", "LOST", "FILE");
        for (size_t i = 0; i < l->n; i++) {
                const struct boot_entry *e = &l->entries[i];
                const struct summary *s = &sums[i];
                _cleanup_free_ char *path = bl_escape(e->path);
                char idx[24], id[33], first[64], last[64], events[24], lost[24], notes[192];

                if (!path)
                        return log_oom();
                format_notes(notes, sizeof(notes), e, s);
                if (e->error < 0) {
                        printf("%3s %-32s %-19s %-19s %8s %7s  %s (%s)\n", "-", "?", "-", "-", "-", "-",
                               path, notes);
                        continue;
                }
                snprintf(idx, sizeof(idx), "%" PRId64, boot_list_index(l, i));
                if (bl_id128_is_null(e->info.boot_id))
                        snprintf(id, sizeof(id), "?");
                else
                        bl_id128_to_string(e->info.boot_id, id);
                snprintf(events, sizeof(events), "%" PRIu64, s->events);
                snprintf(lost, sizeof(lost), "%" PRIu64, s->lost);
                printf("%3s %-32s %-19s %-19s %8s %7s  %s", idx, id,
                       format_time(first, sizeof(first), e, s->first_ns),
                       format_time(last, sizeof(last), e, s->last_ns), events, lost, path);
                if (notes[0])
                        printf(" (%s)", notes);
                putchar('\n');
        }
        return 0;
}

static int json_add(struct json_object *o, const char *key, struct json_object *v)
{
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int entry_to_json(const struct boot_list *l, size_t i, const struct summary *s,
                         struct json_object **ret)
{
        const struct boot_entry *e = &l->entries[i];
        struct json_object *o;
        char id[33];
        int r = 0;

        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        r = json_add(o, "path", json_object_new_string(e->path));
        if (r >= 0 && e->error < 0) {
                if (json_object_object_add(o, "index", NULL) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = json_add(o, "error", json_object_new_string(boot_entry_error(e)));
                if (r < 0) {
                        json_object_put(o);
                        return r;
                }
                *ret = o;
                return 0;
        }
        if (r >= 0)
                r = json_add(o, "index", json_object_new_int64(boot_list_index(l, i)));
        if (r >= 0)
                r = json_add(o, "boot_id", json_object_new_string(bl_id128_to_string(e->info.boot_id, id)));
        if (r >= 0 && !bl_id128_is_null(e->info.machine_id))
                r = json_add(o, "machine_id",
                             json_object_new_string(bl_id128_to_string(e->info.machine_id, id)));
        if (r >= 0)
                r = json_add(o, "hostname", json_object_new_string(e->info.hostname));
        if (r >= 0)
                r = json_add(o, "kernel_release", json_object_new_string(e->info.kernel_release));
        if (r >= 0)
                r = json_add(o, "start_realtime_us",
                             json_object_new_int64((int64_t)(e->info.ref_realtime_ns / NSEC_PER_USEC)));
        if (r >= 0 && s->first_ns > 0)
                r = json_add(o, "first_realtime_us",
                             json_object_new_int64(
                                 (int64_t)(bl_file_info_realtime(&e->info, s->first_ns) / NSEC_PER_USEC)));
        if (r >= 0 && s->last_ns > 0)
                r = json_add(o, "last_realtime_us",
                             json_object_new_int64(
                                 (int64_t)(bl_file_info_realtime(&e->info, s->last_ns) / NSEC_PER_USEC)));
        if (r >= 0)
                r = json_add(o, "events", json_object_new_int64((int64_t)s->events));
        if (r >= 0)
                r = json_add(o, "lost", json_object_new_int64((int64_t)s->lost));
        if (r >= 0)
                r = json_add(o, "overflows", json_object_new_int64((int64_t)s->overflows));
        if (r >= 0)
                r = json_add(o, "damaged_ranges", json_object_new_int64((int64_t)s->n_damage));
        if (r >= 0)
                r = json_add(o, "size", json_object_new_int64((int64_t)e->size));
        if (r >= 0)
                r = json_add(o, "recording", json_object_new_boolean(e->locked));
        if (r >= 0)
                r = json_add(o, "clean_end", json_object_new_boolean(s->clean_end));
        if (r >= 0 && s->error < 0)
                r = json_add(o, "error", json_object_new_string(strerror(-s->error)));
        if (r < 0) {
                json_object_put(o);
                return r;
        }
        *ret = o;
        return 0;
}

static int print_json(const struct boot_list *l, const struct summary *sums)
{
        struct json_object *a;
        const char *s;
        int r;

        a = json_object_new_array();
        if (!a)
                return log_oom();
        for (size_t i = 0; i < l->n; i++) {
                struct json_object *o;

                r = entry_to_json(l, i, &sums[i], &o);
                if (r >= 0 && json_object_array_add(a, o) < 0) {
                        json_object_put(o);
                        r = -ENOMEM;
                }
                if (r < 0) {
                        json_object_put(a);
                        return log_oom();
                }
        }
        s = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                  JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s) {
                json_object_put(a);
                return log_oom();
        }
        printf("%s\n", s);
        json_object_put(a);
        return 0;
}

static int help(void)
{
        printf("Usage: bootlog boots [-D DIR] [--json] [--utc]\n"
               "\n"
               "List the recorded boots, oldest first, like journalctl --list-boots: the\n"
               "index -b takes (0 the newest, -1 the one before, ...), the boot ID, the times\n"
               "of the first and last events, how many events were recorded and lost, and\n"
               "the file. A recording still being written is marked \"recording\", one whose\n"
               "recorder stopped abruptly \"not closed cleanly\"; damage is noted. Exits 1\n"
               "if there is no readable recording.\n"
               "\n"
               "Options:\n"
               "  -D, --directory DIR   look for recordings in DIR instead of\n"
               "                        " RECORDINGS_DIR_PERSISTENT " and " RECORDINGS_DIR_RUNTIME "\n"
               "      --json            print a JSON array, one object per recording\n"
               "      --utc             show times in UTC instead of local time\n"
               "  -h, --help            show this help\n");
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_JSON = 0x100, ARG_UTC };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "directory", required_argument, NULL, 'D' },
                { "json", no_argument, NULL, ARG_JSON },
                { "utc", no_argument, NULL, ARG_UTC },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hD:", options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case 'D': arg_directory = optarg; break;
                case ARG_JSON: arg_json = true; break;
                case ARG_UTC: arg_utc = true; break;
                default: return getopt_failed("boots", c, argv);
                }

        if (optind < argc) {
                usage_error("boots", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int verb_boots(int argc, char *argv[])
{
        _cleanup_(boot_list_done) struct boot_list l = {};
        _cleanup_free_ struct summary *sums = NULL;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        (void)glyphs_get(); /* sets the locale: local time */

        r = boot_list_load(arg_directory, &l);
        if (r < 0)
                return EXIT_DATA;
        if (l.n == 0) {
                log_error("No recordings in %s.", l.where);
                return EXIT_DATA;
        }

        sums = calloc(l.n, sizeof(*sums));
        if (!sums) {
                log_oom();
                return EXIT_DATA;
        }
        for (size_t i = 0; i < l.n_readable; i++)
                summarize(&l.entries[i], &sums[i]);

        r = arg_json ? print_json(&l, sums) : print_text(&l, sums);
        if (r < 0)
                return EXIT_DATA;
        r = flush_stdout();
        /* Listed, but there is nothing -b could read. */
        return r < 0 || l.n_readable == 0 ? EXIT_DATA : 0;
}
