#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Choosing a recording: `bootlog boots` lists the recordings of a directory
in time order with journalctl-style indexes, and the reading commands take
-b N / -b ID / -D DIR to pick one; damaged and foreign files never break the
listing; a recording in progress is marked. `bootlog stop` stops a running
bootlogd and returns only once the recording is closed. The default
directories (/var/log/bootlog, /run/bootlog) are tried in a private mount
namespace, where a recording being moved from /run to /var/log counts once."""

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time

from lib import Tap, need_root, bootlog, run, tmpdir, BOOTLOG, BOOTLOGD

tap = Tap()
need_root(tap)
d = tmpdir()
os.environ["LC_ALL"] = "C"

boot_id = open("/proc/sys/kernel/random/boot_id").read().strip()
boot_id_hex = boot_id.replace("-", "")

# Three recordings, made in this order; the file names sort otherwise, so
# that the listing's order can only come from the headers' start times.
recs = os.path.join(d, "recs")
os.mkdir(recs)
names = ["z", "x", "y"]
for i, name in enumerate(names, 1):
    # A program that lives long enough for its arguments to be read from /proc.
    marker = os.path.join(d, f"marker-{i}")
    shutil.copy("/bin/sleep", marker)
    p = bootlog("record", "-o", os.path.join(recs, f"{name}.bootlog"), "--", marker, "0.2")
    tap.ok(p.returncode == 0, f"recording {i} made", p.stderr)
    time.sleep(0.05)


def boot_lines(out):
    """(index, boot id, rest of the line) of each listed recording."""
    rows = []
    for line in out.splitlines()[1:]:
        f = line.split(None, 2)
        if len(f) == 3:
            rows.append((f[0], f[1], f[2]))
    return rows


# 1. The listing: oldest first, indexes -2, -1, 0, the header's boot id, the file.
p = bootlog("boots", "-D", recs)
rows = boot_lines(p.stdout)
tap.ok(p.returncode == 0 and p.stdout.startswith("IDX BOOT ID"), "boots: a header line", p.stdout + p.stderr)
tap.ok([r[0] for r in rows] == ["-2", "-1", "0"], "boots: three recordings indexed -2, -1, 0", p.stdout)
tap.ok(all(r[1] == boot_id_hex for r in rows), "boots: each with the boot id from its header", p.stdout)
tap.ok([re.search(r"/(\w)\.bootlog", r[2]).group(1) for r in rows] == names,
       "boots: in the order they were recorded, not by name", p.stdout)
tap.ok(all(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \d{4}-\d\d-\d\d \d\d:\d\d:\d\d +[1-9]\d* +0  ", r[2])
           for r in rows), "boots: first and last event times, events and lost", p.stdout)
tap.ok(not re.search(r"recording\)|not closed cleanly|damaged", p.stdout), "boots: no marks on complete recordings",
       p.stdout)

p = bootlog("boots", "-D", recs, "--json")
try:
    j = json.loads(p.stdout)
except ValueError:
    j = []
tap.ok(p.returncode == 0 and [o["index"] for o in j] == [-2, -1, 0] and
       [os.path.basename(o["path"]) for o in j] == [f"{n}.bootlog" for n in names] and
       all(o["boot_id"] == boot_id_hex and o["events"] > 0 and o["lost"] == 0 and o["clean_end"] and
           not o["recording"] and o["first_realtime_us"] <= o["last_realtime_us"] for o in j) and
       j[0]["last_realtime_us"] <= j[1]["first_realtime_us"],
       "boots --json: the same, as a JSON array", p.stdout + p.stderr)


# 2. Selection by index and id.
def marker_of(*args):
    """Which marker-N the tree of the selected recording shows (a list, to catch several)."""
    p = bootlog("tree", *args)
    return p.returncode, sorted(set(re.findall(r"marker-(\d) 0\.2", p.stdout))), p.stderr


for args, want, what in [
    (["-D", recs], ["3"], "no -b: the current boot's newest recording"),
    (["-D", recs, "-b"], ["3"], "-b alone: the newest"),
    (["-D", recs, "-b", "0"], ["3"], "-b 0: the newest"),
    (["-D", recs, "-b", "-1"], ["2"], "-b -1: the one before"),
    (["-b", "-2", "-D", recs], ["1"], "-b -2 (before -D): the oldest of three"),
    (["-D", recs, "--boot=-1"], ["2"], "--boot=-1"),
    (["-D", recs, "--boot", "-1"], ["2"], "--boot -1"),
    (["-D", recs, "-b-1"], ["2"], "-b-1"),
    (["-D", recs, "-b", "1"], ["1"], "-b 1: the oldest"),
    (["-D", recs, "-b", "2"], ["2"], "-b 2: the second oldest"),
    (["-D", recs, "-b", boot_id], ["3"], "-b ID (dashed): the newest recording of that boot"),
    (["-D", recs, "-b", boot_id_hex.upper()], ["3"], "-b ID (32 hex digits, any case)"),
    (["--directory", recs + "/", "-b", "-1"], ["2"], "--directory DIR/"),
]:
    rc, got, err = marker_of(*args)
    tap.ok(rc == 0 and got == want, f"tree {what}", f"exit {rc}, markers {got}, want {want}: {err}")

p = bootlog("why", "-D", recs, "-b", "-1", "marker-2")
tap.ok(p.returncode == 0 and "marker-2 0.2" in p.stdout, "why -b -1 PATTERN reads the middle recording", p.stderr)
p = bootlog("why", "marker-2", "-D", recs, "-b", "-1")
tap.ok(p.returncode == 0 and "marker-2 0.2" in p.stdout, "why PATTERN -b -1 (options after the pattern)", p.stderr)
p = bootlog("why", "-D", recs, "-b", "marker-1")
tap.ok(p.returncode == 1 and "No process matched 'marker-1'" in p.stderr,
       "why -b PATTERN: -b takes no pattern as its value; the newest has no marker-1", p.stdout + p.stderr)
p = bootlog("verify", "-D", recs, "-b", "-2")
tap.ok(p.returncode == 0 and p.stdout.startswith(os.path.join(recs, "z.bootlog") + ":"),
       "verify -b -2 names the file it checked", p.stdout + p.stderr)
for verb in ("events", "export"):
    p = bootlog(verb, "-D", recs, "-b", "-1")
    tap.ok(p.returncode == 0 and "marker-2" in p.stdout and "marker-3" not in p.stdout,
           f"{verb} -b -1 reads the middle recording", p.stderr)

# 3. Errors.
p = bootlog("tree", "-D", recs, "-b", "-5")
tap.ok(p.returncode == 1 and p.stderr.strip() == "bootlog: No boot with offset -5: 3 boots recorded." and
       not p.stdout, "-b -5: no such boot, exit 1", p.stderr)
p = bootlog("tree", "-D", recs, "-b", "4")
tap.ok(p.returncode == 1 and "No boot with offset 4: 3 boots recorded." in p.stderr, "-b 4: no such boot", p.stderr)
p = bootlog("tree", "-D", recs, "-b", "0123456789abcdef0123456789abcdef")
tap.ok(p.returncode == 1 and "Boot 0123456789abcdef0123456789abcdef not found" in p.stderr,
       "-b ID of another boot: not found, exit 1", p.stderr)
p = bootlog("tree", "--file", os.path.join(recs, "x.bootlog"), "-b")
tap.ok(p.returncode == 2 and "--file and -b/--boot cannot be combined" in p.stderr, "--file with -b: usage error",
       p.stderr)
empty = os.path.join(d, "empty")
os.mkdir(empty)
p = bootlog("tree", "-D", empty)
tap.ok(p.returncode == 1 and p.stderr.strip() == f"bootlog: No recordings in {empty}.", "no recordings: exit 1",
       p.stderr)
p = bootlog("boots", "-D", empty)
tap.ok(p.returncode == 1 and f"No recordings in {empty}." in p.stderr and not p.stdout, "boots: no recordings",
       p.stderr)

# 4. Foreign, damaged and odd files: listed or skipped, never a crash or a hang; indexes stay.
with open(os.path.join(recs, "junk.bootlog"), "w") as f:
    f.write("not a recording\n")
os.mkfifo(os.path.join(recs, "fifo.bootlog"))
shutil.copy(os.path.join(recs, "z.bootlog"), os.path.join(recs, ".copy-in-progress.bootlog"))
shutil.copy(os.path.join(recs, "z.bootlog"), os.path.join(recs, "z.bootlog.old"))
p = bootlog("boots", "-D", recs, timeout=30)
rows = boot_lines(p.stdout)
tap.ok(p.returncode == 0 and [r[0] for r in rows] == ["-2", "-1", "0", "-"] and
       "junk.bootlog (damaged: not a bootlog recording)" in rows[3][2],
       "boots: a foreign file is listed last as damaged; FIFOs, hidden and other files are skipped", p.stdout + p.stderr)
rc, got, err = marker_of("-D", recs, "-b", "-1")
tap.ok(rc == 0 and got == ["2"], "tree -b -1 still reads the middle recording", err)

torn = os.path.join(d, "torn")
os.mkdir(torn)
data = open(os.path.join(recs, "y.bootlog"), "rb").read()
with open(os.path.join(torn, "y.bootlog"), "wb") as f:
    f.write(data[:len(data) - 100])
p = bootlog("boots", "-D", torn)
tap.ok(p.returncode == 0 and re.search(r"^ +0 " + boot_id_hex + r" .*\(not closed cleanly, damaged: 1 byte range skipped\)$",
                                       p.stdout, re.M), "boots: a torn recording is indexed, with a note", p.stdout + p.stderr)


# 5. A recording in progress, and bootlog stop.
def start_daemon(path, pid_file):
    """Starts bootlogd with a private NOTIFY_SOCKET; returns (process, ready)."""
    sock_path = os.path.join(d, "notify-%d" % random.randrange(1 << 30))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(30)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    proc = subprocess.Popen([BOOTLOGD, "-o", path, "--pid-file", pid_file], env=env,
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


live = os.path.join(d, "live")
os.mkdir(live)
live_rec = os.path.join(live, "x.bootlog")
pid_file = os.path.join(live, "bootlogd.pid")
proc, ready = start_daemon(live_rec, pid_file)
tap.ok(ready and os.path.exists(pid_file), "bootlogd is ready and wrote its PID file")
p = bootlog("boots", "-D", live)
tap.ok(p.returncode == 0 and re.search(r"^ +0 .*/x\.bootlog \(recording\)$", p.stdout, re.M),
       "boots: the recording in progress is marked", p.stdout + p.stderr)
p = bootlog("stop", "--pid-file", pid_file, timeout=60)
exited = proc.poll() is not None
tap.ok(p.returncode == 0 and p.stdout.strip() == f"Stopped recording (pid {proc.pid})." and exited,
       "stop: exit 0 once the recorder has exited", f"exit {p.returncode}: {p.stdout} {p.stderr}")
try:
    proc.wait(timeout=30)
except subprocess.TimeoutExpired:
    proc.kill()
    proc.wait()
tap.ok(proc.returncode == 0, "bootlogd stopped cleanly", proc.stderr.read())
p = bootlog("verify", "--file", live_rec)
tap.ok(p.returncode == 0 and "OK" in p.stdout and "not closed cleanly" not in p.stdout,
       "verify: the recording was closed cleanly", p.stdout + p.stderr)
p = bootlog("boots", "-D", live)
tap.ok(p.returncode == 0 and "(recording)" not in p.stdout and "not closed cleanly" not in p.stdout,
       "boots: no longer marked", p.stdout)
p = bootlog("stop", "--pid-file", pid_file)
tap.ok(p.returncode == 1 and "No recorder is running" in p.stderr, "stop again: no recorder is running, exit 1",
       p.stderr)

# A recorder killed outright leaves a recording that was not closed cleanly.
killed_rec = os.path.join(live, "killed.bootlog")
proc, ready = start_daemon(killed_rec, os.path.join(live, "killed.pid"))
time.sleep(0.2)
proc.send_signal(signal.SIGKILL)
proc.wait(timeout=30)
p = bootlog("boots", "-D", live)
tap.ok(p.returncode == 0 and re.search(r"/killed\.bootlog \(not closed cleanly", p.stdout),
       "boots: a recording whose recorder was killed is marked 'not closed cleanly'", p.stdout + p.stderr)

# 6. The default directories, in a private mount namespace (the host's are left alone).
if shutil.which("unshare") and run(["unshare", "-m", "true"]).returncode == 0:
    y = os.path.join(recs, "y.bootlog")
    z = os.path.join(recs, "z.bootlog")
    script = f"""
