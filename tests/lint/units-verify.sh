#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd-analyze verify on every unit the build installs, in a scratch
# DESTDIR install used as --root: the ExecStart=/ExecCondition= binaries are
# the installed ones, and Documentation=man: pages are looked up among the
# installed man pages. Any message at all fails the test (verify itself only
# warns about unknown settings). Then, as root, systemd-tmpfiles applies the
# installed tmpfiles.d entries to that scratch root.
# Usage: units-verify.sh BUILD_DIR UNITDIR TMPFILESDIR MANDIR
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

build=$1 unitdir=$2 tmpfilesdir=$3 mandir=$4
need systemd-analyze systemd
need meson
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
install_to "$build" "$dest"

man_args=()
if compgen -G "$dest$mandir/man[1-8]/*" >/dev/null; then
        need man man-db
        # Only the installed pages: a page missing there is an error.
        export MANPATH=$dest$mandir
else
        echo "note: no man pages installed (-Dman=disabled or no scdoc): not checking Documentation="
        man_args=(--man=no)
fi

units=()
for f in "$dest$unitdir"/*; do
        case $f in
        *.service | *.socket | *.target | *.timer | *.path | *.mount | *.automount | *.slice | *.scope) units+=("$f") ;;
        esac
done
[ ${#units[@]} -gt 0 ] || fail "no units installed in $unitdir"

for u in "${units[@]}"; do
        out=$(systemd-analyze verify --root="$dest" "${man_args[@]}" "$u" 2>&1) && rc=0 || rc=$?
        if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
                printf '%s\n' "$out"
                fail "systemd-analyze verify ${u#"$dest"} (exit status $rc)"
        fi
        echo "ok: systemd-analyze verify ${u#"$dest"}"
done

for f in "$dest$tmpfilesdir"/*.conf; do
        [ -f "$f" ] || continue
        if [ "$(id -u)" -ne 0 ]; then
                echo "note: not root, not applying ${f#"$dest"}"
                continue
        fi
        need systemd-tmpfiles systemd
        root=$dest/tmpfiles-root
        mkdir -p "$root/etc"
        # The groups the entries name, as on a Debian system.
        getent group adm >"$root/etc/group" || echo "adm:x:4:" >"$root/etc/group"
        out=$(systemd-tmpfiles --create --root="$root" "$f" 2>&1) && rc=0 || rc=$?
        if [ "$rc" -ne 0 ] || [ -n "$out" ]; then
                printf '%s\n' "$out"
                fail "systemd-tmpfiles --create ${f#"$dest"} (exit status $rc)"
        fi
        echo "ok: systemd-tmpfiles --create ${f#"$dest"}:"
        (cd "$root" && find . -mindepth 1 -type d ! -path ./etc -printf '   %M %u:%g /%P\n' | sort -k2)
done
