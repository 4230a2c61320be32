/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI,
 * ext4 and btrfs: the checksum of the journal file's header and blocks.
 */

#include <stddef.h>
#include <stdint.h>

/*
 * Continues a CRC-32C over data. Start with crc = 0; feeding the result back
 * in with the next piece gives the CRC of the concatenation.
 * bl_crc32c(0, "123456789", 9) == 0xE3069283.
 */
uint32_t bl_crc32c(uint32_t crc, const void *data, size_t len);
