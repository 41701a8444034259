# SPDX-License-Identifier: GPL-2.0
"""Device trees for the wakeup-mailbox tests, and the firmware arguments
each one needs (firmware/wakeup-mailbox/README.md).

Shapes (SHAPES):

- "project": the project's first shape. Root #address-cells = <2>,
  #size-cells = <1>; CPU nodes with only reg (the APIC ID) and status; a
  "wakeup_table@..." child of /reserved-memory (2 address cells, 1 size
  cell, ranges). Mailbox at MAILBOX (0x9e000), the firmware's default, in
  -M pc with -m 1G.
- "openhcl": what OpenHCL (microsoft/openvmm, openhcl_boot) hands over, as
  Documentation/field.rst records it. Root #address-cells = <2>,
  #size-cells = <2>, compatible = "microsoft,openvmm"; /cpus with 1/0
  cells; each cpu@N with device_type = "cpu", numa-node-id = <0>, reg =
  <APIC ID>, status = "okay", no enable-method; /reserved-memory with 2/1
  cells and ranges; wakeup_table@ADDR with compatible =
  "intel,wakeup-mailbox", reg = <hi lo 0x1000>, no no-map. (dtc warns
  that the empty ranges joins 1 size cell to the root's 2: ranges_format.
  That is the field's tree; Linux translates it 1:1.)

The OpenHCL shape's mailbox: OpenHCL uses 0xfffff000, the reset-vector
page. In QEMU 7.2's -M pc that page is the BIOS ROM (pc.bios,
0xfffc0000-0xffffffff), so it cannot be RAM, and the firmware parks the APs
only on RAM. Low RAM ends where max-ram-below-4g (or, when -m is at least
that, 3 GiB) puts it, and never at or above the IO-APIC: the i440FX PCI
hole [end of low RAM, 0xfec00000) must not be empty (-m 4076M, low RAM up
to 0xfec00000, aborts QEMU with a range.h assertion); HPET 0xfed00000 and
the local APIC 0xfee00000 sit above. SeaBIOS keeps the top 128 KiB of low
RAM for its tables (e820 reserved). With -M pc,max-ram-below-4g=4G
-m 4075M low RAM is 0x0-0xfeafffff, SeaBIOS reserves 0xfeae0000-
0xfeafffff, and the highest page the firmware may use is OPENHCL_MAILBOX
= 0xfeadf000, 1 MiB of PCI hole left for the default NIC's BARs. (Without
a NIC, and with -m in KiB, 0xfebdd000 is possible; not worth a different
machine.) The cost (2 host cores, the project's kernel,
"good", 4 vCPUs, tcg,thread=single, start of QEMU to the guest's "done",
5 runs each): -m 1G 4.2-6.3 s (mean 5.1 s), -m 4075M 4.5-6.5 s (mean
5.2 s); the kernel reaches userspace about 0.3 s later (struct pages for
4 GiB) and QEMU's peak RSS grows from 145 to 203 MiB (Linux touches
little of the RAM). That is within the noise, so the OpenHCL shape uses
the high address.

Variants (VARIANTS), named as tests/wakeup_mailbox/guest/mailbox.sh names
its cases; each is a mailbox node (or none) plus the firmware arguments it
needs (fwargs()):

- taken: "good", "openhcl" (the same node; the caller picks the shape),
  "reserved" (the page as an e820 reserved entry, OpenHCL in 2025),
  "dedup" (SeaBIOS's MP and ACPI tables left in memory, acpi=off),
  "acpi" (the same, and Linux boots with ACPI on: ACPI wins),
  "intc-mailbox" (the tree also describes the local APIC and IO-APIC);
- INIT/SIPI: "missing" (no node), "disabled" (status = "disabled"),
  "intc" (local APIC and IO-APIC nodes, no mailbox node);
- taken, with the trampoline above 1 MiB: "trampoline" (no usable RAM
  below 1 MiB: no-low-ram; every AP starts in 64-bit mode);
- one CPU: "trampoline-initsipi" (no-low-ram and no node: INIT/SIPI needs
  the trampoline below 1 MiB);
- "maxcpus1": the mailbox, booted with maxcpus=1 (cpu1 is brought up
  later, through the mailbox);
- SMT: "nosmt" (the mailbox) and "nosmt-initsipi" (no node), for QEMU
  -smp with 2 cores of 2 threads and a GenuineIntel -cpu max, booted with
  nosmt: the second threads are booted and rolled back;
- "intc-nocpus": local APIC and IO-APIC nodes but no CPU nodes, beside
  SeaBIOS's MP table (keep-bios-tables), no mailbox node;
- the ACPI MADT's mailbox (MADT_VARIANTS, madt.py): CPU nodes and no
  mailbox node, SeaBIOS's tables kept, ACPI on, and a second MADT whose
  Multiprocessor Wakeup structure names the firmware's default mailbox:
  "madt" (the project's kernel), "madt-malformed" (a 15-byte structure),
  "madt-stock" (Debian's stock 6.1, the control that hangs) and
  "madt-upstream" (the upstream base);
- "vmgenid": no mailbox node, two microsoft,vmgenid nodes (VMGENID_*);
- refused by the kernel (REFUSED): "size" (8 KiB), "unaligned", "two"
  (two nodes), "outside" (beyond any x86 physical address space),
  "e820-ram" (alias "ram"), "e820-soft-reserved", "e820-pmem" (the page as
  mailbox-e820= says), "dirty" (command 2 pending before the first wake:
  mailbox-dirty), "dead-ones" (DEAD_MAILBOX, reads back as all ones:
  mailbox-dead) and "dead-nowrite" (UNASSIGNED_MAILBOX, reads zeros and
  keeps no write: mailbox-dead).

QEMU 7.2 reads unassigned memory as zeros and drops writes (the firmware
reads so at 0xc0000000 in the PCI hole, 0xfebff000, 0xfec01000,
0xfed01000, 0xfef00000, 0xff000000): nothing in -M pc reads all ones by
itself (a device such as -device edu does only for 4- and 8-byte reads).
So for "dead-ones" the firmware makes such a page: with mailbox-dead and a page
in 0xc0000-0xdffff it fills the page with 0xff and makes its 16 KiB PAM
segment read-only, so every read gives all ones and writes are lost, as on
a bus where nothing answers. 0xdf000 is free there (SeaBIOS's option ROMs
use 0xc0000-0xc3fff).

fwargs(variant) gives the firmware arguments a variant needs: the
firmware parks the APs on the mailbox the DTB names, and stops on a node
it cannot park them on (a wrong size, alignment, two nodes, an address
beyond 4 GiB), so those variants name its mailbox with mailbox=ADDR.
"""

