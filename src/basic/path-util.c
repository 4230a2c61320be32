/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Path names; see path-util.h. */
#include <string.h>

#include "path-util.h"

const char *path_basename(const char *path)
{
        const char *s = strrchr(path, '/');

        return s ? s + 1 : path;
}
