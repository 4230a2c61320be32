/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json_string_write() against what export printed through json-c before it
 * wrote JSON itself: the string with each byte outside valid UTF-8 replaced
 * by U+FFFD, then json_object_to_json_string_ext(PLAIN | NOSLASHESCAPE).
 * Every byte, every pair of bytes and a pile of hostile argv must come out
 * byte for byte the same.
 */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"
#include "json-util.h"

/* The replacement export made before json-c saw a string. */
static char *reference_fix(const char *s)
{
        const unsigned char *u = (const unsigned char *)s;
        char *fixed = malloc(strlen(s) * 3 + 1), *p = fixed;

        assert_non_null(fixed);
        while (*u) {
                size_t n = bl_utf8_valid_len((const char *)u);

                if (n == 0) {
                        memcpy(p, "\xef\xbf\xbd", 3);
                        p += 3;
                        u++;
                        continue;
                }
                memcpy(p, u, n);
                p += n;
                u += n;
        }
        *p = 0;
        return fixed;
}

static void check(const char *s)
{
        size_t max = JSON_STRING_MAX(strlen(s));
        char *fixed = reference_fix(s), *buf, *end;
        struct json_object *o;
        const char *want;

        o = json_object_new_string(fixed);
        assert_non_null(o);
        want = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        assert_non_null(want);

        /* Exactly the room promised, and a guard byte behind it that must stay untouched. */
        buf = malloc(max + 1);
        assert_non_null(buf);
        buf[max] = 0x5a;
        end = json_string_write(buf, s);
        assert_true(end >= buf && (size_t)(end - buf) <= max);
        assert_int_equal(buf[max], 0x5a);
        *end = 0;
        if (strcmp(buf, want) != 0)
                fail_msg("input of %zu bytes: got %s, json-c printed %s", strlen(s), buf, want);

        free(buf);
        json_object_put(o);
        free(fixed);
}

static void test_plain(void **state)
{
        char buf[64];

        check("");
        check("sendmail -t");
        check("/usr/bin/dash");
        check("a/b//c"); /* no "\/": export asks json-c not to escape slashes */
        check("quote\" backslash\\ both\\\"");
        check("\b\f\n\r\t");
        check("\x7f");
        /* The documented spellings, written out so a change of both sides together still fails. */
        json_string_write(buf, "a\x01\n\"")[0] = 0;
        assert_string_equal(buf, "\"a\\u0001\\n\\\"\"");
        json_string_write(buf, "\x1f\x7f")[0] = 0;
        assert_string_equal(buf, "\"\\u001f\x7f\"");
        json_string_write(buf, "\xff/")[0] = 0;
        assert_string_equal(buf, "\"\xef\xbf\xbd/\"");
}

static void test_every_byte(void **state)
{
        for (unsigned b = 1; b < 256; b++) {
                char s[8];

                s[0] = (char)b;
                s[1] = 0;
                check(s);
                snprintf(s, sizeof(s), "a%cb", (char)b);
                check(s);
        }
}

static void test_every_pair(void **state)
{
        for (unsigned a = 1; a < 256; a++)
                for (unsigned b = 1; b < 256; b++) {
                        char s[3] = { (char)a, (char)b, 0 };

                        check(s);
                }
}

static void test_hostile(void **state)
{
        static const char *const argv[] = {
                "\033]0;pwned\007",     /* terminal title */
                "\033[2J\033[31mred",   /* clear screen, colour */
                "a\nexec 1 /sbin/init", /* a forged line */
                ("\xc2\x9b"
                 "31m"),                                /* C1 CSI (split: "\x9b31m" would be one escape) */
                "gr\xc3\xbc\xc3\x9f",                   /* valid 2-byte */
                "\xe2\x94\x9c\xe2\x94\x80",             /* valid 3-byte */
                "\xf0\x9f\x98\x80",                     /* valid 4-byte */
                "\xf4\x8f\xbf\xbf",                     /* U+10FFFF */
                "\xf4\x90\x80\x80",                     /* past U+10FFFF */
                "\xed\xa0\x80",                         /* surrogate */
                "\xed\x9f\xbf",                         /* just below the surrogates */
                "\xc0\xaf",                             /* overlong '/' */
                "\xe0\x80\xaf",                         /* overlong, 3 bytes */
                "\xf0\x80\x80\xaf",                     /* overlong, 4 bytes */
                "\xe2\x82",                             /* cut short at the end */
                "\xe2\x82x",                            /* cut short by ASCII */
                "\xf0\x9f\x98",                         /* 4-byte cut short */
                "\x80\x80\x80",                         /* stray continuation bytes */
                "\xfe\xff\xf5\xf8\xfc",                 /* never valid */
                "\xc3\xbc\xff\xc3\xbc\"\\\x01\xe2\x82", /* everything at once */
        };

        for (size_t i = 0; i < sizeof(argv) / sizeof(argv[0]); i++)
                check(argv[i]);
}

static void test_random(void **state)
{
        /* Deterministic xorshift: the same strings on every run. */
        uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
        char s[200];

        for (unsigned round = 0; round < 20000; round++) {
                size_t len;

                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                len = (size_t)(x % (sizeof(s) - 1));
                for (size_t i = 0; i < len; i++) {
                        unsigned b;

                        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                        /* Mostly bytes that matter: controls, quotes, lead and continuation bytes. */
                        switch (x % 4) {
                        case 0: b = (unsigned)(x >> 8) % 0x20; break;
                        case 1: b = 0x80 + (unsigned)(x >> 8) % 0x80; break;
                        case 2: b = "\"\\/ aZ\x7f"[(x >> 8) % 7]; break;
                        default: b = (unsigned)(x >> 8) % 256; break;
                        }
                        s[i] = (char)(b ? b : 'x');
                }
                s[len] = 0;
                check(s);
        }
}

static void test_long(void **state)
{
        size_t n = 70000;
        char *s = malloc(n + 1);

        assert_non_null(s);
        for (size_t i = 0; i < n; i++)
                s[i] = (char)(i % 255 + 1);
        s[n] = 0;
        check(s);
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain),      cmocka_unit_test(test_every_byte),
                cmocka_unit_test(test_every_pair), cmocka_unit_test(test_hostile),
                cmocka_unit_test(test_random),     cmocka_unit_test(test_long),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
