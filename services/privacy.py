"""Erasing personal data once its purpose is served (`flask --app app purge-personal-data`,
and the outbox worker once a day).

A participation says what its signer thinks: some months after its campaign closed
(PURGE_AFTER_MONTHS), the names, addresses, letters and copies go. What the campaign
achieved stays: its counter, its bilan text, and the one-per-address guarantee (each
address becomes a keyed hash that cannot be read back). The client network, kept for
abuse control only, goes much sooner (IP_RETENTION_DAYS) for every participation.
"""
import calendar
import datetime as dt
import secrets
from dataclasses import dataclass, field

from flask import current_app

from models import (
    Attachment, Campaign, OutboxMessage, SiteSetting, Signature, insert_row, run_sql, utcnow,
    write_transaction,
)
from services import audit
from services.signing import erased_key

# Rows rewritten per transaction: on SQLite the write lock is held for one batch only,
# so that signing elsewhere waits a moment, not the whole purge.
BATCH = 500
DAILY = dt.timedelta(days=1)
LAST_RUN_KEY = "privacy.purged_at"
STAMP = "%Y-%m-%d %H:%M:%S"

# What a purged participation keeps: its campaign, status, dates, country, language and
# choices. Everything else that could name or reach its signer is blanked.
ERASED_FIELDS = ("email", "last_name", "first_name", "postal_code", "city", "profession",
                 "address", "letter_subject", "letter_body", "cc_addrs", "cc_names",
                 "ip_network")


@dataclass
class PurgeReport:
    campaigns: list = field(default_factory=list)  # (campaign, participations erased)
    networks_blanked: int = 0

    @property
    def participations(self):
        return sum(count for _, count in self.campaigns)


def months_before(moment, months):
    """The same day and time `months` earlier (the last day of a shorter month)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))


def due_campaigns(now):
    cutoff = months_before(now, current_app.config["PURGE_AFTER_MONTHS"])
    return list(Campaign.select().where(
        Campaign.closed_at.is_null(False) & (Campaign.closed_at < cutoff)
        & Campaign.personal_data_purged_at.is_null()).order_by(Campaign.id))


def purge_personal_data(now=None):
    """Erase what is due now: the campaigns closed long enough, the old networks."""
    now = now or utcnow()
    report = PurgeReport()
    for campaign in due_campaigns(now):
        report.campaigns.append((campaign, purge_campaign(campaign, now)))
    report.networks_blanked = blank_old_networks(now)
    if report.networks_blanked:
        audit.record(None, "privacy.purge",
                     detail=f"Réseaux d'origine effacés : {report.networks_blanked} "
                            "participation(s)")
    return report


def purge_campaign(campaign, now):
    """Erase one campaign's personal data; returns how many participations kept a row."""
    with write_transaction():
        # Never counted, so nothing to guarantee: pending and suspect ones simply go.
        OutboxMessage.delete().where(OutboxMessage.signature.in_(
            Signature.select(Signature.id).where(_uncounted(campaign)))).execute()
        Signature.delete().where(_uncounted(campaign)).execute()
    erased = 0
    while True:
        with write_transaction():
            batch = _not_yet_erased(campaign)
            for signature_id, key in batch:
                _erase(signature_id, key)
            erased += len(batch)
        if len(batch) < BATCH:
            break
    with write_transaction():
        # Rows erased earlier with their account kept a letter's subject or copies.
        Signature.update(hide_identity=True, **{name: "" for name in ERASED_FIELDS}).where(
            Signature.campaign == campaign.id).execute()
        _delete_messages_and_files(campaign)
        Campaign.update(personal_data_purged_at=now).where(Campaign.id == campaign.id).execute()
        Campaign.content_changed(campaign.id)  # cached lists of signatories expire now
        audit.record(None, "privacy.purge", campaign=campaign,
                     detail=f"{erased} participation(s) rendues anonymes")
    return erased


def _uncounted(campaign):
    return (Signature.campaign == campaign.id) & Signature.status.in_(
        [Signature.PENDING, Signature.SUSPECT])


def _not_yet_erased(campaign):
    """A batch of the campaign's participations whose address is still readable (those
    erased with their account already hold a hash, and no address)."""
    return run_sql('SELECT "id", "email_key" FROM "signature" WHERE "campaign_id" = ? '
                   'AND "email" <> ? ORDER BY "id" LIMIT ?', campaign.id, "", BATCH).fetchall()


def _erase(signature_id, key):
    Signature.update(
        email_key=erased_key(key), confirm_nonce=secrets.token_hex(16), user=None,
        hide_identity=True, last_notice_at=None, **{name: "" for name in ERASED_FIELDS},
    ).where(Signature.id == signature_id).execute()


def _delete_messages_and_files(campaign):
    """Letters, confirmations and notices name their signer; the PDF of signatories
    lists them all."""
    OutboxMessage.delete().where(
        (OutboxMessage.campaign == campaign.id)
        | OutboxMessage.signature.in_(Signature.select(Signature.id).where(
            Signature.campaign == campaign.id))).execute()
    Attachment.delete().where(Attachment.campaign == campaign.id).execute()


def blank_old_networks(now):
    """Forget the client network of every participation older than its retention."""
    cutoff = now - dt.timedelta(days=current_app.config["IP_RETENTION_DAYS"])
    return Signature.update(ip_network="").where(
        (Signature.ip_network != "") & (Signature.created_at < cutoff)).execute()


def purge_if_due(now=None):
    """The worker's daily run: whichever worker claims the day does it; None otherwise."""
    now = now or utcnow()
    insert_row(SiteSetting, {"key": LAST_RUN_KEY, "value": ""}, ignore_conflict=True)
    claimed = SiteSetting.update(value=now.strftime(STAMP), updated_at=now).where(
        (SiteSetting.key == LAST_RUN_KEY)
        & (SiteSetting.value < (now - DAILY).strftime(STAMP))).execute()
    return purge_personal_data(now) if claimed else None
