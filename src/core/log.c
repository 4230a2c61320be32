/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        va_list ap;

        if (error < 0)
                error = -error;
        if ((int)level > (int)log_get_max_level())
                return -error;

        /* %m in our format strings refers to the error passed in, not to errno. */
        errno = error;
        fprintf(stderr, "%s: ", program_name);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        errno = saved_errno;
        return -error;
}
