"""The association's own files: a campaign's participations (CSV), its signatories (PDF),
the newsletter's subscribers (CSV).

Each export is written to the admin journal when it starts. The CSV files are
generators of text: rows come from the database through one streaming cursor
and leave as CSV batch by batch, so memory stays flat whatever the size.
"""
import csv
import io
import tempfile
from zoneinfo import ZoneInfo

from playhouse.postgres_ext import ServerSide

from models import Signature, Subscriber, db, is_sqlite
from services import audit, bilans
from services.bilans import spreadsheet_safe
from services.countries import country_name

BATCH = 2000
PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")
STATUS_LABELS = {Signature.PENDING: "En attente", Signature.CONFIRMED: "Confirmée",
                 Signature.SUSPECT: "Suspecte", "invalid": "Invalidée"}  # see services/fraud.py

PARTICIPATION_COLUMNS = ["Statut", "Enregistrée le", "Confirmée le", "Nom", "Prénom", "Courriel",
                         "Code postal", "Commune", "Pays", "Profession", "Lettre d'infos",
                         "Masquée sur le site"]
SUBSCRIBER_COLUMNS = ["Courriel", "Langue", "Origine", "Abonnement confirmé le"]


def streamed(query):
    """The rows of a query, fetched as they are read: SQLite steps its cursor row by row;
    PostgreSQL reads a server-side cursor, which lives inside a transaction. (Tuples, not
    model instances: building those took half the time of a large export.)"""
    if is_sqlite():
        yield from query.iterator()
        return
    with db.atomic():
        yield from ServerSide(query, array_size=BATCH)


def csv_text(header, rows):
    """UTF-8 with a BOM and `;`, as French spreadsheets open it; one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow([spreadsheet_safe(value) for value in row])
        if number % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def local_time(moment):
    """2026-04-19 15:54, in Paris time: a form every spreadsheet reads as a date."""
    if moment is None:
        return ""
    return moment.replace(tzinfo=UTC).astimezone(PARIS).strftime("%Y-%m-%d %H:%M")


def yes_no(flag):
    return "oui" if flag else "non"


# A campaign's participations -------------------------------------------------------------

def participations_filename(campaign):
    return f"participations-{campaign.slug}.csv"


def participation_row(signature):
    return [STATUS_LABELS.get(signature.status, signature.status),
            local_time(signature.created_at), local_time(signature.confirmed_at),
            signature.last_name, signature.first_name, signature.email, signature.postal_code,
            signature.city, country_name(signature.country), signature.profession,
            yes_no(signature.newsletter), yes_no(signature.hide_identity)]


def participations(actor, campaign):
    """Every participation of the campaign, pending and confirmed, hidden ones included:
    the association's own list. Journalled now; the CSV comes as the caller reads it."""
    audit.record(actor, "export.participations", campaign=campaign)
    query = (Signature.select(
        Signature.id, Signature.status, Signature.created_at, Signature.confirmed_at,
        Signature.last_name, Signature.first_name, Signature.email, Signature.postal_code,
        Signature.city, Signature.country, Signature.profession, Signature.newsletter,
        Signature.hide_identity,
    ).where(Signature.campaign == campaign.id).order_by(Signature.id).namedtuples())
    return csv_text(PARTICIPATION_COLUMNS, (participation_row(s) for s in streamed(query)))


# The signatories' PDF -------------------------------------------------------------------

def signatories_pdf(actor, campaign):
    """The PDF the recipients get, as an open temporary file that disappears once closed."""
    audit.record(actor, "export.pdf", campaign=campaign)
    handle = tempfile.NamedTemporaryFile(suffix=".pdf")
    try:
        bilans.write_pdf(campaign, handle.name)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


# The newsletter's subscribers ----------------------------------------------------------------

SUBSCRIBERS_FILENAME = "abonnes-lettre-infos.csv"


def subscribers(actor):
    """The addresses subscribed now (never pending, unsubscribed or bounced ones), one line
    each: where the subscription came from, and when it was confirmed."""
    audit.record(actor, "export.subscribers")
    query = (Subscriber.select(Subscriber.email, Subscriber.language, Subscriber.source,
                               Subscriber.confirmed_at)
             .where(Subscriber.status == Subscriber.SUBSCRIBED)
             .order_by(Subscriber.email_key).namedtuples())
    return csv_text(SUBSCRIBER_COLUMNS, (
        [s.email, s.language, s.source, local_time(s.confirmed_at)] for s in streamed(query)))
