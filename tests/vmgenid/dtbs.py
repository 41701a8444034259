# SPDX-License-Identifier: GPL-2.0
"""The device trees the vmgenid tests boot, for scripts/check (dtbs_check,
through tests/dtbs.py).

dtbs(outdir) returns (dtb, baseline, expect): the baseline is the tree QEMU
generates for the same machine, whose own findings are not ours; expect is
None for a tree that must validate, or the findings a deliberately malformed
tree must produce."""

import os

from vmgenid import dtb
from vmgenid.guests import ARM64_MACHINE, MEMORY


def dtbs(outdir):
    baseline = dtb.dump(os.path.join(outdir, "qemu-virt.dtb"), ARM64_MACHINE)
    good = dtb.make(os.path.join(outdir, "vmgenid-good.dtb"), ARM64_MACHINE, MEMORY, "good")
    bad = dtb.make(os.path.join(outdir, "vmgenid-bad.dtb"), ARM64_MACHINE, MEMORY, "bad")
    return [
        (good, baseline, None),
        # The schema cannot see a region that is too small, an address beyond
        # the CPU's reach or a malformed specifier: the driver refuses those.
        (bad, baseline, [r"vmgenid-noreg: 'reg' is a required property",
                         r"vmgenid-noirq: 'oneOf' conditional failed"]),
    ]
