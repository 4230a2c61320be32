#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""stats, diff and export --format csv on two real recordings: run A runs a
marker program a few times, a command that exits 3 and one that is killed
with SIGKILL; run B runs the marker many more times and one extra program.
diff must name the extra program as new in B and the marker's change in
runs; stats must count the marker's runs exactly and list both failures;
the CSV must parse and hold one row per event of the JSON export."""

import csv
import io
import json
import os
import re
import shutil
import stat

from lib import Tap, need_root, bootlog, export, tmpdir

tap = Tap()
need_root(tap)

RUNS_A = 3
RUNS_B = 15
# Long enough for the recorder to read each one's arguments from /proc.
NAP = "0.05"
# A command line that CSV must quote: a comma, quotes and a newline.
AWKWARD = 'sleep %s # a,"b"\n:' % NAP

d = tmpdir()
sleep = shutil.which("sleep")


def program(name, text=None):
    """A copy of sleep (text None) or a shell script, executable, in d."""
    path = os.path.join(d, name)
    if text is None:
        shutil.copy(sleep, path)
    else:
        with open(path, "w") as f:
            f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


marker = program("blmarker")
extra = program("blextra")
fail = program("blfail", f"#!/bin/sh\nsleep {NAP}\nexit 3\n")
kill = program("blkill", f"#!/bin/sh\nsleep {NAP}\nkill -9 $$\n")


def script(name, runs, with_extra):
    lines = ["#!/bin/sh", f"for i in $(seq {runs}); do {marker} {NAP}; done"]
    if with_extra:
        lines.append(f"{extra} {NAP}")
    lines += [fail, kill, f"sh -c '{AWKWARD}'", "exit 0", ""]
    return program(name, "\n".join(lines))


def record(name, runs, with_extra):
    out = os.path.join(d, name + ".bootlog")
    p = bootlog("record", "-o", out, "--", "/bin/sh", script(name + ".sh", runs, with_extra))
    tap.ok(p.returncode == 0 and "(0 lost)" in p.stderr, f"bootlog record of run {name} succeeds, nothing lost",
           p.stderr)
    return out


a = record("a", RUNS_A, False)
b = record("b", RUNS_B, True)

# ---- diff ----

p = bootlog("diff", "--file", a, "--file", b, "--no-pager", "--full")
tap.ok(p.returncode == 0, "diff --file A --file B exits 0", p.stderr)
out = p.stdout


def section(text, title):
    """The lines of a section of diff's output, from its title to the next empty line."""
    m = re.search(r"^" + re.escape(title) + r".*?\n(.*?)(?:\n\n|\Z)", text, re.M | re.S)
    return m.group(1) if m else ""


only_b = section(out, "Only in B")
only_a = section(out, "Only in A")
changed = section(out, "Changed")
tap.ok(re.search(r"^\s+1\s.*\bblextra\s+\S*blextra " + re.escape(NAP) + "$", only_b, re.M),
       "diff lists the extra program under 'Only in B', with one run and its command line", out)
tap.ok("blextra" not in only_a and "blextra" not in changed and "blmarker" not in only_b,
       "the extra program is only under 'Only in B', the marker not there", out)
tap.ok(re.search(rf"^\s+{RUNS_A}\s+{RUNS_B}\s.*\sruns \+{RUNS_B - RUNS_A}\b.*\sblmarker$", changed, re.M),
       f"diff lists the marker under 'Changed': {RUNS_A} runs in A, {RUNS_B} in B, runs +{RUNS_B - RUNS_A}", out)
tap.ok(out.index("Only in B") < out.index("Only in A"), "what is new in B comes first", out)

p = bootlog("diff", "--file", a, "--file", b, "--json")
try:
    j = json.loads(p.stdout)
except ValueError as e:
    j = {}
    tap.ok(False, "diff --json prints one JSON object", f"{e}\n{p.stdout}")
new = [c for c in j.get("only_in_b", []) if c["command"] == "blextra"]
tap.ok(len(new) == 1 and new[0]["runs"] == 1 and new[0]["example"]["argv"] == [extra, NAP],
       "diff --json: the extra program in only_in_b with its argv", json.dumps(j.get("only_in_b"), indent=1))
ch = [c for c in j.get("changed", []) if c["command"] == "blmarker"]
tap.ok(len(ch) == 1 and ch[0]["a"]["runs"] == RUNS_A and ch[0]["b"]["runs"] == RUNS_B and "runs" in ch[0]["changes"],
       "diff --json: the marker in changed, with both counts", json.dumps(j.get("changed"), indent=1))

# The same two recordings the other way round: the extra program is gone from B.
p = bootlog("diff", "--file", b, "--file", a, "--json")
j = json.loads(p.stdout) if p.returncode == 0 else {}
# (Other programs may have run on the machine meanwhile: the recordings are of the whole system.)
tap.ok("blextra" in [c["command"] for c in j.get("only_in_a", [])]
       and "blextra" not in [c["command"] for c in j.get("only_in_b", [])],
       "diff B A: the extra program is only in A", p.stdout)

# ---- stats ----

