# SPDX-License-Identifier: GPL-2.0
"""The configuration matrix on 6.1: every combination of ACPI and OF each
architecture has, configured as a row (a .config), compiled in one tree
per architecture; and the matrix check, that each series' option is on
wherever it can be."""

import os
import shutil
import sys

from . import series
from .bisect import bisect_tree, walk_src
from .kbuild import config_value, fragments

# (arch, ACPI, OF, what else that needs): the combinations that exist.
# arm64 always has OF, and has ACPI only with UEFI.
# Each arch's first row is its test kernel's configuration (prepare()).
MATRIX = [("x86_64", "y", "y", []), ("x86_64", "y", "n", []), ("x86_64", "n", "y", []),
          ("x86_64", "n", "n", []),
          ("arm64", "y", "y", [("CONFIG_KERNEL_MODE_NEON", "y"), ("CONFIG_EFI", "y")]),
          ("arm64", "n", "y", [])]
# What each series makes available wherever ACPI or OF is (SMP is on in the
# test configurations), and on which architectures.
SERIES_OPTION = {
    "vmgenid": ("CONFIG_VMGENID", ("x86_64", "arm64")),
    "wakeup-mailbox": ("CONFIG_X86_WAKEUP_MAILBOX", ("x86_64",)),
}


def matrix_src(s, arch):
    """The source the arch's matrix tree compiles: the worktree its test
    kernel is built from, put on branch all's last commit unless there
    (the matrix tree starts as a copy of the test kernel's, and compiles
    what that one compiled with the same commands)."""
    wt = walk_src(s, arch)
    if series.git(s, "rev-parse", "HEAD", cwd=wt) != series.git(s, "rev-parse", "all"):
        series.checkout(s, wt, "all")
    return wt


def configure_rows(kb):
    """Each row of MATRIX configured as a tree of its own would be
    (tinyconfig, the test fragments, the row's options), resolved in one
    scratch tree per arch from the worktree of branch all, and kept as
    row-acpiA-ofO.config in build/matrix-ARCH-rows (about 20 s each, one
    process: scripts/check-early does it while the kernels build).
    Returns [(arch, acpi, of, row file)]."""
    s = kb.s
    rows = []
    for arch, acpi, of, extra in MATRIX:
        rowdir = os.path.join(s.out, "build", "matrix-%s-rows" % arch)
        row = os.path.join(rowdir, "row-acpi%s-of%s.config" % (acpi, of))
        overrides = [("CONFIG_ACPI", acpi), ("CONFIG_OF", of)] + extra
        frag = row + ".fragments"
        want = repr(overrides) + series.git(s, "rev-parse", "all") + fragments(s, arch)
        if not (os.path.exists(row) and os.path.exists(frag) and open(frag).read() == want):
            scratch = os.path.join(s.out, "build", "matrix-%s-kconfig" % arch)
            kb.configure(arch, s.src("all"), scratch, overrides)
            os.makedirs(rowdir, exist_ok=True)
            shutil.copy(os.path.join(scratch, ".config"), row)
            with open(frag, "w") as f:
                f.write(want)
        if config_value(row, "CONFIG_ACPI") != acpi or config_value(row, "CONFIG_OF") != of:
            sys.exit("check: %s cannot be configured with ACPI=%s OF=%s" % (arch, acpi, of))
        rows.append((arch, acpi, of, row))
    return rows


def use_row(row, build):
    """Put a matrix row's .config in build, unless it is there already
    (the next make's syncconfig takes it up)."""
    config = os.path.join(build, ".config")
    if not os.path.exists(config) or open(config).read() != open(row).read():
        shutil.copy(row, config)


def prepare(kb):
    """One matrix tree per arch, where compiled.compile_findings() puts
    each row's .config (configure_rows()) in turn: a row change rebuilds
    the generated headers and what depends on the options that changed,
    where a prepared tree per row cost about 50 s each (its own kconfig,
    objtool and scripts). The tree is prepared once, with its first row.
    A new matrix tree starts as a copy of the arch's test kernel tree,
    when that one is built: the first row is the test kernel's
    configuration, so preparing it builds next to nothing (the copies
    spare a whole make test about 40 s). Returns [(arch, acpi, of, tree,
    row file)]."""
    s = kb.s
    builds = []
    for arch, acpi, of, row in configure_rows(kb):
        build = os.path.join(s.out, "build", "matrix-%s" % arch)
        seed = bisect_tree(s, arch)
        if not os.path.exists(os.path.join(build, ".config")) and \
                os.path.exists(os.path.join(seed, "vmlinux")):
            shutil.rmtree(build, ignore_errors=True)
            shutil.copytree(seed, build, symlinks=True)
            for f in ("bisect.ok", ".fragments"):
                if os.path.exists(os.path.join(build, f)):
                    os.unlink(os.path.join(build, f))
        if not any(b[0] == arch for b in builds):
            os.makedirs(build, exist_ok=True)
            use_row(row, build)
            st, out = kb.make(arch, matrix_src(s, arch), build, "prepare")
            if st:
                sys.exit("check: make prepare failed in %s:\n%s" % (build, out[-2000:]))
        builds.append((arch, acpi, of, build, row))
    return builds


def check_matrix(name, ctx):
    """The series' Kconfig: where it can be enabled, it is (built in, or a
    module where the test configuration asks for one: x86_64's vmgenid);
    it builds (W=1 and sparse rows above compile it in every combination)."""
    findings = []
    option, arches = SERIES_OPTION.get(name, (None, ()))
    for arch, acpi, of, build, row in ctx.matrix_builds:
        if arch not in arches:
            continue
        have = config_value(row, option)
        want = ("y", "m") if "y" in (acpi, of) else ("n",)
        if have not in want:
            findings.append("%s ACPI=%s OF=%s: %s=%s, expected %s"
                            % (arch, acpi, of, option, have, " or ".join(want)))
    return findings
