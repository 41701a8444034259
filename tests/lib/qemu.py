# SPDX-License-Identifier: GPL-2.0
"""Boot a kernel under QEMU and talk to the guest's /init.

The guest's verdicts arrive on a socket chardev of their own (ttyS1 on
x86_64, a virtio console on arm64); the kernel console goes to a log file.
Everything runs under a timeout and QEMU is killed when it expires.
"""

import contextlib
import ctypes
import glob
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.environ.get("OUT", os.path.join(TOP, "out"))
# PREBUILT=1: everything the run needs is under OUT already (the KVM
# bundle, scripts/kvm-bundle, on a host without a toolchain): build
# nothing, and say what is missing.
PREBUILT = os.environ.get("PREBUILT") == "1"


def prebuilt(path):
    """`path`, which PREBUILT requires to exist under OUT."""
    if not os.path.exists(path):
        raise RuntimeError("%s is missing: PREBUILT=1 builds nothing" % path)
    return path

# What the kernel prints when something went wrong, whatever the test.
BAD_KERNEL_LOG = re.compile(
    r"(Oops|BUG:|WARNING:|Kernel panic|Call Trace:|Call trace:|kmemleak: .* new suspected|"
    r"general protection fault|Unable to handle kernel)")


PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)

# How many QEMU processes this process started (the run's summary says).
_started = [0]


def qemu_started():
    return _started[0]


# Every QEMU started and not yet killed or reaped (see reaping()).
_running = set()
_running_lock = threading.Lock()


@contextlib.contextmanager
def reaping(timeout=None):
    """Kill and reap, on leaving, every QEMU started inside the block, on
    every path, exceptions included; with `timeout` (seconds), also kill
    them all when it expires, so that no wait on them can outlive it."""
    with _running_lock:
        before = set(_running)

    def kill_started():
        with _running_lock:
            started = _running - before
        for g in started:
            g.kill()

    timer = None
    if timeout:
        timer = threading.Timer(timeout, kill_started)
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer:
            timer.cancel()
        kill_started()


def _die_with_parent(harness=os.getpid()):
    """In the child, before exec: SIGKILL when the harness dies, however it
    dies (SIGKILL included, which no handler or finally block sees).
    HARNESS_NO_PDEATHSIG=1 leaves it out: only for the harness's self-test,
    which shows that a QEMU then survives a killed run."""
    if os.environ.get("HARNESS_NO_PDEATHSIG") == "1":
        return
    if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        os._exit(127)
    if os.getppid() != harness:  # the harness died before prctl()
        os._exit(127)


def end_process(p):
    """Kill the process `p` (a Popen) unless it has ended; reap it."""
    if p.poll() is None:
        p.kill()
    p.wait()


def stock_kernel(arch):
    """Debian's stock 6.1 kernel for arch, fetched by scripts/debian-kernel."""
    deb = "amd64" if arch == "x86_64" else "arm64"
    pattern = os.path.join(OUT, "debian-%s/root/boot/vmlinuz-6.1.*-%s" % (deb, deb))
    found = sorted(glob.glob(pattern))
    if not found:
        raise RuntimeError("no stock kernel %s" % pattern)
    return found[-1]


def run_qemu(cmd, timeout):
    """Run a QEMU that ends by itself (the firmware's tests), under the same
    parent-death signal as a Guest; killed at `timeout` (seconds), or when
    the harness is interrupted. Returns its exit status, or -9 if killed."""
    _started[0] += 1
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return -9
    finally:
        end_process(p)


def popen_qemu(cmd):
    """Start a QEMU the caller ends (and must kill on every path)."""
    _started[0] += 1
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)


def image_name(arch):
    """The file name of a kernel image built for `arch` (x86_64 or arm64)."""
    return "bzImage" if arch == "x86_64" else "Image"


def read_text(path):
    """The text of the file `path`, undecodable bytes replaced; "" if it
    cannot be read (not written yet, say)."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def connect_unix(path, deadline, alive=lambda: True):
    """A stream socket connected to the UNIX socket `path`, tried every
    20 ms until time.monotonic() passes `deadline` or alive() is false
    (the server's process has ended, say); None then."""
    while alive() and time.monotonic() <= deadline:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.02)
    return None


