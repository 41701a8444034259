# SPDX-License-Identifier: GPL-2.0
"""Running a command."""

import subprocess
import sys


def run(cmd, cwd=None, check=False, env=None):
    """Run cmd; return (status, stdout+stderr). check: a failure ends the
    gate, with the command's last output."""
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace", env=env)
    if check and p.returncode:
        sys.exit("check: %s failed:\n%s" % (" ".join(cmd), p.stdout[-3000:]))
    return p.returncode, p.stdout
