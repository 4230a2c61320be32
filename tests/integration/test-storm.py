#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""An exec storm (20,000 fork+exec+exit of /bin/true from 2 parallel
spawners, as fast as the machine goes) recorded with bootlog record: the
recording must hold every fork, exec and exit of the storm's children, and
no lost record. A count, not a time."""

import os
import shutil

from lib import STORM, Tap, bootlog, export, need_root, storm_counts, tmpdir

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
storm_pid, busy_spawners, forks, execs, exits = storm_counts(events)
tap.ok(storm_pid is not None, "the storm's own exec is recorded with its argv")

tap.ok(len(busy_spawners) == 2, "both spawners recorded", busy_spawners)
tap.ok(forks == N, f"every fork of the storm recorded ({forks} of {N})")
tap.ok(execs == N, f"every exec of the storm recorded ({execs} of {N})")
tap.ok(exits == N, f"every exit of the storm recorded ({exits} of {N})")

p = bootlog("verify", "--file", rec)
tap.ok(p.returncode == 0, "bootlog verify finds the file intact", p.stdout + p.stderr)
shutil.rmtree(d)
tap.done()
