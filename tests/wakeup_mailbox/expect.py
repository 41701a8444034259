# SPDX-License-Identifier: GPL-2.0
"""The manifest of the wakeup-mailbox boots (guest/mailbox.sh): the
verdicts each variant must send at a given vCPU count
(lib.report.Expect). What needs a second CPU is declared skipped on a
1-vCPU boot, with its reason."""

from lib.report import Expect
from wakeup_mailbox import dts

ONE_CPU = "not applicable: one vCPU, so there is no cpu1"


def _needs_cpu1(ncpus, checks):
    if ncpus > 1:
        return Expect(checks)
    return Expect(skips=[(c, ONE_CPU) for c in checks])


def mailbox_used(ncpus, variant):
    iomem = ("/proc/iomem: the mailbox page is in e820's Reserved entry, not claimed again"
             if variant == "reserved" else
             "/proc/iomem: the mailbox page in the e820 hole is claimed as 'wakeup mailbox'")
    e = Expect(["kernel log: waking secondary CPUs through the mailbox at ",
                "all %d CPUs are online (counted once)" % ncpus, iomem])
    if ncpus > 1:
        return e + Expect(["offlining cpu1 is refused with EOPNOTSUPP", "cpu1 is still online",
                           "kexec_load is refused: ",
                           "kernel log: kexec refused because of the mailbox",
                           "kexec_load of a crash kernel is accepted"])
    return e + Expect(["kexec_load is accepted: one vCPU, so no CPU left the firmware"],
                      skips=[(c, ONE_CPU) for c in ("offlining cpu1 is refused with EOPNOTSUPP",
                                                    "cpu1 is still online")])


def one_cpu_for_good(why, ncpus):
    return Expect(["%s: exactly one CPU online" % why]) + \
        _needs_cpu1(ncpus, ["%s: onlining cpu1 later fails with EIO" % why,
                            "%s: cpu1 is still offline" % why])


def mailbox(variant, ncpus):
    """What mailbox.sh must send for `variant` (dts.VARIANTS) on `ncpus`."""
    if variant in ("good", "openhcl", "reserved"):
        e = Expect(["the device tree's CPUs win over any MP table"]) + mailbox_used(ncpus, variant)
    elif variant == "dedup":
        e = Expect(["the device tree's CPUs win over SeaBIOS's MP table",
                    "no CPU from the MP table: dmesg has no 'Processor #'",
                    "%d CPUs possible, counted once" % ncpus]) + mailbox_used(ncpus, variant)
    elif variant == "madt":
        e = Expect(["kernel log: the second MADT is used",
                    "kernel log: the CPUs come from ACPI's MADT",
                    "all %d CPUs are online" % ncpus,
                    "offlining cpu1 is refused with EOPNOTSUPP", "cpu1 is still online",
                    "kexec_load is refused: ",
                    "kernel log: kexec refused because of the mailbox",
                    "kexec_load of a crash kernel is accepted"])
    elif variant == "madt-malformed":
        e = Expect(["kernel log: the malformed wakeup structure is named",
                    "all %d CPUs are online through INIT/SIPI" % ncpus,
                    "kexec_load is accepted without a usable mailbox"])
    elif variant == "acpi":
        e = Expect(["kernel log: ACPI wins over the device tree",
                    "kernel log: the CPUs come from ACPI's MADT",
                    "all %d CPUs are online through INIT/SIPI" % ncpus,
                    "the device tree's mailbox is not used"])
    elif variant in ("missing", "disabled"):
        e = Expect(["kernel log: the disabled mailbox node is ignored"]
                   if variant == "disabled" else [])
        e += Expect(["kernel log: no mailbox node, so INIT/SIPI",
                     "all %d CPUs are online through INIT/SIPI" % ncpus,
                     "kexec_load is accepted without a mailbox (control)"])
        e += _needs_cpu1(ncpus, ["offlining cpu1 succeeds without a mailbox, and onlining "
                                 "it again (control)"])
    elif variant in dts.INTC_VARIANTS and variant != "intc-nocpus":
        e = Expect(["kernel log: the ISA IRQs are routed through the tree's IO-APIC",
                    "the timer interrupts through the IO-APIC: ",
                    "the serial port interrupts through the IO-APIC: ",
                    "IRQ 0 is in the tree's IO-APIC domain: ",
                    "IRQ 4 is in the tree's IO-APIC domain: "])
        e += (mailbox_used(ncpus, variant) if variant == "intc-mailbox" else
              Expect(["all %d CPUs are online" % ncpus]))
    elif variant == "trampoline":
        e = Expect(["kernel log: the trampoline is above 1 MiB, below 4 GiB, for 64-bit "
                    "wakeups"]) + mailbox_used(ncpus, variant)
    elif variant == "trampoline-initsipi":
        e = Expect(["kernel log: no trampoline, so one CPU, said why"]) + \
            one_cpu_for_good("no trampoline", ncpus)
    elif variant == "maxcpus1":
        e = Expect(["maxcpus=1: one CPU online",
                    "kexec_load is accepted: maxcpus=1, so no CPU left the firmware yet",
                    "onlining cpu1 later wakes it through the mailbox",
                    "kexec_load is refused once cpu1 left the firmware",
                    "kernel log: kexec refused because of the mailbox",
                    "kexec_load of a crash kernel is accepted"])
    elif variant == "nosmt":
        e = Expect(["nosmt: CPUs 0 and 2 online, as with INIT/SIPI",
                    "kernel log: waking secondary CPUs through the mailbox at ",
                    "offlining cpu2 is refused with EOPNOTSUPP",
                    "hibernation: the kernel refuses to take a CPU down, said why",
                    "after hibernation was refused, CPUs 0 and 2 are still online",
                    "smt on: waking a rolled-back thread again fails at once: ",
                    "after smt on failed, CPUs 0 and 2 are still online",
                    "kernel log: a CPU is not woken through the mailbox twice"])
    elif variant == "nosmt-initsipi":
        e = Expect(["nosmt: CPUs 0 and 2 online, as with INIT/SIPI",
                    "kernel log: no mailbox node, so INIT/SIPI",
                    "offlining cpu2 succeeds (control)",
                    "onlining cpu2 again succeeds (control)",
                    "hibernation (pm_test=processors) takes the CPUs down and up (control)",
                    "smt on: all 4 CPUs online through INIT/SIPI (control)"])
    elif variant == "intc-nocpus":
        e = Expect(["kernel log: the tree's IO-APICs win over SeaBIOS's MP table",
                    "the IO-APIC is registered once",
                    "one IO-APIC IRQ domain, the tree's (debugfs: ",
                    "no CPU from the MP table: dmesg has no 'Processor #'",
                    "the boot CPU alone: the tree names no CPU"])
    elif variant in dts.REFUSED:
        why = "refused (%s)" % variant
        e = Expect(["%s: '" % why, "%s: the kernel says it boots with one CPU" % why]) + \
            one_cpu_for_good(why, ncpus) + \
            _needs_cpu1(ncpus, ["%s: kernel log: the later wakeup was refused" % why])
    else:
        raise ValueError("no manifest for the variant %r" % variant)
    return e
