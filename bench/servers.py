"""The processes a benchmark runs against: throwaway PostgreSQL and Redis, gunicorn, an HTTP login.

PostgreSQL and Redis are started by scripts/services.sh, the same functions the
test suite uses; Kokeilu runs under gunicorn with production settings.
"""
from __future__ import annotations

import html
import http.client
import os
import re
import secrets
import signal
import subprocess  # starts our own servers, fixed command lines  # nosec B404
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv's gunicorn and flask
RESULTS = ROOT / "bench" / "results"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith("model name")), "unknown")

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)  # noqa: S603,S607  # nosec
        return done.stdout.strip()

    return {"cores": os.cpu_count(), "cpu": model, "commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_changes": bool(git("status", "--porcelain")),
            "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds")}


def _stop_on_sigterm() -> None:
    """A terminated benchmark still runs its `finally` blocks and stops its servers."""
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))


@dataclass
class Services:
    """PostgreSQL and Redis on loopback, with their files in one directory."""

    work: Path
    pg_port: int
    redis_port: int

    def database_url(self, name: str) -> str:
        """The SQLAlchemy URL of one database on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.pg_port}/{name}"

    @property
    def redis_url(self) -> str:
        """The Redis URL."""
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def _execute(self, database: str, statement: sql.Composable) -> None:
        """Run one statement outside a transaction (CREATE DATABASE and VACUUM need that)."""
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.pg_port}/{database}", autocommit=True) as conn:
            conn.execute(statement)

    def create_database(self, name: str) -> str:
        """Create an empty database; returns its URL."""
        self._execute("postgres", sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.database_url(name)

    def analyze(self, name: str) -> None:
        """VACUUM ANALYZE a freshly written database, as autovacuum soon would in production.

        The planner then has statistics, and autovacuum has nothing left to do during the measurement.
        """
        self._execute(name, sql.SQL("VACUUM ANALYZE"))

    def server_pids(self) -> list[int]:
        """The PostgreSQL postmaster and the Redis server."""
        postmaster = (self.work / "pg" / "postmaster.pid").read_text().split("\n", 1)[0]
        return [int(postmaster), int((self.work / "redis.pid").read_text())]

    def flush_redis(self) -> None:
        """Forget every key (rate limits, queues, caches) between two measured data sets."""
        from redis import Redis

        Redis.from_url(self.redis_url).flushall()


@contextmanager
def services() -> Iterator[Services]:
    """Start PostgreSQL and Redis with scripts/services.sh; stop them however the block ends."""
    _stop_on_sigterm()
    work = Path(tempfile.mkdtemp(prefix="kokeilu-bench."))
    script = str(ROOT / "scripts" / "services.sh")
    try:
        out = subprocess.run([script, "start", str(work)], cwd=ROOT, check=True,  # noqa: S603  # nosec
                             stdout=subprocess.PIPE, text=True).stdout
        ports = dict(line.split("=", 1) for line in out.split() if "=" in line)
        yield Services(work, int(ports["PG_PORT"]), int(ports["REDIS_PORT"]))
    finally:
        subprocess.run([script, "stop", str(work)], cwd=ROOT)  # noqa: S603  # nosec


def production_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production start: KOKEILU_ENV, a random SECRET_KEY, PostgreSQL and Redis."""
    env = {**os.environ, "KOKEILU_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PYTHONDONTWRITEBYTECODE": "1", **extra}
    env.pop("FLASK_DEBUG", None)
    return env


def use_env(env: dict[str, str]) -> None:
    """Make env this process's environment, so create_app() here reads the settings gunicorn reads."""
    os.environ.clear()
    os.environ.update(env)


def migrate(env: dict[str, str]) -> None:
    """`flask db upgrade` against the database in env."""
    command = [str(BIN / "flask"), "--app", "app", "db", "upgrade"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603  # nosec B603


def _answers(port: int, path: str) -> bool:
    """True when the server on port answers path with 200."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False


class Gunicorn:
    """One gunicorn with sync workers on a loopback port; the same settings for every app."""

    def __init__(self, target: str, env: dict[str, str], workers: int, log: Path, ready_path: str = "/",
                 timeout: int | None = None) -> None:
        self.port = free_port()
        self.log = log
        args = [str(BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
                "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", target]
        if timeout is not None:
            args[1:1] = ["--timeout", str(timeout)]
        with open(log, "ab") as out:
            self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603  # nosec B603
                                            start_new_session=True)
        deadline = time.monotonic() + 60
        while not _answers(self.port, ready_path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn {target} did not start; see {log}")
            time.sleep(0.2)

    def url(self, path: str) -> str:
        """An absolute URL on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        """Stop the master (which stops its workers)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- logging in over HTTP --------------------------------------------------------------------

def _session_cookie(response: http.client.HTTPResponse) -> str | None:
    """The `session=...` pair the response sets, if any."""
    for header in response.headers.get_all("Set-Cookie") or []:
        pair = header.split(";", 1)[0]
        if pair.startswith("session="):
            return pair
    return None


def login(port: int, email: str, password: str) -> str:
    """Log in through the login form (with its CSRF token); returns the Cookie header value of the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    page = conn.getresponse()
    cookie, body = _session_cookie(page), page.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', body)
    if cookie is None or token is None:
        raise RuntimeError("the login page gave no session or CSRF token")
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": html.unescape(token[1])})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/login", body=form, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    answer = conn.getresponse()
    answer.read()
    session = _session_cookie(answer)
    if answer.status != 302 or session is None:
        raise RuntimeError(f"logging in as {email} answered {answer.status}")
    return session
