#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""An exec storm (20,000 fork+exec+exit of /bin/true from 2 parallel
spawners, as fast as the machine goes) recorded with bootlog record: the
recording must hold every fork, exec and exit of the storm's children, and
no lost record. A count, not a time."""

import os
import shutil

from lib import Tap, need_root, bootlog, export, tmpdir, STORM

N = int(os.environ.get("STORM_N", "20000"))
tap = Tap()
need_root(tap)

d = tmpdir()
rec = os.path.join(d, "storm.bootlog")
p = bootlog("record", "-o", rec, "--", STORM, "-n", str(N), "-p", "2", "/bin/true")
tap.ok(p.returncode == 0, f"the storm ran {N} children under bootlog record", p.stdout + p.stderr)

events = export(rec)
lost = [e for e in events if e["type"] == "lost"]
tap.ok(not lost, "zero lost records", lost[:5])

# Walk the events in order, following pids as they are reused.
storm_pid = None
for e in events:
    if e["type"] == "exec" and e.get("argv") and os.path.basename(e["argv"][0]) == "storm":
        storm_pid = e["pid"]
        break
tap.ok(storm_pid is not None, "the storm's own exec is recorded with its argv")

spawners = set()      # storm's children while they live (pids are reused: follow exits)
busy_spawners = set()  # those that forked storm children (under LeakSanitizer, storm forks a checker too)
live = set()
forks = execs = exits = 0
storm_live = False
for e in events:
    t = e["type"]
    if t == "exec" and e["pid"] == storm_pid and not storm_live:
        storm_live = True
    elif t == "fork" and e["pid"] == e["tid"]:
        if storm_live and e["parent_pid"] == storm_pid:
            spawners.add(e["pid"])
        elif e["parent_pid"] in spawners:
            busy_spawners.add(e["parent_pid"])
            live.add(e["pid"])
            forks += 1
    elif t == "exec" and e["pid"] in live:
        execs += 1
    elif t == "exit" and e["pid"] == e["tid"]:
        if e["pid"] in live:
            exits += 1
            live.discard(e["pid"])
        elif e["pid"] in spawners:
            spawners.discard(e["pid"])
        elif storm_live and e["pid"] == storm_pid:
            storm_live = False

tap.ok(len(busy_spawners) == 2, "both spawners recorded", busy_spawners)
tap.ok(forks == N, f"every fork of the storm recorded ({forks} of {N})")
tap.ok(execs == N, f"every exec of the storm recorded ({execs} of {N})")
tap.ok(exits == N, f"every exit of the storm recorded ({exits} of {N})")

p = bootlog("verify", "--file", rec)
tap.ok(p.returncode == 0, "bootlog verify finds the file intact", p.stdout + p.stderr)
shutil.rmtree(d)
tap.done()
