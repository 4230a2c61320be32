/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Escaping recorded strings for terminals; see escape.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "macro.h"

size_t bl_utf8_valid_len(const char *str)
{
        const unsigned char *s = (const unsigned char *)str;
        unsigned c = s[0];
        size_t n;
        uint32_t cp;

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                n = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
                n = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
                n = 4, cp = c & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

/* As bl_utf8_valid_len(), but C1 controls (U+0080..U+009F), which act as escapes on some terminals, are
 * not printable either. */
static size_t printable_len(const unsigned char *u)
{
        size_t n = bl_utf8_valid_len((const char *)u);

        if (n == 2 && u[0] == 0xc2 && u[1] <= 0x9f)
                return 0;
        return n;
}

static char *escape_into(char *p, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *u = (const unsigned char *)s;

        while (*u) {
                size_t n;

                switch (*u) {
                case '\n':
                        p = stpcpy(p, "\\n");
                        u++;
                        continue;
                case '\t':
                        p = stpcpy(p, "\\t");
                        u++;
                        continue;
                case '\r':
                        p = stpcpy(p, "\\r");
                        u++;
                        continue;
                case '\033':
                        p = stpcpy(p, "\\e");
                        u++;
                        continue;
                case '\\':
                        p = stpcpy(p, "\\\\");
                        u++;
                        continue;
                default: break;
                }
                n = (*u < 0x20 || *u == 0x7f) ? 0 : printable_len(u);
                if (n == 0) {
                        *p++ = '\\';
                        *p++ = 'x';
                        *p++ = hex[*u >> 4];
                        *p++ = hex[*u & 15];
                        u++;
                        continue;
                }
                memcpy(p, u, n);
                p += n;
                u += n;
        }
        *p = 0;
        return p;
}

char *bl_escape(const char *s)
{
        char *r;

        if (!s)
                s = "";
        r = malloc(strlen(s) * 4 + 1);
        if (!r)
                return NULL;
        escape_into(r, s);
        return r;
}

static bool needs_quotes(const char *s)
{
        return !*s || strpbrk(s, " '\"");
}

char *bl_escape_argv(char *const *argv)
{
        size_t len = 1;
        char *r, *p;

        STRV_FOREACH (a, argv)
                len += strlen(*a) * 4 + 3 + 1;
        r = malloc(len);
        if (!r)
                return NULL;
        p = r;
        *p = 0;
        STRV_FOREACH (a, argv) {
                bool q = needs_quotes(*a);

                if (p != r)
                        *p++ = ' ';
                if (q)
                        *p++ = '\'';
                p = escape_into(p, *a);
                if (q) {
                        *p++ = '\'';
                        *p = 0;
                }
        }
        return r;
}
