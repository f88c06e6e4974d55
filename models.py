"""Peewee models and the database handle, bound by the application factory."""
import datetime as dt
from contextlib import contextmanager

from peewee import (
    SQL, AutoField, BlobField, BooleanField, CharField, DatabaseProxy, DateTimeField, ForeignKeyField,
    IntegerField, Model, NodeList, SqliteDatabase, TextField,
)
from playhouse.db_url import connect

db = DatabaseProxy()


def utcnow():
    """Naive UTC timestamps everywhere in the database."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def open_database(url):
    """Open the database named by a URL: SQLite in WAL mode, or pooled PostgreSQL."""
    if url.startswith("sqlite:"):
        return connect(url, pragmas={
            "journal_mode": "wal",
            "synchronous": "normal",
            "foreign_keys": 1,
            "busy_timeout": 10000,
            "cache_size": -32000,  # 32 MB per connection
        }, check_same_thread=False, timeout=10, returning_clause=True)
    if url.startswith(("postgres://", "postgresql://")):
        url = "psycopg3+pool://" + url.split("://", 1)[1]
    return connect(url, max_connections=32, stale_timeout=300, timeout=10)


def is_sqlite():
    return isinstance(db.obj, SqliteDatabase)


def application_tables():
    """The tables of the bound database, without SQLite's own (sqlite_sequence…)."""
    return [table for table in db.get_tables() if not table.startswith("sqlite_")]


@contextmanager
def write_transaction():
    """A transaction for writes that read first.

    SQLite must take its write lock at BEGIN, or concurrent readers that later
    write fail with "database is locked" instead of waiting their turn.
    """
    if is_sqlite():
        with db.atomic("IMMEDIATE") as txn:
            yield txn
    else:
        with db.atomic() as txn:
            yield txn


class BaseModel(Model):
    class Meta:
        database = db

    @classmethod
    def all_raw(cls, sql, *params):
        """The rows of a hand-written SELECT (`?` placeholders) as model instances."""
        return list(cls.raw(bound_placeholders(sql), *params))

    @classmethod
    def first_raw(cls, sql, *params):
        """The first row of a hand-written SELECT, or None."""
        found = cls.all_raw(sql, *params)
        return found[0] if found else None


_INSERT_STATEMENTS = {}


def bound_placeholders(sql):
    """`?` placeholders in the style of whichever database is bound (`%s` for psycopg)."""
    return sql if db.obj.param == "?" else sql.replace("?", db.obj.param)


def run_sql(sql, *params):
    """Run a hand-written statement (`?` placeholders) on whichever database is bound."""
    return db.execute_sql(bound_placeholders(sql), params)


def python_defaults(model, given_names):
    """(field, default) for the fields `given_names` leaves out that have a Python-side
    default: the database knows none of them, only peewee's own INSERT fills them in."""
    return [(field, field.default() if callable(field.default) else field.default)
            for field in model._meta.sorted_fields
            if field.name not in given_names and field.name != "id" and field.default is not None]


def insert_row(model, values, ignore_conflict=False):
    """Insert one row with a statement built once per shape; return its id.

    On the signing path peewee spends more time building an INSERT than the
    database spends running it. Fields left out take their model default.
    With `ignore_conflict`, a row a unique index refuses returns None.
    """
    row = dict(values)
    row.update((field.name, value) for field, value in python_defaults(model, row))
    names = tuple(row)
    key = (model, names, ignore_conflict, type(db.obj))
    if key not in _INSERT_STATEMENTS:
        fields = [model._meta.fields[name] for name in names]
        columns = ", ".join(f'"{field.column_name}"' for field in fields)
        params = ", ".join([db.obj.param] * len(fields))
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflict else ""
        _INSERT_STATEMENTS[key] = (f'INSERT INTO "{model._meta.table_name}" ({columns}) '
                                   f'VALUES ({params}){conflict} RETURNING "id"')
    params = [model._meta.fields[name].db_value(row[name]) for name in names]
    inserted = db.execute_sql(_INSERT_STATEMENTS[key], params).fetchone()
    return inserted[0] if inserted else None


