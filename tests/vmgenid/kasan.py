#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make kasan: the ACPI storm (test_vmgenid.test_storm_acpi) on the x86_64
test kernel built with KASAN, then on the test kernel, one after the
other, each with its time; ends "N passed, N failed" as tests/run does.

Usage: tests/vmgenid/kasan.py
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.report import main  # noqa: E402
from vmgenid.guests import initrd, project_kernel, storm_acpi  # noqa: E402


def test_storm_acpi_kasan(report):
    """make kasan, not make test: the ACPI storm on the x86_64 test kernel
    built with KASAN too (configs/kasan.config), with its own modules; a
    KASAN report fails the boot's log check."""
    storm_acpi(report, "storm-acpi-kasan", project_kernel("x86_64") + "-kasan",
               initrd("x86_64-vmgenid-kasan"), kasan=True)


def test_storm_acpi(report):
    """The same storm on the test kernel, as make test runs it: the time
    to compare with."""
    storm_acpi(report, "storm-acpi", project_kernel("x86_64"), initrd("x86_64-vmgenid"))


if __name__ == "__main__":
    sys.exit(main([test_storm_acpi_kasan, test_storm_acpi]))
