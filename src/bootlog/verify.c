/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog verify: reads every block of a recording and says whether all of it
 * checked out. Exit status 0 means no damage; a recording that was not closed
 * cleanly (the recorder was killed, the machine lost power, or it is still
 * recording) is not damaged for that alone: every block written is intact.
 */
#include <getopt.h>
#include <inttypes.h>

#include "event.h"
#include "exit-status.h"
#include "log.h"
#include "macro.h"
#include "options.h"
#include "output.h"
#include "reader.h"
#include "recording-select.h"
#include "recording.h"
#include "verbs.h"

static struct selection arg_selection;

static int help(void)
{
        printf("Usage: bootlog verify [-b [N|ID]] [-D DIR] [--file FILE]\n"
               "\n"
               "Read every event of a recording and report damaged byte ranges (torn or\n"
               "corrupt blocks). Exits 0 if the recording is intact, 1 if it is damaged.\n"
               "\n"
               "Options:\n%s"
               "  -h, --help            show this help\n"
               "\n"
               "Without -b or --file: the current boot's recording, else the newest.\n",
               SELECTION_HELP);
        return 0;
}

static int parse_argv(int argc, char *argv[])
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "file", required_argument, NULL, 'f' },
                { "boot", optional_argument, NULL, 'b' },
                { "directory", required_argument, NULL, 'D' },
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
                        if (selection_parse_option(&arg_selection, "verify", c, argc, argv) < 0)
                                return -EINVAL;
                        break;
                default: return getopt_failed("verify", c, argv);
                }

        if (optind < argc) {
                usage_error("verify", "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (selection_check(&arg_selection, "verify") < 0)
                return -EINVAL;
        return 1;
}

int verb_verify(int argc, char *argv[])
{
        _cleanup_(recording_done) struct recording rec = {};
        struct bl_reader_stats stats;
        const struct bl_damage *damage;
        uint64_t events = 0;
        size_t n_damage;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;

        r = recording_select(&arg_selection, false, &rec);
        if (r < 0)
                return EXIT_DATA;

        for (;;) {
                _cleanup_(bl_event_done) struct bl_event ev;

                bl_event_init(&ev, 0);
                r = bl_reader_next(rec.reader, &ev);
                if (r < 0) {
                        log_error_errno(r, "Failed to read '%s': %m", rec.path);
                        return EXIT_DATA;
                }
                if (r == 0)
                        break;
                /* Counted here: the reader's count includes the START record recording_open() peeked at. */
                events++;
        }

        bl_reader_get_stats(rec.reader, &stats);
        n_damage = bl_reader_get_damage(rec.reader, &damage);

        if (n_damage == 0)
                printf("%s: %" PRIu64 " events in %" PRIu64 " blocks, OK\n", rec.path, events,
                       stats.blocks_ok);
        else {
                for (size_t i = 0; i < n_damage; i++)
                        printf("%s: damaged bytes %" PRIu64 "-%" PRIu64 " (%" PRIu64 " bytes): %s\n",
                               rec.path, damage[i].offset,
                               damage[i].offset + damage[i].length - (damage[i].length > 0),
                               damage[i].length, damage[i].reason ?: "damaged");
                printf("%s: %" PRIu64 " intact events read from %" PRIu64
                       " good blocks; %zu damaged range%s\n",
                       rec.path, events, stats.blocks_ok, n_damage, n_damage == 1 ? "" : "s");
        }
        if (!stats.clean_end)
                printf("%s: not closed cleanly: the recorder was stopped abruptly or is still running\n",
                       rec.path);

        r = flush_stdout();
        if (r < 0)
                return EXIT_DATA;
        return n_damage > 0 ? EXIT_DATA : 0;
}
