#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench (wakeup mailbox): bringing up the APs through the device
tree's mailbox against INIT/SIPI, at 8 and 32 vCPUs.

Same QEMU (TCG, one thread), same test firmware with its APs parked in the
mailbox loop, OpenHCL's device tree shape; only the tree differs: with the
mailbox node the kernel wakes the APs through it, without it (the variant
"missing") the kernel falls back to INIT/SIPI, which resets the parked APs.

1. Total bring-up: the kernel's own time from "smp: Bringing up secondary
   CPUs" to "smp: Brought up", in its log. The two kinds of boot are
   interleaved (mailbox, INIT/SIPI, mailbox, ...), PAIRS pairs; each pair
   gives one ratio mailbox/INIT-SIPI; reported: median, min and max.

2. The kernel's cost of waking one AP: the duration of the wake call,
   wakeup_mailbox_wake_cpu() against wakeup_secondary_cpu_via_init(),
   timed by the function graph tracer in a kernel built for it
   (out/x86_64/bzImage-trace: configs/x86_64-trace.config, and
   KCFLAGS=-fno-inline-functions-called-once, without which gcc inlines
   wakeup_secondary_cpu_via_init(), its only caller being do_boot_cpu(),
   and there is nothing to trace). The tracer registers after smp_init(),
   so the boot is maxcpus=1 and the guest brings each AP online in turn
   (guest/wakecost.sh). PAIRS boots of each kind, interleaved; reported:
   median and maximum over every AP woken, and the ratio of the medians.

3. The firmware's (the emulator's) share: its self test parks the APs and
   wakes each through the same mailbox into a trivial vector; its time,
   from QEMU's start to its exit, minus that of a 1-vCPU self test.

Where /dev/kvm can run a guest and USE_KVM=1, the total bring-up (1.) is
also measured under KVM (-cpu host), each line naming its accelerator
(a path no test runs).

