#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-replay.sh FUZZ_DIR REPLAY_EXE...: runs each replay-TARGET on
# FUZZ_DIR/corpus-TARGET/ and FUZZ_DIR/regressions-TARGET/ (those that exist).
set -euo pipefail
dir=$1
shift
rc=0
for exe in "$@"; do
        target=${exe##*/replay-}
        paths=()
        for d in "$dir/corpus-$target" "$dir/regressions-$target"; do
                [ -d "$d" ] && paths+=("$d")
        done
        if [ ${#paths[@]} -eq 0 ]; then
                echo "no inputs for $target" >&2
                rc=1
                continue
        fi
        echo "== $target: ${paths[*]}"
        "$exe" "${paths[@]}" || rc=1
done
exit $rc
