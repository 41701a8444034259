# SPDX-License-Identifier: GPL-2.0
"""Where one base's series, kernel tree, worktrees and results are: 6.1
(patches/, $OUT/linux) or, with UPSTREAM=1, the upstream base (Debian's
newest kernel source, scripts/fetch-upstream: patches/upstream,
$OUT/upstream/linux, built by scripts/build-upstream)."""

import os

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The sender of the series (scripts/lib.sh's placeholder identity).
FROM = "Founding Team <team@vmgenid-dt.example.org>"
SENDER = FROM.split("<")[1].rstrip(">")


class Settings:
    """One base's paths. upstream: the upstream base, else 6.1; out: the
    build directory ($OUT); patches: the series' directory, else the
    base's own."""

    def __init__(self, upstream, out, patches=None, top=TOP):
        self.upstream = upstream
        self.top = top
        self.out = out
        if upstream:
            self.patches = patches or os.path.join(top, "patches", "upstream")
            self.tree = os.path.join(out, "upstream", "linux")
            self.src_root = os.path.join(out, "upstream", "src")
            self.base = "debian-upstream"
        else:
            self.patches = patches or os.path.join(top, "patches")
            self.tree = os.path.join(out, "linux")
            self.src_root = os.path.join(out, "src")
            self.base = "debian-6.1"

    @classmethod
    def from_env(cls, environ=None, upstream=None):
        """The settings $UPSTREAM, $OUT and $PATCHES name (upstream, when
        given, chooses the base instead of $UPSTREAM)."""
        environ = os.environ if environ is None else environ
        if upstream is None:
            upstream = bool(environ.get("UPSTREAM"))
        return cls(upstream, environ.get("OUT") or os.path.join(TOP, "out"),
                   environ.get("PATCHES"))

    def src(self, branch):
        """The worktree of branch."""
        return os.path.join(self.src_root, branch)

    def script(self, name):
        """The project's scripts/name."""
        return os.path.join(self.top, "scripts", name)

    def env(self):
        """The environment for the project's scripts: the same base."""
        return dict(os.environ, OUT=self.out, PATCHES=self.patches,
                    UPSTREAM="1" if self.upstream else "")

    def results_file(self):
        return os.path.join(self.out, "check-upstream.json" if self.upstream else "check.json")

    def early_file(self):
        """Where scripts/check-early leaves its results for this base."""
        return os.path.join(self.out, "check-early-upstream.json" if self.upstream
                            else "check-early.json")

    def early_lock(self):
        """The lock scripts/check-early holds while it runs (both bases)."""
        return os.path.join(self.out, "check-early.lock")
