#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the build into a scratch DESTDIR and checks that every integration
# file lands where it is looked for, with the right type and mode.
# Usage: install-layout.sh BUILD_DIR SPEC...
# SPEC: TYPE:PATH with TYPE one of
#   exe   an executable regular file
#   file  a regular file, not executable, not writable by group or others
#   link=TARGET  a symbolic link to TARGET, which is installed and executable
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

build=$1
shift
need meson
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
install_to "$build" "$dest"

n=0
for spec in "$@"; do
        type=${spec%%:*}
        path=${spec#*:}
        f=$dest$path
        case $type in
        exe)
                if [ ! -f "$f" ] || [ -L "$f" ]; then fail "$path: not installed as a regular file"; fi
                [ -x "$f" ] || fail "$path: not executable"
                ;;
        file)
                if [ ! -f "$f" ] || [ -L "$f" ]; then fail "$path: not installed as a regular file"; fi
                [ ! -x "$f" ] || fail "$path: executable, should not be"
                [ -z "$(find "$f" -perm /022)" ] || fail "$path: writable by group or others"
                ;;
        link=*)
                target=${type#link=}
                [ -L "$f" ] || fail "$path: not a symbolic link"
                [ "$(readlink "$f")" = "$target" ] || fail "$path: points to $(readlink "$f"), not $target"
                [ -x "$dest$target" ] || fail "$path: its target $target is not an installed executable"
                ;;
        *) fail "bad spec '$spec'" ;;
        esac
        echo "ok: $type $path"
        n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "nothing to check"
echo "All $n installed paths as expected. Installed tree:"
(cd "$dest" && find . \( -type l -printf '%M /%P -> %l\n' \) -o \( -type f -printf '%M /%P\n' \) | sort -k2)
