"""The admins' tools against fraud: participations held as suspect, grouped so that a
bot's burst reads at a glance; releasing or discarding them; invalidating confirmed
participations by criteria; the list of blocked email domains and addresses.

Every change is written to the admin journal. Counters move in the database
(Campaign.count_change), never by reading and writing back.
"""
import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from peewee import IntegrityError

from models import (
    BlockedAddress, Campaign, OutboxMessage, Signature, is_sqlite, run_sql, utcnow,
    write_transaction,
)
from services import abuse, audit, messages

# An invalidated participation keeps its row (and so its address's place: the same
# address can never be counted there again), is no longer counted, exported or listed.
INVALID = "invalid"

GROUPINGS = {"reseau": "Réseau", "domaine": "Domaine de courriel", "heure": "Heure"}
SPIKE_FACTOR = 5
SPIKE_MINIMUM = 20
SUSPECTS_SHOWN = 200

# Suggested to the admin, never added without them: providers of throwaway addresses.
DISPOSABLE_DOMAINS = (
    "yopmail.com", "yopmail.fr", "mailinator.com", "guerrillamail.com", "10minutemail.com",
    "trashmail.com", "jetable.org", "temp-mail.org", "sharklasers.com", "maildrop.cc",
)


class FraudError(Exception):
    """A request the tools refuse, with a French message for the admin."""


# Suspects, grouped ------------------------------------------------------------------

@dataclass
class Suspect:
    id: int
    campaign_id: int
    email: str
    network: str
    domain: str
    created_at: dt.datetime
    reason: str

    @property
    def hour(self):
        return self.created_at.replace(minute=0, second=0, microsecond=0)

    def key(self, grouping):
        return {"reseau": self.network or "inconnu", "domaine": self.domain,
                "heure": self.hour.strftime("%Y-%m-%d %H")}[grouping]


@dataclass
class Group:
    grouping: str
    value: str
    count: int
    campaigns: list
    spike: bool = False

    @property
    def hour_start(self):
        """The hour a group by hour stands for (UTC), or None."""
        if self.grouping != "heure":
            return None
        return dt.datetime.strptime(self.value, "%Y-%m-%d %H")


@dataclass
class SuspectReport:
    total: int
    groups: dict            # grouping → [Group], largest first
    suspects: list          # the latest, for a selection by hand
    campaigns: dict = field(default_factory=dict)  # id → Campaign, of the suspects shown


def _suspects(campaign_id=None):
    sql = ('SELECT "id", "campaign_id", "email", "email_key", "ip_network", "created_at", '
           '"suspect_reason" FROM "signature" WHERE "status" = ?')
    params = [Signature.SUSPECT]
    if campaign_id is not None:
        sql += ' AND "campaign_id" = ?'
        params.append(campaign_id)
    rows = run_sql(sql + ' ORDER BY "id" DESC', *params).fetchall()
    return [Suspect(id=row[0], campaign_id=row[1], email=row[2], domain=abuse.domain_of(row[3]),
                    network=row[4], created_at=_as_datetime(row[5]), reason=row[6])
            for row in rows]


def _as_datetime(value):
    return value if isinstance(value, dt.datetime) else Signature.created_at.python_value(value)


def suspect_report(campaign_id=None):
    """The suspects, overall or of one campaign, grouped by network, domain and hour;
    an hour is flagged when its campaign took far more than in its usual hour."""
    suspects = _suspects(campaign_id)
    groups = {}
    for grouping in GROUPINGS:
        counts, campaigns = Counter(), defaultdict(set)
        for suspect in suspects:
            counts[suspect.key(grouping)] += 1
            campaigns[suspect.key(grouping)].add(suspect.campaign_id)
        groups[grouping] = [Group(grouping, value, count, sorted(campaigns[value]))
                            for value, count in counts.most_common()]
    _flag_spikes(groups["heure"], {suspect.campaign_id for suspect in suspects})
    shown = suspects[:SUSPECTS_SHOWN]
    campaigns = {campaign.id: campaign for campaign in Campaign.select().where(
        Campaign.id.in_({suspect.campaign_id for suspect in suspects} or {0}))}
    return SuspectReport(total=len(suspects), groups=groups, suspects=shown, campaigns=campaigns)


