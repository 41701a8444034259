#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench (vmgenid): latency from the restored VM's resumption to the
NEW_VMGENID=1 uevent reaching a netlink listener in the guest.

x86_64: one snapshot of the project's kernel (QEMU -device vmgenid, ACPI),
then FORKS restores of it, each with a new guid, as a VMM cloning one
snapshot would. The time runs from the return of QMP "cont" to the arrival
on the host of the line the guest's listener writes when the uevent comes;
it includes QEMU's ACPI notification, the driver, the uevent and the
listener's write over the virtual serial port.

arm64: the same with the project's arm64 kernel and a Firecracker-shaped
device tree, the host acting as the VMM (tests/vmgenid/test_clone.py): it
writes the new ID and sets the SPI pending through QEMU's gdbstub while the
VM is paused; the time runs from the gdbstub's detach (which resumes the
VM) to the uevent's line on the host (the interrupt, the driver, the
uevent, the listener's write over the virtio console).

Usage: tests/vmgenid/bench.py [FORKS]  (default 12); writes out/bench/vmgenid.txt
"""
import os
import statistics
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT, reaping  # noqa: E402
from lib.report import Report  # noqa: E402
from vmgenid import expect  # noqa: E402
from vmgenid.test_clone import Arm64  # noqa: E402
from vmgenid.test_vmgenid import initrd, project_kernel, restore, snapshot  # noqa: E402


def measure(forks, restore_one, path):
    """restore_one(i) restores the snapshot `path` once and returns (guest,
    t0); returns the latencies in ms, or None if a uevent did not come. The
    snapshot is removed in any case."""
    try:
        return _measure(forks, restore_one)
    finally:
        os.unlink(path)


def _measure(forks, restore_one):
    lat = []
    for i in range(forks):
        h, t0 = restore_one(i)
        t1, line = h.expect_prefix("uevent ", timeout=30)
        if t1 is None:
            print("fork %d: no uevent" % i)
            h.cleanup(keep=True)
            return None
        lat.append((t1 - t0) * 1000)
        h.send("finish")  # clone.sh ends on it; acpi-fork.sh ends by itself
        h.run_to_end()
        h.wait_exit()
        h.cleanup()
        print("fork %2d: %7.1f ms  %s" % (i, lat[-1], line), flush=True)
    return lat


def summary(title, lat):
    lat = sorted(lat)
    p90 = lat[min(len(lat) - 1, int(round(0.9 * (len(lat) - 1))))]
    return ("%s\n  median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms\n"
            % (title, statistics.median(lat), p90, lat[0], lat[-1]))


def bench_x86(report, forks):
    kernel, rd, append = project_kernel("x86_64"), initrd("x86_64-vmgenid"), "test=acpi-fork"
    guid, path, _ = snapshot(report, "bench", kernel, rd, append, expect.acpi_fork_before(None))
    if not path:
        return None
    accel = []

    def one(i):
        h, t0 = restore("bench-%d" % i, kernel, rd, append, str(uuid.uuid4()), path, "changed")
        accel.append(h.accel)
        return h, t0

    lat = measure(forks, one, path)
    return lat and summary("vmgenid fork-to-uevent latency, %d forks, QEMU %s, x86_64 guest, "
                           "project kernel, from QMP \"cont\"" % (forks, accel[0]), lat)


def bench_arm64(report, forks):
    machine = Arm64("arm64 bench")
    path, earlier = machine.boot_snapshot(report, "bench-arm64")
    if earlier is None:
        return None

    def one(i):
        h, t0, _ = machine.restore(report, "bench-arm64-%d" % i, path, earlier, True)
        return h, t0

    lat = measure(forks, one, path)
    return lat and summary("vmgenid fork-to-uevent latency, %d forks, QEMU tcg, arm64 guest, "
                           "project kernel, device tree, the host as VMM (gdbstub), from the "
                           "detach that resumes the VM" % forks, lat)


def main():
    forks = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    report = Report()
    text = ""
    for bench in (bench_x86, bench_arm64):
        with reaping(1200):
            result = bench(report, forks)
        if not result:
            return 1
        text += result
    os.makedirs(os.path.join(OUT, "bench"), exist_ok=True)
    with open(os.path.join(OUT, "bench", "vmgenid.txt"), "w") as f:
        f.write(text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
