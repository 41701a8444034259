# SPDX-License-Identifier: GPL-2.0
"""The sparse and W=1 checks on 6.1: every series' C files compiled with
C=2 W=1 over the configuration matrix, beyond what pristine 6.1 has."""

import collections
import os

from . import series
from .kbuild import config_value, beyond
from .matrix import SERIES_OPTION, matrix_src, use_row


def pristine_build(kb, arch):
    """arch's tree of pristine 6.1 in the test configuration."""
    build = os.path.join(kb.s.out, "build", "pristine-" + arch)
    kb.configure(arch, kb.s.tree, build, [])
    return build


def compile_findings(ctx):
    """sparse and W=1 warnings in every series' C files over the
    configuration matrix (the vmgenid driver built in and as a module),
    beyond what pristine 6.1 has on the same files: {series: {"sparse":
    [...], "W=1": [...]}}. One C=2 W=1 compile per configuration serves
    both rows and every series: each make spends seconds of its own before
    it compiles a file. A warning on a file a series touched is that
    series'; any other (a header's, a failed build) is each compiled
    series'. Pristine 6.1 is compiled for the baseline only when a compile
    warns: with no warning there is nothing to subtract. It is compiled
    once per arch, every file of 6.1 that some row of the arch compiles, in
    one make (a file's warnings do not depend on the files compiled beside
    it; one make per row's set of files cost about 25 s more)."""
    s, kb = ctx.s, ctx.kb
    names = series.names(s)
    files = {n: series.touched(s, n, "*.c") for n in names}
    owned = {n: series.touched(s, n) for n in names}
    found = {n: {"sparse": [], "W=1": []} for n in names}
    pristine = collections.defaultdict(set)
    for arch, acpi, of, build, row in ctx.matrix_builds:
        pristine[arch].update(c for c in kb.arch_files(arch, files.values(), row)
                              if os.path.exists(os.path.join(s.tree, c)))
    for arch, acpi, of, build, row in ctx.matrix_builds:
        use_row(row, build)
        vmgs = ("y", "m") if config_value(build, "CONFIG_VMGENID") in ("y", "m") else ("n",)
        for vmg in vmgs:
            # The "m" pass is for the series whose option is VMGENID.
            here = [n for n in names
                    if vmg != "m" or SERIES_OPTION.get(n, (None,))[0] == "CONFIG_VMGENID"]
            # The row's own value may be either (x86_64's test
            # configuration builds vmgenid as a module).
            kb.set_config(arch, matrix_src(s, arch), build, "CONFIG_VMGENID", vmg)
            built = kb.arch_files(arch, [files[n] for n in here], build)
            if not built:
                continue
            new = kb.compile_warnings(arch, matrix_src(s, arch), build, built)
            base = [[], []]
            old = [c for c in built if os.path.exists(os.path.join(s.tree, c))]
            if any(new) and old:
                if arch not in ctx.baseline:
                    ctx.baseline[arch] = kb.compile_warnings(arch, s.tree,
                                                             pristine_build(kb, arch),
                                                             sorted(pristine[arch]))
                base = ctx.baseline[arch]
            for kind, got, had in zip(("sparse", "W=1"), new, base):
                for w in beyond(got, had):
                    whose = [n for n in here if any(w.startswith(f + ":") for f in owned[n])]
                    for n in whose or here:
                        found[n][kind].append("%s ACPI=%s OF=%s VMGENID=%s: %s"
                                              % (arch, acpi, of, vmg, w))
    return found


def compiled_row(kind):
    """The check of one kind of compile_findings() (sparse or W=1), which
    runs once for every series."""
    def check(name, ctx):
        if ctx.compiled:
            print("  %s: taken from the C=2 W=1 compile run once for every series" % kind,
                  flush=True)
        else:
            ctx.compiled = compile_findings(ctx)
        return ctx.compiled[name][kind]
    return check
