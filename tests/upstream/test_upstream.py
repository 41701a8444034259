# SPDX-License-Identifier: GPL-2.0
"""The upstream series' evidence: each defect they fix, shown on the
unpatched upstream base (Debian's linux-source-7.3, scripts/build-upstream)
and shown gone on the same kernel with patches/upstream applied.

Every test boots the kernels with the same input and holds each to what
it must show: the unpatched kernel the defect (the splat, the oops, the
panic, the hang, the silent or wrong choice), the patched ones the fixed
behaviour. A patch's test boots the base with the patches up to and
including that patch (1..N: its own fix, not a later patch's), and, where
it is not its series' last patch, the base with both series whole
(kernels()). A result about the unpatched kernel passes when the defect
shows; if upstream fixed it meanwhile, that result fails, and the patch
has no reason to be sent.

Where the host does what a hypervisor would (arm64: writing a new ID and
raising the interrupt, as Firecracker does on restore; QEMU has no
device-tree vmgenid), the result says so. The x86_64 mailbox boots run
under the project's test firmware (firmware/wakeup-mailbox), which plays
the device-tree firmware; their results say "test firmware".
"""

import os
import re
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.gdb import GdbRemote  # noqa: E402
from lib.qemu import BAD_KERNEL_LOG, OUT, TOP, image_name  # noqa: E402
from vmgenid import dtb  # noqa: E402
from wakeup_mailbox import dts  # noqa: E402
from vmgenid.guests import MEMORY, arm64_guest, fork_guest, raise_spi  # noqa: E402
from wakeup_mailbox.boot import linux_init_sipi, mailbox_guest, served  # noqa: E402

UP = os.path.join(OUT, "upstream")
# A boot that printed this and then nothing for HANG_QUIET seconds is hung:
# under TCG the patched kernel printed "smp: Brought up" 0.3 s after it.
HANG_AT = "Booting SMP configuration"
HANG_QUIET = 20
SLEEP_BUG = "BUG: sleeping function called from invalid context"


def base():
    """The upstream base's version, as its tree's Makefile has it."""
    try:
        mk = open(os.path.join(UP, "linux", "Makefile")).read()
        v = dict(re.findall(r"^(VERSION|PATCHLEVEL|SUBLEVEL) = (\d+)", mk, re.M))
        return "%s.%s.%s" % (v["VERSION"], v["PATCHLEVEL"], v["SUBLEVEL"])
    except (OSError, KeyError):
        return "upstream"


def stack():
    """The upstream series in the order scripts/apply-series stacks them
    (patches/upstream/stack if there is one, then the rest by name), each
    with its number of patches."""
    top = os.path.join(TOP, "patches", "upstream")

    def listed(path):
        try:
            lines = open(path).read().splitlines()
        except OSError:
            return []
        return [w for w in (line.split("#")[0].strip() for line in lines) if w]

    names = [n for n in listed(os.path.join(top, "stack"))
             if os.path.isfile(os.path.join(top, n, "series"))]
    names += sorted(n for n in os.listdir(top) if n not in names
                    and os.path.isfile(os.path.join(top, n, "series")))
    return [(n, len(listed(os.path.join(top, n, "series")))) for n in names]


def kernel(arch, which):
    """The upstream base's kernel for `arch`: None, unpatched; "all", with
    every series; "SERIES-N", with the patches up to and including patch N
    of SERIES (scripts/build-upstream)."""
    suffix = {None: "-unpatched", "all": ""}.get(which, "-" + str(which))
    return os.path.join(UP, arch, image_name(arch) + suffix)


def system_map(arch, which):
    return kernel(arch, which).replace(image_name(arch), "System.map", 1)


def upto(series, n):
    """What the kernel "SERIES-N" holds, in words."""
    held = []
    for name, count in stack():
        if name == series:
            held.append("%s 1-%d" % (name, n) if n > 1 else "%s 1" % name)
            return "%s with %s" % (base(), ", ".join(held))
        held.append("%s 1-%d" % (name, count))
    raise ValueError("no upstream series %r" % series)


