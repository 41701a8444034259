# SPDX-License-Identifier: GPL-2.0
"""Counting results and printing them, one line each."""

import json
import os
import re
import signal
import subprocess
import sys
import time

from lib.qemu import OUT, TOP, end_process, image_name, qemu_started, reaping


class Expect:
    """A scenario's manifest: the verdicts it must send in one
    configuration, declared on the host. Each check is a pattern (literal
    text; * stands for any text) that must match the start of exactly one
    verdict's name; a verdict no pattern matches is unexpected. A check
    that cannot apply in this configuration is declared in `skips` as
    (name, reason) and counted as skipped. Manifests add up with +."""

    def __init__(self, checks=(), skips=()):
        self.checks, self.skips = list(checks), list(skips)

    def __add__(self, other):
        return Expect(self.checks + other.checks, self.skips + other.skips)

    @staticmethod
    def _pattern(check):
        return re.compile(".*".join(re.escape(part) for part in check.split("*")))

    def judge(self, names):
        """Problems with the verdict names `names`: [] when they fit."""
        names = [n[len(MESSAGE):] if n.startswith(MESSAGE) else n for n in names]
        problems, matched = [], set()
        for check in self.checks:
            hits = [i for i, n in enumerate(names) if self._pattern(check).match(n)]
            matched.update(hits)
            if len(hits) != 1:
                problems.append("check %r: %s" % (check, "missing" if not hits else
                                                  "%d verdicts" % len(hits)))
        problems += ["unexpected verdict %r" % n for i, n in enumerate(names)
                     if i not in matched]
        return problems


# What one counted result shows.
KINDS = {
    "behaviour": "what the kernel, the driver, the module or a tool does",
    "boot": "one per boot: its verdicts are its manifest's, all arrived, it reached "
            "\"done\", its kernel log is clean",
    "control": "a check shown to fail where it must (a planted fault, an unpatched "
               "kernel, a control driver)",
    "diagnostic": "a line the kernel prints, grepped (paired elsewhere with a "
                  "behavioural check, or only a message)",
    "setup": "the test's own setup (printed when it passes, counted only when it fails)",
    "firmware": "the project's test firmware alone, without Linux (not a kernel behaviour)",
    "gate": "one row of the kernel checkers' gate (make check): one check on one series",
}
BOOT_OK = ("manifest of %d checks, every verdict arrived, \"done\", kernel log has no "
           "oops, BUG or WARNING")


# What every boot's bookkeeping result has in its name (Report.boot).
BOOT_MARK = ": boot OK ("


