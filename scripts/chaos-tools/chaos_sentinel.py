#!/usr/bin/env python3
"""The Sentinel chaos run behind `scripts/chaos --sentinel`: N signed events from 16 concurrent
senders through the real ingress (ANIMA_MIN_REPLICAS=1) into two workers, all of them on
`redis-sentinel://` URLs, while the Redis master is killed (SIGKILL) twice and Sentinel fails
over to a replica each time. Then every accepted event must have been handled, and nothing may
be left over. Afterwards the weakness demo (sentinel_weakness.py) shows what
ANIMA_MIN_REPLICAS=1 protects against.

Usage: chaos_sentinel.py N BIN_DIR WORK_DIR             the run, then the weakness demo
       chaos_sentinel.py --weakness N BIN_DIR WORK_DIR  only the weakness demo, N events

The topology (a master, two replicas and three Sentinels) and the ingress and workers on it are
sentinel_topology.py's. At ~30 % of the accepted events the current master (asked of a Sentinel)
is killed; once a Sentinel names a new master, and at least twice down-after-milliseconds after
the kill, the killed node is restarted as a replica of the new one. At ~70 % the new master is
killed the same way. Every process started here is stopped by PID at the end, also on failure.
A watcher asks the Sentinels for the master every 0.2 s and logs each change; a change that no
kill caused (a Sentinel took a live master for down) is reported as a problem of its own, since
it splits the writes between two masters (why Sentinels take a master for down after 2 s, not 1:
see sentinel_topology.py).

How a legitimate re-run is told from a duplicate, and what is lost: see sentinel_reruns.py.

ANIMA_TEST_TIME_SCALE (default 1) stretches the workers' recovery time, SETTLE and the waits.
"""
import os, signal, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from resp import Redis  # noqa: E402
from common import SCALE, SENDERS, append_line, done_marks, logger  # noqa: E402
from sentinel_reruns import analyse  # noqa: E402
from sentinel_senders import join_all, send_all  # noqa: E402
from sentinel_topology import DOWN_AFTER_MS, Apps, Topology, wait_until  # noqa: E402
from sentinel_weakness import weakness  # noqa: E402

WORKERS = 2
log = logger("chaos-sentinel")


