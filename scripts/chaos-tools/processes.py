"""The processes of the chaos run (chaos.py): Redis (AOF on), the ingress and the workers, on
free ports of 127.0.0.1, with their logs in the work directory. Every SIGKILL sent to a worker
appends `kill WORKER_PID TIME` to the runs file first (see reruns.py).

With `scripts/chaos --tls`, `tls_dir` is the directory of ca.crt, server.crt, server.key
(lib.sh's make_tls_certs). Redis then also listens with TLS, and the ingress and workers use
rediss:// (the run's own look-ups keep the plain port, `redis_port`)."""
import os, signal, subprocess, time

from common import SECRET, append_line, free_port, wait_for_port, worker_env


class Processes:
    def __init__(self, bin_dir, work, runs, tls_dir, worker_command, worker_env):
        """`worker_command`: a worker's argv; `worker_env`: what the run adds to its environment."""
        self.bin_dir, self.work, self.runs = bin_dir, work, runs
        self.worker_command, self.worker_env = worker_command, worker_env
        self.redis_port = free_port()
        self.ingress_port = free_port()
        self.redis_url = "redis://127.0.0.1:%d/0" % self.redis_port
        self.tls_dir = tls_dir
        self.tls_env = {}
        if tls_dir:
            self.tls_port = free_port()
            self.redis_url = "rediss://127.0.0.1:%d/0" % self.tls_port
            self.tls_env = {"ANIMA_REDIS_TLS_CA_FILE": os.path.join(tls_dir, "ca.crt")}
        self.redis = None
        self.ingress = None
        self.workers = {}  # pid -> Popen
        self.serial = 0

    def tls_arguments(self):
        if not self.tls_dir:
            return []
        return ["--tls-port", str(self.tls_port), "--tls-cert-file", os.path.join(self.tls_dir, "server.crt"),
                "--tls-key-file", os.path.join(self.tls_dir, "server.key"),
                "--tls-ca-cert-file", os.path.join(self.tls_dir, "ca.crt"), "--tls-auth-clients", "no"]

    def start_redis(self):
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", self.work, "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction"] + self.tls_arguments(),
            stdout=open(os.path.join(self.work, "redis.log"), "ab"), stderr=subprocess.STDOUT)
        wait_for_port(self.redis_port, 10, "redis-server")

    def start_ingress(self):
        env = dict(os.environ, ANIMA_WEBHOOK_SECRET=SECRET, PORT=str(self.ingress_port), REDIS_URL=self.redis_url,
                   ANIMA_LOG_LEVEL="warning", **self.tls_env)
        self.ingress = subprocess.Popen([os.path.join(self.bin_dir, "anima-ingress")], env=env,
                                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "ingress.log"), "ab"))
        wait_for_port(self.ingress_port, 20, "anima-ingress")

    def start_worker(self):
        self.serial += 1
        env = worker_env(self.redis_url, **self.tls_env)
        env.update(self.worker_env)
        worker = subprocess.Popen(self.worker_command, env=env,
                                  stdout=subprocess.DEVNULL,
                                  stderr=open(os.path.join(self.work, "worker-%d.log" % self.serial), "ab"))
        worker.started = time.monotonic()
        self.workers[worker.pid] = worker
        return worker

    def age(self, pid):
        """Seconds since the worker was started."""
        return time.monotonic() - self.workers[pid].started

    def kill_worker(self, pid):
        append_line(self.runs, "kill %d %.6f" % (pid, time.time()))
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
