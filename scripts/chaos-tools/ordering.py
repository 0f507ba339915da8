"""The order check of `scripts/chaos --ordered`: event i has the key `k<i mod KEYS>` and is the
(i div KEYS)-th of its key. KEYS is a multiple of the number of senders, so all events of a key
come from one sender, one after the other (the next only once the ingress answered 200): the
order of their ids is the order the ingress stored them in.

An order violation is a successful run of a key's event after a successful run of a later event
of the same key, or a run of a key's event that starts while another run of the key is still
open and the worker of that run lived on (a run whose worker was SIGKILLed is abandoned)."""


def key_and_place(event_id, keys):
    i = int(event_id.rsplit("_", 1)[1])
    return "k%d" % (i % keys), i // keys


def violations(lines, keys, killed_around):
    """`lines`: the runs file split into words, in the order written. `killed_around(pid, start,
    now)`: whether that worker was killed since the run began."""
    open_runs = {}  # key -> (id, pid, start)
    last_success = {}  # key -> place
    found = []
    for parts in lines:
        if parts[0] == "kill":
            continue
        kind, event_id, pid, at = parts[0], parts[1], int(parts[2]), float(parts[3])
        key, place = key_and_place(event_id, keys)
        if kind == "start":
            other = open_runs.get(key)
            if other and not killed_around(other[1], other[2], at):
                found.append("%s started while %s of the same key ran (worker %d lived on)" % (event_id, other[0], other[1]))
            open_runs[key] = (event_id, pid, at)
            continue
        if open_runs.get(key, (None,))[0] == event_id:
            del open_runs[key]
        if kind == "end":
            if last_success.get(key, -1) > place:
                found.append("%s (place %d of %s) succeeded after place %d" % (event_id, place, key, last_success[key]))
            last_success[key] = max(place, last_success.get(key, -1))
    return found
