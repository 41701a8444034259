# SPDX-License-Identifier: GPL-2.0
"""The device trees each feature's tests boot, for scripts/check
(dtbs_check): GENERATORS maps a feature's name to its generator, which
takes an output folder, writes the trees there and returns a list of
(dtb, baseline, expect): baseline, None or a tree whose own findings are
not the feature's (the tree QEMU generates for the same machine); expect,
None for a tree that must validate, or the patterns of the findings a
deliberately malformed tree must produce.

Import it with tests/ on sys.path: import dtbs.
"""

import vmgenid.dtbs
import wakeup_mailbox.dtbs

GENERATORS = {"vmgenid": vmgenid.dtbs.dtbs, "wakeup-mailbox": wakeup_mailbox.dtbs.dtbs}
