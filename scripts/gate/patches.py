# SPDX-License-Identifier: GPL-2.0
"""The checks of the patches as they would be mailed: the series agrees
with this repository (agreement), checkpatch, the mail itself (mail), its
addressees (addressed, the upstream base) and kernel-doc."""

import collections
import fnmatch
import os
import re

from . import series
from .proc import run
from .settings import FROM, SENDER


def fix_command(s, name):
    """The command that makes patches/NAME/files and the series agree."""
    return "make series-export NAME=%s%s" % (name, " UPSTREAM=1" if s.upstream else "")


def agreement_findings(s, name, status, output):
    """scripts/check-series' findings from its exit status and output: its
    last lines, and where it names a disagreement ("FAIL ...") without the
    command that fixes it within them, that command."""
    if status == 0:
        return []
    findings = [line for line in output.splitlines() if line.strip()][-20:]
    fix = fix_command(s, name)
    if any(line.startswith("FAIL ") for line in output.splitlines()) and \
            not any(fix in line for line in findings):
        findings.append("to make them agree: %s" % fix)
    return findings


def check_agreement(name, ctx):
    """The series, the files this repository mirrors from it
    (patches/NAME/files) and its branch agree (scripts/check-series)."""
    s = ctx.s
    st, out = run([s.script("check-series"), name], env=s.env())
    return agreement_findings(s, name, st, out)


def waivers(s, name):
    """The checkpatch types waived for the series: [(patch glob, type)]."""
    found = []
    wfile = os.path.join(s.patches, "checkpatch-waivers")
    if os.path.exists(wfile):
        for line in open(wfile):
            f = line.split("#")[0].split()
            if len(f) >= 4 and f[0] == name:
                found.append((f[1], f[2]))
    return found


# A throwaway identity the gate signs the series with, to check what a
# sender would mail (scripts/sign-series --reviewed).
GATE_SENDER = ("Gate Check", "gate-check@example.org")
ASSISTED_BY = re.compile(r"^Assisted-by: LLM( \S+)*$", re.M)


def checkpatch(s, name, path, ignore):
    """checkpatch.pl --strict on one patch, ignoring the types `ignore`:
    its findings, one a line."""
    p = os.path.basename(path)
    cmd = [os.path.join(s.src(name), "scripts/checkpatch.pl"), "--strict", "--showfile",
           "--color=never", path]
    if ignore:
        cmd += ["--ignore", ",".join(ignore)]
    # Debian's python3 first: checkpatch's spdxcheck.py needs its ply and git.
    st, out = run(cmd, cwd=s.src(name),
                  env=dict(os.environ, PATH="/usr/bin:" + os.environ.get("PATH", "")))
    if "Traceback" in out:
        return ["%s: a checkpatch helper failed: %s" % (p, out[out.index("Traceback"):][:300])]
    m = re.search(r"total: (\d+) errors, (\d+) warnings, (\d+) checks", out)
    if not m:
        return ["%s: checkpatch did not run: %s" % (p, out.strip()[-300:])]
    lines = [line for line in out.splitlines() if re.search(r"\b(ERROR|WARNING|CHECK): ", line)]
    total = sum(int(n) for n in m.groups())
    # The totals are authoritative; the lines say what was found.
    return ["%s: %s" % (p, line) for line in lines[:total]] + \
        ["%s: (finding %d of %d)" % (p, i + 1, total) for i in range(len(lines), total)]


def attribution(path):
    """The committed copy of a patch made with tools: no Signed-off-by
    (only the sender may add one, 7.3's coding-assistants.rst), and an
    Assisted-by line in that document's format."""
    text = open(path).read().split("\n---\n", 1)[0]
    p = os.path.basename(path)
    found = ["%s: a Signed-off-by in the committed copy: %s" % (p, line)
             for line in text.splitlines() if line.startswith("Signed-off-by:")]
    if not ASSISTED_BY.search(text):
        found.append("%s: no \"Assisted-by: LLM [TOOL...]\" line" % p)
    return found


def check_checkpatch(name, ctx):
    """checkpatch.pl --strict, twice. On the committed copies, which carry
    no Signed-off-by until the sender signs them, only the missing sign-off
    (MISSING_SIGN_OFF) is ignored beside the documented waivers, and each
    must carry Assisted-by and no Signed-off-by. On the series as a sender
    would mail it (scripts/sign-series --reviewed, with a throwaway
    identity, into $OUT/check-send), the documented waivers alone."""
    s = ctx.s
    waived = waivers(s, name)
    send = os.path.join(s.out, "check-send")
    st, out = run([s.script("sign-series"), "--reviewed", name],
                  env=dict(s.env(), SEND_DIR=send, SERIES_NAME=GATE_SENDER[0],
                           SERIES_EMAIL=GATE_SENDER[1]))
    if st:
        return ["scripts/sign-series failed: %s" % out.strip()[-300:]]
    signed = os.path.join(send, "upstream" if s.upstream else "", name)
    findings = []
    for p in series.patch_files(s, name):
        ignore = [t for glob_, t in waived if fnmatch.fnmatch(p, glob_)]
        committed = os.path.join(s.patches, name, p)
        findings += attribution(committed)
        findings += checkpatch(s, name, committed, ignore + ["MISSING_SIGN_OFF"])
        findings += ["signed: " + f for f in checkpatch(s, name, os.path.join(signed, p), ignore)]
    return findings


