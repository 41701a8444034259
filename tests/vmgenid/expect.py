# SPDX-License-Identifier: GPL-2.0
"""The manifests of the vmgenid scenarios (tests/vmgenid/guest/*.sh): the
verdicts each must send, per configuration (lib.report.Expect). A check
that the guest's script runs only in some configurations is listed here
for those, and declared skipped, with its reason, for the others."""

from lib.report import Expect

SHAPES = ("_CID-only", "QEMUVGID", "XEN0000", "FCVMGID", "VMGENCTR", "Hyper-V", "bhyve")


def cycle_checks(cycles, after):
    """Bind/unbind cycles: `after`, the checks that follow the cycles."""
    checks = ["%(n)s unbind/bind cycles, ends bound"] + after
    if cycles:
        return Expect([c % {"n": cycles} for c in checks])
    return Expect(skips=[(c % {"n": "N"}, "no cycles= on this boot's command line")
                         for c in checks])


def acpi_fork_before(cycles):
    """acpi-fork.sh up to the snapshot."""
    return Expect(["bound through ACPI as ",
                   "the device has an ACPI companion (firmware_node)"]) + \
        cycle_checks(cycles, ["no leak after %(n)s cycles (kmemleak)"])


def acpi_fork_after(word):
    """acpi-fork.sh after a restore told `word` ("changed" or "same")."""
    return Expect({
        "changed": ["fork (real, new guid): NEW_VMGENID=1 uevent reached a netlink listener",
                    "fork (real, new guid): exactly one uevent, counted at a barrier",
                    "fork (real, new guid): kernel log says crng reseeded"],
        "same": ["restore (real, same guid): QEMU's notification arrived",
                 "restore (real, same guid): no reseed in the kernel log"],
    }[word])


def dt(cycles):
    """dt.sh: arm64, a Firecracker-shaped node, simulated notifications."""
    return Expect([
        "bound through OF as ",
        "its of_node is compatible with microsoft,vmgenid",
        "setup (not the driver): devmem reads back the ID the host placed",
        "(simulated notify, unchanged ID): the interrupt reached the driver; no uevent",
        "(simulated notify, new ID): exactly one NEW_VMGENID=1 uevent",
        "(simulated notify, byte 15 of the ID changed): exactly one uevent",
        "(simulated notify, byte 0 of the ID changed): exactly one uevent",
        "(simulated notify): random.c logged 3 reseeds",
    ]) + cycle_checks(cycles, ["(simulated notify after rebinding, a new ID): exactly one uevent",
                               "no leak after %(n)s cycles (kmemleak)"])


DT_BAD = Expect([
    "reg too small (8 bytes) is refused",
    "no reg is refused",
    "no interrupts is refused",
    "malformed interrupts (2 cells for the GIC's 3) is refused",
    "a reg beyond the physical address range is refused",
    "status = \"disabled\" creates no device and binds nothing",
])

ACPI_BAD = Expect([
    "no ADDR method: refused",
    "ADDR a package of one integer, of two strings, or an integer: 3 refused",
    "none of the four malformed devices is bound",
    "_CID-only, no ADDR: refused by the ACPI driver",
    "_CID-only, no ADDR: not bound",
])


def acpi_shapes(module):
    """acpi-shapes.sh: seven ACPI shapes, and a Notify other than 0x80;
    `module`: the out-of-tree module in a stock kernel whose built-in driver
    keeps the ACPI bus."""
    checks = []
    for what in SHAPES:
        if not module:
            checks.append("%s: bound exactly once, by the %s driver"
                          % (what, "acpi" if what == "_CID-only" else "platform"))
        elif what == "_CID-only":
            checks.append("%s: the built-in ACPI driver binds it; the module does not" % what)
        else:
            checks.append("%s: the module binds its platform device, the built-in driver "
                          "its ACPI device" % what)
        checks.append("%s: its bound device's uevent has DRIVER=vmgenid" % what)
        checks.append("%s: (simulated notify, ID unchanged): " % what)
        for i in (15, 0):
            checks += ["%s: (simulated notify, byte %d of the ID changed): " % (what, i),
                       "%s: byte %d changed: " % (what, i)]
    checks += ["QEMUVGID: Notify 0x81 (byte 7 of the ID changed): ",
               "QEMUVGID: Notify 0x81: "]
    return Expect(checks)


