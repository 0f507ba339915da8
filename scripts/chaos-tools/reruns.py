"""The duplicate check of the chaos run (chaos.py): how "handled twice" is told from a legitimate
re-run. Every handler run appends `start ID WORKER_PID TIME` and `end ID WORKER_PID TIME` to one
file, and every SIGKILL the run sends appends `kill WORKER_PID TIME`. A second run of an id is
legitimate only when the worker of the run before it was killed around that run (from just
before it started to a second after it ended: at-least-once, its result may not have reached
Redis). Anything else — two runs at once, or a re-run of an event whose worker lived on — is a
duplicate.

ANIMA_TEST_TIME_SCALE (`scale`) stretches that window as it stretches the workers' recovery
time: a sanitized worker can stall for longer than the 2 s recovery time, and a worker that
stalls that long is rightly taken for dead."""


def analyse(runs, scale, violations=None):
    """Counts handled ids, legitimate re-runs and duplicates from the runs file `runs`.
    `violations(lines, killed_around)`, if given, checks the runs for order or limit violations
    (ordering.py, flow.py). Returns (handled ids, successful runs, re-runs, duplicates,
    violations)."""
    with open(runs) as f:
        lines = [line.split() for line in f if line.strip()]
    kills = {}  # worker pid -> kill times
    for parts in lines:
        if parts[0] == "kill":
            kills.setdefault(int(parts[1]), []).append(float(parts[2]))

    def unconfirmed(pid, started, ended):
        """The run's worker died around it: from just before it started (a command forked an
        instant before the SIGKILL) to a second after it ended (its result not yet in Redis)."""
        return any(started - 0.5 * scale <= k <= ended + 1.0 * scale for k in kills.get(pid, []))

    order_violations = violations(lines, unconfirmed) if violations else []
    open_runs = {}  # id -> (pid, start time)
    finished = {}  # id -> (pid, start time, end time) of its last successful run
    handled_runs, reruns, duplicates = 0, 0, []
    for parts in lines:
        if parts[0] == "kill":
            continue
        kind, event_id, pid, at = parts[0], parts[1], int(parts[2]), float(parts[3])
        if kind == "start":
            if event_id in open_runs:
                other_pid, other_start = open_runs[event_id]
                if not unconfirmed(other_pid, other_start, at):
                    duplicates.append("%s started by %d while %d still ran it" % (event_id, pid, other_pid))
            if event_id in finished:
                other_pid, other_start, other_end = finished[event_id]
                if unconfirmed(other_pid, other_start, other_end):
                    reruns += 1
                else:
                    duplicates.append("%s ran again after it was handled (by %d, who lived on)" % (event_id, other_pid))
            open_runs[event_id] = (pid, at)
        elif kind == "fail":
            open_runs.pop(event_id, None)
        else:
            handled_runs += 1
            started = open_runs.pop(event_id, (pid, at))[1]
            finished[event_id] = (pid, started, at)
    return set(finished), handled_runs, reruns, duplicates, order_violations