import hashlib
import os
import shutil
import subprocess
import sys

MAILBOX = 0x9e000                # the project shape's, the firmware's default
OPENHCL_MAILBOX = 0xfeadf000     # highest RAM page the firmware may use, see above
OPENHCL_MACHINE = "pc,max-ram-below-4g=4G"
OPENHCL_MEM = "4075M"
DEAD_MAILBOX = 0xdf000           # made to read all ones (mailbox-dead, PAM)
UNASSIGNED_MAILBOX = 0xff000000  # nothing there in -M pc: reads zeros, drops writes
OUTSIDE_MAILBOX = 1 << 52        # beyond the physical address space of any x86 CPU

SHAPES = ("project", "openhcl")

# variant: (mailbox node, firmware arguments; "{mb}" is the good mailbox)
_VARIANTS = {
    "good": ("good", ""),
    "openhcl": ("good", ""),
    "reserved": ("good", "mailbox-e820=reserved"),
    "dedup": ("good", "keep-bios-tables"),
    "acpi": ("good", "keep-bios-tables"),
    "intc-mailbox": ("good", ""),
    "missing": ("missing", ""),
    "disabled": ("disabled", ""),
    "intc": ("missing", ""),
    "trampoline": ("good", "no-low-ram"),
    "trampoline-initsipi": ("missing", "no-low-ram"),
    "maxcpus1": ("good", ""),
    "nosmt": ("good", ""),
    "nosmt-initsipi": ("missing", ""),
    "intc-nocpus": ("missing", "keep-bios-tables"),
    "madt": ("missing", "keep-bios-tables"),
    "madt-malformed": ("missing", "keep-bios-tables"),
    "madt-stock": ("missing", "keep-bios-tables"),
    "madt-upstream": ("missing", "keep-bios-tables"),
    "size": ("size", "mailbox={mb}"),
    "unaligned": ("unaligned", "mailbox={mb}"),
    "two": ("two", "mailbox={mb}"),
    "outside": ("outside", "mailbox={mb}"),
    "e820-ram": ("good", "mailbox-e820=ram"),
    "ram": ("good", "mailbox-e820=ram"),
    "e820-soft-reserved": ("good", "mailbox-e820=soft-reserved"),
    "e820-pmem": ("good", "mailbox-e820=pmem"),
    "dirty": ("good", "mailbox-dirty"),
    "dead-ones": ("dead-ones", "mailbox-dead"),
    "dead-nowrite": ("dead-nowrite", "mailbox-dead"),
    "vmgenid": ("missing", ""),
}
VARIANTS = tuple(_VARIANTS)
INTC_VARIANTS = ("intc", "intc-mailbox", "intc-nocpus")  # local APIC and IO-APIC nodes
NOCPU_VARIANTS = ("intc-nocpus",)            # no CPU nodes
SMT_VARIANTS = ("nosmt", "nosmt-initsipi")   # 2 cores of 2 threads, booted with nosmt
# The length of the second MADT's wakeup structure (16; 15 is malformed).
MADT_VARIANTS = {"madt": 16, "madt-malformed": 15, "madt-stock": 16, "madt-upstream": 16}
ACPI_VARIANTS = ("acpi",) + tuple(MADT_VARIANTS)  # Linux boots without acpi=off
# "vmgenid" (the project shape, -m 1G): no mailbox node, two
# microsoft,vmgenid nodes at the root, without interrupts (an x86 tree has
# no interrupt controller the binding could name), for the upstream test
# that traces how the driver maps each ID: one in a range the e820 map
# reserves (SeaBIOS's top 128 KiB of low RAM: not System RAM; a reserved
# range that starts below 1 MiB, as the firmware's own does, is a busy
# resource on x86, which no driver can claim), one in usable RAM.
VMGENID_RESERVED = 0x3ffff000
VMGENID_RAM = 0x20000000