def kernels(series=None, n=None):
    """(label, which) for the kernels a test boots: unpatched, then, for
    patch N of SERIES, the base with patches 1..N of it (the series stacked
    before it whole): the patch's own fix; where N is not the last patch,
    also both series whole. Without SERIES: unpatched and both series."""
    out = [("unpatched %s" % base(), None)]
    if series is not None:
        out.append((upto(series, n), "%s-%d" % (series, n)))
        if n == dict(stack())[series]:
            return tuple(out)
    return tuple(out) + (("%s with both series" % base(), "all"),)


def initrd(arch):
    return os.path.join(OUT, "initramfs", "%s-upstream.cpio" % arch)


def log_of(g):
    return g.kernel_log()


def first(pattern, log):
    """The first kernel log line that matches `pattern` (a regex), stripped."""
    for line in log.splitlines():
        if re.search(pattern, line):
            return line.strip()
    return None


def bad(log):
    return first(BAD_KERNEL_LOG.pattern, log)


def tail(log, n=3):
    return " | ".join(line.strip() for line in log.splitlines()[-n:])


def reseeds(g):
    """The guest's reported reseed counts: [before, after]."""
    return [int(line.split()[1]) for _, line in g.lines if re.match(r"reseeds \d+$", line)]


def verdict(g, name):
    """The guest's verdict whose name starts with `name`: True, False or None."""
    for passed, n in g.checks():
        if n.startswith(name):
            return passed
    return None


def said_by_guest(g, name):
    """The guest's verdict line whose name starts with `name`, as it came."""
    for passed, n in g.checks():
        if n.startswith(name):
            return ("ok " if passed else "not ok ") + n
    return "no verdict \"%s\"" % name


# -- vmgenid -----------------------------------------------------------------

def dt_notify(label, which, no_map=True):
    """Boot the arm64 kernel with Firecracker's vmgenid node (its ID in a
    no-map /reserved-memory region, or with no_map=False in memory the
    kernel knows); once the guest is ready, the HOST PLAYS FIRECRACKER's
    restore through QEMU's gdbstub: it writes a new ID at the node's address
    and sets the node's SPI pending. Returns what was seen."""
    first_id, new_id = os.urandom(16), os.urandom(16)
    g = arm64_guest("up-dt-notify", kernel("arm64", which), initrd("arm64"), "good",
                    "test=up-notify", first_id, no_map=no_map, timeout=120)
    sock = os.path.join(g.dir, "gdb.sock")
    g.cmd += ["-gdb", "unix:%s,server=on,wait=off" % sock]
    with g:
        g.start()
        ready = g.expect("ready") is not None
        if ready:
            with GdbRemote(sock) as gdb:  # the VM stops while the stub is attached
                gdb.physical()
                gdb.write(dtb.id_addr(MEMORY), new_id)
                raise_spi(gdb)
                gdb.detach()
            g.send("notified")
        done = g.run_to_end()
        g.end(done)
        log, counts = log_of(g), reseeds(g)
        r = dict(done=done, log=log, bound=verdict(g, "vmgenid bound"),
                 flushed=verdict(g, "flush:"),
                 one=len(counts) == 2 and counts[1] == counts[0] + 1)
        r["why"] = "bound %s, flushed %s, reseed counts %s; %s" % (
            r["bound"], r["flushed"], counts, bad(log) or "log clean")
        return r


def notify_fixed(r):
    """What dt_notify() saw is the fixed behaviour: bound, to the end, one
    reseed (counted after a flush), a clean log."""
    return bool(r["bound"]) and r["done"] and r["flushed"] is True and r["one"] and \
        bad(r["log"]) is None


