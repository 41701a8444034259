#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench-history: the x86_64 fork-to-reseed benchmark (bench.py) on
the test kernels of earlier commits, side by side with today's benchmark
kernel and Debian's stock 6.1, to tell whether a change between two
published figures came from the code or from the day it was measured.

Each COMMIT's kernel is built by scripts/build-history-kernels from that
commit's series and configuration. Every kernel gets one snapshot, then
FORKS restores each, interleaved, each with a new guid; from QMP "cont"
to the reseed line on the console, and to the uevent's line (all but
stock). The ratios are to stock's median from the same forks.

Usage: tests/vmgenid/bench_history.py FORKS COMMIT...; writes
out/bench/vmgenid-history.txt
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT, reaping, stock_kernel  # noqa: E402
from lib.report import Report, write_result  # noqa: E402
from vmgenid.bench import bench_initrd, bench_kernel, side_by_side, summary  # noqa: E402
from vmgenid.guests import initrd  # noqa: E402


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    forks, commits = int(sys.argv[1]), sys.argv[2:]
    rd = bench_initrd()
    kernels = [(c, os.path.join(OUT, "history", "bzImage-" + c), rd, True) for c in commits]
    kernels += [("today", bench_kernel("x86_64"), rd, True),
                ("stock", stock_kernel("x86_64"), initrd("x86_64-stock"), False)]
    for label, path, _, _ in kernels:
        if not os.path.exists(path):
            print("no %s kernel at %s (scripts/build-history-kernels builds it)" % (label, path))
            return 1
    with reaping(3600):
        lat = side_by_side(Report(), forks, "tcg", kernels)
    if not lat:
        return 1
    stock = statistics.median(lat["stock"])
    text = ("vmgenid fork-to-reseed-line latency, x86_64, QEMU tcg, %d forks of each kernel, "
            "interleaved, from QMP \"cont\"; kernels: %s (the test kernels of those commits, "
            "their own series and configs), today (configs/bench.config), Debian's stock 6.1\n"
            % (forks, ", ".join(commits)))
    for label, _, _, uevent in kernels:
        text += summary("%s: reseed line" % label, lat[label])
        text += "  ratio to stock's median: %.2f\n" % (statistics.median(lat[label]) / stock)
        if uevent:
            text += summary("%s: uevent's line" % label, lat[label + " uevent"])
    return write_result("vmgenid-history.txt", text)


if __name__ == "__main__":
    sys.exit(main())
