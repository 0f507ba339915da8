#!/usr/bin/env python3
"""Helpers for scripts/bench: make signed request bodies for wrk, fill the queue, time a drain.

Talks to Redis through scripts/pylib/resp.py (no client library needed).
"""
import hashlib, hmac, json, os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from resp import Redis  # noqa: E402


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
        r.call("LPUSH", key, *[event_body(sent + i, int(size)) for i in range(n)])
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