class NeverReusedIdField(AutoField):
    """An id that is never given twice, even after its row is deleted: links and tokens
    that name an id can then never designate another row. PostgreSQL's sequences behave
    so already; SQLite needs AUTOINCREMENT (otherwise it reuses the highest id freed)."""

    def ddl(self, ctx):
        nodes = super().ddl(ctx)
        return NodeList((nodes, SQL("AUTOINCREMENT"))) if is_sqlite() else nodes


class User(BaseModel):
    """A member's account. Flask-Login reads the four properties below."""

    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"
    ROLES = (MEMBER, MODERATOR, ADMIN)

    id = NeverReusedIdField()
    email = CharField(max_length=254, unique=True)
    email_key = CharField(max_length=254, unique=True)
    password_hash = CharField(max_length=200)
    role = CharField(max_length=12, default=MEMBER)
    email_verified_at = DateTimeField(null=True)
    pending_email = CharField(max_length=254, null=True)
    # Rotated at logout and password change: every older session and remember cookie dies.
    session_token = CharField(max_length=32)
    last_name = CharField(max_length=100, default="")
    first_name = CharField(max_length=100, default="")
    postal_code = CharField(max_length=10, default="")
    city = CharField(max_length=100, default="")
    country = CharField(max_length=2, default="FR")
    profession = CharField(max_length=100, default="")
    address = CharField(max_length=200, default="")
    created_at = DateTimeField(default=utcnow)
    # Cleared by a moderator: the member can still read, sign and report, but not comment.
    can_comment = BooleanField(default=True)
    # Release 2: set by an admin, the account can no longer log in.
    blocked_at = DateTimeField(null=True)
    # Release 3: the language its emails are written in.
    language = CharField(max_length=8, default="fr")

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self):
        return self.email_verified_at is not None and self.blocked_at is None

    def get_id(self):
        return f"{self.id}:{self.session_token}"

    @property
    def display_name(self):
        return f"{self.first_name} {self.last_name}".strip() or "Membre"

    @property
    def is_moderator(self):
        return self.role in (self.MODERATOR, self.ADMIN)

    @property
    def is_admin(self):
        return self.role == self.ADMIN


