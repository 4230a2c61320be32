/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal's integer encodings: LEB128 varints (sizes, the documented
 * bytes, what the decoder refuses) and zigzag for signed values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "macro.h"
#include "varint.h"

static void test_varint(void **state)
{
        static const uint64_t values[] = {
                0,
                1,
                0x7f,
                0x80,
                0x3fff,
                0x4000,
                300,
                UINT32_MAX,
                (uint64_t)UINT32_MAX + 1,
                INT64_MAX,
                (uint64_t)INT64_MAX + 1,
                UINT64_MAX - 1,
                UINT64_MAX,
        };
        uint8_t buf[BL_VARINT_MAX + 1];

        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                const uint8_t *p = buf;
                size_t n = bl_varint_encode(buf, values[i]);
                uint64_t v;

                assert_int_equal(n, bl_varint_size(values[i]));
                assert_int_equal(bl_varint_decode(&p, buf + n, &v), 0);
                assert_int_equal(v, values[i]);
                assert_ptr_equal(p, buf + n);
                /* Cut one byte short: an error, nothing consumed. */
                p = buf;
                assert_int_equal(bl_varint_decode(&p, buf + n - 1, &v), -EBADMSG);
                assert_ptr_equal(p, buf);
        }

        assert_int_equal(bl_varint_encode(buf, 0), 1);
        assert_int_equal(buf[0], 0);
        assert_int_equal(bl_varint_encode(buf, 300), 2);
        assert_int_equal(buf[0], 0xac);
        assert_int_equal(buf[1], 0x02);
        assert_int_equal(bl_varint_encode(buf, UINT64_MAX), BL_VARINT_MAX);
        assert_int_equal(buf[9], 0x01);

        /* 65 bits, and 11 bytes: refused. */
        {
                uint8_t over[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
                uint8_t eleven[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
                const uint8_t *p = over;
                uint64_t v;

                assert_int_equal(bl_varint_decode(&p, over + sizeof(over), &v), -EBADMSG);
                p = eleven;
                assert_int_equal(bl_varint_decode(&p, eleven + sizeof(eleven), &v), -EBADMSG);
                p = over;
                assert_int_equal(bl_varint_decode(&p, over, &v), -EBADMSG);
        }
}

static void test_zigzag(void **state)
{
        static const struct {
                int64_t s;
                uint64_t u;
        } table[] = {
                { 0, 0 },
                { -1, 1 },
                { 1, 2 },
                { -2, 3 },
                { 2147483647, 4294967294 },
                { -2147483648, 4294967295 },
                { INT64_MAX, UINT64_MAX - 1 },
                { INT64_MIN, UINT64_MAX },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                assert_int_equal(bl_zigzag_encode(table[i].s), table[i].u);
                assert_true(bl_zigzag_decode(table[i].u) == table[i].s);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_varint),
                cmocka_unit_test(test_zigzag),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
