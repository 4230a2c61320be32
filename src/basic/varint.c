/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LEB128 varints and zigzag; see varint.h. */
#include <errno.h>

#include "varint.h"

size_t bl_varint_encode(uint8_t *p, uint64_t v)
{
        size_t n = 0;

        while (v >= 0x80) {
                p[n++] = (uint8_t)(v | 0x80);
                v >>= 7;
        }
        p[n++] = (uint8_t)v;
        return n;
}

size_t bl_varint_size(uint64_t v)
{
        size_t n = 1;

        while (v >= 0x80) {
                v >>= 7;
                n++;
        }
        return n;
}

int bl_varint_decode(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
        const uint8_t *q = *p;
        uint64_t v = 0;

        /* One byte is by far the most common case: ids, small deltas, lengths. */
        if (q < end && *q < 0x80) {
                *ret = *q;
                *p = q + 1;
                return 0;
        }
        for (unsigned shift = 0; shift < 64; shift += 7) {
                uint8_t b;

                if (q >= end)
                        return -EBADMSG;
                b = *q++;
                /* The tenth byte holds bit 63 only. */
                if (shift == 63 && b > 1)
                        return -EBADMSG;
                v |= (uint64_t)(b & 0x7f) << shift;
                if (b < 0x80) {
                        *ret = v;
                        *p = q;
                        return 0;
                }
        }
        return -EBADMSG;
}
