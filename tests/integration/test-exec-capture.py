#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The kernel-side argv capture (execargs.c) on real execs.

Storms of short-lived programs (/bin/true, and a static binary that exits
at once) run under `bootlog record`, each child with its place in the storm
and its own pid as its last argument (tests/helpers/storm-tagged). Every
exec of the storm's children (found by their forks) must be in the
recording with argv captured at the exec, that very child's argv (the pid
in it is the exec's), and nothing lost. Then the
fallback: bootlogd without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (dropped
from its bounding set) and bootlogd --argv-capture=proc record as before,
read argv from /proc, say why in one line, and the file's header says so."""

import json
import os
import shutil
import signal
import subprocess
import time

from lib import BOOTLOGD, Tap, bootlog, export, need_root, run, tmpdir

STORM_TAGGED = os.environ.get("STORM_TAGGED", "storm-tagged")

tap = Tap()
need_root(tap)
if os.environ.get("BOOTLOG_BPF", "1") != "1":
    tap.skip_all("built without the BPF argv capture (-Dbpf)")
if not os.access("/sys/kernel/btf/vmlinux", os.R_OK):
    tap.skip_all("this kernel has no BTF (/sys/kernel/btf/vmlinux)")

d = tmpdir()
N = 3000


def stats_json(path):
    p = bootlog("stats", "--file", path, "--json")
    return json.loads(p.stdout) if p.returncode == 0 else {}


def storm_check(label, prog, comm):
    """Runs a storm of prog under bootlog record; checks every child's exec."""
    rec = os.path.join(d, f"{label}.bootlog")
    p = bootlog("record", "-o", rec, "--", STORM_TAGGED, "-n", str(N), "-p", "2", prog)
    tap.ok(p.returncode == 0, f"{label}: the storm ran under bootlog record", p.stdout + p.stderr)
    if p.returncode != 0:
        return
    events = export(rec)
    # The storm's children, from the recording's forks (not from argv, which is what is checked):
    # storm-tagged forks the spawners, which fork the children.
    storm_pid = next((e["pid"] for e in events if e["type"] == "exec"
                      and (e.get("argv") or [""])[0] == STORM_TAGGED), None)
    spawners = {e["pid"] for e in events if e["type"] == "fork" and e["pid"] == e["tid"]
                and e["parent_pid"] == storm_pid}
    children = {e["pid"] for e in events if e["type"] == "fork" and e["pid"] == e["tid"]
                and e["parent_pid"] in spawners}
    execs = {}
    for e in events:
        if e["type"] == "exec" and e["pid"] in children:
            execs.setdefault(e["pid"], []).append(e)
    lost = [e for e in events if e["type"] == "lost"]
    tap.ok(len(children) == N and len(execs) == N and all(len(v) == 1 for v in execs.values()),
           f"{label}: all {N} children's execs are recorded, once each",
           f"children {len(children)}, with an exec {len(execs)}")
    without = [v[0] for v in execs.values() if not v[0].get("argv")]
    not_at_exec = [v[0] for v in execs.values() if not v[0].get("argv_at_exec")]
    tap.ok(not without and not not_at_exec,
           f"{label}: every exec has its argv, captured at the exec",
           f"without argv {len(without)}, not captured {len(not_at_exec)}: {(without + not_at_exec)[:3]}")
    # Child K of spawner S runs PROG S.K.PID: its own pid, and a place in the storm no other child has.
    tags = [(v[0].get("argv") or [None, ""])[-1].split(".") for v in execs.values()]
    wrong = [v[0] for pid, v in execs.items()
             if len(v[0].get("argv") or []) != 2 or v[0]["argv"][0] != prog
             or v[0]["argv"][1].split(".")[-1] != str(pid)]
    tap.ok(not wrong and len({tuple(t[:2]) for t in tags}) == N,
           f"{label}: every exec shows its own process's argv (0 of {N} another's)",
           f"{len(wrong)} wrong, e.g. {wrong[:3]}")
    comms = [v[0] for v in execs.values() if v[0].get("comm") != comm]
    tap.ok(not comms, f"{label}: every exec has its comm", comms[:3])
    tap.ok(not lost, f"{label}: nothing lost", lost)
    s = stats_json(rec)
    tap.ok(s.get("argv_capture") == "exec" and s.get("execs_argv_at_exec", 0) >= N,
           f"{label}: the header says argv was captured at each exec",
           {k: s.get(k) for k in ("argv_capture", "execs", "execs_argv_at_exec")})
    # The text views show the exact argv of a child that lived for an instant.
    some = min(execs)
    t = bootlog("tree", "--file", rec, "--pid", str(some), "--color=never")
    tap.ok(t.returncode == 0 and " ".join(execs[some][0]["argv"]) in t.stdout
           and execs[some][0]["argv"][1].endswith(f".{some}"),
           f"{label}: tree shows a child's captured command line", t.stdout[-500:] + t.stderr)


