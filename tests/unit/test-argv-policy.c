/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "argv-policy.h"

static struct bl_argv_policy *parse_ok(const char *text)
{
        struct bl_argv_policy *p = NULL;
        char *error = NULL;

        assert_int_equal(bl_argv_policy_parse(text, &p, &error), 0);
        assert_null(error);
        assert_non_null(p);
        return p;
}

/* Parsing fails with -EINVAL and a message holding want. */
static void parse_fails(const char *text, const char *want)
{
        struct bl_argv_policy *p = NULL;
        char *error = NULL;

        assert_int_equal(bl_argv_policy_parse(text, &p, &error), -EINVAL);
        assert_null(p);
        assert_non_null(error);
        if (!strstr(error, want))
                fail_msg("parsing '%s' said '%s', not '%s'", text ? text : "(null)", error, want);
        free(error);
        /* Without a place for the message, the same answer. */
        assert_int_equal(bl_argv_policy_parse(text, &p, NULL), -EINVAL);
        assert_null(p);
}

/* A process as the enricher would describe it; argv0 NULL for no argv. */
static struct bl_proc_info proc(const char *exe, const char *comm, const char *argv0)
{
        struct bl_proc_info info;

        bl_proc_info_init(&info);
        info.status = BL_INFO_OK;
        if (exe)
                info.exe = strdup(exe);
        if (comm)
                snprintf(info.comm, sizeof(info.comm), "%s", comm);
        if (argv0) {
                info.argv = calloc(3, sizeof(char *));
                assert_non_null(info.argv);
                info.argv[0] = strdup(argv0);
                info.argv[1] = strdup("--password=hunter2");
        }
        return info;
}

static bool keeps(const struct bl_argv_policy *p, const char *exe, const char *comm, const char *argv0)
{
        struct bl_proc_info info = proc(exe, comm, argv0);
        bool r = bl_argv_policy_keep(p, &info);

        bl_proc_info_done(&info);
        return r;
}

static void test_all_and_none(void **state)
{
        struct bl_argv_policy *p;

        p = parse_ok("all");
        assert_int_equal(bl_argv_policy_mode(p), BL_ARGV_ALL);
        assert_true(keeps(p, "/usr/bin/mysql", "mysql", "mysql"));
        bl_argv_policy_free(p);

        p = parse_ok("  none\n");
        assert_int_equal(bl_argv_policy_mode(p), BL_ARGV_NONE);
        assert_false(keeps(p, "/usr/bin/mysql", "mysql", "mysql"));
        assert_false(keeps(p, NULL, "", NULL));
        bl_argv_policy_free(p);

        /* No policy is the default: all. */
        assert_int_equal(bl_argv_policy_mode(NULL), BL_ARGV_ALL);
        assert_true(keeps(NULL, "/usr/bin/mysql", "mysql", "mysql"));
        assert_null(bl_argv_policy_free(NULL));
}

static void test_patterns(void **state)
{
        struct bl_argv_policy *p = parse_ok("sshd, /usr/lib/systemd/* systemd-*,cr?n");

        assert_int_equal(bl_argv_policy_mode(p), BL_ARGV_MATCH);
        /* comm */
        assert_true(keeps(p, "/usr/sbin/sshd", "sshd", "sshd: root [priv]"));
        assert_true(keeps(p, "/usr/sbin/cron", "cron", "/usr/sbin/cron"));
        /* exe path; '*' crosses '/' */
        assert_true(keeps(p, "/usr/lib/systemd/systemd-udevd", "(udev-worker)", "(udev-worker)"));
        assert_true(keeps(p, "/usr/lib/systemd/system-generators/x", "x", "x"));
        /* argv[0] alone */
        assert_true(keeps(p, "/usr/bin/python3.11", "python3", "systemd-helper"));
        /* comm alone, with exe and argv unknown */
        assert_true(keeps(p, NULL, "systemd-logind", NULL));
        /* none of them */
        assert_false(keeps(p, "/usr/bin/mysql", "mysql", "mysql"));
        assert_false(keeps(p, "/usr/bin/sshd-keygen", "sshd-keygen", "sshd-keygen"));
        assert_false(keeps(p, "/usr/local/lib/systemd/x", "x", "x"));
        assert_false(keeps(p, NULL, "", NULL));
        bl_argv_policy_free(p);

        /* Character classes and escapes as fnmatch(3) has them. */
        p = parse_ok("[a-c]at,\\*star");
        assert_true(keeps(p, NULL, "bat", NULL));
        assert_false(keeps(p, NULL, "rat", NULL));
        assert_true(keeps(p, NULL, "*star", NULL));
        assert_false(keeps(p, NULL, "xstar", NULL));
        bl_argv_policy_free(p);
}

