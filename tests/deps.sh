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
)

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
        exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
        echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
