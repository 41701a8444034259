# SPDX-License-Identifier: GPL-2.0
"""QEMU x86_64 boots under the project's test firmware, which parks every AP
in an ACPI Multiprocessor Wakeup mailbox loop: the device tree's mailbox,
malformed trees, control kernels. The firmware's own tests, without Linux,
are test_firmware.py's.

A boot is checked three ways: the guest's own checks (kernel log, CPUs
online), the firmware's count of wakes served (its debug port), and QEMU's
trace of local APIC register writes, in which an INIT or STARTUP IPI sent to
one APIC ID is Linux's INIT/SIPI path (the firmware only ever broadcasts)."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT, TOP, stock_kernel  # noqa: E402
from lib.report import build_control, control_verdict  # noqa: E402
from wakeup_mailbox import dts, expect  # noqa: E402
from wakeup_mailbox.boot import KERNEL, linux_init_sipi, mailbox_guest, served  # noqa: E402


def tf(name):
    """A mailbox boot's name in its results: the APs' side of every such
    boot is the project's own test firmware, not a real one."""
    return "%s (test firmware)" % name


def wakes(report, name, g, ncpus, how):
    """The firmware's and QEMU's view of one boot. how: "mailbox" (every AP
    woken once through the mailbox, no INIT/SIPI), "initsipi" (no mailbox
    wake, Linux sent INIT/SIPI), "none" (no CPU started by any means)."""
    woke = served(g)
    k = linux_init_sipi(g)
    if how == "mailbox":
        if ncpus > 1:
            report.result("%s: the test firmware served one wake per AP (%d)" % (name, ncpus - 1),
                          sorted(woke) == list(range(1, ncpus)), "served %s" % woke)
        else:
            report.skip("%s: one wake per AP" % name, "not applicable: one vCPU, no AP")
        report.result("%s: Linux sent no INIT/SIPI (QEMU APIC trace)" % name, k == 0,
                      "saw %d INIT/STARTUP IPIs to single CPUs" % k)
    elif how == "initsipi":
        report.result("%s: the test firmware served no wake" % name, woke == [], "served %s" % woke)
        report.result("%s: the APIC trace shows Linux's INIT/SIPI" % name, k > 0,
                      "saw %d INIT/STARTUP IPIs to single CPUs" % k)
    else:
        report.result("%s: the test firmware served no wake" % name, woke == [], "served %s" % woke)
        report.result("%s: no INIT/SIPI at any time, onlining included (QEMU APIC trace)" % name,
                      k == 0, "saw %d INIT/STARTUP IPIs to single CPUs" % k)


def boot(report, name, ncpus, variant, how, kernel=KERNEL, acpi=False, **kw):
    g = mailbox_guest(name, ncpus, variant, kernel=kernel, **kw)
    if acpi:
        g.cmd = [c.replace("console=ttyS0 acpi=off ", "console=ttyS0 ") for c in g.cmd]
    g.start()
    report.guest(tf(name), g, g.run_to_end(), expect.mailbox(variant, ncpus))
    wakes(report, name, g, ncpus, how)
    g.cleanup()
    return g


def test_mailbox_smp(report):
    """OpenHCL's device tree, its mailbox in no e820 entry (as OpenHCL does
    today), 1 to 32 vCPUs: every AP comes up through the mailbox."""
    for n in (1, 2, 4, 8, 32):
        boot(report, "mailbox-openhcl-%dcpu" % n, n, "openhcl", "mailbox", shape="openhcl")


def test_mailbox_field_variants(report):
    """The other ways the field hands the mailbox over, and the project's
    first tree shape."""
    boot(report, "mailbox-openhcl-reserved", 4, "reserved", "mailbox", shape="openhcl")
    for n in (2, 8):
        boot(report, "mailbox-project-%dcpu" % n, n, "good", "mailbox")


