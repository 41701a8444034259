# SPDX-License-Identifier: GPL-2.0
"""A second ACPI MADT for QEMU's -acpitable, as a TDX guest's firmware
describes its CPUs: the local APICs, the IO-APIC of QEMU's pc machine with
its ISA overrides, a local APIC NMI, and a Multiprocessor Wakeup structure
(ACPI 6.4, section 5.2.12.19) naming the mailbox.

QEMU writes the 36-byte table header from -acpitable's own fields
(sig=APIC,rev=...) and computes the checksum; this module writes the body
that follows it. SeaBIOS's own MADT stays in memory beside it, and Linux
takes the second one with acpi_apic_instance=2.
"""

import struct

LOCAL_APIC_ADDRESS = 0xfee00000
IOAPIC_ADDRESS = 0xfec00000
PCAT_COMPAT = 1
ENABLED = 1
# QEMU's pc machine: ISA IRQ 0 on GSI 2; the PCI interrupts (5, 9, 10, 11,
# 9 being the SCI) level triggered, active high (flags 0xd), as QEMU's own
# MADT describes them.
ISA_OVERRIDES = [(0, 2, 0)] + [(irq, irq, 0xd) for irq in (5, 9, 10, 11)]
WAKEUP_TYPE = 0x10
WAKEUP_LENGTH = 16


def wakeup_entry(mailbox, version=0, length=WAKEUP_LENGTH):
    """The Multiprocessor Wakeup structure: type, length, mailbox version,
    reserved, the mailbox's address. A `length` other than 16 makes a
    malformed entry (its bytes cut or padded to that length)."""
    entry = struct.pack("<BBHIQ", WAKEUP_TYPE, length, version, 0, mailbox)
    return entry[:length].ljust(length, b"\0")


def body(ncpus, mailbox, wakeup_length=WAKEUP_LENGTH):
    """The MADT's body for ncpus CPUs (APIC IDs 0..ncpus-1) and the mailbox
    at `mailbox`; wakeup_length: see wakeup_entry()."""
    data = struct.pack("<II", LOCAL_APIC_ADDRESS, PCAT_COMPAT)
    for cpu in range(ncpus):
        data += struct.pack("<BBBBI", 0, 8, cpu, cpu, ENABLED)
    data += struct.pack("<BBBBII", 1, 12, 0, 0, IOAPIC_ADDRESS, 0)
    for irq, gsi, flags in ISA_OVERRIDES:
        data += struct.pack("<BBBBIH", 2, 10, 0, irq, gsi, flags)
    data += struct.pack("<BBBHB", 4, 6, 0xff, 0, 1)
    return data + wakeup_entry(mailbox, length=wakeup_length)


def write(path, ncpus, mailbox, wakeup_length=WAKEUP_LENGTH):
    """Write body() to `path`; return QEMU's -acpitable argument for it."""
    with open(path, "wb") as f:
        f.write(body(ncpus, mailbox, wakeup_length))
    return "sig=APIC,rev=5,oem_id=VMDTMB,oem_table_id=WAKEUPMB,data=%s" % path
