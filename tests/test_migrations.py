"""Upgrading a release-1 database that holds data: `flask migrate` loses nothing, fills in
the new columns, and release 2 works on what it leaves (SQLite and PostgreSQL).

The release-1 database is built from the frozen models of migrations/0001_release_1.py,
with no `schemamigration` table, as a real release-1 install has it.
"""
import datetime as dt
import importlib
import re
import secrets
from dataclasses import dataclass

import pytest

import migrations
from conftest import MEMBER_PASSWORD, csrf_token, log_in, make_test_app, post_signature
from models import (
    ALL_MODELS, AuditEntry, Campaign, OutboxMessage, SchemaMigration, Signature, User,
    application_tables, db, is_sqlite, utcnow,
)
from services import campaigns, outbox, passwords

release_1 = importlib.import_module("migrations.0001_release_1")

CONFIRM_LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")
CYBERACTION = "/cyberactions/pour-une-ecole-sans-gafam"
PETITION = "/petitions/sauvons-la-maternite-de-guingamp"
ADMIN_EMAIL = "admin@interpelle.test"
LATER_STEPS = migrations.step_names()[1:]  # what migrate applies to a release-1 database


@dataclass
class Release1:
    """A release-1 database with data, and the app that will migrate it."""

    app: object
    url: str
    ids: dict      # name → id of the rows the tests look at
    before: dict   # table → its rows, every release-1 column, before migrating


# Building the release-1 database ---------------------------------------------------------

def drop_every_table(url):
    cascade = not url.startswith("sqlite")
    db.drop_tables(ALL_MODELS, safe=True, cascade=cascade)
    with db.obj.bind_ctx(release_1.MODELS):
        db.obj.drop_tables(release_1.MODELS, safe=True, cascade=cascade)


def release_1_rows():
    """Every row of every release-1 table, as release 1 reads it (its columns only)."""
    with db.obj.bind_ctx(release_1.MODELS):
        return {model._meta.table_name: list(model.select().order_by(model.id).dicts())
                for model in release_1.MODELS}


def fill_release_1(now):
    """Rows in every table, as release 1 wrote them; returns the ids the tests need."""
    with db.obj.bind_ctx(release_1.MODELS):
        users = make_users(now)
        found = make_campaigns(now)
        found.update(users)
        found.update(make_participations(now, found))
        found.update(make_comments(now, found))
        found.update(make_places())
        found.update(make_outbox(now, found))
    return found


def make_users(now):
    password_hash = passwords.hash_password(MEMBER_PASSWORD)

    def user(email, role, verified=True, **profile):
        return release_1.User.create(
            email=email, email_key=email.lower(), password_hash=password_hash, role=role,
            email_verified_at=now - dt.timedelta(days=200) if verified else None,
            session_token=secrets.token_hex(16), created_at=now - dt.timedelta(days=300),
            **profile).id

    return {
        "member": user("camille.martin@example.net", "member", last_name="Martin",
                       first_name="Camille", postal_code="35000", city="Rennes",
                       profession="Infirmière", address="12 rue de l'Église"),
        "moderator": user("josephine.lefevre@example.net", "moderator", last_name="Lefèvre",
                          first_name="Joséphine", postal_code="29200", city="Brest"),
        "admin": user(ADMIN_EMAIL, "admin", last_name="Moreau", first_name="Gaël"),
        "unverified": user("nouveau.venu@example.net", "member", verified=False,
                           pending_email="nouvelle.adresse@example.net", can_comment=False,
                           first_name="Noël", last_name="Bérenger"),
    }


