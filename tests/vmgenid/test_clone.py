# SPDX-License-Identifier: GPL-2.0
"""Clones of one snapshot must draw different random numbers.

One VM is booted and snapshotted; the snapshot is restored several times,
some clones with the snapshot's own ID (the CONTROL: they must draw the
very same getrandom() bytes, or the test could not tell a protected kernel
from luck) and some with a new ID (they must draw bytes of their own). The
guest (tests/vmgenid/guest/clone.sh) forces a CRNG reseed just before the
snapshot, draws 32 bytes at once after the restore (after the uevent where
one is expected) and reports them; the host compares them.

x86_64: QEMU's own -device vmgenid, a new guid on the restoring QEMU.
arm64: QEMU has no device-tree vmgenid, so the HOST PLAYS THE VMM, as
Firecracker does on restore: the restoring QEMU waits (-S) with a gdbstub;
through it the host writes the new ID into guest memory and sets the SPI
pending in the GIC distributor, then lets the VM run. The guest is not
touched. Chains: each snapshot taken from the previous restored VM.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT, reaping  # noqa: E402
from vmgenid.clones import (DEADLINE, KINDS, X86, Arm64, clone_set, finish,  # noqa: E402
                            judge, read_clone, short, snapshot_at_ready)

CHAIN = int(os.environ.get("CLONE_CHAIN", "10"))


def run_clones(report, machine, name, protected, reseed_key="reseeds", kinds=KINDS):
    with reaping(DEADLINE):
        clones = clone_set(report, machine, name, kinds)
    if clones is not None:
        judge(report, machine.label, clones, protected, reseed_key, machine.notify_same)
    return clones


def test_clone_x86(report):
    """x86_64, project kernel, QEMU's vmgenid: same-guid clones draw the same
    bytes (the control), new-guid clones their own."""
    run_clones(report, X86(), "clone-x86_64", True, kinds=KINDS + ("late",))


def test_clone_arm64(report):
    """arm64, project kernel, Firecracker-shaped device tree, the host as
    VMM: same-ID clones draw the same bytes, new-ID clones their own."""
    run_clones(report, Arm64("arm64 project kernel, host as VMM"), "clone-arm64", True)


def test_clone_arm64_stock(report):
    """Debian's stock arm64 6.1 kernel without the module: every clone draws
    the same bytes, new ID or not (the vulnerability users have today)."""
    run_clones(report, Arm64("stock arm64 without the module", stock=True),
               "clone-arm64-stock", False)


def test_clone_arm64_stock_module(report):
    """Debian's stock arm64 6.1 kernel with the module: new-ID clones draw
    their own bytes."""
    run_clones(report, Arm64("stock arm64 with the module", stock=True, module=True),
               "clone-arm64-stock-module", True, reseed_key="modreseeds")


# -- chains ---------------------------------------------------------------------

def chain(report, machine, name, length=CHAIN):
    """Restore, snapshot the restored VM, restore that, ... `length` times,
    each with a new ID: each generation reseeds exactly once more, sends
    exactly one uevent and draws bytes no earlier generation drew."""
    label = machine.label + ", chain"
    paths = []
    with reaping(DEADLINE):
        try:
            path, earlier = machine.boot_snapshot(report, name)
            paths.append(path)
            if earlier is None:
                return
            drawn = []
            for gen in range(1, length + 1):
                cname = "%s-gen%d" % (name, gen)
                h, _, clone = machine.restore(report, cname, path, earlier, True)
                if not read_clone(report, h, clone):
                    return
                report.result("%s gen %d: exactly one more reseed line (%d -> %s), exactly "
                              "one uevent (%s)" % (label, gen, gen - 1, clone.get("reseeds"),
                                                   clone.get("uevents")),
                              clone.get("reseeds") == gen and clone.get("uevents") == 1
                              and clone.get("gen") == gen and clone.get("heard") == "yes",
                              "the guest's round %s, uevent heard in time: %s"
                              % (clone.get("gen"), clone.get("heard")))
                report.result("%s gen %d: bytes %s differ from all %d earlier generations'"
                              % (label, gen, short(clone.random), len(drawn)),
                              clone.random not in drawn)
                drawn.append(clone.random)
                if gen == length:
                    finish(report, h, cname)
                    break
                path = os.path.join(OUT, "snapshot-%s" % cname)
                paths.append(path)
                earlier = snapshot_at_ready(report, cname, h, path, earlier)
                if earlier is None:
                    return
                os.unlink(paths[-2])
        finally:
            for p in paths:
                if os.path.exists(p):
                    os.unlink(p)


def test_clone_chain_x86(report):
    """x86_64, project kernel, QEMU's vmgenid: CHAIN chained restores."""
    chain(report, X86(), "chain-x86_64")


def test_clone_chain_arm64(report):
    """arm64, project kernel, the host as VMM: CHAIN chained restores."""
    chain(report, Arm64("arm64 project kernel, host as VMM"), "chain-arm64")


TESTS = [test_clone_x86, test_clone_arm64, test_clone_arm64_stock, test_clone_arm64_stock_module,
         test_clone_chain_arm64]
# In the side lane of a whole run, after the gates (tests/run): it evens
# the two lanes out.
SIDE_TESTS = [test_clone_chain_x86]
