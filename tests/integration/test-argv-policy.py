#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The argv policy (ArgvPolicy=, --argv=, bootlog.argv=) on real recordings.

A workload runs two scripts, keep-me and drop-me (their comm), each living
long enough for the recorder to read /proc. With
--argv=keep-* only keep-me's command line is in the file; drop-me's exec is
there with its exe and comm, argv null and argv_withheld; `bootlog tree`
says "(argv not recorded)". With --argv=none no exec of the workload keeps
its argv. The same through bootlogd -o with ArgvPolicy= from a --config
file, a secret on drop-me's command line never reaches the file's bytes,
and bad policies are refused with a message naming the mistake."""

import os
import signal
import subprocess
import time

from lib import BOOTLOGD, Tap, bootlog, export, need_root, run, tmpdir

tap = Tap()
need_root(tap)

d = tmpdir()
SECRET = "hunter2-secret-token"
for name in ("keep-me", "drop-me"):
    # A script: its comm is its name; it ignores the arguments after the first.
    with open(os.path.join(d, name), "w") as f:
        f.write('#!/bin/sh\nsleep "$1"\n')
    os.chmod(os.path.join(d, name), 0o755)
script = os.path.join(d, "work.sh")
with open(script, "w") as f:
    f.write(f"#!/bin/sh\n{d}/keep-me 0.05\n{d}/drop-me 0.05 --password={SECRET}\n")
os.chmod(script, 0o755)


# bootlog record --argv=PATTERNS
rec = os.path.join(d, "match.bootlog")
p = bootlog("record", "-o", rec, "--argv=keep-*,work.sh", "--", "sh", "-c", f"sh {script}")
events = export(rec) if p.returncode == 0 else []
keep = [e for e in events if e["type"] == "exec" and e.get("comm") == "keep-me"]
drop = [e for e in events if e["type"] == "exec" and e.get("comm") == "drop-me"]
tap.ok(p.returncode == 0 and len(keep) == 1 and len(drop) == 1,
       "record --argv=keep-*: both programs' execs are recorded", p.stderr + str(len(events)))
if keep and drop:
    tap.ok(keep[0].get("argv") == ["/bin/sh", f"{d}/keep-me", "0.05"] and not keep[0].get("argv_withheld"),
           "record --argv=keep-*: the matching program's argv is kept", keep[0])
    tap.ok(drop[0].get("argv") is None and drop[0].get("argv_withheld") is True
           and drop[0].get("exe") and drop[0].get("info_status") == "ok",
           "record --argv=keep-*: the other's argv is withheld, its exe and comm kept", drop[0])
with open(rec, "rb") as f:
    raw = f.read()
# Blocks are compressed: look in the export too (the decompressed events).
tap.ok(SECRET not in bootlog("export", "--file", rec).stdout and SECRET.encode() not in raw,
       "record --argv=keep-*: the secret on the withheld command line is nowhere in the file")
t = bootlog("tree", "--file", rec, "--comm", "drop-me", "--color=never")
tap.ok(t.returncode == 0 and "(argv not recorded)" in t.stdout and SECRET not in t.stdout,
       "tree shows the withheld argv as not recorded", t.stdout + t.stderr)

# bootlog record --argv=none: no exec of the workload keeps an argv.
rec = os.path.join(d, "none.bootlog")
p = bootlog("record", "-o", rec, "--argv=none", "--", "sh", script)
events = export(rec) if p.returncode == 0 else []
mine = [e for e in events if e["type"] == "exec" and e.get("comm") in ("keep-me", "drop-me")]
tap.ok(p.returncode == 0 and len(mine) == 2 and all(e.get("argv") is None and e.get("argv_withheld")
                                                     for e in mine),
       "record --argv=none: neither program's argv is recorded", mine)
kthreads = [e for e in events if e["type"] == "snapshot" and e.get("argv") == []]
tap.ok(kthreads and not any(e.get("argv") for e in events if e["type"] in ("exec", "snapshot")),
       "record --argv=none: no argv anywhere in the file (kernel threads keep their empty one)")

# bootlogd -o FILE with ArgvPolicy= from a configuration file.
conf = os.path.join(d, "bootlog.conf")
with open(conf, "w") as f:
    f.write("[Recorder]\nArgvPolicy=keep-me\n")
rec = os.path.join(d, "daemon.bootlog")
env = dict(os.environ)
env.pop("NOTIFY_SOCKET", None)
proc = subprocess.Popen([BOOTLOGD, "-o", rec, "--until=stop", "--config", conf], stderr=subprocess.PIPE,
                        text=True, env=env)
try:
    time.sleep(0.5)
    w = run(["sh", script])
    time.sleep(0.3)
finally:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
events = export(rec) if proc.returncode == 0 else []
keep = [e for e in events if e["type"] == "exec" and e.get("comm") == "keep-me"]
drop = [e for e in events if e["type"] == "exec" and e.get("comm") == "drop-me"]
tap.ok(w.returncode == 0 and proc.returncode == 0 and len(keep) == 1 and keep[0].get("argv")
       and len(drop) == 1 and drop[0].get("argv") is None and drop[0].get("argv_withheld"),
       "bootlogd with ArgvPolicy=keep-me in its configuration: keeps only keep-me's argv",
       err + w.stderr + str(keep + drop))

# Mistakes are refused with a message that names them.
for bad, what in (("a,,b", "empty pattern"), ("all,x", "all"), ("x[", "'['")):
    p = run([BOOTLOGD, "-o", os.path.join(d, "bad.bootlog"), f"--argv={bad}"])
    tap.ok(p.returncode != 0 and what in p.stderr and "--argv" in p.stderr
           and not os.path.exists(os.path.join(d, "bad.bootlog")),
           f"bootlogd --argv={bad}: refused, naming the mistake", p.stderr)
    p = bootlog("record", "-o", os.path.join(d, "bad.bootlog"), f"--argv={bad}", "--", "true")
    tap.ok(p.returncode == 2 and what in p.stderr and not os.path.exists(os.path.join(d, "bad.bootlog")),
           f"bootlog record --argv={bad}: usage error naming the mistake", p.stderr)
with open(conf, "w") as f:
    f.write("[Recorder]\nArgvPolicy=x,,y\n")
p = run([BOOTLOGD, "-o", os.path.join(d, "warn.bootlog"), "--until=1s", "--config", conf], env=env)
tap.ok(p.returncode == 0 and "ArgvPolicy=x,,y" in p.stderr and "empty pattern" in p.stderr,
       "a bad ArgvPolicy= in the configuration is warned about, naming the mistake, and ignored",
       p.stderr)

tap.done()
