"""The letter a participant sends: the campaign's words or theirs, signed with their name and town."""
from dataclasses import dataclass, field

from services.countries import country_name


def signature_block(signature):
    lines = [f"{signature.first_name} {signature.last_name}"]
    if signature.profession:
        lines.append(signature.profession)
    lines.append(f"{signature.postal_code} {signature.city}")
    if signature.country != "FR":
        lines.append(country_name(signature.country))
    return "\n".join(lines)


def letter_text(signature):
    """The text exactly as the targets receive it."""
    return f"{signature.letter_body.rstrip()}\n\n{signature_block(signature)}\n"


def sender_name(signature, site_name):
    """"Prénom Nom via Interpelle", shortened to what a From header and the outbox hold."""
    name = f"{signature.first_name} {signature.last_name}"
    suffix = f" via {site_name}"
    return name[:200 - len(suffix)].rstrip() + suffix


@dataclass
class LetterPreview:
    """The letter as it will leave, shown in the récapitulatif while the signer edits it."""

    subject: str
    body: str
    closing: str
    cc: list = field(default_factory=list)


def subject_and_body(campaign, subject="", body=""):
    """The signer's subject and text where they wrote them; the campaign's where they left
    one empty, or everywhere when the campaign locks its letter."""
    if campaign.letter_locked:
        return campaign.letter_subject, campaign.letter_body
    return subject or campaign.letter_subject, body or campaign.letter_body


def preview(campaign, details=None, cc=()):
    """The letter built from what the signer typed so far (nothing validated yet)."""
    subject, body = subject_and_body(campaign, getattr(details, "letter_subject", ""),
                                     getattr(details, "letter_body", ""))
    has_identity = details is not None and details.first_name and details.last_name
    closing = signature_block(details) if has_identity else ""
    return LetterPreview(subject=subject, body=body, closing=closing, cc=list(cc))
