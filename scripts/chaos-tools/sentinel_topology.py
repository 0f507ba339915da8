"""The processes of the Sentinel chaos runs (chaos_sentinel.py, sentinel_weakness.py): a Redis
topology with Sentinels, and the ingresses and workers on its `redis-sentinel://` URL. Every
process started here is stopped by PID (`stop`), also on failure.

Topology (all on 127.0.0.1, free ports): a master and two replicas (AOF on, fsync every second,
equal replica-priority) and three Sentinels (`sentinel monitor anima … 2`, down after 2 s,
failover timeout 5 s). Down after 2 s, not 1: a Sentinel pings every second, and with 1 s one of
them took a master it had switched to a second earlier for down, on this 2-core machine under
load, and failed over again while the ingress and workers still wrote to it."""
import os, signal, subprocess, time, urllib.error, urllib.request

from resp import Redis
from common import SCALE, SECRET, free_port, wait_for_port, worker_command, worker_env

MASTER_NAME = "anima"
DOWN_AFTER_MS = 2000
FAILOVER_TIMEOUT_MS = 5000


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
        env = worker_env(self.url)
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
