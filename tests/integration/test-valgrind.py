#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bootlogd and bootlog under valgrind's memcheck. bootlogd records an exec
storm (STORM_N fork+exec+exit of /bin/true from 2 spawners; memcheck slows
bootlogd, not the storm) and stops on SIGTERM: memcheck must find no error
(no invalid read or write, no use of uninitialised memory, no definite or
indirect leak), bootlogd must exit 0, and the recording must hold every fork,
exec and exit of the storm with no lost record. Then `bootlog tree`,
`bootlog export --format json` and `bootlog verify` read that recording
under memcheck, with the same demands, and print what they print without
it. Skips without valgrind (Debian package valgrind; tests/deps.sh)."""

import os
import random
import shutil
import signal
import socket
import subprocess
import time

from lib import BOOTLOG, BOOTLOGD, STORM, Tap, bootlog, export, need_root, run, storm_counts, tmpdir

N = int(os.environ.get("STORM_N", "2000"))
# memcheck needs a dynamically linked program; the installed bootlogd may be static.
BOOTLOGD = os.environ.get("BOOTLOGD_DYNAMIC") or BOOTLOGD
# Generous: memcheck runs a program 20 to 50 times slower, and the machine may be busy.
READY_TIMEOUT_S = 300
STOP_TIMEOUT_S = 600

tap = Tap()
need_root(tap)
VALGRIND = shutil.which("valgrind")
if not VALGRIND:
    tap.skip_all("valgrind not found (Debian package valgrind; tests/deps.sh installs it)")
if os.environ.get("BOOTLOG_SANITIZE", "none") != "none":
    tap.skip_all("a sanitizer build: AddressSanitizer and memcheck cannot watch the same program")

d = tmpdir()


def memcheck(log):
    return [VALGRIND, "--tool=memcheck", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
            "--track-origins=yes", f"--log-file={log}"]


def error_summary(log):
    """The count of errors in memcheck's log, or None without a summary line."""
    try:
        with open(log, errors="replace") as f:
            text = f.read()
    except OSError:
        return None, ""
    count = None
    for line in text.splitlines():
        if "ERROR SUMMARY:" in line:
            try:
                count = int(line.split("ERROR SUMMARY:")[1].split()[0].replace(",", ""))
            except (IndexError, ValueError):
                pass
    return count, text


def check_memcheck(what, rc, log):
    count, text = error_summary(log)
    tap.ok(rc != 99 and count == 0,
           f"{what}: memcheck finds 0 errors (exit status {rc}, ERROR SUMMARY: {count})", text)


# 1. bootlogd under memcheck, through a storm, stopped by SIGTERM.
rec = os.path.join(d, "valgrind.bootlog")
log = os.path.join(d, "bootlogd.memcheck")
sock_path = os.path.join(d, "notify-%d" % random.randrange(1 << 30))
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sock_path)
sock.settimeout(1)
env = dict(os.environ, NOTIFY_SOCKET=sock_path)
proc = subprocess.Popen([*memcheck(log), BOOTLOGD, "-o", rec, "--until=stop", "--no-sync"],
                        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
ready = False
deadline = time.monotonic() + READY_TIMEOUT_S
while not ready and proc.poll() is None and time.monotonic() < deadline:
    try:
        ready = "READY=1" in sock.recv(4096).decode().split("\n")
    except socket.timeout:
        pass
sock.close()
if not tap.ok(ready, "bootlogd under memcheck subscribes and sends READY=1"):
    proc.kill()
    out, err = proc.communicate()
    tap.ok(False, "bootlogd under memcheck started", err)
    tap.done()

storm = subprocess.Popen([STORM, "-n", str(N), "-p", "2", "/bin/true"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
storm_out, _ = storm.communicate(timeout=STOP_TIMEOUT_S)
tap.ok(storm.returncode == 0, f"the storm ran {N} children", storm_out)
# The storm has reaped every child: their events are queued; bootlogd drains them as it stops.
proc.send_signal(signal.SIGTERM)
try:
    out, err = proc.communicate(timeout=STOP_TIMEOUT_S)
except subprocess.TimeoutExpired:
    proc.kill()
    out, err = proc.communicate()
tap.ok(proc.returncode == 0, f"bootlogd under memcheck exits 0 on SIGTERM (status {proc.returncode})", err)
check_memcheck("bootlogd", proc.returncode, log)
summary = [line for line in err.splitlines() if "Recorded" in line]
tap.ok(len(summary) == 1 and "(0 lost)" in summary[0], "bootlogd's summary says 0 lost", err)

events = export(rec)
lost = [e for e in events if e["type"] == "lost"]
tap.ok(not lost, "zero lost records in the recording", lost[:5])
storm_pid, busy, forks, execs, exits = storm_counts(events, storm.pid)
busy = len(busy)
tap.ok(storm_pid is not None, f"the storm's own exec (pid {storm.pid}) is recorded with its argv")
tap.ok(busy == 2, f"both spawners recorded ({busy})")
tap.ok(forks == N, f"every fork of the storm recorded ({forks} of {N})")
tap.ok(execs == N, f"every exec of the storm recorded ({execs} of {N})")
tap.ok(exits == N, f"every exit of the storm recorded ({exits} of {N})")

# 2. bootlog reading that recording under memcheck: same output as without it.
for name, args in (("tree", ["tree", "--file", rec]),
                   ("export", ["export", "--file", rec, "--format", "json"]),
                   ("verify", ["verify", "--file", rec])):
    plain = bootlog(*args)
    log = os.path.join(d, f"bootlog-{name}.memcheck")
    p = run([*memcheck(log), BOOTLOG, *args], timeout=STOP_TIMEOUT_S)
    tap.ok(plain.returncode == 0 and p.returncode == 0,
           f"bootlog {name} exits 0 under memcheck (status {p.returncode}; without it {plain.returncode})",
           p.stderr[-3000:])
    check_memcheck(f"bootlog {name}", p.returncode, log)
    tap.ok(p.stdout == plain.stdout and p.stdout.strip(),
           f"bootlog {name} prints the same under memcheck as without it ({len(p.stdout)} bytes)")

shutil.rmtree(d)
tap.done()
