# SPDX-License-Identifier: GPL-2.0
"""The wakeup-mailbox guests: QEMU x86_64 running the project's test
firmware (firmware/wakeup-mailbox), which parks every AP in an ACPI
Multiprocessor Wakeup mailbox loop and boots Linux with a device tree;
what the firmware's debug port and QEMU's trace of local APIC register
writes say of a boot; the firmware alone under QEMU."""

import os
import re
import subprocess

from lib.qemu import OUT, PREBUILT, TOP, Guest, prebuilt, read_text
from wakeup_mailbox import dts, madt

# MAILBOX_KERNEL=FILE boots another kernel (make bench compares kernels).
KERNEL = os.environ.get("MAILBOX_KERNEL") or os.path.join(OUT, "x86_64", "bzImage")
INITRD = os.path.join(OUT, "initramfs", "x86_64-mailbox.cpio")
FW = os.path.join(OUT, "firmware", "mailbox-fw.elf")
ICR_LO = 0x300


# The firmware's debug port (its log), and the device through which it
# ends QEMU with an exit status of its own.
DEBUGCON = ["-global", "isa-debugcon.iobase=0xe9"]
EXIT_DEVICE = ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def firmware():
    """The test firmware's image, built (make -C firmware/wakeup-mailbox)."""
    if PREBUILT:
        return prebuilt(FW)
    subprocess.run(["make", "-s", "-C", os.path.join(TOP, "firmware", "wakeup-mailbox"),
                    "O=" + os.path.join(OUT, "firmware")], check=True)
    return FW


def firmware_cmd(ncpus, fwargs, log, mem="256M", machine="pc", modules=None, exit_device=True):
    """QEMU (TCG, one thread) running the test firmware alone: `fwargs` its
    command line, its debug port written to `log`; `modules`, its -initrd
    (multiboot modules, comma-separated); without `exit_device`, the
    firmware cannot end QEMU when it is done."""
    cmd = ["qemu-system-x86_64", "-M", machine, "-accel", "tcg,thread=single", "-cpu", "max",
           "-smp", str(ncpus), "-m", mem, "-display", "none", "-vga", "none", "-monitor",
           "none", "-serial", "none", "-no-reboot", "-no-user-config",
           "-kernel", firmware(), "-append", fwargs, "-debugcon", "file:" + log] + DEBUGCON
    if modules:
        cmd += ["-initrd", modules]
    return cmd + (EXIT_DEVICE if exit_device else [])


