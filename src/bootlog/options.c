/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line errors of the reading verbs; see options.h. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit-status.h"
#include "options.h"
#include "output.h"

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

int parse_color_option(const char *verb, const char *arg, enum color_mode *ret)
{
        enum color_mode m = color_mode_from_string(arg);

        if (m < 0) {
                usage_error(verb, "invalid --color value '%s' (auto, always or never)", arg);
                return -EINVAL;
        }
        *ret = m;
        return 0;
}
