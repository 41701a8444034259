# SPDX-License-Identifier: GPL-2.0
"""QEMU x86_64 boots under the project's test firmware, which parks every AP
in an ACPI Multiprocessor Wakeup mailbox loop: the device tree's mailbox,
malformed trees, the firmware's own self test.

A boot is checked three ways: the guest's own checks (kernel log, CPUs
online), the firmware's count of wakes served (its debug port), and QEMU's
trace of local APIC register writes, in which an INIT or STARTUP IPI sent to
one APIC ID is Linux's INIT/SIPI path (the firmware only ever broadcasts)."""

import json
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT, TOP, Guest, popen_qemu, run_qemu  # noqa: E402
from lib.report import build_control  # noqa: E402
from wakeup_mailbox import dts, expect  # noqa: E402

# MAILBOX_KERNEL=FILE boots another kernel (the README's comparison with v2).
KERNEL = os.environ.get("MAILBOX_KERNEL") or os.path.join(OUT, "x86_64", "bzImage")
INITRD = os.path.join(OUT, "initramfs", "x86_64-mailbox.cpio")
FW = os.path.join(OUT, "firmware", "mailbox-fw.elf")
ICR_LO = 0x300


def firmware():
    subprocess.run(["make", "-s", "-C", os.path.join(TOP, "firmware", "wakeup-mailbox"),
                    "O=" + os.path.join(OUT, "firmware")], check=True)
    return FW


def tf(name):
    """A mailbox boot's name in its results: the APs' side of every such
    boot is the project's own test firmware, not a real one."""
    return "%s (test firmware)" % name