def make_campaigns(now):
    day = dt.timedelta(days=1)

    def campaign(kind, slug, title, targets, **columns):
        row = release_1.Campaign.create(kind=kind, slug=slug, title=title, **columns)
        for position, (name, email) in enumerate(targets):
            release_1.Target.create(campaign=row, name=name, email=email, position=position)
        return row.id

    return {
        "cyberaction": campaign(
            "cyberactions", "pour-une-ecole-sans-gafam", "Pour une École sans GAFAM",
            [("Ministre de l'Éducation nationale", "ministre@education.example.org"),
             ("Recteur d'académie", "recteur@ac-rennes.example.org")],
            summary="Les données des élèves ne doivent pas quitter l'Europe.",
            body="Des milliers d'écoles utilisent des services étrangers.",
            sources="https://example.org/rapport-cnil", tags="éducation, numérique libre",
            proposer="Collectif Éducation Libre", letter_subject="Protégez les données des élèves",
            letter_body="Madame la Ministre,\n\nnous vous demandons de protéger nos enfants.",
            allow_elu_copy=True, opens_at=now - 30 * day, closes_at=now + 20 * day,
            signature_count=2, content_version=3, created_at=now - 31 * day),
        "petition": campaign(
            "petitions", "sauvons-la-maternite-de-guingamp", "Sauvons la maternité de Guingamp",
            [("Agence régionale de santé", "ars-bretagne@example.org")],
            summary="Accoucher à une heure de route, c'est non.", tags="santé, Bretagne",
            proposer="Comité de défense", opens_at=now - 10 * day, signature_count=1),
        "past_date": campaign(
            "cyberactions", "trains-de-nuit-paris-briancon",
            "Trains de nuit : rouvrez la ligne Paris–Briançon",
            [("Ministre des Transports", "transports@example.org")],
            proposer="Usagers du rail", letter_subject="Le train de nuit, vite",
            letter_body="Monsieur le Ministre,", opens_at=now - 60 * day,
            closes_at=now - 2 * day),
        "closed": campaign(
            "petitions", "protegeons-la-foret-de-berce", "Protégeons la forêt de Bercé",
            [("Préfète de la Sarthe", "prefete-sarthe@example.org")],
            tags="forêt, biodiversité", proposer="Amis de la forêt", opens_at=now - 90 * day,
            closes_at=now + 5 * day, closed_at=now - 10 * day, signature_count=1),
    }


def make_participations(now, ids):
    def signature(campaign, email, first_name, last_name, **columns):
        return release_1.Signature.create(
            campaign=ids[campaign], email=email, email_key=email.lower(), first_name=first_name,
            last_name=last_name, postal_code=columns.pop("postal_code", "35000"),
            city=columns.pop("city", "Rennes"), country="FR", confirm_nonce=secrets.token_hex(16),
            created_at=now - dt.timedelta(days=5), **columns).id

    confirmed = {"status": "confirmed", "confirmed_at": now - dt.timedelta(days=4)}
    return {
        "letters_signature": signature(
            "cyberaction", "camille.martin@example.net", "Camille", "Martin", user=ids["member"],
            profession="Infirmière", newsletter=True, letter_subject="Protégez nos élèves",
            letter_body="Madame la Ministre,\n\nje vous écris en mère d'élève.",
            cc_addrs="anne.legall@assemblee.example.org", cc_names="Mme Anne Le Gall",
            **confirmed),
        "hidden_signature": signature(
            "cyberaction", "emile.zola@example.net", "Émile", "Zola", hide_identity=True,
            letter_subject="Protégez les données des élèves",
            letter_body="Madame la Ministre,\n\nnous vous demandons de protéger nos enfants.",
            **confirmed),
        "pending_signature": signature(
            "cyberaction", "francois.noel@example.net", "François", "Noël",
            postal_code="75011", city="Paris"),
        "petition_signature": signature(
            "petition", "yvonne.le-bris@example.net", "Yvonne", "Le Bris", newsletter=True,
            postal_code="29200", city="Brest", **confirmed),
        "closed_signature": signature(
            "closed", "bernard.hervé@example.net", "Bernard", "Hervé", postal_code="72000",
            city="Le Mans", last_notice_at=now - dt.timedelta(days=3), **confirmed),
    }


def make_comments(now, ids):
    visible = release_1.Comment.create(
        campaign=ids["cyberaction"], author=ids["member"], body="Très bonne initiative, merci !")
    hidden = release_1.Comment.create(
        campaign=ids["cyberaction"], author=ids["unverified"], body="Message déplacé à masquer",
        hidden_at=now - dt.timedelta(days=2), hidden_by=ids["moderator"],
        hidden_reason="Propos injurieux")
    release_1.Comment.create(campaign=ids["petition"], author=ids["admin"],
                             body="Merci à toutes et à tous.")
    release_1.CommentReport.create(comment=hidden, reporter=ids["member"], reason="Insultes",
                                   resolved_at=now - dt.timedelta(days=2))
    release_1.CommentReport.create(comment=visible, reporter=ids["moderator"], reason="À vérifier")
    release_1.ModerationAction.create(moderator=ids["moderator"], action="hide", comment=hidden,
                                      member=ids["unverified"], reason="Propos injurieux")
    release_1.ModerationAction.create(moderator=ids["moderator"], action="block",
                                      member=ids["unverified"], reason="Récidive après masquage")
    return {"visible_comment": visible.id, "hidden_comment": hidden.id}


