"""The yardstick: a bare Flask hello-world, served by gunicorn beside Kokeilu under the same settings."""
from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """The smallest page Flask can serve."""
    return "Hello, World!"
