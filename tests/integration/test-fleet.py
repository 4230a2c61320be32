#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fleet over loopback: the journal's own transport carries recordings to a
central place. The test starts a systemd-journal-remote listening for HTTP
on 127.0.0.1 (a free port) and writing to a directory of its own. On the
"client" side a workload is recorded with `bootlog record`, exported with
--format=journal and imported by `systemd-journal-remote -o FILE -` into a
journal file, which `systemd-journal-upload --file FILE --follow=no` sends
to the server, as the README's fleet setup does for each recording. On the
server, `journalctl --directory` must find the events by the recorded
_BOOT_ID and _COMM, at their original times. A second recording uploaded
the same way must arrive too, and nothing twice.

(Not --save-state: Debian 12's systemd-journal-upload, resuming from its
state file, sends the entry at the saved cursor once more.)"""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import time

from lib import Tap, need_root, bootlog, export, run, tmpdir, BOOTLOG

JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
JOURNAL_UPLOAD = "/lib/systemd/systemd-journal-upload"
NAP = "0.05"

tap = Tap()
need_root(tap)
for prog in (JOURNAL_REMOTE, JOURNAL_UPLOAD):
    if not os.access(prog, os.X_OK):
        tap.skip_all(f"{prog} is missing (Debian package systemd-journal-remote; see tests/deps.sh)")

d = tmpdir()
server_dir = os.path.join(d, "remote")
client_dir = os.path.join(d, "client")
os.mkdir(server_dir)
os.mkdir(client_dir)


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


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def record_and_import(name, programs):
    """Records a run of the programs, imports its journal export into the client's directory.
    Returns the recording's events (JSON export) and its boot id (from its header)."""
    script = program(f"{name}.sh", "\n".join(["#!/bin/sh", *programs, "exit 0", ""]))
    rec_dir = os.path.join(d, f"rec-{name}")
    os.mkdir(rec_dir)
    recording = os.path.join(rec_dir, f"{name}.bootlog")
    p = bootlog("record", "-o", recording, "--", "/bin/sh", script)
    tap.ok(p.returncode == 0 and "(0 lost)" in p.stderr, f"client: recording {name} made, nothing lost", p.stderr)
    p = bootlog("boots", "-D", rec_dir, "--json")
    boot_id = json.loads(p.stdout)[0]["boot_id"] if p.returncode == 0 else None
    journal = os.path.join(client_dir, f"{name}.journal")
    p = run(["sh", "-c", f'"$0" export --file "$1" --format journal | {JOURNAL_REMOTE} -o "$2" -', BOOTLOG,
             recording, journal])
    tap.ok(p.returncode == 0 and os.path.exists(journal),
           f"client: bootlog export --format=journal | systemd-journal-remote -o {name}.journal -", p.stderr)
    return export(recording), boot_id


def upload(port, name):
    return run([JOURNAL_UPLOAD, f"--url=http://127.0.0.1:{port}", f"--file={client_dir}/{name}.journal",
                "--follow=no"], timeout=60)


def server_entries(*matches):
    p = run(["journalctl", "--directory", server_dir, "-o", "json", "--all", "--no-pager", *matches])
    if p.returncode != 0:
        return []
    return [json.loads(line) for line in p.stdout.split("\n") if line.strip()]


