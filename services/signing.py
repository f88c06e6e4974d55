"""Signing a campaign and confirming the participation (double opt-in)."""
import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import idna
from flask import current_app

from models import (
    Campaign, OutboxMessage, Signature, insert_row, run_sql, utcnow, write_transaction,
)
from services import abuse, elus, letters, messages, newsletter
from services.tokens import ExpiredToken, InvalidToken, read_token

# A second attempt with the same address mails its owner at most this often,
# so the form cannot be used to flood somebody's mailbox.
NOTICE_INTERVAL = dt.timedelta(minutes=10)


class CampaignClosed(Exception):
    """The campaign no longer takes (or confirms) participations."""


class ProfileIncomplete(Exception):
    """A member without a name or town cannot sign: the letter would be signed by nobody."""


def profile_complete(user):
    return bool(user.last_name and user.first_name and user.postal_code and user.city)


@dataclass
class SignerDetails:
    last_name: str
    first_name: str
    email: str
    postal_code: str
    city: str
    country: str
    profession: str = ""
    address: str = ""
    newsletter: bool = False
    hide_identity: bool = False
    letter_subject: str = ""
    letter_body: str = ""
    language: str = "fr"  # the language of the page signed on, and of the signer's emails

    @classmethod
    def of_member(cls, user, letter, **choices):
        """A member signs with the details stored in their account and the letter they chose."""
        return cls(email=user.email, last_name=user.last_name, first_name=user.first_name,
                   postal_code=user.postal_code, city=user.city, country=user.country,
                   profession=user.profession, address=user.address,
                   language=user.language or "fr", **letter, **choices)


def email_key(email):
    """The form of an address used to spot a second participation, or the same account.

    Case is ignored, a `+tag` alias counts as the address it extends, and a domain
    typed with accents is the same as its ASCII (IDNA) form, which is what the forms store.
    """
    local, _, domain = email.strip().rpartition("@")
    local = local.split("+", 1)[0]
    return f"{local}@{ascii_domain(domain)}".lower()


def erased_key(key):
    """What a counted participation keeps of its address once its account is erased: a
    keyed hash, so that the address can never be counted a second time, and reads as
    nothing without the site's secret."""
    secret = current_app.config["SECRET_KEY"].encode()
    return "efface-" + hmac.new(secret, key.encode(), hashlib.blake2b).hexdigest()[:40]


def _counted_under_an_erased_account(campaign, key):
    return run_sql('SELECT 1 FROM "signature" WHERE "campaign_id" = ? AND "email_key" = ?',
                   campaign.id, erased_key(key)).fetchone() is not None


def ascii_domain(domain):
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain  # not a valid domain: the address was refused before it got here


def sign(campaign, details, requested_elu_ids=(), origin=None):
    """Record a pending participation and queue the email it calls for.

    The letter is the signer's own unless the campaign locks it; élus are
    copied only when the campaign allows it and the signer's commune maps to
    them. The caller learns nothing about whether the address had already
    taken part: only the email sent to that address says so. `origin` (an
    abuse.Origin) may hold it as suspect: stored, not counted, nothing mailed.
    """
    if not campaign.is_open():
        raise CampaignClosed()
    details = letter_for(campaign, details)
    signature = _pending_signature(campaign, details, copied_elus(campaign, details, requested_elu_ids))
    abuse.assess(signature, origin)
    suspect = signature.status == Signature.SUSPECT
    # Rendered before the write lock is taken: the lock is held for the inserts only.
    confirmation = messages.confirmation_request(signature, campaign)
    with write_transaction():
        if _counted_under_an_erased_account(campaign, signature.email_key):
            return  # this address already counts here; its account, and its mail, are gone
        if _insert(signature) or (not suspect and _replaced_a_suspect(signature)):
            if not suspect:
                messages.save(confirmation, signature.id)
            return
        if suspect:
            return  # held back: mails nobody, not even about an earlier participation
        existing = Signature.get(campaign=campaign, email_key=signature.email_key)
        if _claim_notice_slot(existing):
            _queue_second_attempt_mail(existing, campaign)


def _replaced_a_suspect(signature):
    """A clean attempt takes the place of a participation held as suspect with the same
    address: the address's owner, by confirming, then decides whether it counts."""
    held = Signature.delete().where((Signature.campaign == signature.campaign_id)
                                    & (Signature.email_key == signature.email_key)
                                    & (Signature.status == Signature.SUSPECT)).execute()
    return bool(held) and _insert(signature)


