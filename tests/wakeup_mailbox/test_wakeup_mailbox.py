# SPDX-License-Identifier: GPL-2.0
"""QEMU x86_64 boots under the project's test firmware, which parks every AP
in an ACPI Multiprocessor Wakeup mailbox loop: the device tree's mailbox,
malformed trees, the firmware's own self test.

A boot is checked three ways: the guest's own checks (kernel log, CPUs
online), the firmware's count of wakes served (its debug port), and QEMU's
trace of local APIC register writes, in which an INIT or STARTUP IPI sent to
one APIC ID is Linux's INIT/SIPI path (the firmware only ever broadcasts)."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT, TOP, Guest  # noqa: E402
from wakeup_mailbox import dts  # noqa: E402

KERNEL = os.path.join(OUT, "x86_64", "bzImage")
INITRD = os.path.join(OUT, "initramfs", "x86_64-mailbox.cpio")
FW = os.path.join(OUT, "firmware", "mailbox-fw.elf")
ICR_LO = 0x300


def firmware():
    subprocess.run(["make", "-s", "-C", os.path.join(TOP, "firmware", "wakeup-mailbox"),
                    "O=" + os.path.join(OUT, "firmware")], check=True)
    return FW


def mailbox_guest(name, ncpus, variant, append="", timeout=300, kernel=KERNEL, fwargs=None,
                  shape=None, mailbox=None, mem=None, machine=None, acpi=None):
    """A Guest whose QEMU runs the test firmware, which boots Linux.

    variant: dts.VARIANTS, also handed to the guest (variant=); fwargs: the
    firmware's command line (default: what the variant needs,
    dts.fwargs()); shape: "project" or "openhcl" (dts.SHAPES; default
    "openhcl" for the variant "openhcl", else "project"); mailbox: the good
    mailbox's address (default: the shape's); mem, machine: QEMU -m and -M
    (default: what backs the shape's mailbox with RAM, dts.qemu_memory());
    acpi: boot Linux without acpi=off (default: only for dts.ACPI_VARIANTS).
    The guest gets mailbox_addr= the address the tree names (hex)."""
    g = Guest(name, "x86_64", kernel, INITRD, "", timeout=timeout)
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
    path = dts.dtb(os.path.join(g.dir, "board.dtb"), ncpus, variant, mailbox, shape)
    g.debugcon = os.path.join(g.dir, "debugcon.log")
    g.trace = os.path.join(g.dir, "trace.log")
    cmdline = ("console=ttyS0%s result=/dev/ttyS1 panic=-1 test=mailbox "
               "ncpus=%d variant=%s shape=%s%s %s"
               % ("" if acpi else " acpi=off", ncpus, variant, shape,
                  "" if named is None else " mailbox_addr=%#x" % named, append)).strip()
    g.cmd = ["qemu-system-x86_64", "-M", machine or shape_machine, "-accel", "tcg,thread=single",
             "-cpu", "max", "-smp", str(ncpus), "-m", mem or shape_mem, "-display", "none",
             "-vga", "none", "-no-reboot", "-no-user-config",
             "-serial", "file:" + g.console,
             "-chardev", "socket,id=result,path=%s,server=on,wait=off" % g.result_sock,
             "-serial", "chardev:result",
             "-qmp", "unix:%s,server=on,wait=off" % g.qmp_sock,
             "-kernel", firmware(), "-append", fwargs,
             "-initrd", "%s %s,%s,%s" % (kernel, cmdline.replace(",", ",,"), INITRD, path),
             "-debugcon", "file:" + g.debugcon, "-global", "isa-debugcon.iobase=0xe9",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
             "-trace", "enable=apic_mem_writel,file=" + g.trace]
    return g


def served(g):
    """APIC IDs the firmware woke through the mailbox, in order."""
    try:
        log = open(g.debugcon, errors="replace").read()
    except OSError:
        return []
    return [int(m) for m in re.findall(r"^mailbox: woke apic (\d+)", log, re.M)]


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


def bringup_ms(g):
    """Kernel time from "Bringing up secondary CPUs" to "Brought up", in ms."""
    log = g.kernel_log()
    a = re.search(r"\[\s*([\d.]+)\] smp: Bringing up secondary CPUs", log)
    b = re.search(r"\[\s*([\d.]+)\] smp: Brought up", log)
    return (float(b.group(1)) - float(a.group(1))) * 1000 if a and b else None


def boot(report, name, ncpus, variant, kernel=KERNEL):
    g = mailbox_guest(name, ncpus, variant, kernel=kernel).start()
    report.guest(name, g, g.run_to_end())
    g.wait_exit()
    return g


def test_firmware_selftest(report):
    """The firmware alone: it parks the APs and wakes each through its mailbox."""
    for n in (1, 2, 4, 8, 32):
        log = os.path.join(OUT, "firmware", "selftest-%d.log" % n)
        p = subprocess.run(["timeout", "120", "qemu-system-x86_64", "-M", "pc", "-accel",
                            "tcg,thread=single", "-cpu", "max", "-smp", str(n), "-m", "256M",
                            "-display", "none", "-vga", "none", "-monitor", "none", "-serial",
                            "none", "-no-reboot", "-kernel", firmware(), "-append", "selftest",
                            "-debugcon", "file:" + log, "-global", "isa-debugcon.iobase=0xe9",
                            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
        text = open(log, errors="replace").read() if os.path.exists(log) else ""
        want = "fw: selftest ok (%d aps woke)" % (n - 1)
        report.result("firmware self-test, %d vCPUs: %s" % (n, want),
                      p.returncode == 1 and want in text,
                      "exit %d, %s" % (p.returncode, text.strip().splitlines()[-1:]))


def test_mailbox_smp(report):
    """The field's device tree, 1 to 32 vCPUs: every AP comes up through the mailbox."""
    for n in (1, 2, 4, 8, 32):
        name = "mailbox-%dcpu" % n
        g = boot(report, name, n, "good")
        woke = served(g)
        report.result("%s: the firmware served one wake per AP (%d)" % (name, n - 1),
                      sorted(woke) == list(range(1, n)), "served %s" % woke)
        k = linux_init_sipi(g)
        report.result("%s: Linux sent no INIT/SIPI (QEMU APIC trace)" % name, k == 0,
                      "%d INIT/STARTUP IPIs to single CPUs" % k)
        g.cleanup()


def test_mailbox_noacpi(report):
    """The same boot with a kernel built with CONFIG_ACPI=n: the wake code
    does not depend on ACPI."""
    name = "mailbox-noacpi-8cpu"
    g = boot(report, name, 8, "good", kernel=KERNEL + "-noacpi")
    report.result("%s: the firmware served one wake per AP (7)" % name,
                  sorted(served(g)) == list(range(1, 8)), "served %s" % served(g))
    k = linux_init_sipi(g)
    report.result("%s: Linux sent no INIT/SIPI (QEMU APIC trace)" % name, k == 0,
                  "%d INIT/STARTUP IPIs to single CPUs" % k)
    config = os.path.join(OUT, "build", "x86_64-all-noacpi", ".config")
    report.result("%s: the kernel was built with CONFIG_ACPI=n" % name,
                  os.path.exists(config) and "# CONFIG_ACPI is not set" in open(config).read())
    g.cleanup()


def test_mailbox_missing_node(report):
    """No mailbox node: the kernel falls back to INIT/SIPI, and the trace shows it."""
    g = boot(report, "mailbox-missing", 4, "missing")
    report.result("mailbox-missing: the firmware served no wake", served(g) == [],
                  "served %s" % served(g))
    k = linux_init_sipi(g)
    report.result("mailbox-missing: the APIC trace shows Linux's INIT/SIPI", k > 0,
                  "%d INIT/STARTUP IPIs to single CPUs" % k)
    g.cleanup()


def test_mailbox_malformed(report):
    """Malformed nodes: refused with a message, boot with one CPU, no oops."""
    for variant in sorted(dts.REFUSED):
        name = "mailbox-bad-%s" % variant
        g = boot(report, name, 4, variant)
        report.result("%s: the firmware served no wake" % name, served(g) == [],
                      "served %s" % served(g))
        g.cleanup()


TESTS = [test_firmware_selftest, test_mailbox_smp, test_mailbox_noacpi,
         test_mailbox_missing_node, test_mailbox_malformed]
