"""Configuration read from environment variables only.

`load_config()` builds the settings dictionary; `create_app(config=...)` may
override any key (tests do). A production start without a real SECRET_KEY
refuses to start with a clear message.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "kokeilu-development-key-not-for-production"  # noqa: S105  (check_config refuses it in production)
BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigurationError(RuntimeError):
    """Raised when the environment cannot run Kokeilu safely."""


def _flag(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on")."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    """The SQLAlchemy URL; a SQLite file under var/ by default."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{BASE_DIR / 'var' / 'kokeilu.db'}"
    # Hosting platforms hand out postgres:// URLs; psycopg 3 needs its own driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _proxy_count() -> int:
    """How many proxies in front of the app to trust for the client's address and scheme (0: none)."""
    value = os.environ.get("PROXY_COUNT", "0").strip() or "0"
    if not value.isdigit():
        raise ConfigurationError(f"PROXY_COUNT must be a whole number of proxies (0: none), not {value!r}.")
    return int(value)


def load_config() -> dict[str, Any]:
    """Return the settings taken from the environment, with safe defaults."""
    env = os.environ.get("KOKEILU_ENV", "development")
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "kokeilu"),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(BASE_DIR / "var" / "uploads")),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:5000"),
        # Behind a load balancer every request comes from its address; trusting exactly as many
        # X-Forwarded-For entries as there are proxies gives the real client, which a client cannot fake.
        "PROXY_COUNT": _proxy_count(),
        # Mail: without MAIL_SERVER, messages are written to the log instead.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Kokeilu <noreply@kokeilu.invalid>"),
        "ACCESSIBILITY_CONTACT": os.environ.get("ACCESSIBILITY_CONTACT", "saavutettavuus@kokeilu.invalid"),
        # Sessions and cookies.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        # Production is served over TLS only: browsers are told never to try plain HTTP for a year.
        "STRICT_TRANSPORT_SECURITY": "max-age=31536000; includeSubDomains" if env == "production" else None,
        "WTF_CSRF_TIME_LIMIT": None,
        # Languages and time.
        "BABEL_DEFAULT_LOCALE": "fi",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Helsinki",
        "BABEL_TRANSLATION_DIRECTORIES": str(BASE_DIR / "translations"),
        # Static assets served from the installed packages, never a CDN.
        "BOOTSTRAP_SERVE_LOCAL": True,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY",
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024,
    }


def check_config(config: dict[str, Any]) -> None:
    """Refuse to run in production with a missing or default secret, SQLite or no Redis."""
    if config.get("ENV_NAME") != "production":
        return
    secret = config.get("SECRET_KEY") or ""
    if secret == DEV_SECRET_KEY or len(secret) < 32:
        raise ConfigurationError(
            "SECRET_KEY must be set to a random value of at least 32 characters "
            "in production (for example: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise ConfigurationError("DATABASE_URL must point to PostgreSQL in production.")
    if not config.get("REDIS_URL"):
        # Without it every web process would keep its own rate limits and login counts, and jobs
        # would run inside requests, where their time shows (a password reset for a known address).
        raise ConfigurationError("REDIS_URL must be set in production: rate limits, login throttling "
                                 "and background jobs are shared through Redis.")
