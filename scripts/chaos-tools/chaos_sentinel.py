#!/usr/bin/env python3
"""The Sentinel chaos run behind `scripts/chaos --sentinel`: N signed events from 16 concurrent
senders through the real ingress (ANIMA_MIN_REPLICAS=1) into two workers, all of them on
`redis-sentinel://` URLs, while the Redis master is killed (SIGKILL) twice and Sentinel fails
over to a replica each time. Then every accepted event must have been handled, and nothing may
be left over. Afterwards the weakness demo shows what ANIMA_MIN_REPLICAS=1 protects against.

Usage: chaos_sentinel.py N BIN_DIR WORK_DIR             the run, then the weakness demo
       chaos_sentinel.py --weakness N BIN_DIR WORK_DIR  only the weakness demo, N events

Topology (all on 127.0.0.1, free ports): a master and two replicas (AOF on, fsync every second,
equal replica-priority) and three Sentinels (`sentinel monitor anima … 2`, down after 2 s,
failover timeout 5 s). At ~30 % of the accepted events the current master (asked of a Sentinel)
is killed; once a Sentinel names a new master, and at least twice down-after-milliseconds after
the kill, the killed node is restarted as a replica of the new one. At ~70 % the new master is
killed the same way. Every process started here is stopped by PID at the end, also on failure.
A watcher asks the Sentinels for the master every 0.2 s and logs each change; a change that no
kill caused (a Sentinel took a live master for down) is reported as a problem of its own, since
it splits the writes between two masters. Down after 2 s, not 1: a Sentinel pings every second,
and with 1 s one of them took a master it had switched to a second earlier for down, on this
2-core machine under load, and failed over again while the ingress and workers still wrote to it.

How a legitimate re-run is told from a duplicate: every handler run appends
`start ID WORKER_PID TIME` and `end ID WORKER_PID TIME` to one file, and every master kill this
script sends appends `masterkill PORT TIME` just before the signal (the watcher below appends
`masterchange OLD NEW TIME`; neither counts as a run). The runs of one id are taken
in the order they started; a run R2 that follows a run R1 of the same id is a re-run after
failover (`reruns_after_failover=`, at-least-once) when some master kill K falls between their
starts (R1 started before K, R2 after K) and R1 had not ended more than SETTLE seconds before K
(2 s; its outcome, written to the master right after it ended, may not have reached the replica
that was promoted). This covers R2 starting while R1 still runs (the claim R1 held may not have
reached the replica either). Any other second run — with no master kill between the starts, or
of an event whose outcome the master had held for longer than SETTLE before it died — is a
duplicate (`duplicates=`). lost = accepted (HTTP 200) and never handled (no `end` line).

The weakness demo (a topology of its own): two ingresses, one with ANIMA_MIN_REPLICAS=0 and one
with 1. Both replicas are stopped (SIGSTOP) and their replication connections closed on the
master (CLIENT KILL TYPE replica; without that, loopback TCP buffers would still deliver the
stream to a stopped replica once it resumes), events are sent to both ingresses, the master is
killed (SIGKILL) and the replicas resumed at once, so that Sentinel promotes one of them. Then
the acknowledged events that the new master holds neither pending nor handled are lost:
    weakness: min_replicas=0 acknowledged=200 lost=200
    weakness: min_replicas=1 acknowledged=0 lost=0 (503 for all 16)

ANIMA_TEST_TIME_SCALE (default 1) stretches the workers' recovery time, SETTLE and the waits.
"""
import json, os, signal, subprocess, sys, threading, time, urllib.error, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from resp import Redis  # noqa: E402
from common import Poster, append_line, event_body, free_port, wait_for_port, worker_command  # noqa: E402

SECRET = "chaos-secret"
SENDERS = 16
WORKERS = 2
MASTER_NAME = "anima"
DOWN_AFTER_MS = 2000
FAILOVER_TIMEOUT_MS = 5000
SCALE = max(1.0, float(os.environ.get("ANIMA_TEST_TIME_SCALE", "1")))
SETTLE = 2.0 * SCALE
T0 = time.time()


def log(message):
    print("[chaos-sentinel %6.1fs] %s" % (time.time() - T0, message), file=sys.stderr, flush=True)


