#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs what building and testing bootlog needs, from Debian's packages.
# Idempotent: does nothing when everything is there. Needs root for apt-get.
set -euo pipefail

packages=(
        build-essential meson ninja-build pkg-config python3
        libnl-3-dev libnl-genl-3-dev libjson-c-dev libzstd-dev libcmocka-dev
        # the exec-argument capture (-Dbpf): a BPF program built by clang, embedded
        # by bpftool as a libbpf skeleton; libelf and zlib for a static libbpf
        libbpf-dev bpftool libelf-dev zlib1g-dev
        scdoc clang libclang-rt-14-dev clang-format git
        # the VM boot test (tests/vm): qemu (TCG), the image's root and disk
        qemu-system-x86 debootstrap e2fsprogs zstd
        # tests/lint: systemd-analyze and systemd-tmpfiles, man (verify's
        # Documentation= check), shellcheck; tests/golden: bash-completion
        systemd man-db shellcheck bash-completion
        # tests/integration/test-plot.py: rsvg-convert renders the SVG
        librsvg2-bin
        # test-journal-export.py, test-fleet.py: systemd-journal-remote and -upload
        systemd-journal-remote
        # tests/bench: forkstat side by side, zstd -19 on its log, /usr/bin/time for peak RSS
        forkstat time
        # tests/integration/test-valgrind.py: memcheck on bootlogd and bootlog
        valgrind
        # tests/golden/test-locale.py: the decimal-comma locales below
        locales
)
# Locales with a decimal comma, in UTF-8 and in an ASCII-compatible 8-bit codeset: the views must print
# the same bytes in them as in C.UTF-8 and C (tests/golden/test-locale.py). "NAME CHARMAP", as in
# /etc/locale.gen.
locales=("de_DE.UTF-8 UTF-8" "de_DE ISO-8859-1")

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" -ne 0 ]; then
                echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
                exit 1
        fi
        echo "deps.sh: installing ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

missing=()
for l in "${locales[@]}"; do
        [ "$(LC_ALL=${l% *} locale charmap 2>/dev/null)" = "${l#* }" ] || missing+=("$l")
done
if [ ${#missing[@]} -eq 0 ]; then
        exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
        echo "deps.sh: missing locales: ${missing[*]} (run as root to generate them)" >&2
        exit 1
fi
echo "deps.sh: generating the locales ${missing[*]}" >&2
# Listed in /etc/locale.gen, not just built with localedef: locale-gen, which the locales package runs on
# each upgrade, rebuilds the archive from that list. --keep-existing leaves other locales alone.
for l in "${missing[@]}"; do
        grep -qxF "$l" /etc/locale.gen || echo "$l" >>/etc/locale.gen
done
locale-gen --keep-existing >/dev/null
