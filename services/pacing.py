"""The pace of delivery per recipient domain, and the back-off after a relay's 4xx.

`MAIL_RATE_PER_DOMAIN` is messages per second to each domain, with overrides:
"10;education.gouv.fr=5;example.org=0.5" (0 leaves a domain unpaced). `MAIL_RATE` is
messages per second over all domains (0: no overall limit); its budget is kept in the
MailDomain row of the name `ALL_DOMAINS`, which no real domain can take.

A claim takes at most one second's worth of a domain's messages (at least one), and
pushes the domain's `next_send_at` forward by what it took: the domain then waits while
every other domain goes on. The budget is taken inside the claim's transaction, with
the domain's row locked on PostgreSQL (`FOR UPDATE SKIP LOCKED`: a domain that another
worker is claiming is skipped this time) and under SQLite's `BEGIN IMMEDIATE`, so
concurrent workers never exceed a rate together. Each claimed message gets its slot
(the claim's start + rank / rate), and the worker sends it no earlier: a batch spreads
over its second rather than reaching the relay at once.

The due messages are found domain by domain, through the index on (status, domain,
next_attempt_at): a claim costs a few index seeks per domain with mail waiting, not a
scan of the queue, however many letters a throttled domain holds.
"""
import datetime as dt
import functools
import logging
import math
from dataclasses import dataclass, field

from flask import current_app

from models import MailDomain, OutboxMessage, db, is_sqlite

log = logging.getLogger(__name__)

ALL_DOMAINS = "*"
WINDOW = 1.0  # seconds: the most of a domain's rate one claim takes at once
FIRST_BACKOFF = dt.timedelta(seconds=30)
LONGEST_BACKOFF = dt.timedelta(hours=1)
# A `next_send_at` further ahead than any claim can set means the clock went back
# (or a test ran in the future): the domain is open rather than stuck for hours.
CLOCK_SLACK = dt.timedelta(seconds=5)
# A claim a little late (a busy machine wakes its workers late) may use the time it
# lost, up to this much, or a domain would never get its full rate.
CATCH_UP = dt.timedelta(milliseconds=250)
UNKNOWN_DOMAIN = ""  # rows that carry no recipient domain are not paced


@dataclass(frozen=True)
class Rates:
    """Messages per second: per domain by default, per named domain, and overall."""

    default: float = 0.0
    overrides: dict = field(default_factory=dict)
    overall: float = 0.0

    def for_domain(self, domain):
        if domain == UNKNOWN_DOMAIN:
            return 0.0
        return self.overrides.get(domain, self.default)

    def budget(self, domain, room):
        """How many of `domain`'s messages one claim may take, `room` at most."""
        rate = self.for_domain(domain)
        return room if rate <= 0 else min(room, max(1, math.floor(rate * WINDOW)))


def horizon(rate):
    """How far ahead of now a claim can push a domain paced at `rate`."""
    return dt.timedelta(seconds=max(WINDOW, 1 / rate)) + CLOCK_SLACK


