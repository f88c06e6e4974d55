"""The campaign whose admin dashboard is measured: a viral cyberaction with a
million participations over two months, as the dashboard would meet it — most
confirmed, a share still pending, signers from every département and a few
countries, and one letter in the outbox (sent) per confirmed participation.

Everything is drawn from a seeded random generator, so two runs hold the same data.
"""
import datetime as dt
import random
import secrets

from bench.dataset import bulk_insert, campaign_columns, create_campaign, indexes_rebuilt
from models import (
    Campaign, OutboxMessage, Signature, User, db, is_sqlite, python_defaults, run_sql, utcnow,
)
from services import accounts, outbox

SLUG = "bench-tableau"
EMAIL_PREFIX = "tableau"
DAYS = 60
PENDING_SHARE = 0.08
PEAK_DAY = 8               # the day the campaign went viral
SIGNERS = 65_536           # distinct signers the rows are drawn from
MOMENTS = 65_521           # distinct signing times (a prime: see `rows`)
ADMIN_EMAIL = "admin-bench@example.org"
FAILED_EVERY = 1000        # one letter in a thousand failed for good
FAILED_ERROR = "550 5.1.1 boîte aux lettres du destinataire indisponible"
# Metropolitan départements by postal code (Corsica is 20), then overseas; the most
# populated ones are listed more than once so that the figures are not flat.
DEPARTEMENTS = ([f"{number:02d}" for number in range(1, 96)]
                + ["971", "972", "973", "974", "976"]
                + ["75"] * 6 + ["13", "59", "69", "92", "93", "94"] * 3 + ["33", "31", "44"] * 2)
COUNTRIES = (("FR", 940), ("BE", 25), ("CH", 15), ("DE", 8), ("LU", 5), ("CA", 5), ("ES", 2))
ABROAD = {"BE": ("1000", "Bruxelles"), "CH": ("1201", "Genève"), "DE": ("10115", "Berlin"),
          "LU": ("1009", "Luxembourg"), "CA": ("H2X 1Y4", "Montréal"), "ES": ("08001", "Barcelone")}
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "Nguyen")
FIRST_NAMES = ("Camille", "Louise", "Léa", "Manon", "Chloé", "Jules", "Hugo", "Lucas",
               "Gabriel", "Nathan", "Inès", "Sacha", "Dominique", "Claude", "Yanis", "Zoé")
PROFESSIONS = ("", "", "", "Enseignante", "Infirmier", "Retraitée", "Agriculteur", "Étudiant",
               "Ingénieure", "Artisan")


def create():
    """The big campaign, open for two months already."""
    columns = campaign_columns("cyberactions", SLUG, "Campagne virale du tableau de bord", 0, DAYS)
    columns.update(goal=1_500_000, allow_elu_copy=True)
    with db.connection_context(), db.atomic():
        return create_campaign(**columns)


def create_admin(app):
    """An administrator the dashboard scenario logs in as; returns (email, password)."""
    password = secrets.token_urlsafe(18)
    with app.app_context(), db.connection_context():
        accounts.create_verified_user(ADMIN_EMAIL, password, User.ADMIN)
    return ADMIN_EMAIL, password


def fields():
    """The columns `row` fills, in its order."""
    s = Signature
    return [s.campaign, s.status, s.email, s.email_key, s.last_name, s.first_name,
            s.postal_code, s.city, s.country, s.profession, s.newsletter, s.hide_identity,
            s.letter_subject, s.letter_body, s.confirm_nonce, s.created_at, s.confirmed_at]


def place(rng, country):
    """(postal code, commune) of a signer living in `country`."""
    if country != "FR":
        return ABROAD[country]
    departement = rng.choice(DEPARTEMENTS)
    digits = 5 - len(departement)
    return f"{departement}{rng.randrange(10 ** digits):0{digits}d}", f"Commune {departement}"


def signers(rng):
    """A pool of signers (names, place, choices, time to confirm) drawn from the
    distributions above."""
    countries, weights = zip(*COUNTRIES)
    pool = []
    for _ in range(SIGNERS):
        country = rng.choices(countries, weights)[0]
        pool.append((rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES), *place(rng, country),
                     country, rng.choice(PROFESSIONS), rng.random() < 0.3, rng.random() < 0.08,
                     dt.timedelta(minutes=rng.randrange(1, 240))))
    return pool