def wait_until(predicate, seconds, what):
    """Polls `predicate` (errors count as "not yet") until it returns a true value; raises after `seconds`."""
    deadline = time.time() + seconds
    last_error = None
    while time.time() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, RuntimeError) as error:
            last_error = error
        time.sleep(0.1)
    raise RuntimeError("timed out after %g s waiting for %s%s" % (seconds, what, " (%s)" % last_error if last_error else ""))


def stop_process(process, seconds=10):
    """SIGCONT (a stopped process cannot act on SIGTERM), SIGTERM, then SIGKILL after `seconds`; returns the status."""
    if process is None or process.poll() is not None:
        return None if process is None else process.returncode
    for sig in (signal.SIGCONT, signal.SIGTERM):
        try:
            process.send_signal(sig)
        except ProcessLookupError:
            pass
    try:
        return process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(10)


def info_field(port, section, field):
    for line in Redis(port).call("INFO", section).decode().splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return None


class Topology:
    """A master, two replicas and three Sentinels on 127.0.0.1, with their files under `work`."""

    def __init__(self, work):
        self.work = work
        os.makedirs(work, exist_ok=True)
        self.node_ports = [free_port() for _ in range(3)]
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.nodes = {}  # port -> Popen
        self.sentinels = {}  # port -> Popen

    @property
    def url(self):
        return "redis-sentinel://%s/%s" % (",".join("127.0.0.1:%d" % p for p in self.sentinel_ports), MASTER_NAME)

    def start_node(self, port, master_port=None):
        directory = os.path.join(self.work, "node-%d" % port)
        os.makedirs(directory, exist_ok=True)
        argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
                "--appendonly", "yes", "--appendfsync", "everysec", "--replica-priority", "100",
                "--repl-diskless-sync-delay", "0", "--maxmemory-policy", "noeviction"]
        if master_port:
            argv += ["--replicaof", "127.0.0.1", str(master_port)]
        self.nodes[port] = subprocess.Popen(argv, stdout=open(os.path.join(self.work, "node-%d.log" % port), "ab"),
                                            stderr=subprocess.STDOUT)
        wait_for_port(port, 10 * SCALE, "redis-server on port %d" % port)

    def wait_linked(self, port, seconds):
        """Until the replica on `port` has its replication link up (initial sync done)."""
        wait_until(lambda: info_field(port, "replication", "master_link_status") == "up", seconds,
                   "the replica on port %d to sync" % port)

    def start(self):
        master, replicas = self.node_ports[0], self.node_ports[1:]
        self.start_node(master)
        for port in replicas:
            self.start_node(port, master)
        for port in replicas:
            self.wait_linked(port, 30 * SCALE)
        for port in self.sentinel_ports:
            path = os.path.join(self.work, "sentinel-%d.conf" % port)
            with open(path, "w") as f:
                f.write("port %d\nbind 127.0.0.1\ndir %s\n"
                        "sentinel monitor %s 127.0.0.1 %d 2\n"
                        "sentinel down-after-milliseconds %s %d\n"
                        "sentinel failover-timeout %s %d\n"
                        "sentinel parallel-syncs %s 1\n"
                        % (port, self.work, MASTER_NAME, master, MASTER_NAME, DOWN_AFTER_MS,
                           MASTER_NAME, FAILOVER_TIMEOUT_MS, MASTER_NAME))
            self.sentinels[port] = subprocess.Popen(
                ["redis-server", path, "--sentinel"],
                stdout=open(os.path.join(self.work, "sentinel-%d.log" % port), "ab"), stderr=subprocess.STDOUT)
        for port in self.sentinel_ports:
            wait_for_port(port, 10 * SCALE, "sentinel on port %d" % port)

        def sentinels_agree():
            # Each Sentinel knows the master, both replicas and the two other Sentinels
            # (they find each other through hello messages every 2 s).
            for port in self.sentinel_ports:
                fields = Redis(port).call("SENTINEL", "master", MASTER_NAME)
                state = dict(zip([k.decode() for k in fields[::2]], [v.decode() for v in fields[1::2]]))
                if state["flags"] != "master" or int(state["num-slaves"]) < 2 or int(state["num-other-sentinels"]) < 2:
                    return False
            return True

        wait_until(sentinels_agree, 30 * SCALE, "the Sentinels to see the master, 2 replicas and each other")

    def master_port(self):
        """The master's port as the first Sentinel that answers names it, or None."""
        for port in self.sentinel_ports:
            try:
                reply = Redis(port).call("SENTINEL", "get-master-addr-by-name", MASTER_NAME)
            except (OSError, RuntimeError):
                continue
            if reply:
                return int(reply[1])
        return None

    def replicas_of(self, master):
        return [p for p in self.node_ports if p != master and p in self.nodes and self.nodes[p].poll() is None]

    def kill(self, port):
        self.nodes[port].send_signal(signal.SIGKILL)
        self.nodes[port].wait(10)

    def wait_new_master(self, old, seconds):
        """Until a Sentinel names a master other than `old` and that node's ROLE says master."""
        def promoted():
            port = self.master_port()
            if port and port != old and Redis(port).call("ROLE")[0] == b"master":
                return port
            return None
        return wait_until(promoted, seconds, "a Sentinel to name a new master instead of port %d" % old)

    def stop(self):
        for process in list(self.sentinels.values()) + list(self.nodes.values()):
            stop_process(process)


