#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds bootlog and runs every test suite, as CI does:
#   1. formatting check (clang-format),
#   2. a build with warnings as errors, then all suites,
#   3. an ASan+UBSan build, then the unit and integration suites again.
# Run as root on Debian 12 (the integration suite records real kernel events).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

tests/deps.sh

echo "== clang-format"
mapfile -t sources < <(git ls-files '*.c' '*.h' 2>/dev/null || find src tests -name '*.[ch]')
clang-format --dry-run --Werror "${sources[@]}"

echo "== build (werror) and test"
build=${BUILD_DIR:-$top/build}
if [ -d "$build" ]; then
        meson setup --reconfigure -Dwerror=true "$build" >/dev/null
else
        meson setup -Dwerror=true "$build" >/dev/null
fi
ninja -C "$build"
meson test -C "$build" --print-errorlogs
# The benchmark harness, small and once (tests/bench): it checks that it runs and that bootlogd
# loses nothing; it never gates on a time.
meson test -C "$build" --print-errorlogs --suite bench

echo "== ASan+UBSan build and test"
asan=${ASAN_BUILD_DIR:-$top/build-asan}
if [ ! -d "$asan" ]; then
        CC=clang meson setup -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false "$asan" >/dev/null
fi
ninja -C "$asan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        meson test -C "$asan" --print-errorlogs --suite unit --suite integration
# libFuzzer targets (tests/fuzz), each for FUZZ_TIME seconds (60 by default): any crash fails.
meson test -C "$asan" --print-errorlogs --suite fuzz
