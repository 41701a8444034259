# SPDX-License-Identifier: GPL-2.0
"""The checks whose upstream base variant differs from 6.1's: bisect,
sparse, W=1 and coccicheck. scripts/build-upstream built each arch's test
kernel unpatched, then every patch in turn in the same tree
($OUT/upstream/build/ARCH, from the worktree $OUT/upstream/src/walk-ARCH),
and logged each patch's build."""

import os
import re

from . import series
from .cocci import split_by_file
from .kbuild import ARCHES, beyond, for_arch
from .proc import run


def upstream_build(s, arch):
    return os.path.join(s.out, "upstream", "build", arch)


def upstream_walk(s, arch):
    return s.src("walk-" + arch)


def check_upstream_bisect(name, ctx):
    """Each patch built on its own, for each arch whose code it changes, as
    scripts/build-upstream logged it; a patch missing from a log is a
    finding (the log is of another series, or the build stopped)."""
    s = ctx.s
    findings = []
    for arch in ARCHES:
        log = os.path.join(upstream_build(s, arch), "bisect.log")
        if not os.path.exists(log):
            findings.append("%s: no %s (scripts/build-upstream %s)" % (arch, log, arch))
            continue
        seen = {}
        for line in open(log):
            seen[line.split()[0]] = line.strip()
        for sha, subject in ctx.bisect.get(name, []):
            line = seen.get(sha)
            if line is None:
                findings.append("%s: %s: not in %s" % (arch, subject, log))
            elif " FAILED " in line:
                findings.append("%s: %s" % (arch, line.split(" ", 1)[1]))
            else:
                print("  bisect: %s: %s" % (arch, line.split(" ", 1)[1]), flush=True)
    return findings


def upstream_compile_findings(name, ctx):
    """sparse and W=1 warnings in the series' C files, in each arch's test
    kernel tree, beyond what the unpatched base has on the same files: the
    walk worktree is put back on the base for the baseline, then on "all"."""
    s, kb = ctx.s, ctx.kb
    findings = {"sparse": [], "W=1": []}
    cfiles = series.touched(s, name, "*.c")
    unchecked = set(cfiles)
    for arch in ARCHES:
        build, wt = upstream_build(s, arch), upstream_walk(s, arch)
        if not os.path.exists(os.path.join(build, ".config")):
            findings["sparse"].append("%s: no test kernel tree %s" % (arch, build))
            continue
        built = [c for c in for_arch(arch, cfiles) if kb.enabled(build, c)]
        unchecked -= set(built)
        if not built:
            continue
        series.checkout(s, wt, s.base)
        old = [c for c in built if os.path.exists(os.path.join(s.tree, c))]
        had = kb.compile_warnings(arch, wt, build, old) if old else ([], [])
        series.checkout(s, wt, "all")
        got = kb.compile_warnings(arch, wt, build, built)
        for kind, g, h in zip(("sparse", "W=1"), got, had):
            findings[kind] += ["%s: %s" % (arch, w) for w in beyond(g, h)]
    for kind in findings:
        findings[kind] += ["%s: compiled in neither test kernel, not checked" % c
                           for c in sorted(unchecked)]
    return findings


def upstream_compiled_row(kind):
    """The check of one kind of upstream_compile_findings() (sparse or
    W=1), which runs once for each series."""
    def check(name, ctx):
        if name not in ctx.compiled:
            ctx.compiled[name] = upstream_compile_findings(name, ctx)
        return ctx.compiled[name][kind]
    return check


def upstream_coccicheck(kb):
    """coccicheck on every series' C files, the way 7.3 runs it on one file
    (its M= takes directories only): C=2 CHECK=scripts/coccicheck while
    compiling one file's object in an arch's test kernel tree, where the
    walk worktree is at "all", with the arch's other files in SPFLAGS (as in
    cocci.coccicheck_findings(): each semantic patch starts once for all).
    Each file is checked in the first arch that compiles it. Returns the
    report lines (paths relative to the tree), and the files neither
    compiles."""
    s = kb.s
    lines = []
    left = set(f for n in series.names(s) for f in series.touched(s, n, "*.c"))
    for arch in ARCHES:
        build, wt = upstream_build(s, arch), upstream_walk(s, arch)
        mine = [c for c in for_arch(arch, sorted(left)) if kb.enabled(build, c)]
        if not mine:
            continue
        left -= set(mine)
        series.checkout(s, wt, "all")
        # Not make -s: scripts/coccicheck is silent under it.
        st, out = run(["make", "-C", wt, "O=" + build] + kb.arch_args(arch) +
                      ["C=2", "CHECK=" + os.path.join(wt, "scripts", "coccicheck"),
                       "MODE=report",
                       "SPFLAGS=" + " ".join(os.path.join(wt, c) for c in mine[1:]),
                       mine[0][:-2] + ".o"])
        if st:
            lines.append("%s: coccicheck failed: %s" % (arch, out.strip()[-300:]))
        lines += [line.replace(wt + "/", "") for line in out.splitlines()
                  if re.match(r"^[^:\s]+\.[ch]:\d+:", line.replace(wt + "/", ""))]
    return lines, left


def check_upstream_coccicheck(name, ctx):
    """upstream_coccicheck()'s reports on the series' files. A report on a
    line the series did not change is the base's own, printed but not a
    finding."""
    s = ctx.s
    if ctx.cocci is None:
        ctx.cocci = upstream_coccicheck(ctx.kb)
    lines, unchecked = ctx.cocci
    mine = series.touched(s, name, "*.c")
    findings = []
    for line in split_by_file(lines, mine):
        m = re.match(r"^([^:]+\.[ch]):(\d+):", line)
        if m and int(m.group(2)) not in series.changed_lines(s, m.group(1), "all"):
            print("  coccicheck: on a line the series did not change (the base's own): %s"
                  % line, flush=True)
        else:
            findings.append(line)
    findings += ["%s: compiled in neither test kernel, not checked" % c
                 for c in sorted(unchecked) if c in mine]
    return findings
