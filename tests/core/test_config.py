"""Configuration comes from the environment; production refuses to start unsafely."""
import pytest

from app import create_app
from core.config import DEV_SECRET_KEY, ConfigurationError, load_config

PG = "postgresql+psycopg://kokeilu@db.internal/kokeilu"


@pytest.mark.parametrize("secret", [None, DEV_SECRET_KEY, "short"])
def test_production_refuses_to_start_without_a_real_secret(monkeypatch, secret):
    monkeypatch.setenv("KOKEILU_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", PG)
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigurationError, match="SECRET_KEY must be set"):
        create_app()


def test_production_refuses_sqlite(monkeypatch):
    monkeypatch.setenv("KOKEILU_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        create_app()


def test_production_starts_with_a_secret_and_postgresql(monkeypatch):
    monkeypatch.setenv("KOKEILU_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://kokeilu@db.internal/kokeilu")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == PG
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_defaults_need_no_redis_and_log_mail(monkeypatch):
    for name in ("REDIS_URL", "MAIL_SERVER", "DATABASE_URL", "KOKEILU_ENV"):
        monkeypatch.delenv(name, raising=False)
    config = load_config()
    assert config["REDIS_URL"] is None and config["MAIL_SERVER"] is None
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
