#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bootlog export --format=journal through the real systemd-journal-remote:
a workload (two runs of a program, a script with a newline and a tab in its
arguments, a script that exits 3) is recorded with `bootlog record`,
exported in the journal export format, imported with
`systemd-journal-remote -o X.journal -`, and read back with `journalctl
--file`. Every event must be there, each exec with _COMM, _CMDLINE, _EXE,
_PID and the BOOTLOG_* fields equal to the recording's (as the JSON export
gives them), at the recorded times to the microsecond
(__REALTIME_TIMESTAMP, __MONOTONIC_TIMESTAMP) and under the recorded
_BOOT_ID; `journalctl _COMM=NAME` must find the program, and `-o verbose`
show the original time. Each cost record (what a task used, from
taskstats) must come back with its figures in BOOTLOG_CPU_USER_USEC,
BOOTLOG_READ_BYTES, ... and its process's _COMM and _CMDLINE. The seed
fixture goes the same way: its hostile argv (ESC, newline, invalid UTF-8)
must come back byte for byte, its lost events as warnings, its costs
exact."""

import datetime
import json
import os
import re
import shutil
import stat

from lib import Tap, need_root, bootlog, export, run, tmpdir, BOOTLOG

JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
MAKE_FIXTURE = os.environ.get("MAKE_FIXTURE", "make-fixture")

tap = Tap()
need_root(tap)
if not os.access(JOURNAL_REMOTE, os.X_OK):
    tap.skip_all(f"{JOURNAL_REMOTE} is missing (Debian package systemd-journal-remote; see tests/deps.sh)")
os.environ["TZ"] = "UTC"
os.environ["LC_ALL"] = "C.UTF-8"

d = tmpdir()
NAP = "0.05"
ODD_ARGS = ["two\nlines", "tab\there"]


def program(name, text=None):
    """A copy of sleep (text None) or a shell script, executable, in d."""
    path = os.path.join(d, name)
    if text is None:
        shutil.copy(shutil.which("sleep"), path)
    else:
        with open(path, "w") as f:
            f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


alpha = program("bljx-alpha")
odd = program("bljx-args", f"#!/bin/sh\nsleep {NAP}\n")
fail = program("bljx-fail", f"#!/bin/sh\nsleep {NAP}\nexit 3\n")
workload = program("bljx-workload.sh", "\n".join([
    "#!/bin/sh",
    f"{alpha} {NAP}",
    f"{alpha} 0.06",
    " ".join([odd] + [sh_quote(a) for a in ODD_ARGS]),
    fail,
    "exit 0",
    "",
]))


def import_export(recording, journal):
    """bootlog export --format=journal | systemd-journal-remote -o journal -; returns (ok, detail)."""
    p = run(["sh", "-c", f'"$0" export --file "$1" --format journal | {JOURNAL_REMOTE} -o "$2" -', BOOTLOG,
             recording, journal])
    return p.returncode == 0 and os.path.exists(journal), p.stdout + p.stderr


def journal_entries(journal, *matches):
    """The entries of a journal file as dicts (journalctl -o json --all), in file order."""
    p = run(["journalctl", "--file", journal, "-o", "json", "--all", "--no-pager", *matches])
    if p.returncode != 0:
        raise RuntimeError(f"journalctl --file {journal} failed: {p.stderr}")
    return [json.loads(line) for line in p.stdout.split("\n") if line.strip()]


def raw(e, key):
    """A field's value as bytes (journalctl gives binary values as arrays of numbers); None if absent."""
    v = e.get(key)
    if v is None:
        return None
    if isinstance(v, list) and v and isinstance(v[0], (list, str)):
        raise ValueError(f"{key} has several values: {v!r}")
    if isinstance(v, list):
        return bytes(v)
    return v.encode()


def text(e, key):
    b = raw(e, key)
    return None if b is None else b.decode("utf-8", errors="replace")