def test_upstream_vmgenid_dt_notify(report):
    """vmgenid patch 2, arm64: Firecracker's vmgenid node, WireGuard built in (it
    registers a vmfork notifier), CONFIG_DEBUG_ATOMIC_SLEEP; the host
    writes a new ID and raises the SPI. Unpatched: the reseed, then
    "sleeping function called from invalid context". Patched: one reseed,
    a clean log."""
    for label, which in kernels("vmgenid", 2):
        name = "upstream vmgenid DT notify (host writes a new ID and raises the SPI), %s" % label
        r = dt_notify(label, which)
        if which is None:
            report.control("%s: shows the defect: the reseed, then \"%s\"" % (name, SLEEP_BUG),
                          bool(r["bound"]) and r["one"] and first(SLEEP_BUG, r["log"])
                          is not None, r["why"])
        else:
            report.result("%s: one reseed (counted after a flush), no splat, log clean" % name,
                          notify_fixed(r), r["why"])


def test_upstream_vmgenid_dt_in_ram(report):
    """vmgenid patch 3, arm64: the same node, its ID in a /reserved-memory region
    without no-map (memory the kernel knows as RAM), the host's
    notification as above. Unpatched: no driver (claiming the region
    fails). Patched: bound, one reseed, a clean log."""
    for label, which in kernels("vmgenid", 3):
        name = "upstream vmgenid DT, the ID in System RAM, %s" % label
        r = dt_notify(label, which, no_map=False)
        refused = first(r"vmgenid.*(error|failed)", r["log"])
        if which is None:
            report.control("%s: shows the defect: no driver (%s)" % (name, refused or "refused"),
                          r["bound"] is False and refused is not None and not r["one"],
                          "%s; %s" % (refused, r["why"]))
        else:
            report.result("%s: bound, one reseed (counted after a flush), log clean" % name,
                          notify_fixed(r), r["why"])


# What the x86_64 mapping trace stops at: memremap(); arch_memremap_wb(),
# which memremap() calls for a MEMREMAP_WB mapping it does not take from
# the linear map (kernel/iomem.c, try_ram_remap(): RAM, unless the x86
# arch_memremap_can_ram_remap() of a CONFIG_AMD_MEM_ENCRYPT kernel in a
# confidential guest refuses) and which maps encrypted in a confidential
# guest unless MEMREMAP_DEC is passed; and ioremap(), what 7.3's
# device-tree path uses.
TRACED = ("memremap", "arch_memremap_wb", "ioremap")
MEMREMAP_WB, MEMREMAP_DEC = 0x1, 0x10


def symbols(path, names):
    """The addresses of the text symbols `names` in System.map `path`."""
    found = {}
    with open(path) as f:
        for line in f:
            addr, kind, name = line.split()[:3]
            if name in names and kind in "Tt":
                found[name] = int(addr, 16)
    missing = set(names) - set(found)
    if missing:
        raise RuntimeError("%s has no %s" % (path, ", ".join(sorted(missing))))
    return found


def e820_type(log, addr):
    """What the kernel's "BIOS-e820:" lines call the range holding addr."""
    for lo, hi, kind in re.findall(r"BIOS-e820: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]\s+(.+)", log):
        if int(lo, 16) <= addr <= int(hi, 16):
            return kind.strip()
    return "in no e820 range"


