# SPDX-License-Identifier: GPL-2.0
"""The checks that need no built kernel tree (and the matrix rows'
configuration): scripts/check-early runs them (check --early) while make
test builds the kernels, and the next run on the same commits takes their
results. 7.3's coccicheck compiles in the built tree: not among them."""

import contextlib
import fcntl
import hashlib
import io
import json
import os
import time

from . import matrix, series
from .checks import Context, checks
from .proc import run


def early_checks(s):
    """The base's checks that scripts/check-early runs, in table order."""
    early = ["agreement", "checkpatch", "mail", "addressed", "dt_binding_check",
             "dtbs_check", "kernel-doc"] + ([] if s.upstream else ["coccicheck"])
    return [c for c in checks(s) if c in early]


def key(s, names):
    """What an early result depends on: the patches (the branches they were
    applied as, and the base) and this checkout as it is: its commit and
    every change to it, so that a result left by an interrupted run is not
    taken after an edit (the test device trees, the files the series are
    generated from, the gate itself). None where the checkout is no git
    repository: nothing is taken."""
    st, head = run(["git", "-C", s.top, "rev-parse", "HEAD"])
    if st:
        return None
    h = hashlib.sha1(head.encode())
    h.update(run(["git", "-C", s.top, "diff", "HEAD", "--binary"])[1].encode())
    untracked = run(["git", "-C", s.top, "ls-files", "--others", "--exclude-standard", "-z"])[1]
    for f in untracked.split("\0"):
        if f and os.path.isfile(os.path.join(s.top, f)):
            with open(os.path.join(s.top, f), "rb") as fh:
                h.update(f.encode() + fh.read())
    h.update(repr((s.patches, names)).encode())
    h.update(series.git(s, "rev-parse", s.base, "all", *names).encode())
    return h.hexdigest()


def run_early(s, names):
    """check --early: the early checks of every series, each one's output
    kept with its findings, in the base's early file; and (6.1) the matrix
    rows."""
    ctx = Context(s)
    runners = checks(s)
    results = {}
    for n in names:
        for c in early_checks(s):
            buf = io.StringIO()
            t = time.monotonic()
            with contextlib.redirect_stdout(buf):
                findings = runners[c](n, ctx)
            results.setdefault(n, {})[c] = {"findings": findings, "output": buf.getvalue(),
                                            "seconds": round(time.monotonic() - t, 1)}
            print("check --early: %s: %s: %d findings in %.0f s"
                  % (n, c, len(findings), time.monotonic() - t), flush=True)
    if not s.upstream:
        t = time.monotonic()
        rows = matrix.configure_rows(ctx.kb)
        print("check --early: %d matrix rows configured in %.0f s"
              % (len(rows), time.monotonic() - t), flush=True)
    with open(s.early_file() + ".new", "w") as f:
        json.dump({"key": key(s, names), "results": results}, f, indent=1)
    os.replace(s.early_file() + ".new", s.early_file())


def wait(s):
    """Wait for scripts/check-early if it still runs (at full priority
    from then on)."""
    if not os.path.exists(s.early_lock()):
        return
    with open(s.early_lock(), "r+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            t = time.monotonic()
            pgid = lock.read().strip()
            with contextlib.suppress(ValueError, OSError):
                os.setpriority(os.PRIO_PGRP, int(pgid), 0)
                with open("/proc/%d/autogroup" % int(pgid), "w") as f:
                    f.write("0")
            print("check: waiting for scripts/check-early (process group %s, now at "
                  "full priority)" % pgid, flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
            print("check: scripts/check-early finished after %.0f s more"
                  % (time.monotonic() - t), flush=True)


def take(s, names):
    """The results scripts/check-early left for these commits, once: its
    file is removed, so that a later run checks afresh."""
    if not os.path.exists(s.early_file()):
        return {}
    with open(s.early_file()) as f:
        data = json.load(f)
    os.unlink(s.early_file())
    if data.get("key") is None or data.get("key") != key(s, names):
        print("check: scripts/check-early's results are for other commits: not used",
              flush=True)
        return {}
    return data["results"]
