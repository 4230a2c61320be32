/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

_Noreturn void fuzz_fail(const char *file, int line, const char *what)
{
        fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
        abort();
}
