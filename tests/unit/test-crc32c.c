/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal's checksum, CRC-32C: the published check values, chaining, and
 * every alignment and length against a bitwise reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crc32c.h"
#include "journal-fixture.h"

/* Bit by bit, straight from the definition: the reference for the table-driven code. */
static uint32_t crc32c_bitwise(const uint8_t *p, size_t n)
{
        uint32_t crc = 0xffffffff;

        for (size_t i = 0; i < n; i++) {
                crc ^= p[i];
                for (int b = 0; b < 8; b++)
                        crc = crc & 1 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
        }
        return ~crc;
}

static void test_crc32c(void **state)
{
        uint8_t buf[32 + 64 + 8];

        assert_int_equal(bl_crc32c(0, "123456789", 9), 0xE3069283);
        assert_int_equal(bl_crc32c(0, "", 0), 0);
        /* RFC 3720, B.4. */
        memset(buf, 0, 32);
        assert_int_equal(bl_crc32c(0, buf, 32), 0x8A9136AA);
        memset(buf, 0xff, 32);
        assert_int_equal(bl_crc32c(0, buf, 32), 0x62A8AB43);
        for (int i = 0; i < 32; i++)
                buf[i] = (uint8_t)i;
        assert_int_equal(bl_crc32c(0, buf, 32), 0x46DD794E);
        for (int i = 0; i < 32; i++)
                buf[i] = (uint8_t)(31 - i);
        assert_int_equal(bl_crc32c(0, buf, 32), 0x113FDB5C);

        /* Chaining, and every alignment and length against the bitwise reference. */
        assert_int_equal(bl_crc32c(bl_crc32c(0, "1234", 4), "56789", 5), 0xE3069283);
        rng_state = 7;
        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t)rng();
        for (size_t off = 0; off < 8; off++)
                for (size_t n = 0; n + off <= sizeof(buf); n++)
                        assert_int_equal(bl_crc32c(0, buf + off, n), crc32c_bitwise(buf + off, n));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crc32c),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
