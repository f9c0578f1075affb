"""Throughput, latency and SQL queries per page, over HTTP, against a bare Flask hello-world.

Usage: `make bench` (scale 1) or `make bench ARGS="--scale 10"` (scale 1 and scale 10 in one run).

Starts a throwaway PostgreSQL and Redis (scripts/services.sh), migrates, generates
the data of bench/data.py, and serves Kokeilu with gunicorn under production
settings beside bench/hello.py under the same gunicorn settings. wrk then drives
both in interleaved rounds (hello, page A, hello, page B, ...): throughput with
--connections, latency in a second run with one connection per worker, so that it
is the time a request takes and not the time it queues. Each page's figure is the
median of its rounds; its ratio is its requests/s over those of the hello-world
run just before it. SQL queries are counted in-process on the same data and session.
Results are printed as Markdown and written to bench/results/ as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess  # runs wrk, a fixed command line  # nosec B404
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import (RESULTS, ROOT, Gunicorn, Services, login, machine, migrate, production_env, services,
                           use_env)

LUA = ROOT / "bench" / "report.lua"
CLOCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Page:
    """A page to measure, the target ratio it has (if any), and who is logged in (None: a visitor)."""

    name: str
    path: str
    target: float | None = None
    user: str | None = None  # "admin" (platform admin) or "officer" (of the city of the page's challenge)


def pages_of(data: Any) -> list[Page]:
    """The measured pages, with the data's own ids, city and search word."""
    registrations = f"/manage/challenges/{data.event_challenge_id}/dialogue/events/{data.event_id}/registrations"
    return [
        Page("front page", "/"),
        Page("catalogue, first page", "/challenges", 0.25),
        Page("catalogue, city and state", f"/challenges?city={data.city_slug}&status=open", 0.25),
        Page("catalogue, search", f"/challenges?q={quote(data.search_word)}", 0.25),
        Page("challenge page", f"/challenges/{data.challenge_id}", 0.15),
        Page("Atom feed", "/challenges/feed.atom"),
        Page("login page", "/login"),
        Page("staff: challenges (officer)", "/manage/challenges", 0.10, user="officer"),
        Page("staff: users (platform admin)", "/admin/users", 0.10, user="admin"),
        Page("staff: event registrations (officer)", registrations, 0.10, user="officer"),
    ]


# --- measuring ---------------------------------------------------------------------------------

