"""A minimal Redis client for the scripts (RESP over a plain socket, no library needed).

It reconnects on demand and waits out a server that is still loading its data after a
restart. `pipeline` sends many commands in one write and reads their replies in order.
"""
import socket
import time


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, str):
            arg = arg.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


class Redis:
    def __init__(self, port):
        self.port = int(port)
        self.sock = None
        self.buf = b""

    def call(self, *args):
        return self.pipeline([args])[0]

    def pipeline(self, commands):
        payload = b"".join(encode(*command) for command in commands)
        for _ in range(50):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                    self.buf = b""
                self.sock.sendall(payload)
                return [self._reply() for _ in commands]
            except (OSError, ConnectionError):
                self.sock = None
                time.sleep(0.1)
            except RuntimeError as error:
                if not str(error).startswith("LOADING"):
                    raise
                self.sock = None
                time.sleep(0.1)  # still reading its data after a restart
        raise RuntimeError("Redis on port %d unreachable" % self.port)

    def _read(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._read()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b":":
            return int(rest)
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._read()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)
