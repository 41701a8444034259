# SPDX-License-Identifier: GPL-2.0
"""Self-tests of the test harness that boot a guest, vmgenid's (its
shortest scenarios): each plants the fault a check exists to catch and
shows that the check fails, beside a control that passes.

- A check that never ran, or a verdict nobody declared, fails the
  scenario's manifest.
- A kernel warning printed after the guest's "done" is still caught (the
  log is read after QEMU has exited).
- A notification whose interrupt never reaches the vmgenid driver (a dead
  line) fails the unchanged-ID check: no uevent, but no interrupt either.
- With kmemleak off (kmemleak=off), the leak check fails instead of
  reading an empty report as "no leak".
- A run interrupted by Ctrl-C (SIGINT), by SIGTERM (a CI time-out) or
  killed outright (SIGKILL) leaves no QEMU behind; killed without the
  parent-death signal, it does (the control).
- The clones demonstration's report counts a guest's verdicts as the
  tests' Report does.

The harness's self-tests that need no guest: tests/lib/test_harness.py.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import TOP, end_process, read_text  # noqa: E402
from lib.report import BOOT_MARK, Expect, Report, judge_quietly  # noqa: E402
from vmgenid import dtb, expect  # noqa: E402
from vmgenid.demo_clones import Quiet  # noqa: E402
from vmgenid.guests import MEMORY, dt_guest  # noqa: E402


def dt_bad_boot(name, append=""):
    """The shortest boot there is (arm64, the malformed-node scenario),
    judged by a quiet Report; returns that Report's results."""
    return judge_quietly(name, dt_guest(name, "bad", ("test=dt-bad " + append).strip(),
                                        os.urandom(16)), expect.DT_BAD)


def test_harness_demo_report(report):
    """The demonstration's report (make's tests/vmgenid/demo_clones.py,
    which make test does not run) takes a guest's verdicts as the tests'
    Report does; if it did not, the demonstration would stop at its first
    boot."""
    quiet = Quiet()
    try:
        quiet.verdicts("guest", [(True, "setup (not the driver): read back"),
                                 (True, "a behaviour"), (False, "[message] a diagnostic")],
                       Expect(["setup (not the driver)", "a behaviour", "[message] a diagnostic"]))
        got = (quiet.passed, quiet.failed, quiet.failures)
    except TypeError as e:
        got = str(e)
    report.result("harness: the demonstration's report counts a guest's verdicts: 1 passed, "
                  "1 failed, the setup step not counted",
                  got == (1, 1, ["guest: [message] a diagnostic"]), str(got))


def test_harness_manifest(report):
    """One dt-bad boot's verdicts, held to its own manifest (the control,
    which passes), to one that also wants a check the scenario never sends
    (a check that vanished), and to one without the first check (a verdict
    nobody declared): both must fail, naming the check."""
    name = "harness-manifest"
    g = dt_guest(name, "bad", "test=dt-bad", os.urandom(16))
    with g:
        g.start()
        g.run_to_end()
        g.wait_exit()
        checks = g.checks()
    cases = (("its own manifest (control)", expect.DT_BAD, None),
             ("a manifest that also wants a check never sent",
              expect.DT_BAD + Expect(["a check this scenario never sends"]),
              ("'a check this scenario never sends': missing",)),
             ("a manifest without its first check", Expect(expect.DT_BAD.checks[1:]),
              ("unexpected verdict", "reg too small (8 bytes)")))
    for label, manifest, want in cases:
        problems = Report(quiet=True).verdicts(name, checks, manifest)
        passed, detail = not problems, "; ".join(problems)
        report.control("%s: %s %s" % (name, label, "passes" if want is None else
                                     "fails, naming it"),
                      passed is True if want is None else
                      (passed is False and all(w in detail for w in want)),
                      detail)


def test_harness_late_warning(report):
    """A WARNING the kernel prints after "done" (planted: late_warn=1 makes
    /init write one to /dev/kmsg after it) fails the kernel log check;
    the same boot without it passes."""
    for append, want_pass in (("", True), ("late_warn=1", False)):
        name = "harness-late-warning%s" % ("-planted" if append else "-control")
        results = dt_bad_boot(name, append)
        got = [(ok, detail) for ok, n, detail in results if BOOT_MARK in n]
        report.control("%s: the boot's kernel log check %s" % (name, "passes" if want_pass else
                                                               "fails on the planted late WARNING"),
                       len(got) == 1 and got[0][0] == want_pass and
                       (want_pass or ("kernel log: " in got[0][1] and
                                     "WARNING: planted after done" in got[0][1])),
                       got[0][1] if got else "no boot result was made")


