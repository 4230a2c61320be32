/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Strings built on the heap. */

#include "macro.h"

/*
 * Formats into a new string at *ret (NULL on ENOMEM); does nothing if ret is
 * NULL. For optional out-parameters such as the words explaining why a
 * kernel feature could not be used, which the caller logs.
 */
void strprintf(char **ret, const char *format, ...) _printf_(2, 3);
