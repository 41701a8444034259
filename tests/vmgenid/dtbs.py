# SPDX-License-Identifier: GPL-2.0
"""The device trees the vmgenid tests boot, for scripts/check (dtbs_check).

dtbs(outdir) returns (dtb, baseline, expect): the baseline is the tree QEMU
generates for the same machine, whose own findings are not ours; expect is
None for a tree that must validate, or the findings a deliberately malformed
tree must produce."""

import os

from vmgenid import dtb
from vmgenid.test_vmgenid import ARM64_MACHINE, MEMORY


def dtbs(outdir):
    import subprocess
    baseline = os.path.join(outdir, "qemu-virt.dtb")
    subprocess.run(["qemu-system-aarch64"] + ARM64_MACHINE + ["-machine", "dumpdtb=" + baseline],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    good = dtb.make(os.path.join(outdir, "vmgenid-good.dtb"), ARM64_MACHINE, MEMORY, "good")
    bad = dtb.make(os.path.join(outdir, "vmgenid-bad.dtb"), ARM64_MACHINE, MEMORY, "bad")
    return [
        (good, baseline, None),
        # The schema cannot see a region that is too small, an address beyond
        # the CPU's reach or a malformed specifier: the driver refuses those.
        (bad, baseline, [r"vmgenid-noreg: 'reg' is a required property",
                         r"vmgenid-noirq: 'oneOf' conditional failed"]),
    ]
