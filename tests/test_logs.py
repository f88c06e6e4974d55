"""Logs: one line per request and per delivered batch, at LOG_LEVEL, without personal data.

conftest's autouse `no_personal_data_in_logs` checks every test of the suite; the tests
here check the lines themselves and the checker.
"""
import logging
import uuid

import pytest

from conftest import (
    PERSONAL_DATA_IN_LOGS, DEMO_CYBERACTION, csrf_token, demo_app, make_member, make_test_app,
    post_signature,
)
from models import Signature, db
from services import logs, messages, outbox
from services.tokens import make_token


def request_lines(log_lines):
    return [line for line in log_lines.lines if "interpelle.request" in line]


def test_each_request_writes_one_line_with_method_path_status_and_duration(
        client, database, no_personal_data_in_logs):
    client.get(DEMO_CYBERACTION + "?q=quelqu-un@example.net")
    lines = request_lines(no_personal_data_in_logs)
    assert len(lines) == 1
    assert lines[0].endswith("ms")
    assert f"INFO interpelle.request: GET {DEMO_CYBERACTION} 200 " in lines[0]
    assert "?" not in lines[0] and "client=" not in lines[0]


def test_link_tokens_are_redacted_from_the_request_line(app, client, database,
                                                        no_personal_data_in_logs):
    post_signature(client)
    with app.app_context():
        nonce = Signature.get().confirm_nonce
        confirm = make_token(messages.CONFIRM_PURPOSE, nonce)
        manage = make_token(messages.MANAGE_PURPOSE, nonce)
    for url in (f"/confirmer/{confirm}", f"/participation/{manage}",
                f"/participation/{manage}/retirer", "/mot-de-passe/abc.def.ghijklmnopqrstuvwxyz",
                "/compte/verifier/quelque-chose", "/compte/courriel/quelque-chose",
                f"/lettre-d-infos/desabonnement/{uuid.uuid4().hex}"):
        client.get(url)
    lines = " ".join(request_lines(no_personal_data_in_logs))
    for redacted in ("/confirmer/<jeton>", "/participation/<jeton>",
                     "/participation/<jeton>/retirer", "/mot-de-passe/<jeton>",
                     "/compte/verifier/<jeton>", "/compte/courriel/<jeton>",
                     "/lettre-d-infos/desabonnement/<jeton>"):
        assert redacted in lines
    assert confirm not in lines and manage not in lines and nonce not in lines


@pytest.mark.parametrize("path, shown", [
    ("/confirmer/InFvbyI.aBcDeF.abcdefghijklmnopqrstuvwx", "/confirmer/<jeton>"),
    ("/participation/x/masquer", "/participation/<jeton>/masquer"),
    ("/cyberactions/arret-migration-m365", "/cyberactions/arret-migration-m365"),
    ("/recherche/" + "a" * 32, "/recherche/<jeton>"),
    ("/inconnu/quelqu-un@example.net", "/inconnu/<adresse>"),
    ("/lettre-d-infos/desabonner/abc", "/lettre-d-infos/desabonner/<jeton>"),
])
def test_redact_path(path, shown):
    assert logs.redact_path(path) == shown


