# SPDX-License-Identifier: GPL-2.0
"""Configuring and building a kernel tree, and reading what it built and
printed: .config values, which option compiles a file, the compiler's and
sparse's warnings."""

import collections
import os
import re
import sys

from .proc import run

ARCHES = {
    "x86_64": dict(karch="x86", cross="", fragment="x86_64.config"),
    "arm64": dict(karch="arm64", cross="aarch64-linux-gnu-", fragment="arm64.config"),
}
WARNING = re.compile(r"^(\S+?):(\d+):(?:\d+:)? (?:warning|error): (.*)$")
OBJTOOL = re.compile(r"^(\S+\.o): warning: objtool: (.*)$")
GCC_OPTION = re.compile(r"\[-W[^\]]*\]$")


def for_arch(arch, files):
    """The files that are not another architecture's."""
    karch = ARCHES[arch]["karch"]
    return [f for f in files if not f.startswith("arch/") or f.startswith("arch/%s/" % karch)]


def config_value(build, option):
    """option's value in build's .config, or in a .config file named."""
    with open(build if os.path.isfile(build) else os.path.join(build, ".config")) as f:
        for line in f:
            if line.startswith(option + "="):
                return line.strip().split("=", 1)[1]
    return "n"


def object_option(source, cfile):
    """CONFIG_FOO for cfile from its directory's Makefile, or None."""
    d, base = os.path.split(cfile)
    obj = base[:-2] + ".o"
    for mk in ("Makefile", "Kbuild"):
        path = os.path.join(source, d, mk)
        if os.path.exists(path):
            for line in open(path):
                m = re.match(r"\s*obj-\$\((CONFIG_\w+)\)\s*\+?=.*\b%s\b" % re.escape(obj), line)
                if m:
                    return m.group(1)
    return None


def classify(output, source):
    """Split the diagnostics of a C=2 W=1 build into (sparse, W=1), each a
    list of "path: message" without line numbers (or objtool's offsets;
    its warnings go with W=1), paths relative to source so that pristine
    and patched agree. gcc names the option of each of its
    warnings ("[-Wfoo]"); sparse never does. An error counts in both."""
    sparse, w1 = [], []
    for line in output.splitlines():
        m = OBJTOOL.match(line)
        if m:
            # objtool's warnings (x86_64, ORC) name an object, no line.
            where = re.sub(r"\+0x[0-9a-f]+", "", m.group(2))
            w1.append("%s.c: objtool: %s" % (m.group(1)[:-2], where))
            continue
        m = WARNING.match(line)
        if not m:
            continue
        path = m.group(1)
        if path.startswith(source + "/"):
            path = path[len(source) + 1:]
        text = "%s: %s" % (path, m.group(3))
        if GCC_OPTION.search(line):
            w1.append(text)
        elif " error: " in line:
            sparse.append(text)
            w1.append(text)
        else:
            sparse.append(text)
    return sparse, w1


def beyond(got, had):
    """The warnings of got that had (the baseline) has not, as often as
    got has them more; a failed build of the baseline is no warning."""
    had = [w for w in had if "build failed" not in w]
    return list((collections.Counter(got) - collections.Counter(had)).elements())


