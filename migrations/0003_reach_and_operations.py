"""Release 3: reaching people, and running the site for years.

New tables: the newsletter's subscribers and announcements, the pace of delivery
per recipient domain, the workers' heartbeats, the operator's switches, the
blocked email domains and addresses, and the pages admins write. New columns:
languages (accounts and participations), bounces (targets, participations), the abuse-control network
and suspect reason of a participation, a campaign's hidden counter, share image
and purge date, and an outbox message's recipient domain, announcement and
subscriber.

The signers who ticked the newsletter box on a confirmed participation become
subscribers (confirming was their double opt-in), one per address; every
message already in the outbox gets its recipient's domain.
"""
import secrets

from peewee import (
    SQL, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField,
)
from playhouse.migrate import migrate

from models import utcnow


class User(Model):
    class Meta:
        table_name = "user"


class Subscriber(Model):
    email = CharField(max_length=254)
    email_key = CharField(max_length=254, unique=True)
    user = ForeignKeyField(User, null=True, on_delete="CASCADE")
    status = CharField(max_length=12, default="pending")
    language = CharField(max_length=8, default="fr")
    token = CharField(max_length=32, unique=True)
    source = CharField(max_length=20, default="")
    created_at = DateTimeField(default=utcnow)
    confirmed_at = DateTimeField(null=True)
    unsubscribed_at = DateTimeField(null=True)
    bounced_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "id"), False),)


class Announcement(Model):
    subject = CharField(max_length=200)
    body = TextField(default="")
    campaign_ids = TextField(default="")
    author = ForeignKeyField(User, null=True, on_delete="SET NULL")
    status = CharField(max_length=12, default="draft")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    test_sent_at = DateTimeField(null=True)
    queued_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    recipients_total = IntegerField(default=0)
    queued_through = IntegerField(default=0)


class MailDomain(Model):
    domain = CharField(max_length=253, unique=True)
    next_send_at = DateTimeField(default=utcnow)
    backoff_until = DateTimeField(null=True)
    backoff_level = IntegerField(default=0)
    last_error = TextField(default="")
    updated_at = DateTimeField(default=utcnow)


class WorkerHeartbeat(Model):
    worker_id = CharField(max_length=64, unique=True)
    started_at = DateTimeField(default=utcnow)
    beat_at = DateTimeField(default=utcnow)


class SiteSetting(Model):
    key = CharField(max_length=40, unique=True)
    value = TextField(default="")
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")


class BlockedAddress(Model):
    kind = CharField(max_length=10)
    value = CharField(max_length=254)
    reason = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("kind", "value"), True),)


class Page(Model):
    slug = CharField(max_length=60, unique=True)
    title = CharField(max_length=200)
    body = TextField(default="")
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")


NEW_TABLES = [Subscriber, Announcement, MailDomain, WorkerHeartbeat, SiteSetting, BlockedAddress,
              Page]


def with_default(field, sql_default):
    """A NOT NULL column that rows already there fill with `sql_default`, in one ALTER."""
    field.constraints = [SQL(f"DEFAULT {sql_default}")]
    return field


def text(max_length=None, default=""):
    field = CharField(max_length=max_length, default=default) if max_length \
        else TextField(default=default)
    return with_default(field, f"'{default}'")


def apply(migrator, database):
    with database.bind_ctx(NEW_TABLES + [User]):
        database.create_tables(NEW_TABLES, safe=True)
    migrate(
        migrator.add_column("user", "language", text(8, "fr"), allow_not_null=True),
        migrator.add_column("campaign", "hide_counter", with_default(
            BooleanField(default=False), "FALSE"), allow_not_null=True),
        migrator.add_column("campaign", "image_url", text(500), allow_not_null=True),
        migrator.add_column("campaign", "personal_data_purged_at", DateTimeField(null=True)),
        migrator.add_column("target", "bounced_at", DateTimeField(null=True)),
        migrator.add_column("target", "bounce_error", text(), allow_not_null=True),
        migrator.add_column("signature", "language", text(8, "fr"), allow_not_null=True),
        migrator.add_column("signature", "bounced_at", DateTimeField(null=True)),
        migrator.add_column("signature", "ip_network", text(64), allow_not_null=True),
        migrator.add_column("signature", "suspect_reason", text(100), allow_not_null=True),
        migrator.add_column("outboxmessage", "domain", text(253), allow_not_null=True),
        migrator.add_column("outboxmessage", "announcement_id", ForeignKeyField(
            Announcement, null=True, field=Announcement.id, on_delete="SET NULL", index=False)),
        migrator.add_column("outboxmessage", "subscriber_id", ForeignKeyField(
            Subscriber, null=True, field=Subscriber.id, on_delete="CASCADE")),
        migrator.add_index("outboxmessage", ("announcement_id", "status"), False),
        migrator.add_index("outboxmessage", ("status", "domain", "next_attempt_at"), False),
    )
    _subscribe_the_signers_who_asked(database)
    _fill_recipient_domains(database)


def _subscribe_the_signers_who_asked(database):
    """One subscriber per address that ticked the box on a confirmed participation, from
    its latest such participation."""
    param = database.param
    rows = database.execute_sql(
        'SELECT "email", "email_key", "user_id", "confirmed_at" FROM "signature" '
        f"WHERE \"status\" = 'confirmed' AND \"newsletter\" = {param} AND \"email\" <> '' "
        'ORDER BY "confirmed_at", "id"', (True,)).fetchall()
    latest = {}
    for email, key, user_id, confirmed_at in rows:
        latest[key] = (email, key, user_id, confirmed_at)
    for email, key, user_id, confirmed_at in latest.values():
        database.execute_sql(
            'INSERT INTO "subscriber" ("email", "email_key", "user_id", "status", "language", '
            '"token", "source", "created_at", "confirmed_at") '
            f"VALUES ({param}, {param}, {param}, 'subscribed', 'fr', {param}, 'signature', "
            f"{param}, {param})",
            (email, key, user_id, secrets.token_hex(16), confirmed_at or utcnow(), confirmed_at))


def recipient_domain(to_addrs):
    """The domain of a message's first recipient, lower case (frozen copy of the outbox's)."""
    first = to_addrs.split(",", 1)[0].strip()
    return first.rpartition("@")[2].lower() if "@" in first else ""


def _fill_recipient_domains(database):
    """The messages still to deliver; the rest is history, which no pace applies to."""
    param = database.param
    for message_id, to_addrs in database.execute_sql(
            'SELECT "id", "to_addrs" FROM "outboxmessage" '
            "WHERE \"status\" IN ('pending', 'sending')").fetchall():
        database.execute_sql(f'UPDATE "outboxmessage" SET "domain" = {param} WHERE "id" = {param}',
                             (recipient_domain(to_addrs), message_id))
