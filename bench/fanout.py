"""Opening a call to many subscribers: how long the officer's request takes, and the worker's delivery.

Usage: `.venv/bin/python bench/fanout.py [--subscribers 1 1000 10000]` (after `make bench`, which
installs PostgreSQL, Redis and the development requirements).

Each count gets its own city and an approved call (without market dialogue); an
officer logs in over HTTP and opens each call through the real application
(gunicorn with one sync worker, production settings, PostgreSQL, Redis). A first
call with one subscriber, not reported, warms the worker up (templates, email
templates, connections). The request's time is measured as the officer waits for
it; then `flask worker --burst` delivers the queued emails to a local SMTP sink
(aiosmtpd) and its time is measured until the queue is empty. The target: the
request takes as long with 10,000 subscribers as with one (the fan-out belongs
in the worker). Results are printed as Markdown and written to bench/results/.
"""
from __future__ import annotations

import argparse
import http.client
import json
import logging
import re
import subprocess  # runs `flask worker`, a fixed command line  # nosec B404
import sys
import threading
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import (BIN, RESULTS, ROOT, Gunicorn, free_port, login, machine, migrate, production_env,
                           services, use_env)


class Sink:
    """An SMTP server's handler that counts the messages it accepts."""

    def __init__(self) -> None:
        self.count = 0
        self.first: float | None = None
        self.last: float | None = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd calls it by this name
        """Accept and count one message."""
        with self.lock:
            self.count += 1
            self.last = time.perf_counter()
            self.first = self.first or self.last
        return "250 OK"


def _get(port: int, path: str, cookie: str) -> tuple[int, str, str]:
    """GET path with the session; (status, body, session cookie, renewed if the answer set one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    renewed = next((h.split(";", 1)[0] for h in response.headers.get_all("Set-Cookie") or []
                    if h.startswith("session=")), cookie)
    return response.status, response.read().decode(), renewed


def open_call(port: int, challenge_id: int, cookie: str) -> float:
    """Open the call from its staff page as the officer would; the POST's time in seconds."""
    status, page, cookie = _get(port, f"/manage/challenges/{challenge_id}", cookie)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or token is None or 'value="open_call"' not in page:
        raise RuntimeError(f"challenge {challenge_id}: no open_call action on its staff page ({status})")
    form = urllib.parse.urlencode({"csrf_token": token[1], "action": "open_call", "seen_state": "approved",
                                   "comment": ""})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("POST", f"/manage/challenges/{challenge_id}/transition", body=form,
                 headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if response.status != 302:
        raise RuntimeError(f"opening challenge {challenge_id} answered {response.status}")
    return elapsed


def deliver(env: dict[str, str]) -> float:
    """Run `flask worker --burst` until the queue is empty; its time in seconds."""
    started = time.perf_counter()
    command = [str(BIN / "flask"), "--app", "app", "worker", "--burst"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603  # nosec B603
    return time.perf_counter() - started


def failed_jobs(env: dict[str, str]) -> int:
    """How many jobs of Kokeilu's queue have failed so far (a delivery job past its timeout, for one)."""
    from redis import Redis
    from rq.registry import FailedJobRegistry

    return FailedJobRegistry(env.get("RQ_QUEUE", "kokeilu"), connection=Redis.from_url(env["REDIS_URL"])).count


def measure(args: argparse.Namespace, sink: Sink, smtp_port: int) -> list[tuple]:
    """Generate the subscribers, then open each call and deliver its emails; one row per call."""
    with services() as svc:
        env = production_env(svc.create_database("fanout"), svc.redis_url, MAIL_SERVER="127.0.0.1",
                             MAIL_PORT=str(smtp_port), BASE_URL="https://kokeilu.example.org")
        migrate(env)
        use_env(env)
        from app import create_app
        from bench.data import generate_fanout

        with create_app().app_context():
            data = generate_fanout([1, *args.subscribers])
        app = Gunicorn("app:create_app()", env, args.workers, svc.work / "fanout.log", "/healthz",
                       timeout=args.timeout)
        try:
            cookie = login(app.port, data.officer_email, data.password)
            rows = []
            for subscribers, challenge_id in data.calls:
                before, failed, sink.first = sink.count, failed_jobs(env), None
                request = open_call(app.port, challenge_id, cookie)
                worker = deliver(env)
                sending = (sink.last - sink.first) if sink.first else 0.0
                rows.append((subscribers, request, worker, sending, sink.count - before, failed_jobs(env) - failed))
                print(f"  {subscribers} subscribers: request {request:.2f} s, worker {worker:.1f} s", flush=True)
        finally:
            app.stop()
    return rows[1:]  # the first call warmed the worker up


def main() -> None:
    """Measure with an SMTP sink listening, print a Markdown table and write the results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1, 1000, 10000],
                        help="one call per count, at most five (a sixth city warms up)")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers")
    parser.add_argument("--timeout", type=int, default=600,
                        help="gunicorn's worker timeout in seconds (its default, 30, would cut a long request)")
    args = parser.parse_args()
    info = machine()
    print(f"{info['cores']} cores, {info['cpu']}, load average {info['load_average_1_5_15_min']}, "
          f"commit {info['commit']}; gunicorn --workers {args.workers}", flush=True)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    try:
        rows = measure(args, sink, smtp.port)
    finally:
        smtp.stop()
    path = RESULTS / f"{datetime.now():%Y%m%d-%H%M%S}-fanout.json"
    RESULTS.mkdir(exist_ok=True)
    path.write_text(json.dumps({"machine": info, "settings": vars(args), "rows": rows}, indent=1))
    print("\n| subscribers | request s | worker s (start to empty queue) | first to last email s | emails delivered "
          "| failed jobs |")
    print("|---:|---:|---:|---:|---:|---:|")
    for subscribers, request, worker, sending, delivered, failed in rows:
        print(f"| {subscribers:,} | {request:.2f} | {worker:.1f} | {sending:.1f} | {delivered:,} | {failed} |")
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
