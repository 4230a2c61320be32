/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The journal file's on-disk structures. Every integer is little-endian and
 * fixed-width; read them only through memcpy() into these structs (blocks sit
 * at arbitrary offsets) and le*toh(). journal-format.md beside this file is
 * the prose spec; both change in the same commit.
 *
 *   file   := file_header block*
 *   block  := block_header payload[stored_size]
 */

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"

/* Types that say "little-endian on disk": convert with le*toh()/htole*(). */
typedef uint16_t le16_t;
typedef uint32_t le32_t;
typedef uint64_t le64_t;

/* "BOOTLOG" and ^Z: stops type(1) on DOS, and a text file never starts like this. */
#define BL_FILE_MAGIC      ((const uint8_t[8]){ 'B', 'O', 'O', 'T', 'L', 'O', 'G', 0x1a })
#define BL_FILE_MAGIC_SIZE 8

/*
 * Incompatible flags: a reader that does not know one must refuse the file.
 * Compatible flags: a reader may ignore unknown ones.
 */
#define BL_HEADER_INCOMPAT_COMPRESSED_ZSTD (UINT64_C(1) << 0) /* blocks may be zstd-compressed */
#define BL_HEADER_INCOMPAT_SUPPORTED       BL_HEADER_INCOMPAT_COMPRESSED_ZSTD
/* The compatible flags (BL_HEADER_COMPAT_*) are in format.h: readers of bl_file_info test them. */

/* An upper bound on header_size, so a corrupt field cannot make a reader slurp the file. */
#define BL_HEADER_SIZE_MAX 4096

/*
 * Written once at offset 0 when the file is created, never rewritten.
 * magic, header_size and version keep their offsets in every version, and
 * header_crc is always the last 4 bytes of header_size: a newer version may
 * append fields before it (announcing them with a compatible flag).
 */
struct bl_file_header {
        uint8_t magic[8];   /* BL_FILE_MAGIC */
        le32_t header_size; /* bytes from offset 0 to the first block */
        le32_t version;     /* BL_FORMAT_VERSION */
        le64_t compatible_flags;
        le64_t incompatible_flags;
        uint8_t boot_id[BL_ID128_SIZE];
        uint8_t machine_id[BL_ID128_SIZE];
        le64_t ref_monotonic_ns;
        le64_t ref_realtime_ns;
        le64_t ref_boottime_ns;
        le32_t clk_tck;
        le32_t recorder_pid;
        char kernel_release[BL_HEADER_STR_MAX]; /* NUL-padded */
        char hostname[BL_HEADER_STR_MAX];       /* NUL-padded */
        uint8_t reserved[2];                    /* 0 */
        le32_t header_crc;                      /* CRC-32C of bytes [0, header_size - 4) */
};

static_assert(offsetof(struct bl_file_header, header_size) == 8, "header layout");
static_assert(offsetof(struct bl_file_header, version) == 12, "header layout");
static_assert(offsetof(struct bl_file_header, compatible_flags) == 16, "header layout");
static_assert(offsetof(struct bl_file_header, boot_id) == 32, "header layout");
static_assert(offsetof(struct bl_file_header, ref_monotonic_ns) == 64, "header layout");
static_assert(offsetof(struct bl_file_header, clk_tck) == 88, "header layout");
static_assert(offsetof(struct bl_file_header, kernel_release) == 96, "header layout");
static_assert(offsetof(struct bl_file_header, hostname) == 161, "header layout");
static_assert(offsetof(struct bl_file_header, header_crc) == 228, "header layout");
static_assert(sizeof(struct bl_file_header) == 232, "header layout");

/* Starts every block: eight bytes unlikely in compressed data, to resynchronise on. */
#define BL_BLOCK_MAGIC      ((const uint8_t[8]){ 0xb1, 0x0c, 'B', 'L', 'K', 0x1f, 0x8e, 0x5a })
#define BL_BLOCK_MAGIC_SIZE 8

/* Block flags: the low 4 bits say how the payload is stored; the other bits must be 0. */
#define BL_BLOCK_COMPRESSION_MASK UINT32_C(0xf)
#define BL_BLOCK_COMPRESSION_NONE UINT32_C(0) /* payload is the records as they are */
#define BL_BLOCK_COMPRESSION_ZSTD UINT32_C(1) /* payload is one zstd frame */
#define BL_BLOCK_FLAGS_SUPPORTED  BL_BLOCK_COMPRESSION_MASK

/* Largest uncompressed payload; writers never exceed it, readers refuse blocks claiming more. */
#define BL_BLOCK_PAYLOAD_MAX (UINT32_C(64) << 20)

struct bl_block_header {
        uint8_t magic[8];         /* BL_BLOCK_MAGIC */
        le64_t seq;               /* blocks written before this one in the file: 0, 1, 2, ... */
        le64_t first_ts_ns;       /* ts_ns of the first and ... */
        le64_t last_ts_ns;        /* ... last record in the block */
        le32_t flags;             /* BL_BLOCK_COMPRESSION_* */
        le32_t stored_size;       /* payload bytes following this header */
        le32_t uncompressed_size; /* bytes of event records once decompressed */
        le32_t n_events;          /* records in the payload */
        le32_t payload_crc;       /* CRC-32C of the stored payload bytes */
        le32_t header_crc;        /* CRC-32C of bytes [0, 52) of this header */
};

static_assert(offsetof(struct bl_block_header, seq) == 8, "block header layout");
static_assert(offsetof(struct bl_block_header, flags) == 32, "block header layout");
static_assert(offsetof(struct bl_block_header, payload_crc) == 48, "block header layout");
static_assert(offsetof(struct bl_block_header, header_crc) == 52, "block header layout");
static_assert(sizeof(struct bl_block_header) == 56, "block header layout");

/*
 * Event records inside a payload (see journal-format.md for the fields):
 *   record := type:u8 length:varint body[length]
 * body starts with the common fields of every type, present and future:
 *   ts delta (zigzag), cpu, pid delta (zigzag), tid - pid (zigzag)
 * Flags of an info (EXEC, SNAPSHOT) record:
 */
#define BL_INFO_HAS_ARGV       (1u << 0) /* argv follows (else NULL: unknown) */
#define BL_INFO_ARGV_TRUNCATED (1u << 1)
#define BL_INFO_HAS_EXE        (1u << 2)
#define BL_INFO_HAS_CWD        (1u << 3)
#define BL_INFO_HAS_UNIT       (1u << 4)
#define BL_INFO_ARGV_WITHHELD  (1u << 5) /* no field: argv was left out by the recorder's policy */
#define BL_INFO_ARGV_AT_EXEC   (1u << 6) /* no field: argv was captured in the kernel at the exec */
#define BL_INFO_EXE_AS_EXECED  (1u << 7) /* no field: exe is the path given to execve(), unresolved */