class FailoverRun:
    """The failover run: `run()` starts the topology and the apps, sends while the master is
    killed twice, waits for the queue to drain, reads what is left on the master, stops every
    process and returns (figures line, problems, final line, ok)."""

    def __init__(self, n, bin_dir, work):
        self.n = n
        self.runs = os.path.join(work, "runs.log")
        open(self.runs, "w").close()
        self.topology = Topology(os.path.join(work, "redis"))
        self.apps = Apps(bin_dir, work, self.topology.url, self.runs)
        self.state = {"accepted": set(), "rejected503": 0, "unexpected": []}
        self.problems = []
        self.failover_seconds = []
        self.killed_ports = []
        self.give_up, self.done_sending, self.watch_done = threading.Event(), threading.Event(), threading.Event()
        self.left = {"pending": 0, "scheduled": 0, "processing": 0, "dead": 0, "not_done": []}
        self.started, self.elapsed = time.time(), None

    def run(self):
        try:
            ingress = self.start()
            self.send_while_failing_over(ingress)
            accepted = sorted(self.state["accepted"])
            self.drain(accepted)
            self.read_leftovers(accepted)
        except Exception as error:  # noqa: BLE001 (reported as a problem, after everything is stopped)
            self.problems.append("run: %s: %s" % (type(error).__name__, error))
        finally:
            if self.elapsed is None:
                self.elapsed = time.time() - self.started
            self.give_up.set()
            self.watch_done.set()
            self.apps.stop()
            self.topology.stop()
        return self.report()

    def start(self):
        """The topology, an ingress with ANIMA_MIN_REPLICAS=1 and the workers; returns the ingress's port."""
        topology = self.topology
        topology.start()
        log("master %d, replicas %s, Sentinels %s" % (topology.node_ports[0], topology.node_ports[1:], topology.sentinel_ports))
        ingress = self.apps.start_ingress(1)
        for _ in range(WORKERS):
            self.apps.start_worker()
        try:
            self.apps.wait_ready(ingress, 30 * SCALE)
        except RuntimeError as error:
            self.problems.append(str(error))
        return ingress

    def send_while_failing_over(self, ingress):
        """Sends the N events while `failovers` kills the master twice and `watch` follows the Sentinels."""
        ids = ["evt_sentinel_%06d" % i for i in range(self.n)]
        # The sending lasts at least ~20 s: room for two failovers (a few seconds each).
        pace = 20.0 * SENDERS / self.n
        self.started = time.time()
        senders = send_all(ingress, ids, pace, self.state, self.give_up)
        monkey = threading.Thread(target=self.failovers, daemon=True)
        watcher = threading.Thread(target=self.watch, args=(self.topology.master_port(),), daemon=True)
        watcher.start()
        monkey.start()
        if not join_all(senders, max(180.0, self.n / 10.0) * SCALE, self.give_up):
            self.problems.append("the senders had not finished after %.0f s" % (time.time() - self.started))
        self.done_sending.set()
        monkey.join()
        log("all %d events sent (%d accepted); waiting for the queue to drain" % (self.n, len(self.state["accepted"])))

    def failovers(self):
        """Kills the master at 30 % and at 70 % of the events, and restarts it as a replica of the new one."""
        topology = self.topology
        try:
            for threshold in (0.3, 0.7):
                while len(self.state["accepted"]) < threshold * self.n:
                    if self.done_sending.is_set():
                        self.problems.append("sending ended before %d %% of the events: too few events for the "
                                             "schedule of master kills" % (threshold * 100))
                        return
                    time.sleep(0.05)
                old = topology.master_port()
                self.killed_ports.append(old)
                killed_at = time.time()
                append_line(self.runs, "masterkill %d %.6f" % (old, killed_at))
                topology.kill(old)
                log("killed the master on port %d (SIGKILL) at %d accepted" % (old, len(self.state["accepted"])))
                new = topology.wait_new_master(old, 60 * SCALE)
                self.failover_seconds.append(time.time() - killed_at)
                log("Sentinel names port %d the master, %.1f s after the kill" % (new, self.failover_seconds[-1]))
                time.sleep(max(0.0, killed_at + 2 * DOWN_AFTER_MS / 1000.0 - time.time()))
                topology.start_node(old, new)
                topology.wait_linked(old, 30 * SCALE)
                log("restarted port %d as a replica of %d" % (old, new))
        except Exception as error:  # noqa: BLE001 (reported as a problem; the senders give up)
            self.problems.append("failover schedule: %s" % error)
            self.give_up.set()

    def watch(self, master):
        """Logs every change of master that a Sentinel reports; one without a kill is a problem."""
        while not self.watch_done.is_set():
            time.sleep(0.2)
            port = self.topology.master_port()
            if port is None or port == master:
                continue
            append_line(self.runs, "masterchange %d %d %.6f" % (master, port, time.time()))
            if master not in self.killed_ports:
                self.problems.append("unplanned failover: the Sentinels switched from port %d, which was not killed, "
                                     "to %d at %.3f (see redis/sentinel-*.log)" % (master, port, time.time()))
                log("unplanned failover from port %d to %d" % (master, port))
            master = port

    def drain(self, accepted):
        """Until the master has nothing pending, scheduled or in flight, and every accepted event
        is handled and done (a problem after the deadline)."""
        seen = {}

        def drained():
            master = self.topology.master_port()
            if master is None:
                return False
            redis = Redis(master)
            handled = analyse(self.runs)[0]
            seen.update(master=master, pending=redis.call("LLEN", "anima:events"),
                        scheduled=redis.call("ZCARD", "anima:scheduled"),
                        in_flight=sum(redis.call("LLEN", key) for key in redis.call("KEYS", "anima:processing:*") or []),
                        unhandled=sum(1 for i in accepted if i not in handled),
                        no_done_mark=sum(1 for reply in done_marks(redis, accepted) if reply is None))
            return not any(value for key, value in seen.items() if key != "master")

        try:
            wait_until(drained, max(120.0, self.n / 50.0) * SCALE, "the queue to drain")
        except RuntimeError as error:
            self.problems.append("%s; last seen: %s" % (error, " ".join("%s=%s" % item for item in seen.items())))
        self.elapsed = time.time() - self.started

    def read_leftovers(self, accepted):
        """Stops the workers (SIGTERM, as in a deploy), then reads what is left on the master."""
        self.watch_done.set()
        self.problems += self.apps.exited()
        self.problems += self.apps.stop_workers()
        redis = Redis(self.topology.master_port())
        self.left["pending"] = redis.call("LLEN", "anima:events")
        self.left["scheduled"] = redis.call("ZCARD", "anima:scheduled")
        self.left["processing"] = sum(1 for key in redis.call("KEYS", "anima:processing:*") or [] if redis.call("LLEN", key))
        self.left["dead"] = redis.call("LLEN", "anima:dead")
        self.left["not_done"] = [i for i, reply in zip(accepted, done_marks(redis, accepted)) if reply is None]

    def report(self):
        """(figures line, problems, final line, ok) from the runs file and what was left."""
        handled, handler_runs, reruns, duplicates = analyse(self.runs)
        accepted, left, problems, n = self.state["accepted"], self.left, self.problems, self.n
        lost = sorted(accepted - handled)
        problems += self.state["unexpected"][:10]
        if left["pending"] or left["scheduled"] or left["processing"]:
            problems.append("left over on the master: pending=%d scheduled=%d processing lists=%d"
                            % (left["pending"], left["scheduled"], left["processing"]))
        if left["dead"]:
            problems.append("%d dead letters (none expected)" % left["dead"])
        problems += ["handled but no done mark on the master: %s" % i for i in left["not_done"][:10]]
        if len(self.failover_seconds) < 2:
            problems.append("only %d of 2 master kills were followed by a failover" % len(self.failover_seconds))
        problems += duplicates[:10]
        problems += ["lost: %s" % i for i in lost[:10]]
        figures = ("sentinel figures: sent=%d accepted=%d rejected503=%d handled=%d handler_runs=%d reruns_after_failover=%d "
                   "duplicates=%d lost=%d not_done=%d dead=%d master_kills=%d failover_seconds=%s seconds=%.1f"
                   % (n, len(accepted), self.state["rejected503"], len(handled & accepted), handler_runs, reruns,
                      len(duplicates), len(lost), len(left["not_done"]), left["dead"], len(self.failover_seconds),
                      ",".join("%.1f" % s for s in self.failover_seconds) or "-", self.elapsed))
        final = ("chaos: sent=%d accepted=%d rejected503=%d handled=%d duplicates=%d lost=%d seconds=%.0f"
                 % (n, len(accepted), self.state["rejected503"], len(handled & accepted), len(duplicates), len(lost),
                    self.elapsed))
        return figures, problems, final, not problems and len(accepted) == n


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
    figures, problems, final, ok = FailoverRun(n, bin_dir, work).run()
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