def test_mailbox_noacpi(report):
    """The same boot with a kernel built with CONFIG_ACPI=n: the wake code
    does not depend on ACPI."""
    name = "mailbox-noacpi-8cpu"
    if not os.path.exists(KERNEL + "-noacpi"):
        report.result("%s: the kernel" % name, False,
                      "no %s: make test-noacpi builds it" % (KERNEL + "-noacpi"), kind="setup")
        return
    boot(report, name, 8, "openhcl", "mailbox", kernel=KERNEL + "-noacpi", shape="openhcl")
    config = os.path.join(OUT, "build", "x86_64-all-noacpi", ".config")
    report.result("%s: the kernel was built with CONFIG_ACPI=n" % name,
                  os.path.exists(config) and "# CONFIG_ACPI is not set" in open(config).read())


def test_mailbox_initsipi(report):
    """No mailbox node, or a disabled one: the kernel uses INIT/SIPI."""
    boot(report, "mailbox-missing", 4, "missing", "initsipi")
    boot(report, "mailbox-disabled", 4, "disabled", "initsipi", shape="openhcl")


def test_mailbox_refused(report):
    """Every mailbox the kernel must refuse: a message that names the
    problem, one CPU for good (onlining cpu1 later fails), and no INIT/SIPI
    at any time."""
    for variant in sorted(dts.REFUSED):
        if variant == "ram":
            continue  # an alias of e820-ram
        boot(report, "mailbox-refused-%s" % variant, 2, variant, "none", shape="openhcl")


def test_mailbox_bios_tables(report):
    """SeaBIOS's MP and ACPI tables left in memory: with acpi=off the
    device tree's CPUs are counted once (the MP table is not parsed); with
    ACPI on, ACPI's description wins and the tree's mailbox is not used."""
    boot(report, "mailbox-dedup", 4, "dedup", "mailbox", shape="openhcl")
    boot(report, "mailbox-acpi-wins", 4, "acpi", "initsipi", acpi=True, shape="openhcl")


def control_boot(report, name, ctl, fails, ncpus, variant, oops=None, **kw):
    """Boot the control kernel CTL (tests/wakeup_mailbox/controls/CTL.patch
    on the test kernel, scripts/build-control) with `variant`: exactly the
    guest checks `fails` (patterns: * stands for any text) fail, every
    other check passing, and the scenario runs to its end
    (control_verdict); with `oops` (a pattern), the kernel must instead
    oops at boot with it, every check it made before passing."""
    patch = os.path.join(TOP, "tests", "wakeup_mailbox", "controls", ctl + ".patch")
    kernel = build_control(report, name, "x86_64", ctl, patch)
    if not kernel:
        return
    with mailbox_guest("control-" + ctl, ncpus, variant, kernel=kernel, **kw) as g:
        g.start()
        completed = g.run_to_end()
        g.wait_exit()
        checks = [(ok, n) for ok, n in g.checks()]
        if oops:
            found = re.search(oops, g.kernel_log())
            failed = [n for ok, n in checks if not ok]
            report.control("%s: the kernel oopses at boot: \"%s\", and no check made before "
                           "fails" % (name, oops),
                           not completed and found is not None and not failed,
                           "no \"done\"; %s%s" % (found.group(0) if found else "no such line",
                                                  "; failed: %s" % failed if failed else "")
                           if not completed else "the scenario ran to its end")
            return
        report.result("%s: the scenario ran to its end" % name, completed, kind="boot")
        control_verdict(report, name, checks, fails)


def test_mailbox_dedup_control(report):
    """Control of mailbox-dedup: a kernel built without the series' line
    that stops the MP table from being parsed (controls/
    dedup-keeps-mp-table.patch, scripts/build-control) must fail the
    checks that the CPUs are counted once."""
    control_boot(report, "control mailbox-dedup, kernel without the MP-table line",
                 "dedup-keeps-mp-table",
                 ("*no CPU from the MP table*", "*CPUs possible, counted once*"),
                 4, "dedup", shape="openhcl")