class Closing:
    """A client used in a with statement: close() at its end."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Qmp(Closing):
    """A QMP client on the connected socket `sock`: QEMU's greeting read,
    capabilities negotiated; each reply awaited `timeout` seconds at most."""

    def __init__(self, sock, timeout):
        sock.settimeout(timeout)
        self.sock, self.file = sock, sock.makefile("rw")
        json.loads(self.file.readline())  # greeting
        self.command("qmp_capabilities")

    def command(self, name, **arguments):
        """Run the command `name`; return its value, or None if QEMU closed
        the connection first (as it may after "quit"). Events are passed
        over; an error reply raises RuntimeError."""
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.file.write(json.dumps(msg) + "\n")
        self.file.flush()
        while True:
            line = self.file.readline()
            if not line:
                return None
            reply = json.loads(line)
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (name, reply["error"]))
            if "return" in reply:
                return reply["return"]

    def close(self):
        self.file.close()
        self.sock.close()


def kvm_usable():
    return os.environ.get("USE_KVM", "0") == "1" and os.access("/dev/kvm", os.R_OK | os.W_OK)


class Guest:
    """One QEMU process. `extra` are further QEMU arguments."""

    def __init__(self, name, arch, kernel, initrd, append, extra=(), memory="256M",
                 smp=1, accel=None, timeout=180):
        self.name, self.arch, self.timeout = name, arch, timeout
        self.sent = None  # how many verdicts the guest said it sent
        self.earlier = 0  # of them, how many reached the QEMU a snapshot was taken in
        self.dir = tempfile.mkdtemp(prefix="qemu-%s-" % name.replace("/", "-"), dir=OUT)
        self.console = os.path.join(self.dir, "console.log")
        self.result_sock = os.path.join(self.dir, "result.sock")
        self.qmp_sock = os.path.join(self.dir, "qmp.sock")
        self.proc = self.res = self.qmp_client = None
        self.buf = b""
        self.lines = []  # (time, line) as they arrived
        self.deadline = None
        if accel is None:
            accel = "kvm" if (arch == "x86_64" and kvm_usable()) else "tcg"
        self.accel = accel
        chardev = "socket,id=result,path=%s,server=on,wait=off" % self.result_sock
        if arch == "x86_64":
            base = ["qemu-system-x86_64", "-M", "q35,accel=" + accel,
                    "-cpu", "max" if accel == "tcg" else "host",
                    "-serial", "file:" + self.console,
                    "-chardev", chardev, "-serial", "chardev:result"]
            append = "console=ttyS0 result=/dev/ttyS1 " + append
        else:
            base = ["qemu-system-aarch64", "-M", "virt,gic-version=2", "-cpu", "max",
                    "-serial", "file:" + self.console,
                    "-device", "virtio-serial-device",
                    "-chardev", chardev, "-device", "virtconsole,chardev=result"]
            append = "console=ttyAMA0 result=/dev/hvc0 " + append
        self.cmd = base + ["-m", memory, "-smp", str(smp), "-display", "none",
                           "-no-reboot", "-no-user-config",
                           "-qmp", "unix:%s,server=on,wait=off" % self.qmp_sock,
                           "-kernel", kernel, "-initrd", initrd,
                           "-append", "panic=-1 random.trust_cpu=on " + append] + list(extra)

    # -- process ---------------------------------------------------------
    def start(self, incoming=None):
        cmd = list(self.cmd)
        if incoming:
            cmd += ["-incoming", incoming]
        self.started = time.monotonic()
        self.deadline = self.started + self.timeout
        _started[0] += 1
        with open(os.path.join(self.dir, "qemu.out"), "w") as out:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        with _running_lock:
            _running.add(self)
        self.res = self._connect(self.result_sock)
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        """QEMU killed and reaped; its folder kept if the block failed."""
        self.cleanup(keep=exc[0] is not None)
        return False

    def _connect(self, path):
        s = connect_unix(path, self.deadline, lambda: self.proc.poll() is None)
        if s:
            return s
        if self.proc.poll() is not None:
            raise RuntimeError("QEMU exited at start: %s" % self.qemu_output())
        raise RuntimeError("timed out connecting to %s" % path)

    def qemu_output(self):
        return read_text(os.path.join(self.dir, "qemu.out")).strip()[-500:]

    def wait_exit(self, timeout=30):
        try:
            self.proc.wait(timeout=max(1, min(timeout, self.deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            self.kill()
            return False
        return True

    def kill(self):
        if self.proc:
            end_process(self.proc)
        with _running_lock:
            _running.discard(self)

    def end(self, completed):
        """QEMU ended: waited for when the guest said "done" (`completed`:
        it exits by itself then), killed when it did not."""
        if completed:
            self.wait_exit()
        else:
            self.kill()

    def cleanup(self, keep=False):
        self.kill()
        for s in (self.res, self.qmp_client):
            if s:
                s.close()
        if not keep and os.environ.get("KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- verdict channel -------------------------------------------------
    def readline(self, until=None):
        """Next line from the guest, or None on EOF or at the deadline."""
        end = min(self.deadline, until or self.deadline)
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.res], [], [], left)
            if not r:
                return None
            data = self.res.recv(4096)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.decode(errors="replace").rstrip("\r")
        self.lines.append((time.monotonic(), line))
        return line

    def _read_until(self, match, timeout):
        """Read lines until match(line); return (its arrival time, line),
        or (None, None) on EOF, at the deadline or after `timeout` s."""
        until = time.monotonic() + timeout if timeout else None
        while True:
            line = self.readline(until)
            if line is None:
                return None, None
            if match(line):
                return self.lines[-1][0], line

    def expect(self, want, timeout=None):
        """Read lines until one equals `want`; return its arrival time."""
        return self._read_until(lambda line: line == want, timeout)[0]

    def expect_prefix(self, prefix, timeout=None):
        """Read lines until one starts with `prefix`; return (time, line)."""
        return self._read_until(lambda line: line.startswith(prefix), timeout)

    def send(self, line):
        self.res.sendall((line + "\n").encode())

    def run_to_end(self):
        """Read lines until "done N" or the end; return True if it came.
        N, the number of verdicts the guest sent, is kept as self.sent."""
        _, line = self.expect_prefix("done")
        if line is None:
            return False
        self.sent = int(line.split()[1]) if len(line.split()) > 1 else None
        return True

    def checks(self):
        """The guest's verdicts: [(passed, name)]."""
        out = []
        for _, line in self.lines:
            if line.startswith("ok "):
                out.append((True, line[3:]))
            elif line.startswith("not ok "):
                out.append((False, line[7:]))
        return out

    def kernel_log(self):
        return read_text(self.console)

    def bad_kernel_log(self):
        """The first worrying kernel log line, or None."""
        for line in self.kernel_log().splitlines():
            if BAD_KERNEL_LOG.search(line):
                return line.strip()
        return None

    # -- QMP -------------------------------------------------------------
    def qmp(self, command, **arguments):
        """Run a QMP command (Qmp.command); a reply has the guest's deadline too."""
        if not self.qmp_client:
            self.qmp_client = Qmp(self._connect(self.qmp_sock),
                                  max(1, self.deadline - time.monotonic()))
        return self.qmp_client.command(command, **arguments)

    def wait_incoming(self, timeout=60):
        """Wait, with a deadline, until an incoming migration has ended."""
        end = min(self.deadline, time.monotonic() + timeout)
        while self.qmp("query-status")["status"] == "inmigrate":
            if time.monotonic() > end:
                raise RuntimeError("%s: the incoming migration did not end in time" % self.name)
            time.sleep(0.01)

    def start_from(self, path):
        """Start QEMU paused (-S), the whole VM state coming from the file
        `path` (migrate_to_file); return once the incoming migration has
        ended."""
        self.cmd.append("-S")
        self.start(incoming="exec:cat %s" % path)
        self.wait_incoming()
        return self

    def resume(self, line):
        """Let the VM run ("cont"), then send the guest `line`; return the
        time "cont" returned."""
        self.qmp("cont")
        t0 = time.monotonic()
        self.send(line)
        return t0

    def migrate_to_file(self, path):
        """stop, then migrate the whole VM state to `path`; wait for it."""
        self.qmp("stop")
        self.qmp("migrate", uri="exec:cat > %s" % path)
        while True:
            st = self.qmp("query-migrate").get("status")
            if st == "completed":
                return
            if st in ("failed", "cancelled"):
                raise RuntimeError("migration %s" % st)
            if time.monotonic() > self.deadline:
                raise RuntimeError("migration timed out")
            time.sleep(0.05)