def map_trace(which):
    """Boot the x86_64 kernel under the test firmware from its "vmgenid"
    tree (no mailbox; two microsoft,vmgenid nodes without interrupts: one ID
    in an e820 reserved range, one in usable RAM), with QEMU started
    paused and a breakpoint (gdbstub) on each TRACED function; at each stop
    whose first argument (rdi, the physical address) is an ID, record the
    call: (function, address, size, flags). The driver then fails its
    probe for want of an interrupt: the trace is about the mapping only."""
    ids = (dts.VMGENID_RESERVED, dts.VMGENID_RAM)
    syms = symbols(system_map("x86_64", which), TRACED)
    by_addr = {a: n for n, a in syms.items()}
    g = mailbox_guest("up-vmgenid-map", 1, "vmgenid", "nokaslr", timeout=150,
                      kernel=kernel("x86_64", which), initrd=initrd("x86_64"),
                      scenario="up-cpus")
    sock = os.path.join(g.dir, "gdb.sock")
    g.cmd += ["-gdb", "unix:%s,server=on,wait=off" % sock, "-S"]
    calls, stops = [], 0
    with g:
        g.start()
        with GdbRemote(sock, timeout=g.timeout) as gdb:
            for addr in syms.values():
                gdb.breakpoint(addr)
            while gdb.cont() is not None:
                stops += 1
                r = gdb.registers_x86_64()
                if r["rdi"] in ids:
                    calls.append((by_addr.get(r["rip"], hex(r["rip"])), r["rdi"], r["rsi"],
                                  r["rdx"]))
                gdb.step_over(r["rip"])
        done = g.run_to_end()
        g.end(done)
        log = log_of(g)
    return dict(calls=calls, stops=stops, done=done, log=log, ids=ids,
                refused=[line.strip() for line in log.splitlines()
                         if re.search(r"vmgenid.*(error|failed|can't)", line)],
                e820=[e820_type(log, a) for a in ids])


def show_calls(calls):
    return ", ".join("%s(%#x, %#x%s)" % (f, a, n, "" if f == "ioremap" else ", %#x" % fl)
                     for f, a, n, fl in calls) or "none"


def test_upstream_vmgenid_x86_mapping(report):
    """vmgenid patch 3, x86_64, the device-tree path: which mapping the
    driver asks for (no guest here is confidential, so none can tell an
    encrypted mapping from a decrypted one by its bytes; the trace shows
    the flags instead). Unpatched: ioremap() (uncached), no memremap().
    Patched: memremap(MEMREMAP_WB | MEMREMAP_DEC) for both IDs, and
    arch_memremap_wb() receives MEMREMAP_DEC for the one outside RAM."""
    for label, which in kernels("vmgenid", 3):
        name = ("upstream vmgenid DT on x86_64 (test firmware; IDs in e820 reserved and usable "
                "RAM), the mapping traced at memremap/arch_memremap_wb/ioremap, %s" % label)
        t = map_trace(which)
        a, b = t["ids"]
        calls = t["calls"]
        why = ("calls on the IDs: %s; %d stops in all; e820: %s; vmgenid said: %s; %s; %s"
               % (show_calls(calls), t["stops"], " / ".join(t["e820"]),
                  " | ".join(t["refused"]) or "nothing", "done" if t["done"] else "no \"done\"",
                  bad(t["log"]) or "log clean"))
        placed = "reserved" in t["e820"][0] and t["e820"][1] in ("usable", "System RAM")
        # Each probe ends in an error: the ID in RAM unpatched (its region
        # cannot be claimed), both for want of an interrupt once mapped.
        said = {i: any("%x.vmgenid" % i in line for line in t["refused"]) for i in t["ids"]}
        if which is None:
            report.control("%s: shows the defect: ioremap() of the reserved one, no memremap()"
                           % name, placed and any(c[:3] == ("ioremap", a, 0x10) for c in calls)
                           and all(c[0] == "ioremap" for c in calls) and said[b]
                           and t["done"], why)
        else:
            wb_dec = MEMREMAP_WB | MEMREMAP_DEC
            report.result("%s: memremap(WB | DEC) of both, arch_memremap_wb() gets DEC for the "
                          "reserved one, every call on an ID with DEC, no ioremap()" % name,
                          placed and ("memremap", a, 0x10, wb_dec) in calls
                          and ("memremap", b, 0x10, wb_dec) in calls
                          and ("arch_memremap_wb", a, 0x10, wb_dec) in calls
                          and all(c[0] != "ioremap" and c[3] & wb_dec == wb_dec for c in calls)
                          and said[a] and said[b] and t["done"], why)


