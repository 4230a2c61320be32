/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the journal file's header says about a recording, as the writer takes
 * it and the reader returns it. The on-disk layout is in format-def.h and the
 * prose spec in journal-format.md beside this file.
 */

#include <stdbool.h>
#include <stdint.h>

#define BL_FORMAT_VERSION 1
#define BL_ID128_SIZE     16
#define BL_HEADER_STR_MAX 65 /* as struct utsname fields, including the NUL */

/* Compatible header flags, as bl_file_info.compatible_flags holds them: what the recording carries. */
/* The recorder captured argv in the kernel at each exec (execargs.h); else it read argv from /proc. */
#define BL_HEADER_COMPAT_ARGV_AT_EXEC (UINT64_C(1) << 0)
#define BL_HEADER_COMPAT_COST         (UINT64_C(1) << 1) /* the recorder listened to taskstats: COST records */
#define BL_HEADER_COMPAT_SUPPORTED    (BL_HEADER_COMPAT_ARGV_AT_EXEC | BL_HEADER_COMPAT_COST)

struct bl_file_info {
        uint32_t version;                  /* reader: version found; writer: ignored (always current) */
        uint64_t compatible_flags;         /* reader: as found; writer: those it knows are written */
        uint64_t incompatible_flags;       /* reader: as found */
        uint8_t boot_id[BL_ID128_SIZE];    /* all zero if unknown */
        uint8_t machine_id[BL_ID128_SIZE]; /* all zero if unknown */
        uint64_t ref_monotonic_ns;         /* CLOCK_MONOTONIC and ... */
        uint64_t ref_realtime_ns;          /* ... CLOCK_REALTIME read at (nearly) the same moment */
        uint64_t ref_boottime_ns;          /* CLOCK_BOOTTIME at the same moment */
        uint32_t clk_tck;                  /* sysconf(_SC_CLK_TCK) of the recording machine */
        uint32_t recorder_pid;
        char kernel_release[BL_HEADER_STR_MAX]; /* uname -r */
        char hostname[BL_HEADER_STR_MAX];
};

/*
 * Fills info with this machine's identity and a fresh clock pair: boot id from
 * /proc/sys/kernel/random/boot_id, machine id from /etc/machine-id (left zero
 * if absent, as in an initramfs), uname, pid. Returns 0 or -errno.
 */
int bl_file_info_from_system(struct bl_file_info *ret);

/* Converts a CLOCK_MONOTONIC timestamp of the recording to CLOCK_REALTIME ns using the header's pair. */
uint64_t bl_file_info_realtime(const struct bl_file_info *info, uint64_t monotonic_ns);

/* Formats a 128-bit id as 32 lowercase hex digits; buf must hold 33 bytes. Returns buf. */
char *bl_id128_to_string(const uint8_t id[BL_ID128_SIZE], char buf[static 33]);
bool bl_id128_is_null(const uint8_t id[BL_ID128_SIZE]);
/* 32 hex digits in either case, dashes anywhere (machine-id(5) and the UUID form): 0, or -EINVAL. */
int bl_id128_from_string(const char *s, uint8_t ret[BL_ID128_SIZE]);