class Apps:
    """The ingress(es) and workers, on the Sentinel URL."""

    def __init__(self, bin_dir, work, url, runs=None):
        self.bin_dir, self.work, self.url, self.runs = bin_dir, work, url, runs
        self.ingresses = []  # (port, Popen)
        self.workers = []

    def start_ingress(self, min_replicas, name="ingress"):
        port = free_port()
        env = dict(os.environ, ANIMA_WEBHOOK_SECRET=SECRET, PORT=str(port), REDIS_URL=self.url,
                   ANIMA_MIN_REPLICAS=str(min_replicas), ANIMA_LOG_LEVEL="notice")
        process = subprocess.Popen([os.path.join(self.bin_dir, "anima-ingress")], env=env, stdout=subprocess.DEVNULL,
                                   stderr=open(os.path.join(self.work, "%s.log" % name), "ab"))
        self.ingresses.append((port, process))
        wait_for_port(port, 30 * SCALE, "anima-ingress")
        return port

    def wait_ready(self, port, seconds):
        """Until the ingress's /readyz answers 200 (a master is known, enough replicas)."""
        def ready():
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/readyz" % port, timeout=2) as response:
                    return response.status == 200
            except urllib.error.HTTPError:
                return False
        wait_until(ready, seconds, "the ingress on port %d to be ready" % port)

    def start_worker(self):
        env = dict(os.environ, REDIS_URL=self.url, ANIMA_RECOVERY_SECONDS="%g" % (2 * SCALE), ANIMA_RETRY_BASE_SECONDS="0.2",
                   ANIMA_RETRY_MAX_SECONDS="2", ANIMA_SHUTDOWN_GRACE_SECONDS="10", ANIMA_WORKER_CONCURRENCY="16",
                   ANIMA_LOG_LEVEL="notice")
        worker = subprocess.Popen(worker_command(self.bin_dir, self.runs), env=env, stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(self.work, "worker-%d.log" % (len(self.workers) + 1)), "ab"))
        self.workers.append(worker)

    def exited(self):
        """Descriptions of the processes that exited by themselves."""
        return ["%s %d exited with %s" % (name, p.pid, p.returncode)
                for name, p in [("ingress", p) for _, p in self.ingresses] + [("worker", w) for w in self.workers]
                if p.poll() is not None]

    def stop_workers(self):
        """SIGTERM, as in a deploy; returns the descriptions of unclean exits."""
        bad = []
        for worker in self.workers:
            status = stop_process(worker, 30)
            if status != 0:
                bad.append("worker %d exited %s after SIGTERM" % (worker.pid, status))
        return bad

    def stop(self):
        self.stop_workers()
        for _, process in self.ingresses:
            stop_process(process)


def analyse(runs):
    """Counts handled ids, re-runs after failover and duplicates from the runs file (see the docstring)."""
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