def mailbox_guest(name, ncpus, variant, append="", timeout=300, kernel=KERNEL, fwargs=None,
                  shape=None, mailbox=None, mem=None, machine=None, acpi=None, initrd=INITRD,
                  scenario="mailbox", accel="tcg"):
    """A Guest whose QEMU runs the test firmware, which boots Linux.

    variant: dts.VARIANTS, also handed to the guest (variant=); fwargs: the
    firmware's command line (default: what the variant needs,
    dts.fwargs()); shape: "project" or "openhcl" (dts.SHAPES; default
    "openhcl" for the variant "openhcl", else "project"); mailbox: the good
    mailbox's address (default: the shape's); mem, machine: QEMU -m and -M
    (default: what backs the shape's mailbox with RAM, dts.qemu_memory());
    acpi: boot Linux without acpi=off (default: only for dts.ACPI_VARIANTS).
    The guest gets mailbox_addr= the address the tree names (hex); it runs
    the scenario `scenario` from the initramfs `initrd`. accel: "tcg" (one
    thread), or "kvm" for make bench where /dev/kvm works (the host's CPU;
    QEMU's APIC trace then sees nothing: KVM emulates the APIC)."""
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
    path = dts.dtb(os.path.join(g.dir, "board.dtb"), ncpus, variant, mailbox, shape)
    g.debugcon = os.path.join(g.dir, "debugcon.log")
    g.trace = os.path.join(g.dir, "trace.log")
    # crashkernel=: room for the test that a crash kernel still loads.
    cmdline = ("console=ttyS0%s result=/dev/ttyS1 panic=-1 test=%s crashkernel=16M "
               "ncpus=%d variant=%s shape=%s%s %s"
               % ("" if acpi else " acpi=off", scenario, ncpus, variant, shape,
                  "" if named is None else " mailbox_addr=%#x" % named, append)).strip()
    g.cmd = ["qemu-system-x86_64", "-M", machine or shape_machine,
             "-accel", "tcg,thread=single" if accel == "tcg" else accel,
             "-cpu", "max" if accel == "tcg" else "host", "-smp", str(ncpus),
             "-m", mem or shape_mem, "-display", "none",
             "-vga", "none", "-no-reboot", "-no-user-config",
             "-serial", "file:" + g.console,
             "-chardev", "socket,id=result,path=%s,server=on,wait=off" % g.result_sock,
             "-serial", "chardev:result",
             "-qmp", "unix:%s,server=on,wait=off" % g.qmp_sock,
             "-kernel", firmware(), "-append", fwargs,
             "-initrd", "%s %s,%s,%s" % (kernel, cmdline.replace(",", ",,"), initrd, path),
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


def bringup_ms(log):
    """Kernel time from "Bringing up secondary CPUs" to "Brought up", in ms,
    in a kernel log."""
    a = re.search(r"\[\s*([\d.]+)\] smp: Bringing up secondary CPUs", log)
    b = re.search(r"\[\s*([\d.]+)\] smp: Brought up", log)
    return (float(b.group(1)) - float(a.group(1))) * 1000 if a and b else None


def test_firmware_selftest(report):
    """The firmware alone: it parks the APs and wakes each through its mailbox."""
    for n in (1, 2, 4, 8, 32):
        log = os.path.join(OUT, "firmware", "selftest-%d.log" % n)
        status = run_qemu(["qemu-system-x86_64", "-M", "pc", "-accel",
                           "tcg,thread=single", "-cpu", "max", "-smp", str(n), "-m", "256M",
                           "-display", "none", "-vga", "none", "-monitor", "none", "-serial",
                           "none", "-no-reboot", "-kernel", firmware(), "-append", "selftest",
                           "-debugcon", "file:" + log, "-global", "isa-debugcon.iobase=0xe9",
                           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"], 120)
        text = open(log, errors="replace").read() if os.path.exists(log) else ""
        want = "fw: selftest ok (%d aps woke)" % (n - 1)
        report.result("test firmware self-test, %d vCPUs: %s" % (n, want),
                      status == 1 and want in text,
                      "exit %d, %s" % (status, text.strip().splitlines()[-1:]))


def firmware_run(name, ncpus, fwargs, dtb=None, mem="256M", machine="pc", exit_device=True,
                 while_halted=None, timeout=120):
    """The firmware alone under QEMU, with `fwargs` as its command line and,
    given `dtb`, three multiboot modules (two empty pages, then the DTB).
    Returns (QEMU's exit status, the debug port's text). Without
    `exit_device` the firmware halts at its end instead of ending QEMU;
    then while_halted(qmp) runs once the log shows "fw: selftest ok" or
    "fw: error:", and QEMU is told to quit."""
    d = os.path.join(OUT, "firmware", "t-" + name)
    os.makedirs(d, exist_ok=True)
    log = os.path.join(d, "debugcon.log")
    if os.path.exists(log):
        os.unlink(log)
    cmd = ["qemu-system-x86_64", "-M", machine, "-accel", "tcg,thread=single", "-cpu", "max",
           "-smp", str(ncpus), "-m", mem, "-display", "none", "-vga", "none", "-monitor",
           "none", "-serial", "none", "-no-reboot", "-no-user-config",
           "-kernel", firmware(), "-append", fwargs,
           "-debugcon", "file:" + log, "-global", "isa-debugcon.iobase=0xe9"]
    if dtb:
        page = os.path.join(d, "page")
        with open(page, "wb") as f:
            f.write(bytes(4096))
        cmd += ["-initrd", "%s,%s,%s" % (page, page, dtb)]
    if exit_device:
        cmd += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        status = run_qemu(cmd, timeout)
    else:
        sock = os.path.join(d, "qmp.sock")
        cmd += ["-qmp", "unix:%s,server=on,wait=off" % sock]
        p = popen_qemu(cmd)
        try:
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                text = open(log, errors="replace").read() if os.path.exists(log) else ""
                if "fw: selftest ok" in text or "fw: error:" in text or p.poll() is not None:
                    break
                time.sleep(0.1)
            if p.poll() is None:
                with Qmp(sock) as qmp:
                    if while_halted:
                        while_halted(qmp)
                    qmp.command("quit")
            p.wait(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        status = p.returncode
    return status, (open(log, errors="replace").read() if os.path.exists(log) else "")


class Qmp:
    """A minimal QMP client for firmware_run()."""

    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        for _ in range(100):
            try:
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        self.sock.settimeout(timeout)  # every reply has a deadline
        self.file = self.sock.makefile("rw")
        json.loads(self.file.readline())  # greeting
        self.command("qmp_capabilities")

    def command(self, name, **arguments):
        self.file.write(json.dumps({"execute": name, "arguments": arguments}) + "\n")
        self.file.flush()
        while True:
            line = self.file.readline()
            if not line:
                return None
            reply = json.loads(line)
            if "return" in reply or "error" in reply:
                if "error" in reply:
                    raise RuntimeError("QMP %s: %s" % (name, reply["error"]))
                return reply["return"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()
        return False


def e820_of(text):
    """The e820 map the firmware hands Linux, from its debug port:
    [(first, last, type name)]."""
    return [(int(a, 16), int(b, 16), t) for a, b, t in
            re.findall(r"^fw: e820: \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\] (\S+)", text, re.M)]


def e820_at(entries, addr):
    """The entries that cover any of the 4 KiB page at `addr`."""
    return [e for e in entries if e[0] < addr + 0x1000 and addr <= e[1]]


def test_firmware_e820(report):
    """The firmware alone: the e820 map it hands Linux describes the DTB's
    mailbox page as each mailbox-e820= value asks, and nothing else changes."""
    mb = 0x3000000     # in the middle of usable RAM with -m 256M
    d = os.path.join(OUT, "firmware")
    os.makedirs(d, exist_ok=True)
    path = dts.dtb(os.path.join(d, "e820-test.dtb"), 2, "good", mb)
    maps = {}
    for value in ("", "absent", "reserved", "ram", "soft-reserved", "pmem"):
        arg = "mailbox-e820=" + value if value else ""
        status, text = firmware_run("e820-" + (value or "default"), 2, "selftest " + arg, path)
        name = "test firmware e820, %s" % (arg or "no mailbox-e820= (default)")
        report.result("%s: the APs parked on the DTB's mailbox and woke through it" % name,
                      status == 1 and "fw: mailbox at 0x%08x (dtb /reserved-memory/wakeup_table@%x)"
                      % (mb, mb) in text and "fw: selftest ok (1 aps woke)" in text,
                      "exit %d, %s" % (status, text.strip().splitlines()[-1:]))
        entries = maps[value] = e820_of(text)
        at = e820_at(entries, mb)
        if value in ("", "absent"):
            ok = at == [] and any(e[1] == mb - 1 and e[2] == "usable" for e in entries) and \
                any(e[0] == mb + 0x1000 and e[2] == "usable" for e in entries)
            want = "in no entry, a hole cut out of the usable RAM around it"
        elif value == "ram":
            ok = len(at) == 1 and at[0][2] == "usable" and at[0][0] < mb and at[0][1] > mb + 0xfff
            want = "inside one usable entry"
        else:
            ok = at == [(mb, mb + 0xfff, value)]
            want = "one %s entry of exactly that page" % value
        report.result("%s: the mailbox page 0x%x is %s" % (name, mb, want), ok,
                      "entries there: %s" % [(hex(a), hex(b), t) for a, b, t in at])
    # outside the mailbox page, every map is the default one
    def outside(entries):
        out = []
        for a, b, t in entries:
            for lo, hi in ((a, min(b, mb - 1)), (max(a, mb + 0x1000), b)):
                if lo <= hi:
                    out.append((lo, hi, t))
        merged = []
        for e in out:
            if merged and merged[-1][2] == e[2] and merged[-1][1] + 1 == e[0]:
                merged[-1] = (merged[-1][0], e[1], e[2])
            else:
                merged.append(e)
        return merged
    base = outside(maps[""])
    report.result("test firmware e820: outside the mailbox page all maps are the same, and not empty",
                  len(base) > 3 and all(outside(m) == base for m in maps.values()),
                  "%d entries" % len(base))

    # the OpenHCL shape's mailbox, high in low RAM, in QEMU's memory settings for it
    machine, mem = dts.qemu_memory("openhcl")
    mb = dts.OPENHCL_MAILBOX
    path = dts.dtb(os.path.join(d, "e820-openhcl.dtb"), 2, "openhcl", shape="openhcl")
    status, text = firmware_run("e820-openhcl", 2, "selftest", path, mem=mem, machine=machine)
    entries = e820_of(text)
    report.result("test firmware e820, OpenHCL shape (-M %s -m %s): mailbox 0x%x from the DTB, "
                  "in no entry, usable RAM just below it" % (machine, mem, mb),
                  status == 1 and "fw: mailbox at 0x%08x (dtb " % mb in text and
                  "fw: selftest ok (1 aps woke)" in text and e820_at(entries, mb) == [] and
                  any(e[1] == mb - 1 and e[2] == "usable" for e in entries),
                  "exit %d, entries: %s" % (status, [(hex(a), hex(b), t) for a, b, t in entries]))


BIOS_SIGNATURES = (b"_MP_", b"RSD PTR ")


def bios_signatures(qmp, d):
    """The MP and ACPI signatures on 16-byte boundaries where Linux looks
    for them (first KiB, EBDA, 0xe0000-0xfffff), read by QEMU (pmemsave)."""
    found = {}
    for start, size in ((0, 0x400), (0x9fc00, 0x400), (0xe0000, 0x20000)):
        path = os.path.join(d, "mem-%x.bin" % start)
        qmp.command("pmemsave", val=start, size=size, filename=path)
        data = open(path, "rb").read()
        for off in range(0, len(data), 16):
            for sig in BIOS_SIGNATURES:
                if data[off:off + len(sig)] == sig:
                    found.setdefault(sig.decode(), []).append(start + off)
    return found


def test_firmware_bios_tables(report):
    """The firmware alone: by default it overwrites SeaBIOS's "_MP_" and
    "RSD PTR " signatures; keep-bios-tables leaves them. Its own report,
    and QEMU's view of guest memory afterwards (QMP pmemsave)."""
    for fwargs, keep in (("selftest", False), ("selftest keep-bios-tables", True)):
        name = "test firmware, %s" % ("keep-bios-tables" if keep else "default")
        d = os.path.join(OUT, "firmware", "t-bios-%s" % ("keep" if keep else "default"))
        seen = {}
        status, text = firmware_run(os.path.basename(d)[2:], 2, fwargs, exit_device=False,
                                    while_halted=lambda q: seen.update(bios_signatures(q, d)))
        word = "kept" if keep else "overwritten"
        for sig in ("_MP_", "RSD PTR "):
            said = re.search(r'^fw: (?:bios tables|scrub): .*"%s" at (0x[0-9a-f]+) .* %s$'
                             % (re.escape(sig), word), text, re.M)
            report.result("%s: the test firmware says %r was %s" % (name, sig, word), bool(said),
                          said.group(0) if said else "no such line")
            report.result("%s: %r is %s in guest memory afterwards (pmemsave)"
                          % (name, sig, "still there" if keep else "gone"),
                          bool(seen.get(sig)) == keep and "fw: selftest ok" in text,
                          "found at %s" % [hex(a) for a in seen.get(sig, [])])


def test_firmware_no_low_ram(report):
    """The firmware alone: no-low-ram leaves no usable RAM below 1 MiB in
    the e820 map, while the APs still start from the trampoline at 0x9d000
    and park, and (dry-run) the firmware still prepares a bzImage's boot."""
    d = os.path.join(OUT, "firmware")
    path = dts.dtb(os.path.join(d, "no-low-ram.dtb"), 4, "good")
    for fwargs in ("selftest", "selftest no-low-ram"):
        status, text = firmware_run("low-" + fwargs.replace(" ", "-"), 4, fwargs, path)
        low = [e for e in e820_of(text) if e[0] < 0x100000 and e[2] == "usable"]
        name = "test firmware, %s" % fwargs
        report.result("%s: the self test passes (3 aps woke)" % name,
                      status == 1 and "fw: selftest ok (3 aps woke)" in text,
                      "exit %d, %s" % (status, text.strip().splitlines()[-1:]))
        if "no-low-ram" in fwargs:
            report.result("%s: no usable e820 entry below 1 MiB" % name, not low and e820_of(text),
                          "usable below 1 MiB: %s" % [(hex(a), hex(b)) for a, b, _ in low])
        else:
            report.control("%s: usable RAM below 1 MiB (the control)" % name, bool(low),
                          "usable below 1 MiB: %s" % [(hex(a), hex(b)) for a, b, _ in low])
    if not os.path.exists(KERNEL):
        report.skip("test firmware, dry-run no-low-ram", "no kernel at %s" % KERNEL)
        return
    log = os.path.join(d, "t-dry-run", "debugcon.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    status = run_qemu(["qemu-system-x86_64", "-M", "pc", "-accel",
                       "tcg,thread=single", "-cpu", "max", "-smp", "2", "-m", "1G",
                       "-display", "none", "-vga", "none", "-monitor", "none", "-serial",
                       "none", "-no-reboot", "-kernel", firmware(),
                       "-append", "dry-run no-low-ram", "-initrd",
                       "%s console=ttyS0,%s,%s" % (KERNEL, INITRD, path),
                       "-debugcon", "file:" + log, "-global", "isa-debugcon.iobase=0xe9",
                       "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"], 120)
    text = open(log, errors="replace").read() if os.path.exists(log) else ""
    m = re.search(r"^fw: dry-run, not booting linux: entry (0x[0-9a-f]+), boot_params "
                  r"(0x[0-9a-f]+), (\d+) e820 entries", text, re.M)
    report.result("test firmware, dry-run no-low-ram: a bzImage's boot is prepared, boot_params "
                  "and kernel above 1 MiB",
                  status == 1 and m is not None and int(m.group(1), 16) >= 0x100000 and
                  int(m.group(2), 16) >= 0x100000 and "fw: error" not in text,
                  "exit %d, %s" % (status,
                                   m.group(0) if m else text.strip().splitlines()[-1:]))


def test_firmware_mailbox_rules(report):
    """The firmware alone: which mailbox it parks the APs on, and the trees
    and options it refuses (exit status 5, "fw: error: ...")."""
    d = os.path.join(OUT, "firmware")

    def tree(variant, mailbox=None, name=None):
        return dts.dtb(os.path.join(d, "rules-%s.dtb" % (name or variant)), 2, variant, mailbox)

    cases = [
        # (name, fwargs, dtb, exit status, what the log must say)
        ("no DTB: the default mailbox", "selftest", None, 1,
         "fw: mailbox at 0x0009e000 (default: no dtb)"),
        ("no mailbox node: the default mailbox", "selftest", tree("missing"), 1,
         "fw: mailbox at 0x0009e000 (default: the dtb names none)"),
        ("a disabled node is not there", "selftest", tree("disabled", 0x3000000), 1,
         "fw: mailbox at 0x0009e000 (default: the dtb names none)"),
        ("the DTB's mailbox", "selftest", tree("good", 0x3000000, "good-3000000"), 1,
         "fw: mailbox at 0x03000000 (dtb /reserved-memory/wakeup_table@3000000)"),
        ("mailbox= overrides the DTB", "selftest mailbox=0x4000000", tree("good"), 1,
         "fw: mailbox at 0x04000000 (mailbox= option)"),
        ("mailbox-dirty: command 2 pending, left alone by the APs", "selftest mailbox-dirty",
         tree("good"), 1, "fw: selftest: mailbox-dirty command 0x2 left alone by the aps"),
        ("dead-ones: the page reads all ones and keeps no write", "selftest mailbox-dead",
         tree("dead-ones"), 1, "fw: mailbox at 0x000df000 (dtb /reserved-memory/"
         "wakeup_table@df000); mailbox-dead: reads as all ones, keeps no write"),
        ("dead-nowrite: the page reads zeros and keeps no write", "selftest mailbox-dead",
         tree("dead-nowrite"), 1, "fw: mailbox at 0xff000000 (dtb /reserved-memory/"
         "wakeup_table@ff000000); mailbox-dead: reads as zeros, keeps no write"),
        ("refused: two nodes", "selftest", tree("two"), 5,
         "fw: error: dtb: 2 intel,wakeup-mailbox nodes"),
        ("refused: 8 KiB", "selftest", tree("size"), 5, "reg size 0x2000, not 4 KiB"),
        ("refused: unaligned", "selftest", tree("unaligned"), 5, "is not 4 KiB aligned"),
        ("refused: above 4 GiB", "selftest", tree("outside"), 5, "is not below 4 GiB"),
        ("refused: in the firmware image", "selftest", tree("good", 0x100000, "in-fw"), 5,
         "lies in the firmware image"),
        ("refused: not RAM", "selftest", tree("good", 0xc0000000, "not-ram"), 5,
         "is not usable RAM in QEMU's memory map"),
        ("refused: mailbox-dead on RAM", "selftest mailbox-dead", tree("good"), 5,
         "mailbox-dead: mailbox 0x9e000 (dtb /reserved-memory/wakeup_table@9e000) is RAM"),
        ("refused: an unknown mailbox-e820= value", "selftest mailbox-e820=bogus", None, 5,
         "fw: error: mailbox-e820=bogus: unknown"),
        ("refused: an unknown option", "selftest frobnicate", None, 5,
         'fw: error: unknown firmware option "frobnicate"'),
    ]
    for name, fwargs, path, want_status, want in cases:
        status, text = firmware_run("rules", 2, fwargs, path)
        report.result("test firmware, %s (%s): exit %d, %r" % (name, fwargs, want_status, want),
                      status == want_status and want in text,
                      "exit %d, %s" % (status, [l for l in text.splitlines()
                                                if l.startswith(("fw: mailbox at", "fw: error",
                                                                 "fw: selftest"))][-2:]))


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
        report.skip("%s: the boot" % name, "no %s: make kernel-noacpi builds it (left out of "
                    "make test for CI time; the gate compiles ACPI=n)" % (KERNEL + "-noacpi"))
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


def control_boot(report, name, ctl, wants, ncpus, variant, oops=None, **kw):
    """Boot the control kernel CTL (tests/wakeup_mailbox/controls/CTL.patch
    on the test kernel, scripts/build-control) with `variant`: each guest
    check named by one of `wants` must fail; with `oops` (a pattern), the
    kernel must instead oops at boot with it, before any check."""
    patch = os.path.join(TOP, "tests", "wakeup_mailbox", "controls", ctl + ".patch")
    kernel = build_control(report, name, "x86_64", ctl, patch)
    if not kernel:
        return
    with mailbox_guest("control-" + ctl, ncpus, variant, kernel=kernel, **kw) as g:
        g.start()
        completed = g.run_to_end()
        g.wait_exit()
        seen = {n: ok for ok, n in g.checks()}
        if oops:
            found = re.search(oops, g.kernel_log())
            report.control("%s: the kernel oopses at boot: \"%s\"" % (name, oops),
                          not completed and found is not None,
                          "no \"done\"; %s" % (found.group(0) if found else "no such line")
                          if not completed else "the scenario ran to its end")
            return
        report.result("%s: the scenario ran to its end" % name, completed, kind="boot")
        for want in wants:
            got = [(n, ok) for n, ok in seen.items() if want in n]
            report.control("%s: the guest's check \"%s\" fails" % (name, want),
                          len(got) == 1 and not got[0][1],
                          "; ".join("%s %s" % ("ok" if ok else "not ok", n) for n, ok in got)
                          or "the check did not run")


def test_mailbox_dedup_control(report):
    """Control of mailbox-dedup: a kernel built without the series' line
    that stops the MP table from being parsed (controls/
    dedup-keeps-mp-table.patch, scripts/build-control) must fail the
    checks that the CPUs are counted once."""
    control_boot(report, "control mailbox-dedup, kernel without the MP-table line",
                 "dedup-keeps-mp-table",
                 ("no CPU from the MP table", "CPUs possible, counted once"),
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
                 "nodes", "ioapic-mp-only", ("one IO-APIC IRQ domain, the tree's",), 2,
                 "intc-nocpus")


TESTS = [test_firmware_selftest, test_firmware_e820, test_firmware_bios_tables,
         test_firmware_no_low_ram, test_firmware_mailbox_rules,
         test_mailbox_smp, test_mailbox_field_variants, test_mailbox_noacpi,
         test_mailbox_initsipi, test_mailbox_refused, test_mailbox_bios_tables,
         test_mailbox_dedup_control,
         test_mailbox_intc, test_mailbox_intc_nocpus, test_mailbox_trampoline,
         test_mailbox_maxcpus1, test_mailbox_nosmt]
