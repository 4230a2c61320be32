/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "macro.h"

static void test_sizes(void **state)
{
        uint64_t v;

        assert_int_equal(parse_size_suffix("4096", &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(parse_size_suffix("64M", &v), 0);
        assert_int_equal(v, 64 * 1024 * 1024);
        assert_int_equal(parse_size_suffix("1G", &v), 0);
        assert_int_equal(v, UINT64_C(1) << 30);
        assert_int_equal(parse_size_suffix("100KiB", &v), 0);
        assert_int_equal(v, 100 * 1024);
        assert_int_equal(parse_size_suffix("12Q", &v), -EINVAL);
        assert_int_equal(parse_size_suffix("-5", &v), -EINVAL);
}

static void test_until(void **state)
{
        enum until_mode m;
        uint64_t ns = 0;

        assert_int_equal(parse_until("startup-finished", &m, &ns), 0);
        assert_int_equal(m, UNTIL_STARTUP_FINISHED);
        assert_int_equal(parse_until("stop", &m, &ns), 0);
        assert_int_equal(m, UNTIL_STOP);
        assert_int_equal(parse_until("2min", &m, &ns), 0);
        assert_int_equal(m, UNTIL_DURATION);
        assert_int_equal(ns, 120 * NSEC_PER_SEC);
        assert_int_equal(parse_until("0", &m, &ns), -EINVAL);
        assert_int_equal(parse_until("whenever", &m, &ns), -EINVAL);
}

static void test_forward(void **state)
{
        struct forward_spec f;

        assert_int_equal(parse_forward("journal", &f), 0);
        assert_true(f.enabled);
        assert_int_equal(f.types, FORWARD_TYPE(BL_EVENT_EXEC) | FORWARD_TYPE(BL_EVENT_EXIT));
        assert_true(f.failed_exits_only);

        assert_int_equal(parse_forward("journal:exec,exit,fork", &f), 0);
        assert_int_equal(f.types, FORWARD_TYPE(BL_EVENT_EXEC) | FORWARD_TYPE(BL_EVENT_EXIT) |
                                      FORWARD_TYPE(BL_EVENT_FORK));
        assert_false(f.failed_exits_only);

        assert_int_equal(parse_forward("journal:failed-exit", &f), 0);
        assert_int_equal(f.types, FORWARD_TYPE(BL_EVENT_EXIT));
        assert_true(f.failed_exits_only);
        /* exit (every exit) wins over failed-exit, in either order */
        assert_int_equal(parse_forward("journal:exit,failed-exit", &f), 0);
        assert_false(f.failed_exits_only);
        assert_int_equal(parse_forward("journal:failed-exit,exit,coredump,lost,snapshot", &f), 0);
        assert_false(f.failed_exits_only);
        assert_true(f.types & FORWARD_TYPE(BL_EVENT_LOST));

        assert_int_equal(parse_forward("no", &f), 0);
        assert_false(f.enabled);
        assert_int_equal(parse_forward("off", &f), 0);
        assert_false(f.enabled);

        f.enabled = true;
        assert_int_equal(parse_forward("yes", &f), -EINVAL);
        assert_int_equal(parse_forward("syslog", &f), -EINVAL);
        assert_int_equal(parse_forward("journal:", &f), -EINVAL);
        assert_int_equal(parse_forward("journal:exec,,exit", &f), -EINVAL);
        assert_int_equal(parse_forward("journal:exec,bogus", &f), -EINVAL);
        assert_int_equal(parse_forward("journal:start", &f), -EINVAL);
        assert_int_equal(parse_forward("journal:end", &f), -EINVAL);
        assert_int_equal(parse_forward("journalx", &f), -EINVAL);
        assert_true(f.enabled); /* untouched on error */
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

/* File, then drop-ins in name order, then the kernel command line: each overrides the one before. */
static void test_layers(void **state)
{
        char dir[] = "/tmp/test-conf-XXXXXX", path[256], dropins[300], p[400];
        struct settings s;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/bootlog.conf", dir);
        snprintf(dropins, sizeof(dropins), "%s.d", path);
        write_file(path, "# comment\n[Recorder]\nUntil=90s\nTail = 2s\nKeepBoots=3\nMaxUse=1M\n"
                         "Bogus=1\nDirectory=relative\nForward=journal:exec\nForward=journal:bogus\n"
                         "[Other]\nTail=99s\n");
        assert_int_equal(mkdir(dropins, 0755), 0);
        snprintf(p, sizeof(p), "%s/20-late.conf", dropins);
        write_file(p, "[Recorder]\nKeepBoots=7\n");
        snprintf(p, sizeof(p), "%s/10-early.conf", dropins);
        write_file(p, "[Recorder]\nKeepBoots=5\nGroup=wheel\n");
        snprintf(p, sizeof(p), "%s/README", dropins);
        write_file(p, "[Recorder]\nKeepBoots=100\n");

        settings_init(&s);
        assert_int_equal(s.until, UNTIL_AUTO);
        assert_false(s.forward.enabled); /* off by default */
        assert_int_equal(settings_load_config(&s, path), 0);
        /* a bad value is ignored: the good one before it stays */
        assert_true(s.forward.enabled);
        assert_int_equal(s.forward.types, FORWARD_TYPE(BL_EVENT_EXEC));
        assert_int_equal(s.until, UNTIL_DURATION);
        assert_int_equal(s.until_ns, 90 * NSEC_PER_SEC);
        assert_int_equal(s.tail_ns, 2 * NSEC_PER_SEC); /* [Other] is not ours */
        assert_int_equal(s.keep_boots, 7);             /* 20-late after 10-early; README ignored */
        assert_int_equal(s.max_use, 1024 * 1024);
        assert_string_equal(s.group, "wheel");
        assert_string_equal(s.directory, "/var/log/bootlog"); /* a relative path is refused */

        assert_int_equal(settings_load_cmdline(&s,
                                               "ro quiet bootlog.until=startup-finished bootlog.tail=250ms "
                                               "bootlog.init=/sbin/init.real bootlog.enable=0 "
                                               "bootlog.bogus=1 init=/x bootlog.forward=no\n"),
                         0);
        assert_false(s.forward.enabled);
        assert_int_equal(s.until, UNTIL_STARTUP_FINISHED);
        assert_int_equal(s.tail_ns, 250 * NSEC_PER_MSEC);
        assert_string_equal(s.init, "/sbin/init.real");
        assert_false(s.enable);
        settings_done(&s);

        /* A missing file is no error. */
        settings_init(&s);
        assert_int_equal(settings_load_config(&s, "/nonexistent/bootlog.conf"), 0);
        assert_int_equal(s.keep_boots, 10);
        settings_done(&s);

        snprintf(p, sizeof(p), "rm -rf '%s'", dir);
        assert_int_equal(system(p), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sizes),
                cmocka_unit_test(test_until),
                cmocka_unit_test(test_forward),
                cmocka_unit_test(test_layers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
