# SPDX-License-Identifier: GPL-2.0
"""The gate (scripts/check) as tests, its self-test, and DKMS."""

import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from lib.qemu import OUT, TOP  # noqa: E402

sys.path.insert(0, os.path.join(TOP, "scripts"))
from gate import bisect, cocci, matrix, patches  # noqa: E402
from gate.kbuild import Kbuild  # noqa: E402
from gate.settings import Settings  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def run_check(args, env=None):
    """Run scripts/check, echoing its output; return (status, output)."""
    p = subprocess.Popen([os.path.join(TOP, "scripts", "check")] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=env)
    out = []
    for line in p.stdout:
        print("   | " + line, end="", flush=True)
        out.append(line)
    return p.wait(), "".join(out)


def gate(report, upstream=False):
    env = dict(os.environ, UPSTREAM="1") if upstream else dict(os.environ)
    prefix = "gate (upstream base)" if upstream else "gate"
    status, _ = run_check([], env=env)
    with open(os.path.join(OUT, "check-upstream.json" if upstream else "check.json")) as f:
        results = json.load(f)
    # Every check on every series.
    listed = subprocess.run([os.path.join(TOP, "scripts", "check"), "--list"], env=env,
                            stdout=subprocess.PIPE, text=True).stdout.splitlines()
    want, names = listed[0].split(), listed[1].split()
    missing = ["%s: %s" % (n, c) for n in names for c in want if c not in results.get(n, {})]
    report.result("%s: every check ran on every series (%d checks, %d series)"
                  % (prefix, len(want), len(names)), not missing and names != [],
                  "no result for " + ", ".join(missing) if missing else "", kind="gate")
    for series, checks in results.items():
        for check, r in checks.items():
            report.result("%s: %s: %s" % (prefix, series, check), r["count"] == 0,
                          "%d findings, first: %s" % (r["count"], r["findings"][0])
                          if r["count"] else "", kind="gate")
    report.result("%s: scripts/check exits 0" % prefix, status == 0, "exit %d" % status,
                  kind="gate")


def test_gate(report):
    """make check: every check on every series, one result each."""
    gate(report)


def test_gate_upstream(report):
    """make check, the upstream series (UPSTREAM=1 scripts/check): the same
    checks but the device-tree ones (no binding changes) and the
    configuration matrix (compiled in the two test kernels' trees), and
    the cover letters addressed to whom get_maintainer.pl names."""
    gate(report, upstream=True)