def _flag_spikes(hour_groups, campaign_ids):
    spikes = set()
    for campaign_id in campaign_ids:
        spikes |= {(campaign_id, hour) for hour in spike_hours(campaign_id)}
    for group in hour_groups:
        group.spike = any((campaign_id, group.value) in spikes for campaign_id in group.campaigns)


def spike_hours(campaign_id):
    """The hours ("YYYY-MM-DD HH") in which a campaign took at least SPIKE_FACTOR times
    its median hour's participations, and at least SPIKE_MINIMUM."""
    per_hour = hourly_participations(campaign_id)
    if not per_hour:
        return set()
    median = statistics.median(per_hour.values())
    return {hour for hour, count in per_hour.items()
            if count >= SPIKE_MINIMUM and count >= SPIKE_FACTOR * median}


def hourly_participations(campaign_id):
    """Participations per hour of arrival, whatever became of them since."""
    hour = ('substr("created_at", 1, 13)' if is_sqlite()
            else """to_char("created_at", 'YYYY-MM-DD HH24')""")
    rows = run_sql(f'SELECT {hour}, COUNT(*) FROM "signature" WHERE "campaign_id" = ? '
                   f'GROUP BY 1', campaign_id).fetchall()
    return {row[0]: row[1] for row in rows}


# Releasing and discarding suspects ----------------------------------------------------

@dataclass(frozen=True)
class Selection:
    """Suspects chosen by hand (`ids`), or a whole group (`grouping` = `value`)."""

    ids: tuple = ()
    grouping: str = ""
    value: str = ""
    campaign_id: int = None

    def describe(self):
        if self.ids:
            return f"{len(self.ids)} choisie(s)"
        return f"{GROUPINGS.get(self.grouping, self.grouping)} {self.value}"


def selected_suspects(selection):
    if not (selection.ids or selection.grouping in GROUPINGS):
        raise FraudError(_("Choisissez des participations, ou un groupe."))
    suspects = _suspects(selection.campaign_id)
    if selection.ids:
        wanted = set(selection.ids)
        return [suspect for suspect in suspects if suspect.id in wanted]
    return [suspect for suspect in suspects if suspect.key(selection.grouping) == selection.value]


def release(actor, selection):
    """Libérer: the participations become pending and their confirmation email goes.
    Only in campaigns still open: the others can only be discarded. Returns how many."""
    released = Counter()
    for suspect in selected_suspects(selection):
        campaign = Campaign.by_id(suspect.campaign_id)
        if not campaign.is_open():
            continue
        with write_transaction():
            moved = Signature.update(status=Signature.PENDING, last_notice_at=utcnow()).where(
                (Signature.id == suspect.id) & (Signature.status == Signature.SUSPECT)).execute()
            if moved:
                messages.queue_confirmation_request(Signature.get_by_id(suspect.id), campaign)
                released[campaign.id] += 1
    _record(actor, "fraud.release", released, f"Libérées ({selection.describe()})")
    return sum(released.values())


def discard(actor, selection):
    """Écarter: the suspects' rows are deleted; they never counted, nothing was mailed."""
    discarded = Counter()
    for suspect in selected_suspects(selection):
        deleted = Signature.delete().where((Signature.id == suspect.id)
                                           & (Signature.status == Signature.SUSPECT)).execute()
        discarded[suspect.campaign_id] += deleted
    _record(actor, "fraud.discard", discarded, f"Écartées ({selection.describe()})")
    return sum(discarded.values())


def _record(actor, action, per_campaign, detail):
    for campaign_id, count in per_campaign.items():
        if count:
            audit.record(actor, action, campaign=Campaign.by_id(campaign_id),
                         detail=f"{detail} : {count} participation(s)")


# Invalidating confirmed participations ------------------------------------------------

