/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cutting escaped text to a width (text-width.h): by characters, not
 * bytes; never inside a bl_escape() escape; the ellipsis counted in the
 * width; ASCII "..." where the codeset is not UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "escape.h"
#include "macro.h"
#include "text-width.h"

/* cut_chars() on a copy of s. */
static char *cut(const char *s, size_t max)
{
        char *c = strdup(s);

        assert_non_null(c);
        c = cut_chars(c, max);
        assert_non_null(c);
        return c;
}

static void check(const char *s, size_t max, const char *want)
{
        _cleanup_free_ char *got = cut(s, max);

        if (!streq(got, want))
                fail_msg("cut_chars('%s', %zu) = '%s', want '%s'", s, max, got, want);
        /* A cut line fits the width it was cut for, when that is wider than the ellipsis. */
        if (max > 1)
                assert_true(utf8_chars(got) <= max);
}

static void test_count(void **state)
{
        assert_int_equal(utf8_chars(""), 0);
        assert_int_equal(utf8_chars("sendmail -t"), 11);
        assert_int_equal(utf8_chars("größe"), 5);
        assert_int_equal(utf8_chars("日本語"), 3);
        assert_int_equal(utf8_chars("\xf0\x9f\x90\xa7"), 1); /* one code point in four bytes */
}

static void test_cut(void **state)
{
        check("sendmail -t", 0, "sendmail -t");  /* 0: no limit */
        check("sendmail -t", 11, "sendmail -t"); /* fits exactly */
        check("sendmail -t", 100, "sendmail -t");
        check("sendmail -t", 10, "sendmail …"); /* the ellipsis counts */
        check("sendmail -t", 2, "s…");
        check("sendmail -t", 1, "s…"); /* at least one character is kept */
}

static void test_wide(void **state)
{
        /* By characters: a multibyte one is never split. */
        check("größenwahn", 4, "grö…");
        check("日本語のテキスト", 4, "日本語…");
        check("a\xf0\x9f\x90\xa7\xf0\x9f\x90\xa7z", 3, "a\xf0\x9f\x90\xa7…");
}

static void test_escapes(void **state)
{
        _cleanup_free_ char *e = bl_escape("ab\xff\x01\ncd");

        /* "ab\xff\x01\ncd": each escape is as wide as its spelling and stays whole or goes. */
        assert_string_equal(e, "ab\\xff\\x01\\ncd");
        check(e, 5, "ab…");
        check(e, 6, "ab…"); /* not "ab\\xf…", which would read as another byte */
        check(e, 7, "ab\\xff…");
        check(e, 10, "ab\\xff…");
        check(e, 11, "ab\\xff\\x01…");
        check(e, 12, "ab\\xff\\x01…");
        check(e, 13, "ab\\xff\\x01\\n…");
        check(e, 14, "ab\\xff\\x01\\ncd");
        check(e, 15, "ab\\xff\\x01\\ncd");
        check("a\\\\b", 3, "a…"); /* an escaped backslash is two characters */
        check("a\\\\bc", 4, "a\\\\…");
}

/* Run as "test-text-width --ascii": the cut under LC_ALL=C. */
static int cut_ascii(void)
{
        _cleanup_free_ char *c = cut_chars(strdup("sendmail -t"), 6);

        if (!c || !streq(c, "sen...")) {
                fprintf(stderr, "under LC_ALL=C: '%s'\n", c ?: "(null)");
                return 1;
        }
        return 0;
}

static void test_ascii(void **state)
{
        /* Under an ASCII codeset the ellipsis is three dots, counted too. The locale is read once per
         * program, so a new one runs with LC_ALL=C. */
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                setenv("LC_ALL", "C", 1);
                execl("/proc/self/exe", "test-text-width", "--ascii", (char *)NULL);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

int main(int argc, char *argv[])
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_count),   cmocka_unit_test(test_cut),   cmocka_unit_test(test_wide),
                cmocka_unit_test(test_escapes), cmocka_unit_test(test_ascii),
        };

        if (argc > 1 && streq(argv[1], "--ascii"))
                return cut_ascii();
        setenv("LC_ALL", "C.UTF-8", 1);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
