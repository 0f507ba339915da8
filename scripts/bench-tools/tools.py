#!/usr/bin/env python3
"""Helpers for scripts/bench: make signed request bodies for wrk, fill the queue, time a drain,
extract the worker's Lua scripts for the C ceiling, and read quantiles out of a Prometheus
histogram.

Talks to Redis through scripts/pylib/resp.py (no client library needed).
"""
import hashlib, hmac, json, os, re, sys, time, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from resp import Redis  # noqa: E402


def event_body(i, size, keys=0):
    """With `keys`, `data.key` is one of that many keys (k0, k1, …, round robin)."""
    event = {"id": "evt_bench_%08d" % i, "type": "resource.created", "created": "2026-11-29T00:00:00Z", "data": {"pad": ""}}
    if int(keys):
        event["data"]["key"] = "k%d" % (i % int(keys))
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


def fill(port, key, count, size, keys=0):
    """LPUSHes `count` distinct events of about `size` bytes, a thousand per command (with
    `keys`, spread over that many order keys)."""
    r = Redis(port)
    batch = 1000
    sent = 0
    while sent < int(count):
        n = min(batch, int(count) - sent)
        r.call("LPUSH", key, *[event_body(sent + i, int(size), keys) for i in range(n)])
        sent += n
    print(r.call("LLEN", key))


# Events not settled yet: pending + in every registered worker's processing list + scheduled
# + waiting for their order key + held back by a limit (of resource.created, `fill`'s one type).
# A worker registers (SADD <prefix>:workers) before its first take, and its `complete` script
# writes the done mark and removes the entry from its processing list in one atomic step, so
# this is 0 exactly when every taken event has been settled. One EVAL: cheap to poll.
# Returns {unsettled, registered workers}: one poll costs Redis 1 script call and 6 + workers
# commands (subtracted from the figures of `redis_cost`).
UNSETTLED = """
local n = redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[3]) + redis.call('HLEN', ARGV[1] .. ':ordered:waits')
  + redis.call('LLEN', ARGV[1] .. ':held:resource.created')
local workers = redis.call('SMEMBERS', KEYS[2])
for _, w in ipairs(workers) do
  n = n + redis.call('LLEN', ARGV[1] .. ':processing:' .. w)
end
return {n, #workers}
"""

# The exact number of done marks among the ids `fill` made (evt_bench_00000000 …): run once,
# after the clock has stopped.
DONE_MARKS = """
local n = 0
for i = 0, tonumber(ARGV[2]) - 1 do
  if redis.call('GET', string.format('%s:event:evt_bench_%08d', ARGV[1], i)) == 'done' then n = n + 1 end
end
return n
"""


def unsettled_and_workers(r, prefix):
    return r.call("EVAL", UNSETTLED, "3", prefix + ":events", prefix + ":workers", prefix + ":scheduled", prefix)


def unsettled(r, prefix):
    return unsettled_and_workers(r, prefix)[0]


def redis_cost(r):
    """(Redis CPU in µs: used_cpu_sys + used_cpu_user, commands run, script calls run: EVAL,
    EVALSHA, FCALL), from INFO cpu and INFO commandstats. Commands run inside scripts count
    as commands (commandstats counts them)."""
    cpu = dict(l.split(":", 1) for l in r.call("INFO", "cpu").decode().split("\r\n") if ":" in l)
    micros = (float(cpu["used_cpu_sys"]) + float(cpu["used_cpu_user"])) * 1e6
    commands = scripts = 0
    for line in r.call("INFO", "commandstats").decode().split("\r\n"):
        m = re.match(r"cmdstat_([^:]+):calls=(\d+)", line)
        if m:
            commands += int(m.group(2))
            if m.group(1) in ("eval", "evalsha", "fcall", "eval_ro", "evalsha_ro", "fcall_ro"):
                scripts += int(m.group(2))
    return micros, commands, scripts


def cost(port):
    """Prints `redis_cost` as "µs commands scripts" (the snapshot before a drain)."""
    print("%.0f %d %d" % redis_cost(Redis(port)))


def drain(port, prefix, total, timeout, start, before=None):
    """Waits until every one of the `total` pre-queued events has its done mark; prints
    events/s counted from `start` (epoch seconds, taken right before the processes were
    launched). Polls the unsettled count every 2 ms; when it reaches 0, that instant is the
    end, confirmed by an exact count of done marks (which must be `total`). With `before`
    (the output of `cost` taken right before the launch), also prints Redis's cost per event
    over the drain, the polls' own commands and script calls taken out: "µs commands
    scripts"."""
    r = Redis(port)
    total, start = int(total), float(start)
    deadline = start + float(timeout)
    polls = poll_commands = 0
    while True:
        left, workers = unsettled_and_workers(r, prefix)
        now = time.time()
        polls += 1
        poll_commands += 7 + workers  # the EVAL, LLEN, ZCARD, HLEN, LLEN, SMEMBERS, LLEN per worker
        if left == 0:
            break
        if now > deadline:
            sys.exit("queue not drained within %s s: %d events unsettled" % (timeout, left))
        time.sleep(0.002)
    after = redis_cost(r)
    marks = r.call("EVAL", DONE_MARKS, "0", prefix, str(total))
    if marks != total:
        sys.exit("the queue is empty but only %d of %d events have a done mark" % (marks, total))
    if before is None:
        print("%.0f" % (total / (now - start)))
        return
    b = [float(x) for x in before.split()]
    # The two INFO calls of the snapshot after: two more commands.
    commands = after[1] - b[1] - poll_commands - 2
    scripts = after[2] - b[2] - polls
    print("%.0f %.2f %.2f %.3f" % (total / (now - start), (after[0] - b[0]) / total, commands / total, scripts / total))


