"""The flow-control check of `scripts/chaos --limited`: every event has the type
`resource.created`, which has a concurrency limit of LIMIT across all workers (each running 16
at once), a rate limit and a breaker that opens now and then (handlers fail one in eight of their
first two attempts; the breaker opens at a failure share of 0.25 over at least 10 attempts in a
second, and probes after 0.3 s).

A limit violation is a run that starts while LIMIT other runs of the type are still open whose
workers lived on (the run of a worker that was SIGKILLed is abandoned: its slot comes back when
its lease runs out, and its event runs again)."""

LIMIT = 4
TYPE = "resource.created"
LIMIT_JSON = '{"concurrency":%d,"per_ms":1000,"rate":5000}' % LIMIT
BREAKER_JSON = '{"cooldown_ms":300,"failure_rate":0.25,"min_attempts":10,"window_ms":1000}'


def configure(redis):
    """Sets the limit and the breaker, as `anima-admin limit` and `anima-admin breaker` do."""
    redis.call("HSET", "anima:limits", TYPE, LIMIT_JSON)
    redis.call("HSET", "anima:breakers", TYPE, BREAKER_JSON)


def violations(lines, killed_around):
    """`lines`: the runs file split into words, in the order written. `killed_around(pid, start,
    now)`: whether that worker was killed since the run began."""
    open_runs = {}  # id -> (pid, start)
    found = []
    for parts in lines:
        if parts[0] == "kill":
            continue
        kind, event_id, pid, at = parts[0], parts[1], int(parts[2]), float(parts[3])
        if kind != "start":
            open_runs.pop(event_id, None)
            continue
        alive = [other for other, (other_pid, start) in open_runs.items() if not killed_around(other_pid, start, at)]
        if len(alive) >= LIMIT:
            found.append("%s started while %d runs were open: %s" % (event_id, len(alive), ", ".join(sorted(alive))))
        open_runs[event_id] = (pid, at)
    return found


def leftovers(redis):
    """What flow control may not leave behind once every event is done: held events."""
    return [k.decode() for k in (redis.call("KEYS", "anima:held:*") or [])]
