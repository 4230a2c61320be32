/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two netlink listeners (the proc connector in source.c, taskstats
 * in taskstats.c) share: the receive buffer and libnl's error codes.
 */
#include <errno.h>
#include <netlink/errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "log.h"
#include "netlink.h"

/* libnl's error codes, back to the errno they came from (libnl's nl_syserr2nlerr() in reverse). */
static const int nlerr_table[] = {
        [NLE_INTR] = EINTR,           [NLE_BAD_SOCK] = EBADF,
        [NLE_AGAIN] = EAGAIN,         [NLE_NOMEM] = ENOMEM,
        [NLE_EXIST] = EEXIST,         [NLE_INVAL] = EINVAL,
        [NLE_RANGE] = ERANGE,         [NLE_MSGSIZE] = EMSGSIZE,
        [NLE_OPNOTSUPP] = EOPNOTSUPP, [NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
        [NLE_OBJ_NOTFOUND] = ENOENT,  [NLE_NOADDR] = EADDRNOTAVAIL,
        [NLE_BUSY] = EBUSY,           [NLE_PROTO_MISMATCH] = EPROTONOSUPPORT,
        [NLE_NOACCESS] = EACCES,      [NLE_PERM] = EPERM,
        [NLE_NODEV] = ENODEV,
};

int bl_nlerr_to_errno(int nlerr)
{
        nlerr = abs(nlerr);
        if ((size_t)nlerr < ELEMENTSOF(nlerr_table) && nlerr_table[nlerr] != 0)
                return -nlerr_table[nlerr];
        return -EIO;
}

int bl_netlink_set_rcvbuf(int fd, int size)
{
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) >= 0)
                return 0;
        /* Without CAP_NET_ADMIN: as much as net.core.rmem_max allows. */
        (void)log_debug_errno(errno, "SO_RCVBUFFORCE failed, falling back to SO_RCVBUF: %m");
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
                return -errno;
        return 0;
}
