#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# man-pages.sh PAGE.scd...: each page builds with scdoc and renders with man(1)
# without a warning from groff, and has the sections a reader looks for.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
need scdoc
need man man-db

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for src in "$@"; do
        page=$tmp/$(basename "${src%.scd}")
        scdoc <"$src" >"$page" || fail "scdoc failed on $src"
        out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$page" 2>"$tmp/err") || fail "man -l failed on $src"
        [ -s "$tmp/err" ] && { cat "$tmp/err"; fail "groff warnings rendering $src"; }
        for section in NAME SYNOPSIS DESCRIPTION; do
                grep -q "^$section" <<<"$out" || fail "$src: no $section section"
        done
        echo "ok: $(basename "$src") renders ($(wc -l <<<"$out") lines)"
done
