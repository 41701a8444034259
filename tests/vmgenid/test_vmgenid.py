# SPDX-License-Identifier: GPL-2.0
"""QEMU boots for vmgenid: the project's kernels, through ACPI (x86_64) and
through a device tree (arm64), and the out-of-tree module in Debian's stock
6.1 kernels."""

import os
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import BAD_KERNEL_LOG, TOP, Guest, stock_kernel  # noqa: E402
from lib.report import BOOT_MARK, build_control, control_verdict, judge_quietly  # noqa: E402
from vmgenid import dtb, expect  # noqa: E402
from vmgenid.guests import (HERE, MEMORY, STORM_NOTIFIES, STORM_TIMEOUT,  # noqa: E402
                            arm64_guest, boot, dt_guest, fork_guest, initrd, project_kernel, restore,
                            shapes_guest, snapshot, ssdt, storm_acpi)

CYCLES = os.environ.get("BIND_CYCLES", "100")
OOPS_NULL = "Unable to handle kernel NULL pointer dereference"
# arm64 RAM starts at 1 GiB: 4352 MiB of it end at 0x150000000.
HIGH_MEMORY = "4352M"


# -- x86_64: ACPI, QEMU's vmgenid device, a real VM fork ----------------------

def fork_test(report, name, kernel, rd, append, before, after):
    """A real fork: `before` is the manifest up to the snapshot, after(word)
    the manifest of the restore told `word`."""
    guid, path, earlier = snapshot(report, name, kernel, rd, append, before)
    if not path:
        return
    for word, new_guid in (("changed", str(uuid.uuid4())), ("same", guid)):
        h, _ = restore("%s-%s" % (name, word), kernel, rd, append, new_guid, path, word,
                       earlier)
        report.guest("%s-%s" % (name, word), h, h.run_to_end(), after(word))
        h.cleanup()
    os.unlink(path)


def test_acpi_fork(report):
    """Project kernel: bind through ACPI, bind/unbind cycles, a real VM fork
    with a new guid, a restore with the same guid."""
    fork_test(report, "acpi", project_kernel("x86_64"), initrd("x86_64-vmgenid"),
              "test=acpi-fork cycles=%s" % CYCLES, expect.acpi_fork_before(CYCLES),
              expect.acpi_fork_after)


def test_acpi_malformed(report):
    """Project kernel: malformed ACPI vmgenid devices, from an extra SSDT, are
    refused with messages, and nothing oopses."""
    aml = ssdt(report, "acpi-bad")
    if aml:
        boot(report, Guest("acpi-bad", "x86_64", project_kernel("x86_64"),
                           initrd("x86_64-vmgenid"), "test=acpi-bad",
                           extra=["-acpitable", "file=" + aml], memory=MEMORY), expect.ACPI_BAD)


def test_acpi_shapes(report):
    """Project kernel: every ACPI description of the ID that hypervisors emit
    (_CID only, QEMUVGID, XEN0000, FCVMGID, VMGENCTR, Hyper-V, bhyve) is bound
    once, read exactly, and reacts to a Notify from AML, 0x80 or another
    value."""
    g = shapes_guest(report, "acpi-shapes", project_kernel("x86_64"), initrd("x86_64-vmgenid"),
                     "test=acpi-shapes")
    if g:
        boot(report, g, expect.acpi_shapes(module=False))


def test_acpi_shapes_high(report):
    """Project kernel: the shapes of test_acpi_shapes with their IDs in RAM
    above 4 GiB (guests.HIGH_IDS: each ADDR's high word is 1),
    every one bound once, read exactly, and reacting as below 4 GiB."""
    g = shapes_guest(report, "acpi-shapes-high", project_kernel("x86_64"),
                     initrd("x86_64-vmgenid"), "test=acpi-shapes", high=True)
    if g:
        boot(report, g, expect.acpi_shapes(module=False))
    # The control: a driver that drops the address's upper 32 bits.
    name = "control acpi-shapes-high, %s" % HIGH_CONTROL[1]
    kernel = control_kernel(report, name, "x86_64", HIGH_CONTROL[0])
    rd = kernel and control_initrd(report, name, kernel, HIGH_CONTROL[0])
    g = rd and shapes_guest(report, "control-high", kernel, rd, "test=acpi-shapes", high=True)
    if g:
        control_boot(report, name, g, expect.acpi_shapes(module=False), HIGH_CONTROL[3])


