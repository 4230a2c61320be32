/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One line per message on stderr, prefixed with the program name; see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *program_name = "bootlog";
static int max_level = -1;

void log_set_program(const char *name)
{
        program_name = name;
}

void log_set_max_level(enum log_level level)
{
        max_level = level;
}

enum log_level log_get_max_level(void)
{
        if (max_level < 0)
                max_level = getenv("BOOTLOG_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO;
        return max_level;
}

int log_internal(enum log_level level, int error, const char *format, ...)
{
        int saved_errno = errno;
        char buf[2048];
        va_list ap;
        int n, k;

        if (error < 0)
                error = -error;
        if ((int)level > (int)log_get_max_level())
                return -error;

        /* One write per line: stderr may be /dev/kmsg (a daemon in early boot), where each write is a
         * record. */
        /* The journal names the program itself: a prefix would show it twice there. */
        n = getenv("JOURNAL_STREAM") ? 0 : snprintf(buf, sizeof(buf), "%s: ", program_name);
        /* %m in our format strings refers to the error passed in, not to errno. */
        errno = error;
        va_start(ap, format);
        k = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, format, ap);
        va_end(ap);
        n = MIN(n + MAX(k, 0), (int)sizeof(buf) - 2);
        buf[n++] = '\n';
        (void)!write(STDERR_FILENO, buf, (size_t)n);
        errno = saved_errno;
        return -error;
}