def test_gate_catches_broken_patch(report):
    """A series with a deliberately broken patch makes the gate fail, and the
    gate names what broke."""
    scratch = os.path.join(OUT, "gate-selftest", "patches")
    shutil.rmtree(os.path.dirname(scratch), ignore_errors=True)
    series = os.path.join(scratch, "gate-selftest")
    os.makedirs(series)
    shutil.copy(sorted(glob.glob(os.path.join(TOP, "patches", "vmgenid", "0000-*.patch")))[0],
                series)
    shutil.copy(os.path.join(HERE, "broken.patch"), os.path.join(series, "0001-broken.patch"))
    with open(os.path.join(series, "series"), "w") as f:
        f.write("0001-broken.patch\n")
    env = dict(os.environ, PATCHES=scratch, OUT=OUT)
    status, out = run_check(["--only", "checkpatch,kernel-doc"], env=env)
    rows = [line.split() for line in out.splitlines()]
    report.control("gate self-test: a broken patch makes scripts/check exit non-zero",
                   status != 0, "exit %d" % status)
    report.control("gate self-test: the table marks checkpatch FAIL",
                   any(r[:1] == ["checkpatch"] and r[2:3] == ["FAIL"] and r[1] != "0"
                       for r in rows))
    report.control("gate self-test: the finding names the trailing whitespace",
                   "trailing whitespace" in out)
    report.control("gate self-test: kernel-doc names the undocumented gate_selftest()",
                   "gate_selftest() is not static and has no kernel-doc comment" in out)
    # broken.patch carries a Signed-off-by and no Assisted-by, as a patch
    # made with tools must not (7.3's coding-assistants.rst).
    report.control("gate self-test: checkpatch names the committed copy's Signed-off-by",
                   "0001-broken.patch: a Signed-off-by in the committed copy" in out)
    report.control("gate self-test: checkpatch names the missing Assisted-by",
                   "0001-broken.patch: no \"Assisted-by: LLM [TOOL...]\" line" in out)
    tree = os.path.join(OUT, "linux")
    for cmd in (["worktree", "remove", "--force", os.path.join(OUT, "src", "gate-selftest")],
                ["branch", "-D", "gate-selftest"]):
        subprocess.run(["git", "-C", tree] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


def test_gate_sign_series_refuses(report):
    """scripts/sign-series adds the sender's Signed-off-by only for a sender
    who says, with --reviewed, that they reviewed the series: without it
    it refuses, says what the sign-off certifies, and writes nothing."""
    send = os.path.join(OUT, "gate-selftest", "send")
    shutil.rmtree(send, ignore_errors=True)
    p = subprocess.run([os.path.join(TOP, "scripts", "sign-series")], capture_output=True,
                       text=True, env=dict(os.environ, OUT=OUT, SEND_DIR=send,
                                           SERIES_NAME="Gate Check",
                                           SERIES_EMAIL="gate-check@example.org"))
    report.result("sign-series without --reviewed: refused (exit 2), naming the Developer's "
                  "Certificate of Origin, nothing written",
                  p.returncode == 2 and "Developer's Certificate of Origin" in p.stderr
                  and not os.path.exists(send), "exit %d: %s" % (p.returncode,
                                                                 p.stderr.strip()[:120]))


def test_gate_agreement_names_fix(report):
    """Where scripts/check-series finds the series and this repository
    disagree, the agreement row names the make command that fixes it, for
    the base checked, once."""
    for upstream, fix in ((False, "make series-export NAME=vmgenid"),
                          (True, "make series-export NAME=vmgenid UPSTREAM=1")):
        s = Settings.from_env(dict(os.environ, OUT=OUT), upstream=upstream)
        base = "upstream base" if upstream else "6.1"
        said = patches.agreement_findings(
            s, "vmgenid", 1, "--- series:drivers/virt/vmgenid.c\n"
            "FAIL vmgenid: drivers/virt/vmgenid.c differs from what the series makes of it\n")
        report.result("gate: agreement (%s): a disagreement names %s" % (base, fix),
                      said[-1:] == ["to make them agree: " + fix], str(said))
        said = patches.agreement_findings(s, "vmgenid", 1, "FAIL vmgenid: the patches differ"
                                          " (fix: %s, and commit what it writes)\n" % fix)
        report.result("gate: agreement (%s): a fix check-series names is not named again"
                      % base, len(said) == 1, str(said))
    report.control("gate: agreement: a series that agrees has no finding (control)",
                   patches.agreement_findings(s, "vmgenid", 0, "ok   vmgenid\n") == [])


def kbuild():
    """The gate's kbuild for the 6.1 base, in this run's $OUT."""
    return Kbuild(Settings.from_env(dict(os.environ, OUT=OUT), upstream=False))


PROBE = """#include <linux/io.h>
int gate_probe(void __iomem *p)
{
\treturn *(int *)p;
}
"""


def test_gate_tells_sparse_from_w1(report):
    """The gate compiles once with C=2 W=1 and splits the diagnostics: a
    scratch file with one W=1 warning and two sparse warnings, compiled in
    the gate's x86_64 tree, lands in the right rows."""
    kb = kbuild()
    source = matrix.matrix_src(kb.s, "x86_64")
    build = os.path.join(OUT, "build", "matrix-x86_64")
    probe = os.path.join(source, "drivers", "virt", "gate-probe.c")
    if not os.path.exists(os.path.join(build, ".config")):
        report.result("gate: C=2 W=1 pass: the gate's x86_64 tree exists", False, build)
        return
    try:
        with open(probe, "w") as f:
            f.write(PROBE)
        sparse, w1 = kb.compile_warnings("x86_64", source, build, ["drivers/virt/gate-probe.c"])
    finally:
        for f in (probe, os.path.join(build, "drivers", "virt", "gate-probe.o"),
                  os.path.join(build, "drivers", "virt", ".gate-probe.o.cmd")):
            if os.path.exists(f):
                os.unlink(f)
    report.control("gate: C=2 W=1 pass: the missing prototype is a W=1 finding",
                   len(w1) == 1 and "no previous prototype" in w1[0], "W=1: %s" % w1)
    report.control("gate: C=2 W=1 pass: the __iomem cast and the undeclared symbol are sparse's",
                   len(sparse) == 2 and any("address space" in w for w in sparse) and
                   any("not declared" in w for w in sparse), "sparse: %s" % sparse)


COCCI_PROBE = """#include <linux/err.h>
void *gate_cocci_probe(void *p)
{
\treturn ERR_PTR(PTR_ERR(p));
}
"""


def test_gate_coccicheck_finds_planted(report):
    """The coccicheck row's own code (the gate's cocci.coccicheck_findings)
    reports a planted finding: a scratch file in drivers/virt that
    ERR_PTR(PTR_ERR())s where ERR_CAST() is meant (api/err_cast.cocci; one
    semantic patch, not all, to keep it short), given second of two files,
    as the gate gives every series' files to one run; the series' own
    driver, the control, has no such finding."""
    s = kbuild().s
    name = "drivers/virt/gate-cocci-probe.c"
    probe = os.path.join(OUT, "src", "all", name)
    probe_cocci = os.path.join(OUT, "src", "all", "scripts", "coccinelle", "api",
                               "err_cast.cocci")
    tree = os.path.join(OUT, "src", "all")
    try:
        with open(probe, "w") as f:
            f.write(COCCI_PROBE)
        # spatch lists a git tree's files with git: an untracked file is
        # never looked at. Stage it for the run; unstage it after.
        subprocess.run(["git", "-C", tree, "add", "-f", name], check=True)
        planted = cocci.coccicheck_findings(s, ["drivers/virt/vmgenid.c", name], probe_cocci)
    finally:
        subprocess.run(["git", "-C", tree, "rm", "-q", "--cached", "-f", "--ignore-unmatch",
                        name])
        os.unlink(probe)
    report.control("gate: coccicheck self-test: the planted ERR_PTR(PTR_ERR()) is reported, "
                   "in the second of two files checked in one run",
                   len(planted) == 1 and planted[0].startswith(name + ":") and
                   "ERR_CAST" in planted[0], "%s" % planted)
    clean = cocci.coccicheck_findings(s, ["drivers/virt/vmgenid.c"], probe_cocci)
    report.control("gate: coccicheck self-test: the series' own file has no such finding (control)",
                   clean == [], "%s" % clean)


def test_gate_bisect_catches_broken_commit(report):
    """The bisect builds a commit it has no record of, fails it naming the
    error, and does not record it. The commit (never on a branch) is the
    series' last commit with drivers/virt/vmgenid.c cut short; it is built
    incrementally in the x86_64 test kernel's tree, from its worktree."""
    kb = kbuild()
    tree = bisect.walk_src(kb.s, "x86_64")
    records, key = bisect.bisect_records(kb.s, "x86_64")
    if not key:
        report.control("gate bisect self-test: the x86_64 test kernel's tree exists", False)
        return

    def git(*args, **kw):
        return subprocess.run(["git", "-C", tree] + list(args), check=True, text=True,
                              stdout=subprocess.PIPE, **kw).stdout.strip()
    driver = git("show", "all:drivers/virt/vmgenid.c")
    blob = git("hash-object", "-w", "--stdin", input=driver[:len(driver) // 2] + "\n")
    index = os.path.join(OUT, "gate-selftest.index")
    env = dict(os.environ, GIT_INDEX_FILE=index)
    git("read-tree", "all", env=env)
    git("update-index", "--cacheinfo", "100644,%s,drivers/virt/vmgenid.c" % blob, env=env)
    broken = git("commit-tree", git("write-tree", env=env), "-p", "all", "-m",
                 "gate self-test: vmgenid.c cut short", env=env)
    os.unlink(index)
    findings = bisect.bisect_walk(kb, [(broken, "gate self-test: vmgenid.c cut short")],
                                  ["x86_64"])
    report.control("gate bisect self-test: the broken commit is a finding that names the file",
                   len(findings) == 1 and "drivers/virt/vmgenid" in findings[0], str(findings))
    recorded = os.path.exists(records) and broken in open(records).read()
    report.control("gate bisect self-test: the broken commit is not recorded as built",
                   not recorded)
    report.control("gate bisect self-test: the tree is back on branch all",
                   git("rev-parse", "HEAD") == git("rev-parse", "all"))


def test_dkms(report):
    """dkms install of the module for the installed Debian 6.1 headers."""
    headers = sorted(glob.glob("/usr/src/linux-headers-6.1.*-amd64"))
    if not headers:
        report.result("dkms: Debian 6.1 amd64 headers installed", False)
        return
    rel = os.path.basename(headers[-1])[len("linux-headers-"):]
    p = subprocess.run([os.path.join(TOP, "scripts", "dkms-install"), rel],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    report.result("dkms: dkms install vmgenid-dt/1.0 -k %s" % rel, p.returncode == 0,
                  p.stdout.strip()[-400:] if p.returncode else "")
    ko = os.path.join("/lib/modules", rel, "updates", "dkms", "vmgenid.ko")
    vermagic = subprocess.run(["modinfo", "-F", "vermagic", ko], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True).stdout.strip()
    report.result("dkms: %s has vermagic %s" % (ko, rel), vermagic.startswith(rel + " "),
                  vermagic)
    alias = subprocess.run(["modinfo", "-F", "alias", ko], stdout=subprocess.PIPE,
                           text=True).stdout
    report.result("dkms: the module carries the OF and ACPI aliases",
                  "microsoft,vmgenid" in alias and "acpi*:VMGENCTR:*" in alias, alias.strip())
    subprocess.run([os.path.join(TOP, "scripts", "dkms-install"), "-r"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    report.result("dkms: dkms remove leaves no module behind", not os.path.exists(ko))


# The 6.1 gate and its self-tests (6.1's trees), then the upstream base's
# gate (its own trees): tests/run's side lane, beside the boots. With the
# checks that need no kernel build done while the kernels built
# (scripts/check-early), both gates together take about as long as the
# boots. dkms (Debian's headers) runs in the boots' lane.
TESTS_GATES = [test_gate_agreement_names_fix, test_gate_sign_series_refuses,
               test_gate_catches_broken_patch,
               test_gate_bisect_catches_broken_commit, test_gate, test_gate_tells_sparse_from_w1,
               test_gate_coccicheck_finds_planted, test_gate_upstream]
TESTS_DKMS = [test_dkms]
TESTS = TESTS_GATES + TESTS_DKMS
