# SPDX-License-Identifier: GPL-2.0
"""A few packets of the GDB remote serial protocol, enough for the host to
play a VMM against QEMU's gdbstub: write guest-physical memory (an ID, a
device register) and let the VM run; and to trace a function's arguments
(a breakpoint on its first instruction, the registers read there). No gdb
needed.

A packet is "$" DATA "#" and two hex digits, DATA's byte sum modulo 256;
the receiver answers "+" (or "-": send it again).
"""

import socket
import time

from lib.qemu import Closing, connect_unix


class GdbError(RuntimeError):
    pass


def frame(data):
    if any(c in data for c in "$#}*"):
        raise ValueError("would need escaping: %r" % data)
    return "$%s#%02x" % (data, sum(data.encode()) & 0xff)


class GdbRemote(Closing):
    """A connection to QEMU's gdbstub (-gdb unix:PATH,server=on,wait=off)."""

    def __init__(self, path, timeout=10):
        self.deadline = time.monotonic() + timeout
        self.buf = b""
        self.sock = connect_unix(path, self.deadline)
        if not self.sock:
            raise GdbError("cannot connect to the gdbstub at %s" % path)

    def close(self):
        self.sock.close()

    def _byte(self):
        if not self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise GdbError("gdbstub: no answer in time")
            self.sock.settimeout(left)
            try:
                self.buf = self.sock.recv(4096)
            except socket.timeout:
                raise GdbError("gdbstub: no answer in time") from None
            if not self.buf:
                raise GdbError("gdbstub closed the connection")
        c, self.buf = self.buf[:1], self.buf[1:]
        return c

    def command(self, data, tries=3):
        """Send one packet; return the payload of the stub's reply."""
        for _ in range(tries):
            self.sock.sendall(frame(data).encode())
            ack = self._byte()
            while ack not in (b"+", b"-"):  # e.g. a stray notification
                ack = self._byte()
            if ack == b"+":
                break
        else:
            raise GdbError("gdbstub refused %r %d times" % (data, tries))
        while True:
            while self._byte() != b"$":
                pass
            payload = b""
            c = self._byte()
            while c != b"#":
                payload += c
                c = self._byte()
            cs = self._byte() + self._byte()
            if int(cs, 16) == sum(payload) & 0xff:
                self.sock.sendall(b"+")
                return payload.decode()
            self.sock.sendall(b"-")  # corrupt: ask for it again

    def ok(self, data):
        reply = self.command(data)
        if reply != "OK":
            raise GdbError("gdbstub answered %r to %r" % (reply, data[:40]))

    # -- what a VMM needs ----------------------------------------------------
    def physical(self):
        """Addresses in m and M packets become guest-physical (QEMU only)."""
        self.ok("Qqemu.PhyMemMode:1")

    def write(self, addr, data):
        self.ok("M%x,%x:%s" % (addr, len(data), data.hex()))

    def read(self, addr, length):
        reply = self.command("m%x,%x" % (addr, length))
        if reply.startswith("E") or len(reply) != 2 * length:
            raise GdbError("gdbstub could not read 0x%x: %r" % (addr, reply))
        return bytes.fromhex(reply)

    # -- tracing ---------------------------------------------------------------
    def breakpoint(self, addr):
        """A breakpoint at the guest-virtual address `addr` (under TCG QEMU
        checks the PC of each instruction against it: guest memory is not
        patched, so it may be set before the kernel is even loaded)."""
        self.ok("Z0,%x,1" % addr)

    def cont(self):
        """Let the VM run until it stops: the stop reply ("T05..." at a
        breakpoint), or None once QEMU ended (an exit reply, or the
        connection closed)."""
        try:
            reply = self.command("c")
        except GdbError as e:
            if "closed" in str(e):
                return None
            raise
        except (ConnectionResetError, BrokenPipeError):
            return None
        return reply if reply.startswith(("T", "S")) else None

    def step_over(self, addr):
        """Leave the breakpoint at `addr`, where the vCPU stopped: QEMU would
        stop there again at once, so (as gdb does) remove it, execute that
        one instruction (QEMU steps with interrupts and timers masked) and
        set it again."""
        self.ok("z0,%x,1" % addr)
        reply = self.command("s")
        if not reply.startswith(("T", "S")):
            raise GdbError("gdbstub: no stop after a single step: %r" % reply)
        self.breakpoint(addr)

    X86_64 = ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10",
              "r11", "r12", "r13", "r14", "r15", "rip")

    def registers_x86_64(self):
        """The stopped vCPU's general registers and rip (the g packet's first
        17 fields, 8 bytes each, little-endian)."""
        raw = bytes.fromhex(self.command("g")[:2 * 8 * len(self.X86_64)])
        if len(raw) != 8 * len(self.X86_64):
            raise GdbError("gdbstub: short register packet")
        return {name: int.from_bytes(raw[8 * i:8 * i + 8], "little")
                for i, name in enumerate(self.X86_64)}

    def detach(self):
        """Detach; QEMU then resumes the VM."""
        self.ok("D")