def us_utc(us, fmt):
    t = datetime.datetime.fromtimestamp(us // 1_000_000, datetime.timezone.utc)
    return t.strftime(fmt) + f".{us % 1_000_000:06d}"


# ---- a real recording ----

rec_dir = os.path.join(d, "rec")
os.mkdir(rec_dir)
recording = os.path.join(rec_dir, "workload.bootlog")
p = bootlog("record", "-o", recording, "--", "/bin/sh", workload)
tap.ok(p.returncode == 0 and "(0 lost)" in p.stderr, "bootlog record of the workload succeeds, nothing lost",
       p.stderr)
events = export(recording)
p = bootlog("boots", "-D", rec_dir, "--json")
boots = json.loads(p.stdout) if p.returncode == 0 else []
boot_id = boots[0]["boot_id"] if boots else None
tap.ok(boot_id == open("/proc/sys/kernel/random/boot_id").read().strip().replace("-", ""),
       "the recording's header holds this boot's id", p.stdout + p.stderr)

journal = os.path.join(d, "x.journal")
ok, detail = import_export(recording, journal)
tap.ok(ok, "bootlog export --format=journal | systemd-journal-remote -o x.journal - succeeds", detail)
m = re.search(r"writing (\d+) entries", detail)
tap.ok(m and int(m.group(1)) == len(events), f"journal-remote wrote one entry per event ({len(events)})", detail)

entries = journal_entries(journal)
tap.ok([(text(e, "BOOTLOG_EVENT"), int(text(e, "BOOTLOG_TS_NS"))) for e in entries]
       == [(ev["type"], ev["ts_ns"]) for ev in events],
       "journalctl --file reads every event back, in the recording's order")
bad_times = [(ev["type"], ev.get("pid"), ev["realtime_us"], e["__REALTIME_TIMESTAMP"], ev["ts_ns"],
              e["__MONOTONIC_TIMESTAMP"]) for ev, e in zip(events, entries)
             if int(e["__REALTIME_TIMESTAMP"]) != ev["realtime_us"]
             or int(e["__MONOTONIC_TIMESTAMP"]) != ev["ts_ns"] // 1000]
tap.ok(entries and not bad_times,
       "every entry's __REALTIME_TIMESTAMP and __MONOTONIC_TIMESTAMP are the recorded times to the microsecond",
       bad_times[:5])
tap.ok(entries and all(e.get("_BOOT_ID") == boot_id for e in entries),
       "every entry has the recorded boot's _BOOT_ID", {e.get("_BOOT_ID") for e in entries})
tap.ok(entries and all(e.get("SYSLOG_IDENTIFIER") == "bootlog" for e in entries),
       "every entry has SYSLOG_IDENTIFIER=bootlog")

by_key = {(text(e, "BOOTLOG_EVENT"), int(text(e, "BOOTLOG_PID") or 0), int(text(e, "BOOTLOG_TS_NS"))): e
          for e in entries}


def forker(ev):
    """The pid that forked ev's process, from the recording's fork event; None if not recorded."""
    forks = [f for f in events if f["type"] == "fork" and f["pid"] == ev["pid"] and f["tid"] == f["pid"]
             and f["ts_ns"] <= ev["ts_ns"]]
    return str(forks[-1]["parent_pid"]) if forks else None


def exec_mismatches(ev):
    """What differs between an exec of the JSON export and its journal entry."""
    e = by_key.get(("exec", ev["pid"], ev["ts_ns"]))
    if e is None:
        return ["no entry"]
    argv = " ".join(ev["argv"]) if ev.get("argv") else None
    want = {
        "BOOTLOG_EVENT": "exec", "BOOTLOG_COMM": ev.get("comm"),
        "_PID": str(ev["pid"]), "BOOTLOG_PID": str(ev["pid"]),
        "_COMM": ev.get("comm"),
        "_CMDLINE": argv, "BOOTLOG_ARGV": argv,
        "_EXE": ev.get("exe"), "BOOTLOG_EXE": ev.get("exe"),
        "_SYSTEMD_UNIT": ev.get("unit"), "BOOTLOG_UNIT": ev.get("unit"),
        "_UID": None if ev.get("uid") is None else str(ev["uid"]),
        "_GID": None if ev.get("gid") is None else str(ev["gid"]),
        "BOOTLOG_TS_NS": str(ev["ts_ns"]),
        "__REALTIME_TIMESTAMP": str(ev["realtime_us"]),
        "__MONOTONIC_TIMESTAMP": str(ev["ts_ns"] // 1000),
        "_BOOT_ID": boot_id,
    }
    if forker(ev):
        want["BOOTLOG_PARENT_PID"] = forker(ev)
    return [f"{k}: {text(e, k)!r} != {v!r}" for k, v in want.items() if text(e, k) != v]


execs = [ev for ev in events if ev["type"] == "exec"]
wrong = {f"exec {ev['pid']} {ev.get('argv')}": exec_mismatches(ev) for ev in execs}
wrong = {k: v for k, v in wrong.items() if v}
tap.ok(execs and not wrong,
       f"each of the {len(execs)} execs has _PID, _COMM, _CMDLINE, _EXE, _UID, _GID and BOOTLOG_* as recorded",
       json.dumps(wrong, indent=1)[:3000])

named = {name: [ev for ev in execs if ev.get("comm") == name] for name in ("bljx-alpha", "bljx-args", "bljx-fail")}
tap.ok([len(named[n]) for n in named] == [2, 1, 1] and all(ev["info_status"] == "ok" for v in named.values()
                                                          for ev in v),
       "the recording holds the workload's execs with their arguments", json.dumps(named, indent=1)[:2000])

# The arguments with a newline and a tab: the binary form of the export format, kept byte for byte.
odd_execs = named["bljx-args"]
e = by_key.get(("exec", odd_execs[0]["pid"], odd_execs[0]["ts_ns"])) if odd_execs else None
want = " ".join(["/bin/sh", odd] + ODD_ARGS).encode()
tap.ok(e is not None and raw(e, "_CMDLINE") == want and raw(e, "BOOTLOG_ARGV") == want,
       "an argv with a newline and a tab comes back byte for byte", e and (raw(e, "_CMDLINE"), want))

# The failing script's exit.
fail_pid = named["bljx-fail"][0]["pid"] if named["bljx-fail"] else None
exits = [e for e in entries if text(e, "BOOTLOG_EVENT") == "exit" and text(e, "_PID") == str(fail_pid)]
ev_exit = [ev for ev in events if ev["type"] == "exit" and ev.get("pid") == fail_pid]
tap.ok(len(exits) == 1 and len(ev_exit) == 1
       and text(exits[0], "MESSAGE") == f"exit {fail_pid} /bin/sh {fail}: exit 3"
       and text(exits[0], "_COMM") == "bljx-fail" and text(exits[0], "_CMDLINE") == f"/bin/sh {fail}"
       and text(exits[0], "BOOTLOG_EXIT_STATUS") == "3" and text(exits[0], "BOOTLOG_COMM") == "bljx-fail"
       and text(exits[0], "PRIORITY") == "5"
       and int(exits[0]["__REALTIME_TIMESTAMP"]) == ev_exit[0]["realtime_us"],
       "the script that exits 3: its exit entry names it, with BOOTLOG_EXIT_STATUS=3 and priority notice",
       json.dumps(exits, indent=1))

# What each task used: the cost records' figures under their journal names.
COST_FIELDS = {
    "utime_us": "BOOTLOG_CPU_USER_USEC", "stime_us": "BOOTLOG_CPU_SYSTEM_USEC", "cpu_ns": "BOOTLOG_CPU_NSEC",
    "elapsed_us": "BOOTLOG_ELAPSED_USEC", "read_bytes": "BOOTLOG_READ_BYTES", "write_bytes": "BOOTLOG_WRITE_BYTES",
    "cancelled_write_bytes": "BOOTLOG_CANCELLED_WRITE_BYTES", "read_chars": "BOOTLOG_READ_CHARS",
    "write_chars": "BOOTLOG_WRITE_CHARS", "nvcsw": "BOOTLOG_VOLUNTARY_CSW", "nivcsw": "BOOTLOG_INVOLUNTARY_CSW",
    "minflt": "BOOTLOG_MINOR_FAULTS", "majflt": "BOOTLOG_MAJOR_FAULTS", "hiwater_rss_kb": "BOOTLOG_PEAK_RSS_KB",
    "cpu_delay_ns": "BOOTLOG_CPU_DELAY_NSEC", "blkio_delay_ns": "BOOTLOG_BLKIO_DELAY_NSEC",
    "swapin_delay_ns": "BOOTLOG_SWAPIN_DELAY_NSEC",
}


def cost_mismatches(ev, e):
    """What differs between a cost record of the JSON export and its journal entry (null: no field)."""
    if e is None:
        return ["no entry"]
    want = {f: None if ev.get(k) is None else str(ev[k]) for k, f in COST_FIELDS.items()}
    want["BOOTLOG_TID"] = str(ev["tid"]) if ev["tid"] != ev["pid"] else None
    want["PRIORITY"] = "6"
    return [f"{k}: {text(e, k)!r} != {v!r}" for k, v in want.items() if text(e, k) != v]


costs = [ev for ev in events if ev["type"] == "cost"]
if not costs:
    tap.n += 1
    print(f"ok {tap.n} - cost entries # SKIP the recording holds no cost records: no taskstats here", flush=True)
else:
    cost_entries = {(int(text(e, "BOOTLOG_PID")), int(text(e, "BOOTLOG_TS_NS")), text(e, "BOOTLOG_TID")): e
                    for e in entries if text(e, "BOOTLOG_EVENT") == "cost"}
    wrong = {}
    for ev in costs:
        key = (ev["pid"], ev["ts_ns"], str(ev["tid"]) if ev["tid"] != ev["pid"] else None)
        bad = cost_mismatches(ev, cost_entries.get(key))
        if bad:
            wrong[f"cost {key}"] = bad
    tap.ok(len(cost_entries) == len(costs) and not wrong,
           f"each of the {len(costs)} cost records has its figures as BOOTLOG_CPU_USER_USEC, BOOTLOG_READ_BYTES, ...",
           json.dumps(wrong, indent=1)[:3000])
    fail_cost = [ev for ev in costs if ev["pid"] == fail_pid and ev["tid"] == fail_pid]
    e = cost_entries.get((fail_pid, fail_cost[0]["ts_ns"], None)) if fail_cost else None
    tap.ok(e is not None and text(e, "_COMM") == "bljx-fail" and text(e, "_CMDLINE") == f"/bin/sh {fail}"
           and text(e, "_PID") == str(fail_pid)
           and re.fullmatch(rf"cost {fail_pid} /bin/sh {re.escape(fail)}: used \d+(\.\d+)?(ns|us|ms|s) CPU \(.*\), "
                            r"read \S+ \S+, wrote \S+ \S+", text(e, "MESSAGE") or "")
           and int(e["__MONOTONIC_TIMESTAMP"]) == ev_exit[0]["ts_ns"] // 1000,
           "the failing script's cost entry names it (_COMM, _CMDLINE, MESSAGE), at its exit's time",
           json.dumps(e, indent=1))
    p = run(["journalctl", "--file", journal, "--no-pager", "-o", "cat", "BOOTLOG_EVENT=cost", "_COMM=bljx-alpha"])
    tap.ok(p.returncode == 0 and len(p.stdout.splitlines()) == 2
           and all(line.startswith("cost ") and re.search(r" used \d+(\.\d+)?(ns|us|ms|s) CPU ", line) for line in p.stdout.splitlines()),
           "journalctl BOOTLOG_EVENT=cost _COMM=bljx-alpha: what each of the two runs used", p.stdout + p.stderr)

# journalctl's own matching and display.
alpha_execs = named["bljx-alpha"]
p = run(["journalctl", "--file", journal, "--utc", "-o", "short-precise", "--no-pager", "_COMM=bljx-alpha",
         "BOOTLOG_EVENT=exec"])
lines = p.stdout.splitlines()
tap.ok(p.returncode == 0 and len(lines) == 2
       and all(f"exec {ev['pid']} {alpha} {ev['argv'][1]}" in line for ev, line in zip(alpha_execs, lines))
       and all(line.startswith(us_utc(ev["realtime_us"], "%b %d %H:%M:%S")) for ev, line in zip(alpha_execs, lines)),
       "journalctl --file X _COMM=bljx-alpha finds both runs, at their recorded times", p.stdout + p.stderr)

ev = named["bljx-fail"][0] if named["bljx-fail"] else {"pid": 0, "realtime_us": 0, "ts_ns": 0}
p = run(["journalctl", "--file", journal, "--utc", "-o", "verbose", "--no-pager", "_COMM=bljx-fail",
         "BOOTLOG_EVENT=exec"])
head = p.stdout.splitlines()[0] if p.stdout else ""
tap.ok(head.startswith(us_utc(ev["realtime_us"], "%a %Y-%m-%d %H:%M:%S") + " UTC [")
       and f";b={boot_id};" in head and f";m={ev['ts_ns'] // 1000:x};" in head
       and f";t={ev['realtime_us']:x};" in head and f"_CMDLINE=/bin/sh {fail}" in p.stdout,
       "journalctl -o verbose shows the exec at its original time (wall clock, monotonic, boot)", p.stdout)

p = run(["journalctl", "--file", journal, "--no-pager", "-o", "cat", f"_BOOT_ID={boot_id}", "_COMM=bljx-fail"])
tap.ok(p.returncode == 0 and f"exec {ev['pid']} /bin/sh {fail}" in p.stdout,
       "journalctl _BOOT_ID=<recorded boot> _COMM=bljx-fail finds it", p.stdout + p.stderr)

# ---- the seed fixture: binary fields, lost events ----

seed = os.path.join(d, "seed.bootlog")
run([MAKE_FIXTURE, "seed", seed], check=True)
seed_journal = os.path.join(d, "seed.journal")
ok, detail = import_export(seed, seed_journal)
seed_events = export(seed)
se = journal_entries(seed_journal) if ok else []
tap.ok(ok and len(se) == len(seed_events) and len(se) > 0, f"the seed fixture imports: {len(se)} entries",
       detail)
evil = [e for e in se if text(e, "BOOTLOG_EVENT") == "exec" and text(e, "_PID") == "405"]
want = b"/usr/bin/printf \x1b[2J two\nFORGED 1 +0.000s line bad-\xff\xfe-utf8"
tap.ok(len(evil) == 1 and raw(evil[0], "_CMDLINE") == want and raw(evil[0], "BOOTLOG_ARGV") == want,
       "the hostile argv (ESC, newline, invalid UTF-8) comes back byte for byte", evil)
tap.ok(len(evil) == 1 and text(evil[0], "MESSAGE")
       == "exec 405 /usr/bin/printf \\e[2J 'two\\nFORGED 1 +0.000s line' bad-\\xff\\xfe-utf8",
       "its MESSAGE is escaped, one line", evil)
lost = [e for e in se if text(e, "BOOTLOG_EVENT") == "lost"]
tap.ok(len(lost) == 1 and text(lost[0], "PRIORITY") == "4" and text(lost[0], "BOOTLOG_LOST_COUNT") == "3"
       and text(lost[0], "MESSAGE") == "lost 3 events (sequence-gap)",
       "the lost events arrive as a warning, with their count", lost)
seed_costs = [ev for ev in seed_events if ev["type"] == "cost"]
seed_cost_entries = {(int(text(e, "BOOTLOG_PID")), int(text(e, "BOOTLOG_TS_NS")), text(e, "BOOTLOG_TID")): e
                     for e in se if text(e, "BOOTLOG_EVENT") == "cost"}
wrong = {}
for ev in seed_costs:
    key = (ev["pid"], ev["ts_ns"], str(ev["tid"]) if ev["tid"] != ev["pid"] else None)
    bad = cost_mismatches(ev, seed_cost_entries.get(key))
    if bad:
        wrong[f"cost {key}"] = bad
tap.ok(seed_costs and len(seed_cost_entries) == len(seed_costs) and not wrong,
       f"the seed's {len(seed_costs)} cost records come back with their figures", json.dumps(wrong, indent=1)[:3000])
p = run(["journalctl", "--file", seed_journal, "--no-pager", "-o", "cat", "-p", "warning",
         "_BOOT_ID=5eedb0070001400080000000000000a1"])
tap.ok("lost 3 events" in p.stdout and "dumped core" in p.stdout and "killed by SIGSEGV" in p.stdout,
       "journalctl -p warning shows the lost events, the core dump and the kill", p.stdout)

shutil.rmtree(d, ignore_errors=True)
tap.done()
