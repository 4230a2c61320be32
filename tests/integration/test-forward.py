#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bootlogd --forward=journal against a real systemd-journald that this test
owns: it runs in a private mount namespace (the test re-executes itself under
`unshare --mount`) with a tmpfs on /run, so the journald started here creates
its own /run/systemd/journal/socket and keeps a volatile journal in
/run/log/journal; nothing touches the machine's journal.

  (a) no journald at all (early boot): the recording is complete, nothing
      lost, and the summary counts what was not forwarded;
  (b) journald running: every exec of a workload is in the journal, queried
      with journalctl on BOOTLOG_* fields, equal to the recording (pid,
      parent, argv, exe, time); the failing exit has BOOTLOG_EXIT_STATUS=3,
      a SIGKILL BOOTLOG_EXIT_STATUS=SIGKILL; the summary with its
      MESSAGE_ID says BOOTLOG_NOT_FORWARDED=0;
  (c) journald stopped (SIGSTOP): bootlogd neither blocks nor loses events,
      counts what journald's full queue refused, and what it counted as
      forwarded is exactly what reached the journal;
  (d) journald killed and started again: events in between are counted as
      not forwarded, and bootlogd reconnects by itself;
  (e) the catalog entry: journalctl --update-catalog in a private root
      lists it, and journalctl -x explains the summary with its fields."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

from lib import Tap, need_root, export, run, tmpdir, BOOTLOGD, HERE

NS_MARK = "BOOTLOG_TEST_FORWARD_NS"
JOURNALD = "/lib/systemd/systemd-journald"
SOCKET = "/run/systemd/journal/socket"
JOURNAL_DIR = "/run/log/journal"
SUMMARY_ID = "9a5b6c1e2f3d4a8b9c7d0e1f2a3b4c5d"
ARGV_MAX = 16 * 1024  # forward.c: FORWARD_ARGV_MAX
CATALOG = os.path.normpath(os.path.join(HERE, "..", "..", "units", "bootlog.catalog"))

tap = Tap()
need_root(tap)


def need(tool, package):
    """Skip without the tool, unless CI asks for every check: then fail."""
    found = os.path.exists(tool) if tool.startswith("/") else shutil.which(tool)
    if found:
        return
    if os.environ.get("CI", "") not in ("", "0", "false", "no"):
        print(f"Bail out! {tool} not found and CI is set: tests/deps.sh installs {package}", flush=True)
        sys.exit(1)
    tap.skip_all(f"{tool} not found (Debian package {package})")


if os.environ.get(NS_MARK) != "1":
    for tool, package in [("unshare", "util-linux"), ("mount", "mount"), (JOURNALD, "systemd"),
                          ("journalctl", "systemd")]:
        need(tool, package)
    os.environ[NS_MARK] = "1"
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable, *sys.argv])

# From here on: in our own mount namespace.
run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run"], check=True)
# Storage=volatile below keeps journald off /var/log/journal; this makes sure.
if os.path.isdir("/var/log/journal"):
    run(["mount", "-t", "tmpfs", "tmpfs", "/var/log/journal"], check=True)
os.makedirs("/run/systemd/journald.conf.d")
with open("/run/systemd/journald.conf.d/test.conf", "w") as f:
    # No rate limit: (c) compares what bootlogd counted with what the journal holds.
    f.write("[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\n"
            "ForwardToConsole=no\nRateLimitBurst=0\n")

d = tmpdir()
conf = os.path.join(d, "none.conf")  # no settings from the machine's /etc
journald_log = open(os.path.join(d, "journald.log"), "a")
journald = None


def start_journald():
    """journald, not socket-activated, creates its sockets itself. It runs in its own network namespace
    only so that net.unix.max_dgram_qlen can be 512 for it, as systemd sets it at boot (the kernel's 10
    would make journald's queue overflow in (b) under the load of other tests); the socket is reached by
    its path, which does not depend on the network namespace."""
    env = dict(os.environ, SYSTEMD_LOG_TARGET="console")
    p = subprocess.Popen(["unshare", "--net", "sh", "-c",
                          'echo 512 >/proc/sys/net/unix/max_dgram_qlen && exec "$0"', JOURNALD],
                         env=env, stdout=journald_log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            try:
                s.connect(SOCKET)
                return p
            except OSError:
                pass
        if p.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"journald did not start (status {p.poll()}); see {journald_log.name}")