static void test_apply(void **state)
{
        struct bl_argv_policy *p = parse_ok("sshd");
        struct bl_proc_info info;

        /* Dropped: argv gone, the rest kept. */
        info = proc("/usr/bin/mysql", "mysql", "mysql");
        info.argv_truncated = true;
        assert_true(bl_argv_policy_apply(p, &info));
        assert_null(info.argv);
        assert_false(info.argv_truncated);
        assert_string_equal(info.exe, "/usr/bin/mysql");
        assert_string_equal(info.comm, "mysql");
        assert_false(bl_argv_policy_apply(p, &info)); /* nothing left to drop */
        bl_proc_info_done(&info);

        /* Kept. */
        info = proc("/usr/sbin/sshd", "sshd", "sshd");
        assert_false(bl_argv_policy_apply(p, &info));
        assert_non_null(info.argv);
        assert_string_equal(info.argv[1], "--password=hunter2");
        bl_proc_info_done(&info);

        /* A kernel thread's empty argv stays. */
        info = proc(NULL, "kworker/0:1", NULL);
        info.argv = calloc(1, sizeof(char *));
        assert_non_null(info.argv);
        assert_false(bl_argv_policy_apply(p, &info));
        assert_non_null(info.argv);
        bl_proc_info_done(&info);
        bl_argv_policy_free(p);

        /* none drops every argv, all none. */
        p = parse_ok("none");
        info = proc("/usr/sbin/sshd", "sshd", "sshd");
        assert_true(bl_argv_policy_apply(p, &info));
        assert_null(info.argv);
        assert_string_equal(info.exe, "/usr/sbin/sshd");
        bl_proc_info_done(&info);
        bl_argv_policy_free(p);
        info = proc("/usr/bin/mysql", "mysql", "mysql");
        assert_false(bl_argv_policy_apply(NULL, &info));
        assert_non_null(info.argv);
        bl_proc_info_done(&info);
}

static void test_errors(void **state)
{
        char too_long[BL_ARGV_POLICY_PATTERN_MAX + 2];
        char *many;
        size_t n = 0;

        parse_fails(NULL, "no argv policy given");
        parse_fails("", "empty argv policy");
        parse_fails(" \t", "empty argv policy");
        parse_fails(",sshd", "starts with a comma");
        parse_fails("sshd,", "ends in a comma");
        parse_fails("sshd, ", "ends in a comma");
        parse_fails("sshd,,cron", "empty pattern between two commas at position 6");
        parse_fails("sshd , , cron", "empty pattern between two commas");
        parse_fails("all,sshd", "'all' cannot be combined with patterns");
        parse_fails("sshd none", "'none' cannot be combined with patterns");
        parse_fails("ssh[d", "the pattern 'ssh[d' of the argv policy has a '[' without its ']'");
        parse_fails("[]", "has a '[' without its ']'");
        parse_fails("foo\\", "ends in a lone '\\'");

        memset(too_long, 'a', sizeof(too_long) - 1);
        too_long[sizeof(too_long) - 1] = 0;
        parse_fails(too_long, "longer than 4096 characters");

        many = malloc((BL_ARGV_POLICY_PATTERNS_MAX + 1) * 3 + 1);
        assert_non_null(many);
        for (int i = 0; i <= BL_ARGV_POLICY_PATTERNS_MAX; i++)
                n += (size_t)sprintf(many + n, "a%d,", i % 10);
        many[n - 1] = 0;
        parse_fails(many, "more than 256 patterns");
        /* One fewer is fine. */
        many[n - 4] = 0;
        bl_argv_policy_free(parse_ok(many));
        free(many);

        /* Accepted: a ']' first in a set, and "all"/"none" as parts of longer patterns. */
        bl_argv_policy_free(parse_ok("[]x]"));
        bl_argv_policy_free(parse_ok("allow,nonesuch"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_all_and_none),
                cmocka_unit_test(test_patterns),
                cmocka_unit_test(test_apply),
                cmocka_unit_test(test_errors),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
