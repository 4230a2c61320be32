#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds bootlog, records the seed story (an rc script that starts a daemon,
# and a program whose helper runs sudo, which runs sendmail -t), and shows
# what bootlog makes of it: the process tree with what each process cost,
# and who ran sendmail.
# Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

tests/deps.sh
build=${BUILD_DIR:-$top/build}
[ -d "$build" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null
# Run from the build tree: the argv capture's loader is here, not yet installed.
if [ -x "$build/src/bootlogd/bootlog-execargs" ]; then
        export BOOTLOG_EXECARGS_LOADER=$build/src/bootlogd/bootlog-execargs
fi

work=$(mktemp -d /tmp/bootlog-example.XXXXXX)
cp -a tests/integration/seed "$work/seed"
bootlog=$build/src/bootlog/bootlog

echo "\$ bootlog record -o $work/seed.bootlog -- $work/seed/etc/init.d/rc 2"
"$bootlog" record -o "$work/seed.bootlog" --grace 2 -- "$work/seed/etc/init.d/rc" 2
echo
rcpid=$("$bootlog" export --file "$work/seed.bootlog" --format json |
        python3 -c 'import json,sys
for l in sys.stdin:
    e = json.loads(l)
    if e["type"] == "exec" and e.get("argv") and e["argv"][-2:] == ["'"$work"'/seed/etc/init.d/rc", "2"]:
        print(e["pid"]); break')
echo "\$ bootlog tree --cost --file $work/seed.bootlog --pid $rcpid"
"$bootlog" tree --cost --file "$work/seed.bootlog" --pid "$rcpid"
echo
echo "\$ bootlog why --file $work/seed.bootlog sendmail"
"$bootlog" why --file "$work/seed.bootlog" sendmail
echo
echo "The recording is in $work/seed.bootlog; try 'bootlog events --file $work/seed.bootlog'."
