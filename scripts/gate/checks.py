# SPDX-License-Identifier: GPL-2.0
"""Which checks each base runs, in the order of the table, and what the
checks of one run share. A check is a function (series name, Context)
that returns its findings, each one line."""

from . import bisect, cocci, compiled, dt, matrix, patches, upstream
from .kbuild import Kbuild


class Context:
    """What the checks of one run share: the base's settings (s), its
    kbuild (kb), and what one check computes once for every series."""

    def __init__(self, s):
        self.s = s
        self.kb = Kbuild(s)
        self.baseline = {}  # arch: the pristine base's (sparse, W=1) warnings
        self.bisect = {}  # series: its commits of "all" (series.commits_by_series)
        self.compiled = {}  # the sparse and W=1 findings, computed once
        self.matrix_builds = []  # the matrix trees' rows (matrix.prepare)
        self.cocci = None  # coccicheck's reports for every series, one run
        self.cocci_alone = []  # the files one series alone touches (6.1's coccicheck)


def checks(s):
    """{check: its function} for the base of settings s, in table order."""
    if s.upstream:
        return {
            "agreement": patches.check_agreement, "checkpatch": patches.check_checkpatch,
            "mail": patches.check_mail, "addressed": patches.check_addressed,
            "sparse": upstream.upstream_compiled_row("sparse"),
            "W=1": upstream.upstream_compiled_row("W=1"),
            "coccicheck": upstream.check_upstream_coccicheck,
            "kernel-doc": patches.check_kernel_doc, "bisect": upstream.check_upstream_bisect,
        }
    return {
        "agreement": patches.check_agreement, "checkpatch": patches.check_checkpatch,
        "mail": patches.check_mail, "dt_binding_check": dt.check_dt_binding_check,
        "dtbs_check": dt.check_dtbs_check, "sparse": compiled.compiled_row("sparse"),
        "W=1": compiled.compiled_row("W=1"), "coccicheck": cocci.check_coccicheck,
        "kernel-doc": patches.check_kernel_doc, "bisect": bisect.check_bisect,
        "matrix": matrix.check_matrix,
    }
