#!/usr/bin/env python3
"""The chaos run behind scripts/chaos: N signed events through the real ingress into three
workers while workers are SIGKILLed and restarted, one is stopped with SIGTERM, Redis (AOF on)
restarts once and is frozen (SIGSTOP) once for longer than the workers' leases. Then it checks
that every accepted event was handled successfully exactly once and that nothing is left over.

Usage: chaos.py [--ordered | --limited] [--quick] N BIN_DIR WORK_DIR

With --ordered, the workers run with ANIMA_ORDER_KEY=data.key, events have eight to a key,
handlers fail one in eight of their first two attempts at random, and the last line adds
`order_violations=N` (see ordering.py). With --limited, the event type has a concurrency
limit, a rate limit and a breaker, handlers fail at random likewise, and the last line adds
`limit_violations=N` (see flow.py).

With --quick, the workers acknowledge with `builtin:ack` (no slot, so they take batches of 64
and the next batch ahead), and a backlog of BACKLOG_PER_EVENT × N events is queued before they
start, so that they drain it while the faults happen. Runs are then read from the history (see
quick.py): an id handled twice has two `ok` records, and ordered, a key's `ok` records must come
in stored order.

How "handled twice" is told from a legitimate re-run after a SIGKILL: see reruns.py. The
processes (Redis, the ingress, the workers) are processes.py's.

ANIMA_TEST_TIME_SCALE (default 1; scripts/sanitize sets it) stretches the workers' recovery time
and the window of a legitimate re-run (see reruns.py).
"""
import os, random, signal, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from resp import Redis  # noqa: E402
from common import SCALE, SECRET, SENDERS, Poster, done_marks, event_body, logger, worker_command  # noqa: E402
import flow  # noqa: E402
import ordering  # noqa: E402
from processes import Processes  # noqa: E402
import quick  # noqa: E402
from reruns import analyse as analyse_runs  # noqa: E402

FLAGS = set()
while sys.argv[1].startswith("--"):
    FLAGS.add(sys.argv.pop(1))
