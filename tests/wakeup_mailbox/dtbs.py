# SPDX-License-Identifier: GPL-2.0
"""The device trees the wakeup-mailbox tests boot, for scripts/check
(dtbs_check). Every variant must validate: the defects of the malformed
ones (a wrong size or alignment, a region outside the memory map or in RAM,
two nodes) are the kind a schema cannot see, which is why the kernel checks
them. One more tree is malformed for the schema on purpose, so that the row
shows it can fail: its mailbox node has no reg and a property the binding
does not allow, and the schema must flag exactly those: reg missing (for
the binding, and for reserved-memory.yaml's "reg or size" oneOf) and the
unknown property."""

import os
import re
import subprocess

from wakeup_mailbox import dts


def planted(path):
    """The 4-CPU tree, its mailbox's reg replaced by an unknown property."""
    text, n = re.subn(r"(compatible = \"intel,wakeup-mailbox\";\n)\s*reg = <[^>]*>;\n",
                      r"\1\t\t\tplanted-property;\n", dts.dts(4, "good"))
    if n != 1:
        raise RuntimeError("the planted tree found %d mailbox nodes, not 1" % n)
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", path, "-"],
                   input=text.encode(), check=True)
    return path


def dtbs(outdir):
    out = [(dts.dtb(os.path.join(outdir, "mailbox-%dcpu.dtb" % n), n), None, None)
           for n in (1, 32)]
    for variant in ["missing"] + sorted(dts.REFUSED):
        out.append((dts.dtb(os.path.join(outdir, "mailbox-%s.dtb" % variant), 4, variant),
                    None, None))
    out.append((planted(os.path.join(outdir, "mailbox-planted-schema-defects.dtb")), None,
                [r"wakeup_table@[0-9a-f]+: 'reg' is a required property",
                 r"wakeup_table@[0-9a-f]+: 'oneOf' conditional failed",
                 r"wakeup_table@[0-9a-f]+: Unevaluated properties are not allowed "
                 r"\('planted-property' was unexpected\)"]))
    return out
