# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared by the lint tests. Exit-code protocol: 0 pass, 1 fail, 77 skip.

# need TOOL [PACKAGE]: skip (77) when TOOL is missing, unless CI asks for
# every check to run (CI set to anything but empty, 0, false or no): then fail.
need() {
        command -v "$1" >/dev/null 2>&1 && return 0
        case ${CI:-} in
        '' | 0 | false | no)
                echo "SKIP: '$1' not found (Debian package ${2:-$1}; tests/deps.sh installs it)"
                exit 77
                ;;
        *)
                echo "FAIL: '$1' not found and CI=$CI: CI runs every check (Debian package ${2:-$1})"
                exit 1
                ;;
        esac
}

fail() {
        echo "FAIL: $*"
        exit 1
}

# install_to BUILD_DIR DESTDIR: meson install of the build into DESTDIR.
install_to() {
        local log
        log=$(meson install -C "$1" --destdir "$2" --no-rebuild --quiet 2>&1) ||
                { printf '%s\n' "$log"; fail "meson install --destdir $2 failed"; }
}