def test_mailbox_intc(report):
    """A tree with local APIC and IO-APIC nodes (intel,ce4100-*), without
    and with the mailbox: no oops, the timer and the serial port interrupt
    through the IO-APIC."""
    boot(report, "mailbox-intc", 2, "intc", "initsipi")
    boot(report, "mailbox-intc-mailbox", 4, "intc-mailbox", "mailbox")


def test_mailbox_trampoline(report):
    """No usable RAM below 1 MiB (test firmware's no-low-ram). With
    OpenHCL's tree and its mailbox in an e820 hole, the trampoline goes
    above 1 MiB and every AP comes up through the mailbox; without a
    mailbox node (INIT/SIPI needs it below 1 MiB) one CPU, said why, no
    panic, and no CPU started later."""
    boot(report, "mailbox-trampoline-openhcl", 4, "trampoline", "mailbox", shape="openhcl",
         mailbox=0x20000000, mem="1G", machine="pc")
    boot(report, "mailbox-trampoline-initsipi", 2, "trampoline-initsipi", "none")


def test_mailbox_maxcpus1(report):
    """maxcpus=1 with the mailbox: kexec loads while no CPU has left the
    test firmware's loop; cpu1 brought online later is woken through the
    mailbox, and from then on kexec is refused (a crash kernel still
    loads)."""
    name = "mailbox-openhcl-maxcpus1"
    g = mailbox_guest(name, 4, "maxcpus1", shape="openhcl", append="maxcpus=1")
    g.start()
    report.guest(tf(name), g, g.run_to_end(), expect.mailbox("maxcpus1", 4))
    woke = served(g)
    report.result("%s: the test firmware served one wake, cpu1's (APIC ID 1)" % name,
                  woke == [1], "served %s" % woke)
    k = linux_init_sipi(g)
    report.result("%s: Linux sent no INIT/SIPI (QEMU APIC trace)" % name, k == 0,
                  "saw %d INIT/STARTUP IPIs to single CPUs" % k)
    g.cleanup()


def test_mailbox_nosmt(report):
    """OpenHCL's tree, 2 cores of 2 threads (GenuineIntel, so that the
    kernel sees the siblings), booted with nosmt: the hotplug core boots
    each second thread and rolls it back. Through the mailbox the result
    must match INIT/SIPI's (CPUs 0 and 2, a clean log); offlining and
    hibernation are refused, and the rolled-back threads are not woken
    through the mailbox twice. The INIT/SIPI boot is the control: there
    offlining, hibernation (pm_test) and smt on succeed."""
    for variant, how in (("nosmt", "mailbox"), ("nosmt-initsipi", "initsipi")):
        name = "mailbox-openhcl-%s" % variant
        g = mailbox_guest(name, 4, variant, shape="openhcl", append="nosmt",
                          mailbox=0x3000000, mem="1G", machine="pc")
        g.cmd[g.cmd.index("-smp") + 1] = "4,cores=2,threads=2"
        g.cmd[g.cmd.index("-cpu") + 1] = "max,vendor=GenuineIntel"
        g.start()
        report.guest(tf(name), g, g.run_to_end(), expect.mailbox(variant, 4))
        wakes(report, name, g, 4, how)
        g.cleanup()


def test_mailbox_intc_nocpus(report):
    """A tree with IO-APIC nodes and no CPU nodes, beside SeaBIOS's MP
    table (acpi=off): the IO-APIC is registered once, the tree's. Two
    controls (tests/wakeup_mailbox/controls/): ioapic-twice, without the
    IO-APIC path's MP-table line (its message kept), registers the MP
    table's IO-APIC as well and oopses at boot; ioapic-mp-only, which
    ignores the tree's IO-APIC nodes so that the MP table's IO-APIC is the
    one registered, must fail the check of the IRQ domains (the message
    check of one registration line cannot tell)."""
    boot(report, "mailbox-intc-nocpus", 2, "intc-nocpus", "none")
    control_boot(report, "control mailbox-intc-nocpus, kernel without the IO-APIC path's "
                 "MP-table line", "ioapic-twice", (), 2, "intc-nocpus",
                 oops=r"BUG: kernel NULL pointer dereference")
    control_boot(report, "control mailbox-intc-nocpus, kernel that ignores the tree's IO-APIC "
                 "nodes", "ioapic-mp-only",
                 # It parses SeaBIOS's MP table instead, and its CPU entries with it.
                 ("*one IO-APIC IRQ domain, the tree's*",
                  "*the tree's IO-APICs win over SeaBIOS's MP table*",
                  "*no CPU from the MP table*"), 2,
                 "intc-nocpus")


