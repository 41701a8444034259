# SPDX-License-Identifier: GPL-2.0
"""QEMU boots of the patched kernels: vmgenid through ACPI and through DT."""

import os
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT, Guest  # noqa: E402
from vmgenid import dtb  # noqa: E402

X86_KERNEL = os.path.join(OUT, "x86_64", "bzImage")
ARM64_KERNEL = os.path.join(OUT, "arm64", "Image")
X86_INITRD = os.path.join(OUT, "initramfs", "x86_64-vmgenid.cpio")
ARM64_INITRD = os.path.join(OUT, "initramfs", "arm64-vmgenid.cpio")
MEMORY = "256M"
ARM64_MACHINE = ["-M", "virt,gic-version=2", "-cpu", "max", "-m", MEMORY, "-smp", "1"]
CYCLES = os.environ.get("BIND_CYCLES", "100")


def fork_guest(name, guid, append=""):
    return Guest(name, "x86_64", X86_KERNEL, X86_INITRD, "test=acpi-fork " + append,
                 extra=["-device", "vmgenid,id=vg0,guid=%s" % guid], memory=MEMORY)


def snapshot(report, name, append=""):
    """Boot, wait for the guest to be ready, migrate it to a file."""
    guid = str(uuid.uuid4())
    g = fork_guest(name, guid, append).start()
    if g.expect("ready") is None:
        report.guest(name, g, False)
        g.cleanup(keep=True)
        return None, None, None
    path = os.path.join(g.dir, "snapshot")
    g.migrate_to_file(path)
    g.kill()
    return g, guid, path


def restore(name, guid, path, word):
    """Restore the snapshot in a new QEMU with `guid`, "cont", tell the guest.

    Returns the guest and the time "cont" returned."""
    h = fork_guest(name, guid)
    h.cmd.append("-S")
    h.start(incoming="exec:cat %s" % path)
    while h.qmp("query-status")["status"] == "inmigrate":
        pass
    h.qmp("cont")
    t0 = time.monotonic()
    h.send("restored " + word)
    return h, t0


def test_acpi_fork(report):
    """x86_64: bind through ACPI, bind/unbind cycles, a real VM fork, a same-guid restore."""
    first, guid, path = snapshot(report, "acpi", "cycles=%s" % CYCLES)
    if not path:
        return
    for passed, name in first.checks():
        report.result("acpi: " + name, passed)
    bad = first.bad_kernel_log()
    report.result("acpi: kernel log before the snapshot has no oops, BUG, WARNING or leak",
                  bad is None, bad or "")
    for word, g in (("changed", str(uuid.uuid4())), ("same", guid)):
        h, _ = restore("acpi-" + word, g, path, word)
        report.guest("acpi-" + word, h, h.run_to_end())
        h.wait_exit()
        h.cleanup()
    first.cleanup()


def arm64_guest(name, variant, append, id_bytes):
    g = Guest(name, "arm64", ARM64_KERNEL, ARM64_INITRD, append, memory=MEMORY)
    path = dtb.make(os.path.join(g.dir, "virt.dtb"), ARM64_MACHINE, MEMORY, variant)
    idfile = dtb.write_id(os.path.join(g.dir, "id.bin"), id_bytes)
    g.cmd += ["-dtb", path, "-device",
              "loader,file=%s,addr=0x%x,force-raw=on" % (idfile, dtb.id_addr(MEMORY))]
    return g


def test_dt(report):
    """arm64: bind through OF, exact ID, simulated notifications, bind/unbind cycles."""
    first, new = os.urandom(16), os.urandom(16)
    g = arm64_guest("dt", "good", "test=dt cycles=%s " % CYCLES +
                    dtb.cmdline(MEMORY, first, new), first)
    g.start()
    report.guest("dt", g, g.run_to_end())
    g.wait_exit()
    g.cleanup()


def test_dt_malformed(report):
    """arm64: malformed nodes are refused with messages, no oops."""
    g = arm64_guest("dt-bad", "bad", "test=dt-bad", os.urandom(16))
    g.start()
    report.guest("dt-bad", g, g.run_to_end())
    g.wait_exit()
    g.cleanup()


TESTS = [test_acpi_fork, test_dt, test_dt_malformed]