def test_harness_kmemleak_off(report):
    """The leak check fails when kmemleak is not running (kmemleak=off)."""
    name = "harness-kmemleak-off"
    first, new = os.urandom(16), os.urandom(16)
    results = judge_quietly(name, dt_guest(name, "good", "test=dt cycles=2 kmemleak=off " +
                                           dtb.cmdline(MEMORY, first, new), first), expect.dt(2))
    got = [(ok, n) for ok, n, _ in results if "no leak after 2 cycles" in n]
    report.control("%s: the leak check fails, saying kmemleak is not active" % name,
                  len(got) == 1 and not got[0][0] and "kmemleak is not active" in got[0][1],
                  got[0][1] if got else "no leak check was made")


def test_harness_dead_irq(report):
    """The dt scenario, its simulated notifications raised on an interrupt
    no driver has (INTID 250, not the node's): a dead line. The
    unchanged-ID check must fail (no uevent came, but no interrupt
    either), saying the interrupt never reached the driver; so must the
    new-ID one."""
    name = "harness-dead-irq"
    first, new = os.urandom(16), os.urandom(16)
    results = judge_quietly(name, dt_guest(name, "good", "test=dt %s vmgenid_intid=250 irq_wait=2"
                                           % dtb.cmdline(MEMORY, first, new), first),
                            expect.dt(None))
    for want in ("unchanged ID): the interrupt reached the driver; no uevent",
                 "new ID): exactly one NEW_VMGENID=1 uevent"):
        got = [(ok, n) for ok, n, _ in results if want in n]
        report.control("%s: the check '%s' fails, saying an interrupt never reached the "
                       "driver" % (name, want),
                       len(got) == 1 and not got[0][0] and
                       "never reached the driver" in got[0][1],
                       got[0][1] if got else "no such check was made")


def proc_stat(pid):
    """/proc/PID/stat, or "" if the process is gone."""
    return read_text("/proc/%s/stat" % pid)


def qemu_children(pid):
    """PIDs of the QEMU processes whose parent is `pid` and that boot a
    kernel (not the short-lived ones that only dump a device tree, which
    end by themselves: a run killed while one runs shows nothing)."""
    found = []
    for entry in os.listdir("/proc"):
        stat = proc_stat(entry) if entry.isdigit() else None
        if not stat:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        if ppid == pid and comm.startswith("qemu-system"):
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    boots = b"\0-kernel\0" in f.read()
            except OSError:
                continue
            if boots:
                found.append(int(entry))
    return found


def running(pid):
    """The process exists and is not a zombie."""
    stat = proc_stat(pid)
    return bool(stat) and stat[stat.rindex(")") + 2] != "Z"


def test_harness_interrupted_run(report):
    """tests/run is interrupted while a guest runs: no QEMU survives it.
    The control: killed (SIGKILL) without the parent-death signal
    (HARNESS_NO_PDEATHSIG=1), its QEMU survives it."""
    cases = [(sig, False) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)]
    for sig, planted in cases + [(signal.SIGKILL, True)]:
        name = "harness: a run stopped by %s while QEMU runs%s" % (
            sig.name, " (control: no parent-death signal)" if planted else "")
        env = dict(os.environ, HARNESS_NO_PDEATHSIG="1" if planted else "0")
        p = subprocess.Popen([os.path.join(TOP, "tests", "run"), "test_vmgenid.test_dt"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=env)
        try:
            deadline = time.monotonic() + 60
            qemus = []
            while not qemus and time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.2)
                qemus = qemu_children(p.pid)
            report.result("%s: a QEMU was running (pid %s)" % (name, qemus), bool(qemus),
                          kind="setup")
            p.send_signal(sig)
            try:
                out, _ = p.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                out, _ = p.communicate()
        finally:
            end_process(p)
        time.sleep(0.5)  # SIGKILL: the kernel's parent-death signal, then init's reaping
        left = [q for q in qemus if running(q)]
        if planted:
            report.control("%s: its QEMU is left running" % name, bool(qemus and left),
                           "left: %s" % left)
        else:
            report.control("%s: no QEMU is left running" % name, qemus and not left,
                           "still running: %s" % left if left else "")
        if sig != signal.SIGKILL:
            report.control("%s: the run fails, saying it was interrupted" % name,
                          p.returncode == 130 and "FAIL the run was not interrupted" in out,
                          "exit %s, last line %r" % (p.returncode, out.strip().splitlines()[-1:]))
        for q in left:
            os.kill(q, signal.SIGKILL)


TESTS = [test_harness_demo_report, test_harness_manifest, test_harness_late_warning,
         test_harness_dead_irq, test_harness_kmemleak_off, test_harness_interrupted_run]