def test_upstream_vmgenid_acpi_rebind(report):
    """vmgenid patch 1, x86_64, QEMU's -device vmgenid (ACPI): unbind, bind again,
    then a real VM fork (the VM migrated to a file, restored in a new QEMU
    with a new guid, which sends the ACPI Notify). Unpatched: the bind
    fails and the fork's Notify oopses. Patched: bound again, one reseed,
    a clean log."""
    for label, which in kernels("vmgenid", 1):
        name = "upstream vmgenid ACPI unbind, bind, real VM fork, %s" % label
        k = kernel("x86_64", which)
        append = "test=up-notify rebind=1"
        snap = os.path.join(OUT, "snapshot-up-rebind")
        with fork_guest("up-rebind", k, initrd("x86_64"), append, uuid.uuid4(),
                        timeout=120) as g:
            g.start()
            ready = g.expect("ready") is not None
            bind = verdict(g, "bind ") if ready else None
            bind_said = said_by_guest(g, "bind ")
            bound = verdict(g, "bound after") if ready else None
            before_log = log_of(g)
            if ready:
                g.migrate_to_file(snap)
        if not ready:
            report.result(name, False, "the guest never got ready: " + tail(before_log))
            continue
        with fork_guest("up-rebind-restored", k, initrd("x86_64"), append, uuid.uuid4(),
                        timeout=120) as h:
            h.start_from(snap)
            h.resume("restored")
            done = h.run_to_end()
            h.end(done)
            log, counts = log_of(h), reseeds(h)
            flushed = verdict(h, "flush:")
        os.unlink(snap)
        why = ("guest: \"%s\", bound after %s, flushed after the fork %s, reseed counts"
               " after the fork %s; %s" % (bind_said, bound, flushed, counts,
                                            bad(log) or bad(before_log) or "log clean"))
        if which is None:
            oops = first(r"BUG: kernel NULL pointer dereference", log)
            report.control("%s: shows the defect: the bind fails, the fork's Notify oopses" % name,
                          bind is False and oops is not None, why)
        else:
            report.result("%s: bound again, one reseed after the fork (counted after a flush),"
                          " log clean" % name,
                          bind is True and bound is True and done and flushed is True
                          and counts[-1:] == [1]
                          and bad(log) is None and bad(before_log) is None, why)


# -- wakeup mailbox (x86_64, test firmware) ----------------------------------

def stall_watch(g, marker, quiet):
    """Kill g's QEMU once its console printed `marker` and then nothing more
    for `quiet` seconds (a hang), so that a hang costs `quiet` seconds, not
    the whole time-out; return the thread watching."""
    def watch():
        size, since = -1, None
        while g.proc and g.proc.poll() is None:
            try:
                now = os.path.getsize(g.console)
            except OSError:
                now = 0
            if now != size:
                size, since = now, time.monotonic()
            elif marker in g.kernel_log()[-2000:] and time.monotonic() - since > quiet:
                g.stalled = True
                g.kill()
                return
            time.sleep(0.5)
    g.stalled = False
    t = threading.Thread(target=watch, daemon=True)
    t.start()
    return t


def mailbox_boot(name, ncpus, variant, which, timeout=120, stall=None, **kw):
    """Boot the upstream kernel under the test firmware; return the guest
    (already ended), whether it reached "done", its kernel log, the APIC IDs
    the firmware woke through the mailbox and the INIT/SIPIs Linux sent.
    stall=(MARKER, SECONDS): end the boot as hung once the console printed
    MARKER and then nothing for SECONDS."""
    g = mailbox_guest(name, ncpus, variant, kernel=kernel("x86_64", which),
                      initrd=initrd("x86_64"), scenario="up-cpus", timeout=timeout, **kw)
    with g:
        g.start()
        if stall:
            stall_watch(g, *stall)
        done = g.run_to_end()
        g.end(done)
        online = [line.split()[1] for _, line in g.lines if line.startswith("count ")]
        return dict(done=done, log=log_of(g), woke=served(g), sipi=linux_init_sipi(g),
                    lines=[line for _, line in g.lines],
                    cpus=int(online[0]) if online else 0, stalled=getattr(g, "stalled", False))


