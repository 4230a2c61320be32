/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text fitted to a width; see text-width.h. */
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "text-width.h"

size_t utf8_chars(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                if (((unsigned char)*s & 0xc0) != 0x80)
                        n++;
        return n;
}

char *cut_chars(char *s, size_t max_chars)
{
        return cut_chars_with(s, max_chars, glyphs_get()->ellipsis);
}

char *cut_chars_with(char *s, size_t max_chars, const char *ellipsis)
{
        size_t e = utf8_chars(ellipsis), keep, n = 0;
        char *p, *r;

        if (!s || max_chars == 0 || utf8_chars(s) <= max_chars)
                return s;
        /* The ellipsis counts in max_chars: a cut line fits the width it was cut for. */
        keep = max_chars > e ? max_chars - e : 1;
        /* By whole characters and whole escapes: "\xf…" would read as something it is not. */
        for (p = s; *p;) {
                size_t chars = 1, bytes = 1;

                if (*p == '\\' && p[1])
                        chars = bytes = p[1] == 'x' && p[2] && p[3] ? 4 : 2;
                else
                        while ((p[bytes] & 0xc0) == 0x80)
                                bytes++;
                if (n + chars > keep)
                        break;
                n += chars;
                p += bytes;
        }
        r = malloc((size_t)(p - s) + strlen(ellipsis) + 1);
        if (r)
                stpcpy(mempcpy(r, s, (size_t)(p - s)), ellipsis);
        free(s);
        return r;
}
