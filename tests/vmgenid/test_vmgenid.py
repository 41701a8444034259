# SPDX-License-Identifier: GPL-2.0
"""QEMU boots for vmgenid: the project's kernels, through ACPI (x86_64) and
through a device tree (arm64), and the out-of-tree module in Debian's stock
6.1 kernels."""

import os
import subprocess
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import TOP, Guest, stock_kernel  # noqa: E402
from lib.report import BOOT_MARK, build_control, judge_quietly  # noqa: E402
from vmgenid import dtb, expect  # noqa: E402
from vmgenid.guests import (HERE, MEMORY, STORM_NOTIFIES, STORM_TIMEOUT,  # noqa: E402
                            arm64_guest, boot, dt_guest, initrd, project_kernel, restore,
                            shapes_guest, snapshot, ssdt, storm_acpi)

CYCLES = os.environ.get("BIND_CYCLES", "100")


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
# in the test kernels' trees): each breaks the driver one way, and the
# check named here must fail on it: in the dt scenario (arm64, the driver
# built in), and, for the two whose fault is not in the OF path, in the
# acpi-shapes scenario (x86_64, where the driver is a module: the control
# is its module).
CONTROLS = (
    ("uevent-always", "a driver that sends the uevent on every notification",
     "(simulated notify, unchanged ID): the interrupt reached the driver; no uevent",
     "QEMUVGID: (simulated notify, ID unchanged): "),
    ("compare-15-bytes", "a driver that compares 15 bytes of the ID",
     "(simulated notify, byte 15 of the ID changed): exactly one uevent",
     "QEMUVGID: (simulated notify, byte 15 of the ID changed): "),
    ("of-map-8-bytes-off", "a driver whose OF path maps the ID 8 bytes off",
     "(simulated notify, byte 0 of the ID changed): exactly one uevent", None),
)


def control_kernel(report, name, arch, ctl):
    """The test kernel for `arch` with the control driver `ctl`, built
    (lib.report.build_control), or None."""
    return build_control(report, name, arch, ctl, os.path.join(HERE, "controls", ctl + ".patch"))


def control_boot(report, name, g, manifest, check):
    """Boot `g` on a control driver, its verdicts held to `manifest` apart
    from the main report; its boot result is reported, and the control:
    the check `check` must fail."""
    results = judge_quietly(name, g, manifest)
    for passed, rname, detail in results:
        if BOOT_MARK in rname:
            report.result(rname, passed, detail, kind="boot")
    got = [(ok, n) for ok, n, _ in results if n.startswith("%s: %s" % (name, check))]
    report.control("%s: the check \"%s\" fails" % (name, check),
                   len(got) == 1 and not got[0][0],
                   got[0][1] if got else "the check was not made")


def test_dt_control_drivers(report):
    """Each control driver boots the dt scenario (no cycles); the check
    that its fault breaks must fail, and the boot must still complete."""
    for ctl, what, check, _ in CONTROLS:
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
                     expect.dt(None), check)


def test_acpi_control_drivers(report):
    """The control drivers whose fault is not in the OF path, each as the
    x86_64 kernel's vmgenid module, loaded by modalias, in the acpi-shapes
    scenario: the check that its fault breaks must fail."""
    for ctl, what, _, check in CONTROLS:
        if not check:
            continue
        name = "control acpi-shapes, %s" % what
        kernel = control_kernel(report, name, "x86_64", ctl)
        if not kernel:
            continue
        rd = initrd("x86_64-control-%s" % ctl)
        p = subprocess.run([os.path.join(TOP, "scripts", "make-initramfs"), "x86_64", rd,
                            os.path.join(HERE, "guest"),
                            kernel + ".modules/lib/modules=lib/modules"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        report.result("%s: its initramfs, with the control's module" % name, p.returncode == 0,
                      p.stdout.strip()[-300:], kind="setup")
        g = not p.returncode and shapes_guest(report, "control-acpi-" + ctl, kernel, rd,
                                              "test=acpi-shapes")
        if g:
            control_boot(report, name, g, expect.acpi_shapes(module=False), check)


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


TESTS = [test_acpi_fork, test_acpi_malformed, test_acpi_shapes, test_acpi_control_drivers, test_dt,
         test_dt_control_drivers,
         test_dt_malformed,
         test_module_x86_stock, test_module_x86_stock_shapes, test_module_arm64_stock]
# The storms run in the side lane of a whole run, after the gates
# (tests/run).
STORM_TESTS = [test_storm_acpi, test_storm_dt, test_storm_dt_module_stock]
