"""Configuration comes from the environment; production refuses to start unsafely."""
import pytest

from app import create_app
from core.config import DEV_SECRET_KEY, ConfigurationError, check_config, load_config
from tests.factories import PASSWORD, app_config

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


def test_production_refuses_to_start_without_redis(monkeypatch):
    monkeypatch.setenv("KOKEILU_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", PG)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ConfigurationError, match="REDIS_URL must be set"):
        create_app()


def test_production_starts_with_a_secret_postgresql_and_redis(monkeypatch):
    monkeypatch.setenv("KOKEILU_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgres://kokeilu@db.internal/kokeilu")
    monkeypatch.setenv("REDIS_URL", "redis://redis.internal:6379/0")
    config = load_config()
    check_config(config)  # not create_app(): it would bind the shared limiter to that Redis for later tests
    assert config["SQLALCHEMY_DATABASE_URI"] == PG
    assert config["SESSION_COOKIE_SECURE"] is True and config["RATELIMIT_STORAGE_URI"] == config["REDIS_URL"]
    assert config["STRICT_TRANSPORT_SECURITY"] == "max-age=31536000; includeSubDomains"


def test_defaults_need_no_redis_and_log_mail(monkeypatch):
    for name in ("REDIS_URL", "MAIL_SERVER", "DATABASE_URL", "KOKEILU_ENV"):
        monkeypatch.delenv(name, raising=False)
    config = load_config()
    assert config["REDIS_URL"] is None and config["MAIL_SERVER"] is None
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_proxy_count_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("PROXY_COUNT", raising=False)
    assert load_config()["PROXY_COUNT"] == 0
    monkeypatch.setenv("PROXY_COUNT", "2")
    assert load_config()["PROXY_COUNT"] == 2
    monkeypatch.setenv("PROXY_COUNT", "two")
    with pytest.raises(ConfigurationError, match="PROXY_COUNT"):
        load_config()


def _failures_then_login(app, make_user):
    """Five wrong passwords from one forwarded address, then the right one from another; the status."""
    user = make_user()
    client = app.test_client()
    for _attempt in range(5):
        client.post("/login", data={"email": user.email, "password": "guess"},
                    headers={"X-Forwarded-For": "203.0.113.66"})
    return client.post("/login", data={"email": user.email, "password": PASSWORD},
                       headers={"X-Forwarded-For": "198.51.100.7"}).status_code


@pytest.mark.parametrize("proxies, status", [(0, 429), (1, 302)])
def test_forwarded_for_is_honoured_only_with_proxy_count(database_url, make_user, proxies, status):
    """Without PROXY_COUNT every client seems to be the balancer; with it, each is itself."""
    app = create_app(app_config(database_url, PROXY_COUNT=proxies))
    with app.app_context():
        assert _failures_then_login(app, make_user) == status


def test_forwarded_for_trusts_only_the_address_the_proxy_added(database_url, make_user):
    app = create_app(app_config(database_url, PROXY_COUNT=1))
    with app.app_context():
        user = make_user()
        client = app.test_client()
        for n in range(5):  # the client makes up a different first address each time
            client.post("/login", data={"email": user.email, "password": "guess"},
                        headers={"X-Forwarded-For": f"10.0.0.{n}, 203.0.113.66"})
        response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                               headers={"X-Forwarded-For": "10.9.9.9, 203.0.113.66"})
        assert response.status_code == 429
