#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the VM boot test's image: a Debian 12 root with systemd and the
# project installed, a Debian kernel, and two initrds made by the project's
# own hooks (initramfs-tools and dracut).
#
#   tests/vm/build-image.sh BUILD_DIR
#
# BUILD_DIR is a configured meson build directory of this project. Prints the
# image directory on stdout; it holds:
#   vmlinuz  initrd-tools.img  initrd-dracut.img  root.img (ext4, sparse)
#   initrd-tools.list  initrd-dracut.list (the initrds' file lists)
#   build-info.txt (kernel version, timings, notes)
#
# Cached per machine under ${BOOTLOG_VM_CACHE:-/var/cache/bootlog-vm}:
#   base-KEY.tar.zst         debootstrap + packages (KEY: suite, package list)
#   base-dracut-KEY.tar.zst  the same with dracut instead of initramfs-tools
#   image/                   the last image; reused as long as the project's
#                            installed files, the guest files and this script
#                            are unchanged
# Needs root, debootstrap, zstd, e2fsprogs (mkfs.ext4 -d), and Debian's mirror
# (for the base tarballs only). Loop devices are not used.
set -euo pipefail

die() {
        echo "build-image: $*" >&2
        exit 1
}
# Progress goes to fd 7 (stderr), also from commands whose output is redirected.
exec 7>&2
log() {
        echo "build-image: $*" >&7
}

[ $# -eq 1 ] || die "usage: $0 BUILD_DIR"
build=$(realpath "$1")
[ -f "$build/meson-info/meson-info.json" ] || die "$build is not a meson build directory"
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, file ownership)"
for tool in debootstrap zstd mkfs.ext4 meson chroot; do
        command -v "$tool" >/dev/null || die "missing $tool (tests/deps.sh installs it)"
done

here=$(cd "$(dirname "$0")" && pwd)
cache=${BOOTLOG_VM_CACHE:-/var/cache/bootlog-vm}
suite=bookworm
image_size=${BOOTLOG_VM_IMAGE_SIZE:-3G}
# dracut modules added to the dracut initrd (the project's module is 'bootlog').
dracut_modules=${BOOTLOG_VM_DRACUT_MODULES:-bootlog}
# The libraries are those the project's programs link dynamically: bootlog
# always, bootlogd where the build machine cannot link it statically. libbpf1
# and libelf1 are for the exec-argument capture (zlib1g is in every root).
packages=(
        systemd systemd-sysv udev dbus kmod procps
        libnl-3-200 libjson-c5 libzstd1 libsystemd0 libbpf1 libelf1
        linux-image-amd64 initramfs-tools zstd
        systemd-bootchart
)
# Bump when the recipe of the base tarballs changes.
base_recipe=1