p = bootlog("stats", "--file", a, "--top", "0", "--no-pager", "--full")
tap.ok(p.returncode == 0, "stats exits 0", p.stderr)
out = p.stdout
runs = section(out, "Top commands by runs")
tap.ok(re.search(rf"^\s+{RUNS_A}\s.*\sblmarker$", runs, re.M),
       f"stats counts {RUNS_A} runs of the marker", out)
failed = section(out, "Failed processes")
tap.ok(re.search(r"^\s+\d+\s+\+\S+\s+exit 3\s+/bin/sh \S*blfail$", failed, re.M),
       "stats lists the command that exited 3 under the failures", out)
tap.ok(re.search(r"^\s+\d+\s+\+\S+\s+killed by SIGKILL\s+/bin/sh \S*blkill$", failed, re.M),
       "stats lists the command killed by SIGKILL under the failures", out)
tap.ok(not re.search(r"blmarker|blextra", failed), "the marker is not a failure", out)

p = bootlog("stats", "--file", b, "--json", "--top", "0")
j = json.loads(p.stdout) if p.returncode == 0 else {}
m = [c for c in j.get("top_by_runs", []) if c["command"] == "blmarker"]
tap.ok(len(m) == 1 and m[0]["runs"] == RUNS_B and m[0]["timed_runs"] == RUNS_B,
       f"stats --json: {RUNS_B} runs of the marker in B, all timed", json.dumps(m))
f = {os.path.basename(x["argv"][-1]): x for x in j.get("failed", []) if x.get("argv")}
tap.ok(f.get("blfail", {}).get("exit_code") == 3 and f.get("blkill", {}).get("signal_name") == "SIGKILL",
       "stats --json: both failures with their status", json.dumps(j.get("failed"), indent=1))
# What the processes used: with taskstats, every process seen to exit has a cost (each marker run among them)
# and the rankings are there; without, the summary says so and the rankings are empty.
cost = j.get("cost", {})
if cost.get("recorded"):
    tap.ok(cost.get("processes", 0) >= RUNS_B and cost.get("processes") <= cost.get("exited", 0),
           f"stats --json: at least the {RUNS_B} marker runs have a cost", json.dumps(cost))
    tap.ok(all(x["cpu_us"] > 0 and x["tasks"] >= 1 for x in j.get("top_cpu", [])) and j.get("units_cpu"),
           "stats --json: processes and units ranked by CPU time", json.dumps(j.get("top_cpu", [])[:3]))
else:
    tap.ok(j.get("top_cpu") == [] and j.get("units_io") == [] and
           "Cost        not recorded" in bootlog("stats", "--file", b, "--no-pager").stdout,
           "stats: a recording without costs says so, with empty rankings", json.dumps(cost))
events = export(b)
execs = [e for e in events if e["type"] == "exec"]
tap.ok(j.get("execs") == len(execs) and j.get("events") == len(events),
       "stats --json counts the events and execs export shows", f"{j.get('events')} {j.get('execs')}")

# ---- export --format csv ----

p = bootlog("export", "--file", b, "--format", "csv")
tap.ok(p.returncode == 0, "export --format csv exits 0", p.stderr)
rows = list(csv.DictReader(io.StringIO(p.stdout, newline="")))
want_cols = ["type", "ts_ns", "realtime", "pid", "tid", "parent_pid", "argv", "exe", "comm", "uid", "unit",
             "exit_code", "signal", "core_dumped", "lost_count", "lost_reason", "info_status"]
header = next(csv.reader(io.StringIO(p.stdout, newline="")), [])
tap.ok(all(c in header for c in want_cols), "the CSV header names every column", header)
tap.ok(len(rows) == len(events), f"one CSV row per event of the JSON export ({len(events)})", len(rows))
tap.ok([r["type"] for r in rows] == [e["type"] for e in events]
       and [r["ts_ns"] for r in rows] == [str(e["ts_ns"]) for e in events],
       "the rows are the events, in the same order")
mismatch = [(r["argv"], e.get("argv")) for r, e in zip(rows, events)
            if e["type"] == "exec" and r["argv"] != " ".join(e.get("argv") or [])]
tap.ok(not mismatch, "each exec's argv column is its argv joined with spaces", mismatch[:5])
awkward = [r for r in rows if r["type"] == "exec" and AWKWARD in r["argv"]]
tap.ok(len(awkward) == 1, "an argv with a comma, quotes and a newline survives CSV quoting",
       [r["argv"] for r in rows if "sleep" in r["argv"]])
tap.ok(('"sh -c ' + AWKWARD.replace('"', '""') + '"') in p.stdout,
       "that field is quoted with its quotes doubled, per RFC 4180")
ex = [(r, e) for r, e in zip(rows, events) if e["type"] == "exit"]
tap.ok(all(r["exit_code"] == str(e.get("exit_code", "")) and r["signal"] == str(e.get("signal", ""))
           for r, e in ex) and any(r["signal"] == "9" for r, _ in ex),
       "exit_code and signal match the JSON export (SIGKILL among them)")
tap.ok(rows and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", r["realtime"]) for r in rows),
       "realtime is ISO 8601 UTC to the microsecond", rows[0]["realtime"] if rows else None)

shutil.rmtree(d, ignore_errors=True)
tap.done()