def build_control(report, name, arch, control, patch):
    """Build (or find built) the control kernel `control`: the arm64 or
    x86_64 test kernel with `patch` applied (scripts/build-control); one
    setup result for `name`. Returns the image's path, or None."""
    p = subprocess.run([os.path.join(TOP, "scripts", "build-control"), arch, control, patch],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    report.result("%s: the control kernel builds" % name, p.returncode == 0,
                  p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "", kind="setup")
    if p.returncode:
        return None
    return os.path.join(OUT, arch, "%s-control-%s" % (image_name(arch), control))


def write_result(name, text, echo=True):
    """Write a benchmark's result `text` to out/bench/NAME (and print it,
    unless `echo` is false: printed as it was measured); returns 0."""
    os.makedirs(os.path.join(OUT, "bench"), exist_ok=True)
    with open(os.path.join(OUT, "bench", name), "w") as f:
        f.write(text)
    if echo:
        print(text, end="")
    return 0


# How the guest marks a verdict that only greps the kernel log (init's
# check(), for kmsg_has): a diagnostic, matched by the manifest without it.
MESSAGE = "[message] "


def verdict_kind(name):
    """The kind of a guest verdict, from its name."""
    if name.startswith("setup"):
        return "setup"
    if name.startswith(MESSAGE) or re.match(r"(.*: )?kernel log", name):
        return "diagnostic"
    if "(control)" in name:
        return "control"
    return "behaviour"


class Report:
    """Results, counted and printed; with quiet=True kept in .results
    instead (the harness's self-tests judge a report made on purpose to
    fail)."""

    def __init__(self, quiet=False):
        self.passed = self.failed = self.skipped = 0
        self.failures = []
        self.quiet = quiet
        self.results = []  # (passed, name, detail)
        self.kinds = dict.fromkeys(KINDS, 0)  # counted results, by kind
        self.setup_passed = 0
        self.qemu_runs = 0  # QEMUs a side group started (this process's: qemu_started())

    def _print(self, line):
        if not self.quiet:
            print(line, flush=True)

    def result(self, name, passed, detail="", kind="behaviour"):
        """One result. `kind` says what it shows (KINDS): a failure fails
        the run whatever its kind; a passed setup step is printed, not
        counted."""
        assert kind in KINDS, kind
        if passed and kind == "setup":
            self._print("ok (setup, not counted) %s%s" % (name, (": " + detail) if detail else ""))
            self.setup_passed += 1
            return
        if passed:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name)
        self.kinds[kind] += 1
        self.results.append((passed, name, detail))
        tag = "" if kind == "behaviour" else " [%s]" % kind
        self._print("%s%s %s%s" % ("PASS" if passed else "FAIL", tag, name,
                                   (": " + detail) if detail else ""))

    def control(self, name, passed, detail=""):
        """A control: the check shown failing where it must (a planted
        fault, an unpatched kernel, a control driver)."""
        self.result(name, passed, detail, kind="control")

    def skip(self, name, why):
        self.skipped += 1
        self._print("SKIP %s: %s" % (name, why))

    def verdicts(self, prefix, checks, expect):
        """Count a guest's verdicts [(passed, name)] (verdict_kind: a
        verdict named "setup..." is the test's own setup, one marked
        "[message]" or named "kernel log..." a diagnostic, one that says
        "(control)" a control), and their declared skips; return the
        problems with the manifest `expect` ([] when the verdicts fit it)."""
        for passed, name in checks:
            self.result("%s: %s" % (prefix, name), passed, kind=verdict_kind(name))
        for name, why in expect.skips:
            self.skip("%s: %s" % (prefix, name), why)
        return ["manifest: " + p for p in expect.judge([name for _, name in checks])]

    def boot(self, prefix, problems, what):
        """The one bookkeeping result of a boot: `what` it was held to,
        and the problems found ([] when none)."""
        self.result("%s%s%s)" % (prefix, BOOT_MARK, what), not problems, "; ".join(problems),
                    kind="boot")

    def guest(self, prefix, guest, completed, expect):
        """Count a guest's own verdicts, held to its manifest `expect`
        (an Expect), then the host's view of the boot, as one result.
        QEMU is ended first (it exits by itself after "done"; without
        "done" it is killed), so that the kernel log is read whole, up to
        what the kernel printed last."""
        guest.end(completed)
        show = os.environ.get("SHOW_KERNEL_LOG")
        if show:
            for line in guest.kernel_log().splitlines():
                if re.search(show, line):
                    self._print("     kernel| " + line.strip())
        checks = guest.checks()
        problems = self.verdicts(prefix, checks, expect)
        if completed:
            got = guest.earlier + len(checks)
            if guest.sent != got:
                problems.append("%d of %s verdicts arrived" % (got, guest.sent))
        else:
            problems.append("no \"done\" on the verdict channel; last console lines: " +
                            " | ".join(guest.kernel_log().splitlines()[-5:]))
        bad = guest.bad_kernel_log()
        if bad:
            problems.append("kernel log: " + bad)
        self.boot(prefix, problems, BOOT_OK % len(expect.checks))

    def stage(self, name):
        print("== %s" % name, flush=True)
        return time.monotonic()

    def counts_line(self):
        """What the results were: behaviours, boots, controls."""
        k = self.kinds
        return ("counted: %d behaviours, %d boots (one \"boot OK\" each), %d controls, "
                "%d diagnostics (kernel messages grepped), %d results of the test firmware "
                "alone, %d gate rows%s; not counted: %d setup steps passed; QEMU started %d "
                "times" %
                (k["behaviour"], k["boot"], k["control"], k["diagnostic"], k["firmware"],
                 k["gate"],
                 ", %d failed setup steps" % k["setup"] if k["setup"] else "",
                 self.setup_passed, self.qemu_runs + qemu_started()))

    def summary(self):
        line = "%d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            line += ", %d skipped" % self.skipped
        if self.failures:
            print("failed:\n  " + "\n  ".join(self.failures))
        print(self.counts_line(), flush=True)
        if os.environ.get("RUN_START"):
            print("run: %d s since the start of the run"
                  % (time.time() - int(os.environ["RUN_START"])))
        print(line, flush=True)
        return 1 if self.failed else 0


def judge_quietly(prefix, guest, manifest):
    """Run `guest` (not yet started) to its end and judge it as
    Report.guest() does, in a quiet Report of its own (for a test that
    weighs the results itself); return that Report's results."""
    quiet = Report(quiet=True)
    with guest:
        guest.start()
        quiet.guest(prefix, guest, guest.run_to_end(), manifest)
    return quiet.results