# What the kernel must say about each refused variant.
REFUSED = {
    "size": "is not 4 KiB in size",
    "unaligned": "is not 4 KiB aligned",
    "two": "2 intel,wakeup-mailbox nodes, expected one",
    "outside": "is beyond the physical address space",
    "e820-ram": "is usable RAM, which the kernel uses",
    "e820-soft-reserved": "is soft-reserved memory, which the kernel may hand out",
    "e820-pmem": "is persistent memory, which the kernel may hand out",
    "dirty": "has command 0x2, not 0 (noop), before the first wakeup",
    "dead-ones": "reads back as all ones: nothing answers there",
    "dead-nowrite": "does not keep what is written to it: nothing answers there",
}


def default_mailbox(shape="project"):
    return {"project": MAILBOX, "openhcl": OPENHCL_MAILBOX}[shape]


def qemu_memory(shape="project"):
    """(-M value, -m value) that back the shape's default mailbox with RAM."""
    return {"project": ("pc", "1G"), "openhcl": (OPENHCL_MACHINE, OPENHCL_MEM)}[shape]


def _check(variant, shape):
    if variant not in _VARIANTS:
        raise ValueError("unknown variant %r (known: %s)" % (variant, ", ".join(VARIANTS)))
    if shape not in SHAPES:
        raise ValueError("unknown shape %r (known: %s)" % (shape, ", ".join(SHAPES)))