def describe(b):
    return ("%s, %d CPUs online, the test firmware woke %s through the mailbox, "
            "%d INIT/SIPIs from Linux; %s" % ("done" if b["done"] else "no \"done\"", b["cpus"],
                                              b["woke"], b["sipi"],
                                              bad(b["log"]) or "log clean"))


def all_up_initsipi(b, n):
    return b["done"] and b["cpus"] == n and not b["woke"] and b["sipi"] > 0 and \
        bad(b["log"]) is None


def test_upstream_mailbox_field(report):
    """OpenHCL's device tree, its mailbox outside the e820 map, 4 vCPUs:
    the shape the field emits. Both kernels bring every CPU up through the
    mailbox: no fix may break it."""
    for label, which in kernels():
        b = mailbox_boot("up-openhcl", 4, "openhcl", which, shape="openhcl")
        report.result("upstream mailbox, OpenHCL's tree (test firmware), %s: 4 CPUs online, "
                      "3 woken through the mailbox, no INIT/SIPI" % label,
                      b["done"] and b["cpus"] == 4 and sorted(b["woke"]) == [1, 2, 3]
                      and b["sipi"] == 0 and bad(b["log"]) is None, describe(b))


def test_upstream_mailbox_disabled(report):
    """wakeup-mailbox patch 1: a node with status = "disabled"; the test firmware honours
    it and parks the APs on a mailbox of its own. Unpatched: the kernel uses
    the disabled node and hangs at "Booting SMP configuration". Patched:
    as if there were no node, INIT/SIPI brings every CPU up."""
    for label, which in kernels("wakeup-mailbox", 1):
        name = "upstream mailbox, disabled node (test firmware), %s" % label
        b = mailbox_boot("up-disabled", 4, "disabled", which, shape="openhcl",
                         stall=(HANG_AT, HANG_QUIET))
        if which is None:
            last = b["log"].strip().splitlines()[-1:] or [""]
            report.control("%s: shows the defect: hangs after \"%s\" (nothing more on the "
                          "console for %d s)" % (name, HANG_AT, HANG_QUIET),
                          not b["done"] and b["stalled"] and HANG_AT in last[0]
                          and bad(b["log"]) is None, describe(b) + "; last line: " + last[0])
        else:
            report.result("%s: 4 CPUs online through INIT/SIPI" % name, all_up_initsipi(b, 4),
                          describe(b))


def test_upstream_mailbox_e820_ram(report):
    """wakeup-mailbox patch 2: the mailbox in usable RAM (the test firmware's
    mailbox-e820=ram). Unpatched: accepted, the APs woken through a page
    the page allocator hands out. Patched: refused with a message, every
    CPU through INIT/SIPI."""
    for label, which in kernels("wakeup-mailbox", 2):
        name = "upstream mailbox in e820 RAM (test firmware), %s" % label
        b = mailbox_boot("up-e820-ram", 2, "e820-ram", which, shape="openhcl")
        said = first(r"wakeup mailbox", b["log"])
        if which is None:
            # What the stray writes then break depends on who holds the
            # page: an oops has followed so far (describe() shows it), but
            # only the acceptance is required.
            report.control("%s: shows the defect: accepted, the AP woken through a page of "
                          "RAM" % name, b["woke"] == [1] and said is None, describe(b))
        else:
            report.result("%s: refused (\"usable RAM\" said), 2 CPUs through INIT/SIPI" % name,
                          said is not None and "usable RAM" in said and all_up_initsipi(b, 2),
                          "%s; %s" % (said, describe(b)))