def test_mailbox_madt(report):
    """The ACPI MADT's mailbox, the way most TDX guests get it: a second
    MADT (madt.py) names the firmware's mailbox in a Multiprocessor Wakeup
    structure, and the tree has CPU nodes only. Every AP comes up through
    the mailbox; offlining and kexec are refused (a crash kernel loads), as
    on the device tree's path. A malformed structure is named in the
    kernel log and its mailbox is not used."""
    boot(report, "mailbox-madt", 4, "madt", "mailbox")
    boot(report, "mailbox-madt-malformed", 4, "madt-malformed", "initsipi")


def test_mailbox_madt_stock(report):
    """The control for test_mailbox_madt: Debian's stock 6.1 kernel, booted
    the same way, brings every AP up through the MADT's mailbox and takes
    cpu1 offline; bringing it back online never returns (the wakeup's wait
    spins: a soft lockup). The guest says when it starts onlining; the
    host then watches the kernel log for up to 90 s and ends QEMU (its
    shutdown would wait for the hung CPU too)."""
    name = "control mailbox-madt, Debian's stock 6.1"
    with mailbox_guest("mailbox-madt-stock", 4, "madt-stock", kernel=stock_kernel("x86_64"),
                       timeout=150) as g:
        g.start()
        _, started = g.expect_prefix("onlining cpu1")
        lockup = None
        if started:
            deadline = time.monotonic() + 90
            while lockup is None and time.monotonic() < deadline:
                lockup = re.search(r"watchdog: BUG: soft lockup - CPU#\d+ stuck for \d+s!",
                                   g.kernel_log())
                time.sleep(1)
        _, returned = g.expect_prefix("onlining cpu1 returned", timeout=1)
        g.kill()
        seen = {n: ok for ok, n in g.checks()}
        report.result("%s: every AP came up through the mailbox" % name,
                      sorted(served(g)) == [1, 2, 3] and linux_init_sipi(g) == 0,
                      "served %s, %d INIT/SIPIs" % (served(g), linux_init_sipi(g)))
        report.result("%s: all 4 CPUs online, and offlining cpu1 is accepted" % name,
                      seen.get("all 4 CPUs are online") is True and
                      seen.get("offlining cpu1 is accepted") is True,
                      "; ".join("%s %s" % ("ok" if ok else "not ok", n) for n, ok in seen.items()))
        report.control("%s: onlining cpu1 again never returns (where the project's kernel "
                       "refuses the offlining)" % name,
                       started is not None and lockup is not None and returned is None,
                       "%s; %s; %s" % ("onlining started" if started else "onlining never started",
                                       lockup.group(0) if lockup else "no soft lockup in 90 s",
                                       returned or "the write did not return"))


# make test-noacpi: its kernel is a build of its own, left out of make
# test for CI time (the gate compiles every ACPI=n configuration).
NOACPI_TESTS = [test_mailbox_noacpi]
TESTS = [test_mailbox_smp, test_mailbox_field_variants,
         test_mailbox_initsipi, test_mailbox_refused, test_mailbox_bios_tables,
         test_mailbox_dedup_control,
         test_mailbox_intc, test_mailbox_intc_nocpus, test_mailbox_trampoline,
         test_mailbox_maxcpus1, test_mailbox_nosmt, test_mailbox_madt,
         test_mailbox_madt_stock]
