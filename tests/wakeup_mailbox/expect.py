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


def mailbox_used(ncpus):
    return Expect(["kernel log: waking secondary CPUs through the mailbox at ",
                   "all %d CPUs are online (counted once)" % ncpus]) + \
        _needs_cpu1(ncpus, ["offlining cpu1 is refused with EOPNOTSUPP",
                            "cpu1 is still online"]) + \
        Expect(["kexec_load is refused", "kernel log: kexec refused because of the mailbox"])


def one_cpu_for_good(why, ncpus):
    return Expect(["%s: exactly one CPU online" % why]) + \
        _needs_cpu1(ncpus, ["%s: onlining cpu1 later fails with EIO" % why,
                            "%s: cpu1 is still offline" % why])


def mailbox(variant, ncpus):
    """What mailbox.sh must send for `variant` (dts.VARIANTS) on `ncpus`."""
    if variant in ("good", "openhcl", "reserved"):
        e = Expect(["the device tree's CPUs win over any MP table"]) + mailbox_used(ncpus)
    elif variant == "dedup":
        e = Expect(["the device tree's CPUs win over SeaBIOS's MP table",
                    "no CPU from the MP table: dmesg has no 'Processor #'",
                    "%d CPUs possible, counted once" % ncpus]) + mailbox_used(ncpus)
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
    elif variant in dts.INTC_VARIANTS:
        e = Expect(["kernel log: the ISA IRQs are routed through the tree's IO-APIC",
                    "the timer interrupts through the IO-APIC: ",
                    "the serial port interrupts through the IO-APIC: "])
        e += (mailbox_used(ncpus) if variant == "intc-mailbox" else
              Expect(["all %d CPUs are online" % ncpus]))
    elif variant == "trampoline":
        e = Expect(["kernel log: no trampoline, so one CPU, said why"]) + \
            one_cpu_for_good("no trampoline", ncpus)
    elif variant in dts.REFUSED:
        why = "refused (%s)" % variant
        e = Expect(["%s: '" % why, "%s: the kernel says it boots with one CPU" % why]) + \
            one_cpu_for_good(why, ncpus) + \
            _needs_cpu1(ncpus, ["%s: kernel log: the later wakeup was refused" % why])
    else:
        raise ValueError("no manifest for the variant %r" % variant)
    return e + Expect(["no kernel warning"])
