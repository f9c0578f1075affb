"""`flask demo load`: demo data for trying Kokeilu out; safe to run again."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from core.extensions import db
from core.settings import DEMO_MARKER, get_setting, set_setting

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
@click.option("--again", is_flag=True, help="Add what is missing even if demo data was loaded before.")
def load_command(again: bool) -> None:
    """Load the demo organisations, accounts and content on first run; adds nothing twice."""
    from auth import demo as auth_demo
    from challenges import demo as challenges_demo

    if current_app.config.get("ENV_NAME") == "production":
        # Every demo account shares one published password, and the login page lists them.
        raise click.ClickException("flask demo load refuses to run in production (KOKEILU_ENV=production): "
                                   "demo accounts share a published password.")
    if get_setting(DEMO_MARKER) and not again:
        click.echo("Demo data was loaded before; nothing to do.")
        return
    auth_demo.load()
    challenges_demo.load()
    set_setting(DEMO_MARKER, True)
    db.session.commit()
    click.echo("Demo data is in place.")


def register_demo_cli(app: Flask) -> None:
    """Attach the demo commands to the app."""
    app.cli.add_command(demo_cli)
