"""The duplicate check of the Sentinel chaos run (chaos_sentinel.py): how a legitimate re-run is
told from a duplicate. Every handler run appends `start ID WORKER_PID TIME` and
`end ID WORKER_PID TIME` to one file, and every master kill the run sends appends
`masterkill PORT TIME` just before the signal (the watcher appends `masterchange OLD NEW TIME`;
neither counts as a run). The runs of one id are taken
in the order they started; a run R2 that follows a run R1 of the same id is a re-run after
failover (`reruns_after_failover=`, at-least-once) when some master kill K falls between their
starts (R1 started before K, R2 after K) and R1 had not ended more than SETTLE seconds before K
(2 s; its outcome, written to the master right after it ended, may not have reached the replica
that was promoted). This covers R2 starting while R1 still runs (the claim R1 held may not have
reached the replica either). Any other second run — with no master kill between the starts, or
of an event whose outcome the master had held for longer than SETTLE before it died — is a
duplicate (`duplicates=`). lost = accepted (HTTP 200) and never handled (no `end` line).

ANIMA_TEST_TIME_SCALE (default 1) stretches SETTLE."""
from common import SCALE

SETTLE = 2.0 * SCALE


def analyse(runs):
    """Counts handled ids, re-runs after failover and duplicates from the runs file (see above)."""
    with open(runs) as f:
        lines = [line.split() for line in f if line.strip()]
    kills = [float(parts[2]) for parts in lines if parts[0] == "masterkill"]
    by_id = {}  # id -> [[start, end or None, pid], …]
    handled, handler_runs = set(), 0
    for parts in lines:
        if parts[0] not in ("start", "end"):
            continue
        kind, event_id, pid, at = parts[0], parts[1], int(parts[2]), float(parts[3])
        runs_of_id = by_id.setdefault(event_id, [])
        if kind == "start":
            runs_of_id.append([at, None, pid])
            continue
        handler_runs += 1
        handled.add(event_id)
        open_runs = [run for run in runs_of_id if run[1] is None and run[2] == pid]
        if open_runs:
            open_runs[-1][1] = at
        else:
            runs_of_id.append([at, at, pid])

    def after_failover(first, second):
        return any(first[0] < k < second[0] and (first[1] is None or first[1] >= k - SETTLE) for k in kills)

    reruns, duplicates = 0, []
    for event_id, runs_of_id in by_id.items():
        runs_of_id.sort(key=lambda run: run[0])
        for first, second in zip(runs_of_id, runs_of_id[1:]):
            if after_failover(first, second):
                reruns += 1
                continue
            if first[1] is None or first[1] > second[0]:
                how = "while the run by %d (started %.3f) still ran" % (first[2], first[0])
            else:
                how = "after the run by %d had ended at %.3f" % (first[2], first[1])
            duplicates.append("%s started by %d at %.3f %s; master kills at %s"
                              % (event_id, second[2], second[0], how, ", ".join("%.3f" % k for k in kills) or "none"))
    return handled, handler_runs, reruns, duplicates
