"""Kokeilu: the application factory."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core.config import check_config, load_config


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Kokeilu application; `config` overrides settings read from the environment."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(load_config())
    app.config.update(config or {})
    app.config.setdefault("MAIL_SUPPRESS_SEND", not app.config.get("MAIL_SERVER"))
    check_config(app.config)
    proxies = app.config.get("PROXY_COUNT") or 0
    if proxies:  # the client's address and scheme as the trusted proxies saw them (X-Forwarded-For/-Proto)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    if app.config.get("JINJA_BYTECODE_CACHE") is not None:  # tests share compiled templates across apps
        app.jinja_options = {**app.jinja_options, "bytecode_cache": app.config["JINJA_BYTECODE_CACHE"]}
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    from core import init_core
    from core.cache import init_page_cache

    init_core(app)
    init_page_cache(app)

    import auth
    import challenges
    import pilots

    for package in (auth, challenges, pilots):
        package.init_app(app)

    from scripts.demo import register_demo_cli

    register_demo_cli(app)
    return app
