/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Giving up privileges once the recorder is subscribed to the proc connector.
 *
 * bootlogd starts as root, with whatever capabilities its starter left it
 * (all of them from an initramfs script or init= mode, the unit's
 * CapabilityBoundingSet= under systemd). Subscribing is the one step that
 * needs CAP_NET_ADMIN (the subscription is never renewed: the socket lives as
 * long as the recording); after it, bootlogd only reads /proc, follows PID 1
 * into the real root and writes its own files. Dropping the rest bounds what
 * a flaw in the event decoder or the enricher could be turned into.
 *
 * Plain prctl() and capget()/capset() system calls: no library.
 */

#include <linux/capability.h>
#include <stdint.h>

#define PRIVS_CAP(c) (UINT64_C(1) << (c))

/*
 * What the recorder needs once subscribed:
 *   CAP_SYS_PTRACE  /proc/PID/{exe,cwd,root} of every process (ptrace "read"
 *                   access; stat, cmdline and cgroup are world-readable);
 *   CAP_SYS_CHROOT  following PID 1 into the real root at switch_root;
 *   CAP_CHOWN       giving its files to Group= (default adm) when bootlogd
 *                   is not a member of that group (started from an initramfs
 *                   script or in init= mode; the unit makes it a member).
 * Not CAP_NET_ADMIN. The price, on kernels that check it for the unsubscribe
 * bootlogd sends when it stops (those before the proc connector's event
 * filters of Linux 6.6; 6.18 accepts it without): the unsubscribe is refused
 * (EPERM, logged at debug level), and closing the socket leaves the
 * kernel's listener count one too high until reboot: the kernel keeps
 * filling in a message per process event and, finding nobody in the
 * multicast group, sends none (as after a recorder killed by SIGKILL).
 */
#define PRIVS_KEEP_RECORDER (PRIVS_CAP(CAP_SYS_PTRACE) | PRIVS_CAP(CAP_SYS_CHROOT) | PRIVS_CAP(CAP_CHOWN))

/*
 * Keeps only the capabilities in keep (a mask of PRIVS_CAP() bits) and makes
 * sure no execve() can give any back:
 *  - the bounding set loses every capability not in keep;
 *  - the ambient and inheritable sets are emptied;
 *  - the permitted and effective sets become keep & permitted;
 *  - PR_SET_NO_NEW_PRIVS is set.
 * Capabilities in keep that the process does not hold stay missing (no
 * error), and bits the running kernel does not know are ignored.
 * Narrowing the bounding set needs CAP_SETPCAP; without it (the unit leaves
 * it out of CapabilityBoundingSet=) the bounding set stays as it was, and
 * NO_NEW_PRIVS keeps an execve() from using it.
 *
 * Returns 0 when all of it was done, 1 when all but narrowing the bounding
 * set was done (no CAP_SETPCAP), or a negative errno: -EPERM or -EINVAL from
 * the kernel refusing a step (the process may then hold fewer capabilities
 * than before, never more); -EIO when the capabilities read back differ from
 * those asked for. Affects the calling thread only: call it before starting
 * any thread.
 */
int privs_drop(uint64_t keep);
