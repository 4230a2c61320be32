# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared helpers for the integration tests: TAP output, running bootlog,
reading a recording back through `bootlog export --format json`."""

import json
import os
import subprocess
import sys
import tempfile

BOOTLOG = os.environ.get("BOOTLOG", "bootlog")
BOOTLOGD = os.environ.get("BOOTLOGD", "bootlogd")
STORM = os.environ.get("STORM", "storm")
HERE = os.path.dirname(os.path.abspath(__file__))
# bootlogd leaves its summary to the journal when stderr is the journal; the tests read stderr.
os.environ.pop("JOURNAL_STREAM", None)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=None):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {what}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {what}", flush=True)
            if detail is not None:
                for line in str(detail).splitlines()[-40:]:
                    print(f"#   {line}", flush=True)
        return cond

    def skip_all(self, why):
        print(f"1..0 # SKIP {why}", flush=True)
        sys.exit(0)  # a TAP plan of 1..0 with SKIP is the skip; 77 would read as an error

    def done(self):
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)


def need_root(tap):
    if os.geteuid() != 0:
        tap.skip_all("needs root (the proc connector needs CAP_NET_ADMIN)")


def run(args, check=False, timeout=600, **kw):
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                       errors="replace", **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{args} failed ({p.returncode}): {p.stderr}")
    return p


def bootlog(*args, **kw):
    return run([BOOTLOG, *args], **kw)


def export(path):
    """All events of a recording, as dicts, in file order."""
    p = bootlog("export", "--file", path, "--format", "json", check=True)
    return [json.loads(line) for line in p.stdout.split("\n") if line.strip()]


def tmpdir():
    return tempfile.mkdtemp(prefix="bootlog-test-")


def storm_counts(events, pid=None):
    """Follows the storm helper's run in a recording: the storm process (the
    exec of process pid, or the first exec of a program named storm), its
    spawners (its children, while they live: pids are reused) and their
    children. Returns (storm pid or None, the set of spawners that forked
    children, forks, execs, exits of those children). Other storms running
    meanwhile (another test, another program) are not counted."""
    storm_pid = None
    for e in events:
        argv = e.get("argv") or []
        if e["type"] == "exec" and (pid is None or e["pid"] == pid) and argv \
                and os.path.basename(argv[0]) == "storm":
            storm_pid = e["pid"]
            break
    spawners, busy, live = set(), set(), set()
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
                # Under LeakSanitizer a spawner forks a checker too: only those with children count.
                busy.add(e["parent_pid"])
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
    return storm_pid, busy, forks, execs, exits
