"""The senders of the Sentinel chaos runs (chaos_sentinel.py, sentinel_weakness.py): SENDERS
threads that post signed events to an ingress, each retrying on 503 or a connection error."""
import threading, time

from common import SECRET, SENDERS, Poster, event_body


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
