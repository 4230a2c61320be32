/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog export: every recorded event to stdout, for other programs. This
 * file is the verb: its options, the recording it selects, and each event
 * through the writer of the chosen format, one file each: export-json.c
 * (NDJSON, the default), export-csv.c and export-journal.c (the journal
 * export format).
 */
#include <getopt.h>

#include "event.h"
#include "exit-status.h"
#include "export-shared.h"
#include "log.h"
#include "macro.h"
#include "options.h"
#include "output.h"
#include "reader.h"
#include "recording-select.h"
#include "recording.h"
#include "verbs.h"

enum format {
        FORMAT_JSON,
        FORMAT_CSV,
        FORMAT_JOURNAL,
        _FORMAT_MAX,
        _FORMAT_INVALID = -EINVAL,
};

static const char *const format_names[_FORMAT_MAX] = {
        [FORMAT_JSON] = "json",
        [FORMAT_CSV] = "csv",
        [FORMAT_JOURNAL] = "journal",
};

static struct selection arg_selection;
static enum format arg_format = FORMAT_JSON;

static const struct {
        int (*header)(void);
        int (*event)(const struct recording *rec, const struct bl_event *ev);
        void (*finish)(void); /* writes out what the writer still holds; also after a failure */
        bool model;           /* needs the process tree: the image a process ran at each event */
} writers[_FORMAT_MAX] = {
        [FORMAT_JSON] = { NULL, export_json_event, export_json_finish, false },
        [FORMAT_CSV] = { export_csv_header, export_csv_event, NULL, false },
        [FORMAT_JOURNAL] = { NULL, export_journal_event, NULL, true },
};

static enum format format_from_string(const char *s)
{
        for (size_t i = 0; i < _FORMAT_MAX; i++)
                if (streq(format_names[i], s))
                        return (enum format)i;
        return _FORMAT_INVALID;
}

static int help(void)
{
        printf("Usage: bootlog export [-b [N|ID]] [-D DIR] [--file FILE] [--format json|csv|journal]\n"
               "\n"
               "Write every recorded event to standard output: as one JSON object per line\n"
               "(NDJSON, the default), as CSV with a header row and one row per event, or in\n"
               "the systemd journal export format, one entry per event at its recorded time:\n"
               "\n"
               "  bootlog export --format=journal | /lib/systemd/systemd-journal-remote -o X.journal -\n"
               "\n"
               "See bootlog(1) for the fields.\n"
               "\n"
               "Options:\n%s"
               "      --format FORMAT   output format: json (the default), csv or journal\n"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n",
               SELECTION_HELP);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        enum { ARG_FORMAT = 0x100 };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
                { "format", required_argument, NULL, ARG_FORMAT },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h" SELECTION_OPTSTRING, options, NULL)) >= 0)
                switch (c) {
                case 'h': help(); return 0;
                case 'f':
                case 'b':
                case 'D':
                        if (selection_parse_option(&arg_selection, "export", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                case ARG_FORMAT:
                        arg_format = format_from_string(optarg);
                        if (arg_format >= 0)
                                break;
                        usage_error("export", "unsupported format '%s' (supported: json, csv, journal)",
                                    optarg);
                        return -EINVAL;
                default: return getopt_failed("export", c, argv);
                }

        if (optind < argc) {
                usage_error("export", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (selection_check(&arg_selection, "export") < 0)
                return -EINVAL;
        return 1;
}

/* Every event through the format's writer. Returns 0, or -errno after logging it. */
static int export_events(struct recording *rec)
{
        struct bl_event ev;
        int r;

        bl_event_init(&ev, 0);
        for (;;) {
                r = bl_reader_next(rec->reader, &ev);
                if (r < 0)
                        return log_error_errno(r, "Failed to read '%s': %m", rec->path);
                if (r == 0)
                        return 0;

                r = writers[arg_format].event(rec, &ev);
                bl_event_done(&ev);
                if (r < 0)
                        return log_oom();
                /* A closed pipe or a full disk: flush_stdout() reports it. */
                if (ferror(stdout))
                        return 0;
        }
}

int verb_export(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        r = recording_select(&arg_selection, writers[arg_format].model, &rec);
        if (r < 0)
                return EXIT_DATA;
        if (writers[arg_format].model) {
                /* Building the model read every event: back to the first. */
                r = bl_reader_rewind(rec.reader);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", rec.path);
                        return EXIT_DATA;
                }
        }

        if (writers[arg_format].header)
                writers[arg_format].header();
        r = export_events(&rec);
        if (writers[arg_format].finish)
                writers[arg_format].finish();
        if (r < 0)
                return EXIT_DATA;

        r = flush_stdout();
        recording_warn_damage(&rec);
        return r < 0 ? EXIT_DATA : 0;
}
