# SPDX-License-Identifier: GPL-2.0
"""The series under the base's patches directory, and their branches in
its kernel tree (scripts/apply-series applies each as branch NAME, and
every series in turn as branch "all")."""

import fnmatch
import glob
import os
import re

from .proc import run


def git(s, *args, cwd=None):
    """git in the base's kernel tree (or in cwd, one of its worktrees);
    its output. A failure ends the gate."""
    return run(["git"] + list(args), cwd=cwd or s.tree, check=True)[1]


def checkout(s, worktree, rev):
    """Put worktree on rev, detached, whatever it had."""
    git(s, "checkout", "-q", "-f", "--detach", rev, cwd=worktree)


def apply(s, branch):
    """Apply the series (or "all") as its branch and worktree."""
    run([s.script("apply-series"), branch], check=True, env=s.env())


def _listed(path):
    """The lines of path, without comments and blank lines."""
    with open(path) as f:
        return [line.split("#")[0].strip() for line in f if line.split("#")[0].strip()]


def names(s, wanted=()):
    """The series (those of wanted, if any), in the order branch "all"
    stacks them (patches/stack, then name order: scripts/lib.sh,
    stack_order)."""
    found = sorted(os.path.basename(os.path.dirname(p))
                   for p in glob.glob(os.path.join(s.patches, "*", "series")))
    stack = os.path.join(s.patches, "stack")
    listed = _listed(stack) if os.path.exists(stack) else []
    found = [n for n in listed if n in found] + [n for n in found if n not in listed]
    return [n for n in found if not wanted or n in wanted]


def patch_files(s, name):
    """The series' patches, as its series file lists them."""
    return _listed(os.path.join(s.patches, name, "series"))


def cover_letter(s, name):
    """The series' cover letter, or None."""
    cover = sorted(glob.glob(os.path.join(s.patches, name, "0000-*.patch")))
    return cover[0] if cover else None


def touched(s, name, pattern="*", added=False):
    """The files the series changes (added: adds) that match pattern."""
    files = git(s, "diff", "--name-only", *(["--diff-filter=A"] if added else []),
                "%s..%s" % (s.base, name)).split()
    return [f for f in files if fnmatch.fnmatch(f, pattern)]


def changed_lines(s, path, branch):
    """The line numbers of path in branch that the series added or changed."""
    lines = set()
    diff = git(s, "diff", "-U0", "%s..%s" % (s.base, branch), "--", path)
    for m in re.finditer(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", diff, re.M):
        start, count = int(m.group(1)), int(m.group(2) or 1)
        lines.update(range(start, start + count))
    return lines


def commits(s):
    """The commits of "all" as [sha, subject]: every series in turn, as
    names() orders them."""
    return [line.split(" ", 1) for line in
            git(s, "log", "--reverse", "--format=%H %s", "%s..all" % s.base).splitlines()]


def commits_by_series(s):
    """{series: its commits of "all"}."""
    found, i = {}, 0
    every = commits(s)
    for n in names(s):
        k = len(patch_files(s, n))
        found[n] = every[i:i + k]
        i += k
    return found
