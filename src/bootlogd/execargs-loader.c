/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootlog-execargs: loads and attaches the exec tracepoint program of the
 * argv capture (src/core/bpf/execargs.bpf.c, embedded as a libbpf skeleton)
 * and hands the ring buffer and the attachment to the recorder that started
 * it, then exits. A program of its own, so that the recorder carries none of
 * libbpf: relocating the program against the kernel's BTF takes some 10 MiB
 * for a moment, and libbpf's code would sit in the recorder's memory for the
 * whole boot. See execargs-record.h for the protocol; src/core/execargs.c
 * starts it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "execargs-record.h"
#include "execargs.skel.h"
#include "macro.h"

static char libbpf_last[200];

_printf_(2, 0) static int on_libbpf_print(enum libbpf_print_level level, const char *format, va_list ap)
{
        char line[sizeof(libbpf_last)];
        size_t n;

        if (level == LIBBPF_DEBUG)
                return 0;
        vsnprintf(line, sizeof(line), format, ap);
        n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
                line[--n] = 0;
        if (n > 0)
                memcpy(libbpf_last, line, n + 1);
        return 0;
}

/* "[none] integrity confidentiality" → the bracketed mode, or NULL. */
static const char *lockdown_mode(char buf[static 64])
{
        int fd = open("/sys/kernel/security/lockdown", O_RDONLY | O_CLOEXEC);
        char *a, *b;
        ssize_t n;

        if (fd < 0)
                return NULL;
        n = read(fd, buf, 63);
        close(fd);
        if (n <= 0)
                return NULL;
        buf[n] = 0;
        a = strchr(buf, '[');
        b = a ? strchr(a, ']') : NULL;
        if (!b)
                return NULL;
        *b = 0;
        return a + 1;
}

static void set_reason(struct bl_execargs_load_reply *m, int error, const char *stage)
{
        char buf[64];
        const char *mode = lockdown_mode(buf);
        int n;

        m->error = error;
        if ((error == -EPERM || error == -EACCES) && mode && strcmp(mode, "none") != 0)
                n = snprintf(m->reason, sizeof(m->reason),
                             "the kernel refused to %s the exec program (%s), lockdown is \"%s\"", stage,
                             strerror(-error), mode);
        else if (error == -EPERM || error == -EACCES)
                n = snprintf(m->reason, sizeof(m->reason),
                             "not permitted to %s the exec program: %s (needs CAP_BPF and CAP_PERFMON, or "
                             "CAP_SYS_ADMIN)",
                             stage, strerror(-error));
        else
                n = snprintf(
                    m->reason, sizeof(m->reason),
                    "the kernel refused to %s the exec program: %s%s%s (BTF tracing programs and BPF "
                    "ring buffers need Linux 5.8 or later)",
                    stage, strerror(-error), libbpf_last[0] ? "; libbpf: " : "", libbpf_last);
        /* A cut reason is still a reason: say that it was cut. */
        if (n >= (int)sizeof(m->reason))
                memcpy(m->reason + sizeof(m->reason) - 4, "...", 4);
}

int main(int argc, char *argv[])
{
        struct bl_execargs_load_reply m = {};
        int fds[BL_EXECARGS_LOADER_FDS], r;
        char cbuf[CMSG_SPACE(sizeof(fds))] = {};
        struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        struct bl_execargs_bpf *s = NULL;
        struct cmsghdr *c;
        unsigned long ring_size;
        char *end = NULL;

        if (argc != 2 || fcntl(BL_EXECARGS_LOADER_FD, F_GETFD) < 0) {
                fprintf(stderr,
                        "bootlog-execargs: started by bootlogd and bootlog record only (usage: "
                        "bootlog-execargs RING_SIZE, a socket on fd %d)\n",
                        BL_EXECARGS_LOADER_FD);
                return 2;
        }
        errno = 0;
        ring_size = strtoul(argv[1], &end, 10);
        if (errno != 0 || !end || *end != 0 || ring_size == 0 || ring_size > UINT32_MAX) {
                snprintf(m.reason, sizeof(m.reason), "bad ring buffer size '%s'", argv[1]);
                m.error = -EINVAL;
                goto reply;
        }

        libbpf_set_print(on_libbpf_print);
        s = bl_execargs_bpf__open();
        if (!s) {
                set_reason(&m, -errno, "open");
                goto reply;
        }
        r = bpf_map__set_max_entries(s->maps.events, (uint32_t)ring_size);
        if (r < 0) {
                set_reason(&m, r, "size");
                goto reply;
        }
        r = bl_execargs_bpf__load(s);
        if (r < 0) {
                set_reason(&m, r, "load");
                goto reply;
        }
        r = bl_execargs_bpf__attach(s);
        if (r < 0) {
                set_reason(&m, r, "attach");
                goto reply;
        }
        fds[0] = bpf_map__fd(s->maps.events);
        fds[1] = bpf_link__fd(s->links.bl_on_exec);
        fds[2] = bpf_map__fd(s->maps.bss);
        mh.msg_control = cbuf;
        mh.msg_controllen = sizeof(cbuf);
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(fds));
        memcpy(CMSG_DATA(c), fds, sizeof(fds));
reply:
        r = sendmsg(BL_EXECARGS_LOADER_FD, &mh, MSG_NOSIGNAL) < 0 ? 1 : m.error < 0;
        /* The recorder holds its own references now: ours can go. */
        bl_execargs_bpf__destroy(s);
        return r;
}
