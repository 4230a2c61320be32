#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# dracut cmdline hook, for initrds without systemd: starts the boot recorder
# before anything else runs (udev included). Sourced by dracut's init, so it
# never exits and never fails: without a recorder, boot goes on.
# (With systemd in the initrd, bootlogd.service does this instead.)
# dracut's init mounts /proc, /sys and /dev before the cmdline hooks: bootlogd
# finds the kernel's BTF (/sys/kernel/btf/vmlinux), which its exec-argument
# capture needs, as it does under systemd (PID 1 mounts /sys first thing).
#
# Not with bootlog.enable=0 (no recording this boot) or bootlog.initramfs=0
# (the real root starts the recorder: bootlogd.service, or
# init=/usr/lib/bootlog/init); 0, no, off and false all count.

# True if the kernel command line sets $1 to 0, no, off or false (dracut's
# getargbool does not know "false").
_bootlog_off() {
    case "$(getarg "$1")" in
        0 | no | off | false) return 0 ;;
    esac
    return 1
}

if ! _bootlog_off bootlog.enable && ! _bootlog_off bootlog.initramfs; then
    [ -d /run/bootlog ] || mkdir -m 0750 /run/bootlog
    # --daemon returns once the recorder records (or failed). Its output goes
    # to the kernel log: the console pipe of dracut's init is gone after
    # switch_root, the kernel log is not.
    if [ -w /dev/kmsg ]; then
        @SBINDIR@/bootlogd --daemon </dev/null >/dev/kmsg 2>&1
    else
        @SBINDIR@/bootlogd --daemon </dev/null
    fi
    _bootlog_rc=$?
    case $_bootlog_rc in
        0) ;;
        3) warn "bootlog: no process events in this kernel (proc connector), this boot is not recorded" ;;
        *) warn "bootlog: bootlogd --daemon failed (exit status $_bootlog_rc), this boot is not recorded" ;;
    esac
    unset _bootlog_rc
fi
unset -f _bootlog_off