def make_places():
    for postal_code, insee_code, name, departement, parent in [
            ("35000", "35238", "Rennes", "35", ""), ("29200", "29019", "Brest", "29", ""),
            ("75011", "75056", "Paris", "75", ""),
            ("75011", "75111", "Paris 11e Arrondissement", "75", "75056")]:
        release_1.Commune.create(postal_code=postal_code, insee_code=insee_code, name=name,
                                 departement=departement, parent_insee=parent)
    for insee_code, circonscription in [("35238", "3501"), ("35238", "3502"), ("75111", "7506")]:
        release_1.CommuneCirconscription.create(insee_code=insee_code,
                                                circonscription=circonscription)
    elu = release_1.Elu.create(
        external_id="PA999001", civility="Mme", first_name="Anne", last_name="Le Gall",
        group="Écologiste et Social", departement="35", circonscription="3501",
        emails="anne.legall@assemblee.example.org")
    return {"elu": elu.id}


def make_outbox(now, ids):
    def message(category, status, **columns):
        return release_1.OutboxMessage.create(category=category, status=status,
                                              created_at=now - dt.timedelta(days=4), **columns).id

    letter = {"to_addrs": "ministre@education.example.org,recteur@ac-rennes.example.org",
              "category": "letter"}
    return {
        "sent_letter": message(
            status="sent", signature=ids["letters_signature"],
            sender_name="Camille Martin via Interpelle", reply_to="camille.martin@example.net",
            cc_addrs="anne.legall@assemblee.example.org", subject="Protégez nos élèves",
            body_text="Madame la Ministre,\n\nje vous écris en mère d'élève.\n\nCamille Martin",
            attempts=1, sent_at=now - dt.timedelta(days=4), **letter),
        "pending_letter": message(
            status="pending", signature=ids["hidden_signature"],
            sender_name="Émile Zola via Interpelle", reply_to="emile.zola@example.net",
            subject="Protégez les données des élèves",
            body_text="Madame la Ministre,\n\nnous vous demandons de protéger nos enfants.\n\n"
                      "Émile Zola", next_attempt_at=now - dt.timedelta(minutes=5), **letter),
        "confirmation_mail": message(
            "confirmation", "sent", signature=ids["pending_signature"],
            to_addrs="francois.noel@example.net", subject="Confirmez votre participation",
            body_text="Cliquez sur le lien.", body_html="<p>Cliquez sur le lien.</p>",
            attempts=1, sent_at=now - dt.timedelta(days=4)),
        "account_mail": message(
            "account", "failed", user=ids["unverified"], to_addrs="nouveau.venu@example.net",
            subject="Vérifiez votre adresse pour activer votre compte Interpelle",
            body_text="Bienvenue !", body_html="<p>Bienvenue !</p>", attempts=8,
            last_error="SMTPRecipientsRefused: boîte pleine"),
    }


def release_1_app(url, **config):
    app = make_test_app(url, **config)
    with app.app_context():
        db.connect(reuse_if_open=True)
        drop_every_table(url)
        release_1.apply(None, db.obj)
        ids = fill_release_1(utcnow())
        before = release_1_rows()
        db.close()
    return Release1(app, url, ids, before)


def close_database(app):
    with app.app_context():
        db.close()
        if hasattr(db.obj, "close_all"):
            db.obj.close_all()


@pytest.fixture
def release1(database_url):
    built = release_1_app(database_url)
    yield built
    close_database(built.app)


@pytest.fixture
def release1_smtp(database_url, smtp_server):
    """The same, with mail going to a real SMTP server."""
    built = release_1_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    yield built
    close_database(built.app)


@pytest.fixture
def empty_app(database_url):
    app = make_test_app(database_url)
    with app.app_context():
        db.connect(reuse_if_open=True)
        drop_every_table(database_url)
        db.close()
    yield app
    close_database(app)


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exception is None, result.output
    return result.output


def migrated(release):
    output = run(release.app, "migrate")
    db.connect(reuse_if_open=True)
    return output