def letter_for(campaign, details):
    """The details with the letter that will be sent (see `letters.subject_and_body`)."""
    subject, body = letters.subject_and_body(campaign, details.letter_subject, details.letter_body)
    return dataclasses.replace(details, letter_subject=subject, letter_body=body)


def copied_elus(campaign, details, requested_elu_ids):
    if not (campaign.copies_elus and requested_elu_ids):
        return []
    return elus.chosen_elus(details.postal_code, details.city, details.country, requested_elu_ids)


def _pending_signature(campaign, details, cc):
    """The participation as it will be stored, not saved yet."""
    return Signature(
        campaign=campaign,
        email_key=email_key(details.email),
        confirm_nonce=secrets.token_hex(16),
        # The confirmation request is the first mail of the interval: a second attempt
        # right after it mails nothing more (see _claim_notice_slot).
        last_notice_at=utcnow(),
        cc_addrs=",".join(elu.email for elu in cc),
        cc_names=", ".join(elu.display_name for elu in cc),
        **vars(details),
    )


def _insert(signature):
    """Insert the participation; False when the address already took part here."""
    values = {name: getattr(signature, name) for name in Signature._meta.fields
              if name not in ("id", "campaign", "user") and getattr(signature, name) is not None}
    values["campaign"] = signature.campaign_id
    if signature.user_id is not None:
        values["user"] = signature.user_id
    signature.id = insert_row(Signature, values, ignore_conflict=True)
    return signature.id is not None


def _claim_notice_slot(signature):
    """Atomically take the right to mail this address now (at most one per interval)."""
    now = utcnow()
    recent = now - NOTICE_INTERVAL
    return Signature.update(last_notice_at=now).where(
        (Signature.id == signature.id)
        & (Signature.last_notice_at.is_null() | (Signature.last_notice_at < recent))
    ).execute() == 1


def _queue_second_attempt_mail(signature, campaign):
    if signature.bounced_at is not None:
        return  # the address was refused for good: no notice nor reminder goes to it
    if signature.status == Signature.CONFIRMED:
        messages.queue_already_signed_notice(signature, campaign)
    elif signature.status == Signature.PENDING:
        messages.queue_confirmation_request(signature, campaign, reminder=True)
    # An invalidated participation (the admin's Fraude tools) gets nothing: a link to
    # confirm it could count nothing.


def member_signature(campaign, user):
    """The member's own participation in this campaign, if any."""
    return Signature.get_or_none((Signature.campaign == campaign)
                                 & (Signature.email_key == email_key(user.email)))


def sign_as_member(campaign, user, letter, requested_elu_ids=(), hide_identity=False,
                   newsletter=False, network=""):
    """One click: a verified member's participation is confirmed at once.

    Returns False when the member had already confirmed a participation here.
    `network` is the client's (abuse.network_of), kept for abuse control only.
    """
    if not campaign.is_open():
        raise CampaignClosed()
    if not profile_complete(user):
        raise ProfileIncomplete()
    details = letter_for(campaign, SignerDetails.of_member(
        user, letter, hide_identity=hide_identity, newsletter=newsletter))
    cc = copied_elus(campaign, details, requested_elu_ids)
    signature = _pending_signature(campaign, details, cc)
    signature.user = user
    signature.ip_network = network
    with write_transaction():
        if _counted_under_an_erased_account(campaign, signature.email_key):
            return False
        if not _insert(signature):
            signature = member_signature(campaign, user)
            if signature.status == Signature.CONFIRMED:
                return False
            signature = _refresh_pending(signature, details, cc, user)
        if _mark_confirmed(signature, campaign) and campaign.is_cyberaction:
            messages.queue_letter(signature, campaign)
    return True


def _refresh_pending(signature, details, cc, user):
    """A pending participation from before the member logged in takes today's details."""
    Signature.update(cc_addrs=",".join(elu.email for elu in cc),
                     cc_names=", ".join(elu.display_name for elu in cc), user=user,
                     **{name: value for name, value in vars(details).items() if name != "email"},
                     ).where(Signature.id == signature.id).execute()
    return Signature.get_by_id(signature.id)


# Managing a participation from the link in the confirmation email ------------

MANAGE_MAX_AGE = 2 * 365 * 24 * 3600


def signature_for_manage_token(token):
    """The participation a management link points to; raises on a bad or old link."""
    return _signature_for(messages.MANAGE_PURPOSE, token, MANAGE_MAX_AGE)