class Kbuild:
    """Kbuild for the base of settings s."""

    def __init__(self, s):
        self.s = s
        self._nm = {}
        self._kcmd = {}

    def nm(self, arch):
        """nm naming GCC's LTO plugin, as scripts/lib.sh (arch_vars) has it:
        without, GNU nm loads every plugin installed, LLVM's included."""
        if arch not in self._nm:
            cross = ARCHES[arch]["cross"]
            st, plugin = run([cross + "gcc", "-print-file-name=liblto_plugin.so"])
            plugin = plugin.strip()
            self._nm[arch] = cross + "nm" + (" --plugin=" + plugin
                                             if not st and os.path.isfile(plugin) else "")
        return self._nm[arch]

    def kbuild_cmd(self, source):
        """scripts/lib.sh's kbuild_cmd for source: [] or the one make argument
        that spares 6.1's kbuild a shell per empty command."""
        if source not in self._kcmd:
            _, out = run(["sh", "-c", '. "$0"; kbuild_cmd "$1"; printf %s "$kcmd"',
                          self.s.script("lib.sh"), source])
            self._kcmd[source] = [out] if out.startswith("cmd=") else []
        return self._kcmd[source]

    def arch_args(self, arch):
        """make's arguments that choose the architecture and its tools."""
        a = ARCHES[arch]
        return ["ARCH=" + a["karch"], "CROSS_COMPILE=" + a["cross"], "NM=" + self.nm(arch)]

    def make(self, arch, source, build, *targets, extra=()):
        """make -s targets in build from source; (status, output)."""
        return run(["make", "-s", "-C", source, "O=" + build] + self.arch_args(arch) +
                   ["KBUILD_BUILD_TIMESTAMP=0",
                    # As scripts/build-kernel builds: the walk's last step
                    # builds the test kernel's image.
                    "KBUILD_BUILD_USER=test", "KBUILD_BUILD_HOST=qemu",
                    "-j%d" % os.cpu_count()] + self.kbuild_cmd(source) + list(extra) +
                   list(targets))

    def configure(self, arch, source, build, overrides):
        """tinyconfig + the test fragments + overrides (scripts/configure-kernel),
        unless already so."""
        os.makedirs(build, exist_ok=True)
        frag = os.path.join(build, "check.config")
        want = fragments(self.s, arch)
        want += "".join("%s=%s\n" % kv for kv in overrides)
        if os.path.exists(frag) and open(frag).read() == want and \
                os.path.exists(os.path.join(build, ".config")):
            return
        with open(frag + ".new", "w") as f:
            f.write(want)
        st, out = run([self.s.script("configure-kernel"), arch, source, build, frag + ".new"])
        if st:
            sys.exit("check: configuring %s failed:\n%s" % (build, out[-3000:]))
        os.replace(frag + ".new", frag)

    def set_config(self, arch, source, build, option, value):
        """option=value in build's .config (value n: disabled)."""
        if config_value(build, option) == value:
            return  # olddefconfig, and the syncconfig of the next build, cost seconds
        run([os.path.join(source, "scripts/config"), "--file", os.path.join(build, ".config"),
             "--set-val" if value != "n" else "--disable", option] +
            ([value] if value != "n" else []), check=True)
        self.make(arch, source, build, "olddefconfig")

    def enabled(self, build, cfile):
        """Whether the configuration in build (a tree or a .config) compiles
        cfile (its option as branch "all" has it)."""
        option = object_option(self.s.src("all"), cfile)
        return option is None or config_value(build, option) != "n"

    def arch_files(self, arch, lists, config):
        """The C files of lists that arch compiles under config (a build tree
        or a .config file): sorted, once each."""
        return sorted(set(c for cfiles in lists for c in for_arch(arch, cfiles)
                          if self.enabled(config, c)))

    def compile_warnings(self, arch, source, build, cfiles):
        """(sparse, W=1) warnings of compiling cfiles, in one pass with C=2 W=1."""
        for c in cfiles:
            obj = os.path.join(build, c[:-2] + ".o")
            if os.path.exists(obj):
                os.unlink(obj)
        st, out = self.make(arch, source, build, *[c[:-2] + ".o" for c in cfiles],
                            extra=["-k", "C=2", "CHECK=sparse", "W=1"])
        sparse, w1 = classify(out, source)
        if st:
            failed = "build failed: %s" % " | ".join(out.strip().splitlines()[-3:])
            sparse.append(failed)
            w1.append(failed)
        return sparse, w1


def fragments(s, arch):
    """The test configuration's fragments for arch, as one text."""
    text = ""
    for f in ("common.config", ARCHES[arch]["fragment"]):
        with open(os.path.join(s.top, "configs", f)) as fh:
            text += fh.read()
    return text
