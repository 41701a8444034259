# SPDX-License-Identifier: GPL-2.0
"""The project's test firmware (firmware/wakeup-mailbox) alone under QEMU
x86_64, no Linux booted: its self test (it parks the APs in its mailbox
loop and wakes each through the mailbox), the e820 map it hands Linux,
SeaBIOS's tables it overwrites or keeps, no-low-ram, and the mailboxes it
takes or refuses. Its exit status (the isa-debug-exit device) and its
debug port's log are its report."""

import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import (OUT, Qmp, connect_unix, end_process, popen_qemu,  # noqa: E402
                      read_text, run_qemu)
from wakeup_mailbox import dts  # noqa: E402
from wakeup_mailbox.boot import INITRD, KERNEL, firmware_cmd  # noqa: E402


def firmware_result(report, name, passed, detail=""):
    """A result of the test firmware alone: counted as such, not as a kernel
    behaviour."""
    report.result(name, passed, detail, kind="firmware")


def test_firmware_selftest(report):
    """The firmware alone: it parks the APs and wakes each through its mailbox."""
    for n in (1, 2, 4, 8, 32):
        log = os.path.join(OUT, "firmware", "selftest-%d.log" % n)
        status = run_qemu(firmware_cmd(n, "selftest", log), 120)
        text = read_text(log)
        want = "fw: selftest ok (%d aps woke)" % (n - 1)
        firmware_result(report, "test firmware self-test, %d vCPUs: %s" % (n, want),
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
    modules = None
    if dtb:
        page = os.path.join(d, "page")
        with open(page, "wb") as f:
            f.write(bytes(4096))
        modules = "%s,%s,%s" % (page, page, dtb)
    cmd = firmware_cmd(ncpus, fwargs, log, mem, machine, modules, exit_device)
    if exit_device:
        status = run_qemu(cmd, timeout)
    else:
        sock = os.path.join(d, "qmp.sock")
        cmd += ["-qmp", "unix:%s,server=on,wait=off" % sock]
        p = popen_qemu(cmd)
        try:
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                text = read_text(log)
                if "fw: selftest ok" in text or "fw: error:" in text or p.poll() is not None:
                    break
                time.sleep(0.1)
            if p.poll() is None:
                s = connect_unix(sock, time.monotonic() + 5, lambda: p.poll() is None)
                if not s:
                    raise RuntimeError("%s: no QMP at %s" % (name, sock))
                with Qmp(s, 30) as qmp:
                    if while_halted:
                        while_halted(qmp)
                    qmp.command("quit")
            p.wait(timeout=30)
        finally:
            end_process(p)
        status = p.returncode
    return status, read_text(log)


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
        firmware_result(report,
                        "%s: the APs parked on the DTB's mailbox and woke through it" % name,
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
        firmware_result(report, "%s: the mailbox page 0x%x is %s" % (name, mb, want), ok,
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
    firmware_result(report,
                    "test firmware e820: outside the mailbox page all maps are the same, and "
                  "not empty",
                  len(base) > 3 and all(outside(m) == base for m in maps.values()),
                  "%d entries" % len(base))

    # the OpenHCL shape's mailbox, high in low RAM, in QEMU's memory settings for it
    machine, mem = dts.qemu_memory("openhcl")
    mb = dts.OPENHCL_MAILBOX
    path = dts.dtb(os.path.join(d, "e820-openhcl.dtb"), 2, "openhcl", shape="openhcl")
    status, text = firmware_run("e820-openhcl", 2, "selftest", path, mem=mem, machine=machine)
    entries = e820_of(text)
    firmware_result(report,
                    "test firmware e820, OpenHCL shape (-M %s -m %s): mailbox 0x%x from the DTB, "
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
            firmware_result(report,
                            "%s: the test firmware says %r was %s" % (name, sig, word), bool(said),
                          said.group(0) if said else "no such line")
            firmware_result(report, "%s: %r is %s in guest memory afterwards (pmemsave)"
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
        firmware_result(report, "%s: the self test passes (3 aps woke)" % name,
                      status == 1 and "fw: selftest ok (3 aps woke)" in text,
                      "exit %d, %s" % (status, text.strip().splitlines()[-1:]))
        if "no-low-ram" in fwargs:
            firmware_result(report, "%s: no usable e820 entry below 1 MiB" % name,
                            not low and e820_of(text),
                          "usable below 1 MiB: %s" % [(hex(a), hex(b)) for a, b, _ in low])
        else:
            firmware_result(report, "%s: usable RAM below 1 MiB (the control)" % name, bool(low),
                          "usable below 1 MiB: %s" % [(hex(a), hex(b)) for a, b, _ in low])
    if not os.path.exists(KERNEL):
        report.skip("test firmware, dry-run no-low-ram", "no kernel at %s" % KERNEL)
        return
    log = os.path.join(d, "t-dry-run", "debugcon.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    status = run_qemu(firmware_cmd(2, "dry-run no-low-ram", log, "1G",
                                   modules="%s console=ttyS0,%s,%s" % (KERNEL, INITRD, path)),
                      120)
    text = read_text(log)
    m = re.search(r"^fw: dry-run, not booting linux: entry (0x[0-9a-f]+), boot_params "
                  r"(0x[0-9a-f]+), (\d+) e820 entries", text, re.M)
    firmware_result(report,
                    "test firmware, dry-run no-low-ram: a bzImage's boot is prepared, boot_params "
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
        firmware_result(report,
                        "test firmware, %s (%s): exit %d, %r" % (name, fwargs, want_status, want),
                      status == want_status and want in text,
                      "exit %d, %s" % (status, [l for l in text.splitlines()
                                                if l.startswith(("fw: mailbox at", "fw: error",
                                                                 "fw: selftest"))][-2:]))


TESTS = [test_firmware_selftest, test_firmware_e820, test_firmware_bios_tables,
         test_firmware_no_low_ram, test_firmware_mailbox_rules]
