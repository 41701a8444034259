#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Both benchmarks, sized to a time budget, under KVM and under TCG: what
the KVM bundle runs (scripts/kvm-bundle; out/kvm/run). It runs from a
checkout too, with the benchmark kernels built (make bench).

For each accelerator asked for (kvm, then tcg), in rounds until its share
of the budget is spent:

- the wakeup mailbox at 8 and 15 vCPUs (tests/wakeup_mailbox/bench.py,
  OpenHCL's tree shape): one pair of boots, mailbox then INIT/SIPI, for
  the total bring-up in the kernel's log, and one pair of boots of the
  trace kernel for the duration of each wake call;
- vmgenid (tests/vmgenid/bench.py): one fork of each of the two snapshots
  taken at the start, the project's benchmark kernel and Debian's stock
  6.1, interleaved, from QMP "cont" to the reseed line.

A round starts only while the time the longest round took so far still
fits in what is left. Under KVM only, first: one boot through the mailbox
with a sparse APIC topology (-smp 6,sockets=2,cores=3: APIC IDs
0,1,2,4,5,6 in the tree); under TCG that topology stalls even Debian's
stock 6.1 (README), so it is not tried there.

Every line goes to OUTDIR/results.txt as it comes, and names its
accelerator; the summary of each accelerator compares the medians with
the goals (Documentation/benchmarks.rst). Exit status 1 if a boot or a
fork failed.

The first line says which QEMU binary ran (read from /proc/PID/exe of a
QEMU started through PATH); with BUNDLE_QEMU set (the bundle's run sets
it), any other binary is a failure.

Usage: tests/bench_kvm.py [--accel kvm|tcg]... [--budget SECONDS] OUTDIR
(default: both accelerators, 540 s, of which KVM's share is 30 %);
tests/bench_kvm.py --trees DIR compiles every tree the run boots into DIR
(scripts/kvm-bundle: the host has no dtc).
"""
import argparse
import os
import shutil
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib.qemu import OUT  # noqa: E402

# The mailbox boots' kernel, as make bench sets it (wakeup_mailbox/boot.py).
os.environ.setdefault("MAILBOX_KERNEL", os.path.join(OUT, "x86_64", "bzImage-bench"))
from lib.qemu import end_process, kvm_usable, popen_qemu, reaping  # noqa: E402
from lib.report import Report  # noqa: E402
from vmgenid import bench as vmgenid_bench  # noqa: E402
from wakeup_mailbox import bench as mailbox_bench, dts  # noqa: E402

SIZES = (8, 15)
SHARE = {"kvm": 0.3, "tcg": 0.7}
MAX_ROUNDS = 12
SPARSE = ("6,sockets=2,cores=3", (0, 1, 2, 4, 5, 6))
GOALS = "goals: wake call <= 0.10, total bring-up <= 1.00, vmgenid <= 1.00"


class Results:
    """Lines to OUTDIR/results.txt and stdout, each flushed as it comes."""

    def __init__(self, outdir):
        os.makedirs(outdir, exist_ok=True)
        self.path = os.path.join(outdir, "results.txt")
        self.f = open(self.path, "a")
        self.failed = 0

    def line(self, accel, text):
        text = "%s %s %s" % (time.strftime("%H:%M:%S"), accel, text)
        print(text, flush=True)
        self.f.write(text + "\n")
        self.f.flush()

    def fail(self, accel, what, err):
        self.failed += 1
        self.line(accel, "FAILED %s: %s" % (what, err))


def spread(values, fmt):
    return "median %s (min %s, max %s, n=%d)" % (
        fmt % statistics.median(values), fmt % min(values), fmt % max(values), len(values))


def trees():
    """Every tree a run boots: (ncpus, variant, APIC IDs or None)."""
    return ([(n, variant, None) for n in SIZES for _, variant, _ in mailbox_bench.KINDS] +
            [(len(SPARSE[1]), "openhcl", SPARSE[1])])


def write_trees(folder):
    os.makedirs(folder, exist_ok=True)
    for n, variant, ids in trees():
        text = dts.dts(n, variant, shape="openhcl", apic_ids=ids)
        dts.compile_dts(os.path.join(folder, dts.tree_name(text)), text)
    return 0


def qemu_binary(res):
    """Start the QEMU that PATH gives (through its wrapper, if any), read
    which binary runs, end it. False if BUNDLE_QEMU names another."""
    found = shutil.which("qemu-system-x86_64")
    if not found:
        res.fail("-", "start", "no qemu-system-x86_64 on PATH")
        return False
    p = popen_qemu([found, "-M", "none", "-S", "-display", "none", "-monitor", "none",
                    "-serial", "none", "-no-user-config"])
    exe = None
    try:
        end = time.monotonic() + 10
        while time.monotonic() < end and p.poll() is None:
            try:
                exe = os.readlink("/proc/%d/exe" % p.pid)
            except OSError:
                exe = None
            if exe and os.path.basename(exe) == "qemu-system-x86_64":
                break
            time.sleep(0.05)
    finally:
        end_process(p)
    want = os.environ.get("BUNDLE_QEMU")
    res.line("-", "QEMU: %s on PATH runs %s" % (found, exe))
    if want and (exe is None or os.path.realpath(exe) != os.path.realpath(want)):
        res.fail("-", "start", "the binary that ran is not the bundle's %s" % want)
        return False
    return True


def sparse_boot(res, accel):
    """One boot through the mailbox with APIC IDs 0,1,2,4,5,6."""
    smp, ids = SPARSE
    try:
        g = mailbox_bench.run("bench-sparse-%s" % accel, len(ids), "openhcl", accel=accel,
                              timeout=120, topology=SPARSE)
    except (RuntimeError, OSError) as err:
        res.fail(accel, "sparse topology boot (-smp %s)" % smp, "%s: %s" % (type(err).__name__, err))
        return
    woken = sorted(g.served)
    verdict = "ok" if woken == list(ids[1:]) else "WRONG"
    if verdict != "ok":
        res.failed += 1
    res.line(accel, "sparse topology (-smp %s, APIC IDs %s): every guest check passed; "
             "the firmware woke APIC IDs %s through the mailbox: %s; bring-up %.1f ms"
             % (smp, ",".join(map(str, ids)), ",".join(map(str, woken)) or "none", verdict,
                mailbox_bench.bringup_ms(g.log) or -1))


class Accel:
    """One accelerator's rounds and figures."""

    def __init__(self, res, accel, budget):
        self.res, self.accel = res, accel
        self.deadline = time.monotonic() + budget
        self.budget = budget
        self.total = {n: [] for n in SIZES}      # (mailbox ms, INIT/SIPI ms)
        self.wake = {n: {kind: [] for kind, _, _ in mailbox_bench.KINDS} for n in SIZES}
        self.lat = {}
        self.paths = None

    def left(self):
        return self.deadline - time.monotonic()

    def timeout(self):
        return max(60, min(600, int(self.left())))

    def mailbox_round(self, r, n):
        a = self.accel
        mb = mailbox_bench.bringup(n, "openhcl", a, timeout=self.timeout())
        ini = mailbox_bench.bringup(n, "missing", a, timeout=self.timeout())
        self.total[n].append((mb, ini))
        self.res.line(a, "round %d, %d vCPUs: total bring-up mailbox %.1f ms, INIT/SIPI %.1f ms, "
                      "ratio %.2f" % (r, n, mb, ini, mb / ini))
        got = []
        for kind, variant, function in mailbox_bench.KINDS:
            costs = mailbox_bench.wake_costs(n, variant, function, a, timeout=self.timeout())
            self.wake[n][kind] += costs
            got.append("%s median %.1f us (%d calls)" % (kind, statistics.median(costs),
                                                           len(costs)))
        self.res.line(a, "round %d, %d vCPUs: wake call %s" % (r, n, "; ".join(got)))

    def vmgenid_round(self, r):
        if self.paths is None:
            return
        n = len(self.lat.get("project", []))
        if not vmgenid_bench.fork_round(r, self.accel, self.kernels, self.paths, self.lat):
            raise RuntimeError("fork %d: a reseed line or the uevent did not come" % r)
        self.res.line(self.accel, "round %d, vmgenid fork: project %.1f ms, stock %.1f ms "
                      "(QMP cont to the reseed line)"
                      % (r, self.lat["project"][n], self.lat["stock"][n]))

    def run(self, report):
        a = self.accel
        self.res.line(a, "start: budget %d s, rounds of %s vCPUs (mailbox) and one vmgenid "
                      "fork pair" % (self.budget, " and ".join(map(str, SIZES))))
        if a == "kvm":
            sparse_boot(self.res, a)
        else:
            self.res.line(a, "sparse topology: not tried (under TCG it stalls even Debian's "
                          "stock 6.1)")
        self.kernels = vmgenid_bench.x86_kernels()
        self.paths = vmgenid_bench.snapshots(report, a, self.kernels)
        if self.paths is None:
            self.res.fail(a, "vmgenid snapshots", "a kernel did not reach its snapshot")
        try:
            self.rounds()
        finally:
            for path in (self.paths or {}).values():
                os.unlink(path)
        self.summary()

    def rounds(self):
        longest = 0
        for r in range(MAX_ROUNDS):
            if r and self.left() < longest:
                self.res.line(self.accel, "stop after %d rounds: %d s left, the longest round "
                              "took %d s" % (r, self.left(), longest))
                return
            t = time.monotonic()
            try:
                with reaping(self.timeout() + 60):
                    for n in SIZES:
                        self.mailbox_round(r, n)
                    self.vmgenid_round(r)
            except (RuntimeError, OSError) as err:
                self.res.fail(self.accel, "round %d" % r, "%s: %s" % (type(err).__name__, err))
                return
            longest = max(longest, time.monotonic() - t)
        self.res.line(self.accel, "stop after %d rounds (the most it runs)" % MAX_ROUNDS)

    def summary(self):
        a = self.accel
        under = "" if a == "kvm" else " (TCG: the goals are for KVM)"
        for n in SIZES:
            pairs = self.total[n]
            if pairs:
                ratios = [mb / ini for mb, ini in pairs]
                self.res.line(a, "summary, %d vCPUs: total bring-up mailbox %s ms, INIT/SIPI %s "
                              "ms, ratio per pair %s%s"
                              % (n, spread([p[0] for p in pairs], "%.1f"),
                                 spread([p[1] for p in pairs], "%.1f"), spread(ratios, "%.2f"),
                                 under))
            costs = self.wake[n]
            kinds = [kind for kind, _, _ in mailbox_bench.KINDS]
            if all(costs[k] for k in kinds):
                med = [statistics.median(costs[k]) for k in kinds]
                ratio = "%.2f" % (med[0] / med[1]) if med[1] else "none (an INIT/SIPI median of 0)"
                self.res.line(a, "summary, %d vCPUs: wake call medians mailbox %.1f us (%d calls), "
                              "INIT/SIPI %.1f us (%d calls), ratio %s%s"
                              % (n, med[0], len(costs[kinds[0]]), med[1], len(costs[kinds[1]]),
                                 ratio, under))
        if self.lat.get("stock"):
            p, s = self.lat["project"], self.lat["stock"]
            self.res.line(a, "summary, vmgenid: project %s ms, stock 6.1 %s ms, ratio of the "
                          "medians %.2f%s" % (spread(p, "%.1f"), spread(s, "%.1f"),
                                              statistics.median(p) / statistics.median(s), under))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accel", action="append", choices=("kvm", "tcg"))
    ap.add_argument("--budget", type=int, default=540)
    ap.add_argument("--trees", metavar="DIR")
    ap.add_argument("outdir", nargs="?")
    args = ap.parse_args(argv)
    if args.trees:
        return write_trees(args.trees)
    if not args.outdir:
        ap.error("OUTDIR is required")
    res = Results(args.outdir)
    accels = args.accel or ["kvm", "tcg"]
    res.line("-", GOALS)
    if not qemu_binary(res):
        return 1
    report = Report()
    for accel in accels:
        if accel == "kvm":
            os.environ["USE_KVM"] = "1"
            if not kvm_usable():
                res.fail("kvm", "start", "/dev/kvm cannot be opened for reading and writing")
                continue
        Accel(res, accel, args.budget * SHARE[accel]).run(report)
    res.line("-", "end: %d failed; results in %s" % (res.failed, res.path))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
