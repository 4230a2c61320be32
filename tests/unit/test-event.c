/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "event.h"

static void test_type_names(void **state)
{
        for (int t = 1; t < _BL_EVENT_TYPE_MAX; t++) {
                const char *s = bl_event_type_to_string(t);

                assert_non_null(s);
                assert_int_equal(bl_event_type_from_string(s), t);
        }
        assert_string_equal(bl_event_type_to_string(BL_EVENT_EXEC), "exec");
        assert_null(bl_event_type_to_string(0));
        assert_null(bl_event_type_to_string(_BL_EVENT_TYPE_MAX));
        assert_int_equal(bl_event_type_from_string("bogus"), _BL_EVENT_TYPE_INVALID);
        assert_int_equal(bl_event_type_from_string(NULL), _BL_EVENT_TYPE_INVALID);
        for (int r = 1; r < _BL_LOST_REASON_MAX; r++)
                assert_non_null(bl_lost_reason_to_string(r));
        for (int s = 0; s < _BL_INFO_STATUS_MAX; s++)
                assert_non_null(bl_info_status_to_string(s));
}

static void test_exit_status(void **state)
{
        int code = -1, sig = -1;
        bool core = false;

        assert_true(bl_exit_status_decode(0, &code, &sig, &core));
        assert_int_equal(code, 0);
        assert_true(bl_exit_status_decode(3 << 8, &code, &sig, &core));
        assert_int_equal(code, 3);
        assert_false(bl_exit_status_decode(SIGKILL, &code, &sig, &core));
        assert_int_equal(sig, SIGKILL);
        assert_false(core);
        assert_false(bl_exit_status_decode(SIGSEGV | 0x80, &code, &sig, &core));
        assert_int_equal(sig, SIGSEGV);
        assert_true(core);
        assert_string_equal(bl_signal_to_string(SIGKILL), "SIGKILL");
        assert_string_equal(bl_signal_to_string(SIGSEGV), "SIGSEGV");
        assert_null(bl_signal_to_string(0));
        assert_null(bl_signal_to_string(200));
}

static void test_copy_and_free(void **state)
{
        struct bl_event ev, copy;
        char *argv[] = { "sudo", "/usr/local/sbin/foo-script", NULL };

        bl_event_init(&ev, BL_EVENT_EXEC);
        assert_int_equal(ev.info.uid, UINT32_MAX);
        assert_int_equal(ev.info.status, BL_INFO_NOT_READ);
        ev.pid = ev.tid = 1419;
        ev.info.argv = calloc(3, sizeof(char *));
        ev.info.argv[0] = strdup(argv[0]);
        ev.info.argv[1] = strdup(argv[1]);
        ev.info.exe = strdup("/usr/bin/sudo");
        ev.info.status = BL_INFO_OK;

        assert_int_equal(bl_event_copy(&copy, &ev), 0);
        bl_event_done(&ev);
        assert_null(ev.info.argv);
        assert_int_equal(copy.pid, 1419);
        assert_string_equal(copy.info.argv[0], "sudo");
        assert_string_equal(copy.info.argv[1], "/usr/local/sbin/foo-script");
        assert_null(copy.info.argv[2]);
        assert_string_equal(copy.info.exe, "/usr/bin/sudo");
        assert_null(copy.info.cwd);

        char *joined = bl_argv_join(copy.info.argv);
        assert_string_equal(joined, "sudo /usr/local/sbin/foo-script");
        free(joined);
        bl_event_done(&copy);
        bl_event_done(NULL);

        char *empty[] = { NULL };
        joined = bl_argv_join(empty);
        assert_string_equal(joined, "");
        free(joined);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_type_names),
                cmocka_unit_test(test_exit_status),
                cmocka_unit_test(test_copy_and_free),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