def module_before(arch):
    """module.sh before its inner scenario, in Debian's stock kernel."""
    checks = ["module: insmod vmgenid.ko into stock ",
              "module: /sys/module/vmgenid is the loaded module"]
    beside = "module: the built-in ACPI driver stays bound beside it"
    if arch == "x86_64":
        return Expect(checks + [beside])
    return Expect(checks, skips=[(beside, "a device-tree boot has no ACPI bus for the "
                                          "built-in driver")])


def module_after(reseed=True):
    """module.sh after its inner scenario; `reseed`: the ID changed."""
    forced = "module: the module itself forced the reseed"
    tail = Expect(["module: rmmod vmgenid", "module: the platform driver is gone after rmmod"])
    if reseed:
        return Expect([forced]) + tail
    return Expect(skips=[(forced, "restored with the same ID: there is no reseed")]) + tail


def clone_round(module=False):
    """clone.sh, one round up to "ready" (the VM then is snapshotted,
    restored and told to go on or finish)."""
    e = Expect(["setup: round *: forced a CRNG reseed (RNDRESEEDCRNG) before the snapshot"])
    if module:
        e = Expect(["insmod vmgenid.ko into "]) + e
    return e


def storm(acpi, stock=False):
    """storm.sh (acpi: x86_64, acpi-shapes.asl's devices, vmgenid a module
    loaded by modalias, removed and loaded again in the storm) or
    storm-dt.sh (arm64, the device tree's node, vmgenid built in; stock:
    Debian's kernel, the out-of-tree module removed and inserted again in
    a second storm, without the lock checkers' and kmemleak's checks)."""
    if acpi:
        e = Expect(["modalias: the kernel's vmgenid is a module, not loaded at boot",
                    "modalias: modprobe '*' loads vmgenid and binds ",
                    "the six platform devices are bound",
                    "the _CID-only device is bound by the ACPI driver",
                    "storm: the reseeds: ",
                    "storm: unbind/bind of the platform devices beside them: ",
                    "storm: rmmod, then modprobe by modalias, beside them: "])
    else:
        e = Expect(["bound through OF as "])
        if stock:
            e += Expect(["after the storm: the module is loaded"])
        e += Expect(["after the storm: the driver is loaded and bound",
                     "storm: * notifications (simulated); IRQ * taken ",
                     "storm: the reseeds: ",
                     "storm: unbind/bind of * beside them: "])
    if acpi:
        e += Expect(["after the storm: the driver is loaded and bound"])
    if stock:
        e += Expect(["storm: rmmod, then insmod of vmgenid.ko, beside them: "])
    else:
        e += Expect(["after the storm: lockdep is still on",
                     "after the storm: debug objects are on, with no warning"])
    if acpi:
        e += Expect(["after the storm: each of the 7 devices (simulated notify): ID unchanged, "
                     "no uevent and no reseed; changed, exactly one of each"])
    else:
        e += Expect(["after the storm: (simulated notify, the ID in memory unchanged): no uevent",
                     "after the storm: (simulated notify, a new ID): exactly one uevent",
                     "after the storm: (simulated notify, a new ID): exactly one reseed"])
    if stock:
        return e + Expect(skips=[(c, "Debian's kernel has no lockdep, debug objects or kmemleak: "
                                  "the test kernel's storm checks them")
                                 for c in ("after the storm: lockdep is still on",
                                           "after the storm: debug objects are on, with no "
                                           "warning", "no leak after the storm (kmemleak)")])
    return e + Expect(["no leak after the storm (kmemleak)"])