def get_maintainer(s, name, opts, patches):
    """get_maintainer.pl's output for patches, from the series' worktree."""
    return run([os.path.join(s.src(name), "scripts", "get_maintainer.pl"), "--no-rolestats",
                "--no-git", "--no-git-fallback"] + opts + patches, cwd=s.src(name))[1]


def check_mail(name, ctx):
    """The series as it would go to the lists: a Cc list from
    get_maintainer.pl, and git send-email --dry-run accepting every mail."""
    s = ctx.s
    findings = []
    cover = series.cover_letter(s, name)
    mails = ([cover] if cover else []) + [os.path.join(s.patches, name, p)
                                          for p in series.patch_files(s, name)]
    text = open(cover).read() if cover else ""
    if "*** SUBJECT HERE ***" in text or "*** BLURB HERE ***" in text:
        findings.append("the cover letter still has format-patch's placeholders")
    for section in ("How this was tested", "Changes in v"):
        if section not in text:
            findings.append("the cover letter has no \"%s\" section" % section)
    opts = ["--no-multiline"]
    if s.upstream:
        opts.append("--no-fixes")  # the tarball has no history to look the commits up in

    def addresses(*which):
        out = get_maintainer(s, name, opts + list(which), mails[1:]).strip()
        return [a.strip() for a in out.split(", ") if "@" in a and SENDER not in a]
    lists = addresses("--no-m", "--no-r", "--l")
    people = addresses("--m", "--r", "--no-l")
    mail = os.path.join(s.out, "mail")
    os.makedirs(mail, exist_ok=True)
    with open(os.path.join(mail, name + ".cc"), "w") as f:
        f.write("".join("To: %s\n" % a for a in lists) + "".join("Cc: %s\n" % p for p in people))
    if not lists or not people:
        findings.append("get_maintainer.pl found no list or no maintainer: %s %s"
                        % (lists, people))
        return findings
    st, out = run(["git", "send-email", "--dry-run", "--confirm=never", "--quiet",
                   "--no-format-patch", "--suppress-cc=self", "--from=" + FROM,
                   "--smtp-server=/bin/false"] + ["--to=" + a for a in lists] +
                  ["--cc=" + p for p in people] + mails, cwd=mail)
    ok = out.count("Dry-Sent ")
    if st or ok != len(mails):
        findings.append("git send-email --dry-run: %d of %d mails OK: %s"
                        % (ok, len(mails), out.strip()[-400:]))
    return findings


def check_addressed(name, ctx):
    """The cover letter's To: and Cc: name everyone get_maintainer.pl
    names for the series (maintainers, reviewers, lists), and everyone its
    addressees file names (those get_maintainer.pl cannot know)."""
    s = ctx.s
    cover = series.cover_letter(s, name)
    if not cover:
        return ["no cover letter"]
    head = open(cover).read().split("\n\n", 1)[0]
    patches = [os.path.join(s.patches, name, p) for p in series.patch_files(s, name)]
    out = get_maintainer(s, name, ["--no-fixes"], patches)
    findings = []
    for who in out.strip().splitlines():
        addr = re.search(r"[\w.+-]+@[\w.-]+", who)
        if addr and addr.group(0) != SENDER and addr.group(0) not in head:
            findings.append("get_maintainer.pl names %s; the cover letter does not" % who)
    extra = os.path.join(s.patches, name, "addressees")
    if os.path.exists(extra):
        for line in open(extra):
            addr = re.search(r"[\w.+-]+@[\w.-]+", line.split("#", 1)[0])
            if addr and addr.group(0) not in head:
                findings.append("addressees names %s; the cover letter does not"
                                % line.strip())
    return findings


def kernel_doc_warnings(s, name, root, path, findings):
    """kernel-doc's warnings on root/path, without paths and line numbers;
    a run that failed silently is a finding."""
    st, out = run([os.path.join(s.src(name), "scripts/kernel-doc"), "-none", "-v",
                   os.path.join(root, path)])
    if st and not out.strip():
        findings.append("%s: kernel-doc exited %d" % (path, st))
    return collections.Counter(re.sub(r"^.*?:\d+: ", "", line) for line in out.splitlines()
                               if re.search(r"warning|error", line, re.I)
                               and not re.match(r"^\d+ warnings?$", line))


def check_kernel_doc(name, ctx):
    s = ctx.s
    findings = []
    for f in series.touched(s, name, "*.[ch]"):
        path = os.path.join(s.src(name), f)
        # What the pristine base already has on the same file is the baseline.
        base = kernel_doc_warnings(s, name, s.tree, f, findings) \
            if os.path.exists(os.path.join(s.tree, f)) else collections.Counter()
        findings += ["%s: %s" % (f, w) for w in
                     (kernel_doc_warnings(s, name, s.src(name), f, findings) - base).elements()]
        # Every new non-static function needs a kernel-doc comment.
        diff = series.git(s, "diff", "-U0", "%s..%s" % (s.base, name), "--", f)
        text = open(path).read()
        for m in re.finditer(r"^\+(?!static\b)(?:[a-z_][\w \*]*?[\s\*])(\w+)\([^;]*$",
                             diff, re.M):
            fn = m.group(1)
            if fn in ("if", "for", "while", "switch", "return", "sizeof"):
                continue
            if not re.search(r"/\*\*\s*\n\s*\*\s*%s\(?\)?\s*-" % re.escape(fn), text):
                findings.append("%s: %s() is not static and has no kernel-doc comment"
                                % (f, fn))
    return findings
