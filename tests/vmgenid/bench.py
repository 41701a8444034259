#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench (vmgenid): latency from the restored VM's resumption to the
kernel's reaction, on the benchmark kernels (configs/bench.config: the
test kernels without the lock checkers, vmgenid built in).

x86_64, side by side: one snapshot of the project's kernel and one of
Debian's stock 6.1 kernel (QEMU -device vmgenid, ACPI), then FORKS
restores of each, interleaved (project, stock; then stock, project; ...),
each with a new guid, as a VMM cloning one snapshot would. On both, the
time runs from the return of QMP "cont" to the moment the host reads the
kernel's "crng reseeded due to virtual machine fork" line in the console
file (polled every 0.5 ms): QEMU's ACPI notification, the driver, random.c,
the console's UART. The ratio of the medians says how much slower or faster
the project's driver path is than stock 6.1's, on the same machine at the
same time. On the project's kernel, also to the arrival on the host of the
line the guest's listener writes when the NEW_VMGENID=1 uevent comes (the
series adds the uevent; stock 6.1 sends none).

arm64: the project's arm64 kernel and a Firecracker-shaped device tree,
the host acting as the VMM (tests/vmgenid/clones.py): it writes the new
ID and sets the SPI pending through QEMU's gdbstub while the VM is paused;
the time runs from the gdbstub's detach (which resumes the VM) to the
uevent's line on the host (the interrupt, the driver, the uevent, the
listener's write over the virtio console). Debian's stock arm64 kernel
has no driver to compare with.

Each figure says which accelerator gave it: TCG always; x86_64 under KVM
too where /dev/kvm can run a guest and USE_KVM=1.