def settled(port, prefix, timeout):
    """Waits until nothing is pending, in flight or scheduled (the end of the e2e phase)."""
    r = Redis(port)
    deadline = time.time() + float(timeout)
    while unsettled(r, prefix) != 0:
        if time.time() > deadline:
            sys.exit("queue not drained within %s s" % timeout)
        time.sleep(0.01)


def lua(source, outdir):
    """Writes the worker's take, claim and complete scripts, as Sources/AnimaQueue/
    QueueScripts.swift defines them, to <outdir>/<name>.lua for the C ceiling."""
    text = open(source).read()
    for name in ("take", "claim", "complete"):
        m = re.search(r'static let %s = RedisScript\(\s*"""\n(.*?)\n([ \t]*)"""' % name, text, re.S)
        if not m:
            sys.exit("no `%s` script found in %s" % (name, source))
        indent = m.group(2)
        lines = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in m.group(1).split("\n")]
        with open(os.path.join(outdir, name + ".lua"), "w") as f:
            f.write("\n".join(lines).replace("\\\\", "\\"))


def mean(path, name):
    """<name>_sum / <name>_count summed over every label set, from a saved /metrics page."""
    total, count = 0.0, 0.0
    with open(path) as f:
        for line in f:
            if line.startswith(name + "_sum"):
                total += float(line.split()[-1])
            elif line.startswith(name + "_count"):
                count += float(line.split()[-1])
    print("%.6f" % (total / count if count else 0))


def scrape(port, path):
    """Saves /metrics of 127.0.0.1:<port> to `path`."""
    with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=10) as reply, open(path, "wb") as f:
        f.write(reply.read())


def buckets(path, name):
    """Cumulative bucket counts of histogram `name`, summed over its other labels: {le: count}."""
    out = {}
    pattern = re.compile(r"^%s_bucket\{(.*)\}\s+(\S+)" % re.escape(name))
    for line in open(path):
        m = pattern.match(line)
        if not m:
            continue
        le = re.search(r'le="([^"]*)"', m.group(1)).group(1)
        bound = float("inf") if le == "+Inf" else float(le)
        out[bound] = out.get(bound, 0) + float(m.group(2))
    return out


def quantiles(before, after, name):
    """p50 and p99 in ms of histogram `name` over what was observed between two scrapes
    (bucket counts after minus before), interpolated linearly inside the bucket the way
    Prometheus's histogram_quantile does. Prints "p50 p99 count"; a quantile that falls in the
    +Inf bucket prints as ">" and the largest finite bound."""
    a, b = buckets(after, name), buckets(before, name)
    if not a:
        sys.exit("no histogram %s in %s" % (name, after))
    bounds = sorted(a)
    counts = [a[x] - b.get(x, 0) for x in bounds]
    total = counts[-1]
    if total <= 0:
        sys.exit("histogram %s observed nothing between the scrapes" % name)
    result = []
    for q in (0.50, 0.99):
        rank = q * total
        for i, bound in enumerate(bounds):
            if counts[i] >= rank:
                if bound == float("inf"):
                    result.append(">%g" % (bounds[-2] * 1000 if len(bounds) > 1 else 0))
                    break
                lower, below = (bounds[i - 1], counts[i - 1]) if i > 0 else (0.0, 0.0)
                inside = counts[i] - below
                value = lower + (bound - lower) * ((rank - below) / inside if inside > 0 else 1)
                result.append("%.2f" % (value * 1000))
                break
    print("%s %s %d" % (result[0], result[1], total))


def history_rate(port):
    """Outcomes per second that the workers recorded in anima:history, from the first to the
    last (`at`, ms): with builtin:ack each outcome follows its start at once, so this is the
    start rate, without the processes' launch."""
    r = Redis(port)
    times = []
    for entry in r.call("XRANGE", "anima:history", "-", "+") or []:
        fields = entry[1]
        for i in range(0, len(fields) - 1, 2):
            if fields[i] == b"r":
                times.append(json.loads(fields[i + 1])["at"])
    times.sort()
    print("%.1f" % ((len(times) - 1) / ((times[-1] - times[0]) / 1000.0)))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {
        "bodies": bodies, "fill": fill, "drain": drain, "cost": cost, "settled": settled, "lua": lua,
        "scrape": scrape, "quantiles": quantiles, "mean": mean, "history_rate": history_rate,
    }[command](*args)
