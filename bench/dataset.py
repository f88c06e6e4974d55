"""What the benchmark puts in the database before the load: campaigns,
confirmed participations, pending ones with their confirmation links, and
letters waiting in the outbox. Rows go in by bulk: COPY on PostgreSQL,
batched `insert_many` inside transactions on SQLite."""
import datetime as dt
import itertools
import os
import secrets
from urllib.parse import urlsplit

from bench.net import HOST
from models import (
    Campaign, OutboxMessage, Signature, Target, db, is_sqlite, python_defaults,
    utcnow,
)
from migrations import create_latest
from services import demo, messages

SQLITE_BATCH = 1000        # rows per INSERT; SQLite allows 32,766 variables
ROWS_PER_TRANSACTION = 50_000
LETTER_BODY = (
    "Madame, Monsieur,\n\nCette campagne de démonstration sert à mesurer la plateforme "
    "le jour où une campagne devient virale. Je vous demande de bien vouloir en tenir "
    "compte.\n\nVeuillez agréer l'expression de ma considération distinguée."
)


def open_app(database_url, secret_key):
    """The application, in this process, on the run's database.

    The environment is set first because importing `app` builds the module-level
    application from it (and production refuses the development secret key).
    """
    os.environ.update(SECRET_KEY=secret_key, DATABASE_URL=database_url,
                      SITE_URL=f"http://{HOST}", MAIL_SERVER="", REDIS_URL="")
    from app import create_app
    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": secret_key,
                       "BENCH_FLOOR": True, "DEV_MAILBOX": False})


def create_schema():
    """The application's tables and its demo campaigns, as `init-db` + `seed-demo` do."""
    with db.connection_context():
        create_latest()
        demo.load_demo_campaigns()


def create_campaigns(count):
    """`count` open cyberactions with one target each; return them, oldest first."""
    now = utcnow()
    with db.connection_context(), db.atomic():
        campaigns = [Campaign.create(
            kind="cyberactions", slug=f"bench-{number:02d}",
            title=f"Campagne de mesure n° {number}", summary="Mesure de charge.",
            body="Une campagne créée par le banc de mesure.", proposer="Banc de mesure",
            letter_subject=f"Campagne de mesure n° {number}", letter_body=LETTER_BODY,
            opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=30),
            status=Campaign.PUBLISHED, published_at=now - dt.timedelta(days=1),
        ) for number in range(count)]
        for campaign in campaigns:
            Target.create(campaign=campaign, name="Premier ministre",
                          email="premier-ministre@example.org")
    return campaigns


def signature_row(campaign, email, status, now):
    """One participation as a tuple in `SIGNATURE_FIELDS` order."""
    return (campaign.id, status, email, email, "Durand", "Camille", "75011", "Paris", "FR",
            campaign.letter_subject, campaign.letter_body, secrets.token_hex(16), now,
            now if status == "confirmed" else None)


def signature_fields():
    """The columns `signature_row` fills."""
    s = Signature
    return [s.campaign, s.status, s.email, s.email_key, s.last_name, s.first_name,
            s.postal_code, s.city, s.country, s.letter_subject, s.letter_body,
            s.confirm_nonce, s.created_at, s.confirmed_at]


def seed_confirmed(campaigns, rows):
    """`rows` confirmed participations spread evenly over `campaigns`, counters set to match."""
    now = utcnow()
    generated = (signature_row(campaigns[index % len(campaigns)],
                               f"seed{index}@example.org", "confirmed", now)
                 for index in range(rows))
    bulk_insert(signature_fields(), generated)
    with db.connection_context(), db.atomic():
        for position, campaign in enumerate(campaigns):
            count = rows // len(campaigns) + (1 if position < rows % len(campaigns) else 0)
            Campaign.update(signature_count=count).where(Campaign.id == campaign.id).execute()


def add_pending(app, campaign, count, tag):
    """`count` pending participations on `campaign`; return their confirmation paths."""
    now = utcnow()
    rows = [signature_row(campaign, f"pending-{tag}-{index}@example.org", "pending", now)
            for index in range(count)]
    bulk_insert(signature_fields(), rows)
    nonce_at = [field.name for field in signature_fields()].index("confirm_nonce")
    with app.app_context():
        return [urlsplit(messages.confirmation_url(Signature(confirm_nonce=row[nonce_at]))).path
                for row in rows]


def fill_outbox(count, tag):
    """`count` letters due now, each to its own address, so that a copy is recognisable."""
    now = utcnow()
    o = OutboxMessage
    fields = [o.category, o.sender_name, o.reply_to, o.to_addrs, o.subject, o.body_text,
              o.status, o.next_attempt_at, o.created_at]
    rows = (("letter", "Camille Durand via Interpelle", f"signer-{tag}-{index}@example.org",
             f"outbox-{tag}-{index}@example.org", f"Campagne de mesure, lettre {index}",
             LETTER_BODY, "pending", now, now) for index in range(count))
    bulk_insert(fields, rows)


def with_defaults(fields, rows):
    """Add the model's Python-side defaults for the columns `fields` leaves out.

    COPY, unlike peewee's INSERT, knows nothing of them, and the database has
    no DEFAULT for them.
    """
    given = {field.name for field in fields}  # peewee fields overload ==, so compare names
    defaults = python_defaults(fields[0].model, given)
    values = tuple(value for _, value in defaults)
    return fields + [field for field, _ in defaults], (tuple(row) + values for row in rows)


def bulk_insert(fields, rows):
    """Insert many rows of one model: COPY on PostgreSQL, batched INSERTs on SQLite."""
    fields, rows = with_defaults(fields, rows)
    with db.connection_context():
        if is_sqlite():
            _insert_batches(fields, rows)
        else:
            _copy_rows(fields, rows)


def _insert_batches(fields, rows):
    model = fields[0].model
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, ROWS_PER_TRANSACTION)):
        with db.atomic():
            for start in range(0, len(chunk), SQLITE_BATCH):
                model.insert_many(chunk[start:start + SQLITE_BATCH], fields=fields).execute()


def _copy_rows(fields, rows):
    model = fields[0].model
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    with db.atomic():
        with db.cursor() as cursor, cursor.copy(
                f'COPY "{model._meta.table_name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
