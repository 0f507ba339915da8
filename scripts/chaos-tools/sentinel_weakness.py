"""The weakness demo of `scripts/chaos --sentinel` and `--sentinel-weakness` (a topology of its
own): two ingresses, one with ANIMA_MIN_REPLICAS=0 and one with 1. Both replicas are stopped
(SIGSTOP) and their replication connections closed on the master (CLIENT KILL TYPE replica;
without that, loopback TCP buffers would still deliver the stream to a stopped replica once it
resumes), events are sent to both ingresses, the master is killed (SIGKILL) and the replicas
resumed at once, so that Sentinel promotes one of them. Then the acknowledged events that the
new master holds neither pending nor handled are lost:
    weakness: min_replicas=0 acknowledged=200 lost=200
    weakness: min_replicas=1 acknowledged=0 lost=0 (503 for all 16)"""
import json, os, signal, threading, time

from resp import Redis
from common import SCALE, SENDERS, done_marks, logger
from sentinel_senders import join_all, send_all
from sentinel_topology import Apps, Topology

log = logger("chaos-sentinel")


def weakness(count, bin_dir, work):
    """The weakness demo (see above); returns (result lines, problems)."""
    topology = Topology(os.path.join(work, "weakness"))
    apps = Apps(bin_dir, work, topology.url)
    problems, lines = [], []
    try:
        topology.start()
        unsafe = apps.start_ingress(0, "weakness-ingress-0")
        safe = apps.start_ingress(1, "weakness-ingress-1")
        apps.wait_ready(unsafe, 30 * SCALE)
        apps.wait_ready(safe, 30 * SCALE)
        master, replicas = cut_off_replicas(topology)
        results = send_to_both(count, unsafe, safe, problems)
        new = fail_over(topology, master, replicas)
        count_lost(Redis(new), results, lines, problems)
    except Exception as error:  # noqa: BLE001 (reported as a problem)
        problems.append("weakness demo: %s: %s" % (type(error).__name__, error))
    finally:
        apps.stop()
        topology.stop()
    return lines, problems


def cut_off_replicas(topology):
    """Stops the replicas and closes their replication connections; returns (master, replicas)."""
    master = topology.master_port()
    replicas = topology.replicas_of(master)
    for port in replicas:
        topology.nodes[port].send_signal(signal.SIGSTOP)
    Redis(master).call("CLIENT", "KILL", "TYPE", "replica")
    log("weakness: replicas %s stopped and cut off from the master %d" % (replicas, master))
    return master, replicas


def send_to_both(count, unsafe, safe, problems):
    """`count` events to the ingress with ANIMA_MIN_REPLICAS=0 (3 tries each), SENDERS to the one
    with 1 (one try each); returns {min_replicas: (ids, sender state)}."""
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
    return results


def fail_over(topology, master, replicas):
    """Kills the master, resumes the replicas; returns the port of the master Sentinel promotes."""
    on_old = Redis(master).call("LLEN", "anima:events")
    killed_at = time.time()
    topology.kill(master)
    for port in replicas:
        topology.nodes[port].send_signal(signal.SIGCONT)
    log("weakness: the old master held %d events; killed it (SIGKILL), resumed the replicas" % on_old)
    new = topology.wait_new_master(master, 60 * SCALE)
    log("weakness: Sentinel names port %d the master, %.1f s after the kill" % (new, time.time() - killed_at))
    return new


def held_ids(redis):
    """The ids of the events the new master holds pending or in flight."""
    held = set()
    keys = ["anima:events"] + [k.decode() for k in redis.call("KEYS", "anima:processing:*") or []]
    for key in keys:
        for raw in redis.call("LRANGE", key, "0", "-1") or []:
            try:
                held.add(json.loads(raw)["id"])
            except (ValueError, KeyError, TypeError):
                pass
    return held


def count_lost(redis, results, lines, problems):
    """Appends a `weakness:` line for each ingress to `lines`: acknowledged events that the new
    master holds neither pending nor handled are lost."""
    held = held_ids(redis)
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
