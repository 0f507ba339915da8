"""What the chaos runs share (chaos.py, chaos_sentinel.py): the log, ports, the runs file, the
recording command handler, signed POSTs to the ingress and the events' done marks."""
import hashlib, hmac, http.client, json, os, socket, sys, time

SECRET = "chaos-secret"
SENDERS = 16
# ANIMA_TEST_TIME_SCALE (default 1; scripts/sanitize sets it) stretches the workers' recovery
# time and the windows and waits that follow from it.
SCALE = max(1.0, float(os.environ.get("ANIMA_TEST_TIME_SCALE", "1")))
T0 = time.time()


def logger(name):
    """A log function: `[NAME SECONDS] message` on standard error, seconds since the run began."""
    def log(message):
        print("[%s %6.1fs] %s" % (name, time.time() - T0, message), file=sys.stderr, flush=True)
    return log


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for_port(port, seconds, name):
    """Returns once something accepts connections on 127.0.0.1:port; raises after `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("%s did not start" % name)


def append_line(path, line):
    """Appends one line with a single write (O_APPEND), as the handlers' `echo >>` do."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, (line + "\n").encode())
    os.close(fd)


def recording_handler(runs, failing=False):
    """The command handler of every chaos worker: appends `start ID WORKER_PID TIME` and
    `end ID WORKER_PID TIME` to `runs`. WORKER_PID is $CHAOS_WORKER (see worker_command), not
    $PPID: a command forked an instant before its worker's SIGKILL starts with init as its parent.
    With `failing`, one in eight of the first two attempts fails instead, at random, and appends
    `fail ID WORKER_PID TIME`."""
    fail = ""
    if failing:
        fail = ('if [ "$ANIMA_EVENT_ATTEMPT" -le 2 ] && [ $(( $(od -An -N1 -tu1 /dev/urandom) %% 8 )) -eq 0 ]; then '
                'echo "fail $ANIMA_EVENT_ID $CHAOS_WORKER $(date +%%s.%%N)" >> %s; exit 1; fi; ' % runs)
    return ('echo "start $ANIMA_EVENT_ID $CHAOS_WORKER $(date +%%s.%%N)" >> %s; cat > /dev/null; %s'
            'echo "end $ANIMA_EVENT_ID $CHAOS_WORKER $(date +%%s.%%N)" >> %s' % (runs, fail, runs))


def worker_env(redis_url, **extra):
    """The environment of a chaos worker: a recovery time that SCALE stretches, quick retries,
    a shutdown grace longer than any handler, 16 slots, notice logging; `extra` on top."""
    return dict(os.environ, REDIS_URL=redis_url, ANIMA_RECOVERY_SECONDS="%g" % (2 * SCALE), ANIMA_RETRY_BASE_SECONDS="0.2",
                ANIMA_RETRY_MAX_SECONDS="2", ANIMA_SHUTDOWN_GRACE_SECONDS="10", ANIMA_WORKER_CONCURRENCY="16",
                ANIMA_LOG_LEVEL="notice", **extra)


def worker_command(bin_dir, runs, failing=False):
    """argv of a worker whose handlers record their runs; its PID is the worker's own (exec)."""
    return ["/bin/sh", "-c", 'CHAOS_WORKER=$$ exec "$0" "$@"',
            os.path.join(bin_dir, "anima-worker"), "--on", "*=" + recording_handler(runs, failing)]


def event_body(event_id, key=None):
    data = {"n": event_id}
    if key is not None:
        data["key"] = key
    return json.dumps({"id": event_id, "type": "resource.created", "data": data}, separators=(",", ":"))


class Poster:
    """One sender's keep-alive connection to the ingress. `post(body)` signs the body now and
    returns the HTTP status, or None after a connection error (the next call reconnects)."""

    def __init__(self, port, secret, timeout=10):
        self.port = port
        self.secret = secret
        self.timeout = timeout
        self.connection = None

    def post(self, body):
        ts = str(int(time.time()))
        sig = hmac.new(self.secret.encode(), (ts + "." + body).encode(), hashlib.sha256).hexdigest()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.connection.request("POST", "/webhooks/anima", body=body,
                                    headers={"x-anima-timestamp": ts, "x-anima-signature": sig,
                                             "content-type": "application/json"})
            response = self.connection.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            self.close()
            return None

    def close(self):
        if self.connection is not None:
            self.connection.close()
        self.connection = None


def done_marks(redis, ids):
    """GET anima:event:<id> for each id (pipelined in chunks)."""
    replies = []
    for start in range(0, len(ids), 500):
        replies += redis.pipeline([("GET", "anima:event:" + i) for i in ids[start:start + 500]])
    return replies
