#!/usr/bin/env python3
"""Drives the real dashboard in headless Chromium (Debian's chromium + chromium-driver, Selenium
from PyPI) against a real anima-admin dashboard, a real anima-worker and a throwaway
redis-server, all on 127.0.0.1, each started and stopped by PID.

The story: events of type invoice.paid fail in the worker (its handler needs a marker file) and
become dead letters; in the browser the operator opens the overview, filters the dead letters,
opens one, fixes the cause (creates the marker), replays it, and sees the running worker handle
it: the event's state turns `done` and the overview's dead count drops by itself (live refresh).
Then they limit a type from the overview's "Flow control" form and see it listed there.

Usage: dashboard_test.py [--bin-dir DIR] [--screenshots DIR]
Prints 'N passed, N failed' last; exit status 0 only when every step passed.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, timeout=20.0, interval=0.1):
    """Polls condition() until true, at most `timeout` seconds; raises with `what` otherwise."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception as error:  # a page still loading, an element not there yet
            last_error = error
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


class Stack:
    """redis-server, anima-worker and anima-admin dashboard, started and stopped by PID."""

    def __init__(self, bin_dir):
        self.bin_dir = bin_dir
        self.dir = tempfile.mkdtemp(prefix="anima-browser-")
        self.processes = []
        self.redis_port = free_port()
        self.dashboard_port = free_port()
        self.marker = os.path.join(self.dir, "fixed")

    def start(self, name, argv, env=None):
        log = open(os.path.join(self.dir, name + ".log"), "wb")
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.processes.append((name, process))
        return process

    def redis(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.redis_port), *args], check=True, capture_output=True, timeout=10)
        return out.stdout.decode().strip()

    def up(self):
        self.start("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", self.dir])
        wait_for("redis-server", lambda: self.redis("PING") == "PONG", timeout=10)
        env = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0", ANIMA_LOG_LEVEL="info")
        worker_env = dict(env, ANIMA_MAX_ATTEMPTS="1", ANIMA_WORKER_ID="w-browser", ANIMA_METRICS_PORT=str(free_port()))
        self.start("worker", [os.path.join(self.bin_dir, "anima-worker"), "--on", f"invoice.paid=test -f {self.marker}", "--on", "*=builtin:ack"], worker_env)
        dashboard_env = dict(env, ANIMA_DASHBOARD_PORT=str(self.dashboard_port))
        self.start("dashboard", [os.path.join(self.bin_dir, "anima-admin"), "dashboard"], dashboard_env)
        wait_for("the worker to register", lambda: "w-browser" in self.redis("SMEMBERS", "anima:workers"), timeout=30)
        wait_for("the dashboard to answer", lambda: urllib.request.urlopen(self.url("/api/stats"), timeout=2).status == 200, timeout=30)

    def url(self, path):
        return f"http://127.0.0.1:{self.dashboard_port}{path}"

    def down(self):
        for name, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self):
        for name, _ in self.processes:
            path = os.path.join(self.dir, name + ".log")
            if os.path.exists(path):
                with open(path, "rb") as f:
                    tail = f.read()[-2000:].decode(errors="replace")
                print(f"--- {name} log (tail) ---\n{tail}", file=sys.stderr)


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000", "--disable-gpu"]:
        options.add_argument(argument)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)


def missing_tools():
    missing = [tool for tool in ["chromium", "chromedriver", "redis-server", "redis-cli"] if shutil.which(tool) is None]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip)")
    return missing


