#!/usr/bin/env python3
"""Helpers for scripts/bench: make signed request bodies for wrk, fill the queue, time a drain.

Talks RESP to Redis over a plain socket (no client library needed).
"""
import hashlib, hmac, json, os, socket, sys, time


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", int(port)))
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return int(rest) if kind == b":" else rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise RuntimeError("bad reply %r" % line)

    def call(self, *args):
        self.sock.sendall(resp(*args))
        return self.reply()


def event_body(i, size):
    event = {"id": "evt_bench_%08d" % i, "type": "resource.created", "created": "2026-11-29T00:00:00Z", "data": {"pad": ""}}
    pad = size - len(json.dumps(event, separators=(",", ":")))
    event["data"]["pad"] = "x" * max(0, pad)
    return json.dumps(event, separators=(",", ":"))


def bodies(count, size, secret, path):
    """One line per request for wrk: <timestamp>\t<signature>\t<body>, signed now."""
    ts = str(int(time.time()))
    with open(path, "w") as f:
        for i in range(int(count)):
            body = event_body(i, int(size))
            sig = hmac.new(secret.encode(), (ts + "." + body).encode(), hashlib.sha256).hexdigest()
            f.write("%s\t%s\t%s\n" % (ts, sig, body))


def fill(port, key, count, size):
    """LPUSHes `count` distinct events of about `size` bytes, a thousand per command."""
    r = Redis(port)
    batch = 1000
    sent = 0
    while sent < int(count):
        n = min(batch, int(count) - sent)
        r.sock.sendall(resp("LPUSH", key, *[event_body(sent + i, int(size)) for i in range(n)]))
        r.reply()
        sent += n
    print(r.call("LLEN", key))


def drain(port, prefix, total, timeout):
    """Waits for the first take, then for the queue to be empty; prints events/s."""
    r = Redis(port)
    total = int(total)
    deadline = time.time() + float(timeout)
    events = prefix + ":events"
    while r.call("LLEN", events) >= total:
        if time.time() > deadline:
            sys.exit("no event was taken within the timeout")
        time.sleep(0.001)
    start = time.time()
    while True:
        pending = r.call("LLEN", events)
        workers = [w.decode() for w in r.call("SMEMBERS", prefix + ":workers")]
        busy = sum(r.call("LLEN", prefix + ":processing:" + w) for w in workers)
        scheduled = r.call("ZCARD", prefix + ":scheduled")
        if pending == 0 and busy == 0 and scheduled == 0:
            break
        if time.time() > deadline:
            sys.exit("queue not drained within the timeout: pending=%d in flight=%d" % (pending, busy))
        time.sleep(0.005)
    elapsed = time.time() - start
    print("%.0f" % (total / elapsed))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"bodies": bodies, "fill": fill, "drain": drain}[command](*args)
