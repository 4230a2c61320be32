/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "escape.h"

static void check(const char *in, const char *want)
{
        char *out = bl_escape(in);

        assert_non_null(out);
        assert_string_equal(out, want);
        free(out);
}

static void test_escape(void **state)
{
        check(NULL, "");
        check("", "");
        check("sendmail -t", "sendmail -t");
        /* A forged second line and a terminal title change must not survive. */
        check("a\nexec 1 /sbin/init", "a\\nexec 1 /sbin/init");
        check("\033]0;pwned\007", "\\e]0;pwned\\x07");
        check("tab\there\r", "tab\\there\\r");
        check("back\\slash", "back\\\\slash");
        check("\x7f", "\\x7f");
        /* Valid UTF-8 is kept; invalid bytes, overlongs, surrogates and C1 controls are escaped. */
        check("gr\xc3\xbc\xc3\x9f", "gr\xc3\xbc\xc3\x9f");
        check("\xe2\x94\x9c\xe2\x94\x80", "\xe2\x94\x9c\xe2\x94\x80");
        check("\xff\xfe", "\\xff\\xfe");
        check("\xc0\xaf", "\\xc0\\xaf");
        check("\xed\xa0\x80", "\\xed\\xa0\\x80");
        check("\xc2\x9b"
              "31m",
              "\\xc2\\x9b31m");
        check("\xe2\x82", "\\xe2\\x82");
        check("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
}

static void test_escape_argv(void **state)
{
        char *a1[] = { "sudo", "/usr/local/sbin/foo-script", NULL };
        char *a2[] = { "sh", "-c", "echo hi; ls", "", NULL };
        char *a3[] = { "x\ny", NULL };
        char *a4[] = { NULL };
        char *out;

        out = bl_escape_argv(a1);
        assert_string_equal(out, "sudo /usr/local/sbin/foo-script");
        free(out);
        out = bl_escape_argv(a2);
        assert_string_equal(out, "sh -c 'echo hi; ls' ''");
        free(out);
        out = bl_escape_argv(a3);
        assert_string_equal(out, "x\\ny");
        free(out);
        out = bl_escape_argv(a4);
        assert_string_equal(out, "");
        free(out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape),
                cmocka_unit_test(test_escape_argv),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