def send_all(port, ids, pace, state, give_up, max_tries=None):
    """Starts 16 senders; each retries an event on 503 or a connection error (as Anima does)
    until it gets another answer, until `give_up` is set, or after `max_tries` attempts. Fills
    state's accepted/rejected503/unexpected. Returns the threads (see join_all)."""
    lock = threading.Lock()

    def sender(my_ids):
        poster = Poster(port, SECRET)
        for event_id in my_ids:
            time.sleep(pace)
            body = event_body(event_id)
            tries = 0
            while not give_up.is_set() and (max_tries is None or tries < max_tries):
                status = poster.post(body)
                tries += 1
                if status is None:
                    time.sleep(0.05)
                    continue
                if status == 200:
                    with lock:
                        state["accepted"].add(event_id)
                    break
                with lock:
                    if status == 503:
                        state["rejected503"] += 1
                    else:
                        state["unexpected"].append("HTTP %d for %s" % (status, event_id))
                if status != 503:
                    break
                time.sleep(0.2)
        poster.close()

    threads = [threading.Thread(target=sender, args=(ids[i::SENDERS],), daemon=True) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    return threads


def join_all(threads, seconds, give_up):
    """Joins the senders within `seconds`; then sets `give_up` and allows 15 s more (a sender
    stops once its request in flight ends: at most the client timeout, 10 s). True if all ended."""
    deadline = time.time() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.time()))
    if not any(thread.is_alive() for thread in threads):
        return True
    give_up.set()
    deadline = time.time() + 15
    for thread in threads:
        thread.join(max(0.0, deadline - time.time()))
    return False


def done_marks(redis, ids):
    """GET anima:event:<id> for each id (pipelined in chunks)."""
    replies = []
    for start in range(0, len(ids), 500):
        replies += redis.pipeline([("GET", "anima:event:" + i) for i in ids[start:start + 500]])
    return replies