@dataclass(frozen=True)
class Criteria:
    """Which confirmed participations to invalidate; at least one of them is required."""

    campaign_id: int = None
    network: str = ""
    domain: str = ""
    start: dt.datetime = None
    end: dt.datetime = None

    def is_empty(self):
        return not (self.network or self.domain or self.start or self.end)

    def where(self):
        """The SQL condition and its parameters, on confirmed participations."""
        clauses, params = ['"status" = ?'], [Signature.CONFIRMED]
        if self.campaign_id is not None:
            clauses.append('"campaign_id" = ?')
            params.append(self.campaign_id)
        if self.network:
            clauses.append('"ip_network" = ?')
            params.append(self.network)
        if self.domain:
            ending = "@" + self.domain.lower()
            clauses.append('substr("email_key", length("email_key") - ? + 1) = ?')
            params += [len(ending), ending]
        if self.start:
            clauses.append('"confirmed_at" >= ?')
            params.append(self.start)
        if self.end:
            clauses.append('"confirmed_at" < ?')
            params.append(self.end)
        return " AND ".join(clauses), params

    def describe(self):
        parts = []
        if self.network:
            parts.append(f"réseau {self.network}")
        if self.domain:
            parts.append(f"domaine {self.domain}")
        if self.start:
            parts.append(f"depuis {self.start:%d/%m/%Y %H:%M} UTC")
        if self.end:
            parts.append(f"avant {self.end:%d/%m/%Y %H:%M} UTC")
        return ", ".join(parts)


def _checked(criteria):
    if criteria.is_empty():
        raise FraudError(_("Indiquez au moins un critère : réseau, domaine ou période."))
    return criteria


def invalidation_preview(criteria):
    """How many confirmed participations, per campaign, the criteria would invalidate."""
    condition, params = _checked(criteria).where()
    rows = run_sql(f'SELECT "campaign_id", COUNT(*) FROM "signature" WHERE {condition} '
                   f'GROUP BY "campaign_id"', *params).fetchall()
    return {row[0]: row[1] for row in rows}


def invalidate(actor, criteria):
    """Invalider: the participations stop counting (their letters not yet sent are
    withdrawn); their rows stay, so that their addresses cannot count again here."""
    condition, params = _checked(criteria).where()
    with write_transaction():
        rows = run_sql(f'UPDATE "signature" SET "status" = ? WHERE {condition} '
                       f'RETURNING "id", "campaign_id"', INVALID, *params).fetchall()
        ids = [row[0] for row in rows]
        for chunk in _chunks(ids, 500):
            OutboxMessage.delete().where(
                OutboxMessage.signature.in_(chunk)
                & (OutboxMessage.status == OutboxMessage.PENDING)).execute()
        per_campaign = Counter(row[1] for row in rows)
        for campaign_id, count in per_campaign.items():
            Campaign.count_change(campaign_id, -count)
        _record(actor, "fraud.invalidate", per_campaign, f"Invalidées ({criteria.describe()})")
    return sum(per_campaign.values())


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# Blocked domains and addresses --------------------------------------------------------

def blocked_list():
    return list(BlockedAddress.select().order_by(BlockedAddress.kind, BlockedAddress.value))


def suggested_domains():
    """The disposable providers not blocked yet, for the admin to add or not."""
    blocked = {row.value for row in BlockedAddress.select(BlockedAddress.value).where(
        BlockedAddress.kind == BlockedAddress.DOMAIN)}
    return [domain for domain in DISPOSABLE_DOMAINS if domain not in blocked]


def block(actor, kind, value, reason=""):
    """Add a domain (`exemple.com`) or an address to the list; refused twice."""
    from services.signing import ascii_domain, email_key
    value = value.strip().lower()
    if kind == BlockedAddress.DOMAIN:
        value = ascii_domain(value.lstrip("@"))
    else:
        value = email_key(value)
    try:
        with write_transaction():
            entry = BlockedAddress.create(kind=kind, value=value, reason=reason or "",
                                          created_by=actor.id)
            audit.record(actor, "blocked.add", detail=f"{_kind_label(kind)} {value}")
    except IntegrityError:
        raise FraudError(_("« %(value)s » est déjà dans la liste.", value=value))
    return entry


def unblock(actor, entry_id):
    entry = BlockedAddress.get_or_none(BlockedAddress.id == entry_id)
    if entry is None:
        raise FraudError(_("Cette entrée n'est plus dans la liste."))
    with write_transaction():
        entry.delete_instance()
        audit.record(actor, "blocked.remove", detail=f"{_kind_label(entry.kind)} {entry.value}")
    return entry


def _kind_label(kind):
    return "Domaine" if kind == BlockedAddress.DOMAIN else "Adresse"