class Campaign(BaseModel):
    KINDS = {"cyberactions": "Cyberaction", "petitions": "Pétition"}

    DRAFT = "draft"
    PROPOSED = "proposed"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"
    STATUSES = {DRAFT: "Brouillon", PROPOSED: "Proposée", PUBLISHED: "Publiée",
                CLOSED: "Close", ARCHIVED: "Archivée"}
    # Readable by anyone who has the address; only published and closed ones are listed.
    PUBLIC_STATUSES = (PUBLISHED, CLOSED, ARCHIVED)

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
    # Moves whenever what the page shows changes (comments, edits): cached pages then expire.
    content_version = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    # Release 2: the lifecycle run from the admin area.
    status = CharField(max_length=12, default=DRAFT)
    goal = IntegerField(null=True)
    result_text = TextField(default="")
    published_at = DateTimeField(null=True)
    proposed_by = ForeignKeyField(User, null=True, backref="proposals", on_delete="SET NULL")
    # Title, summary, tags and body, lower case and without accents: what the search reads.
    search_text = TextField(default="")
    # Withdrawn participations leave no row behind: only their number is kept.
    withdrawn_count = IntegerField(default=0)
    # The PDF of signatories is asked for (a petition at closing, or by an admin), then queued.
    bilan_requested_at = DateTimeField(null=True)
    bilan_sent_at = DateTimeField(null=True)
    # Release 3: an operator may hide the counter; a share card may use the campaign's image;
    # the personal data of its participations are erased some months after it closed.
    hide_counter = BooleanField(default=False)
    image_url = CharField(max_length=500, default="")
    personal_data_purged_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("kind", "slug"), True), (("status", "kind", "opens_at"), False))

    @classmethod
    def by_slug(cls, kind, slug):
        """The campaign at /<kind>/<slug>, or None.

        Every campaign request starts here: a prepared statement costs a quarter
        of what building the query does.
        """
        return cls.first_raw('SELECT * FROM "campaign" WHERE "kind" = ? AND "slug" = ?', kind, slug)

    @classmethod
    def by_id(cls, campaign_id):
        return cls.first_raw('SELECT * FROM "campaign" WHERE "id" = ?', campaign_id)

    @classmethod
    def count_change(cls, campaign_id, delta):
        """Move the counter by `delta` in the database; return the count it now holds."""
        return run_sql('UPDATE "campaign" SET "signature_count" = "signature_count" + ? '
                       'WHERE "id" = ? RETURNING "signature_count"', delta, campaign_id).fetchone()[0]

    @classmethod
    def lists_version(cls):
        """Moves whenever any campaign's page or status changes: the cached lists then
        expire at once (publishing, closing), while counters may lag a few seconds."""
        return run_sql('SELECT COALESCE(SUM("content_version"), 0), COUNT(*) '
                       'FROM "campaign"').fetchone()

    @classmethod
    def content_changed(cls, campaign_id):
        cls.update(content_version=cls.content_version + 1).where(cls.id == campaign_id).execute()

    @property
    def is_cyberaction(self):
        return self.kind == "cyberactions"

    @property
    def copies_elus(self):
        """Signers may add their député in copy of the letter."""
        return self.is_cyberaction and self.allow_elu_copy

    @property
    def kind_label(self):
        return self.KINDS.get(self.kind, self.kind)

    @property
    def target_list(self):
        """The targets in their order, read once per campaign object."""
        if not hasattr(self, "_target_list"):
            self._target_list = Target.all_raw(
                'SELECT * FROM "target" WHERE "campaign_id" = ? ORDER BY "position", "id"', self.id)
        return self._target_list

    @property
    def recipients_label(self):
        return " | ".join(target.name for target in self.target_list)

    @property
    def tag_list(self):
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    @property
    def status_label(self):
        return self.STATUSES.get(self.status, self.status)

    @property
    def is_published(self):
        """Published once: its address is then fixed, whatever its status since."""
        return self.published_at is not None

    def is_public(self, now=None):
        """Anyone may read it: published and online, closed, or archived after it was
        published (a refused proposal or a draft set aside never was)."""
        if self.status == self.PUBLISHED:
            return self.opens_at <= (now or utcnow())
        return self.status in (self.CLOSED, self.ARCHIVED) and self.published_at is not None

    def is_open(self, now=None):
        """It takes participations: published, online, and not past its closing date."""
        now = now or utcnow()
        if self.status != self.PUBLISHED or self.closed_at is not None or self.opens_at > now:
            return False
        return self.closes_at is None or now < self.closes_at

    @classmethod
    def open_campaigns(cls, now=None, kind=None):
        now = now or utcnow()
        query = cls.select().where(cls.status == cls.PUBLISHED, cls.opens_at <= now,
                                   cls.closed_at.is_null(),
                                   cls.closes_at.is_null() | (cls.closes_at > now))
        if kind is not None:
            query = query.where(cls.kind == kind)
        return query.order_by(cls.opens_at.desc(), cls.id.desc())

    @classmethod
    def closed_campaigns(cls):
        """The bilans: closed campaigns, the latest closed first."""
        return (cls.select().where(cls.status == cls.CLOSED)
                .order_by(cls.closed_at.desc(), cls.id.desc()))

    @classmethod
    def recently_closed(cls, limit=6):
        return cls.closed_campaigns().limit(limit)

    @property
    def goal_percent(self):
        """How far the counter is towards the goal, 0 to 100, or None without a goal."""
        if not self.goal:
            return None
        return min(100, self.signature_count * 100 // self.goal)


class Target(BaseModel):
    """Who receives the letters of a cyberaction (a minister, an administration)."""

    campaign = ForeignKeyField(Campaign, backref="targets", on_delete="CASCADE")
    name = CharField(max_length=200)
    email = CharField(max_length=254)
    position = IntegerField(default=0)
    # Release 3: the target's relay refused the address for good (shown on the dashboard).
    bounced_at = DateTimeField(null=True)
    bounce_error = TextField(default="")


class Signature(BaseModel):
    """One participation: a pending or confirmed signature with its letter."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    # Release 3: held back by the anti-bot signals: not counted, nothing mailed.
    SUSPECT = "suspect"

    id = NeverReusedIdField()
    campaign = ForeignKeyField(Campaign, backref="signatures", on_delete="CASCADE")
    user = ForeignKeyField(User, null=True, backref="signatures", on_delete="SET NULL")
    status = CharField(max_length=12, default=PENDING)
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
    # Release 3: the signer's language; a refused address; for abuse control only, the
    # client's network (an IPv4 /24 or IPv6 /48, erased after its own retention) and
    # why the participation was held as suspect.
    language = CharField(max_length=8, default="fr")
    bounced_at = DateTimeField(null=True)
    ip_network = CharField(max_length=64, default="")
    suspect_reason = CharField(max_length=100, default="")

    class Meta:
        indexes = (
            (("campaign", "email_key"), True),
            (("campaign", "status", "confirmed_at"), False),
            # Release 2: participations by département, counted on the index alone.
            (("campaign", "status", "country", "postal_code"), False),
        )

    @property
    def display_name(self):
        return f"{self.first_name} {self.last_name}"


class Comment(BaseModel):
    """A member's comment under a campaign; a hidden one stays for the moderators.

    The author's name is never stored here: it is read from the account, so a
    deleted account (author set to NULL) leaves the text and no personal data.
    """

    campaign = ForeignKeyField(Campaign, backref="comments", on_delete="CASCADE")
    author = ForeignKeyField(User, null=True, backref="comments", on_delete="SET NULL")
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    hidden_at = DateTimeField(null=True)
    hidden_by = ForeignKeyField(User, null=True, backref="hidden_comments", on_delete="SET NULL")
    hidden_reason = TextField(default="")

    class Meta:
        indexes = ((("campaign", "hidden_at", "id"), False),)

    @property
    def is_hidden(self):
        return self.hidden_at is not None


class CommentReport(BaseModel):
    """A member's *Signaler* on a comment, open until a moderator acts on the comment."""

    comment = ForeignKeyField(Comment, backref="reports", on_delete="CASCADE")
    reporter = ForeignKeyField(User, null=True, backref="reports", on_delete="SET NULL")
    reason = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    resolved_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("comment", "reporter"), True), (("resolved_at",), False))