storm_check("true", "/bin/true", "true")

# A static binary that exits at once: no dynamic loader, gone within microseconds.
src = os.path.join(d, "st-true.c")
with open(src, "w") as f:
    f.write("int main(void) { return 0; }\n")
static = os.path.join(d, "st-true")
cc = run(["gcc", "-static", "-O2", "-o", static, src]) if shutil.which("gcc") else None
if cc is not None and cc.returncode == 0:
    storm_check("static", static, "st-true")
else:
    tap.ok(True, "# SKIP no static binary (gcc -static failed)")

env = dict(os.environ)
env.pop("NOTIFY_SOCKET", None)


def daemon_run(label, args, prefix=()):
    """bootlogd -o FILE with args until stopped, around a few short-lived execs; returns (file, stderr)."""
    rec = os.path.join(d, f"{label}.bootlog")
    proc = subprocess.Popen([*prefix, BOOTLOGD, "-o", rec, "--until=stop", *args], stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        time.sleep(0.8)
        w = run(["sh", "-c", "for i in 1 2 3 4 5; do /bin/echo daemon-$i >/dev/null; done"])
        time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    ok = proc.returncode == 0 and w.returncode == 0
    return (rec if ok else None), err


# The capability to load BPF programs dropped from the bounding set: root's execve then lacks it.
setpriv = shutil.which("setpriv")
if setpriv:
    rec, err = daemon_run("nocap", [], (setpriv, "--bounding-set=-bpf,-perfmon,-sys_admin", "--"))
    tap.ok(rec is not None, "bootlogd without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN records", err)
    tap.ok("Command lines are read from /proc" in err and "not permitted" in err and "CAP_BPF" in err,
           "... and says in one line why argv comes from /proc", err)
    if rec:
        s = stats_json(rec)
        echoes = [e for e in export(rec) if e["type"] == "exec" and (e.get("argv") or [""])[0] == "/bin/echo"]
        tap.ok(s.get("argv_capture") == "proc" and s.get("execs_argv_at_exec") == 0 and s.get("execs", 0) >= 5,
               "... the header says argv was read from /proc, no exec claims a capture",
               {k: s.get(k) for k in ("argv_capture", "execs", "execs_argv_at_exec")})
        tap.ok(len(echoes) <= 5 and all(not e.get("argv_at_exec") for e in echoes),
               "... execs read from /proc are not marked captured", echoes)
else:
    tap.ok(True, "# SKIP setpriv missing (util-linux)")

# Asked for /proc: no BPF at all, said plainly.
rec, err = daemon_run("proc", ["--argv-capture=proc"])
tap.ok(rec is not None and "read from /proc (ArgvCapture=proc)" in err,
       "bootlogd --argv-capture=proc records and says it reads argv from /proc", err)
if rec:
    tap.ok(stats_json(rec).get("argv_capture") == "proc", "... and its header says so")

# And by default, the daemon captures: its log says so, its header too, /bin/echo's argv is exact.
rec, err = daemon_run("auto", [])
tap.ok(rec is not None and "captured in the kernel at each exec" in err,
       "bootlogd by default captures argv in the kernel, and says so", err)
if rec:
    echoes = [e for e in export(rec) if e["type"] == "exec" and (e.get("argv") or [""])[0] == "/bin/echo"]
    tap.ok(sorted(e["argv"][1] for e in echoes) == [f"daemon-{i}" for i in range(1, 6)]
           and all(e.get("argv_at_exec") for e in echoes),
           "... every /bin/echo exec of the workload has its exact argv, captured", echoes)

p = run([BOOTLOGD, "-o", os.path.join(d, "bad.bootlog"), "--argv-capture=bpf"])
tap.ok(p.returncode != 0 and "--argv-capture" in p.stderr and "auto or proc" in p.stderr
       and not os.path.exists(os.path.join(d, "bad.bootlog")),
       "bootlogd --argv-capture=bpf: refused, naming the choices", p.stderr)
p = bootlog("record", "-o", os.path.join(d, "bad.bootlog"), "--argv-capture=yes", "--", "true")
tap.ok(p.returncode == 2 and "auto or proc" in p.stderr, "bootlog record --argv-capture=yes: usage error", p.stderr)

tap.done()
