"""Throughput and SQL queries per page, against a bare Flask hello-world on the same machine.

Usage: `make bench` (or `.venv/bin/python bench/run.py --users 2000 --seconds 3`).
Each page is requested in-process through the WSGI test client for a fixed time;
the hello-world app is measured the same way, so the ratio shows what our own
code costs. Data comes from bench/data.py on a throwaway SQLite database.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from werkzeug.test import EnvironBuilder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from bench.data import generate, generate_challenges
from core.extensions import db


def hello_world() -> Flask:
    """The yardstick: the smallest Flask app."""
    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "Hello, World!")
    return app


def throughput(app, path: str, seconds: float, cookie: str | None = None) -> float:
    """Requests per second for one path over `seconds`, calling the WSGI app directly."""
    headers = {"Cookie": cookie} if cookie else {}
    environ = EnvironBuilder(path=path, headers=headers).get_environ()
    status: list[str] = []

    def start_response(code, response_headers, exc_info=None):
        status.append(code)

    def one() -> None:
        body = app(dict(environ), start_response)
        b"".join(body)
        getattr(body, "close", lambda: None)()
        if not status.pop().startswith("200"):
            raise RuntimeError(f"{path} did not answer 200")

    one()  # warm caches and templates
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        one()
        done += 1
    return done / (time.perf_counter() - start)


def query_count(app, client, path: str) -> int:
    """SQL statements one request of path runs."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def main() -> None:
    """Generate data, measure each page, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--challenges", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kokeilu-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.db'}",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        admin_id = generate(args.users)
        challenge_id = generate_challenges(args.challenges, admin_id)
    base = throughput(hello_world(), "/", args.seconds)
    staff = app.test_client()
    with app.app_context():
        from auth.models import User
        login_id = db.session.get(User, admin_id).get_id()
    with staff.session_transaction() as session:
        session["_user_id"] = login_id
    cookie = f"session={staff.get_cookie('session').value}"
    pages = [("front page (public)", None, "/"), ("login page (public)", None, "/login"),
             (f"catalogue, {args.challenges} challenges (public)", None, "/challenges"),
             ("catalogue search (public)", None, "/challenges?q=ruokah%C3%A4vikin"),
             ("challenge page (public)", None, f"/challenges/{challenge_id}"),
             (f"user list, {args.users} users (platform admin)", cookie, "/admin/users"),
             (f"challenge list, {args.challenges} challenges (platform admin)", cookie, "/manage/challenges")]
    print(f"hello-world: {base:,.0f} requests/s\n")
    print("| page | requests/s | % of hello-world | SQL queries |")
    print("|---|---:|---:|---:|")
    for label, cookie, path in pages:
        rate = throughput(app, path, args.seconds, cookie)
        client = staff if cookie else app.test_client()
        print(f"| {label} | {rate:,.0f} | {100 * rate / base:.1f} % | {query_count(app, client, path)} |")


if __name__ == "__main__":
    main()
