#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The VM boot test: the proof that one recording holds a whole boot.

Builds (cached, build-image.sh) a Debian 12 image with the project installed
and two initrds made by the project's own hooks, then boots one machine's
disk four times under qemu's software emulation (boot.sh):

  1. with the initramfs-tools initrd,
  2. with the dracut initrd (the disk now holds two recorded boots),
  3. init= mode: the initramfs-tools initrd with bootlog.initramfs=0 (its
     hook does not start bootlogd) and init=/usr/lib/bootlog/init, so the
     recorder is started by bootlogd running as PID 1 in the real root,
     which then executes the real init,
  4. with the initramfs-tools initrd and init=systemd-bootchart, to compare
     what systemd-bootchart saw with what bootlogd recorded.

In each boot a guest unit replays the seed's story (rc 2: a daemon through a
double fork; ruby -> sudo -> foo-script -> sendmail -t), and another waits
until bootlogd has finished, dumps the journal and powers off. The test then
reads the recordings out of the disk and asserts, with the project's
`bootlog` ($BOOTLOG), per flavour:

  (i)    exactly one recording for the boot; `bootlog verify` passes;
  (ii)   PID 1's exec history is the initramfs's init, then the real root's
         init; processes of the initramfs before that exec, of the real root
         after it; one tree rooted at PID 1 (kthreadd aside);
  (iii)  the gap across switch_root (the time between the last event before
         PID 1's real-root exec and the first after) is below GAP_BOUND_S, and
         lost records near it are reported;
  (iv)   `bootlog why sendmail` climbs to the seed-story unit's process;
  (v)    the recording ended at StartupFinished (END reason);
  (vi)   bootlogd's one-line summary is in the guest's journal, with its
         MESSAGE_ID;
  (vii)  `bootlog boots` and `bootlog tree -b`/`-b -1` work on the disk's
         /var/log/bootlog.
  (viii) systemd-bootchart's and bootlogd's distinct process counts (written
         to OUTDIR/bootchart-comparison.txt).
  (x)    command lines were captured in the kernel at each exec: the header
         says so (`bootlog stats --json`: argv_capture "exec"), no exec of
         either stage (initramfs: before PID 1's real-root exec; real root:
         from it on) lacks its argv, every exec carries argv_at_exec, and the
         guest's journal has bootlogd's line "Command lines are captured in
         the kernel at each exec." (not the /proc fallback's notice). The
         systemd-bootchart boot's recording is checked for (x) too.
  (xi)   costs: every process that exited during the boot has its taskstats
         cost record (no cost-missing); `bootlog stats` ranks the boot's
         processes by CPU time, its first the busiest by the export's own
         sums (its output in OUTDIR/stats-LABEL.txt); the dracut boot runs with
         the kernel's delay accounting (delayacct) and its costs carry block
         I/O delays, the others' say they were not measured; the guest's
         journal has bootlogd's line saying costs are recorded.

For the init= mode boot, (ii) and (iii) become:

  (ii)   PID 1's history: no initramfs /init (its recorder did not run), the
         init-mode program /usr/lib/bootlog/init, then an exec of the real
         init; the recorder (the START record's recorder_pid) is a process
         named bootlogd whose parent is PID 1; one tree rooted at PID 1;
  (iii)  the gap around PID 1's exec of the real init is below GAP_BOUND_S;
  (ix)   the real root's bootlogd.service was skipped by its ExecCondition=
         (Result=exec-condition, not failed), because a recorder runs;
  (x)    as above, with the stages split at PID 1's exec of the real init.

Needs root, qemu-system-x86_64, debootstrap, zstd, e2fsprogs and Debian's
mirror (the first time). Skips (exit 77) without them unless CI is set, when
they are failures. Environment: BOOTLOG, BOOTLOGD (set by meson),
BOOTLOG_BUILD_DIR (the build directory to install in the image),
BOOTLOG_VM_CACHE (default /var/cache/bootlog-vm), BOOTLOG_VM_OUT (where the
boots' evidence goes; default $BOOTLOG_VM_CACHE/out/BUILDNAME-HASH, one per
build directory), BOOTLOG_VM_TIMEOUT (per
boot, default 300 s), BOOTLOG_VM_KEEP_DISK=1 (keep the disk image).

Runs of this test on one machine (from several build directories) take turns:
they share the cached image, which each run rebuilds for its own build.
"""

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from lib import Tap  # noqa: E402

BOOTLOG = os.environ.get("BOOTLOG", "bootlog")
BUILD = os.environ.get("BOOTLOG_BUILD_DIR", "")
CACHE = os.environ.get("BOOTLOG_VM_CACHE", "/var/cache/bootlog-vm")
OUT = os.environ.get("BOOTLOG_VM_OUT", "")
BOOT_TIMEOUT = int(os.environ.get("BOOTLOG_VM_TIMEOUT", "300"))
CI = os.environ.get("CI", "") not in ("", "0", "false")

# The bound on the switch_root gap: under TCG a few hundred ms pass between
# events in quiet stretches; a recorder that stops in the initramfs and
# restarts in the real root leaves seconds.
GAP_BOUND_S = 2.0
# The window around PID 1's real-root exec in which lost records are reported.
LOST_WINDOW_S = 5.0
SUMMARY_MESSAGE_ID = "9a5b6c1e2f3d4a8b9c7d0e1f2a3b4c5d"
REAL_INITS = ("/sbin/init", "/lib/systemd/systemd", "/usr/lib/systemd/systemd", "/usr/sbin/init")
# init= mode: the kernel command line of that boot, and the program it names.
INIT_MODE = "/usr/lib/bootlog/init"
INIT_MODE_ARGS = (f"init={INIT_MODE}", "bootlog.initramfs=0")
INITRAMFS_WORK = re.compile(r"udevadm|modprobe|systemd-udevd|/scripts/|run-init|switch_root|dracut|"
                            r"systemd-fsck|/bin/mount|kmod|plymouth|systemd-journald")

tap = Tap()
t_suite = time.monotonic()


def diag(msg):
    for line in str(msg).splitlines():
        print(f"# {line}", flush=True)


def run(args, timeout=600, **kw):
    return subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=timeout, **kw)


def bootlog(*args, **kw):
    return run([BOOTLOG, *args], **kw)


def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def kv(path):
    d = {}
    for line in read(path).splitlines():
        k, sep, v = line.partition("=")
        if sep:
            d[k] = v
    return d


def export(path):
    p = bootlog("export", "--file", path, "--format", "json")
    if p.returncode != 0:
        return None, p.stderr
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()], p.stderr


def journal_export_entries(path):
    """The entries of a `journalctl -o export` dump (binary fields too)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    entries, cur, i = [], {}, 0
    while i < len(data):
        if data[i:i + 1] == b"\n":
            if cur:
                entries.append(cur)
                cur = {}
            i += 1
            continue
        nl = data.find(b"\n", i)
        if nl < 0:
            break
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            cur[k.decode(errors="replace")] = v.decode(errors="replace")
            i = nl + 1
        else:
            n = int.from_bytes(data[nl + 1:nl + 9], "little")
            cur[line.decode(errors="replace")] = data[nl + 9:nl + 9 + n].decode(errors="replace")
            i = nl + 9 + n + 1
    if cur:
        entries.append(cur)
    return entries


def argv_str(e):
    return " ".join(e.get("argv") or []) or f"[{e.get('comm', '?')}]"


def skip_or_fail(why):
    if CI:
        tap.ok(False, f"VM test prerequisites: {why}")
        tap.done()
    tap.skip_all(why)


# Prerequisites.
if os.geteuid() != 0:
    skip_or_fail("needs root (debootstrap, chroot, image files owned by root)")
missing = [t for t in ("qemu-system-x86_64", "debootstrap", "zstd", "mkfs.ext4", "debugfs", "meson")
           if shutil.which(t) is None and not os.path.exists(f"/usr/sbin/{t}") and not os.path.exists(f"/sbin/{t}")]
if missing:
    skip_or_fail(f"missing {', '.join(missing)} (tests/deps.sh installs them)")
if not BUILD or not os.path.isdir(BUILD):
    skip_or_fail("BOOTLOG_BUILD_DIR is not set to the meson build directory")
os.environ["PATH"] += ":/usr/sbin:/sbin"
if not OUT:
    b = os.path.realpath(BUILD)
    OUT = os.path.join(CACHE, "out", f"{os.path.basename(b)}-{hashlib.sha256(b.encode()).hexdigest()[:8]}")

# One run at a time per machine: the image and qemu's two CPUs are shared.
os.makedirs(CACHE, exist_ok=True)
lock = open(os.path.join(CACHE, "test.lock"), "w")
t0 = time.monotonic()
while True:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        break
    except BlockingIOError:
        if time.monotonic() - t0 > 2400:
            tap.ok(False, f"another VM test run holds {CACHE}/test.lock for 40 minutes")
            tap.done()
        time.sleep(2)
if time.monotonic() - t0 > 1:
    diag(f"waited {time.monotonic() - t0:.0f} s for another run of this test to finish")

# The image (cached).
t0 = time.monotonic()
p = run([os.path.join(HERE, "build-image.sh"), BUILD], timeout=3000)
build_s = time.monotonic() - t0
image = p.stdout.strip().splitlines()[-1] if p.returncode == 0 and p.stdout.strip() else ""
if not tap.ok(p.returncode == 0 and os.path.isfile(os.path.join(image, "root.img")),
              f"build-image.sh builds the image ({build_s:.0f} s)", p.stderr):
    tap.done()
diag(f"image: {image}")
for line in read(os.path.join(image, "build-info.txt")).splitlines():
    diag(f"  {line}")
for line in p.stderr.splitlines():
    if " took " in line or "NOTE" in line or "up to date" in line or "cached" in line:
        diag(f"  {line}")

if os.path.isdir(OUT):
    shutil.rmtree(OUT)
os.makedirs(OUT)
disk = os.path.join(OUT, "disk.img")
subprocess.run(["cp", "--sparse=always", os.path.join(image, "root.img"), disk], check=True)

recordings = {}  # label -> path of the extracted recording of that boot


def stalled_before_init(out, qemu):
    """True when qemu was killed at the time limit and the guest's console
    shows it never reached the real root's init: the kernel and the initramfs
    ran, then the emulated machine printed nothing more."""
    if qemu.get("timed_out") != "1":
        return False
    console = read(os.path.join(out, "console.log"))
    return "init-bottom" in console and "systemd[1]" not in console and "Welcome to" not in console


def boot(label, flavour, *kernel_args):
    out = os.path.join(OUT, label)
    env = dict(os.environ, BOOTLOG_VM_DISK=disk)
    for attempt in (1, 2):
        t = time.monotonic()
        p = run([os.path.join(HERE, "boot.sh"), image, flavour, out, *kernel_args],
                timeout=BOOT_TIMEOUT + 120, env=env)
        wall = time.monotonic() - t
        qemu = kv(os.path.join(out, "qemu.txt"))
        if attempt == 1 and stalled_before_init(out, qemu):
            # Under TCG a guest has been seen to freeze right after the
            # initramfs with nothing on its console (once in many boots).
            # Keep that attempt's evidence and boot once more; a second
            # stall fails the check below.
            kept = f"{out}.stalled"
            shutil.rmtree(kept, ignore_errors=True)
            os.rename(out, kept)
            diag(f"{label}: the guest printed nothing after the initramfs for {wall:.0f} s "
                 f"(emulator stall); booting once more, first attempt kept in {kept}")
            continue
        break
    state = kv(os.path.join(out, "bootlog-test", "state.txt"))
    console = read(os.path.join(out, "console.log"))
    diag(f"{label}: boot wall time {wall:.1f} s (qemu exit {qemu.get('exit')}); "
         f"guest uptime at power-off {state.get('uptime', '?')} s; evidence in {out}")
    analyze = read(os.path.join(out, "bootlog-test", "analyze-time.txt")).strip()
    if analyze:
        diag(f"{label}: {analyze.splitlines()[0]}")
    ok = tap.ok(p.returncode == 0 and state.get("status") == "finished",
                f"{label}: the guest booted, bootlogd finished and the guest powered off by itself "
                f"within {BOOT_TIMEOUT} s",
                "\n".join([p.stderr, f"state: {state}", "console (tail):", *console.splitlines()[-25:]]))
    if not ok and state.get("status") == "timeout":
        diag(f"{label}: units: " + read(os.path.join(out, "bootlog-test", "units-status.txt")))
    return out, state


def check_initrd(flavour):
    lst = read(os.path.join(image, f"initrd-{flavour}.list"))
    hit = [line for line in lst.splitlines() if re.search(r"(^|/| )bootlogd$", line)]
    tap.ok(bool(hit), f"{flavour}: the {flavour} initrd holds bootlogd (the project's hook/module ran)",
           "\n".join(line for line in read(os.path.join(image, "build-info.txt")).splitlines()
                     if line.startswith("note")))
    if flavour == "dracut":
        # The systemd initrd's bootlog.initramfs=0 switch: a drop-in there only.
        dropin = [line for line in lst.splitlines() if line.endswith("bootlogd.service.d/initramfs.conf")]
        tap.ok(bool(dropin), "dracut: the initrd holds bootlogd.service.d/initramfs.conf "
               "(bootlog.initramfs=0 skips the initrd's recorder)",
               "\n".join(line for line in lst.splitlines() if "bootlog" in line))


def pid1_history(events):
    return [e for e in events if e.get("pid") == 1 and e["type"] in ("snapshot", "exec")]


def is_initrd_init(e):
    return "/init" in (e.get("argv") or []) or (e.get("exe") or "") == "/init"


def switch_exec(events):
    """PID 1's exec into the real root: the first exec of a real init after
    the last initramfs init entry of PID 1."""
    hist = pid1_history(events)
    last_initrd = max((i for i, e in enumerate(hist) if is_initrd_init(e)), default=None)
    if last_initrd is None:
        return None
    for e in hist[last_initrd + 1:]:
        argv = e.get("argv") or []
        if e["type"] == "exec" and argv and (argv[0] in REAL_INITS or "bootchart" in argv[0]):
            return e
    return None


def forker_map(events):
    return {e["pid"]: e["parent_pid"] for e in events if e["type"] == "fork" and e["pid"] == e["tid"]}


def reaches_pid1(forks, pid):
    seen = set()
    while pid in forks and pid not in seen:
        seen.add(pid)
        pid = forks[pid]
    return pid == 1


def distinct_processes(events):
    """(all, userspace) processes seen by a recording: those alive at its
    start (snapshot) and every fork of a new process (not a thread).
    Userspace leaves out kthreadd (PID 2) and its children."""
    procs = {}
    for e in events:
        if e["type"] == "snapshot":
            procs[(e["pid"], "snapshot")] = e["pid"] == 2 or e.get("ppid") == 2
        elif e["type"] == "fork" and e["pid"] == e["tid"]:
            procs[(e["pid"], e.get("ts_ns"))] = e.get("parent_pid") == 2
    return len(procs), sum(1 for kernel in procs.values() if not kernel)


def is_init_mode(e):
    argv = e.get("argv") or []
    return (argv[:1] == [INIT_MODE]) or (e.get("exe") or "") == INIT_MODE


def init_mode_exec(events):
    """init= mode: PID 1's exec of the real init after the init-mode program."""
    hist = pid1_history(events)
    first = next((i for i, e in enumerate(hist) if is_init_mode(e)), None)
    if first is None:
        return None
    for e in hist[first + 1:]:
        argv = e.get("argv") or []
        if e["type"] == "exec" and argv and argv[0] in REAL_INITS:
            return e
    return None


def check_pid1_init_mode(label, events, execs):
    """(ii) for the init= mode boot. Returns PID 1's exec of the real init."""
    hist = pid1_history(events)
    sw = init_mode_exec(events)
    tap.ok(sw is not None and not any(is_initrd_init(e) for e in hist),
           f"{label}: (ii) PID 1's exec history: {INIT_MODE}, then the real init (no initramfs /init: its "
           f"recorder did not run)",
           "\n".join(f"{e['type']} {e.get('argv')} exe={e.get('exe')}" for e in hist) or "no PID 1 records")
    starts = [e for e in events if e["type"] == "start"]
    rpid = starts[0].get("recorder_pid") if starts else None
    snap = [e for e in events if e["type"] == "snapshot" and e.get("pid") == rpid]
    diag(f"{label}: START: {json.dumps(starts[0]) if starts else 'none'}")
    for e in snap:
        diag(f"{label}: the recorder at the start: {json.dumps(e)}")
    tap.ok(rpid is not None and len(snap) == 1 and snap[0].get("ppid") == 1 and snap[0].get("comm") == "bootlogd",
           f"{label}: (ii) the recorder (START recorder_pid {rpid}) is a process named bootlogd whose parent "
           f"is PID 1 (the init-mode child)",
           json.dumps(snap) if snap else "no snapshot of the recorder")
    bootlogd_execs = [e for e in events if e["type"] == "exec" and e.get("pid") != 1 and
                      ("bootlogd" in (e.get("exe") or "") or any("bootlogd" in a for a in (e.get("argv") or [])[:1]))]
    bootlogd_snaps = [e for e in events if e["type"] == "snapshot" and e.get("comm") == "bootlogd"]
    tap.ok(len(bootlogd_snaps) == 1 and [e["pid"] for e in bootlogd_snaps] == [rpid],
           f"{label}: (ii) no other bootlogd from the initramfs (the only bootlogd at the start is the recorder)",
           "\n".join(json.dumps(e) for e in bootlogd_snaps))
    diag(f"{label}: later bootlogd execs (the real root's ExecCondition= check): " +
         "; ".join(f"{e['pid']} {argv_str(e)} unit={e.get('unit')}" for e in bootlogd_execs))
    if sw is not None:
        after = [e for e in execs if e["ts_ns"] > sw["ts_ns"]]
        seed_rc = [e for e in after if "etc/init.d/rc 2" in argv_str(e)]
        tap.ok(len(seed_rc) == 1, f"{label}: (ii) processes of the real root (the seed story's rc 2 among them) "
               f"after PID 1's exec of the real init ({len(after)} execs)",
               "\n".join(argv_str(e) for e in after[:40]))
        forks = forker_map(events)
        orphans = [e for e in seed_rc if not reaches_pid1(forks, e["pid"])]
        tap.ok(seed_rc and not orphans, f"{label}: (ii) the seed story's processes descend from PID 1 by fork",
               "\n".join(f"{e['pid']} {argv_str(e)}" for e in orphans))
    else:
        for what in ("processes of the real root after PID 1's exec of the real init",
                     "the seed story's processes descend from PID 1 by fork"):
            tap.ok(False, f"{label}: (ii) {what}", f"no PID 1 exec of the real init after {INIT_MODE}")
    return sw


def check_unit_skipped(label, out, rpid):
    """(ix) init= mode: the real root's bootlogd.service saw the running
    recorder (ExecCondition=) and was skipped, not failed."""
    svc = kv(os.path.join(out, "bootlog-test", "bootlogd-service.txt"))
    diag(f"{label}: bootlogd.service: {svc}")
    tap.ok(svc.get("Result") == "exec-condition" and svc.get("ActiveState") == "inactive"
           and svc.get("IsFailed") != "failed",
           f"{label}: (ix) the real root's bootlogd.service was skipped by its ExecCondition= "
           f"(Result=exec-condition, inactive, not failed)", json.dumps(svc))
    jtxt = read(os.path.join(out, "bootlog-test", "journal.txt"))
    skipped = [line for line in jtxt.splitlines() if "bootlogd.service: Skipped due to 'exec-condition'" in line]
    running = [line for line in jtxt.splitlines() if f"bootlogd (pid {rpid}) is already recording this boot" in line]
    for line in skipped + running:
        diag(f"{label}: journal: {line}")
    tap.ok(bool(skipped) and bool(running),
           f"{label}: (ix) the journal says bootlogd.service was skipped because bootlogd (pid {rpid}) records",
           "\n".join(line for line in jtxt.splitlines() if "bootlog" in line)[-3000:])


ARGV_AT_EXEC_LINE = "Command lines are captured in the kernel at each exec."
ARGV_FROM_PROC_LINE = "Command lines are read from /proc"


def exec_line(e):
    return (f"pid {e.get('pid')} @{e['ts_ns'] / 1e9:.3f}s comm={e.get('comm')} argv={e.get('argv')} "
            f"exe={e.get('exe')} info_status={e.get('info_status')} argv_at_exec={e.get('argv_at_exec', False)}")


def check_argv_capture(label, out, rec, events, sw, init_mode):
    """(x) argv captured in the kernel at each exec, in both stages."""
    p = bootlog("stats", "--file", rec, "--json")
    try:
        st = json.loads(p.stdout) if p.returncode == 0 else {}
    except ValueError:
        st = {}
    diag(f"{label}: stats: argv_capture={st.get('argv_capture')} execs={st.get('execs')} "
         f"execs_with_argv={st.get('execs_with_argv')} execs_argv_at_exec={st.get('execs_argv_at_exec')}")
    tap.ok(st.get("argv_capture") == "exec",
           f"{label}: (x) the recording's header says argv was captured at each exec (stats argv_capture \"exec\")",
           p.stderr + f"argv_capture: {st.get('argv_capture')!r}")
    tap.ok(isinstance(st.get("execs"), int) and st["execs"] > 0 and st.get("execs_argv_at_exec") == st["execs"],
           f"{label}: (x) bootlog stats counts every exec as captured at exec "
           f"({st.get('execs_argv_at_exec')} of {st.get('execs')})")

    # The stages: before PID 1's exec into the real root (init= mode: of the
    # real init) and from it on, PID 1's exec itself included.
    execs = [e for e in events if e["type"] == "exec"]
    first = "init-mode hand-over" if init_mode else "initramfs"
    if sw is not None:
        stages = [(first, [e for e in execs if e["ts_ns"] < sw["ts_ns"]]),
                  ("real root", [e for e in execs if e["ts_ns"] >= sw["ts_ns"]])]
    else:
        stages = [("whole boot (no stage boundary found)", execs)]
    for name, xs in stages:
        no_argv = [e for e in xs if not e.get("argv")]
        not_at_exec = [e for e in xs if not e.get("argv_at_exec")]
        diag(f"{label}: {name} stage: {len(xs)} execs, {len(xs) - len(no_argv)} with argv, {len(no_argv)} "
             f"without; {len(xs) - len(not_at_exec)} with argv_at_exec, {len(not_at_exec)} without")
        # The initramfs stage must have execs to count (the init= mode's
        # hand-over stage may have none: the recorder starts just before).
        tap.ok((len(xs) > 0 or init_mode) and not no_argv,
               f"{label}: (x) no exec of the {name} stage lacks its argv ({len(xs)} execs, {len(no_argv)} without)",
               "\n".join(exec_line(e) for e in no_argv[:30]))
        tap.ok(not not_at_exec,
               f"{label}: (x) every exec of the {name} stage has argv_at_exec "
               f"({len(xs) - len(not_at_exec)} of {len(xs)})",
               "\n".join(exec_line(e) for e in not_at_exec[:30]))

    # bootlogd says which way it reads command lines, once, when it starts:
    # on the console or in the kernel log, and from there in the journal
    # (where an administrator looks for the /proc fallback's reason). That
    # holds for a recorder started in init= mode too, whose stderr is PID 1's
    # console until it is ready.
    jtxt = read(os.path.join(out, "bootlog-test", "journal.txt"))
    at_exec = [line for line in jtxt.splitlines() if ARGV_AT_EXEC_LINE in line]
    from_proc = [line for line in jtxt.splitlines() if ARGV_FROM_PROC_LINE in line]
    for line in at_exec + from_proc:
        diag(f"{label}: journal: {line}")
    console = [line for line in read(os.path.join(out, "console.log")).splitlines()
               if ARGV_AT_EXEC_LINE in line or ARGV_FROM_PROC_LINE in line]
    for line in console:
        diag(f"{label}: console: {line}")
    said = at_exec + [line for line in console if ARGV_AT_EXEC_LINE in line]
    tap.ok(bool(said) and not from_proc and not any(ARGV_FROM_PROC_LINE in line for line in console),
           f"{label}: (x) bootlogd said \"{ARGV_AT_EXEC_LINE}\" (journal or console), and no /proc fallback "
           f"notice", "\n".join(["journal:", *(at_exec + from_proc), "console:", *console]))
    tap.ok(bool(at_exec),
           f"{label}: (x) bootlogd's line \"{ARGV_AT_EXEC_LINE}\" is in the guest's journal",
           "\n".join(["journal: none", "console:", *console,
                      "(a line on the console only: bootlogd wrote it to a stderr that is not the kernel log)"]))


COST_LINE = "What each process costs is recorded from the kernel's taskstats."
COST_TOP = 8
# Boots with the kernel's delay accounting on (the delayacct boot option): their costs carry I/O delays.
DELAYACCT_BOOTS = {"dracut"}


def cpu_by_pid(events):
    """CPU time per pid in ns (the scheduler's cpu_ns, else user + system),
    summed over each process's task records, from the export."""
    per = {}
    for e in events:
        if e["type"] == "cost":
            cpu = e.get("cpu_ns") or 1000 * ((e.get("utime_us") or 0) + (e.get("stime_us") or 0))
            per[e["pid"]] = per.get(e["pid"], 0) + cpu
    return per


def check_cost(label, out, rec, events):
    """(xi) a cost record for every exited process; the boot ranked by CPU."""
    exits = {(e["pid"], e["ts_ns"]) for e in events if e["type"] == "exit" and e["pid"] == e["tid"]}
    costs = {(e["pid"], e["ts_ns"]) for e in events if e["type"] == "cost" and e["pid"] == e["tid"]}
    missing = sorted(exits - costs)
    lost = [e for e in events if e["type"] == "lost" and e.get("reason") == "cost-missing"]
    diag(f"{label}: cost: {len(exits)} processes exited, {len(exits & costs)} with their cost record, "
         f"{len(missing)} without; {sum(1 for e in events if e['type'] == 'cost')} cost records in all "
         f"(threads too), {len(lost)} cost-missing records")
    tap.ok(len(exits) > 0 and not missing and not lost,
           f"{label}: (xi) every process that exited during the boot has its cost record "
           f"({len(exits & costs)} of {len(exits)}), none missing",
           "\n".join(f"pid {pid} at {ts}" for pid, ts in missing[:20]))

    # The ranking as bootlog stats gives it, checked against the export's own sums.
    p = bootlog("stats", "--file", rec, "--top", str(COST_TOP))
    text = p.stdout
    with open(os.path.join(OUT, f"stats-{label}.txt"), "w") as f:
        f.write(text)
    m = re.search(r"^Top processes by CPU time\n(?:.*\n)*?(?=^\S|\Z)", text, re.M)
    diag(f"{label}: bootlog stats, the boot's processes by CPU time:\n" + (m.group(0) if m else text[-3000:]))
    p = bootlog("stats", "--file", rec, "--top", str(COST_TOP), "--json")
    try:
        st = json.loads(p.stdout) if p.returncode == 0 else {}
    except ValueError:
        st = {}
    top = st.get("top_cpu") or []
    mine = cpu_by_pid(events)
    best = max(mine.values(), default=0)
    tap.ok(st.get("cost", {}).get("recorded") is True and st["cost"].get("missing") == 0,
           f"{label}: (xi) bootlog stats says costs were recorded, none missing ({st.get('cost')})", p.stderr)
    delays = label in DELAYACCT_BOOTS
    blkio = sum(e.get("blkio_delay_ns") or 0 for e in events if e["type"] == "cost")
    tap.ok(st.get("cost", {}).get("io_delays") is delays and (blkio > 0) is delays,
           f"{label}: (xi) I/O delays {'measured (booted with delayacct)' if delays else 'not measured'}: "
           f"stats io_delays {st.get('cost', {}).get('io_delays')}, block I/O delay summed {blkio / 1e6:.1f} ms")
    tap.ok(len(top) == COST_TOP and top[0].get("cpu_us", 0) > 0
           and all(a["cpu_us"] >= b["cpu_us"] for a, b in zip(top, top[1:]))
           and abs(top[0]["cpu_us"] * 1000 - best) <= 1000,
           f"{label}: (xi) bootlog stats ranks the boot's processes by CPU time, its first the export's "
           f"busiest ({top[0]['cpu_us'] / 1000 if top else 0:.1f} ms: {' '.join(top[0].get('argv') or []) if top else '?'})",
           json.dumps(top[:3])[:2000])
    jtxt = read(os.path.join(out, "bootlog-test", "journal.txt"))
    said = [line for line in jtxt.splitlines() if COST_LINE in line]
    tap.ok(bool(said), f"{label}: (xi) bootlogd's line \"{COST_LINE}\" is in the guest's journal",
           "\n".join(line for line in jtxt.splitlines() if "Costs are not recorded" in line))


def check_boot(label, out, state, nboots, init_mode=False):
    """Assertions (i) to (vii) and (x) on one boot's evidence (with init_mode,
    the init= mode variants of (ii) and (iii), and (ix)). Returns the events."""
    boot_id = state.get("boot_id", "")
    recdir = os.path.join(out, "bootlog")
    files = sorted(os.listdir(recdir)) if os.path.isdir(recdir) else []
    mine = [f for f in files if boot_id and boot_id in f.replace("-", "")]
    diag(f"{label}: /var/log/bootlog holds {files}")
    # (i)
    tap.ok(len(mine) == 1, f"{label}: (i) exactly one recording for boot {boot_id or '?'} in /var/log/bootlog",
           read(os.path.join(out, "var-log-bootlog.ls")))
    if len(mine) != 1:
        return None
    rec = os.path.join(recdir, mine[0])
    recordings[label] = rec
    p = bootlog("verify", "--file", rec)
    tap.ok(p.returncode == 0, f"{label}: (i) bootlog verify exits 0", p.stdout + p.stderr)
    diag(f"{label}: verify: {p.stdout.strip()}")
    events, err = export(rec)
    if not tap.ok(events is not None, f"{label}: (i) bootlog export reads the recording", err):
        return None

    # (ii) PID 1: the initramfs's init, then the real root's.
    hist = pid1_history(events)
    diag(f"{label}: PID 1 exec history: " +
         " -> ".join(f"{e['type']} {argv_str(e)} @{e['ts_ns'] / 1e9:.3f}s" for e in hist))
    execs = [e for e in events if e["type"] == "exec" and e.get("pid") != 1]
    if init_mode:
        sw = check_pid1_init_mode(label, events, execs)
    else:
        sw = switch_exec(events)
        tap.ok(sw is not None and any(is_initrd_init(e) for e in hist),
               f"{label}: (ii) PID 1's exec history: the initramfs's /init, then the real root's init",
               "\n".join(f"{e['type']} {e.get('argv')} exe={e.get('exe')}" for e in hist) or "no PID 1 records")
    if not init_mode and sw is not None:
        t_sw = sw["ts_ns"]
        before = [e for e in execs if e["ts_ns"] < t_sw]
        after = [e for e in execs if e["ts_ns"] > t_sw]
        initramfs_work = [e for e in before if INITRAMFS_WORK.search(argv_str(e) + " " + (e.get("exe") or ""))]
        diag(f"{label}: {len(before)} execs before the switch, {len(after)} after; "
             f"initramfs examples: " + "; ".join(argv_str(e) for e in initramfs_work[:6]))
        tap.ok(len(initramfs_work) > 0,
               f"{label}: (ii) processes of the initramfs (udevadm, modprobe, scripts, ...) before PID 1's "
               f"real-root exec ({len(before)} execs)",
               "\n".join(argv_str(e) for e in before[:40]))
        seed_rc = [e for e in after if "etc/init.d/rc 2" in argv_str(e)]
        tap.ok(len(after) > 0 and len(seed_rc) == 1,
               f"{label}: (ii) processes of the real root (the seed story's rc 2 among them) after it "
               f"({len(after)} execs)",
               "\n".join(argv_str(e) for e in after[:40]))
        forks = forker_map(events)
        orphans = [e for e in initramfs_work[:5] + seed_rc if not reaches_pid1(forks, e["pid"])]
        tap.ok(initramfs_work and seed_rc and not orphans,
               f"{label}: (ii) initramfs and real-root processes both descend from PID 1 by fork",
               "\n".join(f"{e['pid']} {argv_str(e)}" for e in orphans))
    elif not init_mode:
        for what in ("processes of the initramfs before PID 1's real-root exec",
                     "processes of the real root after it",
                     "initramfs and real-root processes both descend from PID 1 by fork"):
            tap.ok(False, f"{label}: (ii) {what}", "no PID 1 exec into the real root was recorded")
    p = bootlog("tree", "--file", rec)
    lines = p.stdout.splitlines()
    # A root is an unindented process line, "PID  START  ..." (START may be "?"
    # for a process known only by its exit); the last line holds the totals.
    roots = [line.split()[0] for line in lines
             if re.match(r"^\d+\s", line) and not re.match(r"^\d+ process(es)?,", line)]
    diag(f"{label}: tree roots: {roots}; first line: {lines[0] if lines else ''}")
    tap.ok(p.returncode == 0 and roots[:1] == ["1"] and set(roots) <= {"1", "2"},
           f"{label}: (ii) one tree rooted at PID 1 (kthreadd, PID 2, the only other root)",
           p.stderr + "roots:\n" + "\n".join(line for line in lines if line.split()[:1] in ([r] for r in roots)
                                              and not line.startswith(("1 ", "2 "))))

    # (iii) The gap across switch_root (init= mode: across PID 1's exec of the
    # real init, where the init-mode program hands over).
    what = "PID 1's exec of the real init" if init_mode else "PID 1's real-root exec"
    gap_name = "init= hand-over gap" if init_mode else "switch_root gap"
    if sw is not None:
        t_sw = sw["ts_ns"]
        timed = sorted(e["ts_ns"] for e in events if e.get("ts_ns") and e is not sw and e["type"] != "end")
        prev = max((t for t in timed if t < t_sw), default=None)
        nxt = min((t for t in timed if t > t_sw), default=None)
        lost = [e for e in events if e["type"] == "lost"]
        near = [e for e in lost if abs(e.get("ts_ns", 0) - t_sw) <= LOST_WINDOW_S * 1e9]
        window = [t for t in timed if abs(t - t_sw) <= LOST_WINDOW_S * 1e9]
        widest = max((b - a for a, b in zip(window, window[1:])), default=0) / 1e9
        gap = (nxt - prev) / 1e9 if prev is not None and nxt is not None else None
        gap_s = f"{gap:.3f} s" if gap is not None else "unmeasurable"
        diag(f"{label}: {gap_name}: {gap_s} between the last event before {what} "
             f"(@{t_sw / 1e9:.3f} s) and the first after; widest gap within ±{LOST_WINDOW_S:.0f} s: "
             f"{widest:.3f} s; lost records: {len(lost)} in the file "
             f"({sum(e.get('count', 0) for e in lost)} events), {len(near)} within ±{LOST_WINDOW_S:.0f} s")
        for e in near:
            diag(f"{label}:   lost near the switch: {json.dumps(e)}")
        tap.ok(gap is not None and gap < GAP_BOUND_S,
               f"{label}: (iii) the {gap_name} ({gap_s}) is below {GAP_BOUND_S} s")
    else:
        tap.ok(False, f"{label}: (iii) the {gap_name} is below {GAP_BOUND_S} s",
               f"no {what} was recorded")

    # (iv) who ran sendmail, up to the seed-story unit's process.
    p = bootlog("why", "--file", rec, "sendmail")
    wlines = p.stdout.splitlines()
    pos = []
    for w in ["sbin/sendmail -t", "sbin/foo-script", "bin/sudo", "bin/ruby", "rc2.d/S30foo", "etc/init.d/rc 2"]:
        idx = next((i for i, line in enumerate(wlines) if w in line and (not pos or (pos[-1] is not None
                                                                                       and i > pos[-1]))), None)
        pos.append(idx)
    rc_units = [e.get("unit") for e in execs if "etc/init.d/rc 2" in argv_str(e)]
    tap.ok(p.returncode == 0 and None not in pos,
           f"{label}: (iv) bootlog why sendmail climbs foo-script, sudo, ruby, S30foo to rc 2", p.stdout + p.stderr)
    tap.ok(rc_units == ["seed-story.service"],
           f"{label}: (iv) the chain's top process (rc 2) is the seed-story.service unit's", f"units: {rc_units}")
    diag(f"{label}: why sendmail:")
    diag("\n".join("  " + line for line in wlines[:10]))

    # (v) ended at StartupFinished.
    ends = [e for e in events if e["type"] == "end"]
    tap.ok(bool(ends) and ends[-1].get("reason") == "startup-finished",
           f"{label}: (v) the recording ended at StartupFinished (END reason startup-finished)",
           json.dumps(ends[-1]) if ends else "no end record")
    if ends:
        diag(f"{label}: end record: {json.dumps(ends[-1])}")

    # (vi) the summary line in the guest's journal.
    jtxt = read(os.path.join(out, "bootlog-test", "journal.txt"))
    summary = [line for line in jtxt.splitlines()
               if re.search(r"\bbootlogd?\[\d+\]", line) and "events" in line and "lost" in line]
    tap.ok(bool(summary), f"{label}: (vi) the guest's journal has bootlogd's summary line (events, lost)",
           "\n".join(line for line in jtxt.splitlines() if "bootlog" in line)[-3000:])
    for line in summary:
        diag(f"{label}: journal: {line}")
    jx = journal_export_entries(os.path.join(out, "bootlog-test", "journal.export"))
    with_id = [e for e in jx if e.get("MESSAGE_ID") == SUMMARY_MESSAGE_ID]
    tap.ok(len(with_id) >= 1 and all("events" in e.get("MESSAGE", "") and "lost" in e.get("MESSAGE", "")
                                     for e in with_id),
           f"{label}: (vi) the summary carries MESSAGE_ID={SUMMARY_MESSAGE_ID}",
           "\n".join(f"{e.get('SYSLOG_IDENTIFIER')}: {e.get('MESSAGE')} MESSAGE_ID={e.get('MESSAGE_ID')}"
                     for e in jx if "bootlog" in e.get("SYSLOG_IDENTIFIER", "") + e.get("_COMM", "")))

    # (vii) boots and -b on what the disk holds now.
    p = bootlog("boots", "--directory", recdir, "--json")
    try:
        boots = json.loads(p.stdout) if p.returncode == 0 else []
    except ValueError:
        boots = []
    ids = [str(b.get("boot_id", "")).replace("-", "") for b in boots]
    diag(f"{label}: bootlog boots:\n" + bootlog("boots", "--directory", recdir).stdout)
    tap.ok(len(boots) == nboots and ids[-1:] == [boot_id],
           f"{label}: (vii) bootlog boots lists {nboots} boot(s), this one last", p.stdout + p.stderr)
    mine_tree = bootlog("tree", "--file", rec).stdout
    p = bootlog("tree", "--directory", recdir, "-b")
    tap.ok(p.returncode == 0 and p.stdout == mine_tree and mine_tree,
           f"{label}: (vii) bootlog tree -b shows this boot", p.stderr + p.stdout[:2000])
    if nboots > 1:
        prev_label = list(recordings)[-2]
        prev_tree = bootlog("tree", "--file", recordings[prev_label]).stdout
        p = bootlog("tree", "--directory", recdir, "-b", "-1")
        tap.ok(p.returncode == 0 and p.stdout == prev_tree and prev_tree,
               f"{label}: (vii) bootlog tree -b -1 shows the previous boot ({prev_label})",
               p.stderr + p.stdout[:2000])

    # (x) argv captured in the kernel at each exec.
    check_argv_capture(label, out, rec, events, sw, init_mode)
    # (xi) costs.
    check_cost(label, out, rec, events)

    # (ix) init= mode: the real root's unit stood aside.
    if init_mode:
        starts = [e for e in events if e["type"] == "start"]
        check_unit_skipped(label, out, starts[0].get("recorder_pid") if starts else None)
    return events


def bootchart_processes(svg_text):
    """(all, userspace, shown) processes in a systemd-bootchart SVG. Every
    process it sampled has a comment '<!-- COMM [PID] ppid=PPID runtime=... -->';
    those its filter kept also get a label '<text ...>...COMM]]> [PID]...'."""
    seen = {int(pid): int(ppid) for pid, ppid in
            re.findall(r"<!-- .*? \[(\d+)\] ppid=(\d+) runtime=", svg_text)}
    shown = set(re.findall(r"<text [^>]*><!\[CDATA\[.*?\]\]> \[(\d+)\]", svg_text))
    user = [pid for pid, ppid in seen.items() if pid != 2 and ppid != 2]
    return len(seen), len(user), len(shown)


check_initrd("tools")
check_initrd("dracut")

normal_events = {}
for n, (label, flavour) in enumerate((("initramfs-tools", "tools"), ("dracut", "dracut")), start=1):
    out, state = boot(label, flavour, *(["delayacct"] if label in DELAYACCT_BOOTS else []))
    ev = check_boot(label, out, state, n)
    if ev is not None:
        normal_events[label] = ev

# init= mode, without the initramfs's recorder: the third recorded boot.
out, state = boot("init-mode", "tools", *INIT_MODE_ARGS)
check_boot("init-mode", out, state, 3, init_mode=True)

# (viii) systemd-bootchart in the same image, on the same disk.
out, state = boot("bootchart", "tools", "init=/lib/systemd/systemd-bootchart")
svgs = sorted(f for f in os.listdir(os.path.join(out, "bootlog-test")) if f.endswith(".svg")) \
    if os.path.isdir(os.path.join(out, "bootlog-test")) else []
svg = read(os.path.join(out, "bootlog-test", svgs[-1])) if svgs else ""
bc_all, bc_user, bc_shown = bootchart_processes(svg)
samples = re.search(r'hz="([\d.]+)" n="(\d+)"', svg)
ours_normal = distinct_processes(normal_events.get("initramfs-tools", []))
boot_id = state.get("boot_id", "")
bc_dir = os.path.join(out, "bootlog")
bc_rec = [f for f in (os.listdir(bc_dir) if os.path.isdir(bc_dir) else []) if boot_id and boot_id in f.replace("-", "")]
ev, _ = export(os.path.join(bc_dir, bc_rec[0])) if bc_rec else (None, "")
ours_bc = distinct_processes(ev or [])
# (x) for this boot too: PID 1's exec into the real root is systemd-bootchart's.
if tap.ok(bool(ev), "bootchart: bootlog export reads this boot's recording", f"recordings: {bc_rec}"):
    check_argv_capture("bootchart", out, os.path.join(bc_dir, bc_rec[0]), ev, switch_exec(ev), False)
window = (f"{int(samples.group(2)) / float(samples.group(1)):.1f} s of samples at {float(samples.group(1)):.0f} Hz"
          if samples else "unknown sampling")
comparison = (
    f"systemd-bootchart, default config ({svgs[-1] if svgs else 'no SVG'}; {window}, from the switch to the "
    f"real root):\n"
    f"  {bc_all} distinct processes sampled ({bc_user} userspace, the rest kernel threads); "
    f"{bc_shown} drawn after its filter\n"
    f"bootlogd, the same boot (initramfs to StartupFinished): {ours_bc[0]} distinct processes "
    f"({ours_bc[1]} userspace)\n"
    f"bootlogd, a normal boot (initramfs-tools, no bootchart): {ours_normal[0]} distinct processes "
    f"({ours_normal[1]} userspace)\n")
with open(os.path.join(OUT, "bootchart-comparison.txt"), "w") as f:
    f.write(comparison)
diag(comparison)
tap.ok(bc_all > 0 and ours_normal[0] > 0 and ours_bc[0] > 0,
       "(viii) systemd-bootchart's and bootlogd's distinct processes both counted", f"svgs: {svgs}")

if os.environ.get("BOOTLOG_VM_KEEP_DISK") != "1":
    os.unlink(disk)
diag(f"VM suite total: {time.monotonic() - t_suite:.0f} s (image {build_s:.0f} s)")
tap.done()
