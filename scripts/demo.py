"""`flask demo load`: demo data for trying Kokeilu out; safe to run again."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from core.extensions import db
from core.settings import DEMO_MARKER, set_setting

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo organisations, accounts and content; adds nothing twice."""
    from auth import demo as auth_demo

    auth_demo.load()
    set_setting(DEMO_MARKER, True)
    db.session.commit()
    click.echo("Demo data is in place.")


def register_demo_cli(app: Flask) -> None:
    """Attach the demo commands to the app."""
    app.cli.add_command(demo_cli)