def parse_rate(text, name):
    try:
        rate = float(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number of messages per second") from None
    if rate < 0 or not math.isfinite(rate):
        raise ValueError(f"{name}: {text!r} must be 0 or more messages per second")
    return rate


@functools.lru_cache(maxsize=16)
def parse_rates(per_domain, overall):
    """`Rates` from the two settings' text; ValueError names the setting that is wrong."""
    default, overrides = 0.0, {}
    for part in str(per_domain).split(";"):
        part = part.strip()
        if not part:
            continue
        if "=" in part:
            domain, rate = (piece.strip() for piece in part.split("=", 1))
            if not domain or "@" in domain:
                raise ValueError(f"MAIL_RATE_PER_DOMAIN: {part!r} does not name a domain")
            overrides[domain.lower()] = parse_rate(rate, "MAIL_RATE_PER_DOMAIN")
        else:
            default = parse_rate(part, "MAIL_RATE_PER_DOMAIN")
    return Rates(default, overrides, parse_rate(overall or 0, "MAIL_RATE"))


def configured_rates():
    config = current_app.config
    return parse_rates(str(config.get("MAIL_RATE_PER_DOMAIN", "10")),
                       str(config.get("MAIL_RATE", "0")))


# Claiming ----------------------------------------------------------------------------

DOMAINS_WITH_MAIL = """
WITH RECURSIVE queued(domain) AS (
    SELECT (SELECT "domain" FROM "outboxmessage" WHERE "status" = 'pending'
            ORDER BY "domain" LIMIT 1)
    UNION ALL
    SELECT (SELECT o."domain" FROM "outboxmessage" o
            WHERE o."status" = 'pending' AND o."domain" > queued.domain
            ORDER BY o."domain" LIMIT 1)
    FROM queued WHERE queued.domain IS NOT NULL
)
SELECT domain FROM queued WHERE domain IS NOT NULL
"""


def domains_with_mail():
    """Every domain with a pending message: one index seek per domain (a loose index scan)."""
    return [row[0] for row in db.execute_sql(DOMAINS_WITH_MAIL).fetchall()]


def domain_rows(domains):
    """{domain: its MailDomain row, as last committed} for those that have one."""
    rows = {}
    for start in range(0, len(domains), 500):
        rows.update((row.domain, row) for row in MailDomain.select().where(
            MailDomain.domain.in_(domains[start:start + 500])))
    return rows


def in_turn(domains, rows):
    """The one served longest ago first (a claim stamps `updated_at`), so that a fast or
    unpaced domain cannot fill every batch."""
    def last_served(domain):
        row = rows.get(domain)
        return (row.updated_at if row is not None else dt.datetime.min, domain)
    return sorted(domains, key=last_served)


def is_open(row, now, rate):
    """May the domain of this MailDomain row (None: never paced yet) be sent to now?"""
    if row is None:
        return True
    if row.backoff_until is not None and \
            now < row.backoff_until <= now + LONGEST_BACKOFF + CLOCK_SLACK:
        return False
    if rate <= 0:
        return True
    return not (now < row.next_send_at <= now + horizon(rate))


def claim_ids(now, limit, rates):
    """{id: not before} of the due messages this claim may send, each domain's budget
    taken: the moment each may go at its domain's pace (its slot), oldest first.

    Runs inside the claim's write transaction; a domain that is backed off, over its
    budget, or being claimed by another worker is skipped, never waited for. The slots
    of successive claims follow each other, so that workers sending each message no
    earlier than its slot never exceed the rate together.
    """
    room = limit
    overall = None
    if rates.overall > 0:
        overall = _locked_row(ALL_DOMAINS, now, wait=True)
        if not is_open(overall, now, rates.overall):
            return {}
        room = min(room, max(1, math.floor(rates.overall * WINDOW)))
    slots = {}
    domains = domains_with_mail()
    rows = domain_rows(domains)
    for domain in in_turn(domains, rows):
        if len(slots) >= room:
            break
        if is_open(rows.get(domain), now, rates.for_domain(domain)):  # else not even locked
            slots.update(_take_from(domain, now, rates, room - len(slots)))
    slots = dict(sorted(slots.items(), key=lambda item: (item[1], item[0])))
    if overall is not None and slots:
        start = _advance(overall, now, len(slots), rates.overall)
        slots = {message_id: max(slot, _slot(start, rank, rates.overall))
                 for rank, (message_id, slot) in enumerate(slots.items())}
    return slots


def _take_from(domain, now, rates, room):
    rate = rates.for_domain(domain)
    row = _locked_row(domain, now) if domain != UNKNOWN_DOMAIN else None
    if domain != UNKNOWN_DOMAIN and row is None:
        return {}  # another worker holds it: its claim takes this domain's budget
    if not is_open(row, now, rate):
        return {}
    query = (OutboxMessage.select(OutboxMessage.id)
             .where((OutboxMessage.status == OutboxMessage.PENDING)
                    & (OutboxMessage.domain == domain) & (OutboxMessage.next_attempt_at <= now))
             .order_by(OutboxMessage.next_attempt_at).limit(rates.budget(domain, room)))
    if not is_sqlite():
        query = query.for_update(skip_locked=True)
    ids = [message.id for message in query]
    start = _advance(row, now, len(ids), rate) if ids and domain != UNKNOWN_DOMAIN else now
    return {message_id: _slot(start, rank, rate) for rank, message_id in enumerate(ids)}


def _slot(start, rank, rate):
    """When the `rank`-th message of a claim starting at `start` may go at `rate`."""
    return start + dt.timedelta(seconds=rank / rate) if rate > 0 else start


def _locked_row(domain, now, wait=False):
    """The domain's row, created if need be and locked on PostgreSQL until the claim
    commits; None when another worker holds it (unless told to wait)."""
    row = _select_locked(domain, wait)
    if row is None:
        MailDomain.insert(domain=domain, next_send_at=now, updated_at=now) \
            .on_conflict_ignore().execute()
        row = _select_locked(domain, wait)
    return row


def _select_locked(domain, wait):
    query = MailDomain.select().where(MailDomain.domain == domain)
    if not is_sqlite():
        query = query.for_update(skip_locked=not wait)
    return query.first()


def _advance(row, now, count, rate):
    """The domain (its locked row) took `count` messages now: it waits for them (when
    paced), and goes to the end of the turn; return where its slots start."""
    changes, start = {"updated_at": now}, now
    if rate > 0:
        start = max(now - CATCH_UP, min(row.next_send_at, now))
        changes["next_send_at"] = start + dt.timedelta(seconds=count / rate)
    MailDomain.update(**changes).where(MailDomain.domain == row.domain).execute()
    return start


def seconds_until_open(now, rates):
    """How long until a domain that holds due messages, skipped for its pace (not a
    back-off), may be sent to again; None when none is waiting for its pace."""
    if rates.overall <= 0 and rates.default <= 0 and not any(rates.overrides.values()):
        return None
    waits = []
    for domain, next_send_at in (MailDomain.select(MailDomain.domain, MailDomain.next_send_at)
                                 .where((MailDomain.next_send_at > now)
                                        & (MailDomain.backoff_until.is_null()
                                           | (MailDomain.backoff_until <= now))).tuples()):
        if domain == ALL_DOMAINS:
            rate, waiting = rates.overall, _any_due(now)
        else:
            rate, waiting = rates.for_domain(domain), _any_due(now, domain)
        if rate > 0 and next_send_at <= now + horizon(rate) and waiting:
            waits.append((next_send_at - now).total_seconds())
    return min(waits) if waits else None


def _any_due(now, domain=None):
    due = (OutboxMessage.status == OutboxMessage.PENDING) & (OutboxMessage.next_attempt_at <= now)
    if domain is not None:
        due &= OutboxMessage.domain == domain
    return OutboxMessage.select(OutboxMessage.id).where(due).limit(1).exists()


# Back-off ----------------------------------------------------------------------------

def backoff_delay(level):
    """30 s, 1 min, 2 min… capped at an hour; `level` counts the 4xx answers in a row."""
    return min(FIRST_BACKOFF * 2 ** min(level, 20), LONGEST_BACKOFF)


def back_off(domain, now, error):
    """The domain's relay answered 4xx: hold its messages back, longer each time."""
    if domain == UNKNOWN_DOMAIN:
        return
    row = MailDomain.get_or_none(MailDomain.domain == domain)
    if row is None:
        MailDomain.insert(domain=domain, next_send_at=now, updated_at=now) \
            .on_conflict_ignore().execute()
        level = 0
    else:
        level = row.backoff_level
    delay = backoff_delay(level)
    MailDomain.update(backoff_level=level + 1, backoff_until=now + delay,
                      last_error=error[:500], updated_at=now) \
        .where(MailDomain.domain == domain).execute()
    # The domain only, never an address: a domain names an organisation, not a person.
    log.warning("outbox: domain %s answered 4xx; its messages wait %s s (back-off level %s)",
                domain, int(delay.total_seconds()), level + 1)


def recovered(domains, now):
    """These domains accepted mail: their back-off is over."""
    domains = [domain for domain in domains if domain != UNKNOWN_DOMAIN]
    if domains:
        MailDomain.update(backoff_level=0, backoff_until=None, last_error="", updated_at=now) \
            .where(MailDomain.domain.in_(domains) & (MailDomain.backoff_level > 0)).execute()