def test_client_addresses_are_logged_only_when_configured(database_url, tmp_path,
                                                          no_personal_data_in_logs):
    quiet = make_test_app(f"sqlite:///{tmp_path}/a.sqlite3")
    quiet.test_client().get("/healthz", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    told = make_test_app(f"sqlite:///{tmp_path}/b.sqlite3", LOG_CLIENT_ADDRESSES=True)
    told.test_client().get("/healthz", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    first, second = request_lines(no_personal_data_in_logs)
    assert "203.0.113.9" not in first
    assert second.endswith("client=203.0.113.9")


def test_log_level_follows_log_level(tmp_path, no_personal_data_in_logs):
    app = make_test_app(f"sqlite:///{tmp_path}/a.sqlite3", LOG_LEVEL="WARNING")
    app.test_client().get("/healthz")
    assert not request_lines(no_personal_data_in_logs)
    assert logging.getLogger().level == logging.WARNING
    make_test_app(f"sqlite:///{tmp_path}/b.sqlite3", LOG_LEVEL="DEBUG")
    assert logging.getLogger("peewee").level == logging.INFO  # its queries hold parameters
    make_test_app(f"sqlite:///{tmp_path}/c.sqlite3")  # back to INFO for the other tests
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        logs.configure_logging("BAVARD")


def test_a_delivered_batch_writes_counts_only(database_url, smtp_server,
                                              no_personal_data_in_logs):
    app = demo_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    post_signature(app.test_client())
    rounds = []

    def stop_once_delivered():
        rounds.append(None)
        return len(smtp_server.mailbox.envelopes) == 1 or len(rounds) > 50  # bounded

    with app.app_context():
        outbox.run_forever(should_stop=stop_once_delivered, idle_sleep=0.02)
        db.close()
    batch = [line for line in no_personal_data_in_logs.lines if "batch of" in line]
    assert len(batch) == 1 and batch[0].endswith("batch of 1 message(s) handled")
    assert len(smtp_server.mailbox.envelopes) == 1


def test_a_rate_limit_line_does_not_name_the_typed_address(database_url, tmp_path,
                                                           no_personal_data_in_logs):
    app = make_test_app(f"sqlite:///{tmp_path}/a.sqlite3", RATELIMIT_ENABLED=True,
                        LOGIN_RATE_LIMIT="100 per minute", ACCOUNT_RATE_LIMIT="1 per minute")
    from migrations import create_latest
    with app.app_context():
        create_latest()
    client = app.test_client()
    token = csrf_token(client, "/connexion")
    for _ in range(3):
        client.post("/connexion", data={"csrf_token": token, "email": "cible@example.org",
                                        "password": "pas-le-bon-mot-de-passe"})
    limited = [line for line in no_personal_data_in_logs.lines if "ratelimit" in line]
    assert limited and all("<clé>" in line for line in limited)


def test_werkzeug_access_lines_are_dropped_and_others_cleaned():
    keep = logs.WithoutPersonalData()
    access = logging.LogRecord("werkzeug", logging.INFO, "", 0,
                               '127.0.0.1 - - [02/Dec/2026 10:00:00] "%s" %s %s',
                               ("GET /confirmer/a.b.c HTTP/1.1", 200, "-"), None)
    assert keep.filter(access) is False
    other = logging.LogRecord("werkzeug", logging.INFO, "", 0, "about %s",
                              ("quelqu-un@example.net",), None)
    assert keep.filter(other) and other.getMessage() == "about <adresse>"


def test_the_suite_wide_check_recognises_addresses_tokens_and_names(app):
    with app.app_context():
        token = make_token(messages.CONFIRM_PURPOSE, uuid.uuid4().hex)
    for leak in ("envoyé à helene.durand@example.net", token, uuid.uuid4().hex,
                 "signataire Durand", "prénom Hélène"):
        assert PERSONAL_DATA_IN_LOGS.search(leak), leak
    for clean in ("GET /confirmer/<jeton> 200 3.1ms", "outbox worker host-12-ab12cd34: batch of "
                  "3 message(s) handled", f"GET {DEMO_CYBERACTION} 200 2.0ms"):
        assert not PERSONAL_DATA_IN_LOGS.search(clean), clean


def test_member_routes_log_no_address(app, client, database, no_personal_data_in_logs):
    member = make_member(app, "camille.martin@example.net")
    token = csrf_token(client, "/connexion")
    client.post("/connexion", data={"csrf_token": token, "email": member.email,
                                    "password": "faux-mot-de-passe-123"})
    assert request_lines(no_personal_data_in_logs)


def test_an_unhandled_error_is_logged_without_its_token_or_the_row(app, no_personal_data_in_logs):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/confirmer/<token>/panne")
    def broken(token):
        raise RuntimeError("duplicate key: Key (email_key)=(helene.durand@example.net)")

    with app.app_context():
        token = make_token(messages.CONFIRM_PURPOSE, uuid.uuid4().hex)
    assert app.test_client().get(f"/confirmer/{token}/panne").status_code == 500
    error = [line for line in no_personal_data_in_logs.lines if line.startswith("ERROR")]
    assert error and "Exception on /confirmer/<jeton>/panne [GET]" in error[0]
    assert "<adresse>" in error[0] and "RuntimeError" in error[0]
