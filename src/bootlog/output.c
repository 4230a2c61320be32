/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Colour, pager, terminal width and character set for the text views; see
 * output.h. The state here is the terminal's, one per program, as in
 * systemd's pager and terminal helpers: it is set up once by output_begin()
 * and read by every view's printing code.
 */
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "log.h"
#include "macro.h"
#include "output.h"

static bool colors;
static pid_t pager_pid;
static int saved_stdout = -1, saved_stderr = -1;

static const char *const color_mode_table[_COLOR_MODE_MAX] = {
        [COLOR_AUTO] = "auto",
        [COLOR_NEVER] = "never",
        [COLOR_ALWAYS] = "always",
};

enum color_mode color_mode_from_string(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(color_mode_table); i++)
                if (streq(s, color_mode_table[i]))
                        return (enum color_mode)i;
        /* As ls, grep and systemd take them. */
        if (streq(s, "yes") || streq(s, "force"))
                return COLOR_ALWAYS;
        if (streq(s, "no") || streq(s, "none"))
                return COLOR_NEVER;
        return _COLOR_MODE_INVALID;
}

static bool terminal_is_dumb(void)
{
        const char *t = getenv("TERM");

        return t && streq(t, "dumb");
}

size_t output_columns(void)
{
        static bool cached;
        static size_t columns;
        const char *e;

        if (cached)
                return columns;
        cached = true;

        e = getenv("COLUMNS");
        if (e) {
                char *end;
                unsigned long v;

                errno = 0;
                v = strtoul(e, &end, 10);
                if (errno == 0 && end != e && !*end && v > 0 && v < 100000) {
                        columns = v;
                        return columns;
                }
        }
        if (isatty(STDOUT_FILENO)) {
                struct winsize ws = {};

                if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) >= 0 && ws.ws_col > 0)
                        columns = ws.ws_col;
                else
                        columns = 80; /* a terminal that does not say: the classic width */
        }
        return columns;
}

bool output_is_utf8(void)
{
        static int utf8 = -1;

        if (utf8 < 0) {
                /* Only what the environment should decide: the codeset (glyphs, the ellipsis) and the
                 * collation (ranges in --comm and why's patterns). LC_NUMERIC stays "C", or "%.1f" would
                 * print "9,5K"; so does LC_MESSAGES, for strerror() text in the views' output. */
                setlocale(LC_CTYPE, "");
                setlocale(LC_COLLATE, "");
                utf8 = streq(nl_langinfo(CODESET), "UTF-8");
        }
        return utf8;
}

/* The pager's end of the pipe said it does not want more: the user quit it. That is no error. */
static void on_sigpipe(int sig)
{
        _exit(0);
}

/* In the pager child, when no pager command can run: copy input to the terminal. */
_Noreturn static void pager_fallback(void)
{
        char buf[65536];

        for (;;) {
                ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                char *p = buf;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        _exit(n < 0 ? 1 : 0);
                while (n > 0) {
                        ssize_t k = write(STDOUT_FILENO, p, (size_t)n);

                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0)
                                _exit(1);
                        p += k;
                        n -= k;
                }
        }
}

