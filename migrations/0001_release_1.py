"""Release 1: the schema as it was before migrations, frozen here.

A database made by release 1 already has these tables; this step creates them
only where a database starts from nothing through `migrate`, and lets tests
build a release-1 database to migrate from.
"""
from peewee import (
    BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField,
)

from models import utcnow


class Release1Model(Model):
    """Bound to the database being migrated, never to the application's handle."""


class Campaign(Release1Model):
    kind = CharField(max_length=20)
    slug = CharField(max_length=120)
    title = CharField(max_length=200)
    summary = TextField(default="")
    body = TextField(default="")
    sources = TextField(default="")
    tags = CharField(max_length=300, default="")
    proposer = CharField(max_length=120)
    letter_subject = CharField(max_length=200, default="")
    letter_body = TextField(default="")
    letter_locked = BooleanField(default=False)
    allow_elu_copy = BooleanField(default=False)
    opens_at = DateTimeField(default=utcnow)
    closes_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)
    signature_count = IntegerField(default=0)
    content_version = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("kind", "slug"), True),)


class Target(Release1Model):
    campaign = ForeignKeyField(Campaign, backref="targets", on_delete="CASCADE")
    name = CharField(max_length=200)
    email = CharField(max_length=254)
    position = IntegerField(default=0)


class User(Release1Model):
    email = CharField(max_length=254, unique=True)
    email_key = CharField(max_length=254, unique=True)
    password_hash = CharField(max_length=200)
    role = CharField(max_length=12, default="member")
    email_verified_at = DateTimeField(null=True)
    pending_email = CharField(max_length=254, null=True)
    session_token = CharField(max_length=32)
    last_name = CharField(max_length=100, default="")
    first_name = CharField(max_length=100, default="")
    postal_code = CharField(max_length=10, default="")
    city = CharField(max_length=100, default="")
    country = CharField(max_length=2, default="FR")
    profession = CharField(max_length=100, default="")
    address = CharField(max_length=200, default="")
    created_at = DateTimeField(default=utcnow)
    can_comment = BooleanField(default=True)


class Signature(Release1Model):
    campaign = ForeignKeyField(Campaign, backref="signatures", on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, backref="signatures", on_delete="SET NULL")
    status = CharField(max_length=12, default="pending")
    email = CharField(max_length=254)
    email_key = CharField(max_length=254)
    last_name = CharField(max_length=100)
    first_name = CharField(max_length=100)
    postal_code = CharField(max_length=10)
    city = CharField(max_length=100)
    country = CharField(max_length=2)
    profession = CharField(max_length=100, default="")
    address = CharField(max_length=200, default="")
    newsletter = BooleanField(default=False)
    hide_identity = BooleanField(default=False)
    letter_subject = CharField(max_length=200, default="")
    letter_body = TextField(default="")
    cc_addrs = TextField(default="")
    cc_names = TextField(default="")
    confirm_nonce = CharField(max_length=32, unique=True)
    created_at = DateTimeField(default=utcnow)
    confirmed_at = DateTimeField(null=True)
    last_notice_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("campaign", "email_key"), True),
            (("campaign", "status", "confirmed_at"), False),
        )


class Comment(Release1Model):
    campaign = ForeignKeyField(Campaign, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, null=True, backref="comments", on_delete="SET NULL")
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    hidden_at = DateTimeField(null=True)
    hidden_by = ForeignKeyField(User, null=True, backref="hidden_comments", on_delete="SET NULL")
    hidden_reason = TextField(default="")

    class Meta:
        indexes = ((("campaign", "hidden_at", "id"), False),)


class CommentReport(Release1Model):
    comment = ForeignKeyField(Comment, backref="reports", on_delete="CASCADE")
    reporter = ForeignKeyField(User, null=True, backref="reports", on_delete="SET NULL")
    reason = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    resolved_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("comment", "reporter"), True), (("resolved_at",), False))


class ModerationAction(Release1Model):
    moderator = ForeignKeyField(User, null=True, backref="moderation_actions",
                                on_delete="SET NULL")
    action = CharField(max_length=12)
    comment = ForeignKeyField(Comment, null=True, backref="moderation_actions",
                              on_delete="SET NULL")
    member = ForeignKeyField(User, null=True, backref="moderation_received",
                             on_delete="SET NULL")
    reason = TextField(default="")
    created_at = DateTimeField(default=utcnow)


class Commune(Release1Model):
    postal_code = CharField(max_length=5, index=True)
    insee_code = CharField(max_length=5, index=True)
    name = CharField(max_length=100)
    departement = CharField(max_length=3)
    parent_insee = CharField(max_length=5, default="")

    class Meta:
        indexes = ((("postal_code", "insee_code"), True),)


class CommuneCirconscription(Release1Model):
    insee_code = CharField(max_length=5)
    circonscription = CharField(max_length=6, index=True)

    class Meta:
        indexes = ((("insee_code", "circonscription"), True),)


class Elu(Release1Model):
    role = CharField(max_length=20, default="depute")
    external_id = CharField(max_length=40)
    civility = CharField(max_length=10, default="")
    first_name = CharField(max_length=100)
    last_name = CharField(max_length=100)
    group = CharField(max_length=200, default="")
    departement = CharField(max_length=3)
    circonscription = CharField(max_length=6, index=True)
    emails = TextField(default="")
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("role", "external_id"), True),)


class OutboxMessage(Release1Model):
    category = CharField(max_length=20)
    signature = ForeignKeyField(Signature, null=True, backref="messages", on_delete="SET NULL")
    user = ForeignKeyField(User, null=True, backref="messages", on_delete="CASCADE")
    sender_name = CharField(max_length=200, default="")
    reply_to = CharField(max_length=254, default="")
    to_addrs = TextField()
    cc_addrs = TextField(default="")
    subject = CharField(max_length=300)
    body_text = TextField()
    body_html = TextField(null=True)
    status = CharField(max_length=10, default="pending")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    claimed_by = CharField(max_length=64, null=True)
    claimed_until = DateTimeField(null=True)
    last_error = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)


MODELS = [User, Campaign, Target, Signature, Comment, CommentReport, ModerationAction,
          OutboxMessage, Commune, CommuneCirconscription, Elu]


def apply(migrator, database):
    with database.bind_ctx(MODELS):
        database.create_tables(MODELS, safe=True)
