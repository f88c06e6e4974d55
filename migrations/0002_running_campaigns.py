"""Release 2: campaigns run from the admin area.

Campaigns get a status (the ones already there are published, or closed when
their date has passed), a goal, a result text, their proposer's account, a
folded text for the search and the number of withdrawn participations;
accounts can be blocked; outbox messages know their campaign and may carry an
attachment; the admin journal is new.
"""
import unicodedata

from peewee import (
    SQL, BlobField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField,
)
from playhouse.migrate import migrate

from models import utcnow


class User(Model):
    class Meta:
        table_name = "user"


class Campaign(Model):
    class Meta:
        table_name = "campaign"


class Attachment(Model):
    campaign = ForeignKeyField(Campaign, null=True, on_delete="CASCADE")
    filename = CharField(max_length=200)
    content_type = CharField(max_length=100)
    data = BlobField()
    created_at = DateTimeField(default=utcnow)


class AuditEntry(Model):
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    action = CharField(max_length=40)
    campaign = ForeignKeyField(Campaign, null=True, on_delete="SET NULL")
    subject_user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    detail = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("campaign", "id"), False),)


def with_default(field, sql_default):
    """A NOT NULL column that rows already there fill with `sql_default`, in one ALTER."""
    field.constraints = [SQL(f"DEFAULT {sql_default}")]
    return field


def folded(*texts):
    """Lower case without accents, as the search compares (frozen copy of services.search)."""
    text = " ".join(texts).lower()
    return "".join(char for char in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(char))


def apply(migrator, database):
    with database.bind_ctx([Attachment, AuditEntry, User, Campaign]):
        database.create_tables([Attachment, AuditEntry], safe=True)
    migrate(
        migrator.add_column("campaign", "status", with_default(
            CharField(max_length=12, default="published"), "'published'"), allow_not_null=True),
        migrator.add_column("campaign", "goal", IntegerField(null=True)),
        migrator.add_column("campaign", "result_text", with_default(
            TextField(default=""), "''"), allow_not_null=True),
        migrator.add_column("campaign", "published_at", DateTimeField(null=True)),
        migrator.add_column("campaign", "proposed_by_id", ForeignKeyField(
            User, null=True, field=User.id, on_delete="SET NULL")),
        migrator.add_column("campaign", "search_text", with_default(
            TextField(default=""), "''"), allow_not_null=True),
        migrator.add_column("campaign", "withdrawn_count", with_default(
            IntegerField(default=0), "0"), allow_not_null=True),
        migrator.add_column("campaign", "bilan_requested_at", DateTimeField(null=True)),
        migrator.add_column("campaign", "bilan_sent_at", DateTimeField(null=True)),
        migrator.add_index("campaign", ("status", "kind", "opens_at"), False),
        migrator.add_column("user", "blocked_at", DateTimeField(null=True)),
        migrator.add_index("signature", ("campaign_id", "status", "country", "postal_code"), False),
        migrator.add_column("outboxmessage", "campaign_id", ForeignKeyField(
            Campaign, null=True, field=Campaign.id, on_delete="SET NULL", index=False)),
        migrator.add_column("outboxmessage", "attachment_id", ForeignKeyField(
            Attachment, null=True, field=Attachment.id, on_delete="SET NULL")),
        migrator.add_index("outboxmessage", ("campaign_id", "category", "status"), False),
    )
    _fill(database)


def _fill(database):
    """Published since they opened; closed where the date has passed; searchable; and
    each letter tied to its campaign."""
    param = database.param
    now = utcnow()
    database.execute_sql('UPDATE "campaign" SET "published_at" = "opens_at"')
    database.execute_sql(
        f'UPDATE "campaign" SET "status" = \'closed\', "closed_at" = COALESCE("closed_at", '
        f'"closes_at") WHERE "closed_at" IS NOT NULL OR "closes_at" <= {param}', (now,))
    rows = database.execute_sql(
        'SELECT "id", "title", "summary", "tags", "body" FROM "campaign"').fetchall()
    for campaign_id, *texts in rows:
        database.execute_sql(f'UPDATE "campaign" SET "search_text" = {param} WHERE "id" = {param}',
                             (folded(*texts), campaign_id))
    database.execute_sql(
        'UPDATE "outboxmessage" SET "campaign_id" = (SELECT "campaign_id" FROM "signature" '
        'WHERE "signature"."id" = "outboxmessage"."signature_id") '
        'WHERE "signature_id" IS NOT NULL')
