#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bootlog plot on recordings made by bootlog record: the SVG is well-formed
XML with exactly one bar per process of the recording, the known commands
in its tooltips, each bar coloured by how its process ended; with the
recorded costs (taskstats), a busy process's bar darker than an idle one's,
CPU time and I/O in the tooltips and a legend for the shading, none of it
without; an argv that holds an escape sequence, markup, a newline and
invalid UTF-8 still gives well-formed XML; and the SVG renders
(rsvg-convert, from librsvg2-bin)."""

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

from lib import Tap, need_root, bootlog, export, tmpdir

SVG = "{http://www.w3.org/2000/svg}"
tap = Tap()
need_root(tap)
d = tmpdir()


def model_processes(events):
    """The processes of a recording as bootlog's model counts them: every
    snapshot and every fork of a process (pid == tid), less the snapshots
    that only repeat a fork queued while /proc was read, plus what was seen
    only by a later event (its fork lost, or before the snapshot)."""
    live = {}  # pid -> {"fork": bool, "snap": bool, "start": ns}
    n = 0

    def placeholder(pid):
        nonlocal n
        if pid > 0 and pid not in live:
            live[pid] = {"fork": False, "snap": False, "start": 0}
            n += 1

    for e in events:
        t, pid = e["type"], e.get("pid", 0)
        if t == "snapshot" and pid > 0:
            p = live.get(pid)
            start = e.get("start_ns") or 0
            if p and ((not p["fork"] and not p["snap"] and p["start"] == 0)
                      or start == 0 or abs(p["start"] - start) <= 20_000_000):
                p["snap"] = True
                continue
            live[pid] = {"fork": False, "snap": True, "start": start}
            n += 1
        elif t == "fork" and pid > 0:
            if e["tid"] != pid:
                placeholder(pid)
                continue
            placeholder(e["parent_pid"])
            p = live.get(pid)
            if p and p["snap"] and not p["fork"] and abs(p["start"] - e["ts_ns"]) <= 20_000_000:
                p["fork"] = True
                continue
            live[pid] = {"fork": True, "snap": False, "start": e["ts_ns"]}
            n += 1
        elif t in ("exec", "uid", "coredump") or (t == "comm" and e["tid"] == pid):
            placeholder(pid)
        elif t == "exit" and pid > 0 and e["tid"] == pid:
            placeholder(pid)
            live.pop(pid, None)
    return n


def parse(path, what):
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as err:
        tap.ok(False, f"{what}: the SVG is well-formed XML", err)
        return None


def bars(root):
    return [el for el in root.iter(SVG + "rect") if "bar" in el.get("class", "").split()]


def bar_titles(root):
    """(tooltip, bar class) for each process row."""
    out = []
    for g in root.iter(SVG + "g"):
        if g.get("class") != "p":
            continue
        title = g.find(SVG + "title")
        bar = [el for el in g if "bar" in el.get("class", "").split()]
        out.append((title.text if title is not None else "", bar[0].get("class") if bar else ""))
    return out


# (1) A known workload: a shell that runs five short sleeps and one false (not the shell's builtin).
SCRIPT = "for i in 1 2 3 4 5; do sleep 0.05; done; /bin/false; exit 0"
rec = os.path.join(d, "work.bootlog")
p = bootlog("record", "-o", rec, "--", "sh", "-c", SCRIPT)
tap.ok(p.returncode == 0, "bootlog record runs the workload", p.stderr)
events = export(rec)
want = model_processes(events)

svg = os.path.join(d, "work.svg")
p = bootlog("plot", "--file", rec, "-o", svg)
tap.ok(p.returncode == 0 and os.path.getsize(svg) > 0, "bootlog plot writes the SVG", p.stderr)
root = parse(svg, "workload")
if root is not None:
    tap.ok(root.tag == SVG + "svg", "the document is an <svg> in the SVG namespace", root.tag)
    n = len(bars(root))
    tap.ok(n == want, f"one bar per process: {n} bars, {want} processes in the recording",
           f"snapshot: {sum(e['type'] == 'snapshot' for e in events)}, "
           f"forks: {sum(e['type'] == 'fork' and e['pid'] == e['tid'] for e in events)}")
    rows = bar_titles(root)
    tap.ok(len(rows) == n and all(t for t, _ in rows), "every bar has a <title> tooltip")
    mine = [(t, c) for t, c in rows if not t.splitlines()[0].endswith("]")]  # kernel threads aside
    sleeps = [(t, c) for t, c in rows if t.splitlines()[0].endswith(": sleep 0.05")]
    tap.ok(len(sleeps) == 5, "five bars for 'sleep 0.05', named in their tooltips",
           "\n".join(t.splitlines()[0] for t, _ in mine))
    tap.ok(all("exit 0" in t and "bar ok" in c for t, c in sleeps),
           "each sleep's tooltip says exit 0, and its bar is coloured 'ok'", sleeps)
    shell = [(t, c) for t, c in rows if t.splitlines()[0].endswith(f": sh -c '{SCRIPT}'")]
    tap.ok(len(shell) == 1 and shell[0][0].count("\nexec ") >= 1,
           "the shell's bar, with its exec in its tooltip", shell)
    # false exits at once: its arguments, even its name, may be gone before the recorder reads them.
    # It is the shell's child that exited 1.
    spid = re.match(r"PID (\d+):", shell[0][0]).group(1) if shell else "?"
    false = [(t, c) for t, c in rows
             if re.search(rf"^forked by {spid}(;|$)", t, re.M) and re.search(r": exit 1$", t, re.M)]
    tap.ok(len(false) == 1 and "fail" in false[0][1].split()
           and re.search(r": (/bin/false|\[false\] \(.*|\? \(.*)$", false[0][0].splitlines()[0]),
           "one bar for false: its tooltip says exit 1, its bar is coloured 'fail'", false)
    ticks = [el for el in root.iter(SVG + "path") if el.get("class") == "ex"]
    tap.ok(len(ticks) >= 7, "exec ticks are drawn (at least the shell, five sleeps and false)", len(ticks))
    texts = "".join(root.itertext())
    tap.ok("0s" in texts and "boot " in texts, "a time axis and the boot in the title", texts[:300])

# The same SVG on standard output; the other grouping; a window; the options.
p = subprocess.run([os.environ.get("BOOTLOG", "bootlog"), "plot", "--file", rec, "-o", "-"],
                   capture_output=True, timeout=120)
tap.ok(p.returncode == 0 and p.stdout == open(svg, "rb").read(), "-o - writes the same SVG to standard output",
       p.stderr)

unit_svg = os.path.join(d, "unit.svg")
p = bootlog("plot", "--file", rec, "-o", unit_svg, "--group=unit", "--width", "1000")
root = parse(unit_svg, "--group=unit") if p.returncode == 0 else None
tap.ok(root is not None and len(bars(root)) == want and root.get("width") == "1000",
       "--group=unit --width 1000: well-formed, the same bars, 1000 px wide", p.stderr)
if root is not None:
    units = [g for g in root.iter(SVG + "g") if g.get("class") == "unit"]
    tap.ok(len(units) >= 1, "--group=unit draws unit header rows", len(units))

win_svg = os.path.join(d, "window.svg")
p = bootlog("plot", "--file", rec, "-o", win_svg, "--since", "0.1s", "--until", "200ms")
root = parse(win_svg, "--since/--until") if p.returncode == 0 else None
tap.ok(root is not None and 0 < len(bars(root)) < want,
       "--since 0.1s --until 200ms: well-formed, fewer bars (only what ran then)",
       p.stderr + (str(len(bars(root))) if root is not None else ""))

for args, what in [([], "without -o"), (["-o", svg, "--group=pid"], "--group=pid"),
                   (["-o", svg, "--width", "12"], "--width 12"), (["-o", svg, "--since", "soon"], "--since soon"),
                   (["-o", svg, "extra"], "an extra argument")]:
    p = bootlog("plot", "--file", rec, *args)
    tap.ok(p.returncode == 2 and p.stderr.count("\n") == 1 and "bootlog plot" in p.stderr,
           f"{what}: usage error, exit 2, one line", p.stderr)
p = bootlog("plot", "--file", os.path.join(d, "missing.bootlog"), "-o", os.path.join(d, "x.svg"))
tap.ok(p.returncode == 1 and not os.path.exists(os.path.join(d, "x.svg")),
       "a missing recording: exit 1, no SVG written", p.stderr)

# (1b) CPU shading: an idle sleep beside a busy shell loop, with and without the costs recorded.
BUSY = "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"
COST_SCRIPT = f"sleep 0.3 & sh -c '{BUSY}'; wait"


def luminance(fill):
    r, g, b = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def shaded_rows(root):
    """(tooltip, bar class, fill from the bar's style or None) for each process row."""
    out = []
    for g in root.iter(SVG + "g"):
        if g.get("class") != "p":
            continue
        title = g.find(SVG + "title")
        bar = [el for el in g if "bar" in el.get("class", "").split()]
        m = re.fullmatch(r"fill:(#[0-9a-f]{6})", bar[0].get("style", "")) if bar else None
        out.append((title.text if title is not None else "", bar[0].get("class") if bar else "",
                    m.group(1) if m else None))
    return out


cost_rec = os.path.join(d, "cost.bootlog")
p = bootlog("record", "-o", cost_rec, "--", "sh", "-c", COST_SCRIPT)
tap.ok(p.returncode == 0, "bootlog record runs an idle sleep beside a busy loop", p.stderr)
costs = [e for e in export(cost_rec) if e["type"] == "cost"]
if not costs:
    # No taskstats (a kernel without CONFIG_TASKSTATS, or a container without its netlink family).
    tap.n += 1
    print(f"ok {tap.n} - CPU shading # SKIP the recording holds no cost records: no taskstats here", flush=True)
else:
    cost_svg = os.path.join(d, "cost.svg")
    p = bootlog("plot", "--file", cost_rec, "-o", cost_svg)
    root = parse(cost_svg, "costs") if p.returncode == 0 else None
    tap.ok(root is not None, "bootlog plot draws a recording with costs", p.stderr)
    if root is not None:
        rows = shaded_rows(root)
        sleep = [r for r in rows if r[0].splitlines()[0].endswith(": sleep 0.3")]
        busy = [r for r in rows if r[0].splitlines()[0].endswith(f": sh -c '{BUSY}'")]
        tap.ok(len(sleep) == 1 and len(busy) == 1, "the sleep's and the loop's rows are there",
               [r[0].splitlines()[0] for r in rows if not r[0].splitlines()[0].endswith("]")])
        if sleep and busy:
            (st, sc, sf), (bt, bc, bf) = sleep[0], busy[0]
            tap.ok(sf and bf and "ok" in sc.split() and "ok" in bc.split(),
                   "both bars are coloured 'ok' and carry a shade of it", (sc, sf, bc, bf))
            # Not by a fixed amount: on a loaded machine the loop gets less than a whole CPU.
            tap.ok(sf and bf and luminance(bf) < luminance(sf) - 15,
                   f"the busy loop's bar ({bf}) is clearly darker than the sleep's ({sf})", (st, bt))
            cpu = {}
            for what, t in (("sleep", st), ("loop", bt)):
                m = re.search(r"^CPU \S+ \(\S+ user, \S+ system\), (\d+)\.\d % of its \S+; "
                              r"read \S+ \S+, wrote \S+ \S+", t, re.M)
                cpu[what] = int(m.group(1)) if m else None
            tap.ok(cpu["sleep"] is not None and cpu["loop"] is not None and cpu["sleep"] < 10 and cpu["loop"] > 25,
                   f"their tooltips give CPU time and I/O: the sleep {cpu['sleep']} %, the loop {cpu['loop']} %",
                   (st, bt))
        legend = [g for g in root.iter(SVG + "g") if g.get("class") == "cpulg"]
        tap.ok(len(legend) == 1 and "CPU" in "".join(legend[0].itertext())
               and len([el for el in legend[0] if el.tag == SVG + "rect"]) == 3,
               "the legend explains the shading", legend)
        # Each shaded bar's process has a cost; a process still running at the end has none.
        unshaded = [r for r in rows if r[2] is None]
        tap.ok(all("bar run" in c or "\nCPU " not in t for t, c, _ in unshaded),
               "bars without a shade are the processes the recording has no cost for",
               [t.splitlines()[0] for t, c, _ in unshaded if "\nCPU " in t])

    nocost_rec = os.path.join(d, "nocost.bootlog")
    p = bootlog("record", "--no-cost", "-o", nocost_rec, "--", "sh", "-c", COST_SCRIPT)
    tap.ok(p.returncode == 0 and not [e for e in export(nocost_rec) if e["type"] == "cost"],
           "bootlog record --no-cost: a recording without costs", p.stderr)
    nocost_svg = os.path.join(d, "nocost.svg")
    p = bootlog("plot", "--file", nocost_rec, "-o", nocost_svg)
    root = parse(nocost_svg, "no costs") if p.returncode == 0 else None
    if root is not None:
        rows = shaded_rows(root)
        tap.ok(rows and not any(f for _, _, f in rows) and not any("\nCPU " in t for t, _, _ in rows)
               and not [g for g in root.iter(SVG + "g") if g.get("class") == "cpulg"],
               "without costs: no shading, no CPU line in the tooltips, no shading legend",
               [r for r in rows if r[2]][:3])
    else:
        tap.ok(False, "bootlog plot draws a recording without costs", p.stderr)

# (2) A hostile argv: an escape sequence, markup, an ampersand, quotes, a newline, invalid UTF-8, other
# control characters, a C1 control and U+FFFF. The shell lives while sleep runs: its argv is read.
nasty_rec = os.path.join(d, "nasty.bootlog")
nasty = [b"/bin/sh", b"-c", b"sleep 0.2", b"\x1b[2J", b"<script>alert(1)</script>", b"a&b \"q\" 'q'",
         b"line1\nline2", b"bad\xff\xfe\xc3utf8", b"\x07\x7f\xc2\x85", b"\xef\xbf\xbf"]
p = subprocess.run([os.environ.get("BOOTLOG", "bootlog").encode(), b"record", b"-o", nasty_rec.encode(), b"--",
                    *nasty], capture_output=True, timeout=120)
tap.ok(p.returncode == 0, "bootlog record runs a shell with a hostile argv", p.stderr)
nasty_svg = os.path.join(d, "nasty.svg")
p = bootlog("plot", "--file", nasty_rec, "-o", nasty_svg)
tap.ok(p.returncode == 0, "bootlog plot draws it", p.stderr)
root = parse(nasty_svg, "hostile argv") if p.returncode == 0 else None
if root is not None:
    raw = open(nasty_svg, "rb").read()
    tap.ok(True, "hostile argv: the SVG is well-formed XML")
    try:
        raw.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    tap.ok(utf8, "the SVG is valid UTF-8")
    tap.ok(not any(b in raw for b in (b"\x1b", b"\x07", b"\x7f", b"\xc2\x85", b"\xef\xbf\xbf")),
           "no control character or non-character reaches the file")
    tap.ok(not [el for el in root.iter() if el.tag.endswith("script")], "no <script> element: the markup is text")
    rows = bar_titles(root)
    mine = [t for t, _ in rows if "/bin/sh -c 'sleep 0.2' " in t.splitlines()[0]
            and "bootlog" not in t.splitlines()[0]]
    tap.ok(len(mine) == 1, "the shell's row is there",
           [t.splitlines()[0] for t, _ in rows if not t.splitlines()[0].endswith("]")])
    if mine:
        first = mine[0].splitlines()[0]
        tap.ok(all(s in first for s in ["\\e[2J", "<script>alert(1)</script>", "a&b", "line1\\nline2",
                                        "bad\\xff\\xfe\\xc3utf8"]),
               "its argv is shown escaped, as in the text views", first)
    labels = [el.text or "" for el in root.iter(SVG + "text") if el.get("class") == "l"]
    tap.ok(any("\\e[2J" in s for s in labels) and not any("\n" in s for s in labels),
           "the row label is escaped too, and on one line")

# (3) It renders.
png = os.path.join(d, "work.png")
rsvg = shutil.which("rsvg-convert")
if rsvg:
    for src, what in [(svg, "workload"), (unit_svg, "--group=unit"), (nasty_svg, "hostile argv")]:
        out = png + "." + os.path.basename(src) + ".png"
        p = subprocess.run([rsvg, "-o", out, src], capture_output=True, text=True, timeout=120)
        ok = p.returncode == 0 and os.path.exists(out) and os.path.getsize(out) > 1000
        if ok:
            with open(out, "rb") as f:
                ok = f.read(8) == b"\x89PNG\r\n\x1a\n"
        tap.ok(ok, f"rsvg-convert renders the {what} SVG to a non-empty PNG", p.stderr)
elif os.environ.get("CI"):
    tap.ok(False, "rsvg-convert is installed (tests/deps.sh installs librsvg2-bin)")
else:
    print("# rsvg-convert not found (librsvg2-bin): rendering not checked", flush=True)

shutil.rmtree(d, ignore_errors=True)
tap.done()