def stop_journald(p, sig=signal.SIGTERM):
    if p and p.poll() is None:
        p.send_signal(sig)
        p.wait(timeout=30)


def journal(*matches):
    """Entries matching journalctl's field matches, as dicts (binary values decoded)."""
    p = run(["journalctl", "-D", JOURNAL_DIR, "-o", "json", "--all", "--no-pager", *matches])
    out = []
    for line in p.stdout.splitlines():
        if not line.strip():
            continue
        e = json.loads(line)
        for k, v in e.items():
            # Binary values (a newline, say) come as arrays of bytes; repeated fields as arrays.
            if isinstance(v, list) and all(isinstance(x, int) for x in v):
                e[k] = bytes(v).decode("utf-8", "replace")
        out.append(e)
    return out


def wait_for(matches, n=1, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        got = journal(*matches)
        if len(got) >= n or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def copy_program(src, name):
    path = os.path.join(d, name)
    shutil.copy(src, path)
    return path


TRUE = copy_program("/bin/true", "fwd-true")
SH = copy_program("/bin/sh", "fwd-sh")
FAIL = copy_program("/bin/sh", "fwd-fail")
SLEEP = copy_program("/bin/sleep", "fwd-sleep")
PHASE2 = copy_program("/bin/true", "fwd-phase2")
PHASE3 = copy_program("/bin/true", "fwd-phase3")
BURST = copy_program("/bin/true", "fwd-burst")
BIG = "x" * 20000

# The workload's programs live some 30 ms (a busy loop: dash has no sleep), so that bootlogd reads their
# argv from /proc before they exit even on a loaded machine; a /bin/true could be gone by then, and then
# the recording (and the journal) rightly have no argv for it.
LOOP = "i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done"
workload = os.path.join(d, "workload.sh")
with open(workload, "w") as f:
    f.write(f"""# A few known programs with distinct argv; one exits 3, one is killed.
L='{LOOP}'
"{SH}" -c "$L" alpha 'two words'
"{SH}" -c "$L" 'line1
line2'
"{FAIL}" -c "$L; exit 3"
"{SH}" -c "$L" big "$1"
"{SLEEP}" 30 &
p=$!
c=
while [ "$c" != fwd-sleep ]; do read -r c </proc/$p/comm || c=; done
"{SH}" -c "$L" settle
kill -9 $p
wait $p
exit 0
""")


def display(argv):
    """bl_escape_argv(): MESSAGE's form of an argv (only the escapes this test's arguments need)."""
    def one(a):
        e = a.replace("\\", "\\\\").replace("\n", "\\n")
        return f"'{e}'" if not a or any(c in a for c in " '\"") else e
    return " ".join(one(a) for a in argv)


class Recorder:
    """bootlogd -o FILE --pid-file P --forward=..., until SIGTERM."""

    def __init__(self, name, forward):
        self.rec = os.path.join(d, name + ".bootlog")
        self.pid_file = os.path.join(d, name + ".pid")
        self.p = subprocess.Popen([BOOTLOGD, "-o", self.rec, "--pid-file", self.pid_file, "--until", "stop",
                                   "--config", conf, "--no-sync", "--forward=" + forward],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not os.path.exists(self.pid_file) and self.p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if not os.path.exists(self.pid_file):
            raise RuntimeError(f"bootlogd did not start: {self.p.communicate()}")
        self.pid = self.p.pid

    def stop(self, timeout=60):
        t0 = time.monotonic()
        self.p.send_signal(signal.SIGTERM)
        _, self.stderr = self.p.communicate(timeout=timeout)
        self.elapsed = time.monotonic() - t0
        self.events = export(self.rec)
        m = re.search(r"forwarded (\d+) events?, (\d+) not(?: \(([^)]*)\))?\.", self.stderr)
        self.forwarded, self.not_forwarded, self.why = (int(m[1]), int(m[2]), m[3]) if m else (None, None, None)
        return self

    def lost(self):
        end = [e for e in self.events if e["type"] == "end"]
        return end[-1]["lost"] if end else None

    def execs_under(self, root):
        """The exec events of root and its descendants, from the recording's forks."""
        parent = {e["pid"]: e["parent_pid"] for e in self.events if e["type"] == "fork" and e["pid"] == e["tid"]}

        def under(pid):
            while pid:
                if pid == root:
                    return True
                pid = parent.get(pid)
            return False
        return [e for e in self.events if e["type"] == "exec" and under(e["pid"])]


# The shell, three fwd-sh, fwd-fail, fwd-sleep, fwd-sh settle.
WORKLOAD_EXECS = 7


def short(x, n=2000):
    """A test detail that stays readable (the 20 KB argument in it is not)."""
    return (x if isinstance(x, str) else json.dumps(x)).replace(BIG, "<20000 x>")[:n]


def run_workload():
    p = subprocess.Popen(["sh", workload, BIG])
    p.wait()
    return p.pid


def complete(r, what):
    tap.ok(r.p.returncode == 0 and r.lost() == 0, f"{what}: bootlogd stops cleanly, 0 events lost",
           r.stderr)


try:
    # (a) No journald: no socket at all, as in early boot.
    r = Recorder("absent", "journal")
    shell = run_workload()
    r.stop()
    complete(r, "(a) journald absent")
    execs = r.execs_under(shell)
    tap.ok(len(execs) == WORKLOAD_EXECS, f"(a) journald absent: all {WORKLOAD_EXECS} execs of the workload are recorded",
           short([e.get("comm") for e in execs]))
    tap.ok(r.forwarded == 0 and r.not_forwarded and r.not_forwarded > 0 and r.why == "journald unavailable",
           "(a) journald absent: the summary says how many were not forwarded, and why", r.stderr)

    journald = start_journald()

    # (b) journald running: the default selection, exec and failed exits.
    r = Recorder("running", "journal")
    shell = run_workload()
    r.stop()
    complete(r, "(b) journald running")
    summary = wait_for([f"MESSAGE_ID={SUMMARY_ID}", f"_PID={r.pid}"])
    tap.ok(r.forwarded and r.not_forwarded == 0 and re.search(r"; forwarded \d+ events?, 0 not\.$", r.stderr.strip()),
           "(b) journald running: the summary line says all were forwarded", r.stderr)
    tap.ok(len(summary) == 1 and summary[0].get("BOOTLOG_NOT_FORWARDED") == "0"
           and summary[0].get("BOOTLOG_FORWARDED") == str(r.forwarded)
           and summary[0].get("SYSLOG_IDENTIFIER") == "bootlogd"
           and summary[0].get("BOOTLOG_FILE") == r.rec and summary[0].get("BOOTLOG_LOST") == "0"
           and "forwarded" in summary[0].get("MESSAGE", ""),
           f"(b) the summary is in the journal with MESSAGE_ID={SUMMARY_ID}, BOOTLOG_NOT_FORWARDED=0",
           summary)
    mine = journal("SYSLOG_IDENTIFIER=bootlog", f"_PID={r.pid}")
    tap.ok(len(mine) == r.forwarded, "(b) the journal holds exactly as many entries as bootlogd forwarded",
           f"{len(mine)} entries, {r.forwarded} forwarded")
    tap.ok(all(e.get("SYSLOG_IDENTIFIER") == "bootlog" and "\n" not in e.get("MESSAGE", "\n")
               and not re.search(r"[\x00-\x1f\x7f]", e.get("MESSAGE", "")) for e in mine),
           "(b) every entry has SYSLOG_IDENTIFIER=bootlog and a MESSAGE without control characters",
           [e.get("MESSAGE") for e in mine if re.search(r"[\x00-\x1f\x7f]", e.get("MESSAGE", ""))])

    execs = r.execs_under(shell)
    jexecs = journal("BOOTLOG_EVENT=exec", f"_PID={r.pid}")
    missing, wrong = [], []
    for e in execs:
        hits = [j for j in jexecs if j.get("BOOTLOG_PID") == str(e["pid"]) and j.get("BOOTLOG_TS_NS") == str(e["ts_ns"])]
        if len(hits) != 1:
            missing.append(e)
            continue
        j = hits[0]
        argv = " ".join(e["argv"]) if e.get("argv") else None
        if argv is not None and len(argv) > ARGV_MAX:
            ok_argv = j.get("BOOTLOG_ARGV") == argv[:ARGV_MAX] and j.get("BOOTLOG_ARGV_TRUNCATED") == "yes"
        else:
            ok_argv = j.get("BOOTLOG_ARGV") == argv and "BOOTLOG_ARGV_TRUNCATED" not in j
        if not ok_argv or j.get("BOOTLOG_EXE") != e.get("exe") or j.get("PRIORITY") != "6":
            wrong.append((e, j))
    tap.ok(len(execs) == WORKLOAD_EXECS and not missing,
           f"(b) BOOTLOG_EVENT=exec: all {len(execs)} execs of the workload are in the journal (pid, time)",
           "missing: " + short(missing))
    tap.ok(not wrong, "(b) each with the recorded argv (BOOTLOG_ARGV, raw), exe, and PRIORITY=6",
           short(wrong))

    by_argv = {" ".join(e["argv"]): e for e in execs if e.get("argv")}
    sh_exec = by_argv.get(f"sh {workload} {BIG}")
    two = by_argv.get(f"{SH} -c {LOOP} alpha two words")
    j = journal("BOOTLOG_EVENT=exec", f"BOOTLOG_PID={two['pid']}") if two else []
    tap.ok(two and len(j) == 1
           and j[0].get("MESSAGE") == f"exec {two['pid']} {SH} -c '{LOOP}' alpha 'two words'"
           and j[0].get("BOOTLOG_PARENT_PID") == str(shell) and j[0].get("BOOTLOG_COMM") == "fwd-sh",
           "(b) MESSAGE is 'exec PID ARGV' (quoted where needed); BOOTLOG_PARENT_PID is the forking shell", j)
    nl = by_argv.get(f"{SH} -c {LOOP} line1\nline2")
    j = journal("BOOTLOG_EVENT=exec", f"BOOTLOG_PID={nl['pid']}") if nl else []
    tap.ok(nl and len(j) == 1 and j[0].get("BOOTLOG_ARGV") == f"{SH} -c {LOOP} line1\nline2"
           and j[0].get("MESSAGE") == f"exec {nl['pid']} {display(nl['argv'])}"
           and j[0].get("MESSAGE").endswith(" line1\\nline2"),
           "(b) an argv with a newline: raw in BOOTLOG_ARGV (binary field), escaped in MESSAGE", j)
    big = [e for e in execs if e.get("argv") and e["argv"][3:4] == ["big"]]
    j = journal("BOOTLOG_EVENT=exec", f"BOOTLOG_PID={big[0]['pid']}") if big else []
    tap.ok(big and len(j) == 1 and len(j[0].get("BOOTLOG_ARGV", "")) == ARGV_MAX
           and j[0].get("BOOTLOG_ARGV_TRUNCATED") == "yes" and j[0].get("MESSAGE", "").endswith("x..."),
           "(b) a 20 KB argv is cut at 16 KiB, with BOOTLOG_ARGV_TRUNCATED=yes and '...' in MESSAGE",
           [(len(e.get("BOOTLOG_ARGV", "")), e.get("BOOTLOG_ARGV_TRUNCATED")) for e in j])
    tap.ok(sh_exec and journal("BOOTLOG_EVENT=exec", f"BOOTLOG_PID={shell}", f"BOOTLOG_PARENT_PID={os.getpid()}"),
           "(b) the workload shell's exec names this test as its parent")

    fail = by_argv.get(f"{FAIL} -c {LOOP}; exit 3")
    j = journal("BOOTLOG_EVENT=exit", "BOOTLOG_EXIT_STATUS=3", f"_PID={r.pid}",
                f"BOOTLOG_PID={fail['pid'] if fail else 0}")
    tap.ok(fail and len(j) == 1
           and j[0].get("MESSAGE") == f"exit {fail['pid']} {FAIL} -c '{LOOP}; exit 3': exit 3"
           and j[0].get("BOOTLOG_ARGV") == f"{FAIL} -c {LOOP}; exit 3" and j[0].get("PRIORITY") == "5"
           and j[0].get("BOOTLOG_PARENT_PID") == str(shell) and j[0].get("BOOTLOG_EXE") == fail.get("exe"),
           "(b) the failing exit: BOOTLOG_EXIT_STATUS=3, PRIORITY=5, the argv of its last exec, its forker", j)
    exit3 = [e for e in r.events if e["type"] == "exit" and fail and e["pid"] == fail["pid"]]
    tap.ok(j and exit3 and j[0].get("BOOTLOG_TS_NS") == str(exit3[0]["ts_ns"]),
           "(b) BOOTLOG_TS_NS is the recorded event's CLOCK_MONOTONIC time", (j, exit3))
    slept = [e for e in execs if e.get("argv") == [SLEEP, "30"]]
    j = journal("BOOTLOG_EVENT=exit", "BOOTLOG_EXIT_STATUS=SIGKILL", f"_PID={r.pid}",
                f"BOOTLOG_PID={slept[0]['pid'] if slept else 0}")
    tap.ok(slept and len(j) == 1
           and j[0].get("MESSAGE") == f"exit {slept[0]['pid']} {SLEEP} 30: killed by SIGKILL"
           and j[0].get("PRIORITY") == "4",
           "(b) a process killed by SIGKILL: BOOTLOG_EXIT_STATUS=SIGKILL, PRIORITY=4", j)
    zero = [e for e in execs if e.get("argv") and e["argv"][0] == SH]
    j = [x for e in zero for x in journal("BOOTLOG_EVENT=exit", f"BOOTLOG_PID={e['pid']}", f"_PID={r.pid}")]
    tap.ok(zero and not j, "(b) exits with status 0 are not forwarded by default (exec,failed-exit)", j)

    # (c) journald stopped: its queue fills up; bootlogd must not wait for it.
    r = Recorder("stopped", "journal:exec,exit")
    journald.send_signal(signal.SIGSTOP)
    try:
        burst = subprocess.Popen(["sh", "-c", f'i=0; while [ $i -lt 600 ]; do "{BURST}" $i; i=$((i + 1)); done'])
        burst.wait()
        r.stop(timeout=60)
    finally:
        journald.send_signal(signal.SIGCONT)
    complete(r, "(c) journald stopped")
    n = len([e for e in r.execs_under(burst.pid) if e["pid"] != burst.pid])
    tap.ok(n == 600, "(c) journald stopped: all 600 execs of a burst are in the recording", n)
    tap.ok(r.elapsed < 10, f"(c) bootlogd stops in {r.elapsed:.1f} s although journald does not read")
    tap.ok(r.not_forwarded and r.not_forwarded > 0 and "journald busy" in (r.why or ""),
           "(c) the summary counts the events journald's full queue refused", r.stderr)
    got = wait_for(["SYSLOG_IDENTIFIER=bootlog", f"_PID={r.pid}"], n=r.forwarded or 1)
    time.sleep(0.5)
    got = journal("SYSLOG_IDENTIFIER=bootlog", f"_PID={r.pid}")
    tap.ok(r.forwarded is not None and len(got) == r.forwarded,
           "(c) what bootlogd counted as forwarded is exactly what reached the journal",
           f"{len(got)} in the journal, {r.forwarded} counted")

    # (d) journald killed, then started again.
    r = Recorder("restarted", "journal")
    phase1 = subprocess.Popen([TRUE, "phase1"])
    phase1.wait()
    # What journald's socket took but journald did not read yet dies with it: wait until it read this one.
    wait_for(["BOOTLOG_EVENT=exec", f"BOOTLOG_PID={phase1.pid}", f"_PID={r.pid}"])
    stop_journald(journald, signal.SIGKILL)
    phase2 = subprocess.Popen([PHASE2])
    phase2.wait()
    journald = start_journald()
    time.sleep(1.2)  # bootlogd tries to connect again at most once a second
    phase3 = subprocess.Popen([PHASE3])
    phase3.wait()
    wait_for(["BOOTLOG_EVENT=exec", f"BOOTLOG_PID={phase3.pid}", f"_PID={r.pid}"])
    r.stop()
    complete(r, "(d) journald killed and restarted")
    seen = {}
    for name, pid in (("before", phase1.pid), ("without journald", phase2.pid), ("after", phase3.pid)):
        recorded = [e for e in r.events if e["type"] == "exec" and e["pid"] == pid]
        seen[name] = (len(recorded), len(journal("BOOTLOG_EVENT=exec", f"BOOTLOG_PID={pid}", f"_PID={r.pid}")))
    tap.ok(seen == {"before": (1, 1), "without journald": (1, 0), "after": (1, 1)},
           "(d) recorded always; forwarded before the kill, not while journald was gone, again once back",
           seen)
    summary = wait_for([f"MESSAGE_ID={SUMMARY_ID}", f"_PID={r.pid}"])
    tap.ok(r.not_forwarded and r.not_forwarded > 0 and "journald unavailable" in (r.why or "")
           and summary and summary[0].get("BOOTLOG_NOT_FORWARDED") == str(r.not_forwarded),
           "(d) the summary (stderr and journal) counts the events sent while journald was gone",
           (r.stderr, summary))

    # (e) The catalog entry, compiled in a private root as journalctl --update-catalog would for /.
    root = os.path.join(d, "root")
    os.makedirs(os.path.join(root, "usr/lib/systemd/catalog"))
    shutil.copy(CATALOG, os.path.join(root, "usr/lib/systemd/catalog"))
    p = run(["journalctl", f"--root={root}", "--update-catalog"])
    q = run(["journalctl", f"--root={root}", "--list-catalog", SUMMARY_ID])
    tap.ok(p.returncode == 0 and q.stdout.startswith(f"{SUMMARY_ID} bootlog: The boot's process events"),
           "(e) journalctl --update-catalog compiles units/bootlog.catalog; --list-catalog shows it",
           p.stderr + q.stdout + q.stderr)
    q = run(["journalctl", f"--root={root}", "--dump-catalog", SUMMARY_ID])
    tap.ok(all(s in q.stdout for s in ("Defined-By: bootlog", "Support: man:bootlogd(8)", "bootlog tree -b",
                                       "@BOOTLOG_FILE@", "BOOTLOG_NOT_FORWARDED")),
           "(e) the entry: Defined-By, Support, how to read the recording, the fields", q.stdout)
    if os.path.isdir("/var/lib/systemd/catalog"):
        run(["mount", "--bind", os.path.join(root, "var/lib/systemd/catalog"), "/var/lib/systemd/catalog"],
            check=True)
        q = run(["journalctl", "-x", "-D", JOURNAL_DIR, "--no-pager", f"MESSAGE_ID={SUMMARY_ID}",
                 f"_PID={r.pid}"])
        tap.ok(f"The boot's process events were recorded to {r.rec}" in q.stdout
               and "bootlog tree -b" in q.stdout,
               "(e) journalctl -x explains the summary, its fields filled in", q.stdout + q.stderr)
finally:
    stop_journald(journald)
    journald_log.close()

shutil.rmtree(d)
tap.done()
