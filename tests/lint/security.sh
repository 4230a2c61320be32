#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd-analyze security --offline=true on a unit: prints the whole table
# and the overall exposure score, and checks the score is a number.
# (The bound it must stay under is to come; see the issue tracker.)
# Usage: security.sh UNIT_FILE
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

unit=$1
need systemd-analyze systemd
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || fail "systemd-analyze security exited with status $rc"
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]\).*/\1/p')
[[ $score =~ ^[0-9]+\.[0-9]$ ]] || fail "no exposure score in the output"
echo "exposure score of $(basename "$unit"): $score"
