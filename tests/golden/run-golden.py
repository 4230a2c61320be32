#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Golden-output tests: what each view prints for recordings made by
tests/helpers/make-fixture (fixed pids, times and header, so the same
anywhere), compared byte for byte with tests/golden/expected/NAME.out.

Golden files change only deliberately. When a view's output changes on
purpose, rewrite them with

    BOOTLOG_GOLDEN_UPDATE=1 meson test -C BUILD golden

and review `git diff tests/golden/expected/` as part of the change: the diff
is what a user will see differently. A mismatch prints a unified diff as TAP
diagnostics.

A row marked pending is for a view that is still being written: it is
reported as skipped. Its owner fixes the argv, removes `pending`, runs the
update above and checks the new file in.

Beside the golden files: the fixtures are deterministic, the argv that holds
an escape sequence, a newline and invalid UTF-8 is shown escaped (never raw)
in every text view, and export keeps it exact as JSON.

test-locale.py runs every row again under decimal-comma locales and
compares with C: a new row is checked there too.

Environment: BOOTLOG and MAKE_FIXTURE (the programs under test); the views
run with TZ=UTC, LC_ALL=C.UTF-8, COLUMNS=100, no NO_COLOR, and with the
fixtures' directory as working directory, so that paths in the output are
the relative ones given here.
"""

import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected")
BOOTLOG = os.environ.get("BOOTLOG", "bootlog")
MAKE_FIXTURE = os.environ.get("MAKE_FIXTURE", "make-fixture")
UPDATE = os.environ.get("BOOTLOG_GOLDEN_UPDATE", "") not in ("", "0")

SEED_BOOT = "5eedb0070001400080000000000000a1"
SEED2_BOOT = "5eedb0070001400080000000000000a2"
SEED_RC_PID = "310"
STORM_N = 2000
STORM_BIG_N = 20000

# name: (bootlog argv, options). Options:
#   status   expected exit status (default 0)
#   env      variables to set for this row
#   output   a file the command writes (relative to the fixtures): compared instead of stdout
#   pending  who is adding the view: the row is skipped until its owner enables it
GOLDEN = {
    "tree": (["tree", "--file", "seed.bootlog"], {}),
    "tree-pid": (["tree", "--file", "seed.bootlog", "--pid", SEED_RC_PID], {}),
    "tree-ascii": (["tree", "--file", "seed.bootlog"], {"env": {"LC_ALL": "C"}}),
    "tree-seed2": (["tree", "--file", "seed2.bootlog"], {}),
    "tree-boot-offset": (["tree", "-D", "boots", "-b", "-1", "--pid", "400"], {}),
    "why-sendmail": (["why", "--file", "seed.bootlog", "sendmail"], {}),
    "why-puppet": (["why", "--file", "seed.bootlog", "puppet"], {}),
    "why-escape": (["why", "--file", "seed.bootlog", "printf"], {}),
    "why-no-match": (["why", "--file", "seed.bootlog", "no-such-program"], {"status": 1}),
    "events": (["events", "--file", "seed.bootlog", "--utc"], {}),
    "export-json": (["export", "--file", "seed.bootlog", "--format", "json"], {}),
    "verify": (["verify", "--file", "seed.bootlog"], {}),
    "verify-storm": (["verify", "--file", "storm.bootlog"], {}),
    "boots": (["boots", "-D", "boots", "--utc"], {}),
    # Not `boots --json`: it gives file sizes, which depend on the zstd version.
    #
    # Views being added for issue 4; each owner enables its rows.
    "tree-color": (["tree", "--file", "seed.bootlog", "--color=always"], {}),
    "tree-json": (["tree", "--file", "seed.bootlog", "--json"], {}),
    "tree-failed": (["tree", "--file", "seed.bootlog", "--failed"], {}),
    "tree-collapse": (["tree", "--file", "seed2.bootlog", "--pid", "417"], {}),
    "why-json": (["why", "--file", "seed.bootlog", "--json", "sendmail"], {}),
    "events-filter": (["events", "--file", "seed.bootlog", "--utc", "-e", "exec,exit"], {}),
    "tree-narrow": (["tree", "--file", "seed.bootlog"], {"env": {"COLUMNS": "60", "LC_ALL": "C"}}),
    "tree-filter": (["tree", "--file", "seed.bootlog", "--comm", "sudo", "--since", "0.2", "--depth", "4"], {}),
    "tree-no-collapse": (["tree", "--file", "seed.bootlog", "--pid", "400", "--no-collapse", "--depth", "1"], {}),
    "tree-no-match": (["tree", "--file", "seed.bootlog", "--comm", "no-such-program"], {"status": 1}),
    "why-regex": (["why", "--file", "seed.bootlog", "--regex", "^(sudo|sleep)$", "--color=always"], {}),
    "events-color": (["events", "--file", "seed.bootlog", "--utc", "--pid", "400", "--color=always"], {}),
    "events-window": (["events", "--file", "seed.bootlog", "--utc", "--since", "+0.34s", "--until", "10:00:00.36",
                       "--full"], {}),
    "stats": (["stats", "--file", "seed.bootlog"], {}),
    "stats-color": (["stats", "--file", "seed.bootlog", "--color=always"], {}),
    "stats-json": (["stats", "--file", "seed.bootlog", "--json"], {}),
    "diff": (["diff", "--file", "seed.bootlog", "--file", "seed2.bootlog"], {}),
    "diff-by-argv": (["diff", "--file", "seed.bootlog", "--file", "seed2.bootlog", "--by-argv"], {}),
    "diff-json": (["diff", "--file", "seed.bootlog", "--file", "seed2.bootlog", "--json"], {}),
    "export-csv": (["export", "--file", "seed.bootlog", "--format", "csv"], {}),
    "plot": (["plot", "--file", "seed.bootlog", "-o", "seed.svg"], {"output": "seed.svg"}),
    # Issue 5: the journal export format (binary fields for the hostile argv).
    "export-journal": (["export", "--file", "seed.bootlog", "--format", "journal"], {}),
    # What each task used (COST records): the events view's lines for them, a thread's among them.
    "events-cost": (["events", "--file", "seed.bootlog", "--utc", "-e", "cost"], {}),
    # What processes used, per process and subtree, and ranked; and views of a recording without costs.
    "tree-cost": (["tree", "--file", "seed.bootlog", "--cost"], {}),
    "tree-cost-json": (["tree", "--file", "seed.bootlog", "--cost", "--json", "--pid", "311"], {}),
    "tree-cost-none": (["tree", "--file", "storm.bootlog", "--cost"], {}),
    "stats-no-cost": (["stats", "--file", "storm.bootlog", "--top", "3"], {}),
}

# Text views that show the escape-laden argv: (name, argv, pending). Without --full a view may cut the
# line (COLUMNS): then only its start, \e[2J, must be there; with --full every escape must.
ESCAPE_VIEWS = [
    ("tree", ["tree", "--file", "seed.bootlog"], None),
    ("tree --full", ["tree", "--file", "seed.bootlog", "--full"], None),
    ("why", ["why", "--file", "seed.bootlog", "printf"], None),
    ("why --full", ["why", "--file", "seed.bootlog", "--full", "printf"], None),
    ("events --full", ["events", "--file", "seed.bootlog", "--full"], None),
    # printf runs once, briefly, in both seeds: all commands, whole lines; in diff, new against the storm.
    ("stats", ["stats", "--file", "seed.bootlog", "--top", "0", "--full"], None),
    ("diff", ["diff", "--file", "storm.bootlog", "--file", "seed.bootlog", "--full"], None),
]
EVIL_ARGV = ["/usr/bin/printf", "\x1b[2J", "two\nFORGED 1 +0.000s line", "bad-\ufffd\ufffd-utf8"]


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=None):
        self.n += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {what}", flush=True)
        if not cond:
            self.failed += 1
            if detail:
                self.diag(detail)
        return cond

    def skip(self, what, why):
        self.n += 1
        print(f"ok {self.n} - {what} # SKIP {why}", flush=True)

    def diag(self, text, limit=200):
        lines = str(text).splitlines()
        for line in lines[:limit]:
            print(f"#   {line}", flush=True)
        if len(lines) > limit:
            print(f"#   ... {len(lines) - limit} more lines", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)


def child_env(extra=None):
    env = dict(os.environ)
    for k in ("NO_COLOR", "BOOTLOG_DEBUG", "LANG", "LANGUAGE"):
        env.pop(k, None)
    env.update({"TZ": "UTC", "LC_ALL": "C.UTF-8", "COLUMNS": "100"})
    env.update(extra or {})
    return env


def run(argv, cwd, env=None):
    return subprocess.run(argv, cwd=cwd, env=child_env(env), capture_output=True, timeout=300)


def text(b):
    return b.decode("utf-8", errors="backslashreplace")


def make_fixtures(tap, d):
    p = run([MAKE_FIXTURE, "seed", "seed.bootlog", "seed2", "seed2.bootlog", "storm", str(STORM_N),
             "storm.bootlog"], d)
    if not tap.ok(p.returncode == 0, "make-fixture writes seed, seed2 and storm", text(p.stderr)):
        return False
    boots = os.path.join(d, "boots")
    os.mkdir(boots)
    shutil.copy(os.path.join(d, "seed.bootlog"), os.path.join(boots, SEED_BOOT + ".bootlog"))
    shutil.copy(os.path.join(d, "seed2.bootlog"), os.path.join(boots, SEED2_BOOT + ".bootlog"))

    again = os.path.join(d, "again")
    os.mkdir(again)
    p = run([MAKE_FIXTURE, "seed", "seed.bootlog", "seed2", "seed2.bootlog"], again)
    same = p.returncode == 0 and all(
        open(os.path.join(d, f), "rb").read() == open(os.path.join(again, f), "rb").read()
        for f in ("seed.bootlog", "seed2.bootlog"))
    tap.ok(same, "make-fixture is deterministic: a second run writes the same bytes", text(p.stderr))
    return True


def golden(tap, d):
    used = set()
    for name, (argv, opt) in GOLDEN.items():
        exp_path = os.path.join(EXPECTED, name + ".out")
        used.add(name + ".out")
        what = f"golden {name}: bootlog {' '.join(argv)}"
        if opt.get("pending"):
            tap.skip(what, f"pending ({opt['pending']})")
            continue
        if opt.get("output"):
            out_file = os.path.join(d, opt["output"])
            if os.path.exists(out_file):
                os.unlink(out_file)
        p = run([BOOTLOG, *argv], d, opt.get("env"))
        want_status = opt.get("status", 0)
        if opt.get("output"):
            got = open(os.path.join(d, opt["output"]), "rb").read() if os.path.exists(
                os.path.join(d, opt["output"])) else b""
        else:
            got = p.stdout
        if p.returncode != want_status:
            tap.ok(False, what, f"exit status {p.returncode}, expected {want_status}\nstderr:\n{text(p.stderr)}")
            continue
        if UPDATE:
            os.makedirs(EXPECTED, exist_ok=True)
            old = open(exp_path, "rb").read() if os.path.exists(exp_path) else None
            if old != got:
                with open(exp_path, "wb") as f:
                    f.write(got)
            tap.ok(True, what + (" # updated" if old != got else ""))
            continue
        if not os.path.exists(exp_path):
            tap.ok(False, what, f"{exp_path} is missing: run with BOOTLOG_GOLDEN_UPDATE=1 and review it")
            continue
        want = open(exp_path, "rb").read()
        if got == want:
            tap.ok(True, what)
            continue
        diff = difflib.unified_diff(text(want).splitlines(), text(got).splitlines(),
                                    f"expected/{name}.out", "actual", lineterm="")
        tap.ok(False, what, "\n".join(diff) + (f"\nstderr:\n{text(p.stderr)}" if p.stderr else ""))

    stray = sorted(f for f in os.listdir(EXPECTED) if f not in used) if os.path.isdir(EXPECTED) else []
    tap.ok(not stray, "every expected file belongs to a row of the table", "\n".join(stray))


def escape_checks(tap, d):
    for name, argv, pending in ESCAPE_VIEWS:
        what = f"{name} shows the hostile argv escaped (\\e[2J, \\n, \\xff), never raw"
        if pending:
            tap.skip(what, f"pending ({pending})")
            continue
        p = run([BOOTLOG, *argv], d)
        out = p.stdout
        problems = []
        if p.returncode != 0:
            problems.append(f"exit status {p.returncode}: {text(p.stderr)}")
        if b"\x1b" in out:
            problems.append("a raw ESC byte (0x1b) in the output")
        wants = (rb"\e[2J", rb"two\nFORGED", rb"bad-\xff\xfe-utf8") if "--full" in argv else (rb"\e[2J",)
        for want in wants:
            if want not in out:
                problems.append(f"{text(want)} not in the output")
        stray = [line for line in out.split(b"\n") if line.lstrip().startswith(b"FORGED")]
        if stray:
            problems.append(f"a forged line: {stray!r}")
        try:
            out.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append(f"output is not UTF-8: {e}")
        tap.ok(not problems, what, "\n".join(problems))

    p = run([BOOTLOG, "events", "--file", "seed.bootlog"], d)
    tap.ok(rb"comm \e[31mred" in p.stdout, "events shows a comm event's escape sequence escaped",
           text(p.stdout)[-2000:])

    p = run([BOOTLOG, "export", "--file", "seed.bootlog", "--format", "json"], d)
    try:
        events = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()]
    except ValueError as e:
        events = []
        tap.diag(f"export is not NDJSON in UTF-8: {e}")
    argvs = [e.get("argv") for e in events if e.get("type") == "exec" and e.get("pid") == 405]
    tap.ok(argvs == [EVIL_ARGV],
           "export keeps the hostile argv exact, invalid UTF-8 bytes as U+FFFD", repr(argvs))


def storm_size(tap, d):
    """The storm fixture at its real size: what a recording of many short processes costs on disk."""
    p = run([MAKE_FIXTURE, "storm", str(STORM_BIG_N), "storm-big.bootlog"], d)
    if not tap.ok(p.returncode == 0, f"make-fixture storm {STORM_BIG_N}", text(p.stderr)):
        return
    size = os.path.getsize(os.path.join(d, "storm-big.bootlog"))
    start = time.monotonic()
    p = run([BOOTLOG, "tree", "--file", "storm-big.bootlog"], d)
    took = time.monotonic() - start
    # init, kthreadd and the recorder found running, the spawner, its children; START, 3 snapshots, the
    # spawner's fork, exec and exit, 3 events per child, END. (Identical siblings may be collapsed.)
    summary = f"\n{STORM_BIG_N + 4} processes, {3 * STORM_BIG_N + 8} events, 0 lost\n".encode()
    tap.diag(f"storm {STORM_BIG_N}: {size} bytes ({size / (3 * STORM_BIG_N):.2f} per event), "
             f"tree in {took:.2f}s")
    # About 3 bytes per event with zstd 1.5; the bound leaves room for other zstd versions.
    tap.ok(size < 8 * 3 * STORM_BIG_N, f"storm {STORM_BIG_N}: under 8 bytes per event on disk", f"{size} bytes")
    tap.ok(p.returncode == 0 and summary in p.stdout, f"tree counts all {STORM_BIG_N} processes of the storm",
           f"status {p.returncode}\n{text(p.stdout[-300:])}\n{text(p.stderr)}")


def main():
    tap = Tap()
    d = tempfile.mkdtemp(prefix="bootlog-golden-")
    try:
        if make_fixtures(tap, d):
            golden(tap, d)
            escape_checks(tap, d)
            storm_size(tap, d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    main()