def wrk(url: str, seconds: int, connections: int, threads: int, cookie: str | None = None) -> dict[str, Any]:
    """One wrk run; its JSON summary (requests/s, p50/p95/p99 in ms, errors)."""
    args = ["wrk", "-t", str(min(threads, connections)), "-c", str(connections), "-d", f"{seconds}s",
            "--timeout", "30s", "-s", str(LUA), url]
    if cookie:
        args[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout  # noqa: S603  # nosec B603
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def _busy_ticks() -> int:
    """CPU ticks the whole machine spent not idle since boot."""
    user, nice, system, _idle, _iowait, irq, softirq, steal, *_ = map(int, Path("/proc/stat").read_text()
                                                                        .split("\n", 1)[0].split()[1:])
    return user + nice + system + irq + softirq + steal


def _stat(pid: int) -> list[int]:
    """The fields of /proc/PID/stat after the command name (the state read as 0); empty when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []
    return [0, *map(int, fields[1:])]


def _children(pid: int) -> list[int]:
    """The live children of a process."""
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _tree_ticks(root: int) -> int:
    """CPU ticks of a server process and its children, the live ones and those it has reaped."""
    fields = _stat(root)
    total = sum(fields[11:15]) if fields else 0  # utime, stime, cutime, cstime
    for child in _children(root):
        total += sum(_stat(child)[11:13])
    return total


class OtherLoad:
    """How much of the machine processes other than the benchmark's own used while it measured.

    Ours: this process and its children (wrk), both gunicorns, PostgreSQL and Redis.
    """

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.start = self._sample()

    def _sample(self) -> tuple[float, int, int]:
        """(time, busy ticks of the machine, ticks of our processes)."""
        own = os.times()
        mine = (own.user + own.system + own.children_user + own.children_system) * CLOCK
        return time.monotonic(), _busy_ticks(), int(mine) + sum(_tree_ticks(pid) for pid in self.roots)

    def share(self) -> float:
        """The others' share of all cores since the start, 0 to 1."""
        t0, busy0, ours0 = self.start
        t1, busy1, ours1 = self._sample()
        capacity = (t1 - t0) * CLOCK * (os.cpu_count() or 1)
        return max(0.0, (busy1 - busy0) - (ours1 - ours0)) / capacity if capacity else 0.0


def _headers(cookie: str | None) -> dict[str, str]:
    """The request headers of a page: the session cookie of its user, if any."""
    return {"Cookie": cookie} if cookie else {}


def check_pages(app: Gunicorn, pages: list[Page], cookies: dict[str, str]) -> None:
    """Every page answers 200 before it is measured (a 302 to the login page would measure nothing)."""
    import http.client

    for page in pages:
        conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
        conn.request("GET", page.path, headers=_headers(cookies.get(page.user)))
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{page.name} ({page.path}) answered {response.status}; see {app.log}")


def drain(roots: list[int], limit: float = 60) -> None:
    """Wait until the servers have finished the requests a wrk run left behind (their CPU time stands still).

    wrk stops counting at the end of its run, but the requests it had sent are still
    served; without this they would be charged to the next run.
    """
    deadline = time.monotonic() + limit
    before = sum(_tree_ticks(pid) for pid in roots)
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = sum(_tree_ticks(pid) for pid in roots)
        if now == before:
            return
        before = now


def measure(app: Gunicorn, hello: Gunicorn, pages: list[Page], cookies: dict[str, str], args,
            roots: list[int]) -> dict[str, list[dict]]:
    """Interleaved rounds: hello-world, then the page (throughput), then the page (latency)."""
    runs: dict[str, list[dict]] = {p.name: [] for p in pages}

    def timed(url: str, connections: int, cookie: str | None = None) -> dict[str, Any]:
        """One wrk run, then a wait for the servers to finish what it left."""
        result = wrk(url, args.seconds, connections, args.threads, cookie)
        drain(roots)
        return result

    for number in range(args.rounds):
        for page in pages:
            cookie = cookies.get(page.user)
            base = timed(hello.url("/"), args.connections)
            load = timed(app.url(page.path), args.connections, cookie)
            quiet = timed(app.url(page.path), args.workers, cookie)
            for result in (base, load, quiet):
                if result["non_2xx"] or result["socket_errors"]:
                    raise RuntimeError(f"{page.name}: errors in a run: {result}")
            runs[page.name].append({"hello": base, "load": load, "latency": quiet})
            print(f"  round {number + 1}, {page.name}: {load['rps']:.0f}/s "
                  f"({load['rps'] / base['rps']:.3f} of hello-world), p95 {quiet['p95_ms']:.1f} ms", flush=True)
    return runs


def query_counts(pages: list[Page], cookies: dict[str, str]) -> dict[str, int]:
    """SQL statements of each page's second request in-process (warm, as in the measured workers)."""
    from sqlalchemy import event

    from app import create_app
    from core.extensions import db

    app = create_app()
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement: str, *_rest) -> None:
        """Note one statement sent to the database."""
        statements.append(statement)

    counts = {}
    event.listen(engine, "before_cursor_execute", record)
    try:
        for page in pages:
            for _warm_then_counted in range(2):
                statements.clear()
                response = app.test_client(use_cookies=False).get(page.path, headers=_headers(cookies.get(page.user)))
            if response.status_code != 200:
                raise RuntimeError(f"{page.name} answered {response.status_code} in-process")
            counts[page.name] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return counts


def _median(values: list[float]) -> float | None:
    """The median, or None when no run completed a request (its percentiles would read 0)."""
    return statistics.median(values) if values else None


def summarise(pages: list[Page], runs: dict[str, list[dict]], queries: dict[str, int]) -> list[dict[str, Any]]:
    """Per page: medians over the rounds of requests/s, ratio to hello-world and latency percentiles."""
    rows = []
    for page in pages:
        rounds = runs[page.name]
        rows.append({
            "page": page.name, "path": page.path, "target": page.target,
            "hello_rps": statistics.median(r["hello"]["rps"] for r in rounds),
            "rps": statistics.median(r["load"]["rps"] for r in rounds),
            "ratio": statistics.median(r["load"]["rps"] / r["hello"]["rps"] for r in rounds),
            **{p: _median([r["latency"][f"{p}_ms"] for r in rounds if r["latency"]["requests"]])
               for p in ("p50", "p95", "p99")},
            "queries": queries[page.name]})
    return rows


# --- one scale ---------------------------------------------------------------------------------

def wait_for_quiet(limit: float, patience: float) -> float:
    """Wait (at most patience seconds) for the 1-minute load average to fall below limit; returns it."""
    deadline = time.monotonic() + patience
    while os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(15)
    return os.getloadavg()[0]


