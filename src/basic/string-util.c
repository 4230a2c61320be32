/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strings built on the heap; see string-util.h. */
#include <stdarg.h>
#include <stdio.h>

#include "string-util.h"

void strprintf(char **ret, const char *format, ...)
{
        va_list ap;

        if (!ret)
                return;
        va_start(ap, format);
        if (vasprintf(ret, format, ap) < 0)
                *ret = NULL;
        va_end(ap);
}
