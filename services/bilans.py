"""The bilan of a campaign: its signatories as CSV and as the PDF sent to the recipients.

Both stream the confirmed participations in batches, so memory stays flat
whatever the campaign's size. Hidden signers are included: they asked not to be
shown on the site, and the list goes to the recipients only.
"""
import csv
import datetime as dt
import io
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from models import Attachment, Campaign, Signature, db, is_sqlite, utcnow, write_transaction
from services import audit, messages
from services.countries import country_name

BATCH = 2000
COLUMNS = ["Nom", "Prénom", "Code postal", "Commune", "Profession"]
PDF_COLUMNS = COLUMNS + ["Date"]
PARIS = ZoneInfo("Europe/Paris")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def confirmed_signatures(campaign):
    """The confirmed participations in the order they were made, batch by batch."""
    last_id = 0
    while True:
        batch = list(Signature.select(
            Signature.id, Signature.last_name, Signature.first_name, Signature.postal_code,
            Signature.city, Signature.country, Signature.profession, Signature.confirmed_at,
            Signature.created_at,
        ).where((Signature.campaign == campaign) & (Signature.status == Signature.CONFIRMED)
                & (Signature.id > last_id)).order_by(Signature.id).limit(BATCH))
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def row(signature):
    town = signature.city if signature.country == "FR" else \
        f"{signature.city} ({country_name(signature.country)})"
    return [signature.last_name, signature.first_name, signature.postal_code, town,
            signature.profession]


def spreadsheet_safe(value):
    """A cell a spreadsheet will never run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_csv(campaign, stream):
    """Write the signatories as CSV (UTF-8 with BOM, `;`, as French spreadsheets expect)."""
    stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for signature in confirmed_signatures(campaign):
        writer.writerow([spreadsheet_safe(value) for value in row(signature)])
        count += 1
    return count


def write_pdf(campaign, destination):
    """Write the PDF of signatories to `destination` (a path or a binary file); return how
    many are listed. One snapshot of the database: the count on the first page is the list."""
    # fpdf2 and Pillow weigh 20 MB: only a process that writes a PDF loads them.
    from services.signatories_pdf import SignatoriesPdf
    with read_snapshot():
        count = confirmed_count(campaign)
        pdf = SignatoriesPdf(campaign, count, PDF_COLUMNS, summary_lines(campaign, count))
        for signature in confirmed_signatures(campaign):
            pdf.add_row(pdf_row(signature))
    if not count:
        pdf.add_note("Aucune participation confirmée.")
    pdf.output(destination)
    return count


@contextmanager
def read_snapshot():
    """Every read inside sees the database as the first one did (a confirmation landing
    halfway through a long export is in neither the count nor the list)."""
    if is_sqlite():
        with db.transaction():  # in WAL mode a read transaction keeps its snapshot
            yield
    else:
        with db.transaction(isolation_level="REPEATABLE READ"):
            yield


def confirmed_count(campaign):
    return Signature.select().where((Signature.campaign == campaign)
                                    & (Signature.status == Signature.CONFIRMED)).count()


def pdf_row(signature):
    """The CSV's columns and the day the participation was confirmed."""
    # Confirming records the date; rows written by hand (imports, old data) may lack it.
    return row(signature) + [french_date(signature.confirmed_at or signature.created_at)]


def summary_lines(campaign, count):
    """Under the title on the first page: kind and proposer, dates, then the count."""
    dates = f"En ligne depuis le {french_date(campaign.opens_at)}"
    if campaign.closed_at:
        dates += f" · close le {french_date(campaign.closed_at)}"
    elif campaign.closes_at:
        dates += f" · clôture prévue le {french_date(campaign.closes_at)}"
    total = f"{count:,}".replace(",", "\u202f")
    origin = f"{campaign.kind_label} proposée par {campaign.proposer}" if campaign.proposer \
        else campaign.kind_label
    return [origin, dates, f"{total} signataire{'s' if count > 1 else ''}"]


def french_date(value):
    """28/11/2026: the day in Paris of a naive UTC timestamp."""
    if value is None:
        return ""
    return value.replace(tzinfo=dt.timezone.utc).astimezone(PARIS).strftime("%d/%m/%Y")


# Sending the PDF to the recipients ---------------------------------------------------

PDF_TYPE = "application/pdf"


def pdf_filename(campaign):
    return f"signataires-{campaign.slug}.pdf"


def pdf_bytes(campaign):
    """The PDF of signatories as bytes, and how many it lists."""
    buffer = io.BytesIO()
    count = write_pdf(campaign, buffer)
    return buffer.getvalue(), count


def send_requested():
    """Queue the PDF for every closed campaign whose bilan was asked for and not yet sent;
    return how many were queued. Safe with several workers: one claim per campaign wins."""
    due = Campaign.select().where((Campaign.status == Campaign.CLOSED)
                                  & Campaign.bilan_requested_at.is_null(False)
                                  & Campaign.bilan_sent_at.is_null())
    return sum(1 for campaign in list(due) if queue_bilan(campaign))


def queue_bilan(campaign):
    """Build the PDF, then, in one transaction, claim the campaign's bilan, keep the file
    and queue the message to the targets. False when another process sent it first."""
    content, count = pdf_bytes(campaign)
    with write_transaction():
        claimed = Campaign.update(bilan_sent_at=utcnow()).where(
            (Campaign.id == campaign.id) & Campaign.bilan_sent_at.is_null()).execute()
        if not claimed:
            return False
        attachment = Attachment.create(campaign=campaign.id, filename=pdf_filename(campaign),
                                       content_type=PDF_TYPE, data=content)
        messages.queue_bilan(campaign, attachment, count)
        audit.record(None, "bilan.queue", campaign=campaign)
    return True
