# SPDX-License-Identifier: GPL-2.0
"""Counting results and printing them, one line each."""

import os
import re
import sys
import time


class Report:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def result(self, name, passed, detail=""):
        if passed:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name)
        print("%s %s%s" % ("PASS" if passed else "FAIL", name,
                           (": " + detail) if detail else ""), flush=True)

    def skip(self, name, why):
        self.skipped += 1
        print("SKIP %s: %s" % (name, why), flush=True)

    def guest(self, prefix, guest, completed):
        """Count a guest's own verdicts, then the host's view of the boot."""
        show = os.environ.get("SHOW_KERNEL_LOG")
        if show:
            for line in guest.kernel_log().splitlines():
                if re.search(show, line):
                    print("     kernel| " + line.strip(), flush=True)
        checks = guest.checks()
        for passed, name in checks:
            self.result("%s: %s" % (prefix, name), passed)
        if completed:
            got = guest.earlier + len(checks)
            self.result("%s: every verdict the guest sent arrived" % prefix,
                        guest.sent == got, "%d of %s" % (got, guest.sent))
        self.result("%s: scenario ran to its end (\"done\" on the verdict channel)" % prefix,
                    completed, "" if completed else
                    "last console lines: " + " | ".join(guest.kernel_log().splitlines()[-5:]))
        bad = guest.bad_kernel_log()
        self.result("%s: kernel log has no oops, BUG, WARNING or leak" % prefix,
                    bad is None, bad or "")

    def stage(self, name):
        print("== %s" % name, flush=True)
        return time.monotonic()

    def summary(self):
        line = "%d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            line += ", %d skipped" % self.skipped
        if self.failures:
            print("failed:\n  " + "\n  ".join(self.failures))
        if os.environ.get("RUN_START"):
            print("run: %d s since the start of the run" % (time.time() - int(os.environ["RUN_START"])))
        print(line, flush=True)
        return 1 if self.failed else 0


def main(tests):
    """Run test functions taking a Report; any exception is a failure."""
    report = Report()
    only = sys.argv[1:]
    for fn in tests:
        name = fn.__module__.split(".")[-1] + "." + fn.__name__
        if only and not any(o in name for o in only):
            continue
        t0 = report.stage(name)
        try:
            fn(report)
        except Exception as e:  # a broken test is a failed test
            report.result(name, False, "%s: %s" % (type(e).__name__, e))
        print("   (%s: %.1f s)" % (name, time.monotonic() - t0), flush=True)
    return report.summary()