Usage: tests/vmgenid/bench.py [FORKS]  (default 12); writes out/bench/vmgenid.txt
"""
import os
import statistics
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT, PREBUILT, TOP, kvm_usable, prebuilt, reaping, stock_kernel  # noqa: E402
from lib.report import Expect, Report, write_result  # noqa: E402
from vmgenid.clones import Arm64  # noqa: E402
from vmgenid.guests import HERE, initrd, project_kernel, restore, snapshot  # noqa: E402

RESEED = b"crng reseeded due to virtual machine fork"


def bench_kernel(arch):
    """The benchmark kernel (make bench builds it: configs/bench.config)."""
    path = project_kernel(arch) + "-bench"
    if not os.path.exists(path):
        raise RuntimeError("no %s: make bench builds it" % path)
    return path


def bench_initrd():
    """The x86_64 initramfs without the test kernel's modules (the benchmark
    kernel has vmgenid built in, and a differently configured kernel)."""
    rd = os.path.join(OUT, "initramfs", "x86_64-bench.cpio")
    if PREBUILT:
        return prebuilt(rd)
    subprocess.run([os.path.join(TOP, "scripts", "make-initramfs"), "x86_64", rd,
                    os.path.join(HERE, "guest")], check=True)
    return rd


def console_line(h, text, timeout=30):
    """Poll h's console file until it holds `text`; return the host's time
    then (time.monotonic()), or None."""
    end = time.monotonic() + timeout
    buf = b""
    with open(h.console, "rb") as f:
        while time.monotonic() < end:
            chunk = f.read()
            if chunk:
                buf += chunk
                if text in buf:
                    return time.monotonic()
            else:
                time.sleep(0.0005)
    return None


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
        finish(h)
        print("fork %2d: %7.1f ms  %s" % (i, lat[-1], line), flush=True)
    return lat


def finish(h):
    """Tell the restored guest h "finish" (clone.sh and bench.sh end on
    it), wait for its end, remove its folder."""
    h.send("finish")
    h.run_to_end()
    h.wait_exit()
    h.cleanup()


def summary(title, lat):
    lat = sorted(lat)
    p90 = lat[min(len(lat) - 1, int(round(0.9 * (len(lat) - 1))))]
    return ("%s\n  median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms\n"
            % (title, statistics.median(lat), p90, lat[0], lat[-1]))


def side_by_side(report, forks, accel, kernels):
    """One snapshot of each of `kernels` ((label, kernel, initrd, uevent)
    each), then `forks` restores of each, interleaved (in order, then in
    reverse, ...), each with a new guid. Returns {label: [ms from QMP
    "cont" to the reseed line]} and, for each kernel whose `uevent` is
    true, {label + " uevent": [ms to the uevent's line]}; None if one did
    not come."""
    paths = snapshots(report, accel, kernels)
    if paths is None:
        return None
    try:
        lat = {}
        for i in range(forks):
            if not fork_round(i, accel, kernels, paths, lat):
                return None
        return lat
    finally:
        for path in paths.values():
            os.unlink(path)


def snapshots(report, accel, kernels):
    """One snapshot of each of `kernels` (side_by_side()): {label: its
    file}, which the caller removes; None (and none left) if one failed."""
    paths = {}
    for label, kernel, rd, _ in kernels:
        _, path, _ = snapshot(report, "bench-%s-%s" % (label, accel), kernel, rd,
                              "test=bench", Expect(), accel)
        if not path:
            for done in paths.values():
                os.unlink(done)
            return None
        paths[label] = path
    return paths


def fork_round(i, accel, kernels, paths, lat):
    """Fork i: restore each kernel's snapshot once (in order for an even i,
    in reverse for an odd one), each with a new guid; the latencies go to
    `lat` (side_by_side()). False if a line did not come."""
    for label, kernel, rd, uevent in (kernels if i % 2 == 0 else kernels[::-1]):
        h, t0 = restore("bench-%s-%d" % (label, i), kernel, rd, "test=bench",
                        str(uuid.uuid4()), paths[label], "changed", accel=accel)
        t1 = console_line(h, RESEED)
        t2, _ = h.expect_prefix("uevent ", timeout=30) if uevent else (0, 0)
        if t1 is None or t2 is None:
            print("fork %d, %s kernel: no %s" % (i, label, "reseed line" if t1 is None
                                                 else "uevent"))
            h.cleanup(keep=True)
            return False
        lat.setdefault(label, []).append((t1 - t0) * 1000)
        if uevent:
            lat.setdefault(label + " uevent", []).append((t2 - t0) * 1000)
        finish(h)
        print("fork %2d, %-7s kernel: reseed line %7.1f ms" % (i, label, lat[label][-1]),
              flush=True)
    return True


def x86_kernels():
    """The side-by-side's kernels: the project's benchmark kernel, and
    Debian's stock 6.1 (which sends no uevent)."""
    return (("project", bench_kernel("x86_64"), bench_initrd(), True),
            ("stock", stock_kernel("x86_64"), initrd("x86_64-stock"), False))


def bench_x86(report, forks, accel):
    """The side-by-side benchmark (module docstring) under `accel`."""
    lat = side_by_side(report, forks, accel, x86_kernels())
    if not lat:
        return None
    ratio = statistics.median(lat["project"]) / statistics.median(lat["stock"])
    return (summary("vmgenid fork-to-reseed-line latency, x86_64, QEMU %s, %d forks of each "
                    "kernel, interleaved, from QMP \"cont\": the project's kernel "
                    "(configs/bench.config)" % (accel, forks), lat["project"]) +
            summary("the same forks: Debian's stock 6.1 kernel", lat["stock"]) +
            "  ratio of the medians, project / stock: %.2f\n" % ratio +
            summary("the same forks of the project's kernel: fork-to-uevent latency "
                    "(stock 6.1 sends no uevent)", lat["project uevent"]))


def bench_arm64(report, forks):
    machine = Arm64("arm64 bench")
    machine.kernel = bench_kernel("arm64")
    path, earlier = machine.boot_snapshot(report, "bench-arm64")
    if earlier is None:
        return None

    def one(i):
        h, t0, _ = machine.restore(report, "bench-arm64-%d" % i, path, earlier, True)
        return h, t0

    lat = measure(forks, one, path)
    return lat and summary("vmgenid fork-to-uevent latency, %d forks, QEMU tcg, arm64 guest, "
                           "project kernel (configs/bench.config), device tree, the host as "
                           "VMM (gdbstub), from the detach that resumes the VM" % forks, lat)


def main():
    forks = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    report = Report()
    text = ""
    benches = [lambda r, n: bench_x86(r, n, "tcg")]
    if kvm_usable():
        benches.append(lambda r, n: bench_x86(r, n, "kvm"))
    else:
        text += "(x86_64 under KVM: not run, no usable /dev/kvm or USE_KVM is not 1)\n"
    for bench in benches + [bench_arm64]:
        with reaping(1200):
            result = bench(report, forks)
        if not result:
            return 1
        text += result
    return write_result("vmgenid.txt", text)


if __name__ == "__main__":
    sys.exit(main())