def mailbox_guest(name, ncpus, variant, append="", timeout=300, kernel=KERNEL, fwargs=None,
                  shape=None, mailbox=None, mem=None, machine=None, acpi=None, initrd=INITRD,
                  scenario="mailbox", accel="tcg", topology=None):
    """A Guest whose QEMU runs the test firmware, which boots Linux.

    variant: dts.VARIANTS, also handed to the guest (variant=); fwargs: the
    firmware's command line (default: what the variant needs,
    dts.fwargs()); shape: "project" or "openhcl" (dts.SHAPES; default
    "openhcl" for the variant "openhcl", else "project"); mailbox: the good
    mailbox's address (default: the shape's); mem, machine: QEMU -m and -M
    (default: what backs the shape's mailbox with RAM, dts.qemu_memory());
    acpi: boot Linux without acpi=off (default: only for dts.ACPI_VARIANTS).
    A dts.MADT_VARIANTS variant adds a second MADT (madt.py) naming the
    mailbox, and Linux takes it (acpi_apic_instance=2).
    The guest gets mailbox_addr= the address the tree names (hex); it runs
    the scenario `scenario` from the initramfs `initrd`. accel: "tcg" (one
    thread), or "kvm" for make bench where /dev/kvm works (the host's CPU;
    QEMU's APIC trace then sees nothing: KVM emulates the APIC).
    topology: (QEMU -smp value, the APIC IDs it gives) for a sparse one,
    e.g. ("6,sockets=2,cores=3", (0, 1, 2, 4, 5, 6)); default ncpus CPUs
    numbered 0..ncpus-1."""
    g = Guest(name, "x86_64", kernel, initrd, "", timeout=timeout)
    if shape is None:
        shape = "openhcl" if variant == "openhcl" else "project"
    if mailbox is None:
        mailbox = dts.default_mailbox(shape)
    if fwargs is None:
        fwargs = dts.fwargs(variant, mailbox, shape)
    if acpi is None:
        acpi = variant in dts.ACPI_VARIANTS
    shape_machine, shape_mem = dts.qemu_memory(shape)
    named = dts.named_mailbox(variant, mailbox, shape)
    smp, apic_ids = topology or (str(ncpus), None)
    path = dts.dtb(os.path.join(g.dir, "board.dtb"), ncpus, variant, mailbox, shape, apic_ids)
    acpitable = []
    if variant in dts.MADT_VARIANTS:
        acpitable = ["-acpitable", madt.write(os.path.join(g.dir, "madt.bin"), ncpus, mailbox,
                                              dts.MADT_VARIANTS[variant])]
        append = ("acpi_apic_instance=2 " + append).strip()
    g.debugcon = os.path.join(g.dir, "debugcon.log")
    g.trace = os.path.join(g.dir, "trace.log")
    # crashkernel=: room for the test that a crash kernel still loads.
    cmdline = ("console=ttyS0%s result=/dev/ttyS1 panic=-1 test=%s crashkernel=16M "
               "ncpus=%d variant=%s shape=%s%s %s"
               % ("" if acpi else " acpi=off", scenario, ncpus, variant, shape,
                  "" if named is None else " mailbox_addr=%#x" % named, append)).strip()
    g.cmd = ["qemu-system-x86_64", "-M", machine or shape_machine,
             "-accel", "tcg,thread=single" if accel == "tcg" else accel,
             "-cpu", "max" if accel == "tcg" else "host", "-smp", smp,
             "-m", mem or shape_mem, "-display", "none",
             "-vga", "none", "-no-reboot", "-no-user-config",
             "-serial", "file:" + g.console,
             "-chardev", "socket,id=result,path=%s,server=on,wait=off" % g.result_sock,
             "-serial", "chardev:result",
             "-qmp", "unix:%s,server=on,wait=off" % g.qmp_sock,
             "-kernel", firmware(), "-append", fwargs,
             "-initrd", "%s %s,%s,%s" % (kernel, cmdline.replace(",", ",,"), initrd, path),
             "-debugcon", "file:" + g.debugcon] + DEBUGCON + EXIT_DEVICE + [
             "-trace", "enable=apic_mem_writel,file=" + g.trace] + acpitable
    return g


def served(g):
    """APIC IDs the firmware woke through the mailbox, in order."""
    return [int(m) for m in re.findall(r"^mailbox: woke apic (\d+)", read_text(g.debugcon), re.M)]


def linux_init_sipi(g):
    """INIT and STARTUP IPIs sent to a single APIC ID (no shorthand)."""
    n = 0
    try:
        lines = open(g.trace, errors="replace").read().splitlines()
    except OSError:
        return -1
    for line in lines:
        m = re.search(r"apic_mem_writel (?:offset|addr)?\s*(0x[0-9a-f]+)\D+(0x[0-9a-f]+)", line)
        if not m or int(m.group(1), 16) & 0xff0 != ICR_LO:
            continue
        icr = int(m.group(2), 16)
        if (icr >> 8) & 7 in (5, 6) and (icr >> 18) & 3 == 0:
            n += 1
    return n


def bringup_ms(log):
    """Kernel time from "Bringing up secondary CPUs" to "Brought up", in ms,
    in a kernel log."""
    a = re.search(r"\[\s*([\d.]+)\] smp: Bringing up secondary CPUs", log)
    b = re.search(r"\[\s*([\d.]+)\] smp: Brought up", log)
    return (float(b.group(1)) - float(a.group(1))) * 1000 if a and b else None
