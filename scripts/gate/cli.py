# SPDX-License-Identifier: GPL-2.0
"""scripts/check's command line: run the checks over the series, print a
table per series, write the results file, exit non-zero on any finding."""

import argparse
import json
import sys
import time

from . import bisect, early, matrix, series
from .checks import Context, checks
from .kbuild import ARCHES
from .settings import Settings


def parse(argv):
    ap = argparse.ArgumentParser(prog="check")
    ap.add_argument("--only", default="")
    ap.add_argument("--walk", metavar="ARCH", choices=list(ARCHES),
                    help="only build each commit of all in turn for ARCH, and record it")
    ap.add_argument("--list", action="store_true", help="print the checks and the series")
    ap.add_argument("--early", action="store_true",
                    help="only the checks that need no kernel build, kept for the next run")
    ap.add_argument("series", nargs="*")
    return ap.parse_args(argv)


def prepare(ctx, only):
    """What the checks in only need before the first series: branch "all"
    and (6.1) the matrix trees; the bisect's commits of each series."""
    s = ctx.s
    if any(c in only for c in ("sparse", "W=1", "matrix", "bisect", "coccicheck")):
        series.apply(s, "all")
    if any(c in only for c in ("sparse", "W=1", "matrix")) and not s.upstream:
        t = time.monotonic()
        ctx.matrix_builds = matrix.prepare(ctx.kb)
        print("check: configuration matrix prepared (%d rows in %d trees) in %.0f s"
              % (len(ctx.matrix_builds), len(set(b[3] for b in ctx.matrix_builds)),
                 time.monotonic() - t), flush=True)
    if "bisect" in only:
        ctx.bisect = series.commits_by_series(s)


def run_series(ctx, name, only, early_results):
    """Run the checks of only on the series, printing each finding and the
    table; {check: its result}."""
    runners = checks(ctx.s)
    print("\n== %s: %d patches" % (name, len(series.patch_files(ctx.s, name))), flush=True)
    results, rows = {}, []
    for c in only:
        t = time.monotonic()
        if c in early_results:
            e = early_results[c]
            print(e["output"], end="", flush=True)
            print("  %s: taken from scripts/check-early, run on the same commits while "
                  "the kernels built (%.0f s there)" % (c, e["seconds"]), flush=True)
            findings = e["findings"]
        else:
            findings = runners[c](name, ctx)
        dt = time.monotonic() - t
        for f in findings:
            print("  %s: %s" % (c, f), flush=True)
        rows.append((c, len(findings), dt))
        results[c] = {"count": len(findings), "findings": findings, "seconds": round(dt, 1)}
    print("\n  %-18s %6s  %-6s %8s" % ("check", "count", "result", "time"))
    for c, count, dt in rows:
        print("  %-18s %6d  %-6s %7.0fs" % (c, count, "FAIL" if count else "PASS", dt))
    return results


def main(argv=None, environ=None):
    """scripts/check; its exit status."""
    args = parse(sys.argv[1:] if argv is None else argv)
    s = Settings.from_env(environ)
    every = list(checks(s))
    if args.list:
        print(" ".join(every))
        print(" ".join(series.names(s, args.series)))
        return 0
    if args.walk:
        series.apply(s, "all")
        ctx = Context(s)
        return 1 if bisect.bisect_walk(ctx.kb, series.commits(s), [args.walk]) else 0
    only = [c for c in args.only.split(",") if c] or every
    names = series.names(s, args.series)
    if not names:
        sys.exit("check: no series under %s" % s.patches)
    if args.early:
        # The branches are those the trees were prepared with (make test's
        # trees stage): no apply-series while the kernel builds walk them.
        early.run_early(s, names)
        return 0
    whole = only == every and not args.series
    if whole:
        early.wait(s)

    t0 = time.monotonic()
    for n in names:
        series.apply(s, n)
    taken = early.take(s, names) if whole else {}
    ctx = Context(s)
    prepare(ctx, only)
    results = {n: run_series(ctx, n, only, taken.get(n, {})) for n in names}
    failed = any(r["count"] for checked in results.values() for r in checked.values())
    with open(s.results_file(), "w") as f:
        json.dump(results, f, indent=1)
    print("\ncheck: %s in %.0f s" % ("FAILED" if failed else "all clean", time.monotonic() - t0))
    return 1 if failed else 0