int pager_open(void)
{
        _cleanup_close_ int rfd = -1, wfd = -1;
        struct sigaction sa = { .sa_handler = on_sigpipe };
        const char *pager;
        int fds[2];
        bool with_stderr;
        pid_t pid;

        if (pager_pid > 0)
                return 1;
        if (!isatty(STDOUT_FILENO) || terminal_is_dumb())
                return 0;
        pager = getenv("SYSTEMD_PAGER");
        if (!pager)
                pager = getenv("PAGER");
        if (pager && (!*pager || streq(pager, "cat")))
                return 0;

        /* The terminal's width, measured while stdout still is the terminal. */
        (void)output_columns();
        with_stderr = isatty(STDERR_FILENO);

        fflush(stdout);
        if (pipe2(fds, O_CLOEXEC) < 0) {
                log_warning_errno(errno, "Failed to create a pipe for the pager, ignoring: %m");
                return 0;
        }
        rfd = fds[0];
        wfd = fds[1];

        pid = fork();
        if (pid < 0) {
                log_warning_errno(errno, "Failed to start the pager, ignoring: %m");
                return 0;
        }
        if (pid == 0) {
                /* Only the parent writes: the fallback below must see the end of its input. */
                wfd = safe_close(wfd);
                if (dup2(rfd, STDIN_FILENO) < 0)
                        _exit(1);
                /* FRSXMK: quit if one screen, raw colour sequences, no line wrapping, no termcap
                 * init/deinit, verbose prompt, quit on ^C. */
                (void)setenv("LESS", "FRSXMK", 0);
                if (pager)
                        execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
                else {
                        execlp("less", "less", (char *)NULL);
                        execlp("more", "more", (char *)NULL);
                }
                pager_fallback();
        }

        saved_stdout = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        saved_stderr = with_stderr ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3) : -1;
        if (saved_stdout < 0 || dup2(wfd, STDOUT_FILENO) < 0 ||
            (saved_stderr >= 0 && dup2(wfd, STDERR_FILENO) < 0)) {
                log_warning_errno(errno, "Failed to connect to the pager, ignoring: %m");
                if (saved_stdout >= 0)
                        (void)dup2(saved_stdout, STDOUT_FILENO);
                saved_stdout = safe_close(saved_stdout);
                saved_stderr = safe_close(saved_stderr);
                rfd = safe_close(rfd);
                wfd = safe_close(wfd);
                (void)waitpid(pid, NULL, 0);
                return 0;
        }
        pager_pid = pid;
        sigemptyset(&sa.sa_mask);
        (void)sigaction(SIGPIPE, &sa, NULL);
        atexit(pager_close);
        return 1;
}

void pager_close(void)
{
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        fflush(stderr);
        /* Give the terminal back to stdout and stderr: the pager sees the end of its input. */
        if (saved_stdout >= 0)
                (void)dup2(saved_stdout, STDOUT_FILENO);
        else
                (void)close(STDOUT_FILENO);
        if (saved_stderr >= 0)
                (void)dup2(saved_stderr, STDERR_FILENO);
        saved_stdout = safe_close(saved_stdout);
        saved_stderr = safe_close(saved_stderr);
        (void)kill(pager_pid, SIGCONT);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}

bool pager_active(void)
{
        return pager_pid > 0;
}

void output_begin(enum color_mode mode, bool no_pager)
{
        bool tty = isatty(STDOUT_FILENO);
        const char *no_color = getenv("NO_COLOR");

        (void)output_is_utf8();
        (void)output_columns();
        if (!no_pager && pager_open() > 0)
                tty = true; /* our stdout was the terminal the pager writes to */

        switch (mode) {
        case COLOR_ALWAYS: colors = true; break;
        case COLOR_NEVER: colors = false; break;
        default: colors = tty && !terminal_is_dumb() && !(no_color && *no_color); break;
        }
}

bool colors_enabled(void)
{
        return colors;
}

const char *ansi(enum ansi_color c)
{
        static const char *const table[_ANSI_COLOR_MAX] = {
                [ANSI_RED] = "\033[0;31m",         [ANSI_RED_BOLD] = "\033[0;1;31m",
                [ANSI_GREEN] = "\033[0;32m",       [ANSI_YELLOW] = "\033[0;33m",
                [ANSI_BOLD] = "\033[0;1m",         [ANSI_GREY] = "\033[0;90m",
                [ANSI_HIGHLIGHT] = "\033[0;1;36m", [ANSI_RESET] = "\033[0m",
        };

        if (!colors || c < 0 || c >= _ANSI_COLOR_MAX)
                return "";
        return table[c];
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

int flush_stdout(void)
{
        if (fflush(stdout) != 0 || ferror(stdout))
                return log_error_errno(errno > 0 ? -errno : -EIO, "Failed to write output: %m");
        return 0;
}
