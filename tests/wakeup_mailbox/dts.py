# SPDX-License-Identifier: GPL-2.0
"""Device trees for the wakeup-mailbox tests, in the shape firmware in the
field emits: CPU nodes with only reg (the APIC ID) and status, and a
"wakeup_table@..." child of /reserved-memory with 2 address cells and 1
size cell. The test firmware's mailbox is at MAILBOX (see
firmware/wakeup-mailbox/README.md).

Variants: "good"; "missing" (no mailbox node); and nodes the kernel must
refuse: "size" (8 KiB), "unaligned", "two" (two nodes), "outside" (not in
the memory map), "ram" (usable RAM).
"""

import subprocess
import sys

MAILBOX = 0x9e000

# What the kernel must say about each refused variant.
REFUSED = {
    "size": "is not 4 KiB in size",
    "unaligned": "is not 4 KiB aligned",
    "two": "2 intel,wakeup-mailbox nodes, expected one",
    "outside": "is outside the memory map",
    "ram": "is usable RAM, which the kernel uses",
}


def _mailbox(addr, size=0x1000):
    return ("\t\twakeup_table@%x {\n\t\t\tcompatible = \"intel,wakeup-mailbox\";\n"
            "\t\t\treg = <0x%x 0x%x 0x%x>;\n\t\t};\n" % (addr, addr >> 32, addr & 0xffffffff, size))


def dts(ncpus, variant="good", mailbox=MAILBOX):
    cpus = "".join("\t\tcpu@%x {\n\t\t\treg = <%d>;\n\t\t\tstatus = \"okay\";\n\t\t};\n" % (i, i)
                   for i in range(ncpus))
    nodes = {
        "good": _mailbox(mailbox),
        "missing": "",
        "size": _mailbox(mailbox, 0x2000),
        "unaligned": _mailbox(mailbox + 0x800),
        "two": _mailbox(mailbox) + _mailbox(mailbox + 0x1000),
        "outside": _mailbox(0x800000000),
        "ram": _mailbox(0x4000000),
    }[variant]
    return ("/dts-v1/;\n\n/ {\n\tmodel = \"QEMU x86_64, wakeup-mailbox test firmware\";\n"
            "\tcompatible = \"linux,dummy-x86-mailbox\";\n"
            "\t#address-cells = <2>;\n\t#size-cells = <1>;\n\n"
            "\tcpus {\n\t\t#address-cells = <1>;\n\t\t#size-cells = <0>;\n\n%s\t};\n\n"
            "\treserved-memory {\n\t\t#address-cells = <2>;\n\t\t#size-cells = <1>;\n"
            "\t\tranges;\n\n%s\t};\n};\n" % (cpus, nodes))


def dtb(path, ncpus, variant="good", mailbox=MAILBOX):
    """Compile the variant into `path`; dtc's warnings fail it."""
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", path, "-"],
                   input=dts(ncpus, variant, mailbox).encode(), check=True)
    return path


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: dts.py NCPUS [VARIANT [MAILBOX_ADDR]]")
    sys.stdout.write(dts(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "good",
                         int(sys.argv[3], 0) if len(sys.argv) > 3 else MAILBOX))
