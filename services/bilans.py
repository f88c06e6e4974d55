"""The bilan of a campaign: its signatories as CSV and as the PDF sent to the recipients.

Both stream the confirmed participations in batches, so memory stays flat
whatever the campaign's size. Hidden signers are included: they asked not to be
shown on the site, and the list goes to the recipients only.
"""
import csv
import tempfile

from models import Attachment, Campaign, Signature, utcnow, write_transaction
from services import audit, messages
from services.countries import country_name

BATCH = 2000
COLUMNS = ["Nom", "Prénom", "Code postal", "Commune", "Profession"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def confirmed_signatures(campaign):
    """The confirmed participations in the order they were confirmed, batch by batch."""
    last_id = 0
    while True:
        batch = list(Signature.select(
            Signature.id, Signature.last_name, Signature.first_name, Signature.postal_code,
            Signature.city, Signature.country, Signature.profession,
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


def write_pdf(campaign, path):
    """Write the PDF of signatories to `path`; return how many are listed."""
    # fpdf2 and Pillow weigh 20 MB: only a process that writes a PDF loads them.
    from services.signatories_pdf import SignatoriesPdf
    pdf = SignatoriesPdf(campaign, COLUMNS)
    pdf.add_page()
    pdf.set_font(pdf.font_name, size=9)
    count = 0
    for signature in confirmed_signatures(campaign):
        pdf.add_row(row(signature))
        count += 1
    pdf.set_font(pdf.font_name, size=10)
    pdf.ln(3)
    pdf.cell(0, 6, f"{count} signataire{'s' if count > 1 else ''}.")
    pdf.output(path)
    return count


# Sending the PDF to the recipients ---------------------------------------------------

PDF_TYPE = "application/pdf"


def pdf_filename(campaign):
    return f"signataires-{campaign.slug}.pdf"


def pdf_bytes(campaign):
    """The PDF of signatories as bytes, written through a temporary file."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        write_pdf(campaign, handle.name)
        return handle.read()


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
    content = pdf_bytes(campaign)
    with write_transaction():
        claimed = Campaign.update(bilan_sent_at=utcnow()).where(
            (Campaign.id == campaign.id) & Campaign.bilan_sent_at.is_null()).execute()
        if not claimed:
            return False
        attachment = Attachment.create(campaign=campaign.id, filename=pdf_filename(campaign),
                                       content_type=PDF_TYPE, data=content)
        messages.queue_bilan(campaign, attachment, Campaign.get_by_id(campaign.id).signature_count)
        audit.record(None, "bilan.queue", campaign=campaign)
    return True
