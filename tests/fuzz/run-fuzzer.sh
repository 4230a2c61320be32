#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-fuzzer.sh FUZZER SEED_DIR...: runs a libFuzzer binary for FUZZ_TIME
# seconds (60 by default) on a temporary copy of the seed directories (the
# checkout is never written), and fails if it finds a crash, a leak or a
# timeout. A crashing input is kept in FUZZ_ARTIFACTS (default: the current
# directory, meson's build directory); add it to tests/fuzz/regressions-TARGET/.
set -euo pipefail
fuzzer=$1
shift
time=${FUZZ_TIME:-60}
artifacts=${FUZZ_ARTIFACTS:-$PWD}
: "${ASAN_OPTIONS:=detect_leaks=1:abort_on_error=1}"
: "${UBSAN_OPTIONS:=halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/corpus"
for d in "$@"; do
        [ -d "$d" ] && cp -r "$d/." "$tmp/corpus/"
done
mkdir -p "$artifacts"
name=$(basename "$fuzzer")

echo "$name: $(find "$tmp/corpus" -type f | wc -l) seeds, ${time}s"
rc=0
"$fuzzer" -max_total_time="$time" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$artifacts/$name-" "$tmp/corpus" >"$tmp/log" 2>&1 || rc=$?
grep -E '^(stat::|INFO: (Running|Seed|-max_len)|#[0-9]+ +DONE)' "$tmp/log" || true
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log")
secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$tmp/log")
if [ "$rc" -ne 0 ]; then
        tail -n 80 "$tmp/log"
        echo "$name: FAILED (exit $rc) after ${execs:-?} executions; artifacts: $artifacts/$name-*" >&2
        exit 1
fi
echo "$name: ${execs:-?} executions, ${secs:-?}/s, no crash"
