"""The operator's switches: signing paused site-wide (with why), the read-only mode for
maintenance, a campaign's counter hidden. Each change is written to the admin journal.

The switches are read on every signing POST and every page render. They are kept in
`SiteSetting` rows and read once every few seconds per process: a switch turned in one
process (the CLI, another gunicorn worker) reaches the others within `CACHE_SECONDS`,
and at once in the process that turned it.
"""
import logging
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from peewee import DatabaseError

from models import Campaign, SiteSetting, utcnow, write_transaction
from services import audit

log = logging.getLogger(__name__)

CACHE_SECONDS = 2.0
SIGNING_PAUSED = "signing_paused"  # value: the message shown to signers; no row: signing open
READ_ONLY = "read_only"            # value "1" while the site is read-only
KEYS = (SIGNING_PAUSED, READ_ONLY)

# Stored as written, in French; shown_pause_message translates it (N_ marks it for the catalogue).
N_ = str
DEFAULT_PAUSE_MESSAGE = N_("Les signatures sont suspendues pour le moment. Revenez un peu plus tard.")
MESSAGE_MAX_LENGTH = 500


@dataclass(frozen=True)
class Switches:
    pause_message: str = ""
    read_only: bool = False

    @property
    def signing_paused(self):
        return bool(self.pause_message)

    @property
    def version(self):
        """What a cached page depends on: it changes whenever a switch does."""
        return (self.pause_message, self.read_only)

    def shown_pause_message(self):
        """What signers read: the operator's own words as written, the default one in the
        reader's language."""
        if self.pause_message == DEFAULT_PAUSE_MESSAGE:
            return _(DEFAULT_PAUSE_MESSAGE)
        return self.pause_message


def current():
    """The switches as this process last read them (at most CACHE_SECONDS ago)."""
    cache = current_app.extensions.setdefault("switches", {})
    read_at, switches = cache.get("entry", (None, None))
    if read_at is None or time.monotonic() - read_at > CACHE_SECONDS:
        switches = _read()
        cache["entry"] = (time.monotonic(), switches)
    return switches


def _read():
    try:
        rows = dict(SiteSetting.select(SiteSetting.key, SiteSetting.value)
                    .where(SiteSetting.key.in_(KEYS)).tuples())
    except DatabaseError:
        # The database is down (its error page must still render), or lacks the table
        # (not migrated yet): no switch can have been turned.
        log.warning("operator switches unreadable; taken as off")
        return Switches()
    return Switches(pause_message=rows.get(SIGNING_PAUSED, ""),
                    read_only=rows.get(READ_ONLY) == "1")


def forget():
    """Read the switches again on the next use (after this process changed one)."""
    current_app.extensions.get("switches", {}).pop("entry", None)


def pause_signing(message, actor=None):
    """Refuse every signature site-wide, telling signers `message`."""
    message = " ".join((message or "").split())[:MESSAGE_MAX_LENGTH] or DEFAULT_PAUSE_MESSAGE
    _set(SIGNING_PAUSED, message, actor, "signing.pause", detail=message)
    return message


def resume_signing(actor=None):
    _set(SIGNING_PAUSED, None, actor, "signing.resume")


def set_read_only(on, actor=None):
    _set(READ_ONLY, "1" if on else None, actor, "site.read_only_on" if on else "site.read_only_off")


def set_counter_hidden(campaign, hidden, actor=None):
    """Show or hide a campaign's counter on the site; its cached pages expire at once."""
    with write_transaction():
        Campaign.update(hide_counter=hidden).where(Campaign.id == campaign.id).execute()
        Campaign.content_changed(campaign.id)
        audit.record(actor, "counter.hide" if hidden else "counter.show", campaign=campaign,
                     detail=_with_origin("", actor))
    campaign.hide_counter = hidden


def _set(key, value, actor, action, detail=""):
    """Write one switch (None removes it) and its line in the journal, together."""
    with write_transaction():
        if value is None:
            SiteSetting.delete().where(SiteSetting.key == key).execute()
        else:
            (SiteSetting.insert(key=key, value=value, updated_at=utcnow(),
                                updated_by=actor.id if actor is not None else None)
             .on_conflict(conflict_target=[SiteSetting.key],
                          preserve=[SiteSetting.value, SiteSetting.updated_at,
                                    SiteSetting.updated_by])
             .execute())
        audit.record(actor, action, detail=_with_origin(detail, actor))
    forget()


def _with_origin(detail, actor):
    """The journal shows who changed a switch; from the command line, nobody is logged in."""
    if actor is not None:
        return detail
    return f"{detail} (ligne de commande)" if detail else "Ligne de commande"
