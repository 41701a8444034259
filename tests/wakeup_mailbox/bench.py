#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench (wakeup mailbox): time to bring up N secondary CPUs through the
device tree's mailbox against INIT/SIPI, N = 8 and 32.

Same kernel, same QEMU (TCG, one thread), same test firmware with its APs
parked in the mailbox loop; only the device tree differs: with the mailbox
node the kernel wakes the APs through it, without it the kernel falls back
to INIT/SIPI (which resets the parked APs). The time is the kernel's own,
from "smp: Bringing up secondary CPUs" to "smp: Brought up" in its log; the
median of RUNS boots.

The firmware's share: in a mailbox wake, the firmware's part is the parked
AP noticing the command and jumping (its poll loop, and one debug-port line
per wake), which the kernel waits for. It is estimated by the firmware's own
self test, which wakes every AP through the same mailbox into a trivial
vector: its time per AP, from QEMU's clock, over the same vCPU counts.

Usage: tests/wakeup_mailbox/bench.py [RUNS]   (default 3); writes out/bench/wakeup-mailbox.txt
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT  # noqa: E402
from wakeup_mailbox.test_wakeup_mailbox import bringup_ms, firmware, mailbox_guest  # noqa: E402


def boot_ms(ncpus, variant):
    g = mailbox_guest("bench-%s-%d" % (variant, ncpus), ncpus, variant).start()
    g.run_to_end()
    g.wait_exit()
    ms = bringup_ms(g)
    g.cleanup()
    if ms is None:
        raise RuntimeError("no bring-up time in the kernel log (%s, %d CPUs)" % (variant, ncpus))
    return ms


def selftest_s(ncpus):
    t = time.monotonic()
    subprocess.run(["timeout", "120", "qemu-system-x86_64", "-M", "pc", "-accel",
                    "tcg,thread=single", "-cpu", "max", "-smp", str(ncpus), "-m", "256M",
                    "-display", "none", "-vga", "none", "-monitor", "none", "-serial", "none",
                    "-no-reboot", "-kernel", firmware(), "-append", "selftest",
                    "-debugcon", "file:/dev/null", "-global", "isa-debugcon.iobase=0xe9",
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
    return time.monotonic() - t


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    lines = ["wakeup-mailbox bring-up of N secondary CPUs, QEMU TCG (one thread), "
             "median of %d boots, kernel timestamps" % runs]
    for n in (8, 32):
        mb = statistics.median(boot_ms(n + 1, "good") for _ in range(runs))
        ini = statistics.median(boot_ms(n + 1, "missing") for _ in range(runs))
        # The firmware's own wakes: self test with n + 1 CPUs minus with 1.
        fw = statistics.median(selftest_s(n + 1) - selftest_s(1) for _ in range(runs)) * 1000
        lines.append("  N=%2d: mailbox %7.1f ms, INIT/SIPI %7.1f ms, ratio mailbox/INIT-SIPI %.2f;"
                     " firmware self test (park and wake %d APs) %.0f ms"
                     % (n, mb, ini, mb / ini, n, fw))
        print(lines[-1], flush=True)
    os.makedirs(os.path.join(OUT, "bench"), exist_ok=True)
    with open(os.path.join(OUT, "bench", "wakeup-mailbox.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
