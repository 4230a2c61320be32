/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The terminal side of the text views: colour, a pager, the width of the
 * terminal and its character set, as systemd's tools handle them.
 *
 * A view parses --color=WHEN and --no-pager, loads its data, and before its
 * first line of output calls
 *
 *         output_begin(arg_color, arg_no_pager);
 *
 * which starts the pager (if stdout is a terminal) and decides about colour
 * once. Then ansi(ANSI_RED) and friends give the escape sequences to print
 * around a field ("" when colour is off), output_columns() the width to cut
 * lines to (0: no limit). Errors that end a view before output_begin() reach
 * the terminal directly, not a pager.
 *
 * Colour sequences go around whole fields that were escaped already
 * (bl_escape()): recorded text never holds an ESC byte of its own, so what
 * is coloured can never be confused with what was recorded.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

enum color_mode {
        COLOR_AUTO,   /* colour if stdout (or the pager we started) is a terminal, unless $NO_COLOR */
        COLOR_NEVER,  /* --color=never */
        COLOR_ALWAYS, /* --color=always: even into a pipe, even with $NO_COLOR */
        _COLOR_MODE_MAX,
        _COLOR_MODE_INVALID = -EINVAL,
};

/* "auto", "never", "always" (and "yes"/"no" as always/never); _COLOR_MODE_INVALID otherwise. */
enum color_mode color_mode_from_string(const char *s);

/* Lines for a verb's --help, in the style of SELECTION_HELP (options column 24 characters wide). */
#define OUTPUT_HELP                                                                                         \
        "      --color=WHEN      colour the output: auto (the default: on a terminal\n"                     \
        "                        unless $NO_COLOR is set), always, never\n"                                 \
        "      --no-pager        do not pipe the output into a pager\n"

/*
 * Starts the text output of a view: unless no_pager, opens the pager when
 * stdout is a terminal (see pager_open()); then decides whether to colour
 * by mode. Call once, after the data is loaded and before printing.
 */
void output_begin(enum color_mode mode, bool no_pager);

/*
 * Whether colour is on; the decision made by output_begin() (false before).
 * AUTO means: stdout was a terminal (so also when the pager we started
 * writes to it), $NO_COLOR is unset or empty, and $TERM is not "dumb".
 */
bool colors_enabled(void);

enum ansi_color {
        ANSI_RED,       /* failures: non-zero exit */
        ANSI_RED_BOLD,  /* killed by a signal, core dumps */
        ANSI_GREEN,     /* all well */
        ANSI_YELLOW,    /* warnings: lost events */
        ANSI_BOLD,      /* emphasis: headers */
        ANSI_GREY,      /* secondary: what could not be read */
        ANSI_HIGHLIGHT, /* what a search matched */
        ANSI_RESET,     /* back to normal after any of the above */
        _ANSI_COLOR_MAX,
};

/* The SGR sequence for c, or "" when colour is off. */
const char *ansi(enum ansi_color c);

/*
 * Pipes stdout (and stderr, if it is the same terminal) into a pager until
 * the program exits: $SYSTEMD_PAGER, else $PAGER, run with /bin/sh -c, else
 * less (with LESS=FRSXMK unless $LESS is set), else more; a pager set to ""
 * or "cat" means none. Only when stdout is a terminal and $TERM is not
 * "dumb". Returns 1 if a pager runs, 0 if none is wanted; a failure to
 * start one is logged as a warning and the output goes to the terminal
 * (0). Quitting the pager early ends the program quietly with status 0
 * (SIGPIPE). The pager is waited for at exit.
 */
int pager_open(void);

/* Flushes stdout, lets the pager read to the end and waits for it to quit. Safe to call if none runs. */
void pager_close(void);

/* Whether a pager started by pager_open() is running. */
bool pager_active(void);

/*
 * The width to fit lines into, in character cells: $COLUMNS if it is a
 * positive number, else the width of the terminal on stdout (measured
 * before a pager took stdout over), else 0 when stdout is not a terminal:
 * no limit. Cached on first use.
 */
size_t output_columns(void);

/* Sets the locale from the environment (once) and says whether its character set is UTF-8. */
bool output_is_utf8(void);

/* Characters to draw trees with: UTF-8 box drawing, or ASCII when the locale's codeset is not UTF-8. */
struct glyphs {
        const char *branch;     /* "├─ " a child followed by siblings */
        const char *last;       /* "└─ " the last child */
        const char *vertical;   /* "│  " an ancestor with siblings still to come */
        const char *space;      /* "   " */
        const char *chain;      /* "├" a link in an ancestry chain */
        const char *chain_last; /* "└" */
        const char *rail;       /* "│" an ancestry chain going on past a line that is not a link */
        const char *exec;       /* "↳" a further exec of the same process */
        const char *ellipsis;   /* "…" a cut command line */
        const char *times;      /* "×" before the count of identical processes shown as one line */
        const char *warning;    /* "⚠" before a line about lost events */
};

/* Sets the locale from the environment (once) and returns the glyphs matching its codeset. */
const struct glyphs *glyphs_get(void);

/* Flushes stdout; logs and returns a negative errno if output could not be written. */
int flush_stdout(void);