def test_module_x86_stock_shapes(report):
    """Debian's stock x86_64 kernel with the module, every ACPI shape: the
    built-in driver keeps the ACPI bus, the module binds the platform devices."""
    g = shapes_guest(report, "module-x86_64-shapes", stock_kernel("x86_64"),
                     initrd("x86_64-stock"), "test=module inner=acpi-shapes")
    if g:
        boot(report, g, expect.module_before("x86_64") + expect.acpi_shapes(module=True) +
             expect.module_after())


def test_module_x86_stock(report):
    """Debian's stock x86_64 kernel: the module loads beside the built-in ACPI
    driver, binds the ACPI platform device, reacts to a real fork, unloads."""
    fork_test(report, "module-x86_64", stock_kernel("x86_64"), initrd("x86_64-stock"),
              "test=module inner=acpi-fork",
              expect.module_before("x86_64") + expect.acpi_fork_before(None),
              lambda word: expect.acpi_fork_after(word) + expect.module_after(word != "same"))


# -- arm64: a Firecracker-shaped device tree ----------------------------------

def test_dt(report):
    """Project kernel: bind through OF, the exact ID, simulated notifications,
    bind/unbind cycles."""
    first, new = os.urandom(16), os.urandom(16)
    g = dt_guest("dt", "good", "test=dt cycles=%s " % CYCLES + dtb.cmdline(MEMORY, first, new),
                 first)
    g.start()
    report.guest(g.name, g, g.run_to_end(), expect.dt(CYCLES))
    # The arm64 test kernel has ACPI, as distributions build theirs;
    # QEMU's -kernel boot gives it no UEFI, so it runs from the device
    # tree (the message is printed only by a kernel with ACPI).
    report.result("dt: the arm64 kernel, built with ACPI, runs from the device tree: "
                  "'ACPI: Interpreter disabled.'",
                  "ACPI: Interpreter disabled." in g.kernel_log(), kind="diagnostic")
    g.cleanup()


def test_dt_malformed(report):
    """Project kernel: malformed nodes are refused with messages, no oops."""
    boot(report, dt_guest("dt-bad", "bad", "test=dt-bad", os.urandom(16)), expect.DT_BAD)


def test_module_arm64_stock(report):
    """Debian's stock arm64 kernel, same device tree: the module binds through
    OF and reacts to a simulated notification."""
    first, new = os.urandom(16), os.urandom(16)
    boot(report, arm64_guest("module-arm64", stock_kernel("arm64"), initrd("arm64-stock"),
                             "good", "test=module inner=dt " + dtb.cmdline(MEMORY, first, new),
                             first),
         expect.module_before("arm64") + expect.dt(None) + expect.module_after())


# Control drivers (tests/vmgenid/controls/, built by scripts/build-control
# in the test kernels' trees): each breaks the driver one way, and exactly
# the checks named here (patterns: * stands for any text) must fail, every
# other check of the boot passing: in the dt scenario (arm64, the driver
# built in), and, for those whose fault is not in the OF path, in the
# acpi-shapes scenario (x86_64, where the driver is a module: the control
# is its module). None: not booted in that scenario.
# The six platform devices of acpi-shapes.asl, as acpi-shapes.sh names them
# (the seventh, _CID-only, is bound on the ACPI bus).
PLATFORM_SHAPES = ("QEMUVGID", "XEN0000", "FCVMGID", "VMGENCTR", "Hyper-V", "bhyve")
CONTROLS = (
    ("uevent-always", "a driver that sends the uevent on every notification",
     # dt.sh repeats each interrupt with the ID unchanged: one uevent too many each time
     ("(simulated notify, unchanged ID): the interrupt reached the driver; no uevent",
      "(simulated notify, new ID): exactly one NEW_VMGENID=1 uevent",
      "(simulated notify, byte 15 of the ID changed): exactly one uevent",
      "(simulated notify, byte 0 of the ID changed): exactly one uevent"),
     ("*: (simulated notify, ID unchanged): ",)),
    ("compare-15-bytes", "a driver that compares 15 bytes of the ID",
     ("(simulated notify, byte 15 of the ID changed): exactly one uevent",
      "(simulated notify): random.c logged 3 reseeds"),
     ("*: (simulated notify, byte 15 of the ID changed): ", "*: byte 15 changed: ")),
    ("of-map-8-bytes-off", "a driver whose OF path maps the ID 8 bytes off",
     ("(simulated notify, byte 0 of the ID changed): exactly one uevent",
      "(simulated notify): random.c logged 3 reseeds"), None),
    ("uevent-acpi-companion", "a driver that sends the uevent from the ACPI companion",
     None, tuple("%s: (simulated notify, byte * of the ID changed): " % n for n in PLATFORM_SHAPES) +
     ("QEMUVGID: Notify 0x81 (byte 7 of the ID changed): ",)),
)


