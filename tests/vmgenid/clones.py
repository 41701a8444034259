# SPDX-License-Identifier: GPL-2.0
"""Clones of one snapshot (test_clone.py's docstring says how): the
machines that boot, snapshot and restore them (X86: QEMU's vmgenid; Arm64:
the host as the VMM), a clone's report, a snapshot's set of clones and the
host's verdicts on them. test_clone.py, bench.py and demo_clones.py use
them."""

import os
import time
import uuid

from lib.gdb import GdbRemote
from lib.qemu import OUT, stock_kernel
from vmgenid import dtb, expect
from vmgenid.guests import (MEMORY, arm64_guest, initrd, project_kernel, raise_spi, restore,
                            snapshot, stop_at_ready)

# The guest forces a reseed at this uptime at the earliest: the time-based
# reseed then waits as long again, far longer than a restore-to-draw.
UPTIME = int(os.environ.get("CLONE_UPTIME", "12"))
# A run of clones (a set, a chain) may not outlive this: every QEMU it
# started is killed then.
DEADLINE = int(os.environ.get("CLONE_DEADLINE", "600"))
# How long the late control waits before it draws (clone_late, clone.sh).
LATE = 15


def note(report, text):
    """A line of narration (what the host did), not a verdict."""
    if hasattr(report, "note"):
        report.note(text)
    else:
        print("     " + text, flush=True)


def kernel_args(extra=""):
    return "test=clone clone_uptime=%d clone_late=%d%s" % (UPTIME, LATE, extra)


def short(hexstr, n=12):
    return hexstr[:n] + ".." if hexstr else "(nothing)"


# -- one clone ----------------------------------------------------------------

class Clone:
    """One restored VM's report: `kind` is "same" (the snapshot's ID) or
    "new"; `id` the ID it was restored with (hex or a guid)."""

    def __init__(self, name, kind, id_text):
        self.name, self.kind, self.id = name, kind, id_text
        self.random = None
        self.values = {}

    def parse(self, line):
        """ "random HEX gen G reseeds N modreseeds M uevents U heard yes" """
        words = line.split()
        self.random = words[1]
        for key, value in zip(words[2::2], words[3::2]):
            self.values[key] = int(value) if value.isdigit() else value
        return self

    def get(self, key):
        return self.values.get(key)


def read_clone(report, h, clone):
    """The clone's report line. If it never came, or without bytes, the
    clone's boot is counted as failed, its QEMU killed, and None returned."""
    _, line = h.expect_prefix("random ", timeout=90)
    if line is not None and clone.parse(line).random != "error":
        return clone
    report.result("%s: the clone reported the bytes getrandom() gave it" % clone.name, False,
                  line or "nothing came")
    report.guest(clone.name, h, False, expect.clone_round())
    h.cleanup(keep=True)
    return None


def finish(report, h, name):
    """End the scenario: count the clone's verdicts (the round it started
    after its draw), "done N" and its log."""
    h.send("finish")
    report.guest(name, h, h.run_to_end(), expect.clone_round())
    h.cleanup()


def snapshot_at_ready(report, name, g, path, earlier=0, before=None):
    """g (started) runs to "ready" and is snapshotted to `path`
    (stop_at_ready). Returns how many verdicts the guest has sent in all
    (`earlier` were sent before g), or None if it never got ready."""
    checks = stop_at_ready(report, name, g, path, before or expect.clone_round(), timeout=120)
    return None if checks is None else earlier + len(checks)


# -- arm64: the host plays the VMM --------------------------------------------

