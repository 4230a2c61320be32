/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog: records process events and replays recordings. Subcommands are
 * dispatched from the table below; each lives in a file of its own.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "exit-status.h"
#include "log.h"
#include "macro.h"
#include "verbs.h"

struct verb {
        const char *name;
        int (*run)(int argc, char *argv[]);
        const char *help;
};

static const struct verb verbs[] = {
        { "record", verb_record, "Record every process event while a command runs" },
        { "tree", verb_tree, "Show the recorded processes as a tree" },
        { "why", verb_why, "Show who started the processes matching a pattern" },
        { "events", verb_events, "List events in order, like forkstat" },
        { "stats", verb_stats, "Sum up a recording: top commands, failures, lost events, units" },
        { "diff", verb_diff, "Compare two recordings: which commands are new, gone or changed" },
        { "export", verb_export, "Export events as JSON (one object per line)" },
        { "verify", verb_verify, "Check a recording for damage" },
        { "plot", verb_plot, "Draw the processes as an SVG timeline" },
        { "boots", verb_boots, "List the recorded boots" },
        { "stop", verb_stop, "Stop the running recorder and wait for it to finish" },
};

static void help(void)
{
        printf("Usage: bootlog [--version] [--help] COMMAND [ARGS...]\n"
               "\n"
               "Record every process that runs, who started it and with what arguments,\n"
               "and answer questions about it afterwards.\n"
               "\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %-8s %s\n", verbs[i].name, verbs[i].help);
        printf("\n"
               "Run 'bootlog COMMAND --help' for a command's options.\n"
               "Exit status: 0 success, 1 damaged, missing or unreadable data, 2 usage error.\n");
}

int main(int argc, char *argv[])
{
        const char *name;

        log_set_program("bootlog");

        if (argc < 2) {
                help();
                return EXIT_USAGE;
        }
        name = argv[1];
        if (streq(name, "--help") || streq(name, "-h") || streq(name, "help")) {
                help();
                return 0;
        }
        if (streq(name, "--version")) {
                printf("bootlog %s\n", PACKAGE_VERSION);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name)) {
                        /* getopt_long() in the verb sees argv[0] = the verb's name. */
                        optind = 0;
                        return verbs[i].run(argc - 1, argv + 1);
                }

        log_error("Unknown command '%s'. Try 'bootlog --help'.", name);
        return EXIT_USAGE;
}
