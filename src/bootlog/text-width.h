/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Text fitted to a width in character cells: recorded strings, already
 * escaped by bl_escape() (so valid UTF-8 without control characters), are
 * counted in code points and cut with the ellipsis glyph, never inside an
 * escape.
 */

#include <stddef.h>

/* Number of characters (UTF-8 code points) in s. */
size_t utf8_chars(const char *s);

/*
 * Cuts the (valid UTF-8, escaped) string s to max_chars characters, the
 * ellipsis glyph that ends a cut string included; 0: no cut. Never inside a
 * bl_escape() escape ("\xff" stays whole or goes). Takes s over; the result
 * is s or a new string, NULL on ENOMEM.
 */
char *cut_chars(char *s, size_t max_chars);

/* As cut_chars(), with this ellipsis whatever the locale (an SVG file is UTF-8). */
char *cut_chars_with(char *s, size_t max_chars, const char *ellipsis);
