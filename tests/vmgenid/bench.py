#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench (vmgenid): latency from "cont" of a restored VM to the
NEW_VMGENID=1 uevent reaching a netlink listener in the guest.

One snapshot of the project's x86_64 kernel (QEMU -device vmgenid, ACPI),
then FORKS restores of it, each with a new guid, as a VMM cloning one
snapshot would. The time runs from the return of QMP "cont" to the arrival
on the host of the line the guest's listener writes when the uevent comes;
it includes QEMU's ACPI notification, the driver, the uevent and the
listener's write over the virtual serial port.

Usage: tests/vmgenid/bench.py [FORKS]  (default 12); writes out/bench/vmgenid.txt
"""
import os
import statistics
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT  # noqa: E402
from lib.report import Report  # noqa: E402
from vmgenid.test_vmgenid import initrd, project_kernel, restore, snapshot  # noqa: E402


def main():
    forks = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    kernel, rd, append = project_kernel("x86_64"), initrd("x86_64-vmgenid"), "test=acpi-fork"
    report = Report()
    guid, path, _ = snapshot(report, "bench", kernel, rd, append)
    if not path:
        return 1
    lat, accel = [], None
    for i in range(forks):
        h, t0 = restore("bench-%d" % i, kernel, rd, append, str(uuid.uuid4()), path, "changed")
        accel = h.accel
        t1, line = h.expect_prefix("uevent ", timeout=30)
        if t1 is None:
            print("fork %d: no uevent" % i)
            h.cleanup(keep=True)
            return 1
        lat.append((t1 - t0) * 1000)
        h.run_to_end()
        h.wait_exit()
        h.cleanup()
        print("fork %2d: %7.1f ms  %s" % (i, lat[-1], line), flush=True)
    os.unlink(path)
    lat.sort()
    p90 = lat[min(len(lat) - 1, int(round(0.9 * (len(lat) - 1))))]
    text = ("vmgenid fork-to-uevent latency, %d forks, QEMU %s, x86_64 guest, "
            "project kernel\n  median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms\n"
            % (forks, accel, statistics.median(lat), p90, lat[0], lat[-1]))
    os.makedirs(os.path.join(OUT, "bench"), exist_ok=True)
    with open(os.path.join(OUT, "bench", "vmgenid.txt"), "w") as f:
        f.write(text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