class ModerationAction(BaseModel):
    """The audit log: who did what to which comment or member, when and why."""

    HIDE = "hide"
    RESTORE = "restore"
    DISMISS = "dismiss"
    BLOCK = "block"
    UNBLOCK = "unblock"
    LABELS = {HIDE: "Masquage", RESTORE: "Rétablissement", DISMISS: "Signalements classés",
              BLOCK: "Commentaires interdits", UNBLOCK: "Commentaires autorisés"}

    moderator = ForeignKeyField(User, null=True, backref="moderation_actions",
                                on_delete="SET NULL")
    action = CharField(max_length=12)
    comment = ForeignKeyField(Comment, null=True, backref="moderation_actions",
                              on_delete="SET NULL")
    member = ForeignKeyField(User, null=True, backref="moderation_received",
                             on_delete="SET NULL")
    reason = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    @property
    def label(self):
        return self.LABELS.get(self.action, self.action)


class Commune(BaseModel):
    """A (postal code, commune) pair; arrondissements point to their city."""

    postal_code = CharField(max_length=5, index=True)
    insee_code = CharField(max_length=5, index=True)
    name = CharField(max_length=100)
    departement = CharField(max_length=3)
    parent_insee = CharField(max_length=5, default="")

    class Meta:
        indexes = ((("postal_code", "insee_code"), True),)