def moments(rng, opened):
    """A pool of (signing time, still pending): the days follow a viral curve, a peak
    then a tail, and stop a few hours before now so that every confirmation is past."""
    return [(opened + dt.timedelta(days=rng.triangular(0, DAYS - 0.2, PEAK_DAY)),
             rng.random() < PENDING_SHARE) for _ in range(MOMENTS)]


def rows(campaign, count):
    """`count` participations, each a signer and a moment from the pools.

    Drawing a million rows one by one costs more than inserting them; the pools'
    sizes have no common factor, so no two rows below billions share both.
    """
    rng = random.Random(1)
    people, times = signers(rng), moments(rng, utcnow() - dt.timedelta(days=DAYS))
    # A nonce prefix of this run, then a serial: unique, and cheap to make a million of.
    prefix = secrets.token_hex(8)
    subject, body = campaign.letter_subject, campaign.letter_body
    confirmed, pending = Signature.CONFIRMED, Signature.PENDING
    for index in range(count):
        *signer, delay = people[index % SIGNERS]
        created, waiting = times[index % MOMENTS]
        email = f"{EMAIL_PREFIX}{index}@example.org"
        yield (campaign.id, pending if waiting else confirmed, email, email, *signer,
               subject, body, f"{prefix}{index:016x}", created,
               None if waiting else created + delay)


def seed(campaign, count):
    """`count` participations on `campaign`, its letters, and its counters to match."""
    if not count:
        return 0
    with indexes_rebuilt(Signature, OutboxMessage):
        bulk_insert(fields(), rows(campaign, count))
        with db.connection_context(), db.atomic():
            letters = add_letters(campaign)
    with db.connection_context():
        Campaign.update(signature_count=letters, withdrawn_count=count // 250).where(
            Campaign.id == campaign.id).execute()
        if not is_sqlite():
            # autovacuum would vacuum and analyse the new rows within a minute or two; the
            # load starts sooner. Index-only scans need the visibility map it sets.
            run_sql('VACUUM ANALYZE "signature"')
            run_sql('VACUUM ANALYZE "outboxmessage"')
    return letters


def add_letters(campaign):
    """One letter per confirmed participation, written by the database itself
    (INSERT … SELECT): sent, but one in FAILED_EVERY failed for good; returns how many.
    None is pending: the outbox scenario's workers would deliver them."""
    modulo = "%" if is_sqlite() else "%%"  # psycopg reads a lone % as a placeholder
    failed = f'"id" {modulo} {FAILED_EVERY} = 0'
    given = {"category": "'letter'", "signature": '"id"', "campaign": '"campaign_id"',
             "sender_name": """"first_name" || ' ' || "last_name" || ' via Interpelle'""",
             "reply_to": '"email"', "to_addrs": "'premier-ministre@example.org'",
             "subject": '"letter_subject"', "body_text": '"letter_body"',
             "status": f"CASE WHEN {failed} THEN 'failed' ELSE 'sent' END",
             "attempts": f"CASE WHEN {failed} THEN {outbox.MAX_ATTEMPTS} ELSE 1 END",
             "last_error": f"CASE WHEN {failed} THEN '{FAILED_ERROR}' ELSE '' END",
             "next_attempt_at": '"confirmed_at"', "created_at": '"confirmed_at"',
             "sent_at": f'CASE WHEN {failed} THEN NULL ELSE "confirmed_at" END'}
    defaults = python_defaults(OutboxMessage, set(given))
    names = [OutboxMessage._meta.fields[name].column_name for name in given]
    names += [field.column_name for field, _ in defaults]
    columns = ", ".join(f'"{name}"' for name in names)
    values = ", ".join(list(given.values()) + ["?"] * len(defaults))
    cursor = run_sql(
        f'INSERT INTO "outboxmessage" ({columns}) '
        f'SELECT {values} FROM "signature" WHERE "campaign_id" = ? AND "status" = ?',
        *[value for _, value in defaults], campaign.id, Signature.CONFIRMED)
    return cursor.rowcount