def fwargs(variant, mailbox=None, shape="project"):
    """The firmware arguments (multiboot -append) that `variant` needs."""
    _check(variant, shape)
    if mailbox is None:
        mailbox = default_mailbox(shape)
    return _VARIANTS[variant][1].format(mb="%#x" % mailbox)


def named_mailbox(variant, mailbox=None, shape="project"):
    """The address the variant's (first) mailbox node names; None without one."""
    _check(variant, shape)
    if mailbox is None:
        mailbox = default_mailbox(shape)
    return {"missing": None, "unaligned": mailbox + 0x800, "outside": OUTSIDE_MAILBOX,
            "dead-ones": DEAD_MAILBOX, "dead-nowrite": UNASSIGNED_MAILBOX,
            }.get(_VARIANTS[variant][0], mailbox)


def _cells(v, n):
    return " ".join("0x%x" % ((v >> (32 * i)) & 0xffffffff) for i in reversed(range(n)))


def _mailbox(addr, size=0x1000, status=None):
    return ("\t\twakeup_table@%x {\n\t\t\tcompatible = \"intel,wakeup-mailbox\";\n"
            "\t\t\treg = <%s 0x%x>;\n%s\t\t};\n"
            % (addr, _cells(addr, 2), size,
               "\t\t\tstatus = \"%s\";\n" % status if status else ""))


def _nodes(variant, mailbox):
    node = _VARIANTS[variant][0]
    if node == "missing":
        return ""
    if node == "disabled":
        return _mailbox(mailbox, status="disabled")
    if node == "size":
        return _mailbox(mailbox, 0x2000)
    if node == "two":
        return _mailbox(mailbox) + _mailbox(mailbox + 0x1000)
    return _mailbox(named_mailbox(variant, mailbox))


def _intc(size_cells):
    """Local APIC and IO-APIC as the x86 (CE4100) binding describes them."""
    size = "0x0 0x1000" if size_cells == 2 else "0x1000"
    return ("\tlapic: interrupt-controller@fee00000 {\n"
            "\t\tcompatible = \"intel,ce4100-lapic\";\n"
            "\t\treg = <0x0 0xfee00000 %s>;\n\t};\n\n"
            "\tioapic: interrupt-controller@fec00000 {\n"
            "\t\tcompatible = \"intel,ce4100-ioapic\";\n"
            "\t\t#interrupt-cells = <2>;\n\t\tinterrupt-controller;\n"
            "\t\treg = <0x0 0xfec00000 %s>;\n\t};\n\n" % (size, size))


def _reserved_memory(nodes):
    return ("\treserved-memory {\n\t\t#address-cells = <2>;\n\t\t#size-cells = <1>;\n"
            "\t\tranges;\n\n%s\t};\n" % nodes)


def _vmgenid(addr):
    return ("\tvmgenid@%x {\n\t\tcompatible = \"microsoft,vmgenid\";\n"
            "\t\treg = <%s 0x10>;\n\t};\n\n" % (addr, _cells(addr, 2)))


def _project(ids, nodes, intc=False, root=""):
    cpus = "".join("\t\tcpu@%x {\n\t\t\treg = <%d>;\n\t\t\tstatus = \"okay\";\n\t\t};\n" % (i, i)
                   for i in ids)
    return ("/dts-v1/;\n\n/ {\n\tmodel = \"QEMU x86_64, wakeup-mailbox test firmware\";\n"
            "\tcompatible = \"linux,dummy-x86-mailbox\";\n"
            "\t#address-cells = <2>;\n\t#size-cells = <1>;\n\n"
            "\tcpus {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\n%s\t};\n\n"
            "%s%s%s};\n" % (cpus, _intc(1) if intc else "", root, _reserved_memory(nodes)))


