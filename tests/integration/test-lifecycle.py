#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bootlogd's boot lifecycle, on this machine: settings from a config file,
a recording that starts in /run/bootlog and moves to the persistent
directory, pruning of old boots, --daemon and --condition, stopping after a
duration with the reason in the END record, and Enable=no."""

import glob
import os
import shutil
import subprocess
import time

from lib import Tap, need_root, bootlog, export, tmpdir, BOOTLOGD

tap = Tap()
need_root(tap)
d = tmpdir()
persist = os.path.join(d, "persist")
pid_file = os.path.join(d, "bootlogd.pid")
conf = os.path.join(d, "bootlog.conf")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


# Old recordings of other boots, oldest first, to be pruned down to KeepBoots.
os.makedirs(persist)
for i in range(5):
    p = os.path.join(persist, f"{i:032x}.bootlog")
    write(p, "old")
    os.utime(p, (1000000 + i, 1000000 + i))
write(os.path.join(persist, "notes.txt"), "not a recording")
write(conf, "[Recorder]\nUntil=2s\nKeepBoots=3\nDirectory=%s\n" % persist)

before = set(glob.glob("/run/bootlog/*.bootlog"))
t0 = time.monotonic()
p = subprocess.run([BOOTLOGD, "--config", conf, "--pid-file", pid_file, "--daemon"],
                   capture_output=True, text=True, timeout=60)
tap.ok(p.returncode == 0 and time.monotonic() - t0 < 10, "--daemon returns 0 once recording", p.stderr)
tap.ok(os.path.exists(pid_file), "the pid file is written")
c = subprocess.run([BOOTLOGD, "--condition", "--pid-file", pid_file], capture_output=True, text=True)
tap.ok(c.returncode == 1 and "already recording" in c.stderr, "--condition says a recorder runs (exit 1)", c.stderr)
marker = os.path.join(d, "lifecycle-marker")
shutil.copy("/bin/sleep", marker)
subprocess.run([marker, "0.2"], check=True)

# Until=2s: it stops by itself.
deadline = time.monotonic() + 30
while os.path.exists(pid_file) and time.monotonic() < deadline:
    time.sleep(0.1)
tap.ok(not os.path.exists(pid_file), "it stops by itself after Until=2s and removes its pid file")
c = subprocess.run([BOOTLOGD, "--condition", "--pid-file", pid_file], capture_output=True, text=True)
tap.ok(c.returncode == 0, "--condition says none runs (exit 0) once it stopped", c.stderr)

new = sorted(set(glob.glob(os.path.join(persist, "*.bootlog"))) - {os.path.join(persist, f"{i:032x}.bootlog") for i in range(5)})
tap.ok(len(new) == 1, "the recording moved to the persistent directory", os.listdir(persist))
after = set(glob.glob("/run/bootlog/*.bootlog"))
tap.ok(after <= before, "and left nothing behind in /run/bootlog", after - before)
if new:
    events = export(new[0])
    end = events[-1] if events else {}
    tap.ok(end.get("type") == "end" and end.get("reason") == "duration",
           "the END record says it stopped after the duration", end)
    hits = [e for e in events if e["type"] == "exec" and e.get("argv") == [marker, "0.2"]]
    tap.ok(len(hits) == 1, "a program run while it recorded is in the persisted file")
    tap.ok(any(e["type"] == "snapshot" for e in events), "the snapshot is in the persisted file")
    st = os.stat(new[0])
    tap.ok(st.st_mode & 0o777 == 0o640, "the recording is mode 0640", oct(st.st_mode))
left = sorted(os.listdir(persist))
olds = [n for n in left if n.endswith(".bootlog") and n != os.path.basename(new[0] if new else "")]
tap.ok(olds == [f"{3:032x}.bootlog", f"{4:032x}.bootlog"] and "notes.txt" in left,
       "KeepBoots=3 keeps this boot and the two newest old ones, and nothing else is touched", left)

# Enable=no: nothing recorded, exit 0.
write(conf, "[Recorder]\nEnable=no\n")
p = subprocess.run([BOOTLOGD, "--config", conf, "--pid-file", pid_file], capture_output=True, text=True, timeout=30)
tap.ok(p.returncode == 0 and "Disabled" in p.stderr and not os.path.exists(pid_file),
       "Enable=no: exits 0 without recording", p.stderr)

shutil.rmtree(d)
tap.done()