def run_story(stack, driver, screenshots, check):
    from selenium.webdriver.common.by import By

    def text(selector):
        return driver.find_element(By.CSS_SELECTOR, selector).text.strip()

    # Three invoice.paid events die (the handler's marker is missing); one other is handled.
    for index in range(3):
        stack.redis("LPUSH", "anima:events", f'{{"id":"evt_inv_{index}","type":"invoice.paid","data":{{"amount":{index}}},"created":"2026-12-01T10:00:00Z"}}')
    stack.redis("LPUSH", "anima:events", '{"id":"evt_ok","type":"resource.created","data":{},"created":"2026-12-01T10:00:00Z"}')
    wait_for("3 dead letters", lambda: stack.redis("LLEN", "anima:dead") == "3")

    with check("the overview shows the dead count and the workers"):
        driver.get(stack.url("/"))
        wait_for("the overview's dead count 3", lambda: text("#stat-dead") == "3")
        assert "w-browser" in driver.page_source, "expected worker w-browser listed on the overview"
        assert driver.find_elements(By.CSS_SELECTOR, "figure.chart svg"), "expected the per-minute chart"
        if int(stack.redis("XLEN", "anima:history")) > 0:  # once the worker records outcomes
            assert driver.find_elements(By.CSS_SELECTOR, "rect.bar-failed"), "expected failed bars from the recorded outcomes"
        if screenshots:
            driver.save_screenshot(os.path.join(screenshots, "dashboard-overview.png"))

    with check("filtering the dead letters by type and error text narrows the list"):
        driver.get(stack.url("/dead"))
        field = driver.find_element(By.NAME, "type")
        field.send_keys("invoice.paid")
        driver.find_element(By.NAME, "error").send_keys("exited")
        driver.find_element(By.CSS_SELECTOR, "#filter-form button[type=submit]").click()
        wait_for("the filtered URL", lambda: "type=invoice.paid" in driver.current_url)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.dead tbody tr")
        assert len(rows) == 3, f"expected 3 rows for invoice.paid, saw {len(rows)}"
        driver.get(stack.url("/dead?type=resource.created"))
        assert not driver.find_elements(By.CSS_SELECTOR, "table.dead tbody tr"), "expected no resource.created dead letter"

    with check("one dead letter shows its body, error and command"):
        driver.get(stack.url("/dead?type=invoice.paid"))
        driver.find_element(By.CSS_SELECTOR, "table.dead tbody tr td a").click()
        wait_for("the dead letter page", lambda: "/dead/dl_" in driver.current_url)
        body = text("#dead-body")
        assert '"type" : "invoice.paid"' in body or '"type": "invoice.paid"' in body, f"expected the pretty body, saw {body}"
        assert "anima-admin dlq replay" in driver.page_source, "expected the admin command"
        if screenshots:
            driver.save_screenshot(os.path.join(screenshots, "dashboard-dead-letter.png"))

    with check("replaying it runs it on the running worker: done, and the overview's count drops by itself"):
        event_id = driver.find_element(By.CSS_SELECTOR, ".facts dd a code").text.strip()
        open(stack.marker, "w").close()  # the cause is fixed
        driver.get(stack.url("/"))
        wait_for("the overview", lambda: text("#stat-dead") == "3")
        driver.execute_script("window.open(arguments[0], 'replay')", stack.url("/dead/" + event_id))
        driver.switch_to.window("replay")
        driver.find_element(By.ID, "replay-one").click()
        wait_for("the replay notice", lambda: "Replayed" in text(".notice"))
        wait_for(f"{event_id}'s done mark", lambda: stack.redis("GET", f"anima:event:{event_id}") == "done")
        driver.close()
        driver.switch_to.window(driver.window_handles[0])
        wait_for("the overview's dead count to refresh to 2 without a reload", lambda: text("#stat-dead") == "2", timeout=15)
        driver.get(stack.url("/events?id=" + event_id))
        assert text("#event-state") == "done", f"expected state done, saw {text('#event-state')}"

    with check("setting a limit from the overview's form lists the type under Flow control"):
        driver.get(stack.url("/"))
        form = driver.find_element(By.ID, "limit-form")
        form.find_element(By.NAME, "type").send_keys("crm.sync")
        form.find_element(By.NAME, "concurrency").send_keys("2")
        form.find_element(By.NAME, "rate").send_keys("50/s")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for("the limit notice", lambda: "Limit of crm.sync" in text(".notice"))
        table = text("#flow-control")
        assert "crm.sync" in table and "concurrency 2, rate 50/s" in table, f"expected the limit listed, saw {table}"
        stored = stack.redis("HGET", "anima:limits", "crm.sync")
        assert '"concurrency":2' in stored, f"expected the limit stored in Redis, saw {stored}"


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def __call__(self, name):
        checks = self

        class Step:
            def __enter__(self):
                return self

            def __exit__(self, kind, error, _):
                if error is None:
                    checks.passed += 1
                    print(f"ok   {name}")
                else:
                    checks.failed += 1
                    print(f"FAIL {name}: {error}")
                return kind is AssertionError or kind is None or issubclass(kind, Exception)

        return Step()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", default=os.environ.get("ANIMA_BIN_DIR") or os.path.join(ROOT, ".build", "debug"))
    parser.add_argument("--screenshots", help="save PNG screenshots of the overview and of a dead letter here")
    arguments = parser.parse_args()
    missing = missing_tools()
    if missing:
        print(f"browser test cannot run: missing {', '.join(missing)} (apt-get install chromium chromium-driver redis-server; pip install selenium)")
        print("0 passed, 1 failed")
        return 1
    stack = Stack(arguments.bin_dir)
    checks = Checks()
    driver = None
    try:
        stack.up()
        driver = browser()
        driver.set_page_load_timeout(30)
        run_story(stack, driver, arguments.screenshots, checks)
    except Exception as error:
        checks.failed += 1
        print(f"FAIL setting up: {error}")
    finally:
        if driver is not None:
            driver.quit()
        if checks.failed:
            stack.logs()
        stack.down()
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 and checks.passed == 5 else 1


if __name__ == "__main__":
    sys.exit(main())