def main_run(n, bin_dir, work):
    """The failover run; returns (figures line, problems, final line, ok)."""
    runs = os.path.join(work, "runs.log")
    open(runs, "w").close()
    topology = Topology(os.path.join(work, "redis"))
    apps = Apps(bin_dir, work, topology.url, runs)
    state = {"accepted": set(), "rejected503": 0, "unexpected": []}
    problems = []
    failover_seconds = []
    give_up, done_sending, watch_done = threading.Event(), threading.Event(), threading.Event()
    left = {"pending": 0, "scheduled": 0, "processing": 0, "dead": 0, "not_done": []}
    started, elapsed = time.time(), None
    try:
        topology.start()
        log("master %d, replicas %s, Sentinels %s" % (topology.node_ports[0], topology.node_ports[1:], topology.sentinel_ports))
        ingress = apps.start_ingress(1)
        for _ in range(WORKERS):
            apps.start_worker()
        try:
            apps.wait_ready(ingress, 30 * SCALE)
        except RuntimeError as error:
            problems.append(str(error))
        ids = ["evt_sentinel_%06d" % i for i in range(n)]
        # The sending lasts at least ~20 s: room for two failovers (a few seconds each).
        pace = 20.0 * SENDERS / n
        started = time.time()
        senders = send_all(ingress, ids, pace, state, give_up)
        killed_ports = []

        def failovers():
            try:
                for threshold in (0.3, 0.7):
                    while len(state["accepted"]) < threshold * n:
                        if done_sending.is_set():
                            problems.append("sending ended before %d %% of the events: too few events for the "
                                            "schedule of master kills" % (threshold * 100))
                            return
                        time.sleep(0.05)
                    old = topology.master_port()
                    killed_ports.append(old)
                    killed_at = time.time()
                    append_line(runs, "masterkill %d %.6f" % (old, killed_at))
                    topology.kill(old)
                    log("killed the master on port %d (SIGKILL) at %d accepted" % (old, len(state["accepted"])))
                    new = topology.wait_new_master(old, 60 * SCALE)
                    failover_seconds.append(time.time() - killed_at)
                    log("Sentinel names port %d the master, %.1f s after the kill" % (new, failover_seconds[-1]))
                    time.sleep(max(0.0, killed_at + 2 * DOWN_AFTER_MS / 1000.0 - time.time()))
                    topology.start_node(old, new)
                    topology.wait_linked(old, 30 * SCALE)
                    log("restarted port %d as a replica of %d" % (old, new))
            except Exception as error:  # noqa: BLE001 (reported as a problem; the senders give up)
                problems.append("failover schedule: %s" % error)
                give_up.set()

        def watch(master):
            """Logs every change of master that a Sentinel reports; one without a kill is a problem."""
            while not watch_done.is_set():
                time.sleep(0.2)
                port = topology.master_port()
                if port is None or port == master:
                    continue
                append_line(runs, "masterchange %d %d %.6f" % (master, port, time.time()))
                if master not in killed_ports:
                    problems.append("unplanned failover: the Sentinels switched from port %d, which was not killed, "
                                    "to %d at %.3f (see redis/sentinel-*.log)" % (master, port, time.time()))
                    log("unplanned failover from port %d to %d" % (master, port))
                master = port

        monkey = threading.Thread(target=failovers, daemon=True)
        watcher = threading.Thread(target=watch, args=(topology.master_port(),), daemon=True)
        watcher.start()
        monkey.start()
        if not join_all(senders, max(180.0, n / 10.0) * SCALE, give_up):
            problems.append("the senders had not finished after %.0f s" % (time.time() - started))
        done_sending.set()
        monkey.join()
        log("all %d events sent (%d accepted); waiting for the queue to drain" % (n, len(state["accepted"])))

        accepted = sorted(state["accepted"])

        seen = {}

        def drained():
            master = topology.master_port()
            if master is None:
                return False
            redis = Redis(master)
            handled = analyse(runs)[0]
            seen.update(master=master, pending=redis.call("LLEN", "anima:events"),
                        scheduled=redis.call("ZCARD", "anima:scheduled"),
                        in_flight=sum(redis.call("LLEN", key) for key in redis.call("KEYS", "anima:processing:*") or []),
                        unhandled=sum(1 for i in accepted if i not in handled),
                        no_done_mark=sum(1 for reply in done_marks(redis, accepted) if reply is None))
            return not any(value for key, value in seen.items() if key != "master")

        try:
            wait_until(drained, max(120.0, n / 50.0) * SCALE, "the queue to drain")
        except RuntimeError as error:
            problems.append("%s; last seen: %s" % (error, " ".join("%s=%s" % item for item in seen.items())))
        elapsed = time.time() - started
        watch_done.set()
        problems += apps.exited()
        problems += apps.stop_workers()
        master = topology.master_port()
        redis = Redis(master)
        left["pending"] = redis.call("LLEN", "anima:events")
        left["scheduled"] = redis.call("ZCARD", "anima:scheduled")
        left["processing"] = sum(1 for key in redis.call("KEYS", "anima:processing:*") or [] if redis.call("LLEN", key))
        left["dead"] = redis.call("LLEN", "anima:dead")
        left["not_done"] = [i for i, reply in zip(accepted, done_marks(redis, accepted)) if reply is None]
    except Exception as error:  # noqa: BLE001 (reported as a problem, after everything is stopped)
        problems.append("run: %s: %s" % (type(error).__name__, error))
    finally:
        if elapsed is None:
            elapsed = time.time() - started
        give_up.set()
        watch_done.set()
        apps.stop()
        topology.stop()

    handled, handler_runs, reruns, duplicates = analyse(runs)
    accepted = state["accepted"]
    lost = sorted(accepted - handled)
    problems += state["unexpected"][:10]
    if left["pending"] or left["scheduled"] or left["processing"]:
        problems.append("left over on the master: pending=%d scheduled=%d processing lists=%d"
                        % (left["pending"], left["scheduled"], left["processing"]))
    if left["dead"]:
        problems.append("%d dead letters (none expected)" % left["dead"])
    problems += ["handled but no done mark on the master: %s" % i for i in left["not_done"][:10]]
    if len(failover_seconds) < 2:
        problems.append("only %d of 2 master kills were followed by a failover" % len(failover_seconds))
    problems += duplicates[:10]
    problems += ["lost: %s" % i for i in lost[:10]]
    figures = ("sentinel figures: sent=%d accepted=%d rejected503=%d handled=%d handler_runs=%d reruns_after_failover=%d "
               "duplicates=%d lost=%d not_done=%d dead=%d master_kills=%d failover_seconds=%s seconds=%.1f"
               % (n, len(accepted), state["rejected503"], len(handled & accepted), handler_runs, reruns, len(duplicates),
                  len(lost), len(left["not_done"]), left["dead"], len(failover_seconds),
                  ",".join("%.1f" % s for s in failover_seconds) or "-", elapsed))
    final = ("chaos: sent=%d accepted=%d rejected503=%d handled=%d duplicates=%d lost=%d seconds=%.0f"
             % (n, len(accepted), state["rejected503"], len(handled & accepted), len(duplicates), len(lost), elapsed))
    return figures, problems, final, not problems and len(accepted) == n


