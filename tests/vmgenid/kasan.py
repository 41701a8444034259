#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make kasan: the ACPI storm (test_storm_acpi) on the x86_64 test kernel
built with KASAN, then on the test kernel, one after the other, each with
its time; ends "N passed, N failed" as tests/run does.

Usage: tests/vmgenid/kasan.py
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.report import main  # noqa: E402
from vmgenid import test_vmgenid  # noqa: E402

sys.exit(main(test_vmgenid.KASAN_TESTS))
