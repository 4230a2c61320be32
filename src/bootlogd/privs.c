/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dropping capabilities and setting no-new-privs once subscribed; see privs.h. */
#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"

/* Older kernel headers. */
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT           47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* Capability numbers are below 64 as long as the sets are two 32-bit words. */
#define CAP_NUMBERS 64

static int caps_get(struct __user_cap_data_struct data[static 2])
{
        struct __user_cap_header_struct h = {
                .version = _LINUX_CAPABILITY_VERSION_3,
                .pid = 0,
        };

        /* The kernel fills both words; cleared first for tools that only know of the first one
         * (valgrind's capget() model marks one word as written). */
        memset(data, 0, 2 * sizeof(*data));
        if (syscall(SYS_capget, &h, data) < 0)
                return -errno;
        return 0;
}

static uint64_t caps_word(__u32 lo, __u32 hi)
{
        return (uint64_t)lo | (uint64_t)hi << 32;
}

static int caps_set(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
        struct __user_cap_header_struct h = {
                .version = _LINUX_CAPABILITY_VERSION_3,
                .pid = 0,
        };
        struct __user_cap_data_struct data[2] = {
                {
                    .effective = (__u32)effective,
                    .permitted = (__u32)permitted,
                    .inheritable = (__u32)inheritable,
                },
                {
                    .effective = (__u32)(effective >> 32),
                    .permitted = (__u32)(permitted >> 32),
                    .inheritable = (__u32)(inheritable >> 32),
                },
        };

        if (syscall(SYS_capset, &h, data) < 0)
                return -errno;
        return 0;
}

/*
 * The capabilities this kernel knows, as a mask. Asking the bounding set
 * about a number answers EINVAL exactly when the kernel does not know it,
 * whatever the process holds; no /proc/sys/kernel/cap_last_cap needed.
 */
static uint64_t known_caps(void)
{
        uint64_t known = 0;

        for (unsigned c = 0; c < CAP_NUMBERS; c++) {
                if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) < 0)
                        break;
                known |= PRIVS_CAP(c);
        }
        return known;
}

int privs_drop(uint64_t keep)
{
        struct __user_cap_data_struct data[2];
        uint64_t known, permitted, want;
        bool bounding_done = true;
        int r;

        r = caps_get(data);
        if (r < 0)
                return r;
        permitted = caps_word(data[0].permitted, data[1].permitted);
        known = known_caps();
        keep &= known;

        /*
         * The bounding set first: dropping from it needs CAP_SETPCAP, which the capset() below
         * gives up. Without CAP_SETPCAP the first attempt fails with EPERM and the set stays.
         */
        for (unsigned c = 0; c < CAP_NUMBERS; c++) {
                if (!(known & PRIVS_CAP(c)) || (keep & PRIVS_CAP(c)))
                        continue;
                r = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
                if (r < 0)
                        return -errno;
                if (r == 0)
                        continue;
                if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0) {
                        if (errno != EPERM)
                                return -errno;
                        bounding_done = false;
                        break;
                }
        }

        /* Before Linux 4.3 there is no ambient set, hence nothing to clear: EINVAL. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;

        /* Only ever less than the process holds: the kernel never refuses that. */
        want = permitted & keep;
        r = caps_set(want, want, 0);
        if (r < 0)
                return r;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;

        /* Trust, but verify: a kernel or security module may have had its say. */
        r = caps_get(data);
        if (r < 0)
                return r;
        if (caps_word(data[0].effective, data[1].effective) != want ||
            caps_word(data[0].permitted, data[1].permitted) != want ||
            caps_word(data[0].inheritable, data[1].inheritable) != 0)
                return -EIO;

        return bounding_done ? 0 : 1;
}
