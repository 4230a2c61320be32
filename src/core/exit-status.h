/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The exit statuses of bootlog and bootlogd, beside EXIT_SUCCESS (0): one
 * list, so that the two programs, their man pages and the units that run
 * them mean the same by each number. Scripts and units test these: a value
 * never changes meaning.
 */

#include <stdlib.h>

/* A data problem: a damaged or missing file, nothing found, an I/O error (EXIT_FAILURE). */
#define EXIT_DATA 1
/* A usage error: an unknown option, a bad value, a wrong combination. */
#define EXIT_USAGE 2
/*
 * bootlogd: this kernel or context cannot deliver process events (no proc
 * connector, or subscribing is not permitted), so units can tell it from a
 * failure.
 */
#define EXIT_NO_CONNECTOR 3
