"""What the benchmark puts in the database before the load: campaigns (open
cyberactions and petitions with tags and goals, closed ones with their bilan),
confirmed participations, pending ones with their confirmation links, and
letters waiting in the outbox. Rows go in by bulk: COPY on PostgreSQL, one
prepared INSERT run by `executemany` inside transactions on SQLite."""
import datetime as dt
import itertools
import os
import secrets
from contextlib import contextmanager
from urllib.parse import urlsplit

from bench.net import HOST
from models import (
    Campaign, OutboxMessage, Signature, Target, db, is_sqlite, python_defaults, run_sql,
    utcnow,
)
from migrations import create_latest
from services import demo, messages
from services.search import folded

ROWS_PER_TRANSACTION = 50_000
# Two tags per campaign, taken in turn, so that a search for two words finds a few.
TAGS = ("climat", "eau", "école", "santé", "transports", "logement", "numérique",
        "agriculture", "services publics")
PETITIONS = 20             # open petitions: more than one page of the list
CLOSED = 15                # closed campaigns with their bilan text
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


def campaign_columns(kind, slug, title, number, opened_days_ago):
    """The columns of a bench campaign, with its tags, goal and search text as the
    admin form would store them."""
    now = utcnow()
    tags = f"{TAGS[number % len(TAGS)]}, {TAGS[(number + 1) % len(TAGS)]}"
    summary, body = "Mesure de charge.", "Une campagne créée par le banc de mesure."
    opened = now - dt.timedelta(days=opened_days_ago)
    return dict(
        kind=kind, slug=slug, title=title, summary=summary, body=body, tags=tags,
        proposer="Banc de mesure", letter_subject=title, letter_body=LETTER_BODY,
        opens_at=opened, published_at=opened, closes_at=now + dt.timedelta(days=30),
        status=Campaign.PUBLISHED, goal=1000 * (number % 5 + 1),
        search_text=folded(title, summary, tags, body))


def create_campaign(**columns):
    """One campaign and its target."""
    campaign = Campaign.create(**columns)
    Target.create(campaign=campaign, name="Premier ministre", email="premier-ministre@example.org")
    return campaign


def create_campaigns(count):
    """`count` open cyberactions with one target each; return them, oldest first."""
    with db.connection_context(), db.atomic():
        return [create_campaign(**campaign_columns(
            "cyberactions", f"bench-{number:02d}", f"Campagne de mesure n° {number}", number, 1))
            for number in range(count)]


def create_catalogue():
    """What the list pages show besides the bench cyberactions: open petitions, and
    closed campaigns with a bilan and a few confirmed participations each."""
    now = utcnow()
    with db.connection_context(), db.atomic():
        for number in range(PETITIONS):
            create_campaign(**campaign_columns(
                "petitions", f"bench-petition-{number:02d}", f"Pétition de mesure n° {number}",
                number, number + 2))
        closed = []
        for number in range(CLOSED):
            columns = campaign_columns(
                "cyberactions" if number % 2 else "petitions", f"bench-close-{number:02d}",
                f"Campagne close de mesure n° {number}", number, 60 + number)
            closed_at = now - dt.timedelta(days=number + 1)
            columns.update(status=Campaign.CLOSED, closes_at=closed_at, closed_at=closed_at,
                           bilan_requested_at=closed_at, bilan_sent_at=closed_at,
                           result_text=f"Bilan de la campagne n° {number} : les destinataires "
                                       "ont reçu la liste des signataires et ont répondu.")
            closed.append(create_campaign(**columns))
    seed_confirmed(closed, 200 * CLOSED, prefix="closed")


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


def seed_confirmed(campaigns, rows, prefix="seed"):
    """`rows` confirmed participations spread evenly over `campaigns`, counters set to match."""
    now = utcnow()
    generated = (signature_row(campaigns[index % len(campaigns)],
                               f"{prefix}{index}@example.org", "confirmed", now)
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


# The indexes a table has besides its primary key, as statements that create them again.
SQLITE_INDEXES = ("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                  "AND sql IS NOT NULL")
POSTGRES_INDEXES = (
    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
    "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
    "WHERE t.relname = ? AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)")


@contextmanager
def indexes_rebuilt(*models):
    """Drop the secondary indexes of `models` for a bulk load, and build them again
    after it: one sorted build costs far less than a million insertions into each
    (PostgreSQL's "populating a database" advice). A unique index that no longer
    builds fails the run, as the constraint would have."""
    with db.connection_context():
        indexes = [index for model in models for index in run_sql(
            SQLITE_INDEXES if is_sqlite() else POSTGRES_INDEXES,
            model._meta.table_name).fetchall()]
        for name, _ in indexes:
            run_sql(f'DROP INDEX "{name}"')
    yield
    with db.connection_context():
        if not is_sqlite():
            run_sql("SET maintenance_work_mem = '256MB'")  # this session's index builds
        for _, statement in indexes:
            run_sql(statement)


def bulk_insert(fields, rows):
    """Insert many rows of one model: COPY on PostgreSQL, batched INSERTs on SQLite."""
    fields, rows = with_defaults(fields, rows)
    with db.connection_context():
        if is_sqlite():
            _insert_batches(fields, rows)
        else:
            _copy_rows(fields, rows)


def _insert_batches(fields, rows):
    # One statement prepared once: peewee building a multi-row INSERT costs twenty
    # times what SQLite spends running it. The values are Python's own types
    # (str, int, bool, datetime, None), which sqlite3 adapts as peewee would.
    model = fields[0].model
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    statement = (f'INSERT INTO "{model._meta.table_name}" ({columns}) '
                 f'VALUES ({", ".join("?" * len(fields))})')
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, ROWS_PER_TRANSACTION)):
        with db.atomic():
            db.cursor().executemany(statement, chunk)


def _copy_rows(fields, rows):
    model = fields[0].model
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    with db.atomic():
        with db.cursor() as cursor, cursor.copy(
                f'COPY "{model._meta.table_name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