def applied_lines(output):
    return [line for line in output.splitlines() if line.startswith("Étape appliquée")]


def recorded_steps():
    return sorted(row.name for row in SchemaMigration.select())


def expected_rows(release):
    """The release-1 rows as they must read after migrating: the same, except that a
    campaign past its date, which release 1 never closed, now has its `closed_at`."""
    rows = {table: [dict(row) for row in rows] for table, rows in release.before.items()}
    for row in rows["campaign"]:
        if row["id"] == release.ids["past_date"]:
            row["closed_at"] = row["closes_at"]
    return rows


def schema():
    """Every table's columns (name, type, nullable), foreign keys and indexes."""
    described = {}
    for table in sorted(application_tables()):
        columns = sorted((c.name, c.data_type.lower(), bool(c.null)) for c in db.get_columns(table))
        keys = sorted((k.column, k.dest_table, k.dest_column) for k in db.get_foreign_keys(table))
        indexes = sorted((tuple(i.columns), bool(i.unique)) for i in db.get_indexes(table))
        described[table] = {"columns": columns, "foreign keys": keys, "indexes": indexes}
    described["on delete"] = delete_rules()
    return described


def delete_rules():
    """(table, column) → what deleting the row it points to does (CASCADE, SET NULL…)."""
    if is_sqlite():
        return {(table, row[3]): row[6].upper() for table in application_tables()
                for row in db.execute_sql(f'PRAGMA foreign_key_list("{table}")').fetchall()}
    rows = db.execute_sql(
        "SELECT usage.table_name, usage.column_name, rules.delete_rule "
        "FROM information_schema.referential_constraints AS rules "
        "JOIN information_schema.key_column_usage AS usage "
        "ON usage.constraint_name = rules.constraint_name "
        "WHERE usage.table_schema = current_schema()").fetchall()
    return {(table, column): rule.upper() for table, column, rule in rows}


# Migrating ---------------------------------------------------------------------------------

def test_migrate_recognises_release_1_and_applies_the_later_steps(release1):
    output = migrated(release1)
    assert "0002_running_campaigns" in LATER_STEPS
    assert applied_lines(output) == [f"Étape appliquée : {name}" for name in LATER_STEPS]
    assert "0001_release_1" not in output  # already there: recognised, not applied
    assert recorded_steps() == migrations.step_names()


def test_migrate_keeps_every_release_1_row_and_column(release1):
    migrated(release1)
    after = release_1_rows()
    expected = expected_rows(release1)
    for table, rows in expected.items():
        assert rows, f"the release-1 database has no {table} row to keep"
        assert after[table] == rows, table


def test_migrate_fills_in_the_new_columns(release1):
    migrated(release1)
    ids = release1.ids
    by_id = {campaign.id: campaign for campaign in Campaign.select()}
    for name in ("cyberaction", "petition"):
        assert by_id[ids[name]].status == Campaign.PUBLISHED
        assert by_id[ids[name]].published_at == by_id[ids[name]].opens_at
        assert by_id[ids[name]].is_open()
    past, closed = by_id[ids["past_date"]], by_id[ids["closed"]]
    assert (past.status, past.closed_at) == (Campaign.CLOSED, past.closes_at)
    assert closed.status == Campaign.CLOSED
    assert closed.closed_at < closed.closes_at  # closed early: its own date is kept
    assert not past.is_open() and not closed.is_open()
    assert "pour une ecole sans gafam" in by_id[ids["cyberaction"]].search_text
    assert "education, numerique libre" in by_id[ids["cyberaction"]].search_text
    assert "foret de berce" in closed.search_text
    for campaign in by_id.values():
        assert (campaign.withdrawn_count, campaign.goal, campaign.result_text) == (0, None, "")
        assert campaign.proposed_by_id is None
        assert campaign.bilan_requested_at is None and campaign.bilan_sent_at is None
    assert [user.blocked_at for user in User.select()] == [None] * 4
    assert User.get(User.email == ADMIN_EMAIL).is_active
    messages = {message.id: message for message in OutboxMessage.select()}
    assert messages[ids["sent_letter"]].campaign_id == ids["cyberaction"]
    assert messages[ids["pending_letter"]].campaign_id == ids["cyberaction"]
    assert messages[ids["confirmation_mail"]].campaign_id == ids["cyberaction"]
    assert messages[ids["account_mail"]].campaign_id is None
    assert all(message.attachment_id is None for message in messages.values())
    assert AuditEntry.select().count() == 0


