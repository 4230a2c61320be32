#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd-analyze security --offline=true on a unit: prints the whole table
# and the overall exposure score, and fails when the score is above MAX
# (one decimal, as systemd-analyze prints it, e.g. 2.0).
# Usage: security.sh UNIT_FILE MAX
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

unit=$1
max=${2:?usage: security.sh UNIT_FILE MAX}
[[ $max =~ ^[0-9]+\.[0-9]$ ]] || fail "MAX must be a score such as 2.0, not '$max'"
need systemd-analyze systemd
out=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || fail "systemd-analyze security exited with status $rc"
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9]*\.[0-9]\).*/\1/p')
[[ $score =~ ^[0-9]+\.[0-9]$ ]] || fail "no exposure score in the output"
echo "exposure score of $(basename "$unit"): $score (at most $max)"
# Tenths, as integers: 2.0 -> 20.
((10#${score/./} <= 10#${max/./})) ||
        fail "exposure score $score is above $max: a hardening setting was lost or weakened"
