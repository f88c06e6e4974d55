"""The `flask` commands an operator runs."""
import pytest

import config
from app import create_app
from conftest import post_signature
from models import Campaign, OutboxMessage


def test_init_db_and_seed_demo_are_idempotent(runner, database):
    assert "prête" in runner.invoke(args=["init-db"]).output
    result = runner.invoke(args=["seed-demo"])
    assert "0 campagne(s) ajoutée(s)" in result.output
    assert Campaign.select().count() == 3


def test_demo_has_open_cyberaction_petition_and_closed_campaign(database):
    campaigns = list(Campaign.select())
    assert any(c.kind == "cyberactions" and c.is_open() and c.targets.count() for c in campaigns)
    assert any(c.kind == "petitions" and c.is_open() for c in campaigns)
    assert any(not c.is_open() for c in campaigns)
    assert all(t.email.endswith("@example.org") for c in campaigns for t in c.targets)


def test_worker_once_keeps_mail_when_no_smtp_server_is_configured(runner, client, database):
    post_signature(client)
    result = runner.invoke(args=["worker", "--once"])
    assert "1 message(s) traité(s)" in result.output
    assert OutboxMessage.get().status == OutboxMessage.KEPT


def test_production_refuses_the_development_secret_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", config.DEV_SECRET_KEY)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"DATABASE_URL": "sqlite://"})


@pytest.mark.parametrize("raw, expected", [("1", True), ("yes", True), ("TRUE", True),
                                            ("0", False), ("no", False), ("false", False)])
def test_booleans_read_the_usual_words(monkeypatch, raw, expected):
    monkeypatch.setenv("MAIL_USE_TLS", raw)
    assert config.env_bool("MAIL_USE_TLS") is expected


def test_a_boolean_that_is_no_boolean_is_refused(monkeypatch):
    monkeypatch.setenv("MAIL_USE_TLS", "peut-être")
    with pytest.raises(ValueError):
        config.env_bool("MAIL_USE_TLS")


def test_the_worker_loop_closes_campaigns_at_their_date(app, database):
    import datetime as dt

    import commands
    from conftest import DEMO_CYBERACTION, campaign_at
    from models import utcnow
    from services import outbox
    Campaign.update(closes_at=utcnow() - dt.timedelta(minutes=1)).where(
        Campaign.id == campaign_at(DEMO_CYBERACTION).id).execute()
    rounds = []
    with app.app_context():
        outbox.run_forever(should_stop=lambda: len(rounds) > 0, idle_sleep=0,
                           periodic=lambda: (commands._due_tasks(), rounds.append(1)))
    closed = campaign_at(DEMO_CYBERACTION)
    assert closed.status == Campaign.CLOSED and not closed.is_open()
    assert rounds == [1]


def test_production_refuses_a_plain_http_site_url_unless_told_it_is_local(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-for-this-test-only")
    with pytest.raises(RuntimeError, match="SITE_URL"):
        create_app({"DATABASE_URL": "sqlite://", "SITE_URL": "http://campagnes.example.org"})
    assert create_app({"DATABASE_URL": "sqlite://", "SITE_URL": "http://campagnes.example.org",
                       "LOCAL_INSTALL": True})
    assert create_app({"DATABASE_URL": "sqlite://", "SITE_URL": "http://127.0.0.1:5000"})
    assert create_app({"DATABASE_URL": "sqlite://", "SITE_URL": "https://campagnes.example.org"})


def test_every_answer_carries_the_security_headers(app, client, database):
    response = client.get("/")
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # the test site is http
    app.config["SITE_URL"] = "https://campagnes.example.org"
    assert "max-age=" in client.get("/").headers["Strict-Transport-Security"]
