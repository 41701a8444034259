# SPDX-License-Identifier: GPL-2.0
"""The device trees the wakeup-mailbox tests boot, for scripts/check
(dtbs_check). Every variant must validate: the defects of the malformed
ones (a wrong size or alignment, a region outside the memory map or in RAM,
two nodes) are the kind a schema cannot see, which is why the kernel checks
them."""

import os

from wakeup_mailbox import dts


def dtbs(outdir):
    out = [(dts.dtb(os.path.join(outdir, "mailbox-%dcpu.dtb" % n), n), None, None)
           for n in (1, 32)]
    for variant in ["missing"] + sorted(dts.REFUSED):
        out.append((dts.dtb(os.path.join(outdir, "mailbox-%s.dtb" % variant), 4, variant),
                    None, None))
    return out
