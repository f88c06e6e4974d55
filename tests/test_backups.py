"""`flask --app app backup DEST` while signatures come in, then `restore` into a fresh
database: the restored rows are the source's as of the backup, on SQLite and PostgreSQL.

The load is bounded: two threads (through the test client), one signing until twenty
signatures after the backup (400 at most), one confirming 40 participations made
beforehand; the backup runs in the middle of it.
"""
import datetime as dt
import os
import threading
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg

from conftest import csrf_token, make_test_app, post_signature
from models import Campaign, OutboxMessage, Signature, db
from services import backups, messages

MAX_SIGNATURES = 400
TO_CONFIRM = 40


@contextmanager
def fresh_database(database_url, tmp_path):
    """An empty database of the same kind as `database_url`, dropped afterwards."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'interpelle.sqlite3'}"
        return
    name = f"interpelle_restore_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(database_url)
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(model):
    return {row["id"]: row for row in model.select().dicts()}


def snapshot():
    return {"signature": rows(Signature), "outbox": rows(OutboxMessage),
            "campaign": rows(Campaign)}


def confirm_tokens(app, count):
    """Participations made before the load, and the links that confirm them."""
    client = app.test_client()
    for number in range(count):
        post_signature(client, email=f"avant-{number}@example.net")
    with app.app_context():
        return [messages.make_token(messages.CONFIRM_PURPOSE, signature.confirm_nonce)
                for signature in Signature.select().where(Signature.email.startswith("avant-"))]


def run_load(app, tokens, errors, backup_done):
    """Two bounded threads: new signatures until a little after the backup (at most
    MAX_SIGNATURES), and confirmations of the pending ones, paced to straddle it."""
    def sign():
        client = app.test_client()
        after_backup = 0
        for number in range(MAX_SIGNATURES):
            response = post_signature(client, email=f"charge-{number}@example.net")
            if response.status_code != 303:
                errors.append(("sign", response.status_code))
            after_backup += backup_done.is_set()
            if after_backup >= 20:
                return

    def confirm():
        client = app.test_client()
        token = csrf_token(client, f"/confirmer/{tokens[0]}")
        for link in tokens:
            response = client.post(f"/confirmer/{link}", data={"csrf_token": token})
            if response.status_code != 200:
                errors.append(("confirm", response.status_code))
            backup_done.wait(0.02)

    threads = [threading.Thread(target=sign), threading.Thread(target=confirm)]
    for thread in threads:
        thread.start()
    return threads


def wait_for(condition, seconds=60):
    deadline = threading.Event()
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        deadline.wait(0.05)
    return False


def test_a_backup_taken_under_load_restores_the_rows_as_of_its_moment(app, runner, tmp_path,
                                                                      database_url):
    tokens = confirm_tokens(app, TO_CONFIRM)
    before = snapshot()
    errors = []
    backup_done = threading.Event()
    threads = run_load(app, tokens, errors, backup_done)
    try:
        assert wait_for(lambda: Signature.select().where(
            Signature.email.startswith("charge-")).count() >= 20)
        result = runner.invoke(args=["backup", str(tmp_path / "sauvegardes")])
    finally:
        backup_done.set()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert result.exit_code == 0, result.output
    assert not errors
    after = snapshot()
    written = next((tmp_path / "sauvegardes").iterdir())
    assert written.name.startswith("interpelle-") and str(written) in result.output
    assert written.stat().st_mode & 0o077 == 0  # readable by its owner only

    source_database = db.obj
    with fresh_database(database_url, tmp_path) as restored_url:
        restored_app = make_test_app(restored_url)  # binds the models to the fresh database
        outcome = restored_app.test_cli_runner().invoke(args=["restore", str(written)])
        assert outcome.exit_code == 0, outcome.output
        with restored_app.app_context():
            restored = snapshot()
            db.close()
            if hasattr(db.obj, "close_all"):
                db.obj.close_all()
    db.initialize(source_database)
    assert_restored_is_a_moment_of_the_source(before, after, restored)


def assert_restored_is_a_moment_of_the_source(before, after, restored):
    """Between what the source held before the load and after it, and consistent."""
    signatures, letters = restored["signature"], restored["outbox"]
    assert set(before["signature"]) <= set(signatures) <= set(after["signature"])
    assert len(before["signature"]) < len(signatures) < len(after["signature"])
    # Rows the load never changes again are equal to the source's; a participation is
    # as the source had it then: pending, or confirmed just as the source says.
    for row_id, row in letters.items():
        assert row == after["outbox"][row_id]
    for row_id, row in signatures.items():
        source = after["signature"][row_id]
        if row["status"] == "confirmed":
            assert row == source
        else:
            assert row == {**source, "status": row["status"], "confirmed_at": None}
    # A confirmation writes its signature, the counter and the letter together: the
    # restore holds all three or none of them.
    for campaign_id, campaign in restored["campaign"].items():
        confirmed_then = sum(1 for row in signatures.values()
                             if row["campaign"] == campaign_id and row["status"] == "confirmed")
        confirmed_before = sum(1 for row in before["signature"].values()
                               if row["campaign"] == campaign_id and row["status"] == "confirmed")
        gained = campaign["signature_count"] - before["campaign"][campaign_id]["signature_count"]
        assert gained == confirmed_then - confirmed_before
    letter_signatures = {row["signature"] for row in letters.values()
                         if row["category"] == "letter"}
    confirmed_ids = {row_id for row_id, row in signatures.items() if row["status"] == "confirmed"}
    assert letter_signatures == confirmed_ids
    every_mail = {row["signature"] for row in letters.values()}
    assert every_mail >= set(signatures)  # each participation has its confirmation mail


def test_restore_refuses_a_database_that_holds_data(app, runner, tmp_path, database):
    result = runner.invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    written = next((tmp_path / "b").iterdir())
    post_signature(app.test_client(), email="apres@example.net")
    refused = runner.invoke(args=["restore", str(written)])
    assert refused.exit_code != 0
    assert "contient déjà des données" in refused.output and "--force" in refused.output
    assert Signature.select().where(Signature.email == "apres@example.net").count() == 1


def test_restore_with_force_replaces_the_database(app, runner, tmp_path, database):
    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    written = next((tmp_path / "b").iterdir())
    post_signature(app.test_client(), email="apres@example.net")
    result = runner.invoke(args=["restore", "--force", str(written)])
    assert result.exit_code == 0, result.output
    db.close()
    assert Signature.select().where(Signature.email == "apres@example.net").count() == 0
    assert Campaign.select().count() > 0


def test_backup_keeps_the_newest_of_its_own_files_only(app, tmp_path, database):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "notes.txt").write_text("à garder")
    start = dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.timezone.utc)
    with app.app_context():
        for day in range(5):
            backups.backup(app.config["DATABASE_URL"], folder, keep=3,
                           now=start + dt.timedelta(days=day))
    names = sorted(path.name for path in folder.iterdir())
    suffix = ".sqlite3" if app.config["DATABASE_URL"].startswith("sqlite") else ".dump"
    assert names == [f"interpelle-2026010{day}-030000{suffix}" for day in (3, 4, 5)] + ["notes.txt"]


def test_backup_keep_follows_backup_keep(app, runner, tmp_path, database):
    folder = tmp_path / "b"
    folder.mkdir()
    for stamp in ("20250101-030000", "20250102-030000"):
        suffix = ".sqlite3" if app.config["DATABASE_URL"].startswith("sqlite") else ".dump"
        (folder / f"interpelle-{stamp}{suffix}").write_bytes(b"")
    app.config["BACKUP_KEEP"] = 2
    result = runner.invoke(args=["backup", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Ancienne sauvegarde supprimée" in result.output
    assert len(list(folder.iterdir())) == 2


def test_restore_refuses_a_file_of_the_other_database(app, runner, tmp_path, database):
    wrong = tmp_path / ("interpelle-20260101-030000.dump"
                        if app.config["DATABASE_URL"].startswith("sqlite")
                        else "interpelle-20260101-030000.sqlite3")
    wrong.write_bytes(b"")
    result = runner.invoke(args=["restore", str(wrong)])
    assert result.exit_code != 0 and "se restaure depuis un fichier" in result.output


def test_the_postgresql_password_never_reaches_the_command_line():
    arguments, environment = backups.postgres_arguments(
        "postgresql://interpelle:s3cr%C3%A8t@db.example.org:5433/interpelle?sslmode=require")
    assert "s3cr" not in " ".join(arguments)
    assert arguments == ["--dbname",
                         "postgresql://interpelle@db.example.org:5433/interpelle?sslmode=require"]
    assert environment["PGPASSWORD"] == "s3crèt"
    assert os.environ.get("PGPASSWORD") != "s3crèt"