# The machine's configured Debian mirror (deb.debian.org if none is found).
mirror=${BOOTLOG_VM_MIRROR:-}
if [ -z "$mirror" ]; then
        mirror=$(grep -hsE '^(deb |URIs:)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
                /etc/apt/sources.list.d/*.sources |
                grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ') || true
        mirror=${mirror:-http://deb.debian.org/debian}
fi

mkdir -p "$cache"
exec 9>"$cache/lock"
flock -w 3600 9 || die "could not lock $cache/lock"

work=$cache/work
mounts=()

# Mount what a chroot needs, run a command in it, unmount.
unmount_all() {
        local i
        for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
                umount -l "${mounts[$i]}" 2>/dev/null || true
        done
        mounts=()
}
trap unmount_all EXIT
in_root() {
        local root=$1
        shift
        local m
        for m in proc sys dev dev/pts; do
                mkdir -p "$root/$m"
        done
        mount -t proc proc "$root/proc" && mounts+=("$root/proc")
        mount -t sysfs sys "$root/sys" && mounts+=("$root/sys")
        mount --bind /dev "$root/dev" && mounts+=("$root/dev")
        mount -t devpts devpts "$root/dev/pts" -o newinstance,ptmxmode=0666 && mounts+=("$root/dev/pts")
        local rc=0
        LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                chroot "$root" "$@" || rc=$?
        unmount_all
        return $rc
}
# Remove a tree, never crossing into a mount (a forgotten bind of /dev).
remove_tree() {
        unmount_all
        if [ -e "$1" ]; then
                if grep -q " $(realpath "$1")/" /proc/mounts; then
                        die "refusing to remove $1: something is mounted under it"
                fi
                rm -rf --one-file-system "$1"
        fi
}
now() {
        date +%s.%N
}
elapsed() {
        awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}
timings=()
timed() {
        local what=$1
        shift
        local t0 rc=0
        t0=$(now)
        "$@" || rc=$?
        timings+=("$what: $(elapsed "$t0") s")
        log "$what took $(elapsed "$t0") s"
        return $rc
}
pack() {
        tar --numeric-owner --xattrs --xattrs-include='*' -C "$1" -cf - . | zstd -q -T0 -3 -o "$2.tmp"
        mv "$2.tmp" "$2"
}
unpack() {
        mkdir -p "$2"
        zstd -q -dc "$1" | tar --numeric-owner --xattrs --xattrs-include='*' -xpf - -C "$2"
}

key=$(printf '%s\n' "$suite" "$base_recipe" "${packages[@]}" | sha256sum | cut -c1-16)
base=$cache/base-$key.tar.zst
base_dracut=$cache/base-dracut-$key.tar.zst

no_services() {
        # No daemon may start inside the chroot while packages are installed.
        printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
        chmod 755 "$1/usr/sbin/policy-rc.d"
}

make_base() {
        local root=$work/base
        remove_tree "$root"
        log "debootstrap $suite from $mirror"
        timed "debootstrap (minbase)" debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
                { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed (log: $work/debootstrap.log)"; }
        cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
        no_services "$root"
        echo "deb $mirror $suite main" >"$root/etc/apt/sources.list"
        log "installing ${packages[*]}"
        timed "package install" in_root "$root" sh -c \
                "apt-get update -qq && apt-get install -y -qq --no-install-recommends $(printf '%s ' "${packages[@]}") >/var/log/vm-apt.log 2>&1" ||
                { tail -n 30 "$root/var/log/vm-apt.log" >&2; die "package install failed"; }
        # Root logs in without a password on the serial console; nothing else.
        in_root "$root" passwd -d root >/dev/null
        echo bootlog-vm >"$root/etc/hostname"
        printf '127.0.0.1 localhost\n127.0.1.1 bootlog-vm\n' >"$root/etc/hosts"
        echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
        in_root "$root" apt-get clean
        rm -f "$root/etc/resolv.conf"
        timed "pack base tarball" pack "$root" "$base"

        # dracut conflicts with initramfs-tools: a second base for the dracut initrd.
        cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
        timed "dracut install" in_root "$root" sh -c \
                "apt-get install -y -qq --no-install-recommends dracut >/var/log/vm-apt-dracut.log 2>&1" ||
                { tail -n 30 "$root/var/log/vm-apt-dracut.log" >&2; die "dracut install failed"; }
        in_root "$root" apt-get clean
        rm -f "$root/etc/resolv.conf"
        timed "pack base-dracut tarball" pack "$root" "$base_dracut"
        remove_tree "$root"
        find "$cache" -maxdepth 1 -name 'base-*.tar.zst' ! -name "*-$key.tar.zst" -delete
}

mkdir -p "$work"
if [ ! -f "$base" ] || [ ! -f "$base_dracut" ]; then
        t0=$(now)
        make_base
        log "base tarballs built in $(elapsed "$t0") s"
else
        log "using cached $base"
fi

# The project, installed with prefix /usr. If BUILD's prefix is not /usr, a
# build directory for the guest is configured from the same sources.
src=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["directories"]["source"])' \
        "$build/meson-info/meson-info.json")
prefix=$(meson introspect --buildoptions "$build" |
        python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
gbuild=$build
if [ "$prefix" != /usr ]; then
        gbuild=$cache/build-guest
        if [ ! -f "$gbuild/meson-info/meson-info.json" ] ||
                [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["directories"]["source"])' \
                        "$gbuild/meson-info/meson-info.json")" != "$src" ]; then
                rm -rf "$gbuild"
                meson setup --prefix=/usr --buildtype=debugoptimized -Dtests=false "$gbuild" "$src" >&2
        fi
        log "BUILD's prefix is $prefix; building for the guest in $gbuild (prefix /usr)"
fi
ninja -C "$gbuild" >&2
stage=$work/stage
remove_tree "$stage"
DESTDIR=$stage meson install -C "$gbuild" --no-rebuild >"$work/install.log" 2>&1 ||
        { cat "$work/install.log" >&2; die "meson install failed"; }
# The guest's test files: the seed story and the finish unit.
gt=$stage/usr/local/lib/bootlog-test
mkdir -p "$gt" "$stage/etc/systemd/system"
cp -a "$src/tests/integration/seed" "$gt/seed"
install -m 755 "$here/guest/vm-test-finish" "$gt/vm-test-finish"
install -m 644 "$here/guest/seed-story.service" "$here/guest/vm-test-finish.service" "$stage/etc/systemd/system/"

# The image is reused while its inputs are the same.
stamp=$( (
        echo "$key $image_size $dracut_modules"
        sha256sum "$0"
        cd "$stage" && find . \( -type f -o -type l \) -printf '%p %l %m\n' | LC_ALL=C sort
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
) | sha256sum | cut -c1-32)
image=$cache/image
if [ -f "$image/stamp" ] && [ "$(cat "$image/stamp")" = "$stamp" ] && [ -f "$image/root.img" ]; then
        log "image up to date: $image"
        echo "$image"
        exit 0
fi

t_all=$(now)
new=$cache/image.new
remove_tree "$new"
mkdir -p "$new"
notes=()

install_project() {
        local root=$1
        tar -C "$stage" -cf - . | tar -C "$root" -xpf - --keep-directory-symlink --no-same-owner
        systemctl --root="$root" enable bootlogd.service seed-story.service vm-test-finish.service >/dev/null 2>&1 ||
                die "systemctl --root enable failed in $root"
}

# initramfs-tools flavour; its root is the one that boots (both flavours).
rt=$work/root-tools
remove_tree "$rt"
timed "unpack base" unpack "$base" "$rt"
install_project "$rt"
kver=$(basename "$(find "$rt/usr/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)")
[ -n "$kver" ] || die "no kernel in the image"
cp "$rt/boot/vmlinuz-$kver" "$new/vmlinuz"
rm -f "$rt/boot/initrd.img-$kver"
timed "initrd (initramfs-tools)" in_root "$rt" update-initramfs -c -k "$kver" >"$work/initrd-tools.log" 2>&1 ||
        { cat "$work/initrd-tools.log" >&2; die "update-initramfs failed"; }
cp "$rt/boot/initrd.img-$kver" "$new/initrd-tools.img"
in_root "$rt" lsinitramfs "/boot/initrd.img-$kver" >"$new/initrd-tools.list"
grep -q 'bootlogd$' "$new/initrd-tools.list" ||
        notes+=("initramfs-tools initrd holds no bootlogd (is the project's hook installed?)")

# dracut flavour: a copy of the root with dracut, used only to make the initrd.
rd=$work/root-dracut
remove_tree "$rd"
timed "unpack base-dracut" unpack "$base_dracut" "$rd"
install_project "$rd"
add=()
for m in $dracut_modules; do
        if compgen -G "$rd/usr/lib/dracut/modules.d/[0-9][0-9]$m" >/dev/null; then
                add+=("$m")
        else
                notes+=("dracut module '$m' is not installed: initrd made without it")
        fi
done
dracut_args=(--force --no-hostonly --no-hostonly-cmdline --kver "$kver")
[ ${#add[@]} -eq 0 ] || dracut_args+=(--add "${add[*]}")
timed "initrd (dracut)" in_root "$rd" dracut "${dracut_args[@]}" /tmp/initrd-dracut.img >"$work/initrd-dracut.log" 2>&1 ||
        { tail -n 40 "$work/initrd-dracut.log" >&2; die "dracut failed"; }
in_root "$rd" lsinitrd /tmp/initrd-dracut.img >"$new/initrd-dracut.list" 2>&1 || true
mv "$rd/tmp/initrd-dracut.img" "$new/initrd-dracut.img"
grep -q 'bootlogd$' "$new/initrd-dracut.list" ||
        notes+=("dracut initrd holds no bootlogd (is the project's module installed?)")
remove_tree "$rd"

timed "mkfs.ext4 -d" mkfs.ext4 -q -F -L bootlog-root -d "$rt" "$new/root.img" "$image_size"
remove_tree "$rt"

{
        echo "kernel=$kver"
        echo "mirror=$mirror"
        echo "base=$base"
        echo "dracut_modules=$dracut_modules"
        echo "project_build=$gbuild"
        printf 'timing: %s\n' "${timings[@]}"
        echo "timing: image total: $(elapsed "$t_all") s"
        [ ${#notes[@]} -eq 0 ] || printf 'note: %s\n' "${notes[@]}"
} >"$new/build-info.txt"
for n in "${notes[@]}"; do
        log "NOTE: $n"
done
echo "$stamp" >"$new/stamp"
remove_tree "$image"
mv "$new" "$image"
remove_tree "$stage"
log "image ready in $(elapsed "$t_all") s: $image"
echo "$image"
