#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmarks bootlogd side by side with forkstat, in one invocation.

For each workload and each round it runs, one after the other (A B C D A B C
D ...): the workload alone, the workload under `bootlogd -o FILE` (its
default: argv captured in the kernel at each exec when the kernel allows),
under `bootlogd -o FILE --argv-capture=proc` (argv read from /proc only),
under `bootlogd -o FILE --no-cost` (no taskstats listener: what recording
each process's cost adds) and under `forkstat -e fork,exec,exit > LOG`. Every figure it prints is a ratio
or a count taken within this run: workload slowdown (median of the per-round
ratio of wall times, recorder on / off), recorder CPU per 1,000 events (the
recorder process's own), recorder peak RSS (its own VmHWM), lost events, the
share of execs recorded with argv / exe / comm and of those shown with
another process's command line, bytes on disk per event; the cost of
bootlogd's short-lived BPF loader child; the kernel memory and run time of
the exec program (bpftool); and `bootlog` read throughput on a
1,000,000-process fixture (make-fixture storm), as events per second of this
run. Then it compares each figure with the targets of issue 6 and with what
the in-kernel capture must give.

Workloads: storms of /bin/true with 2 and 4 spawners and of a static binary
(if `gcc -static` works), run by storm-tagged, which gives each child an
argument of its own, S.K.PID (spawner, child number, pid): an exec recorded
with any other last argument shows another process's command line; the
boot-like workload (workload-boot.sh); and the starved case: 4 spawners with
the recorder at nice 19.

    harness.py [--quick] [--rounds R] [--storm-n N] [--json FILE] [--build DIR]
               [--expect-capture]

Needs root (the proc connector). Programs come from $BOOTLOG, $BOOTLOGD,
$STORM_TAGGED and $MAKE_FIXTURE (as meson test sets them), else from
--build. forkstat, zstd and /usr/bin/time are Debian packages
(tests/deps.sh); without forkstat, its columns are left out; without
bpftool, the kernel memory of the capture is read from /proc only.

It exits 1 if bootlogd (either mode) lost an event, missed a fork, exec or
exit of a storm or showed an exec with another process's command line, or,
with the capture on, if a storm exec lacks its exact argv or the capture
dropped a record. --quick (the bench-smoke test) runs small workloads once
and checks just that; it never gates on a time. --expect-capture (given when
the build has the BPF program): also fail if bootlogd did not capture in the
kernel although the kernel has BTF.
"""

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
NETLINK_CONNECTOR = 11
CLK_TCK = os.sysconf("SC_CLK_TCK")
MiB = 1024 * 1024

# The targets of issue 6, as numbers.
TARGET_SLOWDOWN = 0.03
TARGET_CPU_RATIO = 0.50
TARGET_RSS_KIB = 2 * 1024
TARGET_ARGV_FACTOR = 2.0
TARGET_LONG_MS = 10
TARGET_BYTES_RATIO = 0.50
TARGET_READ_RATE = 1_000_000
TARGET_READ_RSS_KIB = 300e6 / 1024  # 300 MB
# A run during which other programs used more than this share of the CPUs is disturbed: its
# group (A B C of one workload in one round) is measured again, at most RETRIES times.
DISTURBED = 0.10
RETRIES = 3


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- /proc probes

def proc_stat(pid):
    """(state, utime + stime in seconds) from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return fields[0], (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_children_cpu_s(pid):
    """cutime + cstime of pid (its waited-for children: bootlogd's BPF loader), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / CLK_TCK


def bpf_fds(pid):
    """The BPF objects pid holds, from /proc/PID/fdinfo: a list of dicts of their fdinfo fields
    (maps: map_type, value_size, max_entries, memlock, map_id; links: link_id, prog_id)."""
    out = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for fd in fds:
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
            if not link.startswith("anon_inode:bpf"):
                continue
            d = {"kind": link[len("anon_inode:"):]}
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    v = v.strip()
                    d[k.strip()] = int(v) if re.fullmatch(r"\d+", v) else v
            out.append(d)
        except OSError:
            continue
    return out


def proc_schedstat(pid):
    """Time on a CPU in seconds, to the ns (/proc/PID/schedstat), or None."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0]) / 1e9
    except OSError:
        return None


def proc_status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def smaps_rollup(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                m = re.match(r"(\w+):\s+(\d+) kB", line)
                if m:
                    out[m.group(1)] = int(m.group(2))
    except OSError:
        pass
    return out


def smaps_bpf_kib(pid):
    """Rss of pid's mappings of BPF maps (bootlogd's read-only view of the capture's ring buffer,
    whose data pages are mapped twice, back to back), in KiB."""
    total, in_bpf = 0, False
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                if re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):
                    in_bpf = "anon_inode:bpf" in line
                elif in_bpf and line.startswith("Rss:"):
                    total += int(line.split()[1])
    except OSError:
        pass
    return total


def netlink_socket(pid):
    """The proc connector socket of pid, from /proc/net/netlink: {rmem, drops} or None."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(int(link[8:-1]))
    except OSError:
        return None
    with open("/proc/net/netlink") as f:
        next(f)
        for line in f:
            c = line.split()
            if int(c[1]) == NETLINK_CONNECTOR and int(c[9]) in inodes:
                return {"rmem": int(c[4]), "drops": int(c[8])}
    return None


def cpu_busy_s():
    """CPU time the whole machine spent busy so far (all CPUs, /proc/stat), in seconds."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / CLK_TCK  # user..steal, less idle and iowait


def children_cpu_s():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def wait_drained(pid, timeout=120):
    """Waits until the recorder has read everything the kernel queued for it and sleeps."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        s = netlink_socket(pid)
        state, _ = proc_stat(pid)
        if s is not None and s["rmem"] == 0 and state == "S":
            quiet += 1
            if quiet >= 3:
                return True
        else:
            quiet = 0
        time.sleep(0.02)
    return False


def reap(proc, timeout=60):
    """wait4() the process: (exit code, rusage)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, ru
        if time.monotonic() > deadline:
            proc.kill()
            deadline += 30
        time.sleep(0.02)


# ---------------------------------------------------------------- recorders

class Recorder:
    """A running recorder: start() returns once it records; stop() returns its measurements."""
    name = "none"

    def __init__(self, tools, outdir, tag, nice):
        self.tools, self.outdir, self.tag, self.nice = tools, outdir, tag, nice
        self.proc = None

    def prefix(self):
        return ["nice", "-n", str(self.nice)] if self.nice else []

    def start(self):
        pass

    def sample(self):
        """CPU used so far, in seconds: (utime+stime, schedstat)."""
        return proc_stat(self.proc.pid)[1], proc_schedstat(self.proc.pid)

    def stop(self):
        pid = self.proc.pid
        if not wait_drained(pid):
            log(f"  {self.name}: still busy after 120 s, stopping it anyway")
        cpu = self.sample()
        sock = netlink_socket(pid) or {}
        m = {
            "cpu_end": cpu,
            "vmhwm_kib": proc_status_kib(pid, "VmHWM"),
            "smaps_rollup_kib": smaps_rollup(pid),
            "rss_anon_kib": proc_status_kib(pid, "RssAnon"),
            "rss_file_kib": proc_status_kib(pid, "RssFile"),
            "kernel_drops": sock.get("drops"),
        }
        self.proc.send_signal(signal.SIGTERM)
        code, ru = reap(self.proc)
        m["exit_code"] = code
        m["rusage_cpu_s"] = ru.ru_utime + ru.ru_stime
        m["rusage_maxrss_kib"] = ru.ru_maxrss
        return m


class Bootlogd(Recorder):
    """bootlogd in its default mode: argv captured in the kernel at each exec if it can be."""
    name = "bootlogd"
    args = []
    env = {}  # added to its environment (experiments: LD_PRELOAD)

    def start(self):
        t0 = time.monotonic()
        self.file = os.path.join(self.outdir, f"{self.tag}.bootlog")
        self.stderr_path = os.path.join(self.outdir, f"{self.tag}.bootlogd.err")
        sock_path = os.path.join(self.outdir, f"{self.tag}.notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        sock.settimeout(60)
        env = dict(os.environ, NOTIFY_SOCKET=sock_path, **self.env)
        env.pop("JOURNAL_STREAM", None)  # the summary goes to stderr, not the journal
        cmd = self.prefix() + [self.tools.get(self.name, self.tools["bootlogd"]), "-o", self.file,
                               "--pid-file", os.path.join(self.outdir, f"{self.tag}.pid"),
                               "--until", "stop", "--max-duration", "0",
                               "--config", os.path.join(self.outdir, "no-such.conf"), *self.args]
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            while True:
                msg = sock.recv(4096).decode()
                if "READY=1" in msg.split("\n"):
                    break
        except socket.timeout:
            raise RuntimeError("bootlogd did not send READY=1 within 60 s")
        finally:
            sock.close()
            os.unlink(sock_path)
        self.ready_s = time.monotonic() - t0

    def stop(self):
        pid = self.proc.pid
        # Before it ends: what its BPF loader child cost (reaped long ago, so in cutime/cstime) and
        # the BPF objects it holds (the ring buffer, the program's .bss, the link).
        loader_cpu = proc_children_cpu_s(pid)
        objs = bpf_fds(pid)
        bpf_rss = smaps_bpf_kib(pid)
        m = super().stop()
        m["file_bytes"] = os.path.getsize(self.file)
        with open(self.stderr_path) as f:
            m["summary"] = f.read().strip()
        m["ready_s"] = self.ready_s
        m["loader_cpu_s"] = loader_cpu
        m["bpf_objects"] = objs
        m["bpf_map_rss_kib"] = bpf_rss
        # The summary says how command lines were read (bootlogd.c): in the kernel, or from /proc and why.
        if "captured in the kernel at each exec" in m["summary"]:
            m["capture"] = "bpf"
        else:
            m["capture"] = "proc"
            why = re.search(r"Command lines are read from /proc \((.*?)\)(: a program|\.)", m["summary"])
            m["capture_off_reason"] = why.group(1) if why else None
        return m


class BootlogdProc(Bootlogd):
    """bootlogd reading argv from /proc only, as before the in-kernel capture."""
    name = "bootlogd-proc"
    args = ["--argv-capture=proc"]


class BootlogdNoCost(Bootlogd):
    """bootlogd without its taskstats listener: no cost records."""
    name = "bootlogd-nocost"
    args = ["--no-cost"]


class Forkstat(Recorder):
    name = "forkstat"

    def start(self):
        self.file = os.path.join(self.outdir, f"{self.tag}.forkstat.log")
        with open(self.file, "w") as out:
            self.proc = subprocess.Popen(self.prefix() + ["forkstat", "-e", "fork,exec,exit"],
                                         stdout=out, stderr=subprocess.DEVNULL)
        # forkstat loads its process cache, then subscribes, then blocks in recv(): ready once it
        # has a proc connector socket and sleeps.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"forkstat exited with {self.proc.returncode}")
            if netlink_socket(self.proc.pid) is not None and proc_stat(self.proc.pid)[0] == "S":
                time.sleep(0.05)
                if proc_stat(self.proc.pid)[0] == "S":
                    return
            time.sleep(0.01)
        raise RuntimeError("forkstat did not subscribe within 60 s")

    def stop(self):
        m = super().stop()
        m["file_bytes"] = os.path.getsize(self.file)
        return m


# ---------------------------------------------------------------- analysis

def bootlog_events(tools, path):
    p = subprocess.Popen([tools["bootlog"], "export", "--file", path, "--format", "json"],
                         stdout=subprocess.PIPE, text=True, errors="replace")
    for line in p.stdout:
        if line.strip():
            yield json.loads(line)
    if p.wait() != 0:
        raise RuntimeError(f"bootlog export --file {path} failed ({p.returncode})")


KERNEL_TYPES = {"fork", "exec", "exit"}


STORM_TAG = re.compile(r"(\d+)\.(\d+)\.(\d+)")


class ExecShares:
    """Counts of execs and of those with argv / exe / comm; of those shown with another process's
    command line or comm (other); of argv captured at the exec (at_exec) and exe as given to execve()
    (as_execed), bootlogd's marks."""

    KEYS = ("argv", "exe", "comm", "other", "unknown", "at_exec", "as_execed")

    def __init__(self):
        self.n = self.long = self.long_argv = 0
        for k in self.KEYS:
            setattr(self, k, 0)

    def pct(self, k):
        return 100.0 * getattr(self, k) / self.n if self.n else None

    def as_dict(self):
        d = {k: getattr(self, k) for k in ("n", "long", "long_argv") + self.KEYS}
        for k in self.KEYS:
            d[k + "_pct"] = self.pct(k)
        d["long_argv_pct"] = 100.0 * self.long_argv / self.long if self.long else None
        return d


EXECARGS_LOST = "exec-args-dropped"
STORM_COMM = "storm-tagged"  # a storm child's comm until its exec


def analyse_bootlog(tools, path, root_pid, storm):
    """Reads a recording back. root_pid: the workload's process; storm: (N, prog, comm) or None.

    Returns counts of events and lost events (LOST records of the exec capture apart: they lose
    an exec's record, not an event), and for the workload's processes (the subtree of root_pid by
    fork parent, so reparented daemons stay in it): the shares of execs with argv, exe and comm;
    for a storm also the forks, execs and exits of the storm's children (spawners' children).

    A storm child's argv must be exactly prog + [S.K.PID]: S the rank of its spawner among the
    workload's forks, K the number of children that spawner forked before it, PID its own, all
    three read from this recording's fork events. Anything else is another process's argv
    (counted in other), as is a comm other than the program's."""
    r = {"events": 0, "fee_events": 0, "lost_records": 0, "lost_count": 0, "lost_unknown": 0,
         "execargs_lost_records": 0, "execargs_lost": 0, "end_lost": None, "types": {}}
    subtree = {root_pid}
    spawners = {}  # pid -> [rank, children forked so far]
    ranks = 0
    children = {}  # pid -> its tag, S.K.PID
    storm_forks = storm_execs = storm_exits = storm_costs = 0
    awaiting_cost = set()  # storm children that exited: their cost record follows
    root_execd = False
    shares = ExecShares()
    storm_shares = ExecShares()
    open_exec = {}  # pid -> (ts_ns, has_argv) of its last exec in the subtree
    for e in bootlog_events(tools, path):
        t = e["type"]
        r["events"] += 1
        r["types"][t] = r["types"].get(t, 0) + 1
        if t in KERNEL_TYPES:
            r["fee_events"] += 1
        if t == "lost":
            if e.get("reason") == EXECARGS_LOST:
                r["execargs_lost_records"] += 1
                r["execargs_lost"] += e.get("count") or 0
                continue
            r["lost_records"] += 1
            if e.get("count") is None:
                r["lost_unknown"] += 1
            else:
                r["lost_count"] += e["count"]
            continue
        if t == "end":
            r["end_lost"] = e.get("lost")
            continue
        pid = e.get("pid")
        if t == "cost":
            if e["pid"] == e["tid"] and pid in awaiting_cost:
                awaiting_cost.discard(pid)
                storm_costs += 1
            continue
        if t == "fork" and e["pid"] == e["tid"]:
            if e["parent_pid"] in subtree:
                subtree.add(pid)
            if storm:
                if e["parent_pid"] == root_pid and root_execd:
                    spawners[pid] = [ranks, 0]
                    ranks += 1
                elif e["parent_pid"] in spawners:
                    sp = spawners[e["parent_pid"]]
                    children[pid] = f"{sp[0]}.{sp[1]}.{pid}"
                    sp[1] += 1
                    storm_forks += 1
        elif t == "exec" and pid in subtree:
            if pid == root_pid:
                root_execd = True
            finish_exec(open_exec, pid, e["ts_ns"], shares)
            argv, exe, comm = e.get("argv"), e.get("exe"), e.get("comm")
            in_storm = storm is not None and pid in children
            for sh in (shares, storm_shares) if in_storm else (shares,):
                sh.n += 1
                sh.unknown += argv is None and comm is None
                sh.at_exec += bool(e.get("argv_at_exec"))
                sh.as_execed += bool(e.get("exe_as_execed"))
            shares.argv += argv is not None
            shares.exe += exe is not None
            shares.comm += comm is not None
            open_exec[pid] = (e["ts_ns"], argv is not None)
            if in_storm:
                n, prog, want_comm = storm
                want_argv = prog + [children[pid]]
                storm_execs += 1
                storm_shares.argv += argv == want_argv
                storm_shares.exe += exe is not None and os.path.basename(exe) == os.path.basename(
                    os.path.realpath(prog[0]))
                storm_shares.comm += comm == want_comm
                storm_shares.other += (argv is not None and argv != want_argv) or (
                    comm is not None and comm != want_comm)
        elif t == "exit" and e["pid"] == e["tid"]:
            if pid in subtree:
                finish_exec(open_exec, pid, e["ts_ns"], shares)
                if pid != root_pid:
                    subtree.discard(pid)
            if pid in children:
                storm_exits += 1
                awaiting_cost.add(pid)
                del children[pid]
            elif pid in spawners:
                del spawners[pid]
    r["execs"] = shares.as_dict()
    if storm:
        r["storm"] = {"forks": storm_forks, "execs": storm_execs, "exits": storm_exits, "costs": storm_costs,
                      "shares": storm_shares.as_dict()}
    return r


def finish_exec(open_exec, pid, ts_ns, shares):
    """Closes the exec image pid was running: did it live TARGET_LONG_MS or more, with argv?"""
    if pid in open_exec:
        start, has_argv = open_exec.pop(pid)
        if ts_ns - start >= TARGET_LONG_MS * 1_000_000:
            shares.long += 1
            shares.long_argv += has_argv


FORKSTAT_LINE = re.compile(r"^\S+ (fork|exec|exit) +(\d+) ")


def analyse_forkstat(path, root_pid, storm):
    """Parses forkstat's log. Its Process column holds /proc/PID/cmdline with NULs turned into
    spaces (and a trailing space) when it could read it, else /proc/PID/comm (no trailing space),
    else "<unknown>"; after an exec whose /proc it could not read it prints what it had cached:
    at the fork, the parent's name. An exec line showing the parent's text (from the fork's
    "parent" line) or the text of the pid's previous exec is counted as that stale name
    ("other": another process's), not as argv: the exec'd program is not the one it names.

    forkstat prints a fork only if it could still read the child's /proc: a storm child is one
    whose fork line names a spawner as parent, or a pid it printed no fork line for whose exec
    line shows a name the storm's children can have (their argv or comm, the spawner's, or
    <unknown>). A storm child's line is its own argv only if it is prog followed by a tag
    S.K.PID naming its pid, not shown before (a pid reused by a later child has another tag);
    any other command line is another process's ("other")."""
    r = {"lines": 0, "fork": 0, "exec": 0, "exit": 0, "nobufs": 0}
    with open(path, errors="replace") as f:
        header = f.readline()
        col = header.find("Process")
        lines = f.read().split("\n")
    subtree = {root_pid}
    outside = set()
    spawners, children = set(), set()
    spawner_names = {"<unknown>"}
    inherited = {}  # pid -> its parent's text at the fork
    exec_text = {}  # pid -> the text of its last exec line
    shares = ExecShares()
    storm_shares = ExecShares()
    storm_execs = storm_exits = storm_forks = 0
    last_parent = last_parent_text = None
    tags_seen = set()
    if storm:
        n, prog, want_comm = storm
        prefix = " ".join(prog) + " "
        storm_names = {want_comm, "<unknown>", STORM_COMM}
    for line in lines:
        if not line:
            continue
        if " recv " in line and "nobufs" in line:
            r["nobufs"] += 1
            continue
        m = FORKSTAT_LINE.match(line)
        if not m or col < 0:
            continue
        r["lines"] += 1
        ev, pid, text = m.group(1), int(m.group(2)), line[col:]
        if ev == "fork":
            info = line[m.end():col].strip()
            if info == "parent":
                last_parent, last_parent_text = pid, text
                continue
            r["fork"] += 1
            ppid, last_parent = last_parent, None
            inherited[pid] = last_parent_text
            exec_text.pop(pid, None)
            children.discard(pid)
            if ppid in subtree:
                subtree.add(pid)
                outside.discard(pid)
            elif ppid not in (None, 0, 1):
                outside.add(pid)
            if storm and ppid == root_pid:
                spawners.add(pid)
                spawner_names.add(text)
                spawner_names.add(last_parent_text)
            elif storm and ppid in spawners:
                children.add(pid)
                storm_forks += 1
        elif ev == "exec":
            r["exec"] += 1
            before = (inherited.get(pid), exec_text.get(pid))
            exec_text[pid] = text
            if pid in outside or (storm and (pid == root_pid or pid in spawners)):
                continue
            # In the workload (or a pid whose fork forkstat did not print: on a quiet machine, the
            # workload's too).
            kind = forkstat_kind(text, before)
            shares.n += 1
            shares.argv += kind == "argv"
            shares.comm += kind in ("argv", "comm")
            shares.other += kind == "stale"
            shares.unknown += kind == "unknown"
            tag = None
            if storm and text.startswith(prefix) and text.endswith(" "):
                tag = STORM_TAG.fullmatch(text[len(prefix):-1])
            if storm and (pid in children or tag or text in storm_names or text in spawner_names):
                children.add(pid)
                storm_execs += 1
                storm_shares.n += 1
                if tag:
                    own = int(tag.group(3)) == pid and tag.group(0) not in tags_seen
                    tags_seen.add(tag.group(0))
                    storm_shares.argv += own
                    storm_shares.comm += own
                    storm_shares.other += not own
                elif text == want_comm:
                    storm_shares.comm += 1
                elif text == "<unknown>":
                    storm_shares.unknown += 1
                else:
                    storm_shares.other += 1
        elif ev == "exit":
            r["exit"] += 1
            if pid in children:
                storm_exits += 1
                children.discard(pid)
            elif pid in spawners:
                spawners.discard(pid)
            if pid != root_pid:
                subtree.discard(pid)
            outside.discard(pid)
            inherited.pop(pid, None)
            exec_text.pop(pid, None)
    r["fee_events"] = r["fork"] + r["exec"] + r["exit"]
    r["execs"] = shares.as_dict()
    if storm:
        r["storm"] = {"forks": storm_forks, "execs": storm_execs, "exits": storm_exits,
                      "shares": storm_shares.as_dict()}
    return r


def forkstat_kind(text, before):
    if text == "<unknown>":
        return "unknown"
    if text in before:
        return "stale"
    return "argv" if text.endswith(" ") else "comm"


def zstd_size(path):
    p = subprocess.run(["zstd", "-19", "-q", "-c", path], stdout=subprocess.PIPE, check=True)
    return len(p.stdout)


# ---------------------------------------------------------------- workloads

class Workload:
    def __init__(self, name, cmd, storm=None, nice=0, describe=None):
        self.name, self.cmd, self.storm, self.nice = name, cmd, storm, nice
        self.describe = describe or " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd))

    def argv(self, workdir):
        return [c.replace("@WORKDIR@", workdir) for c in self.cmd]


def make_static_true(tmp):
    src = os.path.join(tmp, "st-true.c")
    exe = os.path.join(tmp, "st-true")
    with open(src, "w") as f:
        f.write("int main(void) { return 0; }\n")
    p = subprocess.run(["gcc", "-static", "-O2", "-o", exe, src], capture_output=True, text=True)
    if p.returncode != 0:
        log(f"no static binary (gcc -static failed), skipping that workload: {p.stderr.strip()[:200]}")
        return None
    return exe


def run_once(tools, wl, recorder_cls, outdir, tag):
    workdir = os.path.join(outdir, f"{tag}.work")
    res = {"workload": wl.name, "recorder": recorder_cls.name, "tag": tag}
    rec = recorder_cls(tools, outdir, tag, wl.nice) if recorder_cls is not Recorder else None
    p = None
    try:
        if rec:
            rec.start()
            time.sleep(0.1)
            cpu0 = rec.sample()
        busy0, kids0 = cpu_busy_s(), children_cpu_s()
        rec0 = rec.sample()[0] if rec else 0
        t0 = time.monotonic()
        # A session of its own, so that an interrupted run can end all of the workload.
        p = subprocess.Popen(wl.argv(workdir), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        out, err = p.communicate()
        t1 = time.monotonic()
        busy1, kids1 = cpu_busy_s(), children_cpu_s()
        rec1 = rec.sample()[0] if rec else 0
    except BaseException:
        if p and p.returncode is None:
            os.killpg(p.pid, signal.SIGKILL)
        if rec and rec.proc and rec.proc.returncode is None:
            rec.proc.kill()
        raise
    res["wall_s"] = t1 - t0
    # CPU the rest of the machine used meanwhile: busy time less the workload's (its waited-for
    # processes), the recorder's and a little for this script. A share of all CPUs over the run;
    # a few percent is the kernel's own work; more means another program disturbed the run.
    res["workload_cpu_s"] = kids1 - kids0
    res["foreign_cpu_share"] = max(0.0, (busy1 - busy0) - (kids1 - kids0) - (rec1 - rec0)) / (
        (t1 - t0) * os.cpu_count())
    res["workload_rc"] = p.returncode
    res["workload_pid"] = p.pid
    if p.returncode != 0:
        res["workload_stderr"] = err[-2000:]
    if wl.storm:
        m = re.search(r"storm: (\d+) children, (\d+) ok", out)
        res["storm_ok"] = int(m.group(2)) if m else None
    if rec:
        m = rec.stop()
        res.update(m)
        res["cpu_s"] = m["cpu_end"][0] - cpu0[0]
        if m["cpu_end"][1] is not None and cpu0[1] is not None:
            res["cpu_sched_s"] = m["cpu_end"][1] - cpu0[1]
        del res["cpu_end"]
        # Read back later, after every timed run: nothing else runs while the rounds are measured.
        res["_file"] = rec.file
        res["_kind"] = "bootlog" if isinstance(rec, Bootlogd) else "forkstat"
    shutil.rmtree(workdir, ignore_errors=True)
    os.sync()
    return res


def analyse_run(tools, wl, res):
    """Reads a run's recording or log back, then removes it."""
    path, kind = res.pop("_file"), res.pop("_kind")
    storm = (wl.storm["n"], wl.storm["prog"], wl.storm["comm"]) if wl.storm else None
    if kind == "bootlog":
        res["analysis"] = analyse_bootlog(tools, path, res["workload_pid"], storm)
    else:
        res["analysis"] = analyse_forkstat(path, res["workload_pid"], storm)
        res["file_zstd_bytes"] = zstd_size(path)
    os.unlink(path)


# ---------------------------------------------------------------- the capture's kernel side

SYS_BPF = {"x86_64": 321, "aarch64": 280}
BPF_ENABLE_STATS = 32
BPF_STATS_RUN_TIME = 0


def enable_bpf_stats():
    """Turns on the kernel's BPF run-time statistics for as long as the returned fd is open
    (bpf(BPF_ENABLE_STATS)), or returns None if the kernel refuses."""
    import ctypes
    nr = SYS_BPF.get(platform.machine())
    if nr is None:
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    attr = (ctypes.c_uint32 * 4)(BPF_STATS_RUN_TIME, 0, 0, 0)
    fd = libc.syscall(nr, BPF_ENABLE_STATS, ctypes.byref(attr), ctypes.sizeof(attr))
    return fd if fd >= 0 else None


def bpftool_json(*args):
    exe = shutil.which("bpftool") or "/usr/sbin/bpftool"
    if not os.access(exe, os.X_OK):
        return None
    p = subprocess.run([exe, "-j", *args], capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None


def possible_cpus():
    n = 0
    with open("/sys/devices/system/cpu/possible") as f:
        for part in f.read().strip().split(","):
            lo, _, hi = part.partition("-")
            n += int(hi or lo) - int(lo) + 1
    return n


def probe_kernel(tools, outdir, storm_cmd, n, startup_runs):
    """Runs bootlogd (default mode) alone: the exec program's maps and their kernel memory (bpftool
    map show: bytes_memlock; else the recorder's fdinfo), and the program's run time per exec
    over a storm of n children, with the kernel's BPF statistics on for just that storm."""
    rec = Bootlogd(tools, outdir, "kernel-probe", 0)
    rec.start()
    out = {"possible_cpus": possible_cpus()}
    try:
        objs = bpf_fds(rec.proc.pid)
        out["recorder_fdinfo"] = objs
        link = next((o for o in objs if "prog_id" in o), None)
        if not link:
            return out
        out["prog_id"] = link["prog_id"]
        prog = bpftool_json("prog", "show", "id", str(link["prog_id"]))
        if prog:
            out["prog"] = {k: prog.get(k) for k in ("name", "type", "bytes_xlated", "bytes_jited",
                                                     "bytes_memlock", "map_ids")}
            out["maps"] = []
            for mid in prog.get("map_ids", []):
                m = bpftool_json("map", "show", "id", str(mid))
                if m:
                    out["maps"].append({k: m.get(k) for k in ("id", "name", "type", "bytes_value",
                                                               "max_entries", "bytes_memlock")})
        else:
            # No bpftool: the maps bootlogd holds (not the per-CPU scratch, which only the program holds).
            out["maps"] = [{"id": o.get("map_id"), "name": None, "type": o.get("map_type"),
                            "bytes_value": o.get("value_size"), "max_entries": o.get("max_entries"),
                            "bytes_memlock": o.get("memlock")} for o in objs if "map_id" in o]
        stats = enable_bpf_stats()
        if stats is not None and prog:
            try:
                p0 = bpftool_json("prog", "show", "id", str(link["prog_id"])) or {}
                p = subprocess.run(storm_cmd, capture_output=True, text=True)
                p1 = bpftool_json("prog", "show", "id", str(link["prog_id"])) or {}
            finally:
                os.close(stats)
            runs = p1.get("run_cnt", 0) - p0.get("run_cnt", 0)
            if runs > 0 and p.returncode == 0:
                out["run_cnt"] = runs
                out["run_ns_per_exec"] = (p1.get("run_time_ns", 0) - p0.get("run_time_ns", 0)) / runs
                out["storm_n"] = n
    finally:
        m = rec.stop()
        out["capture"] = m["capture"]
        os.unlink(rec.file)
    out["startup"] = startup_peaks(tools, outdir, startup_runs)
    return out


STARTUP_UNTIL = "1s"


def startup_peaks(tools, outdir, runs):
    """Peak RSS of bootlogd with its children, over a short recording (STARTUP_UNTIL), per argv mode: /usr/bin/time's
    %M, the wait4() ru_maxrss of a process forked by time (so not inherited from this script), which
    is the larger of bootlogd's own peak and its children's: with the capture, its BPF loader's."""
    out = {}
    for mode in ("auto", "proc"):
        peaks, cpus = [], []
        for i in range(runs):
            path = os.path.join(outdir, f"startup-{mode}-{i}.bootlog")
            timef = os.path.join(outdir, "startup.time")
            subprocess.run(["/usr/bin/time", "-o", timef, "-f", "%M %U %S", tools["bootlogd"], "-o", path,
                            "--until", STARTUP_UNTIL, "--max-duration", "0", "--argv-capture", mode,
                            "--config", os.path.join(outdir, "no-such.conf")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            with open(timef) as f:
                rss, user, sys_ = f.read().split()[-3:]
            peaks.append(int(rss))
            cpus.append(1e3 * (float(user) + float(sys_)))
            os.unlink(path)
        out[mode] = {"maxrss_kib": peaks, "cpu_ms": cpus}
    return out


def print_kernel(k):
    print(f"== the capture in the kernel: bootlogd alone, bpftool; {k['possible_cpus']} possible CPUs")
    if "prog_id" not in k:
        print("  no exec program attached (argv read from /proc)\n")
        return
    total = 0
    for m in k.get("maps", []):
        total += m["bytes_memlock"] or 0
        size = (f"{m['max_entries']} B of ring" if m["type"] in ("ringbuf", 27)
                else f"value {m['bytes_value']} B x {m['max_entries']}")
        print(f"  map {str(m['name']):14} {str(m['type']):13} {size:22}: memlock {m['bytes_memlock']:>7} B "
              f"({(m['bytes_memlock'] or 0) / 1024:.1f} KiB)")
    pr = k.get("prog")
    if pr:
        total += pr["bytes_memlock"] or 0
        print(f"  program {pr['name']} ({pr['type']}): {pr['bytes_xlated']} B translated, {pr['bytes_jited']} B "
              f"JITed, memlock {pr['bytes_memlock']} B")
    print(f"  total memlock {total} B ({total / 1024:.1f} KiB)")
    st = k.get("startup")
    if st:
        print(f"  bootlogd with its children, peak RSS over a {STARTUP_UNTIL} recording (/usr/bin/time %M, "
              f"{len(st['auto']['maxrss_kib'])} runs): capture {med(st['auto']['maxrss_kib']) / 1024:.2f} MiB, "
              f"/proc mode {med(st['proc']['maxrss_kib']) / 1024:.2f} MiB; CPU "
              f"{med(st['auto']['cpu_ms']):.0f} vs {med(st['proc']['cpu_ms']):.0f} ms")
    if "run_ns_per_exec" in k:
        print(f"  program run time {k['run_ns_per_exec']:.0f} ns per exec (kernel BPF statistics, "
              f"{k['run_cnt']} runs over a storm of {k['storm_n']})")
    print()


# ---------------------------------------------------------------- read throughput

def read_throughput(tools, tmp, n, rounds):
    path = os.path.join(tmp, "read-fixture.bootlog")
    subprocess.run([tools["make_fixture"], "storm", str(n), path], check=True, stdout=subprocess.DEVNULL)
    # The number of events, counted once (not timed): one NDJSON line per event.
    p = subprocess.Popen([tools["bootlog"], "export", "--file", path, "--format", "json"],
                         stdout=subprocess.PIPE)
    events = sum(1 for _ in p.stdout)
    p.wait()
    res = {"fixture_processes": n, "events": events, "file_bytes": os.path.getsize(path), "runs": []}
    cmds = {"tree": ["tree", "--file", path], "export-json": ["export", "--file", path, "--format", "json"]}
    for rnd in range(rounds):
        for name, args in cmds.items():
            timef = os.path.join(tmp, "time.out")
            t0 = time.monotonic()
            q = subprocess.run(["/usr/bin/time", "-o", timef, "-f", "%M", tools["bootlog"], *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            t1 = time.monotonic()
            with open(timef) as f:
                rss = int(f.read().split()[-1])
            res["runs"].append({"command": name, "round": rnd, "wall_s": t1 - t0, "maxrss_kib": rss,
                                "rc": q.returncode})
    os.unlink(path)
    out = {}
    for name in cmds:
        runs = [r for r in res["runs"] if r["command"] == name]
        out[name] = {
            "events_per_s": statistics.median(events / r["wall_s"] for r in runs),
            "maxrss_kib": max(r["maxrss_kib"] for r in runs),
            "ok": all(r["rc"] == 0 for r in runs),
        }
    res["summary"] = out
    return res


# ---------------------------------------------------------------- report

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summarise(results, workloads, recorders):
    """Per workload and recorder: the medians over rounds of each figure (and the worst round of
    the counts that must be zero or complete)."""
    summ = {}
    for wl in workloads:
        base = {r["tag"].split(".")[0]: r["wall_s"] for r in results
                if r["workload"] == wl.name and r["recorder"] == "none"}
        s = {}
        for rc in recorders:
            runs = [r for r in results if r["workload"] == wl.name and r["recorder"] == rc]
            if not runs:
                continue
            d = {"rounds": len(runs), "wall_s": med(r["wall_s"] for r in runs),
                 "foreign_cpu_max": max(r["foreign_cpu_share"] for r in runs)}
            if rc != "none":
                ratios = [r["wall_s"] / base[r["tag"].split(".")[0]] for r in runs
                          if r["tag"].split(".")[0] in base]
                d["slowdown"] = med(ratios) - 1 if ratios else None
                d["slowdown_per_round"] = [x - 1 for x in ratios]
                d["cpu_s"] = med(r["cpu_s"] for r in runs)
                d["cpu_ms_per_1k"] = med(1e6 * r["cpu_s"] / r["analysis"]["fee_events"]
                                         for r in runs if r["analysis"]["fee_events"])
                d["cpu_sched_ms_per_1k"] = med(1e6 * r["cpu_sched_s"] / r["analysis"]["fee_events"]
                                               for r in runs if r.get("cpu_sched_s") is not None
                                               and r["analysis"]["fee_events"])
                d["vmhwm_kib"] = max(r["vmhwm_kib"] for r in runs)
                d["rss_anon_kib"] = max(r["rss_anon_kib"] for r in runs)
                d["events"] = med(r["analysis"]["fee_events"] for r in runs)
                d["kernel_drops"] = max((r["kernel_drops"] or 0) for r in runs)
                d["bytes_per_event"] = med(r["file_bytes"] / r["analysis"]["fee_events"]
                                           for r in runs if r["analysis"]["fee_events"])
                if rc == "forkstat":
                    d["zstd_bytes_per_event"] = med(r["file_zstd_bytes"] / r["analysis"]["fee_events"]
                                                    for r in runs if r["analysis"]["fee_events"])
                    d["nobufs"] = max(r["analysis"]["nobufs"] for r in runs)
                else:
                    d["lost"] = max(r["analysis"]["lost_count"] for r in runs)
                    d["lost_unknown"] = max(r["analysis"]["lost_unknown"] for r in runs)
                    d["execargs_lost"] = max(r["analysis"]["execargs_lost"] for r in runs)
                    d["execargs_lost_records"] = max(r["analysis"]["execargs_lost_records"] for r in runs)
                    d["execargs_lost_rounds"] = [r["analysis"]["execargs_lost"] for r in runs]
                    d["capture"] = sorted({r["capture"] for r in runs})
                    d["capture_off_reason"] = next((r["capture_off_reason"] for r in runs
                                                    if r.get("capture_off_reason")), None)
                    d["ready_s"] = med(r["ready_s"] for r in runs)
                    # Clock ticks (10 ms): a mean over every run says more than a median of zeros.
                    d["loader_cpu_ms_sum"] = sum(1e3 * r["loader_cpu_s"] for r in runs)
                    d["bpf_map_rss_kib"] = max(r["bpf_map_rss_kib"] for r in runs)
                ex = [r["analysis"]["execs"] for r in runs]
                for k in ("argv_pct", "exe_pct", "comm_pct", "other_pct", "unknown_pct", "at_exec_pct",
                          "long_argv_pct"):
                    d[k] = med(e[k] for e in ex)
                d["long"] = med(e["long"] for e in ex)
                if wl.storm:
                    n = wl.storm["n"]
                    st = [r["analysis"]["storm"] for r in runs]
                    d["storm_n"] = n
                    d["storm_min_forks"] = min(x["forks"] for x in st)
                    d["storm_min_execs"] = min(x["execs"] for x in st)
                    d["storm_min_exits"] = min(x["exits"] for x in st)
                    d["storm_min_costs"] = min(x.get("costs", 0) for x in st)
                    d["storm_cost_short"] = max(x["exits"] - x.get("costs", 0) for x in st)
                    # forkstat's count can exceed n on a busy machine (other processes' <unknown> lines).
                    d["storm_max_exec_loss"] = max(max(0, n - x["execs"]) for x in st)
                    d["storm_max_exit_loss"] = max(max(0, n - x["exits"]) for x in st)
                    for k in ("argv_pct", "exe_pct", "comm_pct", "other_pct", "unknown_pct", "at_exec_pct",
                              "as_execed_pct"):
                        d["storm_" + k] = med(x["shares"][k] for x in st)
                    d["storm_min_argv_pct"] = min(x["shares"]["argv_pct"] or 0 for x in st)
                    d["storm_max_other"] = max(x["shares"]["other"] for x in st)
                    d["storm_total_other"] = sum(x["shares"]["other"] for x in st)
                    d["storm_total_execs"] = sum(x["shares"]["n"] for x in st)
            s[rc] = d
        summ[wl.name] = s
    return summ


def fmt_pct(x, signed=False):
    if x is None:
        return "-"
    return f"{x:+.1f}%" if signed else f"{x:.1f}%"


BOOTLOGDS = ("bootlogd", "bootlogd-proc", "bootlogd-nocost")
RECORDERS = BOOTLOGDS + ("forkstat",)


def print_table(summ, workloads, read, kernel):
    print()
    for wl in workloads:
        s = summ[wl.name]
        if "none" not in s:
            continue
        nice = f", recorder at nice {wl.nice}" if wl.nice else ""
        foreign = max(d["foreign_cpu_max"] for d in s.values())
        print(f"== {wl.name}: {wl.describe}{nice}; {s['none']['rounds']} rounds, "
              f"workload alone {s['none']['wall_s']:.2f} s (median); other CPU use up to "
              f"{100 * foreign:.1f}%{' (DISTURBED)' if foreign > DISTURBED else ''}")
        hdr = (f"{'recorder':13} {'slowdown':>9} {'CPU ms/1k':>9} {'peak RSS':>9} {'lost':>12} "
               f"{'argv':>6} {'exe':>6} {'comm':>6} {'other':>6} {'B/event':>8} {'zstd-19':>8}")
        print(hdr)
        for rc in RECORDERS:
            d = s.get(rc)
            if not d:
                continue
            if wl.storm:
                lost = f"{d['storm_max_exec_loss']}/{d['storm_n']}"
                pre = "storm_"
            else:
                lost = str(d.get("lost", "-")) if rc != "forkstat" else f"{d['nobufs']} nobufs"
                pre = ""
            if rc != "forkstat" and (d.get("lost") or d.get("lost_unknown")):
                lost += f" (+{d['lost']} LOST)"
            zs = f"{d['zstd_bytes_per_event']:.2f}" if rc == "forkstat" else "-"
            # bootlogd's execs of the boot-like workload have no expected command line to compare with.
            other = fmt_pct(d[pre + "other_pct"]) if wl.storm or rc == "forkstat" else "-"
            print(f"{rc:13} {fmt_pct(100 * d['slowdown'], True):>9} {d['cpu_ms_per_1k']:>9.2f} "
                  f"{d['vmhwm_kib'] / 1024:>5.2f} MiB {lost:>12} "
                  f"{fmt_pct(d[pre + 'argv_pct']):>6} {fmt_pct(d[pre + 'exe_pct']):>6} "
                  f"{fmt_pct(d[pre + 'comm_pct']):>6} {other:>6} "
                  f"{d['bytes_per_event']:>8.2f} {zs:>8}")
        if wl.storm:
            parts = [f"{rc} {s[rc]['storm_total_other']}/{s[rc]['storm_total_execs']}"
                     for rc in RECORDERS if rc in s]
            print(f"  execs shown with another process's argv or comm, all rounds: {', '.join(parts)}")
        for rc in BOOTLOGDS:
            d = s.get(rc)
            if not d:
                continue
            cap = "/".join(d["capture"])
            line = f"  {rc}: argv {'captured in the kernel' if cap == 'bpf' else 'from /proc'}"
            if cap != "bpf" and rc == "bootlogd" and d["capture_off_reason"]:
                line += f" ({d['capture_off_reason']})"
            if "bpf" in d["capture"]:
                at = d[pre + "at_exec_pct"]
                line += (f", at the exec for {fmt_pct(at)} of execs; exec-args-dropped: "
                         f"{d['execargs_lost']} records (worst round; per round "
                         f"{', '.join(map(str, d['execargs_lost_rounds']))})")
                if wl.storm:
                    line += f"; exe as given to execve() {fmt_pct(d['storm_as_execed_pct'])}"
            if not wl.storm and d["long"]:
                line += (f"; argv for {fmt_pct(d['long_argv_pct'])} of the {d['long']:.0f} exec'd images "
                         f"that lived {TARGET_LONG_MS} ms or more")
            print(line)
        print()
    bl = [(rc, [summ[w][rc] for w in summ if rc in summ[w]]) for rc in BOOTLOGDS]
    if any(ds for _, ds in bl):
        print("== bootlogd itself: peak RSS above is the recorder's own VmHWM; the BPF loader is a child, "
              "reaped before READY=1")
        for rc, ds in bl:
            if not ds:
                continue
            own = max(d["vmhwm_kib"] for d in ds)
            nruns = sum(d["rounds"] for d in ds)
            print(f"  {rc:13} READY {1e3 * med(d['ready_s'] for d in ds):5.1f} ms after start (median); "
                  f"children's CPU {sum(d['loader_cpu_ms_sum'] for d in ds) / nruns:5.1f} ms per start "
                  f"(mean of {nruns}, cutime+cstime); peak {own / 1024:.2f} MiB, of which the ring buffer's "
                  f"mapping at the end {max(d['bpf_map_rss_kib'] for d in ds)} KiB")
        print()
    if kernel:
        print_kernel(kernel)
    if read:
        print(f"== bootlog read throughput: make-fixture storm {read['fixture_processes']} "
              f"({read['events']} events, {read['file_bytes']} bytes)")
        for name, d in read["summary"].items():
            print(f"  bootlog {name:12} {d['events_per_s'] / 1e6:6.2f} M events/s (median)   "
                  f"peak RSS {d['maxrss_kib'] / 1024:7.1f} MiB")
        print()


def verdicts(summ, workloads, read):
    """Each target of issue 6: (number, met?, text)."""
    out = []
    have_fk = any("forkstat" in s for s in summ.values())

    def fk(wl, k):
        return summ[wl].get("forkstat", {}).get(k)

    # 1. starved: zero loss, every exec/exit recorded.
    if "starved-p4" in summ and "bootlogd" in summ["starved-p4"]:
        d = summ["starved-p4"]["bootlogd"]
        ok = (d["lost"] == 0 and d["lost_unknown"] == 0 and d["storm_min_execs"] == d["storm_n"]
              and d["storm_min_exits"] == d["storm_n"] and d["storm_min_forks"] == d["storm_n"])
        txt = (f"starved (nice 19, 4 spawners, {d['storm_n']} children): bootlogd lost {d['lost']} "
               f"(LOST records of unknown size: {d['lost_unknown']}), recorded at least "
               f"{d['storm_min_forks']}/{d['storm_min_execs']}/{d['storm_min_exits']} forks/execs/exits")
        if fk("starved-p4", "storm_n"):
            f = summ["starved-p4"]["forkstat"]
            txt += (f"; forkstat: up to {f['storm_max_exec_loss']} execs "
                    f"({100 * f['storm_max_exec_loss'] / f['storm_n']:.1f}%) and "
                    f"{f['storm_max_exit_loss']} exits missing, {f['nobufs']} ENOBUFS")
        out.append((1, ok, txt))
    # 2. slowdown
    parts, ok = [], True
    for wl in workloads:
        if wl.nice or "bootlogd" not in summ[wl.name]:
            continue
        b = summ[wl.name]["bootlogd"]["slowdown"]
        ok &= b <= TARGET_SLOWDOWN
        others = [f"{rc} {100 * summ[wl.name][rc]['slowdown']:+.1f}%" for rc in RECORDERS[1:]
                  if rc in summ[wl.name]]
        parts.append(f"{wl.name} {100 * b:+.1f}%" + (f" ({', '.join(others)})" if others else ""))
    out.append((2, ok, "slowdown, median of per-round ratios: " + ", ".join(parts)))
    # 3. CPU and RSS
    if have_fk:
        parts, ok = [], True
        for wl in workloads:
            if wl.nice or "forkstat" not in summ[wl.name]:
                continue
            b, f = summ[wl.name]["bootlogd"]["cpu_ms_per_1k"], summ[wl.name]["forkstat"]["cpu_ms_per_1k"]
            ratio = b / f if f else float("inf")
            ok &= ratio <= TARGET_CPU_RATIO
            pr = summ[wl.name].get("bootlogd-proc", {}).get("cpu_ms_per_1k")
            parts.append(f"{wl.name} {b:.2f} vs {f:.2f} ms/1k events ({100 * ratio:.0f}%"
                         + (f"; /proc mode {pr:.2f}, {100 * pr / f:.0f}%)" if pr and f else ")"))
        out.append(("3a", ok, "recorder CPU, bootlogd vs forkstat: " + ", ".join(parts)))
    rss = max(summ[w]["bootlogd"]["vmhwm_kib"] for w in summ if "bootlogd" in summ[w])
    anon = max(summ[w]["bootlogd"]["rss_anon_kib"] for w in summ if "bootlogd" in summ[w])
    fk_rss = max((summ[w]["forkstat"]["vmhwm_kib"] for w in summ if "forkstat" in summ[w]), default=None)
    pr_rss = max((summ[w]["bootlogd-proc"]["vmhwm_kib"] for w in summ if "bootlogd-proc" in summ[w]),
                 default=None)
    ring = max(summ[w]["bootlogd"]["bpf_map_rss_kib"] for w in summ if "bootlogd" in summ[w])
    out.append(("3b", rss <= TARGET_RSS_KIB,
                f"bootlogd peak RSS (VmHWM) {rss / 1024:.2f} MiB, of which anonymous {anon / 1024:.2f} MiB"
                f" and the capture's ring buffer mapping {ring / 1024:.2f} MiB"
                + (f"; /proc mode {pr_rss / 1024:.2f} MiB" if pr_rss else "")
                + (f"; forkstat {fk_rss / 1024:.2f} MiB" if fk_rss else "")))
    # 4. argv / comm
    if "storm-p2" in summ and "bootlogd" in summ["storm-p2"]:
        b = summ["storm-p2"]["bootlogd"]["storm_argv_pct"]
        f = fk("storm-p2", "storm_argv_pct")
        pr = summ["storm-p2"].get("bootlogd-proc", {}).get("storm_argv_pct")
        ok = f is not None and b >= TARGET_ARGV_FACTOR * f
        out.append(("4a", ok, f"argv on the /bin/true storm: bootlogd {b:.1f}% of execs"
                    + (f", /proc mode {pr:.1f}%" if pr is not None else "")
                    + (f", forkstat {f:.1f}% (x{b / f:.2f})" if f else ", forkstat not measured")))
    if "boot" in summ and "bootlogd" in summ["boot"]:
        d = summ["boot"]["bootlogd"]
        out.append(("4b", d["long_argv_pct"] == 100.0,
                    f"argv for {fmt_pct(d['long_argv_pct'])} of the {d['long']:.0f} exec'd images of the "
                    f"boot-like workload that lived {TARGET_LONG_MS} ms or more"))
    parts, ok = [], True
    for wl in workloads:
        d = summ[wl.name].get("bootlogd")
        if not d:
            continue
        c = d["storm_comm_pct"] if wl.storm else d["comm_pct"]
        ok &= c == 100.0
        parts.append(f"{wl.name} {c:.1f}%")
    out.append(("4c", ok, "comm for every exec: " + ", ".join(parts)))
    # 5. bytes per event
    if have_fk:
        parts, ok = [], True
        for wl in workloads:
            if wl.nice or "forkstat" not in summ[wl.name]:
                continue
            b = summ[wl.name]["bootlogd"]["bytes_per_event"]
            f = summ[wl.name]["forkstat"]["zstd_bytes_per_event"]
            raw = summ[wl.name]["forkstat"]["bytes_per_event"]
            ok &= b <= TARGET_BYTES_RATIO * f
            parts.append(f"{wl.name} {b:.2f} vs {f:.2f} zstd-19 ({100 * b / f:.0f}%; raw {raw:.1f})")
        out.append((5, ok, "bytes per event, bootlogd vs forkstat's log: " + ", ".join(parts)))
    # 6. read throughput
    if read:
        ok = all(d["events_per_s"] >= TARGET_READ_RATE and d["maxrss_kib"] <= TARGET_READ_RSS_KIB and d["ok"]
                 for d in read["summary"].values())
        out.append((6, ok, f"reading {read['events']} events: " + ", ".join(
            f"{n} {d['events_per_s'] / 1e6:.2f} M events/s, {d['maxrss_kib'] / 1024:.0f} MiB"
            for n, d in read["summary"].items())))
    # The in-kernel capture: exact argv for every storm exec, nobody else's, nothing lost.
    storms = [wl for wl in workloads if wl.storm and "bootlogd" in summ[wl.name]]
    if storms:
        parts, ok = [], True
        for wl in storms:
            d = summ[wl.name]
            ok &= d["bootlogd"]["storm_min_argv_pct"] == 100.0
            others = [f"{rc} {fmt_pct(d[rc]['storm_argv_pct'])}" for rc in RECORDERS[1:] if rc in d]
            parts.append(f"{wl.name} {fmt_pct(d['bootlogd']['storm_min_argv_pct'])}"
                         + (f" ({', '.join(others)})" if others else ""))
        out.append(("C1", ok, "exact argv for every storm exec with the capture, worst round: " + ", ".join(parts)))
        tot = {rc: (sum(summ[wl.name][rc]["storm_total_other"] for wl in storms if rc in summ[wl.name]),
                    sum(summ[wl.name][rc]["storm_total_execs"] for wl in storms if rc in summ[wl.name]))
               for rc in RECORDERS if any(rc in summ[wl.name] for wl in storms)}
        ok = all(tot[rc][0] == 0 for rc in BOOTLOGDS if rc in tot)
        out.append(("C2", ok, "storm execs shown with another process's argv or comm, all rounds: "
                    + ", ".join(f"{rc} {o}/{n}" for rc, (o, n) in tot.items())))
    parts, ok = [], True
    for rc in BOOTLOGDS:
        ds = [summ[w][rc] for w in summ if rc in summ[w]]
        if not ds:
            continue
        lost = max(d["lost"] for d in ds)
        unknown = max(d["lost_unknown"] for d in ds)
        dropped = sum(sum(d["execargs_lost_rounds"]) for d in ds)
        ok &= lost == 0 and unknown == 0 and dropped == 0
        parts.append(f"{rc} lost {lost} events (+{unknown} LOST of unknown size), exec-args-dropped {dropped}")
    out.append(("C3", ok, "nothing lost, all workloads and rounds: " + "; ".join(parts)))
    # Costs: every storm child that exited has its cost record (bootlogd with taskstats on).
    parts, ok = [], True
    for wl in storms:
        for rc in ("bootlogd", "bootlogd-proc"):
            d = summ[wl.name].get(rc)
            if not d:
                continue
            ok &= d["storm_cost_short"] == 0 and d["storm_min_costs"] > 0
            parts.append(f"{wl.name} {rc} {d['storm_min_costs']}/{d['storm_min_exits']}")
    if parts:
        out.append(("C4", ok, "storm exits with their cost record, worst round: " + ", ".join(parts)))
    return out


# ---------------------------------------------------------------- main

def find_tools(args):
    build = args.build or os.path.join(TOP, "build")
    tools = {
        "bootlog": os.environ.get("BOOTLOG") or os.path.join(build, "src/bootlog/bootlog"),
        "bootlogd": os.environ.get("BOOTLOGD") or os.path.join(build, "src/bootlogd/bootlogd"),
        "storm_tagged": os.environ.get("STORM_TAGGED") or os.path.join(build, "tests/helpers/storm-tagged"),
        "make_fixture": os.environ.get("MAKE_FIXTURE") or os.path.join(build, "tests/helpers/make-fixture"),
    }
    if args.build:
        tools = {k: os.path.join(build, v) for k, v in {
            "bootlog": "src/bootlog/bootlog", "bootlogd": "src/bootlogd/bootlogd",
            "storm_tagged": "tests/helpers/storm-tagged", "make_fixture": "tests/helpers/make-fixture"}.items()}
    for k, v in tools.items():
        if not os.access(v, os.X_OK):
            sys.exit(f"harness: {k} not found at {v} (set ${k.upper()} or --build)")
    # The argv capture's loader, beside bootlogd in a build tree (bootlogd starts it; installed, it
    # finds it in libexecdir).
    loader = os.path.join(os.path.dirname(tools["bootlogd"]), "bootlog-execargs")
    if not os.environ.get("BOOTLOG_EXECARGS_LOADER") and os.access(loader, os.X_OK):
        os.environ["BOOTLOG_EXECARGS_LOADER"] = loader
    return tools


def ensure_forkstat():
    if shutil.which("forkstat"):
        return True
    if shutil.which("apt-get"):
        log("forkstat is missing: installing it from Debian (apt-get install forkstat)")
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "forkstat"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return shutil.which("forkstat") is not None


def on_sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small workloads, one round; checks counts only (CI)")
    ap.add_argument("--rounds", type=int, help="rounds of A B C (default 5, quick 1)")
    ap.add_argument("--storm-n", type=int, help="children per storm (default 20000, quick 2000)")
    ap.add_argument("--read-n", type=int, help="processes in the read fixture (default 1000000, quick 20000)")
    ap.add_argument("--read-rounds", type=int, help="timed runs of each read command (default 5, quick 1)")
    ap.add_argument("--no-forkstat", action="store_true", help="leave forkstat out")
    ap.add_argument("--json", default="bench-results.json", help="where to write all figures")
    ap.add_argument("--build", help="the build directory (default: $BOOTLOG etc., else ./build)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--expect-capture", action="store_true",
                    help="fail if bootlogd does not capture argv in the kernel while the kernel has BTF")
    args = ap.parse_args()

    if os.geteuid() != 0:
        print("harness: needs root (the proc connector needs CAP_NET_ADMIN)", file=sys.stderr)
        print("1..0 # SKIP needs root")
        sys.exit(77)
    rounds = args.rounds or (1 if args.quick else 5)
    n = args.storm_n or (2000 if args.quick else 20000)
    read_n = args.read_n or (20000 if args.quick else 1_000_000)
    read_rounds = args.read_rounds or (1 if args.quick else 5)
    retries = 0 if args.quick else RETRIES  # the smoke run checks counts, not times
    tools = find_tools(args)
    for prog in ("zstd", "nice", "gcc"):
        if not shutil.which(prog):
            sys.exit(f"harness: {prog} is missing (tests/deps.sh installs it)")
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("harness: /usr/bin/time is missing (Debian package 'time'; tests/deps.sh installs it)")
    have_fk = not args.no_forkstat and ensure_forkstat()
    if not have_fk and not args.no_forkstat:
        log("forkstat is not installed: its columns are left out")

    tmp = tempfile.mkdtemp(prefix="bootlog-bench-", dir="/var/tmp")
    static = make_static_true(tmp)
    # GNU true given exactly one argument sets up its locale to look for --help or --version (some
    # 35% more time per child than without): with a fixed argument before the tag it does not, and
    # the storm costs what the plain /bin/true storm does.
    true_argv = ["/bin/true", "storm"]
    storm = tools["storm_tagged"]

    def storm_cmd(p, prog):
        return [storm, "-n", str(n), "-p", str(p), *prog]

    workloads = [
        Workload("storm-p2", storm_cmd(2, true_argv), storm={"n": n, "prog": true_argv, "comm": "true"}),
        Workload("storm-p4", storm_cmd(4, true_argv), storm={"n": n, "prog": true_argv, "comm": "true"}),
    ]
    if static:
        workloads.append(Workload("static-p2", storm_cmd(2, [static]),
                                  storm={"n": n, "prog": [static], "comm": "st-true"},
                                  describe=f"storm-tagged -n {n} -p 2 st-true (gcc -static, "
                                  "int main(){return 0;})"))
    workloads.append(Workload("boot", ["sh", os.path.join(HERE, "workload-boot.sh"), "@WORKDIR@"],
                              describe="workload-boot.sh (rc stages, coreutils/sed/awk, 5 double-forked daemons)"))
    workloads.append(Workload("starved-p4", storm_cmd(4, true_argv),
                              storm={"n": n, "prog": true_argv, "comm": "true"}, nice=19))
    recorders = [Recorder, Bootlogd, BootlogdProc, BootlogdNoCost] + ([Forkstat] if have_fk else [])

    info = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "command": " ".join([os.path.relpath(sys.argv[0], TOP) if sys.argv[0].startswith(TOP) else sys.argv[0],
                             *sys.argv[1:]]),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": open("/proc/loadavg").read().split()[:3],
        "rounds": rounds, "storm_n": n,
        "forkstat": subprocess.run(["forkstat", "-h"], capture_output=True, text=True).stdout.split("\n")[0]
        if have_fk else None,
    }
    log(f"bench: {rounds} rounds x {len(workloads)} workloads x {len(recorders)} (none, "
        f"{', '.join(r.name for r in recorders[1:])}), storms of {n}; scratch in {tmp}")
    results = []
    discarded = []
    failures = []
    capture_off = set()  # why bootlogd's default mode read argv from /proc
    kernel = None
    try:
        for rnd in range(rounds):
            for wl in workloads:
                # One A B C group; measured again (up to RETRIES times) if another program used the
                # CPUs meanwhile, so that a disturbed group does not make the figures.
                for attempt in range(retries + 1):
                    group = []
                    for rc in recorders:
                        tag = f"r{rnd}.{wl.name}.{rc.name}"
                        res = run_once(tools, wl, rc, tmp, tag)
                        group.append(res)
                        log(f"round {rnd + 1}/{rounds} {wl.name:10} {rc.name:13} {res['wall_s']:7.3f} s"
                            f"  other CPU {100 * res['foreign_cpu_share']:4.1f}%")
                    if attempt == retries or all(r["foreign_cpu_share"] <= DISTURBED for r in group):
                        break
                    log(f"round {rnd + 1}/{rounds} {wl.name}: another program used the CPUs, measuring again")
                    for res in group:
                        if "_file" in res:
                            os.unlink(res.pop("_file"))
                            res.pop("_kind")
                        discarded.append(res)
                for res in group:
                    results.append(res)
                    if res["workload_rc"] != 0:
                        failures.append(f"{res['tag']}: the workload failed ({res['workload_rc']}): "
                                        f"{res.get('workload_stderr', '')[-500:]}")
        log("bench: the capture's kernel side (bpftool)")
        try:
            kernel = probe_kernel(tools, tmp, storm_cmd(2, true_argv), n, 1 if args.quick else 5)
        except (OSError, RuntimeError, ValueError) as e:
            log(f"bench: could not measure the capture's kernel side: {e}")
            kernel = None
        log("bench: bootlog read throughput")
        read = read_throughput(tools, tmp, read_n, read_rounds)
        log("bench: reading the recordings and logs back")
        byname = {wl.name: wl for wl in workloads}
        for res in results:
            if "_file" not in res:
                continue
            wl = byname[res["workload"]]
            analyse_run(tools, wl, res)
            a, tag = res["analysis"], res["tag"]
            msg = f"{tag:28} {a['fee_events']:6} fork/exec/exit"
            if res["recorder"] in BOOTLOGDS:
                who = f"{tag}: {res['recorder']}"
                bpf = res["capture"] == "bpf"
                msg += f", lost {a['lost_count']}, argv {'in the kernel' if bpf else 'from /proc'}"
                # END counts the capture's dropped records too: they are no lost events.
                end_lost = (a["end_lost"] or 0) - a["execargs_lost"]
                if a["lost_count"] or a["lost_unknown"] or end_lost:
                    failures.append(f"{who} lost events: {a['lost_count']} "
                                    f"(+{a['lost_unknown']} records of unknown size; END says {a['end_lost']}, "
                                    f"{a['execargs_lost']} of them exec-args-dropped)")
                if a["execargs_lost"]:
                    msg += f", exec-args-dropped {a['execargs_lost']}"
                    failures.append(f"{who}: the capture dropped {a['execargs_lost']} exec records "
                                    f"({a['execargs_lost_records']} LOST events)")
                if res["exit_code"] != 0:
                    failures.append(f"{who} exited {res['exit_code']}: {res['summary']}")
                if res["recorder"] == "bootlogd" and not bpf:
                    capture_off.add(res.get("capture_off_reason") or "no reason given")
                if wl.storm:
                    st = a["storm"]
                    sh = st["shares"]
                    msg += (f", storm {st['forks']}/{st['execs']}/{st['exits']} of {wl.storm['n']}, "
                            f"exact argv {sh['argv']}, other's {sh['other']}")
                    if not st["forks"] == st["execs"] == st["exits"] == wl.storm["n"]:
                        failures.append(f"{who} recorded {st['forks']} forks, {st['execs']} execs, "
                                        f"{st['exits']} exits of {wl.storm['n']} storm children")
                    if sh["other"]:
                        failures.append(f"{who} showed {sh['other']} storm execs with another process's "
                                        "argv or comm")
                    if bpf and sh["argv"] != wl.storm["n"]:
                        failures.append(f"{who}: exact argv for {sh['argv']} of {wl.storm['n']} storm execs "
                                        "with the capture on")
                    msg += f", costs {st['costs']}"
                    if res["recorder"] != "bootlogd-nocost" and st["costs"] != st["exits"]:
                        failures.append(f"{who}: cost records for {st['costs']} of {st['exits']} storm exits")
                    if res["recorder"] == "bootlogd-nocost" and st["costs"]:
                        failures.append(f"{who}: {st['costs']} cost records with --no-cost")
            elif wl.storm:
                st = a["storm"]
                msg += (f", storm execs/exits logged {st['execs']}/{st['exits']} of {wl.storm['n']}, "
                        f"own argv {st['shares']['argv']}, other's {st['shares']['other']}")
            log(msg)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    summ = summarise(results, workloads, ["none"] + [r.name for r in recorders[1:]])
    print(f"bootlog benchmarks, {info['date']}, kernel {info['kernel']}, {info['cpus']} CPUs, "
          f"{rounds} interleaved rounds; forkstat: {info['forkstat'] or 'not run'}")
    print(f"command: {info['command']}")
    print_table(summ, workloads, read, kernel)
    if capture_off:
        btf = os.path.exists("/sys/kernel/btf/vmlinux")
        print(f"NOTE: bootlogd did not capture argv in the kernel: {'; '.join(sorted(capture_off))}\n")
        if args.expect_capture and btf:
            failures.append("bootlogd did not capture argv in the kernel although it was built to and the "
                            f"kernel has BTF: {'; '.join(sorted(capture_off))}")
    disturbed = [r["tag"] for r in results if r["foreign_cpu_share"] > DISTURBED]
    if discarded:
        print(f"{len(discarded)} runs measured again: another program used more than "
              f"{100 * DISTURBED:.0f}% of the CPUs meanwhile (kept in the JSON file as discarded_runs).")
    if disturbed:
        print(f"WARNING: other programs used more than {100 * DISTURBED:.0f}% of the CPUs during "
              f"{len(disturbed)} of {len(results)} runs ({', '.join(disturbed[:6])}"
              f"{', ...' if len(disturbed) > 6 else ''}): measure again on a quiet machine.\n")
    print("Targets (1-6: issue 6; C1-C3: the in-kernel argv capture):")
    vs = verdicts(summ, workloads, read)
    for num, ok, txt in vs:
        print(f"  {str(num):3} {'MET   ' if ok else 'MISSED'} {txt}")
    if not read["summary"]["tree"]["ok"] or not read["summary"]["export-json"]["ok"]:
        failures.append("bootlog tree or export failed on the read fixture")
    with open(args.json, "w") as f:
        json.dump({"info": info, "summary": summ, "read": read, "kernel": kernel,
                   "targets": [{"target": str(k), "met": ok, "measured": t} for k, ok, t in vs],
                   "runs": results, "discarded_runs": discarded, "failures": failures}, f, indent=1)
    print(f"\nAll figures: {args.json}")
    if failures:
        print("\nFAILED:")
        for f in failures:
            print(f"  {f}")
        sys.exit(1)


if __name__ == "__main__":
    main()
