"""`flask worker` and `flask scheduler`: the processes that run jobs and periodic work."""
from __future__ import annotations

import logging
import time

import click
from flask import Flask
from flask.cli import with_appcontext

from core import jobs

log = logging.getLogger(__name__)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker for Kokeilu's queue (needs REDIS_URL)."""
    from rq import Worker

    queue = jobs.get_queue()
    if queue is None:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in the web process.")
    # The app context pushed here is inherited by every forked work horse.
    Worker([queue], connection=queue.connection).work(burst=burst, with_scheduler=False)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every periodic task once, then stop.")
@click.option("--tick", default=30, show_default=True, help="Seconds between checks.")
@with_appcontext
def scheduler_command(once: bool, tick: int) -> None:
    """Run periodic tasks (deadlines, reminders, outbox re-queue). Run exactly one."""
    last_run: dict[str, float] = {}
    while True:
        for name in jobs.run_due(last_run):
            log.info("scheduled %s", name)
        if once:
            return
        time.sleep(tick)


def register_cli(app: Flask) -> None:
    """Attach the core commands to the app."""
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
