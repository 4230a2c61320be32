/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the netlink listeners (source.c, taskstats.c) share. */

/* A netlink socket's receive buffer: SO_RCVBUFFORCE (CAP_NET_ADMIN), else SO_RCVBUF, as far as
 * net.core.rmem_max allows. Returns 0 or -errno. */
int bl_netlink_set_rcvbuf(int fd, int size);

/* A libnl error code (NLE_*, negative or not) as the -errno it stands for; -EIO if none does. */
int bl_nlerr_to_errno(int nlerr);