def run_scale(svc: Services, scale: int, hello: Gunicorn, args) -> dict[str, Any]:
    """Generate scale's data in a new database, serve it, measure every page."""
    database = f"bench_scale_{scale}"
    env = production_env(svc.create_database(database), svc.redis_url)
    svc.flush_redis()
    started = time.perf_counter()
    migrate(env)
    use_env(env)
    data = generate_data(scale)
    svc.analyze(database)
    generated = time.perf_counter() - started
    print(f"scale {scale}: migrated and generated in {generated:.0f} s", flush=True)
    app = Gunicorn("app:create_app()", env, args.workers, svc.work / f"kokeilu-{scale}.log", "/healthz")
    try:
        cookies = {"admin": login(app.port, data.admin_email, data.password),
                   "officer": login(app.port, data.officer_email, data.password)}
        pages = pages_of(data)
        check_pages(app, pages, cookies)
        for page in pages:  # warm up: every worker has loaded its templates and connections
            wrk(app.url(page.path), 1, args.connections, args.threads, cookies.get(page.user))
        wrk(hello.url("/"), 1, args.connections, args.threads)
        load_before = wait_for_quiet(args.quiet_load, args.quiet_wait)
        servers = [app.process.pid, hello.process.pid, svc.server_pids()[0]]  # Redis ticks on its own
        drain(servers)
        others = OtherLoad([*servers, *svc.server_pids()[1:]])
        runs = measure(app, hello, pages, cookies, args, servers)
        other_share = others.share()
    finally:
        app.stop()
    queries = query_counts(pages, cookies)
    return {"scale": scale, "counts": data.counts, "generate_seconds": round(generated, 1),
            "load_average_before": round(load_before, 2), "other_processes_cpu_share": round(other_share, 3),
            "pages": summarise(pages, runs, queries), "runs": runs}


def generate_data(scale: int):
    """bench/data.py's data set for scale, written by this process with the production settings."""
    from app import create_app
    from bench.data import generate

    with create_app().app_context():
        return generate(scale)


# --- reporting ---------------------------------------------------------------------------------

def table(result: dict[str, Any]) -> str:
    """The Markdown table of one scale."""
    rows = result["pages"]
    hello = statistics.median(r["hello_rps"] for r in rows)
    lines = [f"Scale {result['scale']} ({result['counts']['challenges']:,} challenges, "
             f"{result['counts']['users']:,} users); hello-world {hello:,.0f} requests/s; load average "
             f"{result['load_average_before']} before, other processes {100 * result['other_processes_cpu_share']:.0f} % "
             f"of the CPU during the measurement.", "",
             "| page | requests/s | ratio | target | p50 ms | p95 ms | p99 ms | SQL queries |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        target = f"{r['target']:.2f}" if r["target"] else "-"
        ms = " | ".join("n/a" if r[p] is None else f"{r[p]:.1f}" for p in ("p50", "p95", "p99"))
        lines.append(f"| {r['page']} | {r['rps']:,.0f} | {r['ratio']:.3f} | {target} | {ms} | {r['queries']} |")
    return "\n".join(lines)


def _quotient(top: float | None, bottom: float | None) -> str:
    """top / bottom to two decimals; n/a when either is missing or zero (a run that completed no request)."""
    return f"{top / bottom:.2f}" if top and bottom else "n/a"


def comparison(small: dict[str, Any], large: dict[str, Any]) -> str:
    """How much longer each page takes at the larger scale (target: at most 1.3 times)."""
    lines = [f"Time at scale {large['scale']} over scale {small['scale']} (target: at most 1.3):", "",
             "| page | time (from ratio) | p50 | p95 |", "|---|---:|---:|---:|"]
    for a, b in zip(small["pages"], large["pages"]):
        times = " | ".join(_quotient(b[p], a[p]) for p in ("p50", "p95"))
        lines.append(f"| {a['page']} | {_quotient(a['ratio'], b['ratio'])} | {times} |")
    lines += ["", "Time from ratio: the page's time per request relative to hello-world's, at the larger scale "
              "over the smaller one, which cancels a change in the machine's speed between the two."]
    return "\n".join(lines)


def main() -> None:
    """Measure scale 1 (and the asked scale, when larger) and report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="data scale; above 1, scale 1 is measured too")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections for throughput")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--quiet-load", type=float, default=0.5,
                        help="wait for the 1-minute load average to fall below this before measuring")
    parser.add_argument("--quiet-wait", type=float, default=0, help="seconds to wait for that at most")
    args = parser.parse_args()
    scales = sorted({1, args.scale})
    info = machine()
    print(f"{info['cores']} cores, {info['cpu']}, commit {info['commit']}"
          f"{' with uncommitted changes' if info['uncommitted_changes'] else ''}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{datetime.now():%Y%m%d-%H%M%S}-scale{args.scale}.json"
    results: list[dict[str, Any]] = []
    with services() as svc:
        env = production_env(svc.database_url("postgres"), svc.redis_url)
        hello = Gunicorn("bench.hello:app", env, args.workers, svc.work / "hello.log")
        try:
            for scale in scales:
                results.append(run_scale(svc, scale, hello, args))
                path.write_text(json.dumps({"machine": info, "settings": vars(args), "results": results}, indent=1))
        finally:
            hello.stop()
    report = "\n\n".join([table(r) for r in results] + ([comparison(*results)] if len(results) > 1 else []))
    settings = (f"gunicorn --workers {args.workers} --worker-class sync (both apps); wrk -t {args.threads} "
                f"-c {args.connections} (throughput) and -c {args.workers} (latency), {args.rounds} rounds of "
                f"{args.seconds:g} s")
    print(f"\n{settings}\n\n{report}")
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
