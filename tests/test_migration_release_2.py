"""Upgrading a release-2 database that holds data to release 3 (step 0003): nothing lost,
the new columns filled, the signers who asked for the newsletter subscribed once each, the
outbox's pending messages given their domain (SQLite and PostgreSQL).

The release-2 database is a release-1 one with its data (tests/test_migrations.py),
migrated through step 0002, then given rows only release 2 can hold.
"""
import datetime as dt

import pytest

import migrations
from conftest import post_signature
from models import (
    Announcement, Campaign, OutboxMessage, Signature, Subscriber, Target, User,
    application_tables, db, is_sqlite, utcnow,
)
from test_migrations import (
    close_database, drop_every_table, migrated, recorded_steps, release_1_app, run, schema,
)

RELEASE_2 = "0002_running_campaigns"
RELEASE_3 = "0003_reach_and_operations"
CYBERACTION = "/cyberactions/pour-une-ecole-sans-gafam"


def every_row():
    """table → its rows as tuples of (column, value), for the tables release 2 has."""
    rows = {}
    for table in sorted(application_tables()):
        cursor = db.execute_sql(f'SELECT * FROM "{table}" ORDER BY 1')
        names = [column[0] for column in cursor.description]
        rows[table] = [dict(zip(names, values)) for values in cursor.fetchall()]
    return rows


def add_release_2_rows(release):
    """What release 2 writes and release 1 could not: a draft with a goal, an audit line,
    a blocked account, a bilan's attachment, and a second newsletter participation of an
    address that already ticked the box elsewhere."""
    param = db.obj.param
    now = utcnow()
    ids = release.ids
    db.execute_sql(
        'INSERT INTO "campaign" ("kind", "slug", "title", "summary", "body", "sources", "tags", '
        '"proposer", "letter_subject", "letter_body", "letter_locked", "allow_elu_copy", '
        '"opens_at", "signature_count", "content_version", "created_at", "status", "goal", '
        '"result_text", "search_text", "withdrawn_count") VALUES '
        f"('petitions', 'brouillon-velo', 'Des pistes cyclables à Quimper', '', '', '', '', "
        f"'Vélo Quimper', '', '', {param}, {param}, {param}, 0, 0, {param}, 'draft', 5000, '', "
        f"'des pistes cyclables a quimper', 0)", (False, False, now, now))
    db.execute_sql(f'UPDATE "user" SET "blocked_at" = {param} WHERE "id" = {param}',
                   (now - dt.timedelta(days=1), ids["unverified"]))
    db.execute_sql(
        'INSERT INTO "auditentry" ("actor_id", "action", "campaign_id", "detail", "created_at") '
        f"VALUES ({param}, 'campaign.publish', {param}, 'Publiée', {param})",
        (ids["admin"], ids["cyberaction"], now))
    db.execute_sql(
        'INSERT INTO "attachment" ("campaign_id", "filename", "content_type", "data", '
        f'"created_at") VALUES ({param}, \'signataires.pdf\', \'application/pdf\', {param}, '
        f"{param})", (ids["closed"], b"%PDF-1.4 fictif", now))
    db.execute_sql(
        'INSERT INTO "signature" ("campaign_id", "user_id", "status", "email", "email_key", '
        '"last_name", "first_name", "postal_code", "city", "country", "profession", "address", '
        '"newsletter", "hide_identity", "letter_subject", "letter_body", "cc_addrs", '
        '"cc_names", "confirm_nonce", "created_at", "confirmed_at") VALUES '
        f"({param}, {param}, 'confirmed', 'camille.martin@example.net', "
        f"'camille.martin@example.net', 'Martin', 'Camille', '35000', 'Rennes', 'FR', '', '', "
        f"{param}, {param}, '', '', '', '', 'nonce-release-2-camille', {param}, {param})",
        (ids["petition"], ids["member"], True, False, now - dt.timedelta(days=2),
         now - dt.timedelta(days=1)))


@pytest.fixture
def release2(database_url):
    release = release_1_app(database_url)
    with release.app.app_context():
        db.connect(reuse_if_open=True)
        assert migrations.migrate(through=RELEASE_2) == [RELEASE_2]
        add_release_2_rows(release)
        release.before = every_row()
        db.close()
    yield release
    close_database(release.app)