class CommuneCirconscription(BaseModel):
    """Which circonscription(s) législative(s) a commune belongs to."""

    insee_code = CharField(max_length=5)
    circonscription = CharField(max_length=6, index=True)

    class Meta:
        indexes = ((("insee_code", "circonscription"), True),)


class Elu(BaseModel):
    """An elected representative that signers may copy (députés now, sénateurs later)."""

    DEPUTE = "depute"

    role = CharField(max_length=20, default=DEPUTE)
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

    @property
    def display_name(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def email(self):
        """The address a copy goes to: the first one listed."""
        return split_addresses(self.emails)[0] if self.emails else ""

    @property
    def circonscription_number(self):
        return int(self.circonscription[len(self.departement):] or 0)


class Attachment(BaseModel):
    """A file an email carries (the PDF of signatories), kept in the database with it,
    so that a queued message and its file survive a restart together."""

    campaign = ForeignKeyField(Campaign, null=True, backref="attachments", on_delete="CASCADE")
    filename = CharField(max_length=200)
    content_type = CharField(max_length=100)
    data = BlobField()
    created_at = DateTimeField(default=utcnow)


class Subscriber(BaseModel):
    """An address that receives the *Lettre d'infos*: a signer who ticked the box, a member
    who chose it in Mon profil, or a visitor who subscribed; confirmed by email first."""

    PENDING = "pending"
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"

    email = CharField(max_length=254)
    email_key = CharField(max_length=254, unique=True)
    user = ForeignKeyField(User, null=True, backref="subscriptions", on_delete="CASCADE")
    status = CharField(max_length=12, default=PENDING)
    language = CharField(max_length=8, default="fr")
    # What the one-click unsubscribe link and the confirmation link carry.
    token = CharField(max_length=32, unique=True)
    source = CharField(max_length=20, default="")
    created_at = DateTimeField(default=utcnow)
    confirmed_at = DateTimeField(null=True)
    unsubscribed_at = DateTimeField(null=True)
    bounced_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "id"), False),)


class Announcement(BaseModel):
    """A *Lettre d'infos*: written and tested by an admin, then sent to every subscriber
    through the outbox at NEWSLETTER_RATE."""

    DRAFT = "draft"
    SENDING = "sending"
    SENT = "sent"

    subject = CharField(max_length=200)
    body = TextField(default="")
    # The ids of the campaigns it presents, in their order, comma-separated.
    campaign_ids = TextField(default="")
    author = ForeignKeyField(User, null=True, backref="announcements", on_delete="SET NULL")
    status = CharField(max_length=12, default=DRAFT)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    test_sent_at = DateTimeField(null=True)
    queued_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    recipients_total = IntegerField(default=0)
    # Messages are queued in batches: the last subscriber id already queued.
    queued_through = IntegerField(default=0)