Usage: tests/wakeup_mailbox/bench.py [PAIRS]   (default 5);
writes out/bench/wakeup-mailbox.txt
"""
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import kvm_usable, reaping, run_qemu  # noqa: E402
from lib.report import write_result  # noqa: E402
from wakeup_mailbox.boot import KERNEL, bringup_ms, firmware_cmd, mailbox_guest, served  # noqa: E402

TRACE_KERNEL = os.path.join(os.path.dirname(KERNEL), "bzImage-trace")
KINDS = (("mailbox", "openhcl", "wakeup_mailbox_wake_cpu"),
         ("INIT/SIPI", "missing", "wakeup_secondary_cpu_via_init"))
# function_graph: " 0)  ! 123.456 us  |  wakeup_mailbox_wake_cpu();"
TRACE_LINE = re.compile(r"([\d.]+) us\s+\|\s+(\w+)\(\);")


def run(name, ncpus, variant, kernel=KERNEL, append="", timeout=600, accel="tcg", topology=None):
    """Boot once; return the Guest after QEMU has ended (its folder gone,
    its kernel log kept as .log, the APIC IDs the firmware woke as
    .served), or raise."""
    with reaping():
        g = mailbox_guest(name, ncpus, variant, append=append, kernel=kernel, shape="openhcl",
                          timeout=timeout, accel=accel, topology=topology)
        g.start()
        if not g.run_to_end():
            g.cleanup(keep=True)
            raise RuntimeError("%s did not finish; kept %s" % (name, g.dir))
        g.wait_exit()
        failed = [n for ok, n in g.checks() if not ok]
        if failed:
            g.cleanup(keep=True)
            raise RuntimeError("%s: %s; kept %s" % (name, failed, g.dir))
        g.log = g.kernel_log()
        g.served = served(g)
        g.cleanup()
        return g


def bringup(ncpus, variant, accel="tcg", timeout=600):
    g = run("bench-%s-%d-%s" % (variant, ncpus, accel), ncpus, variant, accel=accel,
            timeout=timeout)
    ms = bringup_ms(g.log)
    if ms is None:
        raise RuntimeError("no bring-up time in the kernel log (%s, %d CPUs)" % (variant, ncpus))
    return ms


def wake_costs(ncpus, variant, function, accel="tcg", timeout=600):
    """Durations (us) of each call of `function` while APs come online."""
    g = run("bench-wake-%s-%d-%s" % (variant, ncpus, accel), ncpus, variant, kernel=TRACE_KERNEL,
            append="test=wakecost maxcpus=1", accel=accel, timeout=timeout)
    got = []
    for _, line in g.lines:
        m = TRACE_LINE.search(line) if line.startswith("trace ") else None
        if m:
            if m.group(2) != function:
                raise RuntimeError("%s called in a %s boot" % (m.group(2), variant))
            got.append(float(m.group(1)))
    if len(got) != ncpus - 1:
        raise RuntimeError("%d wake calls traced, %d APs (%s, %d CPUs)"
                           % (len(got), ncpus - 1, variant, ncpus))
    return got


def selftest_s(ncpus):
    t = time.monotonic()
    run_qemu(firmware_cmd(ncpus, "selftest", "/dev/null"), 120)
    return time.monotonic() - t


def spread(values, fmt="%.2f"):
    return "median %s (min %s, max %s)" % tuple(fmt % v for v in
                                              (statistics.median(values), min(values),
                                               max(values)))


def main():
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    lines = ["wakeup-mailbox AP bring-up, QEMU TCG (one thread) where no line names KVM, "
             "OpenHCL's tree shape, "
             "%d interleaved pairs of boots" % pairs]

    def out(line):
        lines.append(line)
        print(line, flush=True)

    def total(n, accel):
        mb, ini, ratio = [], [], []
        for _ in range(pairs):
            mb.append(bringup(n, "openhcl", accel))
            ini.append(bringup(n, "missing", accel))
            ratio.append(mb[-1] / ini[-1])
        out("  total bring-up (kernel log), QEMU %s: mailbox %s ms; INIT/SIPI %s ms"
            % (accel, spread(mb, "%.1f"), spread(ini, "%.1f")))
        out("  ratio mailbox/INIT-SIPI, per pair, QEMU %s: %s   [%s]"
            % (accel, spread(ratio), " ".join("%.2f" % r for r in ratio)))

    if not kvm_usable():
        out("(under KVM: not run, no usable /dev/kvm or USE_KVM is not 1)")
    for n in (8, 32):
        out("%d vCPUs (%d APs):" % (n, n - 1))
        total(n, "tcg")
        if kvm_usable():
            # The same boots under KVM (the host's CPU): total bring-up only;
            # the wake-call trace and the firmware's self test stay TCG's.
            total(n, "kvm")
        cost = {kind: [] for kind, _, _ in KINDS}
        for _ in range(pairs):
            for kind, variant, function in KINDS:
                cost[kind] += wake_costs(n, variant, function)
        for kind, _, function in KINDS:
            out("  wake call, %s (%s, %d calls): median %.1f us, max %.1f us"
                % (kind, function, len(cost[kind]), statistics.median(cost[kind]),
                   max(cost[kind])))
        medians = [statistics.median(cost[kind]) for kind, _, _ in KINDS]
        if 0 in medians:
            # Half the calls or more took no time the trace clock could see:
            # its ticks were coarse (sched_clock off the TSC: under TCG the
            # kernel may find the TSC unstable and fall back to jiffies).
            out("  wake call ratio mailbox/INIT-SIPI (medians): none, a median is 0 "
                "(the trace clock's resolution)")
        else:
            out("  wake call ratio mailbox/INIT-SIPI (medians): %.2f" % (medians[0] / medians[1]))
        fw = [(selftest_s(n) - selftest_s(1)) * 1000 for _ in range(3)]
        out("  firmware self test, park and wake %d APs (QEMU wall clock, minus 1 vCPU): %s ms"
            % (n - 1, spread(fw, "%.0f")))
    return write_result("wakeup-mailbox.txt", "\n".join(lines) + "\n", echo=False)


if __name__ == "__main__":
    sys.exit(main())