def _signature_for(purpose, token, max_age):
    """Both links carry the participation's nonce, each signed for its own purpose."""
    nonce = read_token(purpose, token, max_age)
    signature = Signature.first_raw('SELECT * FROM "signature" WHERE "confirm_nonce" = ?', nonce)
    if signature is None:
        raise InvalidToken()
    return signature


def toggle_identity_hidden(signature):
    """Show the signer's name on the site if it was hidden, hide it if it was shown."""
    Signature.update(hide_identity=~Signature.hide_identity).where(
        Signature.id == signature.id).execute()


def withdraw(token):
    """Withdraw a participation while the campaign is open; a confirmed one is uncounted."""
    with write_transaction():
        signature = signature_for_manage_token(token)
        if not signature.campaign.is_open():
            raise CampaignClosed()
        # A letter not sent yet is not sent at all; one already sent stays on record, unlinked.
        OutboxMessage.delete().where((OutboxMessage.signature == signature.id)
                                     & (OutboxMessage.status == OutboxMessage.PENDING)).execute()
        OutboxMessage.update(signature=None).where(OutboxMessage.signature == signature.id).execute()
        # Deleting first decides the race between two presses: only one gets the row back.
        deleted = run_sql('DELETE FROM "signature" WHERE "id" = ? RETURNING "status"',
                          signature.id).fetchone()
        if deleted and deleted[0] == Signature.CONFIRMED:
            Campaign.count_change(signature.campaign_id, -1)
        if deleted:
            Campaign.update(withdrawn_count=Campaign.withdrawn_count + 1).where(
                Campaign.id == signature.campaign_id).execute()
    return signature.campaign


@dataclass
class Confirmation:
    signature: Signature
    campaign: Campaign
    newly_confirmed: bool

    @property
    def letter(self):
        return letters.letter_text(self.signature)


def signature_for_token(token):
    """The participation a confirmation link points to; raises on a bad or old link."""
    return _signature_for(messages.CONFIRM_PURPOSE, token,
                          current_app.config["CONFIRMATION_MAX_AGE"])


def confirm(token):
    """Confirm a participation: status, counter and letter move in one transaction.

    Everything that only reads (the link, the rows, the letter's text) is done
    before the write lock. Confirming twice is harmless: the second time
    changes nothing.
    """
    signature = signature_for_token(token)
    campaign = Campaign.by_id(signature.campaign_id)
    if signature.status == Signature.CONFIRMED:
        return Confirmation(signature, campaign, newly_confirmed=False)
    if not campaign.is_open():
        raise CampaignClosed()
    letter = messages.letter(signature, campaign) if campaign.is_cyberaction else None
    with write_transaction():
        if not _mark_confirmed(signature, campaign):
            # A concurrent press of the same button won the race.
            return Confirmation(signature, campaign, newly_confirmed=False)
        if letter is not None:
            messages.save(letter, signature.id)
    return Confirmation(signature, campaign, newly_confirmed=True)


def _mark_confirmed(signature, campaign):
    """Move a pending participation to confirmed and count it; False if it already was.

    The campaign object takes the new count, which includes any other confirmed meanwhile.
    The counter moves only while the campaign is published: a campaign closed since the
    caller looked raises CampaignClosed, and the caller's transaction undoes the rest, so
    that no participation is counted after the PDF of signatories was drawn up.
    """
    now = utcnow()
    moved = run_sql('UPDATE "signature" SET "status" = ?, "confirmed_at" = ? '
                    'WHERE "id" = ? AND "status" = ?',
                    Signature.CONFIRMED, now, signature.id, Signature.PENDING).rowcount
    if not moved:
        return False
    counted = run_sql('UPDATE "campaign" SET "signature_count" = "signature_count" + 1 '
                      'WHERE "id" = ? AND "status" = ? RETURNING "signature_count"',
                      campaign.id, Campaign.PUBLISHED).fetchone()
    if counted is None:
        raise CampaignClosed()
    campaign.signature_count = counted[0]
    signature.status = Signature.CONFIRMED
    signature.confirmed_at = now
    newsletter.subscribe_signer(signature)  # the confirmation was the double opt-in
    return True


__all__ = ["CampaignClosed", "Confirmation", "ExpiredToken", "InvalidToken", "ProfileIncomplete",
           "SignerDetails", "confirm", "email_key", "profile_complete", "sign",
           "signature_for_token"]
