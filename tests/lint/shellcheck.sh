#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs shellcheck on the initramfs scripts, as configured (what gets
# installed), each in the dialect of the shell that runs it, and on these
# lint scripts.
# Usage: shellcheck.sh [DIALECT FILE]...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

need shellcheck
here=$(dirname "$0")
[ $(($# % 2)) -eq 0 ] || fail "usage: shellcheck.sh [DIALECT FILE]..."
set -- "$@" bash "$here"/lib.sh bash "$here"/install-layout.sh bash "$here"/units-verify.sh \
        bash "$here"/shellcheck.sh bash "$here"/security.sh
status=0
while [ $# -gt 0 ]; do
        dialect=$1 f=$2
        shift 2
        [ -f "$f" ] || fail "$f: no such file"
        if shellcheck --shell="$dialect" --severity=style --external-sources "$f"; then
                echo "ok: shellcheck --shell=$dialect $(basename "$f")"
        else
                echo "FAIL: shellcheck --shell=$dialect $f"
                status=1
        fi
done
exit $status
