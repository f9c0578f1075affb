"""Time of a password reset request for a known and for an unknown address.

Usage: `.venv/bin/python bench/reset_timing.py --requests 300 [--redis-url redis://127.0.0.1:6379/0]`.
Requests go through the WSGI test client against a throwaway SQLite database,
known and unknown addresses taking turns, each from its own client address (so
the per-client and per-recipient limits are counted but never reached). With
--redis-url (or REDIS_URL) the jobs go to an RQ queue of their own that no
worker reads, as in production, where the worker does the lookup, the token and
the email after the response; without it they run in the web process after the
commit, as in development. The queue is emptied at the end.
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from auth.services.accounts import create_user
from core.extensions import db
from core.jobs import get_queue


def build_app(workdir: Path, redis_url: str | None, known: int):
    """An app on a fresh SQLite file with `known` accounts; jobs on Redis when redis_url is given."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'reset.db'}",
                      "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_PROFILE": "CHEAPEST",
                      "RATELIMIT_STORAGE_URI": "memory://",
                      "REDIS_URL": redis_url, "RQ_QUEUE": f"kokeilu-bench-reset-{os.getpid()}"})
    with app.app_context():
        db.create_all()
        for n in range(known):
            create_user(f"known{n}@example.org", f"Known {n}", None, verified=True)
        db.session.commit()
    return app


def timings(app, requests: int) -> dict[str, list[float]]:
    """Milliseconds per request, known and unknown addresses taking turns."""
    client = app.test_client()
    result: dict[str, list[float]] = {"known": [], "unknown": []}
    for n in range(requests):
        for kind in ("known", "unknown"):
            environ = {"REMOTE_ADDR": f"10.{n // 250}.{n % 250}.{1 if kind == 'known' else 2}"}
            start = time.perf_counter()
            response = client.post("/password/reset", data={"email": f"{kind}{n}@example.org"},
                                   environ_overrides=environ)
            result[kind].append(1000 * (time.perf_counter() - start))
            if response.status_code != 302:
                raise RuntimeError(f"reset request answered {response.status_code}")
    return result


def report(label: str, result: dict[str, list[float]]) -> None:
    """One Markdown row per kind of address."""
    for kind, values in result.items():
        ordered = sorted(values)
        p90 = ordered[int(0.9 * (len(ordered) - 1))]
        print(f"| {label} | {kind} | {statistics.median(values):.1f} | {p90:.1f} |")


def main() -> None:
    """Measure with jobs in-process, then (when Redis is given) on a queue."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"))
    args = parser.parse_args()
    logging.disable(logging.INFO)  # in-process mail is written to the log
    print("| jobs | address | median ms | p90 ms |\n|---|---|---:|---:|")
    modes = [("in the web process (development)", None)]
    if args.redis_url:
        modes.append(("on an RQ queue (production)", args.redis_url))
    for label, redis_url in modes:
        app = build_app(Path(tempfile.mkdtemp(prefix="kokeilu-reset-")), redis_url, args.requests)
        try:
            report(label, timings(app, args.requests))
        finally:
            queue = get_queue(app)
            if queue is not None:
                queue.empty()


if __name__ == "__main__":
    main()
