#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boots the VM boot test's image once, under qemu's software emulation (TCG),
# and reads the guest's recording back out of its disk afterwards.
#
#   tests/vm/boot.sh IMAGE_DIR FLAVOUR OUTDIR [KERNEL_ARG...]
#
# IMAGE_DIR comes from build-image.sh; FLAVOUR is 'tools' (initramfs-tools) or
# 'dracut'; extra arguments are appended to the kernel command line. The
# guest's vm-test-finish.service powers it off once bootlogd has finished;
# qemu is killed after ${BOOTLOG_VM_TIMEOUT:-300} s regardless. Leaves in
# OUTDIR: console.log (serial console), qemu.txt (command, exit status, wall
# time), bootlog/ (the guest's /var/log/bootlog) and bootlog-test/ (the
# guest's /var/log/bootlog-test: journal dump, state).
#
# The guest boots a copy of root.img made in OUTDIR and removed afterwards,
# or, with BOOTLOG_VM_DISK=FILE, that disk (a copy made earlier, kept): so
# several boots can follow one another on one machine's disk.
#
# KVM is not used: on the machines this was written on a KVM guest hung at
# boot. BOOTLOG_VM_ACCEL=kvm tries it anyway.
set -euo pipefail

die() {
        echo "boot: $*" >&2
        exit 1
}

[ $# -ge 3 ] || die "usage: $0 IMAGE_DIR tools|dracut OUTDIR [KERNEL_ARG...]"
image=$1
flavour=$2
out=$3
shift 3
case "$flavour" in
tools | dracut) ;;
*) die "flavour must be 'tools' or 'dracut', not '$flavour'" ;;
esac
for f in vmlinuz "initrd-$flavour.img" root.img; do
        [ -f "$image/$f" ] || die "$image/$f is missing (run build-image.sh)"
done
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing (tests/deps.sh installs it)"
command -v debugfs >/dev/null || die "debugfs is missing (e2fsprogs)"

timeout_s=${BOOTLOG_VM_TIMEOUT:-300}
accel=${BOOTLOG_VM_ACCEL:-tcg}
mem=${BOOTLOG_VM_MEM:-1536}
smp=${BOOTLOG_VM_SMP:-2}

rm -rf "$out"
mkdir -p "$out"
disk=${BOOTLOG_VM_DISK:-}
if [ -z "$disk" ]; then
        disk=$out/disk.img
        cp --sparse=always "$image/root.img" "$disk"
fi
[ -f "$disk" ] || die "no disk $disk"

append="root=/dev/vda rw console=ttyS0 panic=-1 fsck.mode=skip $*"
cmd=(qemu-system-x86_64 -accel "$accel" -machine q35 -m "$mem" -smp "$smp"
        -nographic -no-reboot -nic none
        -kernel "$image/vmlinuz" -initrd "$image/initrd-$flavour.img"
        -append "$append"
        -drive "file=$disk,if=virtio,format=raw")
t0=$(date +%s.%N)
rc=0
timeout --kill-after=10 "$timeout_s" "${cmd[@]}" </dev/null >"$out/console.log" 2>"$out/qemu.stderr" || rc=$?
wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
{
        printf 'command:'
        printf ' %q' "${cmd[@]}"
        echo
        echo "exit=$rc"
        echo "wall=$wall"
        case "$rc" in
        124 | 137) echo "timed_out=1" ;;
        *) echo "timed_out=0" ;;
        esac
} >"$out/qemu.txt"
echo "boot: $flavour: qemu exited $rc after $wall s" >&2

# Read the guest's directories back, without mounting the image.
for d in bootlog bootlog-test; do
        if debugfs -R "stat /var/log/$d" "$disk" 2>/dev/null | grep -q 'Type: directory'; then
                debugfs -R "rdump /var/log/$d $out" "$disk" >/dev/null 2>&1 || true
        fi
done
# The listing too (anything left only in the guest's /run is gone: tmpfs).
debugfs -R "ls -l /var/log/bootlog" "$disk" >"$out/var-log-bootlog.ls" 2>&1 || true
[ -n "${BOOTLOG_VM_DISK:-}" ] || rm -f "$disk"
[ "$rc" -eq 0 ] || exit 2