def test_migrated_schema_is_the_one_init_db_creates(release1):
    migrated(release1)
    after_migrating = schema()
    assert after_migrating["on delete"][("campaign", "proposed_by_id")] == "SET NULL"
    assert after_migrating["on delete"][("target", "campaign_id")] == "CASCADE"
    drop_every_table(release1.url)
    migrations.create_latest()
    assert after_migrating == schema()


def test_second_migrate_applies_nothing_and_says_so(release1):
    migrated(release1)
    output = migrated(release1)
    assert applied_lines(output) == []
    assert "Schéma à jour : aucune étape à appliquer." in output
    assert recorded_steps() == migrations.step_names()
    assert release_1_rows() == expected_rows(release1)


# Release 2 on the migrated database -----------------------------------------------------------

def confirmation_path(email):
    message = (OutboxMessage.select().join(Signature, on=OutboxMessage.signature == Signature.id)
               .where(OutboxMessage.category == "confirmation", Signature.email == email).get())
    return CONFIRM_LINK.search(message.body_text).group(1)


def test_visitor_signs_a_migrated_cyberaction_with_a_copy_to_a_migrated_elu(release1):
    migrated(release1)
    client = release1.app.test_client()
    page = client.get(CYBERACTION)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Pour une École sans GAFAM" in html and "Très bonne initiative" in html
    assert "Message déplacé" not in html
    elus = client.get(f"{CYBERACTION}/elus?postal_code=35000&city=Rennes&country=FR")
    assert "Anne Le Gall" in elus.get_data(as_text=True)

    email = "helene.durand@example.net"
    signed = post_signature(client, url=CYBERACTION, email=email, postal_code="35000",
                            city="Rennes", elus=[str(release1.ids["elu"])])
    assert signed.status_code == 303
    confirmed = client.post(confirmation_path(email),
                            data={"csrf_token": csrf_token(client, CYBERACTION)})
    assert "votre participation est confirmée" in confirmed.get_data(as_text=True)
    assert Campaign.get_by_id(release1.ids["cyberaction"]).signature_count == 3
    letter = OutboxMessage.get(OutboxMessage.category == "letter", OutboxMessage.reply_to == email)
    assert letter.campaign_id == release1.ids["cyberaction"]
    assert letter.recipients == ["ministre@education.example.org", "recteur@ac-rennes.example.org"]
    assert letter.cc == ["anne.legall@assemblee.example.org"]


def test_a_release_1_signer_signing_again_still_counts_once(release1):
    migrated(release1)
    client = release1.app.test_client()
    post_signature(client, url=CYBERACTION, email="Camille.Martin@example.net")
    assert Signature.select().where(Signature.campaign == release1.ids["cyberaction"]).count() == 3
    assert Campaign.get_by_id(release1.ids["cyberaction"]).signature_count == 2


def test_release_1_pending_letter_is_delivered_after_migrating(release1_smtp, smtp_server):
    migrated(release1_smtp)
    with release1_smtp.app.app_context():
        assert outbox.drain() == 1
    [letter] = smtp_server.mailbox.messages
    assert letter["Subject"] == "Protégez les données des élèves"
    # Flask-Mail writes the To header from a set: the order of the addresses varies.
    assert sorted(address.addr_spec for address in letter["To"].addresses) == [
        "ministre@education.example.org", "recteur@ac-rennes.example.org"]
    assert letter["Reply-To"] == "emile.zola@example.net"
    assert letter["From"].addresses[0].display_name == "Émile Zola via Interpelle"
    assert letter.get_body(("plain",)).get_content().rstrip().endswith("Émile Zola")
    statuses = {row.id: (row.status, row.attempts) for row in OutboxMessage.select()}
    ids = release1_smtp.ids
    assert statuses[ids["pending_letter"]] == (OutboxMessage.SENT, 1)
    assert statuses[ids["sent_letter"]] == (OutboxMessage.SENT, 1)      # not sent twice
    assert statuses[ids["account_mail"]] == (OutboxMessage.FAILED, 8)   # not retried


