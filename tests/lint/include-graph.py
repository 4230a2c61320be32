#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The include graph of src/, checked for cycles and for calls up the layers.

A module is a .c file and its header of the same name in one directory
(src/bootlog/table.c and table.h); a header without a .c of its own is a
module by itself (macro.h; export-shared.h, what a file family shares),
except MODULE-internal.h, which is part of MODULE (enrich-internal.h). Module A depends on module B when a file
of A includes B's header, or when A calls a function that B defines (so a
header declaring another file's functions hides nothing). The test fails when

  - the dependencies form a cycle (A needs B, and B, through others, needs A):
    each module must be readable, testable and linkable below the ones that
    use it;
  - a layer reaches up: src/basic/ may include only src/basic/, src/core/
    only src/basic/ and src/core/ (and the BPF program's shared record
    header), and neither program's directory includes the other's;
  - an #include "..." names no file in src/ or the build's generated headers.

Prints TAP. Usage: include-graph.py SRC_DIR
"""
import os
import re
import sys

# Which directories a directory's files may include from.
LAYERS = {
    "basic": {"basic"},
    "core": {"basic", "core"},
    "core/bpf": {"core/bpf", "core"},
    "bootlogd": {"basic", "core", "bootlogd"},
    "bootlog": {"basic", "core", "bootlog"},
}
# Made by the build, not in the source tree.
GENERATED = {"config.h", "execargs.skel.h"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# A function definition at the start of a line: "int foo(...)" or "char *foo(...)" with the body's brace on
# a line of its own, as .clang-format lays them out; static ones are private to their file.
DEFINITION = re.compile(r"^(?!static\b)[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\([^;{]*?\)\s*\n\{", re.M)
CALL = re.compile(r"\b([A-Za-z_]\w*)\b")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\\n])*"')


def sources(src):
    for root, _, files in os.walk(src):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(root, f), src)


def module_of(path, files):
    base = os.path.splitext(path)[0]
    if path.endswith("-internal.h") and base[: -len("-internal")] + ".c" in files:
        return base[: -len("-internal")]
    return base


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../src")
    files = sorted(sources(src))
    by_dir = {}
    for f in files:
        by_dir.setdefault(os.path.dirname(f), {})[os.path.basename(f)] = f

    fileset = set(files)
    problems = []
    edges = {}
    texts = {}
    defined_in = {}
    for f in files:
        with open(os.path.join(src, f), encoding="utf-8") as fh:
            texts[f] = fh.read()
        if f.endswith(".c") and not f.startswith("core/bpf/"):
            for fn in DEFINITION.findall(COMMENT.sub("", texts[f])):
                if fn != "main":
                    defined_in.setdefault(fn, []).append(module_of(f, fileset))
    for f in files:
        d = os.path.dirname(f)
        mod = module_of(f, fileset)
        edges.setdefault(mod, set())
        text = texts[f]
        if f.endswith(".c"):
            for fn in set(CALL.findall(STRING.sub('""', COMMENT.sub("", text)))):
                # Each program defines its own help(), parse_argv(), ...: a name is looked up where
                # this file's layer may link.
                for owner in defined_in.get(fn, ()):
                    if owner != mod and os.path.dirname(owner) in LAYERS.get(d, {d}):
                        edges[mod].add(owner)
        for name in INCLUDE.findall(text):
            if name in GENERATED:
                continue
            if "/" in name:
                rel = os.path.normpath(os.path.join(d, name))
                if rel in fileset:
                    by_dir.setdefault(d, {})[name] = rel
            # The compiler looks beside the including file first, then in the
            # include directories; among ours a name is unique per layer.
            if name in by_dir.get(d, {}):
                target = by_dir[d][name]
            else:
                found = [by_dir[x][name] for x in sorted(LAYERS.get(d, ())) if name in by_dir.get(x, {})]
                if not found:
                    problems.append(f'{f}: includes "{name}", which {d or "."}/ may not use or does not exist')
                    continue
                target = found[0]
            td = os.path.dirname(target)
            if td not in LAYERS.get(d, {d}):
                problems.append(f"{f}: includes {target}, a layer {d}/ must not depend on")
            tm = module_of(target, fileset)
            if tm != mod:
                edges[mod].add(tm)

    # Tarjan's strongly connected components: any with two or more modules is a cycle.
    index, low, stack, on_stack, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)

    def cycle_path(comp):
        # One concrete loop through the component, for the message.
        members = set(comp)
        start = comp[0]
        path, seen = [start], {start}
        v = start
        while True:
            nxt = sorted(w for w in edges[v] if w in members)
            back = [w for w in nxt if w == start]
            if back and len(path) > 1:
                return path + [start]
            unseen = [w for w in nxt if w not in seen]
            if not unseen:
                return path + [nxt[0]]
            v = unseen[0]
            seen.add(v)
            path.append(v)

    for comp in comps:
        problems.append("include cycle: " + " -> ".join(cycle_path(comp)) + f" (the cycle's modules: {', '.join(comp)})")

    print("1..2")
    n_edges = sum(len(e) for e in edges.values())
    layer = [p for p in problems if not p.startswith("include cycle")]
    cycles = [p for p in problems if p.startswith("include cycle")]
    for p in layer:
        print("# " + p)
    print(("not ok" if layer else "ok") + f" 1 - every include of {len(files)} files resolves within its layer")
    for p in cycles:
        print("# " + p)
    print(("not ok" if cycles else "ok") + f" 2 - no cycle among {len(edges)} modules ({n_edges} dependencies)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
