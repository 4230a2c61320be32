/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The header's identity fields: this machine's ids and clocks, id128
 * strings, wall-clock conversion; see format.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "log.h"
#include "macro.h"

static uint64_t timespec_ns(const struct timespec *ts)
{
        return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

/*
 * Reads MONOTONIC, REALTIME, BOOTTIME between two MONOTONIC reads and keeps
 * the try whose bracket is narrowest: a preemption between the reads would
 * otherwise skew every wall-clock time of the recording.
 */
static void read_clock_pair(struct bl_file_info *info)
{
        uint64_t best = UINT64_MAX;

        for (int i = 0; i < 3; i++) {
                struct timespec a, real, boot, b;
                uint64_t mono_a, mono_b;

                clock_gettime(CLOCK_MONOTONIC, &a);
                clock_gettime(CLOCK_REALTIME, &real);
                clock_gettime(CLOCK_BOOTTIME, &boot);
                clock_gettime(CLOCK_MONOTONIC, &b);
                mono_a = timespec_ns(&a);
                mono_b = timespec_ns(&b);
                if (mono_b - mono_a >= best)
                        continue;
                best = mono_b - mono_a;
                info->ref_monotonic_ns = mono_a + best / 2;
                info->ref_realtime_ns = timespec_ns(&real);
                info->ref_boottime_ns = timespec_ns(&boot);
        }
}

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int bl_id128_from_string(const char *s, uint8_t ret[BL_ID128_SIZE])
{
        uint8_t id[BL_ID128_SIZE] = {};
        size_t n = 0;

        for (const char *p = s; *p; p++) {
                int v;

                if (*p == '-')
                        continue;
                v = hex_value(*p);
                if (v < 0 || n >= 2 * BL_ID128_SIZE)
                        return -EINVAL;
                id[n / 2] |= (uint8_t)(n % 2 ? v : v << 4);
                n++;
        }
        if (n != 2 * BL_ID128_SIZE)
                return -EINVAL;
        memcpy(ret, id, BL_ID128_SIZE);
        return 0;
}

/*
 * Reads a 128-bit id from a file holding it as 32 hex digits (machine-id(5)) or as a UUID with dashes
 * (/proc/sys/kernel/random/boot_id), then a newline. -EINVAL if it holds anything else, -ENOMEDIUM if the id
 * is all zero or "uninitialized" (a machine-id in the first boot of an image).
 */
static int read_id128(const char *path, uint8_t ret[BL_ID128_SIZE])
{
        uint8_t id[BL_ID128_SIZE];
        _cleanup_close_ int fd = -1;
        char buf[64];
        ssize_t n;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = 0;
        if (n > 0 && buf[n - 1] == '\n')
                buf[n - 1] = 0;
        if (strncmp(buf, "uninitialized", 13) == 0)
                return -ENOMEDIUM;
        r = bl_id128_from_string(buf, id);
        if (r < 0)
                return r;
        if (bl_id128_is_null(id))
                return -ENOMEDIUM;
        memcpy(ret, id, BL_ID128_SIZE);
        return 0;
}

int bl_file_info_from_system(struct bl_file_info *ret)
{
        struct bl_file_info info = {
                .version = BL_FORMAT_VERSION,
        };
        struct utsname u;
        long tck;
        int r;

        /* Both stay zero when unknown: an early initramfs may lack /etc/machine-id, a chroot /proc. */
        r = read_id128("/proc/sys/kernel/random/boot_id", info.boot_id);
        if (r < 0)
                (void)log_debug_errno(r, "Failed to read the boot id, leaving it zero: %m");
        r = read_id128("/etc/machine-id", info.machine_id);
        if (r < 0)
                (void)log_debug_errno(r, "Failed to read the machine id, leaving it zero: %m");

        if (uname(&u) < 0)
                return negative_errno();
        snprintf(info.kernel_release, sizeof(info.kernel_release), "%s", u.release);
        snprintf(info.hostname, sizeof(info.hostname), "%s", u.nodename);

        read_clock_pair(&info);
        tck = sysconf(_SC_CLK_TCK);
        info.clk_tck = tck > 0 ? (uint32_t)tck : 0;
        info.recorder_pid = (uint32_t)getpid();

        *ret = info;
        return 0;
}

uint64_t bl_file_info_realtime(const struct bl_file_info *info, uint64_t monotonic_ns)
{
        /* Unsigned arithmetic: defined for timestamps on either side of the reference. */
        if (monotonic_ns >= info->ref_monotonic_ns)
                return info->ref_realtime_ns + (monotonic_ns - info->ref_monotonic_ns);
        if (info->ref_monotonic_ns - monotonic_ns > info->ref_realtime_ns)
                return 0;
        return info->ref_realtime_ns - (info->ref_monotonic_ns - monotonic_ns);
}

char *bl_id128_to_string(const uint8_t id[BL_ID128_SIZE], char buf[static 33])
{
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < BL_ID128_SIZE; i++) {
                buf[i * 2] = hex[id[i] >> 4];
                buf[i * 2 + 1] = hex[id[i] & 0xf];
        }
        buf[32] = 0;
        return buf;
}

bool bl_id128_is_null(const uint8_t id[BL_ID128_SIZE])
{
        for (size_t i = 0; i < BL_ID128_SIZE; i++)
                if (id[i] != 0)
                        return false;
        return true;
}