def _openhcl(ids, nodes, intc=False):
    cpus = "".join("\t\tcpu@%x {\n\t\t\tdevice_type = \"cpu\";\n\t\t\tnuma-node-id = <0>;\n"
                   "\t\t\treg = <%d>;\n\t\t\tstatus = \"okay\";\n\t\t};\n" % (i, i)
                   for i in ids)
    return ("/dts-v1/;\n\n/ {\n\t#address-cells = <2>;\n\t#size-cells = <2>;\n"
            "\tcompatible = \"microsoft,openvmm\";\n\n"
            "\tcpus {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\n%s\t};\n\n"
            "%s%s};\n" % (cpus, _intc(2) if intc else "", _reserved_memory(nodes)))


def dts(ncpus, variant="good", mailbox=None, shape="project", apic_ids=None):
    """The DTS of `shape` with `ncpus` CPUs (APIC IDs 0..ncpus-1, or
    `apic_ids`: a sparse topology's) and the mailbox node of `variant` at
    `mailbox` (default: the shape's own; the "dead-ones", "dead-nowrite"
    and "outside" variants have fixed addresses)."""
    _check(variant, shape)
    if mailbox is None:
        mailbox = default_mailbox(shape)
    if apic_ids is None:
        apic_ids = range(ncpus)
    elif len(apic_ids) != ncpus:
        raise ValueError("%d APIC IDs for %d CPUs" % (len(apic_ids), ncpus))
    nodes = _nodes(variant, mailbox)
    if variant == "vmgenid":
        if shape != "project":
            raise ValueError("the vmgenid variant is for the project shape")
        return _project(apic_ids, nodes, root=_vmgenid(VMGENID_RESERVED) + _vmgenid(VMGENID_RAM))
    return {"project": _project, "openhcl": _openhcl}[shape](
        () if variant in NOCPU_VARIANTS else apic_ids, nodes, variant in INTC_VARIANTS)


def tree_name(text):
    """The file name a compiled DTS has among the prebuilt trees (OUT/trees,
    where PREBUILT=1 takes them; scripts/kvm-bundle writes them): its
    source's SHA-1, so that a tree and its source cannot disagree."""
    return hashlib.sha1(text.encode()).hexdigest() + ".dtb"


def compile_dts(path, text):
    """dtc -q: the OpenHCL shape draws a ranges_format warning (above)."""
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", path, "-"],
                   input=text.encode(), check=True)
    return path


def dtb(path, ncpus, variant="good", mailbox=None, shape="project", apic_ids=None):
    """The variant's tree in `path`: compiled, or with PREBUILT=1 copied from
    the prebuilt trees."""
    from lib.qemu import OUT, PREBUILT, prebuilt  # dts.py runs alone too (main)

    text = dts(ncpus, variant, mailbox, shape, apic_ids)
    if PREBUILT:
        shutil.copyfile(prebuilt(os.path.join(OUT, "trees", tree_name(text))), path)
        return path
    return compile_dts(path, text)


USAGE = """usage: dts.py [--shape project|openhcl] [--fwargs] NCPUS [VARIANT [MAILBOX_ADDR]]
  prints the DTS, or with --fwargs the firmware arguments the variant needs
  variants: %s""" % ", ".join(VARIANTS)


def main(argv):
    shape, want_fwargs, args = "project", False, []
    it = iter(argv)
    for a in it:
        if a == "--shape":
            shape = next(it, "")
        elif a.startswith("--shape="):
            shape = a.split("=", 1)[1]
        elif a == "--fwargs":
            want_fwargs = True
        elif a in ("-h", "--help"):
            print(USAGE)
            return 0
        else:
            args.append(a)
    if shape not in SHAPES or not 1 <= len(args) <= 3:
        sys.stderr.write(USAGE + "\n")
        return 2
    variant = args[1] if len(args) > 1 else "good"
    mailbox = int(args[2], 0) if len(args) > 2 else None
    if variant not in _VARIANTS:
        sys.stderr.write("unknown variant %r\n%s\n" % (variant, USAGE))
        return 2
    if want_fwargs:
        print(fwargs(variant, mailbox, shape))
    else:
        sys.stdout.write(dts(int(args[0]), variant, mailbox, shape))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