def control_verdict(report, name, checks, fails):
    """A control's one result: of a control boot's verdicts `checks`
    ([(passed, name)], a diagnostic's MESSAGE mark ignored), exactly those that a pattern of `fails` matches
    (Expect's patterns: * stands for any text) fail, each pattern matches
    one at least, and every other verdict passes: the control fails for
    its reason, and the rest of its boot is as expected."""
    checks = [(ok, n[len(MESSAGE):] if n.startswith(MESSAGE) else n) for ok, n in checks]
    pats = [Expect._pattern(f) for f in fails]
    hit = [(ok, n) for ok, n in checks if any(p.match(n) for p in pats)]
    unmatched = [f for f, p in zip(fails, pats) if not any(p.match(n) for _, n in checks)]
    passed_wrongly = [n for ok, n in hit if ok]
    other_failures = [n for ok, n in checks if not ok and not any(p.match(n) for p in pats)]
    problems = (["no verdict matches %r" % f for f in unmatched] +
                ["passed: %r" % n for n in passed_wrongly] +
                ["another check failed: %r" % n for n in other_failures])
    report.control("%s: the checks %s fail (%d verdicts), every other of its %d verdicts passes"
                   % (name, " and ".join('"%s"' % f for f in fails), len(hit), len(checks)),
                   not problems, "; ".join(problems))


class Interrupted(BaseException):
    """SIGTERM (a CI time-out): unwinds like Ctrl-C, through every
    reaping() block, so that each QEMU is killed and reaped."""


def _interrupted(signum, frame):
    raise Interrupted("signal %d" % signum)


def test_name(fn):
    """A test's name: the last part of its module's name (a script's file
    name where the test is the script's own), a dot, its function's."""
    module = fn.__module__
    if module == "__main__":
        module = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    return module.split(".")[-1] + "." + fn.__name__


def _run(report, tests, only):
    for fn in tests:
        name = test_name(fn)
        if only and not any(o in name for o in only):
            continue
        t0 = report.stage(name)
        try:
            with reaping():  # no QEMU a test started outlives it
                fn(report)
        except Exception as e:  # a broken test is a failed test
            report.result(name, False, "%s: %s" % (type(e).__name__, e))
        print("   (%s: %.1f s)" % (name, time.monotonic() - t0), flush=True)


def _side_paths():
    d = os.path.join(os.environ.get("OUT", "out"), "side")
    return os.path.join(d, "output.log"), os.path.join(d, "counts.json")


def _start_side(argv0):
    """The side group in a child harness (tests/run --side), its output in
    a file; it dies with this harness (PR_SET_PDEATHSIG)."""
    from lib.qemu import _die_with_parent
    log, counts = _side_paths()
    os.makedirs(os.path.dirname(log), exist_ok=True)
    if os.path.exists(counts):
        os.unlink(counts)
    out = open(log, "w")
    return subprocess.Popen([sys.executable, argv0, "--side"], stdin=subprocess.DEVNULL,
                            stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)


def _join_side(report, child):
    """Wait for the side group, print what it printed, add its counts."""
    child.wait()
    log, counts = _side_paths()
    print("== side group (ran beside the tests above, on the other CPU): its output", flush=True)
    sys.stdout.write(open(log, errors="replace").read() if os.path.exists(log) else "")
    try:
        c = json.load(open(counts))
    except (OSError, ValueError) as e:
        report.result("the side group reported its counts", False,
                      "exit %s, %s" % (child.returncode, e))
        return
    report.passed += c["passed"]
    report.failed += c["failed"]
    report.skipped += c["skipped"]
    report.failures += c["failures"]
    for k, n in c["kinds"].items():
        report.kinds[k] += n
    report.qemu_runs += c["qemu"]
    report.setup_passed += c["setup_passed"]


def main(tests, side=()):
    """Run test functions taking a Report; any exception is a failure.
    Ctrl-C or SIGTERM ends the run: every QEMU is killed on the way out
    (and, should the harness itself be killed, by the kernel: see
    lib.qemu._die_with_parent).

    A whole run (no SUBSTRING given) runs `side` in a child harness beside
    `tests`: QEMU under TCG uses one CPU, and the machine has two. With a
    SUBSTRING, or SERIAL=1, everything runs in turn."""
    signal.signal(signal.SIGTERM, _interrupted)
    # Python leaves SIGINT ignored when it starts so (a run started with &
    # by a shell without job control); Ctrl-C must still end a run.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    report = Report()
    only = [a for a in sys.argv[1:] if a != "--side"]
    child = None
    try:
        if "--side" in sys.argv[1:]:
            _run(report, side, only)
            with open(_side_paths()[1], "w") as f:
                json.dump({"passed": report.passed, "failed": report.failed,
                           "skipped": report.skipped, "failures": report.failures,
                           "kinds": report.kinds, "setup_passed": report.setup_passed,
                           "qemu": qemu_started()}, f)
            return 0
        if side and not only and os.environ.get("SERIAL") != "1":
            child = _start_side(sys.argv[0])
            _run(report, tests, only)
            _join_side(report, child)
            child = None
        else:
            _run(report, list(tests) + list(side), only)
    except (KeyboardInterrupt, Interrupted) as e:
        if child:
            end_process(child)
        report.result("the run was not interrupted", False, "%s %s" % (type(e).__name__, e))
        report.summary()
        return 130
    return report.summary()