class OutboxMessage(BaseModel):
    """An email waiting for, or done with, delivery by the worker."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    KEPT = "kept"  # no SMTP server configured: kept for the development mail page
    FAILED = "failed"

    category = CharField(max_length=20)
    signature = ForeignKeyField(Signature, null=True, backref="messages", on_delete="SET NULL")
    # The account a message is about (verification, reset, change of address): deleting
    # the account deletes them, whatever address they went to.
    user = ForeignKeyField(User, null=True, backref="messages", on_delete="CASCADE")
    sender_name = CharField(max_length=200, default="")
    reply_to = CharField(max_length=254, default="")
    to_addrs = TextField()
    cc_addrs = TextField(default="")
    subject = CharField(max_length=300)
    body_text = TextField()
    body_html = TextField(null=True)
    status = CharField(max_length=10, default=PENDING)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    claimed_by = CharField(max_length=64, null=True)
    claimed_until = DateTimeField(null=True)
    last_error = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    # Release 2: the campaign a letter or bilan belongs to, and the file it carries.
    # Indexed by (campaign, category, status) below: an index on the campaign alone would
    # tempt SQLite, which keeps no statistics, into reading all of a campaign's letters.
    campaign = ForeignKeyField(Campaign, null=True, backref="messages", on_delete="SET NULL",
                               index=False)
    attachment = ForeignKeyField(Attachment, null=True, backref="messages", on_delete="SET NULL")
    # Release 3: the recipient's domain, which the delivery paces; the announcement and
    # the subscriber a newsletter message belongs to.
    domain = CharField(max_length=253, default="")
    announcement = ForeignKeyField(Announcement, null=True, backref="messages",
                                   on_delete="SET NULL", index=False)
    subscriber = ForeignKeyField(Subscriber, null=True, backref="messages", on_delete="CASCADE")

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),
                   (("campaign", "category", "status"), False),
                   (("announcement", "status"), False),
                   # The pace per domain claims each domain's due messages on their own.
                   (("status", "domain", "next_attempt_at"), False))

    @property
    def recipients(self):
        return split_addresses(self.to_addrs)

    @property
    def cc(self):
        return split_addresses(self.cc_addrs)


class AuditEntry(BaseModel):
    """The admin journal: who changed what (a campaign, an account, a message), when."""

    actor = ForeignKeyField(User, null=True, backref="audit_entries", on_delete="SET NULL")
    action = CharField(max_length=40)
    campaign = ForeignKeyField(Campaign, null=True, backref="audit_entries", on_delete="SET NULL")
    subject_user = ForeignKeyField(User, null=True, backref="audit_about", on_delete="SET NULL")
    detail = TextField(default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("campaign", "id"), False),)


class MailDomain(BaseModel):
    """The pace of delivery to one recipient domain: when it may next be sent to, and how
    long it is backed off after its relay answered 4xx."""

    domain = CharField(max_length=253, unique=True)
    next_send_at = DateTimeField(default=utcnow)
    backoff_until = DateTimeField(null=True)
    backoff_level = IntegerField(default=0)
    last_error = TextField(default="")
    updated_at = DateTimeField(default=utcnow)


class WorkerHeartbeat(BaseModel):
    """Each outbox worker writes its last sign of life here; /healthz reads it."""

    worker_id = CharField(max_length=64, unique=True)
    started_at = DateTimeField(default=utcnow)
    beat_at = DateTimeField(default=utcnow)


class SiteSetting(BaseModel):
    """The operator's switches (signing paused and why, read-only mode), one row each."""

    key = CharField(max_length=40, unique=True)
    value = TextField(default="")
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, backref="settings_changed", on_delete="SET NULL")


class BlockedAddress(BaseModel):
    """An email domain (a disposable provider) or a single address that may not sign."""

    DOMAIN = "domain"
    ADDRESS = "address"

    kind = CharField(max_length=10)
    value = CharField(max_length=254)
    reason = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    created_by = ForeignKeyField(User, null=True, backref="blocked_addresses",
                                 on_delete="SET NULL")

    class Meta:
        indexes = ((("kind", "value"), True),)


class Page(BaseModel):
    """A page of the site written by its admins in Markdown (L'association, FAQ, Contact…)."""

    slug = CharField(max_length=60, unique=True)
    title = CharField(max_length=200)
    body = TextField(default="")
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(User, null=True, backref="pages_written", on_delete="SET NULL")


class SchemaMigration(BaseModel):
    """The migration steps applied to this database (see migrations/)."""

    name = CharField(max_length=100, unique=True)
    applied_at = DateTimeField(default=utcnow)


def split_addresses(joined):
    return [addr for addr in joined.split(",") if addr]


ALL_MODELS = [User, Campaign, Target, Signature, Comment, CommentReport, ModerationAction,
              Attachment, Subscriber, Announcement, OutboxMessage, Commune,
              CommuneCirconscription, Elu, AuditEntry, MailDomain, WorkerHeartbeat, SiteSetting,
              BlockedAddress, Page, SchemaMigration]

