#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bootlogd as a daemon: tells the service manager it is ready only once it
is subscribed, records what runs after that, stops cleanly on SIGTERM with a
one-line summary; and a SIGKILL in the middle of a storm leaves a file from
which every block written before the kill is read back."""

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time

from lib import Tap, need_root, bootlog, export, tmpdir, BOOTLOGD, STORM

tap = Tap()
need_root(tap)
d = tmpdir()


def start_daemon(path, *extra):
    """Starts bootlogd with a private NOTIFY_SOCKET; returns (process, ready)."""
    sock_path = os.path.join(d, "notify-%d" % random.randrange(1 << 30))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(30)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    proc = subprocess.Popen([BOOTLOGD, "-o", path, *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready = False
    try:
        while not ready:
            msg = sock.recv(4096).decode()
            ready = "READY=1" in msg.split("\n")
    except socket.timeout:
        pass
    sock.close()
    return proc, ready


# 1. READY, a marker process recorded, clean stop on SIGTERM.
rec = os.path.join(d, "daemon.bootlog")
proc, ready = start_daemon(rec)
tap.ok(ready, "bootlogd sends READY=1")
marker = os.path.join(d, "marker-program")
# A program that lives long enough for its arguments to be read from /proc.
shutil.copy("/bin/sleep", marker)
subprocess.run([marker, "0.2"], check=True)
time.sleep(0.2)
proc.send_signal(signal.SIGTERM)
out, err = proc.communicate(timeout=30)
tap.ok(proc.returncode == 0, "bootlogd exits 0 on SIGTERM", err)
summary = [line for line in err.splitlines() if "Recorded" in line]
tap.ok(len(summary) == 1 and re.search(r"Recorded \d+ processes, \d+ events \(0 lost\) in \d+ bytes", summary[0]),
       "a one-line summary with events, lost and bytes", err)
events = export(rec)
hits = [e for e in events if e["type"] == "exec" and e.get("argv") == [marker, "0.2"]]
tap.ok(len(hits) == 1, "an exec after READY is recorded with its argv", [e for e in events if e["type"] == "exec"][:5])
tap.ok(any(e["type"] == "snapshot" and e["pid"] == 1 for e in events), "the snapshot holds PID 1")
tap.ok(events and events[-1]["type"] == "end", "the recording ends with a clean END record")
p = bootlog("verify", "--file", rec)
tap.ok(p.returncode == 0, "verify: intact", p.stdout + p.stderr)

# 2. An existing output file is never clobbered without --force.
before = os.path.getsize(rec)
p = subprocess.run([BOOTLOGD, "-o", rec], capture_output=True, text=True, timeout=30)
tap.ok(p.returncode != 0 and "already exists" in p.stderr and os.path.getsize(rec) == before,
       "bootlogd refuses to overwrite an existing file", p.stderr)

# 3. SIGKILL at random moments of a storm: every block written before the kill reads back.
rng = random.Random(1419)
for round_ in range(3):
    rec = os.path.join(d, f"killed-{round_}.bootlog")
    proc, ready = start_daemon(rec, "--flush-interval", "0.05", "--block-size", "8192", "--no-sync")
    storm = subprocess.Popen([STORM, "-n", "6000", "-p", "2"], stdout=subprocess.DEVNULL)
    time.sleep(0.3 + rng.random())
    size_before = os.path.getsize(rec)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    storm.wait(timeout=300)
    size_after = os.path.getsize(rec)
    p = bootlog("verify", "--file", rec)
    ranges = [(int(a), int(b)) for a, b in re.findall(r"damaged bytes (\d+)-(\d+)", p.stdout)]
    intact_before = p.returncode == 0 or (p.returncode == 1 and ranges and min(a for a, _ in ranges) >= size_before)
    tap.ok(ready and intact_before and "not closed cleanly" in p.stdout,
           f"kill {round_ + 1}: all {size_before} bytes written before the kill read back "
           f"(file {size_after} bytes)", p.stdout + p.stderr)
    n_events = len(export(rec))
    views_ok = all(bootlog(v, "--file", rec).returncode == 0 for v in ("tree", "events"))
    tap.ok(n_events > 100 and views_ok, f"kill {round_ + 1}: views read the {n_events} events")

shutil.rmtree(d)
tap.done()
