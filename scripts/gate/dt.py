# SPDX-License-Identifier: GPL-2.0
"""The device-tree checks: the series' new bindings (dt_binding_check),
and the device trees the tests boot validated against them (dtbs_check)."""

import os
import re
import shutil
import sys

from . import series
from .proc import run


def dtcheck_build(s, name):
    """The build directory of the series' dt_binding_check."""
    return os.path.join(s.out, "build", "dtcheck") + "-" + name


def processed_schema(s, name):
    """The schema dt_binding_check processed for the series."""
    return os.path.join(dtcheck_build(s, name),
                        "Documentation/devicetree/bindings/processed-schema.json")


def check_dt_binding_check(name, ctx):
    s = ctx.s
    if not shutil.which("yamllint"):
        return ["yamllint is not installed: dt_binding_check would skip it"]
    findings = []
    for yaml in series.touched(s, name, "Documentation/devicetree/bindings/*.yaml",
                               added=True):
        # 6.1 takes one fixed string, and its exit status ignores findings:
        # everything it prints with -s is a finding.
        st, out = run(["make", "-s", "-C", s.src(name), "O=" + dtcheck_build(s, name),
                       "dt_binding_check", "DT_SCHEMA_FILES=" + yaml])
        lines = [line for line in out.splitlines()
                 if line.strip() and not re.match(r"make(\[\d+\])?: (Entering|Leaving)", line)]
        if st:
            lines.append("dt_binding_check exited %d" % st)
        findings += ["%s: %s" % (yaml, line) for line in lines]
    return findings


def validate(schema, dtbs):
    """{dtb: its findings} for every dtb, in one dt-validate run (each run
    spends seconds loading the processed schema before it checks a tree)."""
    st, out = run(["dt-validate", "-s", schema] + sorted(set(dtbs)))
    # One finding per "<file>: <node>: <message>" line.
    found = {dtb: set() for dtb in dtbs}
    for line in out.splitlines():
        for dtb in found:
            if line.startswith(dtb + ":"):
                found[dtb].add(re.sub(r"^\S+: ", "", line))
    return {dtb: sorted(f) for dtb, f in found.items()}


def generator(s, name):
    """The function that writes the device trees the series' tests boot
    (tests/dtbs.py's GENERATORS), or None: it takes an output directory
    and returns [(dtb, baseline, expect)]. Raises ModuleNotFoundError
    where there is no tests/dtbs.py."""
    tests = os.path.join(s.top, "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    import dtbs
    return dtbs.GENERATORS.get(name)


def check_dtbs_check(name, ctx):
    """Validate the device trees the tests use. Findings that the tree the
    test started from already has (QEMU's own nodes) are the baseline; a
    tree with an expect list is malformed on purpose, and must produce
    exactly those findings (regular expressions)."""
    s = ctx.s
    try:
        make_trees = generator(s, name)
    except ModuleNotFoundError as e:
        if e.name != "dtbs":
            raise
        return ["no tests/dtbs.py: the test device trees cannot be made"]
    if make_trees is None:
        return []
    schema = processed_schema(s, name)
    if not os.path.exists(schema):
        return ["no processed schema: run dt_binding_check first"]
    outdir = os.path.join(s.out, "check-dtbs", name)
    os.makedirs(outdir, exist_ok=True)
    findings = []
    trees = make_trees(outdir)
    found = validate(schema, [t[0] for t in trees] + [t[1] for t in trees if t[1]])
    for dtb, baseline, expect in trees:
        base = set(found[baseline]) if baseline else set()
        new = [f for f in found[dtb] if f not in base]
        if expect is None:
            findings += ["%s: %s" % (os.path.basename(dtb), f) for f in new]
        else:
            for e in expect:
                if not any(re.search(e, f) for f in new):
                    findings.append("%s: schema did not flag: %s" % (os.path.basename(dtb), e))
            for f in new:
                if not any(re.search(e, f) for e in expect):
                    findings.append("%s: %s" % (os.path.basename(dtb), f))
    return findings