def test_upstream_mailbox_no_low_ram(report):
    """wakeup-mailbox patch 3: no usable RAM below 1 MiB (the test firmware's no-low-ram),
    OpenHCL's tree without a mailbox node. Unpatched: "Real mode trampoline
    was not allocated" panic. Patched: boots on one CPU and says why."""
    for label, which in kernels("wakeup-mailbox", 3):
        name = "upstream no RAM below 1 MiB (test firmware), %s" % label
        b = mailbox_boot("up-no-low-ram", 2, "trampoline-initsipi", which)
        panic = first(r"Kernel panic - not syncing: Real mode trampoline", b["log"])
        if which is None:
            report.control("%s: shows the defect: \"%s\"" % (name, panic or "the panic"),
                          panic is not None and not b["done"], describe(b))
        else:
            said = first(r"Real mode trampoline was not allocated", b["log"])
            report.result("%s: boots on one CPU, says why, no INIT/SIPI" % name,
                          b["done"] and b["cpus"] == 1 and said is not None and b["sipi"] == 0
                          and bad(b["log"]) is None, "%s; %s" % (said, describe(b)))


def test_upstream_mailbox_intc(report):
    """Checked, not assumed: a PC-like tree with local APIC and IO-APIC
    nodes (intel,ce4100-*), which oopses 6.1 in setup_IO_APIC() (no ISA IRQ
    is mapped, and check_timer() reads IRQ 0's irq_cfg), without and with
    the mailbox. 7.3 oopses the same way, and the series leaves it so (no
    firmware in the field emits such a tree; Documentation/upstream.rst,
    "Not in the series"): both kernels must show it."""
    for variant, n in (("intc", 2), ("intc-mailbox", 4)):
        name = "upstream mailbox, PC-like tree with IO-APIC nodes, %s (test firmware)" % variant
        for label, which in kernels():
            b = mailbox_boot("up-%s" % variant, n, variant, which)
            oops = first(r"BUG: kernel NULL pointer dereference", b["log"])
            what = ("%s, %s: shows the defect: \"%s\" at boot%s"
                    % (name, label, oops or "the NULL dereference",
                       " (the series leaves it)" if which else ""))
            if which:
                report.result(what, oops is not None and not b["done"], describe(b),
                              kind="diagnostic")
            else:
                report.control(what, oops is not None and not b["done"], describe(b))


def test_upstream_mailbox_madt(report):
    """The ACPI MADT's mailbox (a second MADT naming the test firmware's
    mailbox, as for tests/wakeup_mailbox's test_mailbox_madt): 7.3
    refuses to take a CPU woken through it offline (a version 0 wakeup
    structure), so no fix is needed there; both kernels must bring every
    CPU up through the mailbox and refuse the offlining."""
    for label, which in kernels():
        b = mailbox_boot("up-madt", 4, "madt-upstream", which)
        said = dict(line.split(" ", 1) for line in b["lines"] if " " in line)
        report.result("upstream mailbox, the MADT's (test firmware), %s: 4 CPUs online, 3 woken "
                      "through the mailbox, no INIT/SIPI, offlining cpu1 refused" % label,
                      b["done"] and b["cpus"] == 4 and sorted(b["woke"]) == [1, 2, 3]
                      and b["sipi"] == 0 and bad(b["log"]) is None
                      and said.get("offline", "").startswith("refused")
                      and said.get("cpu1") == "online 1",
                      "%s; offline %s; cpu1 %s" % (describe(b), said.get("offline"),
                                                   said.get("cpu1")))


VMGENID_TESTS = [test_upstream_vmgenid_dt_notify, test_upstream_vmgenid_dt_in_ram,
                 test_upstream_vmgenid_x86_mapping, test_upstream_vmgenid_acpi_rebind]
MAILBOX_TESTS = [test_upstream_mailbox_field, test_upstream_mailbox_disabled,
                 test_upstream_mailbox_e820_ram,
                 test_upstream_mailbox_no_low_ram, test_upstream_mailbox_intc,
                 test_upstream_mailbox_madt]
TESTS = VMGENID_TESTS + MAILBOX_TESTS
