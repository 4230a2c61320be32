#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The command line's behaviour on bad input: --help everywhere, wrong flags,
# missing arguments, missing, unreadable and foreign files. Each mistake must
# give exit status 2 (usage) or 1 (data) and exactly one line on stderr that
# names the problem; nothing may crash. Needs no root and no recording.
set -euo pipefail

BOOTLOG=${BOOTLOG:-bootlog}
# Messages (strerror) in English, whatever the caller's locale.
export LC_ALL=C
[[ $BOOTLOG == */* ]] && BOOTLOG=$(realpath "$BOOTLOG")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A directory without recordings, for -D.
mkdir "$tmp/none"
# Anything a misbehaving command might write lands in the scratch directory.
cd "$tmp"

n=0
failed=0

ok() {
        n=$((n + 1))
        echo "ok $n - $1"
}

not_ok() {
        n=$((n + 1))
        failed=$((failed + 1))
        echo "not ok $n - $1"
        shift
        for line in "$@"; do
                printf '%s\n' "$line" | sed 's/^/#   /'
        done
}

# run ARGS...: runs bootlog, leaving the exit status in $rc, output in $tmp/out and $tmp/err.
run() {
        rc=0
        "$BOOTLOG" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
}

# expect_help DESCRIPTION ARGS...: exit 0, usage text on stdout, stderr empty.
expect_help() {
        local what=$1
        shift
        run "$@"
        if [[ $rc -eq 0 && -s $tmp/out && ! -s $tmp/err ]] && grep -q '^Usage: bootlog' "$tmp/out"; then
                ok "$what"
        else
                not_ok "$what" "exit status $rc" "stdout: $(head -3 "$tmp/out")" "stderr: $(head -10 "$tmp/err")"
        fi
}

# expect_error DESCRIPTION STATUS REGEX ARGS...: exit STATUS, nothing on stdout,
# exactly one line on stderr, matching REGEX (extended, case-sensitive).
expect_error() {
        local what=$1 status=$2 regex=$3
        shift 3
        run "$@"
        local lines
        lines=$(wc -l <"$tmp/err")
        if [[ $rc -eq $status && $lines -eq 1 && ! -s $tmp/out ]] && grep -Eq -- "$regex" "$tmp/err"; then
                ok "$what"
        else
                not_ok "$what" "exit status $rc (want $status), $lines stderr lines (want 1)" \
                        "stderr: $(head -10 "$tmp/err")" "stdout: $(head -3 "$tmp/out")"
        fi
}

verbs=(record tree why events stats diff export verify boots stop)
readers=(tree why events stats export verify)

# --help, for the program and each command.
expect_help "bootlog --help prints usage" --help
expect_help "bootlog -h prints usage" -h
for v in "${verbs[@]}"; do
        expect_help "bootlog $v --help prints usage" "$v" --help
        expect_help "bootlog $v -h prints usage" "$v" -h
done
run --version
if [[ $rc -eq 0 ]] && grep -Eq '^bootlog [0-9]' "$tmp/out"; then
        ok "bootlog --version"
else
        not_ok "bootlog --version" "exit status $rc" "$(cat "$tmp/out" "$tmp/err")"
fi

# Usage errors: exit 2, one line naming the problem.
expect_error "unknown command" 2 "'frobnicate'" frobnicate
for v in "${verbs[@]}"; do
        expect_error "bootlog $v --bogus is a usage error" 2 "^bootlog $v: .*'--bogus'.*bootlog $v --help" \
                "$v" --bogus
        expect_error "bootlog $v -Z is a usage error" 2 "^bootlog $v: .*'-Z'" "$v" -Z
done
for v in "${readers[@]}"; do
        pattern=()
        [[ $v == why ]] && pattern=(sendmail)
        expect_error "bootlog $v --file with -b is a usage error" 2 "^bootlog $v: .*--file.*-b" \
                "$v" "${pattern[@]}" --file /nonexistent -b
        expect_error "bootlog $v --file with -D is a usage error" 2 "^bootlog $v: .*--file.*-D" \
                "$v" "${pattern[@]}" -D "$tmp" --file /nonexistent
        expect_error "bootlog $v with a bad boot" 2 "^bootlog $v: .*'xyz'" "$v" "${pattern[@]}" --boot=xyz
        expect_error "bootlog $v -D without recordings" 1 "No recordings in $tmp/none\\.$" \
                "$v" "${pattern[@]}" -D "$tmp/none"
        expect_error "bootlog $v -D without recordings, -b -5" 1 "No recordings in $tmp/none\\.$" \
                "$v" "${pattern[@]}" -D "$tmp/none" -b -5
        expect_error "bootlog $v -D on a missing directory" 1 "'$tmp/missing'.*No such file or directory" \
                "$v" "${pattern[@]}" -D "$tmp/missing"
        expect_error "bootlog $v --file without its argument" 2 "^bootlog $v: .*'--file'.*requires an argument" \
                "$v" "${pattern[@]}" --file
        expect_error "bootlog $v with an extra argument" 2 "^bootlog $v: .*'extra'" \
                "$v" --file /nonexistent "${pattern[@]}" extra
done
expect_error "bootlog why without a PATTERN" 2 "^bootlog why: .*PATTERN" why --file /nonexistent
expect_error "bootlog tree --pid with a bad PID" 2 "^bootlog tree: .*'abc'" tree --file /nonexistent --pid abc
expect_error "bootlog export --format xml is not supported" 2 "^bootlog export: .*'xml'.*json, csv" \
        export --file /nonexistent --format xml
expect_error "bootlog record without a command" 2 "bootlog record" record -o "$tmp/r.blog"
expect_error "bootlog boots with an extra argument" 2 "^bootlog boots: .*'extra'" boots extra
expect_error "bootlog stop with a bad --timeout" 2 "^bootlog stop: .*'soon'" stop --timeout soon

# Data errors: exit 1, one line naming the file and the reason.
missing=$tmp/does-not-exist.blog
: >"$tmp/empty"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$tmp/passwd"
head -c 4096 /dev/urandom >"$tmp/random"
mkdir "$tmp/dir"
for v in "${readers[@]}"; do
        pattern=()
        [[ $v == why ]] && pattern=(sendmail)
        expect_error "bootlog $v on a missing file" 1 "'$missing'.*No such file or directory" \
                "$v" "${pattern[@]}" --file "$missing"
        expect_error "bootlog $v on a text file" 1 "'$tmp/passwd' is not a bootlog recording" \
                "$v" "${pattern[@]}" --file "$tmp/passwd"
        expect_error "bootlog $v on an empty file" 1 "'$tmp/empty' is not a bootlog recording" \
                "$v" "${pattern[@]}" --file "$tmp/empty"
        expect_error "bootlog $v on random bytes" 1 "'$tmp/random' is not a bootlog recording" \
                "$v" "${pattern[@]}" --file "$tmp/random"
        expect_error "bootlog $v on a directory" 1 "'$tmp/dir'" "$v" "${pattern[@]}" --file "$tmp/dir"
done

# Recording selection and the recorder, without recordings or a recorder.
expect_error "bootlog boots -D without recordings" 1 "No recordings in $tmp/none\\.$" boots -D "$tmp/none"
expect_error "bootlog stop without a PID file" 1 "^bootlog: No recorder is running\\.$" \
        stop --pid-file "$tmp/none/bootlogd.pid"
printf 'garbage\n' >"$tmp/garbage.pid"
expect_error "bootlog stop with a PID file without a PID" 1 "'$tmp/garbage.pid' does not hold a PID" \
        stop --pid-file "$tmp/garbage.pid"
sleep 60 &
sleeper=$!
echo "$sleeper" >"$tmp/other.pid"
expect_error "bootlog stop leaves a process that is not bootlogd alone" 1 "No recorder is running: .* not bootlogd" \
        stop --pid-file "$tmp/other.pid"
if kill -0 "$sleeper" 2>/dev/null; then
        ok "the process that is not bootlogd still runs"
else
        not_ok "the process that is not bootlogd still runs"
fi
kill "$sleeper"
wait "$sleeper" 2>/dev/null || true
echo "$sleeper" >"$tmp/stale.pid"
expect_error "bootlog stop with a stale PID file" 1 "No recorder is running \\(PID $sleeper .* has exited\\)" \
        stop --pid-file "$tmp/stale.pid"

if [[ $(id -u) -ne 0 ]]; then
        printf 'x' >"$tmp/unreadable"
        chmod 000 "$tmp/unreadable"
        expect_error "bootlog tree on an unreadable file" 1 "'$tmp/unreadable'.*Permission denied" \
                tree --file "$tmp/unreadable"
else
        ok "bootlog tree on an unreadable file # SKIP root can read any file"
fi

echo "1..$n"
[[ $failed -eq 0 ]]