def weakness(count, bin_dir, work):
    """The weakness demo (see the docstring); returns (result lines, problems)."""
    topology = Topology(os.path.join(work, "weakness"))
    apps = Apps(bin_dir, work, topology.url)
    problems, lines = [], []
    try:
        topology.start()
        unsafe = apps.start_ingress(0, "weakness-ingress-0")
        safe = apps.start_ingress(1, "weakness-ingress-1")
        apps.wait_ready(unsafe, 30 * SCALE)
        apps.wait_ready(safe, 30 * SCALE)
        master = topology.master_port()
        replicas = topology.replicas_of(master)
        for port in replicas:
            topology.nodes[port].send_signal(signal.SIGSTOP)
        Redis(master).call("CLIENT", "KILL", "TYPE", "replica")
        log("weakness: replicas %s stopped and cut off from the master %d" % (replicas, master))
        results = {}
        for min_replicas, port, ids, tries in ((0, unsafe, ["evt_weak0_%05d" % i for i in range(count)], 3),
                                               (1, safe, ["evt_weak1_%05d" % i for i in range(SENDERS)], 1)):
            state = {"accepted": set(), "rejected503": 0, "unexpected": []}
            give_up = threading.Event()
            threads = send_all(port, ids, 0.0, state, give_up, max_tries=tries)
            if not join_all(threads, 60 * SCALE, give_up):
                problems.append("weakness demo: the senders to the ingress with ANIMA_MIN_REPLICAS=%d had not "
                                "finished after %g s" % (min_replicas, 60 * SCALE))
            problems += state["unexpected"][:10]
            results[min_replicas] = (ids, state)
        on_old = Redis(master).call("LLEN", "anima:events")
        killed_at = time.time()
        topology.kill(master)
        for port in replicas:
            topology.nodes[port].send_signal(signal.SIGCONT)
        log("weakness: the old master held %d events; killed it (SIGKILL), resumed the replicas" % on_old)
        new = topology.wait_new_master(master, 60 * SCALE)
        log("weakness: Sentinel names port %d the master, %.1f s after the kill" % (new, time.time() - killed_at))
        redis = Redis(new)
        held = set()
        keys = ["anima:events"] + [k.decode() for k in redis.call("KEYS", "anima:processing:*") or []]
        for key in keys:
            for raw in redis.call("LRANGE", key, "0", "-1") or []:
                try:
                    held.add(json.loads(raw)["id"])
                except (ValueError, KeyError, TypeError):
                    pass
        for min_replicas in (0, 1):
            ids, state = results[min_replicas]
            acknowledged = sorted(state["accepted"])
            marks = done_marks(redis, acknowledged)
            lost = [i for i, mark in zip(acknowledged, marks) if i not in held and mark is None]
            line = "weakness: min_replicas=%d acknowledged=%d lost=%d" % (min_replicas, len(acknowledged), len(lost))
            if min_replicas == 1:
                line += " (503 for %d of %d)" % (len(ids) - len(acknowledged), len(ids))
                if lost:
                    problems.append("with ANIMA_MIN_REPLICAS=1 acknowledged events were lost: %s" % ", ".join(lost[:10]))
            lines.append(line)
    except Exception as error:  # noqa: BLE001 (reported as a problem)
        problems.append("weakness demo: %s: %s" % (type(error).__name__, error))
    finally:
        apps.stop()
        topology.stop()
    return lines, problems


def main():
    # SIGTERM (a timeout, Ctrl-C's cousin) unwinds through the finally blocks that stop every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = sys.argv[1:]
    only_weakness = args[:1] == ["--weakness"]
    if only_weakness:
        args = args[1:]
    n, bin_dir, work = int(args[0]), args[1], args[2]
    os.makedirs(work, exist_ok=True)
    if only_weakness:
        lines, problems = weakness(n, bin_dir, work)
        for problem in problems:
            print("problem: " + problem)
        for line in lines:
            print(line)
        sys.exit(1 if problems or not lines else 0)
    figures, problems, final, ok = main_run(n, bin_dir, work)
    lines, weakness_problems = weakness(200, bin_dir, work)
    print(figures)
    for problem in problems + weakness_problems:
        print("problem: " + problem)
    for line in lines:
        print(line)
    print(final)
    sys.exit(0 if ok and not weakness_problems else 1)


if __name__ == "__main__":
    main()
