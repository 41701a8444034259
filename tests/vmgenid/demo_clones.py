#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The clones demonstration: one snapshot per kernel, restored four times,
twice with the snapshot's own ID and twice with a new one; each clone's
first getrandom() bytes side by side. The checks are the ones of
tests/vmgenid/test_clone.py (tests/vmgenid/clones.py); only the output
differs (one table).

Usage: tests/vmgenid/demo_clones.py   (exit status 1 if a check failed)
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import reaping  # noqa: E402
from lib.report import Report  # noqa: E402
from vmgenid.clones import DEADLINE, KINDS, X86, Arm64, clone_set, judge  # noqa: E402


class Quiet(Report):
    """Counts the checks without printing them; a failure is kept with its
    detail."""

    def __init__(self):
        super().__init__(quiet=True)

    def result(self, name, passed, detail="", kind="behaviour"):
        super().result(name, passed, detail, kind)
        if not passed and detail:
            self.failures[-1] += ": " + detail

    def note(self, text):
        pass


ROW = "%-17s %-5s %-15s %-32s  %s"


def verdicts(clones):
    control = next((c.random for c in clones if c.kind == "same"), None)
    out = []
    for i, c in enumerate(clones):
        if c.kind == "same":
            out.append("the control" if i == 0 else
                       "= control: RNG state cloned" if c.random == control else
                       "differs from control (?)")
        elif c.random == control:
            out.append("SAME as control: VULNERABLE")
        elif sum(d.random == c.random for d in clones) == 1:
            out.append("its own bytes: protected")
        else:
            # A time-based reseed fell between the same-ID and the new-ID
            # draws: every clone reseeded from the same cloned pool.
            out.append("SAME as another new-ID clone: VULNERABLE")
    return out


def main():
    runs = [
        ("x86_64 project", X86(), True, "reseeds"),
        ("arm64 stock", Arm64("stock arm64 without the module", stock=True), False, "reseeds"),
        ("arm64 stock+mod", Arm64("stock arm64 with the module", stock=True, module=True),
         True, "modreseeds"),
        ("arm64 project", Arm64("arm64 project kernel, host as VMM"), True, "reseeds"),
    ]
    report = Quiet()
    print("Each kernel boots, forces a CRNG reseed, and is snapshotted; the snapshot is")
    print("restored 4 times: twice with its own ID (same), twice with a new one (NEW).")
    print("x86_64: QEMU's vmgenid device. arm64: a Firecracker-shaped device tree; the")
    print("host plays the VMM (writes the new ID, raises the interrupt) while paused.")
    print("arm64 stock: Debian's own 6.1 kernel; stock+mod: with this project's vmgenid.ko.\n")
    print(ROW % ("kernel", "clone", "ID", "first 16 bytes of getrandom()", "verdict"))
    t0 = time.monotonic()
    for label, machine, protected, key in runs:
        with reaping(DEADLINE):
            clones = clone_set(report, machine, "demo-" + label.replace(" ", "-").replace(
                "+", "-"), KINDS)
        if not clones:
            print(ROW % (label, "-", "-", "(no clone reported: see make test)", ""))
            continue
        judge(report, machine.label, clones, protected, key, machine.notify_same)
        for i, (c, v) in enumerate(zip(clones, verdicts(clones))):
            ident = "%s %s.." % ("same" if c.kind == "same" else "NEW ", c.id[:8])
            print(ROW % (label if i == 0 else "", i + 1, ident, c.random[:32], v), flush=True)
    print("\n%d checks passed, %d failed (%.0f s)" % (report.passed, report.failed,
                                                     time.monotonic() - t0))
    for f in report.failures:
        print("  FAILED: " + f)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
