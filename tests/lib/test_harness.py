# SPDX-License-Identifier: GPL-2.0
"""Self-tests of the test harness that need no guest: what the closing
line counts. Those that boot a guest plant their faults in vmgenid's
scenarios (tests/vmgenid/test_harness.py)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.report import Expect, Report  # noqa: E402


def test_harness_counts(report):
    """What the closing line counts (no boot): a passed setup step is not
    counted and a failed one is; a verdict named "setup..." is a setup
    step; each kind is counted as such."""
    quiet = Report(quiet=True)
    quiet.result("a behaviour", True)
    quiet.result("a setup step that passed", True, kind="setup")
    quiet.result("a setup step that failed", False, kind="setup")
    quiet.control("a control", True)
    problems = quiet.verdicts("guest", [(True, "setup (not the driver): read back"),
                                        (True, "a guest's behaviour")],
                              Expect(["setup (not the driver)", "a guest's behaviour"]))
    quiet.boot("guest", problems, "held to its manifest")
    want = {"behaviour": 2, "boot": 1, "control": 1, "diagnostic": 0, "setup": 1,
            "firmware": 0, "gate": 0}
    report.result("harness: counting: 4 passed, 1 failed (the failed setup step), 2 "
                  "setup steps passed, not counted; by kind %s" % want,
                  (quiet.passed, quiet.failed, quiet.setup_passed) == (4, 1, 2) and
                  quiet.kinds == want and quiet.failures == ["a setup step that failed"],
                  "%d passed, %d failed, %s" % (quiet.passed, quiet.failed, quiet.kinds))


TESTS = [test_harness_counts]
