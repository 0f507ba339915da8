"""`scripts/chaos --quick`: workers that need no slot (`builtin:ack`) take batches of 64 and
the next batch ahead. A backlog queued before they start keeps them draining full batches while
the faults happen; runs leave no file behind, so they are read from the history instead.

The settle writes an event's done mark and its `ok` record in one script: a worker killed before
it settled wrote neither, and its event runs again legitimately. Two `ok` records of one id are
therefore two successful handlings (a duplicate): a settle sent again after a lost reply does
not record twice (`HistoryBatch.again`). Ordered, a key's `ok` records in the stream's order are
the order its events succeeded in."""
import json

from common import event_body
import ordering

BACKLOG_PER_EVENT = 50
# Ordered backlog: this many keys ("b0", "b1", …), so that each has many events waiting.
BACKLOG_KEYS = 1000


def backlog_size(n):
    return BACKLOG_PER_EVENT * n


def key_and_place(event_id, keys):
    """The key and place of a sent event (ordering.py's scheme) or of a backlog event."""
    if event_id.startswith("evt_backlog_"):
        i = int(event_id.rsplit("_", 1)[1])
        return "b%d" % (i % BACKLOG_KEYS), i // BACKLOG_KEYS
    return ordering.key_and_place(event_id, keys)


def queue_backlog(redis, n, ordered):
    """LPUSHes the backlog, oldest first, as the ingress would; returns its ids."""
    ids = ["evt_backlog_%07d" % i for i in range(backlog_size(n))]
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        bodies = [event_body(i, key_and_place(i, 0)[0] if ordered else None) for i in chunk]
        redis.call("LPUSH", "anima:events", *bodies)
    return ids


def history(redis):
    """(id, result, worker, attempt, time) of every history record, oldest first."""
    records, start = [], "-"
    while True:
        entries = redis.call("XRANGE", "anima:history", start, "+", "COUNT", "10000") or []
        for entry_id, fields in entries:
            record = json.loads(dict(zip(fields[::2], fields[1::2]))[b"r"])  # HistoryRecord.json
            records.append((record["id"], record["result"], record["worker"], record["attempt"], record["at"]))
        if len(entries) < 10000:
            return records
        start = "(" + entries[-1][0].decode()


def analyse(records, keys):
    """As chaos.py's analyse: handled ids, successful runs, re-runs (none can be told here),
    duplicates, and (with `keys`, ordered) order violations."""
    handled, duplicates, violations, last = set(), [], [], {}
    runs = 0
    for record in records:
        event_id, result = record[0], record[1]
        if result != "ok":
            continue
        runs += 1
        if event_id in handled:
            duplicates.append("%s has two ok records: handled twice" % event_id)
        handled.add(event_id)
        if keys:
            key, place = key_and_place(event_id, keys)
            if last.get(key, -1) > place:
                violations.append("%s (place %d of %s) succeeded after place %d" % (event_id, place, key, last[key]))
            last[key] = max(place, last.get(key, -1))
    return handled, runs, 0, duplicates, violations
