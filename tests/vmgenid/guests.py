# SPDX-License-Identifier: GPL-2.0
"""The guests the vmgenid tests boot, and what they do with them: the
kernels and initramfs images, x86_64 with QEMU's vmgenid device (ACPI) and
its real VM fork (a snapshot, restored), x86_64 with every ACPI shape of
the ID, arm64 with a Firecracker-shaped device tree, the ACPI storm."""

import os
import re
import subprocess
import uuid

from lib.qemu import OUT, Guest, image_name
from vmgenid import dtb, expect

HERE = os.path.dirname(os.path.abspath(__file__))
MEMORY = "256M"
ARM64_MACHINE = ["-M", "virt,gic-version=2", "-cpu", "max", "-m", MEMORY]


def initrd(name):
    return os.path.join(OUT, "initramfs", name + ".cpio")


def project_kernel(arch):
    return os.path.join(OUT, arch, image_name(arch))


def boot(report, g, manifest):
    """Run g to its end; its verdicts held to `manifest`."""
    g.start()
    report.guest(g.name, g, g.run_to_end(), manifest)
    g.cleanup()


# -- x86_64: ACPI, QEMU's vmgenid device, a real VM fork ----------------------

def fork_guest(name, kernel, rd, append, guid, **kw):
    """x86_64 with QEMU's -device vmgenid, its ID `guid`; `kw`: Guest's."""
    return Guest(name, "x86_64", kernel, rd, append,
                 extra=["-device", "vmgenid,id=vg0,guid=%s" % guid], memory=MEMORY, **kw)


def stop_at_ready(report, name, g, path, before, timeout=None):
    """g (started) runs to "ready"; its verdicts are held to the manifest
    `before`; it is migrated to `path` (stopped from then on), killed, and
    its whole kernel log checked. Returns its verdicts, or None if it never
    got ready (its folder is kept)."""
    ready = g.expect("ready", timeout=timeout) is not None
    checks = g.checks()
    problems = report.verdicts(name, checks, before)
    if ready:
        g.migrate_to_file(path)
    else:
        problems.append("never said \"ready\": " + " | ".join(g.kernel_log().splitlines()[-5:]))
    g.kill()
    bad = g.bad_kernel_log()
    if bad:
        problems.append("kernel log: " + bad)
    report.boot(name, problems, "up to the snapshot: manifest of %d checks, \"ready\", "
                "kernel log has no oops, BUG or WARNING" % len(before.checks))
    g.cleanup(keep=not ready)
    return checks if ready else None


def snapshot(report, name, kernel, rd, append, before, accel=None):
    """Boot, wait until the guest says "ready", migrate the VM to a file.

    Reports the checks made before the snapshot, held to the manifest
    `before`; returns (guid, file, the number of those checks)."""
    guid = str(uuid.uuid4())
    g = fork_guest(name, kernel, rd, append, guid, accel=accel).start()
    path = os.path.join(OUT, "snapshot-%s" % name)
    checks = stop_at_ready(report, name, g, path, before)
    if checks is None:
        return None, None, 0
    return guid, path, len(checks)


def restore(name, kernel, rd, append, guid, path, word, earlier=0, accel=None):
    """Restore the snapshot into a new QEMU with `guid`, "cont", and tell the
    guest `word`; `earlier` verdicts reached the QEMU that took the snapshot.
    Returns the guest and the time "cont" returned."""
    h = fork_guest(name, kernel, rd, append, guid, accel=accel)
    h.earlier = earlier
    h.start_from(path)
    return h, h.resume("restored " + word)


