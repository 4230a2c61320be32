#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bootlog events --follow on a recording bootlogd is still writing: a
program run meanwhile shows up within seconds, and following ends by itself
(status 0) when the daemon writes the END record. Then, on that recording,
the terminal side of the text views: an argv holding an escape sequence and
a newline prints escaped in tree, why and events, also with colour on (the
only ESC bytes are our own colour sequences); a pager and colour when the
output is a terminal, none with NO_COLOR. Last, following across bootlogd's
move of the recording from /run/bootlog to /var/log/bootlog, in a private
mount namespace (tmpfs on both) so that the machine's own recordings are
not touched."""

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import time

from lib import Tap, need_root, tmpdir, BOOTLOG, BOOTLOGD

tap = Tap()
need_root(tap)
d = tmpdir()
rec = os.path.join(d, "follow.bootlog")
pid_file = os.path.join(d, "bootlogd.pid")
# A script, so that it lives long enough (its sleep) for the recorder to read its argv from /proc, even
# under a sanitizer; it ignores its arguments. Its command name is follow-marker.
marker = os.path.join(d, "follow-marker")
with open(marker, "w") as f:
    f.write("#!/bin/sh\nsleep 0.5\n")
os.chmod(marker, 0o755)
EVIL = ["\x1b[2J", "two\nFORGED 1 +0.000s line"]
SGR = re.compile(rb"\x1b\[[0-9;]*m")


def wait_for(cond, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


# 1. Follow a recording in progress.
daemon = subprocess.Popen([BOOTLOGD, "-o", rec, "--pid-file", pid_file, "--flush-interval", "0.1"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
started = wait_for(lambda: os.path.exists(pid_file) and os.path.getsize(pid_file) > 0, 15)
tap.ok(started, "bootlogd -o FILE --flush-interval 0.1 is recording")

out_path = os.path.join(d, "follow.out")
err_path = os.path.join(d, "follow.err")
with open(out_path, "wb") as out, open(err_path, "wb") as err:
    follower = subprocess.Popen([BOOTLOG, "events", "--file", rec, "--follow", "-e", "exec"],
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
# Its header line says it is reading.
wait_for(lambda: b"TIME" in read(out_path), 10)
t0 = time.monotonic()
subprocess.run([marker, "follow-1"], check=True)
seen = wait_for(lambda: b"follow-marker follow-1" in read(out_path), 5)
tap.ok(seen, f"a program run while following shows up in the output ({time.monotonic() - t0:.2f}s)",
       read(out_path)[-2000:].decode(errors="replace"))
subprocess.run([marker, *EVIL], check=True)
wait_for(lambda: rb"\e[2J" in read(out_path), 5)
followed = read(out_path)
tap.ok(rb"\e[2J 'two\nFORGED 1 +0.000s line'" in followed and b"\x1b" not in followed
       and not any(line.lstrip().startswith(b"FORGED") for line in followed.split(b"\n")),
       "an argv with an escape sequence and a newline follows escaped, on one line",
       followed[-2000:].decode(errors="replace"))
tap.ok(follower.poll() is None, "following goes on while the daemon records")

daemon.send_signal(signal.SIGTERM)
try:
    daemon.wait(timeout=30)
except subprocess.TimeoutExpired:
    daemon.kill()
    daemon.wait()
tap.ok(daemon.returncode == 0, "bootlogd stops on SIGTERM", daemon.stderr.read().decode(errors="replace"))
try:
    rc = follower.wait(timeout=15)
except subprocess.TimeoutExpired:
    follower.kill()
    rc = follower.wait()
    rc = f"still running 15 s after the daemon stopped (killed: {rc})"
tap.ok(rc == 0, "following ends by itself with status 0 once the END record arrives",
       f"status {rc}; stderr: {read(err_path).decode(errors='replace')}")
tap.ok(read(err_path) == b"", "and says nothing on stderr", read(err_path).decode(errors="replace"))

p = subprocess.run([BOOTLOG, "events", "--file", rec, "-e", "exec"], capture_output=True, timeout=60)
all_execs = [line for line in p.stdout.split(b"\n") if b"follow-marker" in line]
followed_execs = [line for line in read(out_path).split(b"\n") if b"follow-marker" in line]
tap.ok(p.returncode == 0 and all_execs and all_execs == followed_execs,
       "following printed the marker execs exactly as reading the finished file does",
       b"\n".join(all_execs + [b"--"] + followed_execs).decode(errors="replace"))

p = subprocess.run([BOOTLOG, "events", "--file", rec, "-e", "exec,bogus"], capture_output=True, text=True)
tap.ok(p.returncode == 2 and "'bogus'" in p.stderr and "exec, exit" in p.stderr and not p.stdout,
       "an unknown event type is a usage error that lists the valid ones", p.stderr)

# 1b. A block cut short at the end of the file is one still being written, not damage: follow a copy
# cut inside its last block (the END record's), then write the rest in two steps.
data = open(rec, "rb").read()
torn = os.path.join(d, "torn.bootlog")
with open(torn, "wb") as f:
    f.write(data[:len(data) - 40])
torn_out = os.path.join(d, "torn.out")
torn_err = os.path.join(d, "torn.err")
with open(torn_out, "wb") as out, open(torn_err, "wb") as err:
    tail = subprocess.Popen([BOOTLOG, "events", "--file", torn, "--follow", "-e", "end"], stdout=out,
                            stderr=err, stdin=subprocess.DEVNULL)
time.sleep(0.6)
waiting = tail.poll() is None
with open(torn, "ab") as f:
    f.write(data[len(data) - 40:len(data) - 20])
time.sleep(0.6)
waiting = waiting and tail.poll() is None
with open(torn, "ab") as f:
    f.write(data[len(data) - 20:])
try:
    rc = tail.wait(timeout=15)
except subprocess.TimeoutExpired:
    tail.kill()
    rc = f"still running (killed: {tail.wait()})"
tap.ok(waiting and rc == 0 and b"recording ended cleanly" in read(torn_out) and read(torn_err) == b"",
       "following waits at a block cut short by the end of the file, then reads it whole: no damage",
       f"waiting {waiting}, status {rc}\n{read(torn_out).decode(errors='replace')}\n"
       f"{read(torn_err).decode(errors='replace')}")

# 2. The evil argv in every text view, with colour forced on: escaped, never raw, never split.
views = [
    ("tree", ["tree", "--file", rec, "--pid", str(os.getpid())]),
    ("tree --full", ["tree", "--file", rec, "--full", "--comm", "follow-marker"]),
    ("why", ["why", "--file", rec, "follow-marker"]),
    ("why --regex", ["why", "--file", rec, "--regex", "^follow-mark.r$"]),
    ("events", ["events", "--file", rec, "--comm", "follow-marker"]),
]
env = dict(os.environ, COLUMNS="400", LC_ALL="C.UTF-8")
env.pop("NO_COLOR", None)
for name, argv in views:
    for color in ("--color=always", "--color=never"):
        p = subprocess.run([BOOTLOG, *argv, color], capture_output=True, env=env, timeout=60)
        plain = SGR.sub(b"", p.stdout)
        problems = []
        if p.returncode != 0:
            problems.append(f"exit status {p.returncode}: {p.stderr.decode(errors='replace')}")
        if b"\x1b" in plain:
            problems.append("an ESC byte that is not one of our colour sequences")
        if color == "--color=always" and not SGR.search(p.stdout):
            problems.append("no colour sequence at all")
        if color == "--color=never" and b"\x1b" in p.stdout:
            problems.append("colour sequences with --color=never")
        if rb"\e[2J 'two\nFORGED 1 +0.000s line'" not in plain:
            problems.append("the escaped argv is not in the output, whole")
        if any(line.lstrip().startswith(b"FORGED") for line in plain.split(b"\n")):
            problems.append("a forged line")
        tap.ok(not problems, f"{name} {color}: the argv shows escaped, colour only around it",
               "\n".join(problems) + "\n" + p.stdout.decode(errors="replace")[-1500:])


# 3. On a terminal: colour and a pager by default; NO_COLOR and --no-pager say no.
def on_terminal(argv, extra_env):
    env = dict(os.environ, LC_ALL="C.UTF-8", TERM="xterm", COLUMNS="200")
    for k in ("NO_COLOR", "PAGER", "SYSTEMD_PAGER"):
        env.pop(k, None)
    env.update(extra_env)
    master, slave = pty.openpty()
    p = subprocess.Popen([BOOTLOG, *argv], stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    data = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 1)
        if not r:
            if p.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    try:
        rc = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    return rc, data


tree_argv = ["tree", "--file", rec, "--comm", "follow-marker"]
pager = {"SYSTEMD_PAGER": "sed 's/^/PAGED:/'"}
rc, data = on_terminal(tree_argv, pager)
tap.ok(rc == 0 and b"PAGED:" in data and SGR.search(data),
       "on a terminal: $SYSTEMD_PAGER gets the output, with colour", data[-1500:].decode(errors="replace"))
rc, data = on_terminal(tree_argv, {**pager, "NO_COLOR": "1"})
tap.ok(rc == 0 and b"PAGED:" in data and not SGR.search(data), "NO_COLOR=1: no colour, still the pager",
       data[-1500:].decode(errors="replace"))
rc, data = on_terminal([*tree_argv, "--no-pager"], pager)
tap.ok(rc == 0 and b"PAGED:" not in data and SGR.search(data) and b"follow-marker" in data,
       "--no-pager: straight to the terminal, with colour", data[-1500:].decode(errors="replace"))
rc, data = on_terminal(tree_argv, {"PAGER": "cat"})
tap.ok(rc == 0 and b"follow-marker" in data, "PAGER=cat: no pager", data[-1500:].decode(errors="replace"))
# A pager that quits at once: we end quietly, status 0, not killed by SIGPIPE.
rc, data = on_terminal(["events", "--file", rec], {"SYSTEMD_PAGER": "head -n 1"})
tap.ok(rc == 0, "a pager that quits early ends the view quietly with status 0",
       f"status {rc}\n" + data[-1500:].decode(errors="replace"))

# 4. Following across the move from /run/bootlog to /var/log/bootlog, in a private mount namespace:
# /var/log read-only at first, so that the recording stays in /run until the follower reads it.
script = r'''
set -u
mkdir -p /run/bootlog /var/log
mount -t tmpfs tmpfs /run/bootlog || exit 77
mount -t tmpfs -o ro tmpfs /var/log || exit 77
printf '[Recorder]\nDirectory=/var/log/bootlog\nUntil=60s\n' > "$D/move.conf"
"$BOOTLOGD" --config "$D/move.conf" --pid-file "$D/move.pid" --flush-interval 0.1 2>"$D/move-daemon.err" &
daemon=$!
for i in $(seq 150); do [ -s "$D/move.pid" ] && break; sleep 0.1; done
f=$(ls /run/bootlog/*.bootlog 2>/dev/null | head -n 1)
[ -n "$f" ] || { echo "no recording in /run/bootlog"; kill $daemon; exit 1; }
"$BOOTLOG" events --file "$f" --follow -e exec >"$D/move.out" 2>"$D/move.err" &
follower=$!
sleep 0.5
"$MARKER" before-move
sleep 0.5
mount -o remount,rw /var/log
for i in $(seq 100); do [ -e "$f" ] || break; sleep 0.1; done
[ -e "$f" ] && echo "the recording did not move"
ls /var/log/bootlog
"$MARKER" after-move
for i in $(seq 50); do grep -q after-move "$D/move.out" && break; sleep 0.1; done
kill -TERM $daemon
wait $daemon
echo "daemon=$?"
for i in $(seq 150); do kill -0 $follower 2>/dev/null || break; sleep 0.1; done
kill -0 $follower 2>/dev/null && { echo "follower still running"; kill $follower; }
wait $follower
echo "follower=$?"
'''
p = subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c", script],
                   capture_output=True, text=True, timeout=120,
                   env=dict(os.environ, D=d, MARKER=marker, BOOTLOG=BOOTLOG, BOOTLOGD=BOOTLOGD))
if p.returncode == 77 or "unshare failed" in p.stderr:
    tap.ok(True, f"following across the move # SKIP no private mount namespace: {p.stderr.strip()}")
else:
    moved_out = read(os.path.join(d, "move.out")).decode(errors="replace")
    moved_err = read(os.path.join(d, "move.err")).decode(errors="replace")
    detail = f"{p.stdout}\n{p.stderr}\nout:\n{moved_out[-1500:]}\nerr:\n{moved_err}"
    tap.ok("follow-marker before-move" in moved_out and "follow-marker after-move" in moved_out,
           "following goes on across bootlogd's move to /var/log/bootlog", detail)
    tap.ok(re.search(r"Recording moved to '/var/log/bootlog/[0-9a-f]+\.bootlog'", moved_err) is not None,
           "and says where it follows the recording to", detail)
    tap.ok("follower=0" in p.stdout and "daemon=0" in p.stdout and "still running" not in p.stdout,
           "and ends with status 0 at the END record written into the moved file", detail)

shutil.rmtree(d)
tap.done()
