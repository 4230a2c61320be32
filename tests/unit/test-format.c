/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal's file header data (format.c): what is read from the running
 * system, the monotonic-to-wall-clock conversion, and 128-bit ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/utsname.h>

#include <cmocka.h>

#include "format.h"
#include "journal-fixture.h"

static void test_file_info_from_system(void **state)
{
        struct bl_file_info info;
        struct utsname u;
        char s[33];
        FILE *f;

        assert_int_equal(bl_file_info_from_system(&info), 0);
        assert_int_equal(uname(&u), 0);
        assert_string_equal(info.kernel_release, u.release);
        assert_string_equal(info.hostname, u.nodename);
        assert_int_equal(info.recorder_pid, getpid());
        assert_int_equal(info.clk_tck, sysconf(_SC_CLK_TCK));
        assert_true(info.ref_monotonic_ns > 0);
        assert_true(info.ref_realtime_ns > UINT64_C(1500000000) * NSEC_PER_SEC);
        assert_true(info.ref_boottime_ns >= info.ref_monotonic_ns - NSEC_PER_SEC);

        f = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (f) {
                char text[64] = "", expected[33] = "";
                size_t j = 0;

                assert_non_null(fgets(text, sizeof(text), f));
                fclose(f);
                for (size_t i = 0; text[i] && j < 32; i++)
                        if (text[i] != '-' && text[i] != '\n')
                                expected[j++] = text[i];
                assert_string_equal(bl_id128_to_string(info.boot_id, s), expected);
        }
        if (access("/etc/machine-id", R_OK) < 0)
                assert_true(bl_id128_is_null(info.machine_id));
}

static void test_file_info_realtime(void **state)
{
        struct bl_file_info info = test_info();

        assert_int_equal(bl_file_info_realtime(&info, info.ref_monotonic_ns), info.ref_realtime_ns);
        assert_int_equal(bl_file_info_realtime(&info, info.ref_monotonic_ns + 1500 * NSEC_PER_MSEC),
                         info.ref_realtime_ns + 1500 * NSEC_PER_MSEC);
        assert_int_equal(bl_file_info_realtime(&info, info.ref_monotonic_ns - 2 * NSEC_PER_SEC),
                         info.ref_realtime_ns - 2 * NSEC_PER_SEC);
        assert_int_equal(bl_file_info_realtime(&info, 0), info.ref_realtime_ns - info.ref_monotonic_ns);
}

static void test_id128(void **state)
{
        uint8_t id[BL_ID128_SIZE] = {};
        char s[33];

        assert_true(bl_id128_is_null(id));
        assert_string_equal(bl_id128_to_string(id, s), "00000000000000000000000000000000");
        id[15] = 1;
        assert_false(bl_id128_is_null(id));
        for (int i = 0; i < BL_ID128_SIZE; i++)
                id[i] = (uint8_t)(0x10 * i + 0xf - i);
        assert_string_equal(bl_id128_to_string(id, s), "0f1e2d3c4b5a69788796a5b4c3d2e1f0");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_file_info_from_system),
                cmocka_unit_test(test_file_info_realtime),
                cmocka_unit_test(test_id128),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