set -e
mount -t tmpfs tmpfs /var/log
mount -t tmpfs tmpfs /run
mkdir /var/log/bootlog /run/bootlog
B={BOOTLOG}
echo "== empty"; $B tree 2>&1 || echo "rc=$?"
cp {z} /var/log/bootlog/old.bootlog
# The current boot being moved: a partial copy in /var/log.
cp {y} /run/bootlog/{boot_id_hex}.bootlog
head -c -100 {y} >/var/log/bootlog/{boot_id_hex}.bootlog
echo "== moving"; $B boots
echo "== moving tree"; $B tree | grep -o 'marker-. 0.2' | sort -u
cp {y} /var/log/bootlog/{boot_id_hex}.bootlog
echo "== moved"; $B boots
echo "== moved tree -1"; $B tree -b -1 | grep -o 'marker-. 0.2' | sort -u
"""
    p = run(["unshare", "-m", "--propagation", "private", "sh", "-c", script])
    sections = dict(re.findall(r"== ([^\n]+)\n(.*?)(?=\n== |\Z)", p.stdout, re.S))
    tap.ok(p.returncode == 0 and "No recordings in /var/log/bootlog or /run/bootlog." in sections.get("empty", "")
           and "rc=1" in sections.get("empty", ""), "default directories: none there, exit 1", p.stdout + p.stderr)
    moving = boot_lines(sections.get("moving", ""))
    tap.ok(len(moving) == 2 and moving[1][2].split()[-1] == f"/run/bootlog/{boot_id_hex}.bootlog" and
           moving[0][2].split()[-1] == "/var/log/bootlog/old.bootlog",
           "while moving: the /run copy counts, an earlier recording of the same boot too",
           sections.get("moving", "") + p.stderr)
    tap.ok(sections.get("moving tree", "").strip() == "marker-3 0.2", "while moving: tree reads the /run copy",
           p.stdout + p.stderr)
    moved = boot_lines(sections.get("moved", ""))
    tap.ok(len(moved) == 2 and moved[1][2].split()[-1] == f"/var/log/bootlog/{boot_id_hex}.bootlog",
           "once moved: the /var/log copy counts, once", sections.get("moved", "") + p.stderr)
    tap.ok(sections.get("moved tree -1", "").strip() == "marker-1 0.2", "once moved: tree -b -1 reads the one before",
           p.stdout + p.stderr)
else:
    tap.ok(True, "default directories # SKIP no unshare(1), or no mount namespaces here")

shutil.rmtree(d)
tap.done()