def vmm_restore(report, name, kernel, rd, append, path, earlier, new_id, word, notify=True):
    """Restore the arm64 snapshot `path` in a new QEMU, paused; as the VMM,
    write `new_id` (None: write nothing) and raise the vmgenid SPI (unless
    `notify` is False and there is no new ID), then let the VM run and
    tell the guest `word`. Returns the guest and the time the VM resumed
    (the gdbstub's detach)."""
    h = arm64_guest(name, kernel, rd, "good", append, bytes(16))  # RAM comes from `path`
    sock = os.path.join(h.dir, "gdb.sock")
    h.cmd += ["-gdb", "unix:%s,server=on,wait=off" % sock]
    h.earlier = earlier
    h.start_from(path)
    addr = dtb.id_addr(MEMORY)
    with GdbRemote(sock) as gdb:
        gdb.physical()
        if new_id:
            gdb.write(addr, new_id)
            if gdb.read(addr, 16) != new_id:
                raise RuntimeError("%s: the new ID did not land at 0x%x" % (name, addr))
            note(report, "%s: host as VMM: wrote new ID %s at 0x%x (guest-physical)"
                 % (name, new_id.hex(), addr))
        if new_id or notify:
            raise_spi(gdb)
            note(report, "%s: host as VMM: raised SPI %d (INTID %d): bit %d of "
                 "GICD_ISPENDR%d at 0x%x" % (name, dtb.SPI, dtb.INTID, dtb.INTID % 32,
                                            dtb.INTID // 32, dtb.ISPENDR))
            if not new_id:
                note(report, "%s: host as VMM: same ID, wrote nothing" % name)
        else:
            note(report, "%s: host as VMM: same ID, wrote nothing, raised nothing" % name)
        gdb.detach()  # the VM runs from here
        t0 = time.monotonic()
    h.resume("restored " + word)
    return h, t0


class Arm64:
    """An arm64 kernel booted for clones: the project's, or Debian's stock
    one with (module=True) or without the out-of-tree module."""

    def __init__(self, label, stock=False, module=False):
        self.label = label
        self.kernel = stock_kernel("arm64") if stock else project_kernel("arm64")
        self.rd = initrd("arm64-stock" if stock else "arm64-vmgenid")
        self.append = kernel_args(" clone_module=1" if module else "")
        self.before = expect.clone_round(module)
        self.id = os.urandom(16)
        # a kernel that cannot see the new ID sends no uevent: do not wait
        self.word = "changed nowait" if stock and not module else "changed"
        # Same-ID clones get the SPI too, as from a VMM that raises it on
        # every restore, where a driver is there to take it.
        self.notify_same = module or not stock

    def boot_snapshot(self, report, name):
        g = arm64_guest(name, self.kernel, self.rd, "good", self.append, self.id)
        g.start()
        path = os.path.join(OUT, "snapshot-%s" % name)
        return path, snapshot_at_ready(report, name, g, path, before=self.before)

    def restore(self, report, name, path, earlier, new, late=False):
        """new: True for a fresh random ID. Returns (guest, t0, Clone)."""
        if late:
            raise ValueError("arm64 clones have no late control")
        new_id = os.urandom(16) if new else None
        h, t0 = vmm_restore(report, name, self.kernel, self.rd, self.append, path, earlier,
                            new_id, self.word if new else "same", self.notify_same)
        return h, t0, Clone(name, "new" if new else "same", (new_id or self.id).hex())


class X86:
    """The project's x86_64 kernel with QEMU's -device vmgenid."""

    label = "x86_64 project kernel, QEMU vmgenid"
    notify_same = True  # QEMU notifies on every restore

    def __init__(self):
        self.kernel, self.rd = project_kernel("x86_64"), initrd("x86_64-vmgenid")
        self.append = kernel_args()

    def boot_snapshot(self, report, name):
        self.guid, path, earlier = snapshot(report, name, self.kernel, self.rd, self.append,
                                           expect.clone_round())
        return path, (earlier if path else None)

    def restore(self, report, name, path, earlier, new, late=False):
        """late: the same guid, the guest told to draw only after the next
        time-based reseed (the control that the comparison can fail)."""
        guid = str(uuid.uuid4()) if new else self.guid
        h, t0 = restore(name, self.kernel, self.rd, self.append, guid, path,
                        "changed" if new else "same late" if late else "same", earlier)
        return h, t0, Clone(name, "new" if new else "late" if late else "same", guid)


# -- clones of one snapshot -----------------------------------------------------

def clone_set(report, machine, name, kinds):
    """Boot, snapshot, restore once per entry of `kinds` ("same", "new" or,
    on x86_64, "late").
    Returns the Clones that reported (None if the boot failed)."""
    clones = []
    path = None
    try:
        path, earlier = machine.boot_snapshot(report, name)
        if earlier is None:
            return None
        for i, kind in enumerate(kinds):
            cname = "%s-%d-%s" % (name, i + 1, kind)
            h, _, clone = machine.restore(report, cname, path, earlier, kind == "new",
                                          late=kind == "late")
            if read_clone(report, h, clone):
                clones.append(clone)
                finish(report, h, cname)
    finally:
        if path and os.path.exists(path):
            os.unlink(path)
    return clones


def judge(report, label, clones, protected, reseed_key="reseeds", notified=True):
    """The host's verdicts on one snapshot's clones. protected: the kernel
    is expected to react to a new ID (False: it is expected NOT to: the
    vulnerability). notified: the same-ID clones were notified too (QEMU
    on x86_64; the host as VMM where a driver takes the SPI)."""
    same = [c for c in clones if c.kind == "same"]
    new = [c for c in clones if c.kind == "new"]
    if len(same) < 2 or len(new) < 2:
        report.result("%s: at least two clones of each kind reported" % label, False,
                      "%d same, %d new" % (len(same), len(new)))
        return
    control = same[0].random
    report.control("%s: the CONTROL: %d clones with the snapshot's own ID draw identical bytes"
                  % (label, len(same)), all(c.random == control for c in same),
                  ", ".join(short(c.random) for c in same))
    for c in same:
        if notified:
            report.result("%s: %s (same ID): the notification arrived (interrupts %s); no "
                          "reseed, no uevent" % (label, c.name, c.get("notified")),
                          c.get(reseed_key) == 0 and c.get("uevents") == 0 and
                          (c.get("notified") or 0) >= 1,
                          "%s %s, uevents %s, notified %s" % (reseed_key, c.get(reseed_key),
                                                              c.get("uevents"),
                                                              c.get("notified")))
        else:
            report.result("%s: %s (same ID, not notified: no driver to take it): no reseed, "
                          "no uevent" % (label, c.name),
                          c.get(reseed_key) == 0 and c.get("uevents") == 0,
                          "%s %s, uevents %s" % (reseed_key, c.get(reseed_key),
                                                 c.get("uevents")))
    for c in [c for c in clones if c.kind == "late"]:
        report.control("%s: %s (same ID, draws %s s later, past the next time-based reseed): "
                       "its bytes differ from the control's, so the comparison can fail"
                       % (label, c.name, LATE), c.random != control,
                       "%s; control %s" % (short(c.random), short(control)))
    seen = ", ".join(short(c.random) for c in new) + "; control " + short(control)
    if protected:
        distinct = len({c.random for c in new}) == len(new) and control not in {
            c.random for c in new}
        report.result("%s: %d new-ID clones draw bytes distinct from each other and from "
                      "the control" % (label, len(new)), distinct, seen)
        for c in new:
            report.result("%s: %s (new ID): exactly one reseed and one uevent, which came"
                          % (label, c.name), c.get(reseed_key) == 1 and c.get("uevents") == 1
                          and c.get("heard") == "yes",
                          "%s %s, uevents %s, heard %s" % (reseed_key, c.get(reseed_key),
                                                          c.get("uevents"), c.get("heard")))
    else:
        # Every clone carries the same CRNG and input pool: a time-based
        # reseed that falls between the same-ID and the new-ID draws (the
        # new-ID restores take longer) changes what they all draw, not that
        # they draw it alike.
        report.control("%s: new-ID clones draw the SAME bytes, as each other and, unless a "
                       "time-based reseed fell between the draws, as the control (the "
                       "vulnerability, shown)" % label,
                       len({c.random for c in new}) == 1, seen)
        report.result("%s: no clone reseeded or got a uevent" % label,
                      all(c.get("reseeds") == 0 and c.get("modreseeds") == 0
                          and c.get("uevents") == 0 for c in clones),
                      ", ".join("%s: reseeds %s/%s uevents %s" % (
                          c.name, c.get("reseeds"), c.get("modreseeds"), c.get("uevents"))
                          for c in new))


KINDS = ("same", "new", "same", "new")
