#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The seed's story, replayed and recorded: an rc script starts a daemon
through a double fork, and a ruby-like program runs a helper through sudo,
which mails the team with sendmail -t. The recording must answer both
questions: who ran sendmail, and who started the daemon."""

import os
import re
import shutil

from lib import Tap, need_root, bootlog, export, tmpdir, HERE

tap = Tap()
need_root(tap)

d = tmpdir()
seed = os.path.join(d, "seed")
shutil.copytree(os.path.join(HERE, "seed"), seed, symlinks=True)
rec = os.path.join(d, "seed.bootlog")

p = bootlog("record", "-o", rec, "--grace", "5", "--", os.path.join(seed, "etc/init.d/rc"), "2")
tap.ok(p.returncode == 0, "bootlog record runs the rc script and returns its status", p.stderr)
tap.ok("Recorded" in p.stderr and "(0 lost)" in p.stderr, "record prints a summary with zero lost", p.stderr)

events = export(rec)
tap.ok(not [e for e in events if e["type"] == "lost"], "no lost records")

execs = [e for e in events if e["type"] == "exec"]


def exec_of(pattern):
    return [e for e in execs if e.get("argv") and re.search(pattern, " ".join(e["argv"]))]


sendmail = exec_of(r"sbin/sendmail -t$")
tap.ok(len(sendmail) == 1, "exactly one exec of sendmail -t, with its argv", [e.get("argv") for e in execs])

# The chain, by pids from the raw events: sendmail <- foo-script <- sudo <- ruby <- S30foo <- rc
forks = {e["pid"]: e for e in events if e["type"] == "fork" and e["pid"] == e["tid"]}


def forker(pid):
    f = forks.get(pid)
    return f["parent_pid"] if f else None


chain = []
pid = sendmail[0]["pid"] if sendmail else None
while pid in forks:
    pid = forker(pid)
    chain.append(pid)
names = []
for pid in chain:
    ex = [e for e in execs if e["pid"] == pid and e.get("argv")]
    names.append(" ".join(ex[-1]["argv"]) if ex else "?")
want = ["sbin/foo-script", "bin/sudo", "bin/ruby", "rc2.d/S30foo", "init.d/rc 2"]
found = [any(w in n for n in names) for w in want]
tap.ok(all(found), "the recorded fork chain of sendmail passes foo-script, sudo, ruby, S30foo and rc",
       "\n".join(names))

# bootlog why: the answer as the user sees it.
p = bootlog("why", "--file", rec, "sendmail")
out = p.stdout
tap.ok(p.returncode == 0, "bootlog why sendmail succeeds", p.stderr)
lines = out.splitlines()
pos = []
for w in ["sbin/sendmail -t", "sbin/foo-script", "bin/sudo", "bin/ruby", "rc2.d/S30foo", "init.d/rc 2"]:
    idx = next((i for i, line in enumerate(lines) if w in line and (not pos or i > pos[-1])), None)
    pos.append(idx)
tap.ok(None not in pos, "why prints sendmail then each ancestor's argv, in order up the chain", out)

# The daemon: forked by the start-stop-daemon subshell, reparented when that exited.
puppet = exec_of(r"bin/puppet agent$")
tap.ok(len(puppet) == 1, "the daemon's exec is recorded with its argv", [e.get("argv") for e in execs])
if puppet:
    dpid = puppet[0]["pid"]
    parent = forker(dpid)
    parent_execs = [e for e in execs if e["pid"] == parent]
    ssd = exec_of(r"sbin/start-stop-daemon")
    # The subshell never exec'd: it is a fork of the start-stop-daemon shell.
    tap.ok(parent is not None and parent != 1 and not parent_execs and ssd and forker(parent) == ssd[0]["pid"],
           "the daemon's forker is the start-stop-daemon subshell, not PID 1",
           f"daemon {dpid} parent {parent} execs {parent_execs}")
    exits = [e for e in events if e["type"] == "exit" and e["pid"] == dpid and e["tid"] == dpid]
    tap.ok(exits and exits[0].get("parent_pid") != parent,
           "the daemon's exit shows it was reparented", exits)

    # And the tree view puts it under its real forker.
    p = bootlog("tree", "--file", rec)
    tlines = p.stdout.splitlines()
    ssd_line = next((i for i, line in enumerate(tlines) if "start-stop-daemon" in line), None)
    pup_line = next((i for i, line in enumerate(tlines) if "bin/puppet agent" in line), None)

    def indent(line):
        return len(line) - len(line.lstrip(" │├└─|`-"))

    tap.ok(p.returncode == 0 and ssd_line is not None and pup_line is not None and pup_line > ssd_line
           and indent(tlines[pup_line]) > indent(tlines[ssd_line]),
           "bootlog tree shows the daemon nested under start-stop-daemon", p.stdout)

shutil.rmtree(d)
tap.done()