def wait_server(count, *matches, timeout=10.0):
    """The server's entries matching, once there are count of them (or what there is after timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        got = server_entries(*matches)
        if len(got) >= count or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def fleet(port, server, log):
    """The client's recordings, uploaded to the server, queried there."""
    up = wait_listening(port, server)
    log.seek(0)
    if not tap.ok(up, f"server: systemd-journal-remote listens for HTTP on 127.0.0.1:{port}", log.read()):
        return

    # ---- the first recording ----
    events_a, boot_id = record_and_import("a", [f"{one} {NAP}", f"{one} 0.06", fail])
    p = upload(port, "a")
    tap.ok(p.returncode == 0, "client: systemd-journal-upload --url=http://127.0.0.1:PORT --file=a.journal "
           "--follow=no succeeds", p.stdout + p.stderr)

    execs_one = [ev for ev in events_a if ev["type"] == "exec" and ev.get("comm") == "blfleet-one"]
    got = wait_server(len(execs_one), f"_BOOT_ID={boot_id}", "_COMM=blfleet-one", "BOOTLOG_EVENT=exec")
    tap.ok(len(execs_one) == 2 and len(got) == 2,
           "server: journalctl --directory _BOOT_ID=<recorded boot> _COMM=blfleet-one finds both execs",
           json.dumps(got, indent=1)[:2000])
    want = sorted((ev["pid"], ev["realtime_us"], ev["ts_ns"] // 1000, " ".join(ev["argv"])) for ev in execs_one)
    have = sorted((int(e["_PID"]), int(e["__REALTIME_TIMESTAMP"]), int(e["__MONOTONIC_TIMESTAMP"]),
                   e.get("_CMDLINE")) for e in got)
    tap.ok(want == have, "server: with their pids, command lines and original times to the microsecond",
           f"recorded {want}\nserver   {have}")
    hostname = socket.gethostname()
    tap.ok(got and all(e.get("_HOSTNAME") == hostname and e.get("_BOOT_ID") == boot_id for e in got),
           "server: with the recorded machine's host name and boot", [e.get("_HOSTNAME") for e in got])
    fails = wait_server(1, f"_BOOT_ID={boot_id}", "_COMM=blfleet-fail", "BOOTLOG_EVENT=exit")
    tap.ok(len(fails) == 1 and fails[0].get("BOOTLOG_EXIT_STATUS") == "3" and fails[0].get("PRIORITY") == "5",
           "server: the failing program's exit, status 3", fails)
    everything = wait_server(len(events_a), f"_BOOT_ID={boot_id}")
    tap.ok(len(everything) == len(events_a), f"server: every event of the recording arrived ({len(events_a)})",
           len(everything))

    # ---- a second recording ----
    events_b, boot_id_b = record_and_import("b", [f"{two} {NAP}"])
    p = upload(port, "b")
    tap.ok(p.returncode == 0, "client: the second upload succeeds", p.stdout + p.stderr)
    total = len(events_a) + len(events_b)
    # Both recordings are of this boot.
    tap.ok(boot_id_b == boot_id, "client: both recordings' headers name this boot", (boot_id, boot_id_b))
    everything = wait_server(total, f"_BOOT_ID={boot_id}")
    execs_two = [ev for ev in events_b if ev["type"] == "exec" and ev.get("comm") == "blfleet-two"]
    got_two = server_entries("_COMM=blfleet-two", "BOOTLOG_EVENT=exec")
    tap.ok(len(execs_two) == 1 and len(got_two) == 1
           and int(got_two[0]["__REALTIME_TIMESTAMP"]) == execs_two[0]["realtime_us"],
           "server: the second recording's program arrived, at its time", got_two)
    # Give a duplicate the time to show before counting.
    time.sleep(0.5)
    everything = server_entries(f"_BOOT_ID={boot_id}")
    tap.ok(len(everything) == total,
           f"server: each event of both recordings once ({len(events_a)} + {len(events_b)})",
           len(everything))


one = program("blfleet-one")
two = program("blfleet-two")
fail = program("blfleet-fail", f"#!/bin/sh\nsleep {NAP}\nexit 3\n")

port = free_port()
log = open(os.path.join(d, "remote.log"), "w+")
server = subprocess.Popen([JOURNAL_REMOTE, f"--listen-http=127.0.0.1:{port}", f"--output={server_dir}/"],
                          stdout=log, stderr=subprocess.STDOUT)
try:
    fleet(port, server, log)
finally:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    log.close()

shutil.rmtree(d, ignore_errors=True)
tap.done()
