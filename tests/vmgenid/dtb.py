# SPDX-License-Identifier: GPL-2.0
"""Device trees for the arm64 vmgenid tests.

QEMU virt has no vmgenid device, so take the tree QEMU generates for the
very machine the test boots (-M virt,dumpdtb=) and add a vmgenid node the
way Firecracker does: at the root, no unit address, 2 address and 2 size
cells, a 16-byte reg, an edge-triggered SPI. The ID lives in the top 64 KiB
of the guest's RAM (above 4 GiB where the RAM is larger than 3 GiB: it
starts at 1 GiB); -device loader puts the bytes there. Firecracker keeps
that block out of the memory node, but QEMU rewrites /memory in a -dtb, so
a no-map /reserved-memory region keeps it from the kernel instead, which
also makes it, as on Firecracker, memory that is not System RAM.
"""

import os
import subprocess

RAM_BASE = 0x40000000
SPI = 64                         # above QEMU virt's own SPIs (0-47)
INTID = SPI + 32                 # the GIC's interrupt ID of that SPI
GICD = 0x08000000                # QEMU virt's GICv2 distributor
ISPENDR = GICD + 0x200 + 4 * (INTID // 32)  # the GICD_ISPENDRn with INTID's bit
GIC_SPI, EDGE_RISING = 0, 1


def ram_size(memory):
    return int(memory.rstrip("M")) << 20


def id_addr(memory):
    return RAM_BASE + ram_size(memory) - 0x10000


def _fdtput(dtb, *args):
    # fdtput -t x reads every number as hexadecimal.
    subprocess.run(["fdtput", dtb] + ["%x" % a if isinstance(a, int) else a for a in args],
                   check=True)


def spi(n):
    return (GIC_SPI, n, EDGE_RISING)


def _node(dtb, name, compatible=True, reg=None, interrupts=None, status=None):
    _fdtput(dtb, "-c", "/" + name)
    if compatible:
        _fdtput(dtb, "-t", "s", "/" + name, "compatible", "microsoft,vmgenid")
    if reg:
        addr, size = reg
        _fdtput(dtb, "-t", "x", "/" + name, "reg", addr >> 32, addr & 0xffffffff, 0, size)
    if interrupts is not None:
        _fdtput(dtb, "-t", "x", "/" + name, "interrupts", *interrupts)
    if status:
        _fdtput(dtb, "-t", "s", "/" + name, "status", status)


def dump(path, qemu_machine_args):
    """Write the tree QEMU generates for the machine `qemu_machine_args`
    to `path`."""
    subprocess.run(["qemu-system-aarch64"] + qemu_machine_args +
                   ["-machine", "dumpdtb=" + path], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def make(path, qemu_machine_args, memory, variant="good", no_map=True):
    """Write the DTB for `variant` ("good" or "bad") to `path`. With
    no_map=False the ID's /reserved-memory region has no no-map: the ID
    lies in memory the kernel knows (System RAM, linearly mapped)."""
    dump(path, qemu_machine_args)
    addr = id_addr(memory)
    _fdtput(path, "-c", "/reserved-memory")
    _fdtput(path, "-t", "x", "/reserved-memory", "#address-cells", 2)
    _fdtput(path, "-t", "x", "/reserved-memory", "#size-cells", 2)
    _fdtput(path, "-t", "x", "/reserved-memory", "ranges")
    _fdtput(path, "-c", "/reserved-memory/vmgenid-id@%x" % addr)
    _fdtput(path, "-t", "x", "/reserved-memory/vmgenid-id@%x" % addr, "reg", addr >> 32,
            addr & 0xffffffff, 0, 0x10000)
    if no_map:
        _fdtput(path, "-t", "x", "/reserved-memory/vmgenid-id@%x" % addr, "no-map")
    if variant == "good":
        _node(path, "vmgenid", reg=(addr, 16), interrupts=spi(SPI))
    else:
        _node(path, "vmgenid-small", reg=(addr, 8), interrupts=spi(SPI))
        _node(path, "vmgenid-noreg", interrupts=spi(SPI + 1))
        _node(path, "vmgenid-noirq", reg=(addr, 16))
        # Two cells where the GIC wants three. (An SPI number beyond the
        # GIC's range is no test of this driver: 6.1's GICv2 driver does
        # not check it and faults configuring it, for any device.)
        _node(path, "vmgenid-badirq", reg=(addr, 16), interrupts=(GIC_SPI, SPI + 2))
        _node(path, "vmgenid-unmappable", reg=(0xfff0000000000000, 16), interrupts=spi(SPI + 3))
        _node(path, "vmgenid-disabled", reg=(addr, 16), interrupts=spi(SPI + 4), status="disabled")
    return path


def words(id_bytes):
    """The ID as the guest's devmem prints it: four little-endian words."""
    return ",".join("0x%08X" % int.from_bytes(id_bytes[i:i + 4], "little")
                    for i in range(0, 16, 4))


def write_id(path, id_bytes):
    with open(path, "wb") as f:
        f.write(id_bytes)
    return path


def cmdline(memory, id_bytes, new_bytes):
    return ("vmgenid_addr=0x%x vmgenid_intid=%d gicd=0x%x vmgenid_id=%s vmgenid_new=%s"
            % (id_addr(memory), INTID, GICD, words(id_bytes), words(new_bytes)))


if __name__ == "__main__":
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from vmgenid.guests import ARM64_MACHINE, MEMORY
    make(sys.argv[1], ARM64_MACHINE, MEMORY, sys.argv[2] if len(sys.argv) > 2 else "good")
    print(os.path.abspath(sys.argv[1]))
