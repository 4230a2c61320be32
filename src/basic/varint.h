/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The integer encodings of the journal's event records: unsigned LEB128
 * varints (7 bits per byte, least significant group first, high bit set on
 * every byte but the last; at most 10 bytes for 64 bits) and zigzag for
 * signed values (0, -1, 1, -2, ... map to 0, 1, 2, 3, ...), so small
 * deltas of either sign take one byte.
 */

#include <stddef.h>
#include <stdint.h>

#define BL_VARINT_MAX 10 /* bytes a 64-bit varint may take */

/* Writes v at p (which must have room for BL_VARINT_MAX bytes); returns the bytes written. */
size_t bl_varint_encode(uint8_t *p, uint64_t v);

/* Bytes bl_varint_encode() would write for v. */
size_t bl_varint_size(uint64_t v);

/*
 * Reads a varint from *p, never past end, and advances *p. Returns 0, or
 * -EBADMSG if it runs past end, is longer than 10 bytes or overflows 64 bits
 * (*p and ret untouched then).
 */
int bl_varint_decode(const uint8_t **p, const uint8_t *end, uint64_t *ret);

/* Zigzag on the two's complement bit pattern: exact for every 64-bit value, no signed overflow. */
static inline uint64_t bl_zigzag_encode(int64_t v)
{
        uint64_t u = (uint64_t)v;

        return (u << 1) ^ (0 - (u >> 63));
}

static inline int64_t bl_zigzag_decode(uint64_t u)
{
        uint64_t v = (u >> 1) ^ (0 - (u & 1));
        int64_t s;

        /* Reinterprets the bits; a cast would be implementation-defined above INT64_MAX. */
        __builtin_memcpy(&s, &v, sizeof(s));
        return s;
}