def ssdt(report, name, *flags, ids=None):
    """Compile tests/vmgenid/NAME.asl; return the AML's path, or None.
    ids: the shapes SSDT with its devices' IDs moved from the page at
    SHAPES_BASE to the page at `ids` (each ADDR's two words, low and high);
    a copy, OUT/acpi/NAME-IDS.asl, is compiled. The SEL/NCNT bytes stay at
    SHAPES_BASE: QEMU's DSDT is revision 1, so AML integers are 32-bit
    ("Truncated 64-bit constant found in 32-bit table") and an
    OperationRegion cannot lie above 4 GiB."""
    os.makedirs(os.path.join(OUT, "acpi"), exist_ok=True)
    src = os.path.join(HERE, name + ".asl")
    if ids is not None:
        name = "%s-%x" % (name, ids)
        text = re.sub(r"Package \(2\) \{ 0x([0-9A-Fa-f]{8}), 0 \}",
                      lambda m: "Package (2) { 0x%08X, 0x%X }"
                      % ((int(m.group(1), 16) - SHAPES_BASE + ids) & 0xffffffff,
                         (int(m.group(1), 16) - SHAPES_BASE + ids) >> 32), open(src).read())
        src = os.path.join(OUT, "acpi", name + ".asl")
        with open(src, "w") as f:
            f.write(text)
    aml = os.path.join(OUT, "acpi", name)
    p = subprocess.run(["iasl"] + list(flags) + ["-p", aml, src],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        report.result("%s: iasl compiles the SSDT" % name, False, p.stdout[-300:])
        return None
    return aml + ".aml"


# The page that holds the IDs of acpi-shapes.asl's devices (and its SEL byte).
SHAPES_BASE = 0x08000000
# Above 4 GiB: -M q35,max-ram-below-4g=256M -m 512M puts RAM at 0-256 MiB
# and 4-4.25 GiB; the IDs' page near the top of the high part.
HIGH_LOW_RAM = "256M"
HIGH_MEMORY = "512M"
HIGH_IDS = 0x10ff00000


def shapes_guest(report, name, kernel, rd, append, smp=1, high=False):
    """x86_64 with every ACPI shape of the ID (tests/vmgenid/acpi-shapes.asl);
    the host places a random ID for each; the guest keeps the page out of its
    RAM. high: the IDs in a page of RAM above 4 GiB (HIGH_IDS: each ADDR's
    high word 1), kept out of its RAM too."""
    ids = HIGH_IDS if high else SHAPES_BASE
    # -f: the VMMs' _HIDs are not all valid IDs
    aml = ssdt(report, "acpi-shapes", "-f", ids=ids if high else None)
    if not aml:
        return None
    extra = ["-acpitable", "file=" + aml]
    reserve = "memmap=4K$0x%x" % SHAPES_BASE
    if high:
        extra += ["-machine", "max-ram-below-4g=%s" % HIGH_LOW_RAM]
        reserve += " memmap=4K$0x%x" % ids
    g = Guest(name, "x86_64", kernel, rd,
              "%s shapes_base=0x%x shapes_ids=0x%x %s" % (reserve, SHAPES_BASE, ids, append),
              extra=extra, memory=HIGH_MEMORY if high else MEMORY, smp=smp)
    page = bytes(0x100) + os.urandom(7 * 16)
    g.cmd += ["-device", "loader,file=%s,addr=0x%x,force-raw=on"
              % (dtb.write_id(os.path.join(g.dir, "ids.bin"), page), ids)]
    return g


# -- arm64: a Firecracker-shaped device tree ----------------------------------

def arm64_guest(name, kernel, rd, variant, append, id_bytes, smp=1, no_map=True, memory=MEMORY,
                **kw):
    """arm64 with the device tree `variant` (dtb.make; no_map=False: the
    ID in memory the kernel knows), the ID `id_bytes` placed where the
    tree says, at the top of `memory` of RAM; `kw`: Guest's."""
    g = Guest(name, "arm64", kernel, rd, append, memory=memory, smp=smp, **kw)
    machine = [a if a != MEMORY else memory for a in ARM64_MACHINE]
    path = dtb.make(os.path.join(g.dir, "virt.dtb"), machine + ["-smp", str(smp)], memory,
                    variant, no_map)
    idfile = dtb.write_id(os.path.join(g.dir, "id.bin"), id_bytes)
    g.cmd += ["-dtb", path, "-device",
              "loader,file=%s,addr=0x%x,force-raw=on" % (idfile, dtb.id_addr(memory))]
    return g


def dt_guest(name, variant, append, id_bytes, **kw):
    """arm64_guest on the project's arm64 kernel and its initramfs."""
    return arm64_guest(name, project_kernel("arm64"), initrd("arm64-vmgenid"), variant, append,
                       id_bytes, **kw)


def raise_spi(gdb):
    """As a VMM does: set the vmgenid node's SPI pending in the GIC
    distributor, through QEMU's gdbstub (`gdb`, a lib.gdb.GdbRemote)."""
    gdb.write(dtb.ISPENDR, (1 << (dtb.INTID % 32)).to_bytes(4, "little"))


# -- storms: 4 vCPUs, kernels with the lock checkers ----------------------------
# The test kernels carry PROVE_LOCKING, DEBUG_ATOMIC_SLEEP and DEBUG_OBJECTS
# (configs/common.config); each boot's kernel log must stay clean.

STORM_NOTIFIES = os.environ.get("STORM_NOTIFIES", "50")
STORM_TIMEOUT = 300  # s: 4 vCPUs under TCG, beside the gate in the other lane


def storm_acpi(report, name, kernel, rd, kasan=False):
    """The ACPI storm (storm.sh) on `kernel`; kasan: a kernel built with
    KASAN, given three times as long."""
    g = shapes_guest(report, name, kernel, rd,
                     "test=storm modalias=1 storm_notifies=%s" % STORM_NOTIFIES, smp=4)
    if not g:
        return
    g.timeout = STORM_TIMEOUT * (3 if kasan else 1)
    g.start()
    report.guest(g.name, g, g.run_to_end(), expect.storm(acpi=True))
    if kasan:
        # A KASAN report would fail the log check above: this says the
        # checker was there to make one.
        report.result("%s: KASAN was on: 'KernelAddressSanitizer initialized'" % name,
                      "KernelAddressSanitizer initialized" in g.kernel_log(), kind="diagnostic")
    g.cleanup()