def test_migrated_admin_logs_in_then_creates_and_publishes_a_campaign(release1):
    migrated(release1)
    client = release1.app.test_client()
    assert log_in(client, ADMIN_EMAIL).status_code == 303
    journal = client.get("/moderation/journal")  # admins only
    assert journal.status_code == 200
    assert "Récidive après masquage" in journal.get_data(as_text=True)

    admin = User.get(User.email == ADMIN_EMAIL)
    fields = campaigns.CampaignFields(
        kind="petitions", title="Des pistes cyclables à Besançon", summary="Pédaler sans danger.",
        proposer="Vélo Besançon", targets=[("Maire de Besançon", "maire@besancon.example.org")])
    with release1.app.app_context():
        draft = campaigns.create(admin, fields)
        published = campaigns.publish(admin, draft)
    assert (published.slug, published.status) == ("des-pistes-cyclables-a-besancon",
                                                   Campaign.PUBLISHED)
    assert client.get("/petitions/des-pistes-cyclables-a-besancon").status_code == 200
    assert [c.id for c in campaigns.open_list("petitions").campaigns] == [
        published.id, release1.ids["petition"]]
    journal_entries = AuditEntry.select().where(AuditEntry.campaign == published.id)
    assert sorted((e.action, e.actor_id) for e in journal_entries) == [
        ("campaign.create", admin.id), ("campaign.publish", admin.id)]


def test_search_finds_migrated_campaigns_without_their_accents(release1):
    migrated(release1)
    ids = release1.ids
    assert [c.id for c in campaigns.search("ecole").campaigns] == [ids["cyberaction"]]
    assert [c.id for c in campaigns.search("École GAFAM").campaigns] == [ids["cyberaction"]]
    assert [c.id for c in campaigns.search("sante").campaigns] == [ids["petition"]]
    assert [c.id for c in campaigns.search("foret").campaigns] == [ids["closed"]]


def test_close_due_closes_nothing_twice_on_a_migrated_database(release1):
    migrated(release1)
    closed_before = {c.id: c.closed_at for c in Campaign.select().where(
        Campaign.status == Campaign.CLOSED)}
    assert "0 campagne(s) close(s), 0 bilan(s) mis en envoi." in run(release1.app, "close-due")
    assert {c.id: c.closed_at for c in Campaign.select().where(
        Campaign.status == Campaign.CLOSED)} == closed_before

    later = utcnow() + dt.timedelta(days=21)  # the cyberaction's closing date has passed
    with release1.app.app_context():
        assert [c.id for c in campaigns.close_due(now=later)] == [release1.ids["cyberaction"]]
        assert campaigns.close_due(now=later) == []
    assert [(e.action, e.campaign_id) for e in AuditEntry.select()] == [
        ("campaign.close", release1.ids["cyberaction"])]


# init-db and seed-demo ---------------------------------------------------------------------------

def test_init_db_on_an_empty_database_creates_the_latest_schema(empty_app):
    output = run(empty_app, "init-db")
    assert "Base de données créée." in output and "Base de données prête." in output
    db.connect(reuse_if_open=True)
    assert set(application_tables()) == {model._meta.table_name for model in ALL_MODELS}
    assert recorded_steps() == migrations.step_names()
    assert "Schéma à jour : aucune étape à appliquer." in run(empty_app, "migrate")


def test_init_db_on_a_release_1_database_migrates_it(release1):
    output = run(release1.app, "init-db")
    assert applied_lines(output) == [f"Étape appliquée : {name}" for name in LATER_STEPS]
    assert "Base de données prête." in output and "créée" not in output
    db.connect(reuse_if_open=True)
    assert recorded_steps() == migrations.step_names()
    assert release_1_rows() == expected_rows(release1)


def test_seed_demo_after_migrating_adds_the_demo_beside_the_migrated_data(release1):
    migrated(release1)
    assert "3 campagne(s) ajoutée(s)" in run(release1.app, "seed-demo")
    assert "0 campagne(s) ajoutée(s)" in run(release1.app, "seed-demo")
    assert Campaign.select().count() == 4 + 3
    after = release_1_rows()
    expected = expected_rows(release1)
    for table in ("user", "signature", "comment", "outboxmessage"):
        assert after[table] == expected[table], table
    assert after["campaign"][:4] == expected["campaign"]
    client = release1.app.test_client()
    assert client.get(CYBERACTION).status_code == 200
    assert client.get("/cyberactions/arret-migration-m365").status_code == 200