ORDERED = "--ordered" in FLAGS
LIMITED = "--limited" in FLAGS
QUICK = "--quick" in FLAGS
N = int(sys.argv[1])
BIN = sys.argv[2]
WORK = sys.argv[3]
WORKERS = 3
# Ordered: about eight events to a key, and a multiple of SENDERS keys (see ordering.py).
KEYS = max(SENDERS, N // 8 // SENDERS * SENDERS)
RUNS = os.path.join(WORK, "runs.log")
random.seed(int(os.environ.get("CHAOS_SEED", "7")))
# Seconds Redis is frozen once (SIGSTOP), longer than the workers' leases; 0: no freeze.
FREEZE = float(os.environ.get("CHAOS_REDIS_FREEZE", "3"))
# With `scripts/chaos --tls`: the directory of ca.crt, server.crt, server.key (see processes.py).
TLS_DIR = os.environ.get("CHAOS_TLS_DIR", "")
log = logger("chaos")

redis_down = threading.Event()
done_sending = threading.Event()
lock = threading.Lock()
accepted, rejected503, unexpected = set(), [0], []
faults = {"sigterm": 0, "redis_restarts": 0, "redis_pauses": 0}
if not FREEZE:
    del faults["redis_pauses"]


# Seconds between one sender's events: the run lasts at least ~8 s (~12 s with the freeze),
# room for every fault.
PACE = (12.0 if FREEZE else 8.0) * SENDERS / N


def sender(port, ids):
    poster = Poster(port, SECRET)
    for event_id in ids:
        time.sleep(PACE)
        body = event_body(event_id, ordering.key_and_place(event_id, KEYS)[0] if ORDERED else None)
        while True:
            status = poster.post(body)
            if status is None:
                time.sleep(0.05)
                continue
            if status == 200:
                with lock:
                    accepted.add(event_id)
                break
            if status == 503:
                with lock:
                    rejected503[0] += 1
                    if not redis_down.is_set():
                        unexpected.append("503 for %s while Redis was up" % event_id)
                time.sleep(0.2)  # the sender retries, as Anima does
                continue
            with lock:
                unexpected.append("HTTP %d for %s" % (status, event_id))
            break


def monkey(processes, faults):
    """Kills and restarts workers at random, SIGTERMs one, restarts Redis once and freezes it
    once, while events flow. Counts what it did in `faults`."""
    kills = 0
    while not done_sending.is_set():
        time.sleep(random.uniform(0.2, 0.8))
        progress = len(accepted) / N
        if FREEZE and not faults["redis_pauses"] and faults["redis_restarts"] and progress > 0.7:
            # Longer than the workers' leases and heartbeats (2 s recovery: 1 s): every lease
            # expires while handlers run and results wait; nothing may run twice or be lost.
            pause = FREEZE * SCALE
            log("freezing Redis (SIGSTOP) for %g s" % pause)
            redis_down.set()
            processes.redis.send_signal(signal.SIGSTOP)
            time.sleep(pause)
            processes.redis.send_signal(signal.SIGCONT)
            time.sleep(2.5)
            redis_down.clear()
            faults["redis_pauses"] += 1
            continue
        if not faults["redis_restarts"] and progress > 0.5 and kills >= 2:
            log("restarting Redis (AOF on)")
            redis_down.set()
            processes.redis.send_signal(signal.SIGTERM)
            processes.redis.wait(20)
            time.sleep(0.5)
            processes.start_redis()
            # A request sent while Redis was down may get its 503 up to the push timeout (2 s) later.
            time.sleep(2.5)
            redis_down.clear()
            faults["redis_restarts"] += 1
            continue
        # The SIGTERM goes to the oldest worker once it has run a while: one started an instant
        # ago may not have its signal handling installed yet (before it touches Redis), and dies
        # of the signal like any process would. Until then the kills spare it, and the other
        # faults go on (a sanitized run's 2 s × SCALE is long).
        oldest = next(iter(processes.workers))
        if not faults["sigterm"] and progress > 0.3 and kills >= 1 and processes.age(oldest) >= 2 * SCALE:
            pid = oldest
            log("SIGTERM worker %d" % pid)
            status = processes.term_worker(pid)
            if status != 0:
                unexpected.append("worker %d exited %s after SIGTERM" % (pid, status))
            processes.start_worker()
            faults["sigterm"] += 1
            continue
        victims = [p for p in processes.workers if faults["sigterm"] or p != oldest]
        pid = random.choice(victims or list(processes.workers))
        processes.kill_worker(pid)
        kills += 1
        processes.start_worker()
    return kills


def analyse():
    """Counts handled ids, legitimate re-runs and duplicates from the runs file (see reruns.py),
    and the order or limit violations of --ordered or --limited."""
    if ORDERED:
        return analyse_runs(RUNS, SCALE, lambda lines, killed_around: ordering.violations(lines, KEYS, killed_around))
    if LIMITED:
        return analyse_runs(RUNS, SCALE, flow.violations)
    return analyse_runs(RUNS, SCALE)


def worker_setup():
    """A worker's argv, and what this run adds to its environment."""
    env = {}
    if ORDERED:
        env["ANIMA_ORDER_KEY"] = "data.key"
    command = worker_command(BIN, RUNS, failing=ORDERED or LIMITED)
    if QUICK:
        env["ANIMA_HISTORY_MAX"] = str(4 * (N + quick.backlog_size(N)))
        command = command[:-1] + ["*=builtin:ack"]
    return command, env


def start(processes):
    """Redis, the limits (--limited), the ingress, the backlog (--quick), then the workers."""
    processes.start_redis()
    if LIMITED:
        flow.configure(Redis(processes.redis_port))
    processes.start_ingress()
    if QUICK:
        accepted.update(quick.queue_backlog(Redis(processes.redis_port), N, ORDERED))
    for _ in range(WORKERS):
        processes.start_worker()


def send_with_faults(processes):
    """Sends the N events from SENDERS threads while the monkey strikes; returns (the number
    of worker kills, the time the sending started)."""
    ids = ["evt_chaos_%06d" % i for i in range(N)]
    threads = [threading.Thread(target=sender, args=(processes.ingress_port, ids[i::SENDERS])) for i in range(SENDERS)]
    started = time.time()
    for thread in threads:
        thread.start()
    result = {}
    chaos = threading.Thread(target=lambda: result.setdefault("kills", monkey(processes, faults)))
    chaos.start()
    for thread in threads:
        thread.join()
    done_sending.set()
    chaos.join()
    log("all %d events sent (%d accepted); waiting for the queue to drain" % (N, len(accepted)))
    return result.get("kills", 0), started


def wait_drained(processes):
    """Until nothing is pending, scheduled or in flight and every accepted event is done (or
    the deadline passed)."""
    redis = Redis(processes.redis_port)
    deadline = time.time() + max(120, N / 50)
    while time.time() < deadline:
        pending = redis.call("LLEN", "anima:events")
        scheduled = redis.call("ZCARD", "anima:scheduled")
        workers = [w.decode() for w in redis.call("SMEMBERS", "anima:workers")]
        busy = sum(redis.call("LLEN", "anima:processing:" + w) for w in workers)
        done = sum(1 for reply in done_marks(redis, sorted(accepted)) if reply == b"done")
        if pending == 0 and scheduled == 0 and busy == 0 and done >= len(accepted):
            break
        time.sleep(0.5)


def leftovers(processes):
    """Stops everything, restarts Redis alone and reads what the run left behind in it."""
    processes.stop_all()
    processes.start_redis()
    redis = Redis(processes.redis_port)
    left = {
        "pending": redis.call("LLEN", "anima:events"),
        "scheduled": redis.call("ZCARD", "anima:scheduled"),
        "processing": [k for k in (redis.call("KEYS", "anima:processing:*") or []) if redis.call("LLEN", k)],
        "dead": redis.call("LLEN", "anima:dead"),
        "ordered": redis.call("KEYS", "anima:ordered:*") or [],
        "held": flow.leftovers(redis),
        "not_done": [i for i, reply in zip(sorted(accepted), done_marks(redis, sorted(accepted))) if reply != b"done"],
        "records": quick.history(redis) if QUICK else [],
    }
    processes.stop_all()
    return left


def problems_of(left, lost, duplicates, order_violations):
    """What went wrong: unexpected answers, leftovers, missing faults, duplicates, violations, losses."""
    problems = list(unexpected)
    if left["pending"] or left["scheduled"] or left["processing"]:
        problems.append("left over: pending=%d scheduled=%d processing lists=%d"
                        % (left["pending"], left["scheduled"], len(left["processing"])))
    if left["ordered"]:
        problems.append("ordered keys left after every event was done: %s" % [k.decode() for k in left["ordered"][:5]])
    if left["held"]:
        problems.append("events left held back after the run: %s" % left["held"])
    if left["dead"]:
        problems.append("%d dead letters (none expected)" % left["dead"])
    problems += ["the run had no %s: too few events for the schedule of faults" % name for name, count in faults.items() if not count]
    problems += duplicates[:10]
    problems += order_violations[:10]
    problems += ["lost: %s" % i for i in lost[:10]]
    return problems


def report(left, kills, elapsed):
    """Prints the figures, the problems and the last line; exits non-zero on any problem."""
    if QUICK:
        handled, handled_runs, reruns, duplicates, order_violations = quick.analyse(left["records"], KEYS if ORDERED else 0)
    else:
        handled, handled_runs, reruns, duplicates, order_violations = analyse()
    lost = sorted(accepted - handled) + [i for i in left["not_done"] if i in handled]
    problems = problems_of(left, lost, duplicates, order_violations)
    # Sent: through the ingress, and (--quick) queued as the backlog.
    total = N + (quick.backlog_size(N) if QUICK else 0)
    print("chaos figures: sent=%d accepted=%d rejected503=%d handled=%d handler_runs=%d reruns_after_kill=%d "
          "duplicates=%d lost=%d dead=%d worker_kills=%d sigterm=%d redis_restarts=%d redis_pauses=%d seconds=%.1f"
          % (total, len(accepted), rejected503[0], len(handled & accepted), handled_runs, reruns, len(duplicates),
             len(lost), left["dead"], kills, faults["sigterm"], faults["redis_restarts"],
             faults.get("redis_pauses", 0), elapsed))
    for problem in problems:
        print("problem: " + problem)
    order = (" order_violations=%d" % len(order_violations) if ORDERED else
             " limit_violations=%d" % len(order_violations) if LIMITED else "")
    print("chaos: sent=%d accepted=%d rejected503=%d handled=%d duplicates=%d lost=%d%s seconds=%.0f"
          % (total, len(accepted), rejected503[0], len(handled & accepted), len(duplicates), len(lost), order, elapsed))
    sys.exit(1 if problems or len(accepted) != total else 0)


def main():
    os.makedirs(WORK, exist_ok=True)
    open(RUNS, "w").close()
    processes = Processes(BIN, WORK, RUNS, TLS_DIR, *worker_setup())
    try:
        start(processes)
        kills, started = send_with_faults(processes)
        wait_drained(processes)
        elapsed = time.time() - started
        left = leftovers(processes)
    finally:
        processes.stop_all()
    report(left, kills, elapsed)


if __name__ == "__main__":
    main()