def test_migrate_applies_only_the_release_3_step(release2):
    output = migrated(release2)
    assert f"Étape appliquée : {RELEASE_3}" in output
    assert RELEASE_2 not in output
    assert recorded_steps() == migrations.step_names()


def test_every_release_2_row_and_column_is_kept(release2):
    migrated(release2)
    after = every_row()
    for table, rows in release2.before.items():
        if table == "schemamigration":
            continue
        assert rows, f"the release-2 database has no {table} row to keep"
        kept = [{column: row[column] for column in before} for row, before in
                zip(after[table], rows)]
        assert kept == rows, table


def test_new_columns_take_their_defaults(release2):
    migrated(release2)
    assert {user.language for user in User.select()} == {"fr"}
    for campaign in Campaign.select():
        assert (campaign.hide_counter, campaign.image_url, campaign.personal_data_purged_at) \
            == (False, "", None)
    assert all(target.bounced_at is None and target.bounce_error == ""
               for target in Target.select())
    assert Announcement.select().count() == 0


def test_signers_who_ticked_the_box_become_subscribers_once_each(release2):
    migrated(release2)
    subscribers = {row.email: row for row in Subscriber.select()}
    assert set(subscribers) == {"camille.martin@example.net", "yvonne.le-bris@example.net"}
    camille = subscribers["camille.martin@example.net"]
    assert camille.status == Subscriber.SUBSCRIBED and camille.source == "signature"
    assert camille.user_id == release2.ids["member"]
    assert camille.confirmed_at is not None and len(camille.token) == 32
    assert camille.token != subscribers["yvonne.le-bris@example.net"].token
    assert subscribers["yvonne.le-bris@example.net"].user_id is None


def test_pending_messages_get_their_recipients_domain(release2):
    migrated(release2)
    messages = {row.id: row for row in OutboxMessage.select()}
    assert messages[release2.ids["pending_letter"]].domain == "education.example.org"
    assert messages[release2.ids["sent_letter"]].domain == ""  # delivered: history


def test_migrated_schema_is_the_one_init_db_creates(release2):
    migrated(release2)
    after_migrating = schema()
    assert after_migrating["on delete"][("outboxmessage", "subscriber_id")] == "CASCADE"
    assert after_migrating["on delete"][("subscriber", "user_id")] == "CASCADE"
    drop_every_table(release2.url)
    migrations.create_latest()
    assert after_migrating == schema()


def test_signing_on_the_migrated_database_writes_the_new_columns(release2):
    migrated(release2)
    client = release2.app.test_client()
    assert post_signature(client, url=CYBERACTION, email="lea.kermarrec@Example.NET").status_code \
        == 303
    message = OutboxMessage.get(OutboxMessage.category == "confirmation",
                                OutboxMessage.to_addrs.contains("kermarrec"))
    assert message.domain == "example.net"


def test_second_migrate_does_nothing(release2):
    migrated(release2)
    output = run(release2.app, "migrate")
    assert "Schéma à jour : aucune étape à appliquer." in output


def deleted_ids_come_back():
    """Whether an account or a participation deleted last gives its id to the next one."""
    def next_after_deleting_the_last(model, **row):
        last = model.create(**row)
        model.delete_by_id(last.id)
        return model.create(**row).id == last.id
    user = dict(email="passage@example.net", email_key="passage@example.net",
                password_hash="x", session_token="0" * 32)
    campaign = Campaign.select().first()
    signature = dict(campaign=campaign, email="passage@example.net",
                     email_key="passage@example.net", last_name="Passage", first_name="Léa",
                     postal_code="35000", city="Rennes", country="FR", confirm_nonce="n" * 32)
    return [next_after_deleting_the_last(User, **user),
            next_after_deleting_the_last(Signature, **signature)]


def test_ids_are_never_given_twice_after_migrating(release2):
    migrated(release2)
    if is_sqlite():
        for table in ("user", "signature"):
            (sql,), = db.execute_sql("SELECT sql FROM sqlite_master WHERE name = ?",
                                     (table,)).fetchall()
            assert "PRIMARY KEY AUTOINCREMENT" in sql
    assert deleted_ids_come_back() == [False, False]


def test_ids_are_never_given_twice_on_a_new_database(release2):
    drop_every_table(release2.url)
    migrations.create_latest()
    Campaign.create(kind="petitions", slug="essai", title="Essai", proposer="Asso")
    assert deleted_ids_come_back() == [False, False]
