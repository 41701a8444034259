# SPDX-License-Identifier: GPL-2.0
"""The upstream-readiness gate (scripts/check) as a package.

settings  where one base's series, trees and results are (6.1 or upstream)
proc      running a command
series    the series under patches/ and their branches in the kernel tree
kbuild    configuring and building a kernel tree, reading and classifying
          what it prints
patches   the checks of the patches and the mail: agreement, checkpatch,
          mail, addressed, kernel-doc
dt        the device-tree checks: dt_binding_check, dtbs_check
cocci     coccicheck on 6.1
bisect    each commit builds, in the test kernels' trees
matrix    the configuration matrix: its rows and trees, the matrix check
compiled  the sparse and W=1 checks, compiled over the matrix
upstream  the checks whose upstream base variant differs: bisect, sparse,
          W=1, coccicheck
checks    which checks each base runs, and what they share in one run
early     the checks run ahead of the kernel builds, and their results
cli       the command line: the table, the results file, the exit status
"""
