#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bootlogd where process events cannot be had: outside the initial network
namespace (the proc connector lives in the initial one only), and without
CAP_NET_ADMIN. Either way it must say why in one clear message, exit with
status 3 (which bootlogd.service counts as success, so boot goes on),
tell the service manager READY=1 with the reason first (a Type=notify unit
whose process exits before READY=1 fails), leave no file behind, and do all
of it at once. Since Linux 6.6 the kernel lets listeners without
CAP_NET_ADMIN subscribe: there, bootlogd without it records normally, and
the test checks that instead."""

import os
import shutil
import socket
import subprocess
import time

from lib import BOOTLOGD, Tap, need_root, tmpdir

tap = Tap()
need_root(tap)
d = tmpdir()


def run_daemon(prefix, args):
    """Runs bootlogd (under prefix) with a private NOTIFY_SOCKET; (returncode, stderr, notify text, seconds)."""
    sock_path = os.path.join(d, "notify")
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(0.2)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    t0 = time.monotonic()
    p = subprocess.run([*prefix, BOOTLOGD, *args], env=env, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - t0
    notes = []
    try:
        while True:
            notes.append(sock.recv(4096).decode())
    except (socket.timeout, BlockingIOError):
        pass
    sock.close()
    return p.returncode, p.stderr, "\n".join(notes), took


def refused(name, rc, err, notes, took, out, words):
    lines = [line for line in err.splitlines() if line.strip()]
    tap.ok(rc == 3, f"{name}: exit status 3 (rc {rc})", err)
    tap.ok(len(lines) == 1 and all(w in lines[0] for w in words),
           f"{name}: one message naming the cause ({', '.join(words)})", err)
    tap.ok("READY=1" in notes and "STATUS=" in notes,
           f"{name}: READY=1 with a STATUS= for the service manager", notes)
    tap.ok(not os.path.exists(out) and took < 5, f"{name}: no file left behind, and at once ({took:.2f} s)")


# Outside the initial network namespace.
if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"]).returncode == 0:
    out = os.path.join(d, "netns.bootlog")
    rc, err, notes, took = run_daemon(["unshare", "-n"], ["-o", out, "--until=2s"])
    refused("in a new network namespace", rc, err, notes, took, out, ["network namespace"])
else:
    tap.ok(True, "in a new network namespace # SKIP unshare -n not possible here")

# Without CAP_NET_ADMIN (bounding set and inheritable set without it: root's exec cannot get it back).
if shutil.which("setpriv"):
    out = os.path.join(d, "nocap.bootlog")
    rc, err, notes, took = run_daemon(["setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin", "--"],
                                      ["-o", out, "--until=1s"])
    if rc == 3:
        refused("without CAP_NET_ADMIN", rc, err, notes, took, out, ["CAP_NET_ADMIN"])
    else:
        rel = os.uname().release
        tap.ok(rc == 0 and os.path.exists(out) and "READY=1" in notes and "Recorded" in err,
               f"without CAP_NET_ADMIN: this kernel ({rel}) lets any listener subscribe; bootlogd records", err)
else:
    tap.ok(True, "without CAP_NET_ADMIN # SKIP no setpriv(1)")

tap.done()
