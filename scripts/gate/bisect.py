# SPDX-License-Identifier: GPL-2.0
"""The bisect check on 6.1: each commit of the series builds, in order,
for both architectures, incrementally in the test kernels' trees. A
commit that built is recorded with its configuration and not built
again."""

import os
import re
import shutil
import time

from . import series
from .kbuild import ARCHES, config_value, for_arch, object_option


def bisect_tree(s, arch):
    """The test kernel's build tree for arch, where the bisect builds."""
    return os.path.join(s.out, "build", "%s-all" % arch)


def walk_src(s, arch):
    """The worktree arch's test kernel is built from, where its bisect
    checks out each commit (scripts/lib.sh, walk_worktree): one per arch."""
    wt = s.src("walk-" + arch)
    if not os.path.isdir(wt):
        series.git(s, "worktree", "prune")
        series.git(s, "worktree", "add", "-q", "-f", "--detach", wt, "all")
    return wt


def bisect_records(s, arch):
    """The file that records the commits that built vmlinux in arch's tree,
    and the key of its configuration (the fragments' sum scripts/build-kernel
    wrote): a commit id names its whole source tree, so a build need not be
    repeated."""
    build = bisect_tree(s, arch)
    try:
        key = open(os.path.join(build, ".fragments")).read().strip()
    except OSError:
        key = None
    return os.path.join(build, "bisect.ok"), key


def uncompiled(kb, arch, files, synced=False):
    """If every file is a C file whose object's option is off in arch's
    test configuration as the checked-out commit's Kconfig resolves it,
    those options; else []. synced: the tree's .config is as make left it
    at a commit with the same Kconfig (this walk built it, and every commit
    since changed only C files or nothing arch builds), so it is read as
    it is; else olddefconfig resolves a copy in a scratch tree (about 5 s
    a commit)."""
    s = kb.s
    if not files or not all(f.endswith(".c") for f in files):
        return []
    options = [object_option(walk_src(s, arch), f) for f in files]
    if None in options:
        return []
    if synced:
        config = bisect_tree(s, arch)
    else:
        config = os.path.join(s.out, "build", "%s-kconfig" % arch)
        os.makedirs(config, exist_ok=True)
        shutil.copy(os.path.join(bisect_tree(s, arch), ".config"),
                    os.path.join(config, ".config"))
        st, _ = kb.make(arch, walk_src(s, arch), config, "olddefconfig")
        if st:
            return []
    if any(config_value(config, o) != "n" for o in options):
        return []
    return ["%s=n" % o for o in sorted(set(options))]


def bisect_walk(kb, commits, arches):
    """Build vmlinux and the modules (x86_64's vmgenid is one) at each
    commit in turn (all of make's default target at the last),
    incrementally, for each arch; return the findings."""
    s = kb.s
    findings = []
    checked_out = {}
    synced = {}
    # The last commit builds make's default target (the image too), which
    # scripts/build-kernel would build next: one make walking the tree
    # rather than two.
    tip = series.git(s, "rev-parse", "all").strip()
    for sha, subject in commits:
        files = series.git(s, "diff-tree", "--no-commit-id", "--name-only", "-r", sha).split()
        for arch in arches:
            # A patch that only touches other architectures, documentation
            # or MAINTAINERS cannot change what this architecture builds.
            if not [f for f in for_arch(arch, files)
                    if not f.startswith("Documentation/") and f != "MAINTAINERS"]:
                print("  bisect: %s: nothing %s builds changed" % (subject, arch), flush=True)
                continue
            records, key = bisect_records(s, arch)
            done = os.path.exists(records) and key and \
                "%s %s" % (sha, key) in open(records).read().splitlines()
            if done:
                print("  bisect: %s: %s built before (recorded in %s)"
                      % (subject, arch, os.path.relpath(records, s.out)), flush=True)
                synced[arch] = False
                continue
            if checked_out.get(arch) != sha:
                series.checkout(s, walk_src(s, arch), sha)
                checked_out[arch] = sha
            # A patch that only changes C files which this configuration,
            # at this commit, does not compile cannot change what it builds
            # (vmgenid's first patches on arm64, where VMGENID still needs
            # ACPI): the commit builds exactly what its parent built.
            off = uncompiled(kb, arch, files, synced.get(arch, False))
            if off:
                print("  bisect: %s: %s compiles none of it (%s)"
                      % (subject, arch, ", ".join(off)), flush=True)
                continue
            t = time.monotonic()
            st, out = kb.make(arch, walk_src(s, arch), bisect_tree(s, arch),
                              *([] if sha == tip else ["vmlinux", "modules"]))
            print("  bisect: %s: %s %s in %.0f s"
                  % (subject, arch, "FAILED" if st else "built", time.monotonic() - t),
                  flush=True)
            synced[arch] = not st
            if st:
                # The compiler's errors say what broke; make's last lines
                # (which target failed) when there are none.
                lines = out.strip().splitlines()
                why = [line for line in lines if re.search(r": (fatal )?error: ", line)][:3] \
                    or lines[-3:]
                findings.append("%s: %s build fails: %s" % (subject, arch, " | ".join(why)))
            elif key:
                with open(records, "a") as f:
                    f.write("%s %s\n" % (sha, key))
    for arch in checked_out:
        series.checkout(s, walk_src(s, arch), "all")
    return findings


def check_bisect(name, ctx):
    """Each patch of the series builds, in order, on both architectures:
    incremental builds in the test kernels' trees, from "all". A fresh
    tree was walked up the series by scripts/build-kernel (the records)."""
    return bisect_walk(ctx.kb, ctx.bisect.get(name, []), ARCHES)
