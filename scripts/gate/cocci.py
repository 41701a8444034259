# SPDX-License-Identifier: GPL-2.0
"""coccicheck on 6.1: the series' C files and headers, every semantic
patch, in one run for every series."""

import collections
import os
import re

from . import series
from .proc import run


def coccicheck_findings(s, files, cocci=None, branch="all"):
    """coccicheck's reports on `files` (paths in the worktree of `branch`),
    in one run: M= names the first file (spatch's --dir takes a file too)
    and SPFLAGS, which scripts/coccicheck puts last on spatch's command
    line, the others, which spatch checks as well. Each semantic patch then
    starts once for all the files, not once per file: a start costs about a
    second, so that drivers/virt/vmgenid.c alone takes 84 s, kernel/cpu.c
    95 s, and both in one run 99 s. Not their directories: arch/x86/kernel's
    other files would cost minutes, for reports that are dropped. `cocci`: one
    semantic patch instead of all (the gate's self-test)."""
    if not files:
        return []
    st, out = run(["make", "-s", "-C", s.src(branch), "coccicheck", "MODE=report",
                   "M=" + files[0], "SPFLAGS=" + " ".join(files[1:]),
                   "J=%d" % os.cpu_count()] + (["COCCI=" + cocci] if cocci else []))
    return ((["coccicheck failed: %s" % out.strip()[-300:]] if st else []) +
            [line for line in out.splitlines() if any(line.startswith(f + ":") for f in files)])


def cocci_files(s, name):
    return series.touched(s, name, "*.c") + series.touched(s, name, "*.h")


def split_by_file(lines, files):
    """The lines about one of files, and those about no file (a failure)."""
    return [line for line in lines if any(line.startswith(f + ":") for f in files) or
            not re.match(r"^[^:\s]+\.[ch]:", line)]


def check_coccicheck(name, ctx):
    # A report on a line the series did not add or change is pristine
    # 6.1's (a series that touches kernel/cpu.c inherits two): not a
    # finding. Running coccicheck on the pristine file instead would cost
    # minutes for kernel/cpu.c alone. The files of every series are checked
    # in one run (coccicheck_findings), in the worktree of "all", where a
    # file that one series alone touches is as that series has it; a file
    # that two series touch is checked in each one's own worktree.
    s = ctx.s
    if ctx.cocci is None:
        owners = collections.Counter(f for n in series.names(s) for f in cocci_files(s, n))
        ctx.cocci_alone = sorted(f for f in owners if owners[f] == 1)
        ctx.cocci = coccicheck_findings(s, ctx.cocci_alone)
    mine = cocci_files(s, name)
    shared = [f for f in mine if f not in ctx.cocci_alone]
    findings = []
    changed = {}
    for line in (split_by_file(ctx.cocci, mine) +
                 coccicheck_findings(s, shared, branch=name)):
        m = re.match(r"^([^:]+):(\d+):", line)
        if m:
            f, n = m.group(1), int(m.group(2))
            if f not in changed:
                changed[f] = series.changed_lines(s, f, name)
            if n not in changed[f]:
                print("  coccicheck: on a line the series did not change (6.1's own): %s"
                      % line, flush=True)
                continue
        findings.append(line)
    return findings
