"""The shared kernel: configuration, extensions, workflow engine, audit log, jobs, mail, i18n."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user


def init_core(app: Flask) -> None:
    """Initialise extensions and register the kernel's pages, errors, filters and commands."""
    from core import audit, feedback, mail, settings  # noqa: F401  (register models)
    from core import extensions as ext
    from core.cli import register_cli
    from core.errors import register_error_handlers
    from core.i18n import init_i18n, select_locale
    from core.limits import init_limits
    from core.markdown import render_markdown
    from core.views import bp
    from core.workspace import todo_counts, todo_total

    init_limits(app)  # first: the bounded int converter must be in place before any route is added
    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(app.config.get("MIGRATIONS_DIR", "migrations")),
                     compare_type=True, render_as_batch=True)
    ext.login_manager.init_app(app)
    ext.csrf.init_app(app)
    ext.mail.init_app(app)
    ext.babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Helsinki")
    ext.bootstrap.init_app(app)
    ext.limiter.init_app(app)
    init_i18n(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(audit.action_label, "action_label")
    # The navigation's numbers: computed once per request, when a signed-in page asks for them.
    app.jinja_env.globals.update(todo_counts=todo_counts, todo_total=todo_total)
    register_error_handlers(app)
    register_cli(app)
    app.register_blueprint(bp)
    app.after_request(_security_headers)


def _security_headers(response):
    """Headers every page gets: no framing, no sniffing, a strict referrer policy; HTTPS only in production.

    A signed-in page shows personal or unpublished data, so no cache (a shared
    proxy, or the browser's back button after logout) may keep a copy; static
    files stay cacheable.
    """
    hsts = current_app.config.get("STRICT_TRANSPORT_SECURITY")
    if hsts:
        response.headers.setdefault("Strict-Transport-Security", hsts)
    if current_user.is_authenticated and not (request.endpoint or "").endswith("static"):
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    )
    return response