# The control of the IDs above 4 GiB (test_acpi_shapes_high, test_dt_high),
# as CONTROLS lists them.
# It maps whatever lies at the address's low 32 bits: no change is seen.
HIGH_CONTROL = ("addr-low-32", "a driver that drops the upper 32 bits of the ID's address",
                ("(simulated notify, new ID): exactly one NEW_VMGENID=1 uevent",
                 "(simulated notify, byte 15 of the ID changed): exactly one uevent",
                 "(simulated notify, byte 0 of the ID changed): exactly one uevent",
                 "(simulated notify): random.c logged 3 reseeds"),
                ("*: (simulated notify, byte * of the ID changed): ", "*: byte * changed: ",
                 "QEMUVGID: Notify 0x81"))


def control_kernel(report, name, arch, ctl):
    """The test kernel for `arch` with the control driver `ctl`, built
    (lib.report.build_control), or None."""
    return build_control(report, name, arch, ctl, os.path.join(HERE, "controls", ctl + ".patch"))


def control_initrd(report, name, kernel, ctl):
    """The x86_64 initramfs with the control kernel's modules, or None."""
    rd = initrd("x86_64-control-%s" % ctl)
    p = subprocess.run([os.path.join(TOP, "scripts", "make-initramfs"), "x86_64", rd,
                        os.path.join(HERE, "guest"), kernel + ".modules/lib/modules=lib/modules"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    report.result("%s: its initramfs, with the control's module" % name, p.returncode == 0,
                  p.stdout.strip()[-300:], kind="setup")
    return rd if p.returncode == 0 else None


def control_boot(report, name, g, manifest, fails):
    """Boot `g` on a control driver, its verdicts held to `manifest` apart
    from the main report; its boot result is reported (the manifest fits,
    "done", a clean kernel log: the driver bound and the scenario ran),
    and the control: exactly the checks `fails` fail (control_verdict)."""
    results = judge_quietly(name, g, manifest)
    checks = []
    for passed, rname, detail in results:
        if BOOT_MARK in rname:
            report.result(rname, passed, detail, kind="boot")
        elif rname.startswith(name + ": "):
            checks.append((passed, rname[len(name) + 2:]))
    control_verdict(report, name, checks, fails)


def test_dt_high(report):
    """Project kernel, arm64: the ID at the top of 4352 MiB of RAM (from
    1 GiB: 0x14fff0000, above 4 GiB), in a no-map /reserved-memory region
    as in test_dt (the guest writes the new IDs through /dev/mem, which
    STRICT_DEVMEM refuses for System RAM): the dt scenario, bound, the
    exact ID read, each notification as below 4 GiB."""
    first, new = os.urandom(16), os.urandom(16)
    report.result("dt-high: the ID's address, 0x%x, is above 4 GiB" % dtb.id_addr(HIGH_MEMORY),
                  dtb.id_addr(HIGH_MEMORY) >= 1 << 32, kind="setup")
    append = "test=dt " + dtb.cmdline(HIGH_MEMORY, first, new)
    boot(report, dt_guest("dt-high", "good", append, first, memory=HIGH_MEMORY), expect.dt(None))
    name = "control dt-high, %s" % HIGH_CONTROL[1]
    kernel = control_kernel(report, name, "arm64", HIGH_CONTROL[0])
    if kernel:
        control_boot(report, name,
                     arm64_guest("control-high", kernel, initrd("arm64-vmgenid"), "good", append,
                                 first, memory=HIGH_MEMORY),
                     expect.dt(None), HIGH_CONTROL[2])


def test_dt_control_drivers(report):
    """Each control driver boots the dt scenario (no cycles); the check
    that its fault breaks must fail, and the boot must still complete."""
    for ctl, what, fails, _ in CONTROLS:
        if not fails:
            continue
        name = "control dt, %s" % what
        kernel = control_kernel(report, name, "arm64", ctl)
        if not kernel:
            continue
        first, new = os.urandom(16), os.urandom(16)
        # QEMU's options take no commas in paths: the guest's own name is
        # the control's.
        control_boot(report, name,
                     arm64_guest("control-" + ctl, kernel, initrd("arm64-vmgenid"), "good",
                                 "test=dt " + dtb.cmdline(MEMORY, first, new), first),
                     expect.dt(None), fails)


def test_acpi_control_drivers(report):
    """The control drivers whose fault is not in the OF path, each as the
    x86_64 kernel's vmgenid module, loaded by modalias, in the acpi-shapes
    scenario: the check that its fault breaks must fail."""
    for ctl, what, _, fails in CONTROLS:
        if not fails:
            continue
        name = "control acpi-shapes, %s" % what
        kernel = control_kernel(report, name, "x86_64", ctl)
        if not kernel:
            continue
        rd = control_initrd(report, name, kernel, ctl)
        g = rd and shapes_guest(report, "control-acpi-" + ctl, kernel, rd, "test=acpi-shapes")
        if g:
            control_boot(report, name, g, expect.acpi_shapes(module=False), fails)


def test_acpi_leak_control(report):
    """Control of the leak check: the x86_64 kernel whose vmgenid module
    lacks the ACPI path's ACPI_FREE() (controls/acpi-no-free.patch) boots
    acpi-fork up to its snapshot, CYCLES unbind/bind cycles: exactly "no
    leak after N cycles" fails, every other check passes, the manifest
    fits, and the kernel log's only worrying lines are kmemleak's."""
    ctl = "acpi-no-free"
    name = "control acpi-fork, a driver without the ACPI path's ACPI_FREE()"
    kernel = control_kernel(report, name, "x86_64", ctl)
    rd = kernel and control_initrd(report, name, kernel, ctl)
    if not rd:
        return
    with fork_guest("control-" + ctl, kernel, rd, "test=acpi-fork cycles=%s" % CYCLES,
                    str(uuid.uuid4())) as g:
        g.start()
        ready = g.expect("ready") is not None
        checks = g.checks()
        g.kill()
        problems = expect.acpi_fork_before(CYCLES).judge([n for _, n in checks])
        bad = [line.strip() for line in g.kernel_log().splitlines()
               if BAD_KERNEL_LOG.search(line) and "kmemleak" not in line]
        report.result("%s: boot OK (up to \"ready\", the manifest fits, no worrying kernel log "
                      "line but kmemleak's)" % name, ready and not problems and not bad,
                      "; ".join(problems + bad[:2] + ([] if ready else ["never said ready"])),
                      kind="boot")
    control_verdict(report, name, checks, ("no leak after * cycles (kmemleak)",))


# -- storms: 4 vCPUs, kernels with the lock checkers (guests.py) ---------------

def storm_boot(report, g, manifest):
    g.timeout = STORM_TIMEOUT
    boot(report, g, manifest)


def test_storm_acpi(report):
    """x86_64 test kernel (vmgenid a module), acpi-shapes.asl's seven
    devices, 4 vCPUs: the module loaded by modalias; simulated
    notifications (a Notify from AML) in a loop beside unbind/bind and
    rmmod/modprobe loops; then every device still follows its ID."""
    storm_acpi(report, "storm-acpi", project_kernel("x86_64"), initrd("x86_64-vmgenid"))


def test_storm_dt(report):
    """arm64 test kernel (vmgenid built in), the device tree of test_dt,
    4 vCPUs: simulated notifications (the SPI made pending) in a loop beside
    unbind/bind in a loop; then the driver still follows the ID."""
    first, new = os.urandom(16), os.urandom(16)
    append = "test=storm-dt storm_notifies=%s " % STORM_NOTIFIES
    storm_boot(report, dt_guest("storm-dt", "good", append + dtb.cmdline(MEMORY, first, new),
                                first, smp=4),
               expect.storm(acpi=False))


def test_storm_dt_control(report):
    """Control of the device-tree storm: the arm64 kernel whose driver
    requests its interrupt before it maps the ID
    (controls/irq-before-map.patch). In the storm the SPI, left pending
    while the driver was unbound, fires as soon as it is requested: the
    kernel must oops in vmgenid's handler (a NULL pointer dereference;
    the test kernels panic on an oops), the driver having bound first."""
    ctl = "irq-before-map"
    name = "control storm-dt, a driver that requests its interrupt before it maps the ID"
    kernel = control_kernel(report, name, "arm64", ctl)
    if not kernel:
        return
    first, new = os.urandom(16), os.urandom(16)
    append = "test=storm-dt storm_notifies=%s " % STORM_NOTIFIES
    with arm64_guest("control-" + ctl, kernel, initrd("arm64-vmgenid"), "good",
                     append + dtb.cmdline(MEMORY, first, new), first, smp=4) as g:
        g.timeout = STORM_TIMEOUT
        g.start()
        completed = g.run_to_end()
        g.wait_exit()
        log = g.kernel_log().splitlines()
        checks = g.checks()
    at = [i for i, line in enumerate(log) if OOPS_NULL in line]
    where = [line.strip() for line in log[at[0]:at[0] + 40] if "vmgenid" in line] if at else []
    before = [(ok, n) for ok, n in checks]
    report.control("%s: the kernel oopses in vmgenid's handler: \"%s\", after \"bound "
                   "through OF\" passed, and no check failed" % (name, OOPS_NULL),
                   not completed and bool(where) and
                   any(ok and n.startswith("bound through OF") for ok, n in before) and
                   all(ok for ok, _ in before),
                   "%s; %s; checks: %s" % ("no \"done\"" if not completed else "ran to its end",
                                           where[0] if where else
                                           "no such oops in vmgenid (first worrying line: %s)"
                                           % next((x for x in log if BAD_KERNEL_LOG.search(x)),
                                                  "none"),
                                           ", ".join("%s %s" % ("ok" if ok else "not ok", n[:50])
                                                     for ok, n in before)))


def test_storm_dt_module_stock(report):
    """Debian's stock arm64 kernel with the out-of-tree module, the device
    tree of test_dt, 4 vCPUs: simulated notifications beside unbind/bind,
    then as many beside rmmod and insmod of the module; then the driver
    still follows the ID. Without lock checkers (Debian's kernel). Half
    the test kernels' storm_notifies in each loop: it adds to CI time
    (Documentation/testing.rst), and its loops still ran tens of rounds."""
    first, new = os.urandom(16), os.urandom(16)
    append = "test=module inner=storm-dt storm_notifies=%s " % (int(STORM_NOTIFIES) // 2)
    storm_boot(report, arm64_guest("storm-dt-module-stock", stock_kernel("arm64"),
                                   initrd("arm64-stock"), "good",
                                   append + dtb.cmdline(MEMORY, first, new), first, smp=4),
               expect.module_before("arm64") + expect.storm(acpi=False, stock=True) +
               expect.module_after())


TESTS = [test_acpi_fork, test_acpi_malformed, test_acpi_shapes, test_acpi_control_drivers,
         test_acpi_leak_control, test_acpi_shapes_high, test_dt, test_dt_high,
         test_dt_control_drivers,
         test_dt_malformed,
         test_module_x86_stock, test_module_x86_stock_shapes, test_module_arm64_stock]
# The storms run in the side lane of a whole run, after the gates
# (tests/run).
STORM_TESTS = [test_storm_acpi, test_storm_dt, test_storm_dt_control, test_storm_dt_module_stock]
