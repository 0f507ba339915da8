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

How "handled twice" is told from a legitimate re-run: every handler run appends
`start ID WORKER_PID TIME` and `end ID WORKER_PID TIME` to one file, and every SIGKILL this
script sends appends `kill WORKER_PID TIME`. A second run of an id is legitimate only when the
worker of the run before it was killed around that run (from just before it started to a
second after it ended: at-least-once, its result may not have reached Redis). Anything else —
two runs at once, or a re-run of an event whose worker lived on — is a duplicate.

ANIMA_TEST_TIME_SCALE (default 1; scripts/sanitize sets it) stretches the workers' recovery time
and that window: a sanitized worker can stall for longer than the 2 s recovery time, and a
worker that stalls that long is rightly taken for dead.
"""
import os, random, signal, subprocess, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from resp import Redis  # noqa: E402
from common import Poster, append_line as append_to, event_body, free_port, wait_for_port, worker_command  # noqa: E402
import flow  # noqa: E402
import ordering  # noqa: E402
import quick  # noqa: E402

FLAGS = set()
while sys.argv[1].startswith("--"):
    FLAGS.add(sys.argv.pop(1))
ORDERED = "--ordered" in FLAGS
LIMITED = "--limited" in FLAGS
QUICK = "--quick" in FLAGS
N = int(sys.argv[1])
BIN = sys.argv[2]
WORK = sys.argv[3]
SECRET = "chaos-secret"
SENDERS = 16
WORKERS = 3
# Ordered: about eight events to a key, and a multiple of SENDERS keys (see ordering.py).
KEYS = max(SENDERS, N // 8 // SENDERS * SENDERS)
RUNS = os.path.join(WORK, "runs.log")
random.seed(int(os.environ.get("CHAOS_SEED", "7")))
SCALE = max(1.0, float(os.environ.get("ANIMA_TEST_TIME_SCALE", "1")))
# Seconds Redis is frozen once (SIGSTOP), longer than the workers' leases; 0: no freeze.
FREEZE = float(os.environ.get("CHAOS_REDIS_FREEZE", "3"))
# With `scripts/chaos --tls`: the directory of ca.crt, server.crt, server.key (lib.sh's
# make_tls_certs). Redis then also listens with TLS, and the ingress and workers use rediss://
# (this script's own look-ups keep the plain port).
TLS_DIR = os.environ.get("CHAOS_TLS_DIR", "")


def log(message):
    print("[chaos %6.1fs] %s" % (time.time() - T0, message), file=sys.stderr, flush=True)


def append_line(line):
    append_to(RUNS, line)


class Processes:
    def __init__(self):
        self.redis = None
        self.ingress = None
        self.workers = {}  # pid -> Popen
        self.serial = 0

    def start_redis(self):
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--dir", WORK, "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction"] + tls_arguments(),
            stdout=open(os.path.join(WORK, "redis.log"), "ab"), stderr=subprocess.STDOUT)
        wait_for_port(REDIS_PORT, 10, "redis-server")

    def start_ingress(self):
        env = dict(os.environ, ANIMA_WEBHOOK_SECRET=SECRET, PORT=str(INGRESS_PORT), REDIS_URL=REDIS_URL, ANIMA_LOG_LEVEL="warning",
                   **TLS_ENV)
        self.ingress = subprocess.Popen([os.path.join(BIN, "anima-ingress")], env=env,
                                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(WORK, "ingress.log"), "ab"))
        wait_for_port(INGRESS_PORT, 20, "anima-ingress")

    def start_worker(self):
        self.serial += 1
        env = dict(os.environ, REDIS_URL=REDIS_URL, ANIMA_RECOVERY_SECONDS="%g" % (2 * SCALE), ANIMA_RETRY_BASE_SECONDS="0.2",
                   ANIMA_RETRY_MAX_SECONDS="2", ANIMA_SHUTDOWN_GRACE_SECONDS="10", ANIMA_WORKER_CONCURRENCY="16",
                   ANIMA_LOG_LEVEL="notice", **TLS_ENV)
        if ORDERED:
            env["ANIMA_ORDER_KEY"] = "data.key"
        command = worker_command(BIN, RUNS, failing=ORDERED or LIMITED)
        if QUICK:
            env["ANIMA_HISTORY_MAX"] = str(4 * (N + quick.backlog_size(N)))
            command = command[:-1] + ["*=builtin:ack"]
        worker = subprocess.Popen(command, env=env,
                                  stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(WORK, "worker-%d.log" % self.serial), "ab"))
        worker.started = time.monotonic()
        self.workers[worker.pid] = worker
        return worker

    def age(self, pid):
        """Seconds since the worker was started."""
        return time.monotonic() - self.workers[pid].started

    def kill_worker(self, pid):
        append_line("kill %d %.6f" % (pid, time.time()))
        os.kill(pid, signal.SIGKILL)
        self.workers.pop(pid).wait(10)

    def term_worker(self, pid):
        worker = self.workers.pop(pid)
        worker.send_signal(signal.SIGTERM)
        status = worker.wait(30)
        return status

    def stop_all(self):
        for worker in list(self.workers.values()):
            worker.send_signal(signal.SIGTERM)
        for worker in list(self.workers.values()):
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.workers = {}
        for process in (self.ingress, self.redis):
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()


T0 = time.time()
REDIS_PORT = free_port()
INGRESS_PORT = free_port()
REDIS_URL = "redis://127.0.0.1:%d/0" % REDIS_PORT
TLS_ENV = {}
if TLS_DIR:
    TLS_PORT = free_port()
    REDIS_URL = "rediss://127.0.0.1:%d/0" % TLS_PORT
    TLS_ENV = {"ANIMA_REDIS_TLS_CA_FILE": os.path.join(TLS_DIR, "ca.crt")}


def tls_arguments():
    if not TLS_DIR:
        return []
    return ["--tls-port", str(TLS_PORT), "--tls-cert-file", os.path.join(TLS_DIR, "server.crt"),
            "--tls-key-file", os.path.join(TLS_DIR, "server.key"), "--tls-ca-cert-file", os.path.join(TLS_DIR, "ca.crt"),
            "--tls-auth-clients", "no"]
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


def sender(ids):
    poster = Poster(INGRESS_PORT, SECRET)
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
        if not faults["sigterm"] and progress > 0.3 and kills >= 1:
            # The oldest worker, once it has run a while: one started an instant ago may not have
            # its signal handling installed yet (before it touches Redis), and dies of the signal
            # like any process would. On a loaded machine (the suite beside a build) the oldest of
            # three workers killed every 0.2-0.8 s can be that young: then not this round.
            pid = next(iter(processes.workers))
            if processes.age(pid) < 2 * SCALE:
                continue
            log("SIGTERM worker %d" % pid)
            status = processes.term_worker(pid)
            if status != 0:
                unexpected.append("worker %d exited %s after SIGTERM" % (pid, status))
            processes.start_worker()
            faults["sigterm"] += 1
            continue
        pid = random.choice(list(processes.workers))
        processes.kill_worker(pid)
        kills += 1
        processes.start_worker()
    return kills


def analyse():
    """Counts handled ids, legitimate re-runs and duplicates from the runs file."""
    with open(RUNS) as f:
        lines = [line.split() for line in f if line.strip()]
    kills = {}  # worker pid -> kill times
    for parts in lines:
        if parts[0] == "kill":
            kills.setdefault(int(parts[1]), []).append(float(parts[2]))

    def unconfirmed(pid, started, ended):
        """The run's worker died around it: from just before it started (a command forked an
        instant before the SIGKILL) to a second after it ended (its result not yet in Redis)."""
        return any(started - 0.5 * SCALE <= k <= ended + 1.0 * SCALE for k in kills.get(pid, []))

    if ORDERED:
        order_violations = ordering.violations(lines, KEYS, lambda pid, started, now: unconfirmed(pid, started, now))
    elif LIMITED:
        order_violations = flow.violations(lines, lambda pid, started, now: unconfirmed(pid, started, now))
    else:
        order_violations = []
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


def main():
    os.makedirs(WORK, exist_ok=True)
    open(RUNS, "w").close()
    processes = Processes()
    try:
        processes.start_redis()
        if LIMITED:
            flow.configure(Redis(REDIS_PORT))
        processes.start_ingress()
        if QUICK:
            accepted.update(quick.queue_backlog(Redis(REDIS_PORT), N, ORDERED))
        for _ in range(WORKERS):
            processes.start_worker()
        ids = ["evt_chaos_%06d" % i for i in range(N)]
        threads = [threading.Thread(target=sender, args=(ids[i::SENDERS],)) for i in range(SENDERS)]
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
        redis = Redis(REDIS_PORT)
        deadline = time.time() + max(120, N / 50)
        while time.time() < deadline:
            pending = redis.call("LLEN", "anima:events")
            scheduled = redis.call("ZCARD", "anima:scheduled")
            workers = [w.decode() for w in redis.call("SMEMBERS", "anima:workers")]
            busy = sum(redis.call("LLEN", "anima:processing:" + w) for w in workers)
            done = sum(1 for reply in redis_pipeline_done(redis) if reply == b"done")
            if pending == 0 and scheduled == 0 and busy == 0 and done >= len(accepted):
                break
            time.sleep(0.5)
        elapsed = time.time() - started
        processes.stop_all()
        processes.start_redis()
        redis = Redis(REDIS_PORT)
        pending = redis.call("LLEN", "anima:events")
        scheduled = redis.call("ZCARD", "anima:scheduled")
        processing = [k for k in (redis.call("KEYS", "anima:processing:*") or []) if redis.call("LLEN", k)]
        dead = redis.call("LLEN", "anima:dead")
        ordered_left = redis.call("KEYS", "anima:ordered:*") or []
        held_left = flow.leftovers(redis)
        not_done = [i for i, reply in zip(sorted(accepted), redis_pipeline_done(redis)) if reply != b"done"]
        records = quick.history(redis) if QUICK else []
        processes.stop_all()
    finally:
        processes.stop_all()

    if QUICK:
        handled, handled_runs, reruns, duplicates, order_violations = quick.analyse(records, KEYS if ORDERED else 0)
    else:
        handled, handled_runs, reruns, duplicates, order_violations = analyse()
    lost = sorted(accepted - handled) + [i for i in not_done if i in handled]
    problems = list(unexpected)
    if pending or scheduled or processing:
        problems.append("left over: pending=%d scheduled=%d processing lists=%d" % (pending, scheduled, len(processing)))
    if ordered_left:
        problems.append("ordered keys left after every event was done: %s" % [k.decode() for k in ordered_left[:5]])
    if held_left:
        problems.append("events left held back after the run: %s" % held_left)
    if dead:
        problems.append("%d dead letters (none expected)" % dead)
    problems += ["the run had no %s: too few events for the schedule of faults" % name for name, count in faults.items() if not count]
    problems += duplicates[:10]
    problems += order_violations[:10]
    problems += ["lost: %s" % i for i in lost[:10]]
    # Sent: through the ingress, and (--quick) queued as the backlog.
    total = N + (quick.backlog_size(N) if QUICK else 0)
    print("chaos figures: sent=%d accepted=%d rejected503=%d handled=%d handler_runs=%d reruns_after_kill=%d "
          "duplicates=%d lost=%d dead=%d worker_kills=%d sigterm=%d redis_restarts=%d redis_pauses=%d seconds=%.1f"
          % (total, len(accepted), rejected503[0], len(handled & accepted), handled_runs, reruns, len(duplicates),
             len(lost), dead, result.get("kills", 0), faults["sigterm"], faults["redis_restarts"],
             faults.get("redis_pauses", 0), elapsed))
    for problem in problems:
        print("problem: " + problem)
    order = (" order_violations=%d" % len(order_violations) if ORDERED else
             " limit_violations=%d" % len(order_violations) if LIMITED else "")
    print("chaos: sent=%d accepted=%d rejected503=%d handled=%d duplicates=%d lost=%d%s seconds=%.0f"
          % (total, len(accepted), rejected503[0], len(handled & accepted), len(duplicates), len(lost), order, elapsed))
    sys.exit(1 if problems or len(accepted) != total else 0)


def redis_pipeline_done(redis):
    """GET anima:event:<id> for every accepted id, in sorted order (pipelined in chunks)."""
    ids = sorted(accepted)
    replies = []
    for start in range(0, len(ids), 500):
        replies += redis.pipeline([("GET", "anima:event:" + i) for i in ids[start:start + 500]])
    return replies


if __name__ == "__main__":
    main()
