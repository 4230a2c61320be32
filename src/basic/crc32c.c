/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CRC-32C, table-driven; see crc32c.h. */
#include <endian.h>
#include <pthread.h>
#include <string.h>

#include "crc32c.h"

#define CRC32C_POLY 0x82F63B78u /* 0x1EDC6F41 bit-reversed */

/*
 * Slicing-by-8: table[k][b] is the CRC of byte b followed by k zero bytes, so
 * eight input bytes fold into the CRC with eight lookups and no dependency
 * chain between them. Built once at first use (2 KiB of arithmetic) rather
 * than spelled out as 2048 constants.
 */
static uint32_t crc_table[8][256];
static pthread_once_t crc_table_once = PTHREAD_ONCE_INIT;

static void crc_table_init(void)
{
        for (uint32_t b = 0; b < 256; b++) {
                uint32_t c = b;

                for (int i = 0; i < 8; i++)
                        c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
                crc_table[0][b] = c;
        }
        for (uint32_t b = 0; b < 256; b++)
                for (int k = 1; k < 8; k++)
                        crc_table[k][b] =
                            (crc_table[k - 1][b] >> 8) ^ crc_table[0][crc_table[k - 1][b] & 0xff];
}

uint32_t bl_crc32c(uint32_t crc, const void *data, size_t len)
{
        const uint8_t *p = data;

        (void)pthread_once(&crc_table_once, crc_table_init);

        crc = ~crc;
        while (len > 0 && ((uintptr_t)p & 7) != 0) {
                crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
                len--;
        }
        while (len >= 8) {
                uint32_t lo, hi;

                /* memcpy: no aliasing or alignment assumptions, compiles to plain loads. */
                memcpy(&lo, p, 4);
                memcpy(&hi, p + 4, 4);
                lo = le32toh(lo) ^ crc;
                hi = le32toh(hi);
                crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
                      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xff] ^
                      crc_table[2][(hi >> 8) & 0xff] ^ crc_table[1][(hi >> 16) & 0xff] ^
                      crc_table[0][hi >> 24];
                p += 8;
                len -= 8;
        }
        while (len > 0) {
                crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
                len--;
        }
        return ~crc;
}
