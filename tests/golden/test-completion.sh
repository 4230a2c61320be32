#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The bash completion (src/bootlog/bootlog.bash-completion), as bash runs it
# on TAB: COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT set for a command
# line, the completion function called, COMPREPLY checked. Needs
# bash-completion's helpers: skips (77) without them, fails if CI is set.
#
# Environment: BOOTLOG (the program), BOOTLOG_COMPLETION (the file),
# MAKE_FIXTURE (for -b: recordings to offer), BASH_COMPLETION_MAIN (default:
# /usr/share/bash-completion/bash_completion).

BOOTLOG=${BOOTLOG:-bootlog}
main=${BASH_COMPLETION_MAIN:-/usr/share/bash-completion/bash_completion}

n=0
failed=0
ok() { # ok COND-STATUS DESCRIPTION [DETAIL]
        n=$((n + 1))
        if [ "$1" -eq 0 ]; then
                echo "ok $n - $2"
        else
                failed=$((failed + 1))
                echo "not ok $n - $2"
                [ -n "${3-}" ] && printf '%s\n' "$3" | head -n 30 | sed 's/^/#   /'
        fi
}
skip() {
        n=$((n + 1))
        echo "ok $n - $1 # SKIP $2"
}

if [ -r "$main" ]; then
        # shellcheck source=/dev/null
        . "$main"
fi
if ! declare -F _init_completion >/dev/null; then
        if [ -n "${CI-}" ]; then
                echo "1..1"
                echo "not ok 1 - bash-completion's _init_completion is missing ($main): install bash-completion"
                exit 1
        fi
        echo "1..0 # SKIP bash-completion is not installed ($main)"
        exit 77
fi
# shellcheck source=/dev/null
. "$BOOTLOG_COMPLETION"
# Outside a real completion compopt complains; what it would set is not checked here.
compopt() { builtin compopt "$@" 2>/dev/null || true; }

d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
mkdir recordings subdir
touch seed.bootlog other.txt plot.svg

# complete WORD... : COMPREPLY for the command line "bootlog WORD...", the cursor at its end (the last
# word is the one being completed; "" for a new word). Prints one candidate per line.
complete_line() {
        COMP_WORDS=("$BOOTLOG" "$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _bootlog "$BOOTLOG" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\n' "${COMPREPLY[@]}"
}

# has OUTPUT WORD... : every WORD is a line of OUTPUT
has() {
        local out=$1 w
        shift
        for w in "$@"; do
                grep -qxF -- "$w" <<<"$out" || return 1
        done
}

out=$(complete_line "")
has "$out" record tree why events export verify boots stop
ok $? "bootlog <TAB> offers every subcommand" "$out"

for v in stats diff plot; do
        if "$BOOTLOG" --help | grep -q "^  $v "; then
                has "$out" "$v"
                ok $? "bootlog <TAB> offers $v" "$out"
        else
                skip "bootlog <TAB> offers $v" "pending: bootlog has no $v yet"
        fi
done

out=$(complete_line "tr")
[ "$out" = "tree" ]
ok $? "bootlog tr<TAB> completes to tree" "$out"

out=$(complete_line "--")
has "$out" --help --version
ok $? "bootlog --<TAB> offers --help and --version" "$out"

out=$(complete_line tree "--")
has "$out" --file --boot --directory --pid --full --help
ok $? "bootlog tree --<TAB> offers --file and the other options of tree" "$out"

# Every option each subcommand's --help lists is offered.
for v in $("$BOOTLOG" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
        want=$("$BOOTLOG" "$v" --help | grep -E '^ {1,8}-' | grep -oE -- '--[a-z][a-z-]*' | sort -u)
        out=$(complete_line "$v" "--" | sed 's/=$//' | sort -u)
        missing=$(comm -23 <(printf '%s\n' "$want") <(printf '%s\n' "$out"))
        [ -z "$missing" ]
        ok $? "bootlog $v --<TAB> offers every option of 'bootlog $v --help'" "missing: $missing"
done

out=$(complete_line tree --file "")
has "$out" seed.bootlog recordings subdir && ! has "$out" other.txt
ok $? "bootlog tree --file <TAB> offers *.bootlog files and directories, not other files" "$out"

out=$(complete_line why --file=s)
has "$out" seed.bootlog subdir
ok $? "bootlog why --file=s<TAB> completes the attached value" "$out"

out=$(complete_line boots -D "")
has "$out" recordings subdir && ! has "$out" seed.bootlog
ok $? "bootlog boots -D <TAB> offers directories" "$out"

out=$(complete_line export --format "")
if "$BOOTLOG" export --help | grep -q -- "--format.*csv"; then
        has "$out" json csv
else
        has "$out" json
fi
ok $? "bootlog export --format <TAB> offers the formats export --help names" "$out"

if "$BOOTLOG" tree --help | grep -q -- "--color"; then
        out=$(complete_line tree --color=)
        has "$out" auto always never
        ok $? "bootlog tree --color=<TAB> offers auto, always, never" "$out"
else
        skip "bootlog tree --color=<TAB> offers auto, always, never" "pending: tree has no --color yet"
fi

if [ -n "${MAKE_FIXTURE-}" ] && "$MAKE_FIXTURE" seed recordings/a.bootlog seed2 recordings/b.bootlog; then
        out=$(complete_line tree -D recordings -b "")
        has "$out" 0 -1 5eedb0070001400080000000000000a1 5eedb0070001400080000000000000a2
        ok $? "bootlog tree -D DIR -b <TAB> offers the boots' offsets and ids" "$out"
        out=$(complete_line why -D recordings --boot=5eed)
        has "$out" 5eedb0070001400080000000000000a1 5eedb0070001400080000000000000a2
        ok $? "bootlog why -D DIR --boot=5eed<TAB> completes boot ids" "$out"
else
        skip "bootlog tree -D DIR -b <TAB> offers the boots' offsets and ids" "MAKE_FIXTURE not set"
fi

out=$(complete_line record -o "")
has "$out" other.txt seed.bootlog
ok $? "bootlog record -o <TAB> offers files" "$out"

out=$(complete_line record -o x.bootlog --force "slee")
has "$out" sleep
ok $? "bootlog record [OPTIONS] slee<TAB> completes the command" "$out"

out=$(complete_line record -- "slee")
has "$out" sleep
ok $? "bootlog record -- slee<TAB> completes the command" "$out"

out=$(complete_line record "--g")
[ "$out" = "--grace=" ]
ok $? "bootlog record --g<TAB> completes record's own option" "$out"

out=$(complete_line record ls "--")
! has "$out" --grace=
ok $? "after COMMAND, options are the command's, not record's" "$out"

echo "1..$n"
[ "$failed" -eq 0 ]
