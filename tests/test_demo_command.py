"""`flask demo load` refuses to run in production, where the login page would list shared demo passwords."""
from sqlalchemy import func, select

from auth.models import User
from core.settings import DEMO_MARKER, get_setting


def test_demo_load_refuses_in_production(app, db):
    app.config["ENV_NAME"] = "production"
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert not get_setting(DEMO_MARKER)


def test_demo_load_runs_in_development(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(User)) > 0


def test_login_page_never_lists_demo_accounts_in_production(app, client):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    assert "Kokeilu-demo-2026" in client.get("/login").get_data(as_text=True)
    app.config["ENV_NAME"] = "production"
    assert "Kokeilu-demo-2026" not in client.get("/login").get_data(as_text=True)
