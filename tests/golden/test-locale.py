#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The views print the same bytes whatever the locale, but for the glyphs its
codeset picks: every row of run-golden.py's table (and its escape views) runs
under a locale with a decimal comma and under the C locale of the same
codeset, and the two outputs (stdout or the written file, stderr, exit
status) must be identical:

    de_DE.UTF-8  against  C.UTF-8   (box drawing, "…")
    de_DE        against  C         (ISO-8859-1 and ASCII: ASCII glyphs)

A number printed with "%f", a time or size with the locale's decimal point,
or a message in the locale's language shows up as a diff.

tests/deps.sh generates the two locales. Without them the comparisons are
skipped (and say so), except under CI (CI=true), where a missing locale is a
failure.

Environment: as run-golden.py's.
"""

import difflib
import importlib.util
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("run_golden", os.path.join(HERE, "run-golden.py"))
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

# (locale under test, its C counterpart, the codeset it must have)
PAIRS = [
    ("de_DE.UTF-8", "C.UTF-8", "UTF-8"),
    ("de_DE", "C", "ISO-8859-1"),
]
# As in tests/lint/lib.sh: CI set to anything but empty, 0, false or no runs every check.
CI = os.environ.get("CI", "") not in ("", "0", "false", "no")


def views():
    """(name, argv, options) of every view to compare: the golden rows, then the escape views."""
    for name, (argv, opt) in golden.GOLDEN.items():
        if not opt.get("pending"):
            yield name, argv, opt
    for name, argv, pending in golden.ESCAPE_VIEWS:
        if not pending:
            yield f"escape {name}", argv, {}


def locale_ok(tap, name, codeset):
    """Whether the locale exists with the codeset and a decimal comma; says so either way."""
    p = subprocess.run(["locale", "charmap", "decimal_point"], env=golden.child_env({"LC_ALL": name}),
                       capture_output=True, text=True)
    got = p.stdout.split("\n")[:2] if p.returncode == 0 and not p.stderr else []
    what = f"locale {name}: codeset {codeset}, decimal comma"
    if got == [codeset, ","]:
        return tap.ok(True, what)
    said = " ".join(p.stdout.split() + p.stderr.splitlines()[:1])
    why = f"{name} is missing or not as expected (locale: {said}): run tests/deps.sh as root"
    if CI:
        tap.ok(False, what, why)
    else:
        tap.skip(what, why)
    return False


def run_view(d, argv, opt, lc_all):
    env = dict(opt.get("env", {}), LC_ALL=lc_all)
    out_file = os.path.join(d, opt["output"]) if opt.get("output") else None
    if out_file and os.path.exists(out_file):
        os.unlink(out_file)
    p = golden.run([golden.BOOTLOG, *argv], d, env)
    out = p.stdout
    if out_file:
        out = open(out_file, "rb").read() if os.path.exists(out_file) else b""
    return p.returncode, out, p.stderr


def compare(tap, d, name, argv, opt, lc, ref):
    what = f"{name} under LC_ALL={lc} as under {ref}: bootlog {' '.join(argv)}"
    got = run_view(d, argv, opt, lc)
    want = run_view(d, argv, opt, ref)
    if got == want:
        tap.ok(True, what)
        return
    detail = []
    if got[0] != want[0]:
        detail.append(f"exit status {got[0]} under {lc}, {want[0]} under {ref}")
    for label, a, b in (("output", want[1], got[1]), ("stderr", want[2], got[2])):
        if a != b:
            detail.extend(difflib.unified_diff(golden.text(a).splitlines(), golden.text(b).splitlines(),
                                               f"{label} under {ref}", f"{label} under {lc}", lineterm=""))
    tap.ok(False, what, "\n".join(detail))


def main():
    tap = golden.Tap()
    d = tempfile.mkdtemp(prefix="bootlog-locale-")
    try:
        have = {lc: locale_ok(tap, lc, codeset) for lc, _, codeset in PAIRS}
        if golden.make_fixtures(tap, d):
            for name, argv, opt in views():
                # A row that sets the locale itself (tree-ascii: C) keeps its codeset.
                pinned = opt.get("env", {}).get("LC_ALL")
                for lc, ref, _ in PAIRS:
                    if pinned and pinned != ref:
                        continue
                    if have[lc]:
                        compare(tap, d, name, argv, opt, lc, ref)
                    else:
                        tap.skip(f"{name} under LC_ALL={lc} as under {ref}", f"no locale {lc}")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    main()
