"""The lifecycle of a campaign: draft → (proposed →) published → closed → archived.

Every change of state is written to the admin journal in the same transaction.
Callable from the admin area, the proposal pages, the CLI (`close-due`) and the
worker, none of which needs a request.
"""
import datetime as dt
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from models import Campaign, Signature, Target, User, utcnow, write_transaction
from services import audit
from services.search import folded, like_pattern, words
from services.signing import email_key

LIST_PAGE_SIZE = 12
SLUG_MAX = 120
TARGET_LINE = re.compile(r"^(?P<label>[^<>]+?)\s*<(?P<address>[^<>\s]+)>$")


class InvalidCampaign(Exception):
    """What is wrong, field by field: {"slug": "…"}, in the page's language, for the form."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


class WrongStatus(Exception):
    """This change does not apply to a campaign in its present status."""


@dataclass
class CampaignFields:
    """Everything the campaign form edits."""

    kind: str
    title: str
    slug: str = ""
    tags: str = ""
    summary: str = ""
    body: str = ""
    sources: str = ""
    image_url: str = ""  # the share image, an https address (a card is drawn without it)
    proposer: str = ""
    targets: list = field(default_factory=list)  # [(label, address)]
    letter_subject: str = ""
    letter_body: str = ""
    letter_locked: bool = False
    allow_elu_copy: bool = False
    opens_at: dt.datetime = None
    closes_at: dt.datetime = None
    goal: int = None
    result_text: str = ""

    @classmethod
    def of(cls, campaign):
        """The fields of a stored campaign, as the form shows them."""
        values = {name: getattr(campaign, name) for name in cls.__dataclass_fields__
                  if name != "targets"}
        values["targets"] = [(target.name, target.email) for target in campaign.target_list]
        return cls(**values)


# Reading the text of the form ---------------------------------------------------

def slugify(text):
    """"Sauvons l'École !" → "sauvons-l-ecole": lower case ASCII words joined by dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", folded(text)).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def parse_targets(text):
    """`Libellé <adresse>` one per line → [(label, address)]; ValueError says which line."""
    targets = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = TARGET_LINE.match(line)
        if match is None:
            raise ValueError(_("Ligne %(number)s : écrivez « Libellé <adresse> », par exemple "
                               "« Premier ministre <contact@example.org> ».", number=number))
        try:
            address = validate_email(match["address"], check_deliverability=False,
                                     allow_smtputf8=False).normalized
        except EmailNotValidError:
            raise ValueError(_("Ligne %(number)s : l'adresse « %(address)s » n'est pas valide.",
                               number=number, address=match["address"]))
        targets.append((match["label"].strip(), address))
    return targets


def targets_text(targets):
    return "\n".join(f"{label} <{address}>" for label, address in targets)


# Creating and editing ----------------------------------------------------------------

def create(actor, fields, status=Campaign.DRAFT):
    """A new campaign (a draft for admins, a proposal for members); returns it."""
    with write_transaction():
        fields.slug = fields.slug or _free_slug(fields.kind, fields.title)
        _check(fields, None)
        campaign = Campaign.create(status=status, proposed_by=actor.id if status == Campaign.PROPOSED
                                   else None, **_columns(fields))
        _replace_targets(campaign, fields.targets)
        audit.record(actor, "campaign.propose" if status == Campaign.PROPOSED else "campaign.create",
                     campaign=campaign, detail=campaign.title)
    return campaign


def update(actor, campaign, fields):
    """Save the edited fields; the letter changes only for participations still pending."""
    with write_transaction():
        campaign = Campaign.get_by_id(campaign.id)
        _check(fields, campaign)
        previous_letter = (campaign.letter_subject, campaign.letter_body)
        Campaign.update(**_columns(fields)).where(Campaign.id == campaign.id).execute()
        _replace_targets(campaign, fields.targets)
        if campaign.is_published:
            _update_pending_letters(campaign, previous_letter, fields)
        Campaign.content_changed(campaign.id)
        audit.record(actor, "campaign.update", campaign=campaign, detail=fields.title)
    return Campaign.get_by_id(campaign.id)


def _columns(fields):
    values = {name: getattr(fields, name) for name in fields.__dataclass_fields__
              if name != "targets"}
    values["opens_at"] = values["opens_at"] or utcnow()
    values["search_text"] = folded(fields.title, fields.summary, fields.tags, fields.body)
    return values


def _check(fields, campaign):
    """The rules a form alone cannot check; nothing is written when one fails."""
    errors = {}
    if campaign is not None and campaign.is_published:
        if fields.slug != campaign.slug:
            errors["slug"] = _("Une campagne publiée garde son adresse : elle ne change plus.")
        if fields.kind != campaign.kind:
            errors["kind"] = _("Une campagne publiée garde son type.")
    if not errors.get("slug"):
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", fields.slug or ""):
            errors["slug"] = _("Lettres minuscules sans accents, chiffres et tirets uniquement "
                               "(exemple : sauvons-la-ligne).")
        elif _slug_taken(fields.kind, fields.slug, campaign):
            errors["slug"] = _("Cette adresse est déjà celle d'une autre campagne.")
    opens_at = fields.opens_at or (campaign.opens_at if campaign else utcnow())
    if fields.closes_at is not None and fields.closes_at <= opens_at:
        errors["closes_at"] = _("La date de clôture doit venir après la mise en ligne.")
    if fields.goal is not None and fields.goal < 1:
        errors["goal"] = _("L'objectif est un nombre de participations, au moins 1.")
    if errors:
        raise InvalidCampaign(errors)


def _slug_taken(kind, slug, campaign):
    query = Campaign.select().where((Campaign.kind == kind) & (Campaign.slug == slug))
    if campaign is not None:
        query = query.where(Campaign.id != campaign.id)
    return query.exists()


def _free_slug(kind, title):
    """The title's slug, with -2, -3… when another campaign already has it."""
    base = slugify(title) or "campagne"
    slug, number = base, 1
    while _slug_taken(kind, slug, None):
        number += 1
        slug = f"{base[:SLUG_MAX - 6]}-{number}"
    return slug


def _replace_targets(campaign, targets):
    Target.delete().where(Target.campaign == campaign.id).execute()
    for position, (label, address) in enumerate(targets):
        Target.create(campaign=campaign.id, name=label, email=address, position=position)


def _update_pending_letters(campaign, previous, fields):
    """Pending participations that kept the campaign's words take the new ones; a letter
    the signer rewrote stays theirs (unless the campaign locks its letter)."""
    old_subject, old_body = previous
    pending = (Signature.campaign == campaign.id) & (Signature.status == Signature.PENDING)
    if fields.letter_subject != old_subject:
        kept = pending if fields.letter_locked else pending & (Signature.letter_subject == old_subject)
        Signature.update(letter_subject=fields.letter_subject).where(kept).execute()
    if fields.letter_body != old_body:
        kept = pending if fields.letter_locked else pending & (Signature.letter_body == old_body)
        Signature.update(letter_body=fields.letter_body).where(kept).execute()


# Changes of status ----------------------------------------------------------------------

# action → (statuses it applies to, the status it leads to, journal entry)
TRANSITIONS = {
    "publish": ((Campaign.DRAFT,), Campaign.PUBLISHED, "campaign.publish"),
    "unpublish": ((Campaign.PUBLISHED,), Campaign.DRAFT, "campaign.unpublish"),
    "close": ((Campaign.PUBLISHED,), Campaign.CLOSED, "campaign.close"),
    "archive": ((Campaign.DRAFT, Campaign.CLOSED, Campaign.PUBLISHED), Campaign.ARCHIVED,
                "campaign.archive"),
    "approve": ((Campaign.PROPOSED,), Campaign.DRAFT, "campaign.approve"),
    "refuse": ((Campaign.PROPOSED,), Campaign.ARCHIVED, "campaign.refuse"),
}


def can(action, campaign):
    return campaign.status in TRANSITIONS[action][0]


def _move(actor, campaign, action, detail="", **columns):
    """Change the status if it still is one the action applies to (two admins may press
    at once: one wins, the other gets WrongStatus)."""
    allowed, new_status, entry = TRANSITIONS[action]
    moved = Campaign.update(status=new_status, content_version=Campaign.content_version + 1,
                            **columns).where(
        (Campaign.id == campaign.id) & Campaign.status.in_(allowed)).execute()
    if not moved:
        raise WrongStatus(action)
    audit.record(actor, entry, campaign=campaign, detail=detail)
    return Campaign.get_by_id(campaign.id)


def publish(actor, campaign):
    """Online from its *Mise en ligne le* date; its address is fixed from now on."""
    with write_transaction():
        first = {} if campaign.published_at else {"published_at": utcnow()}
        if not Target.select().where(Target.campaign == campaign.id).exists():
            raise InvalidCampaign({"targets": _("Indiquez au moins un destinataire avant de publier.")})
        return _move(actor, campaign, "publish", **first)


def unpublish(actor, campaign):
    with write_transaction():
        return _move(actor, campaign, "unpublish")


def archive(actor, campaign):
    with write_transaction():
        return _move(actor, campaign, "archive")


def close(actor, campaign, now=None):
    """No more participations; a petition's PDF is asked for at once (the worker sends it)."""
    now = now or utcnow()
    with write_transaction():
        columns = {"closed_at": now}
        if not campaign.is_cyberaction:
            columns["bilan_requested_at"] = now
        return _move(actor, campaign, "close", **columns)


STATUS_CHANGES = {"publish": publish, "unpublish": unpublish, "close": close, "archive": archive}


def update_then(actor, campaign, fields, action=None):
    """Save the edited fields, then change the status (`publish`, `unpublish`, `close`,
    `archive`), in one transaction: when the change is refused (another admin was
    quicker), nothing typed is half-applied either."""
    with write_transaction():
        saved = update(actor, campaign, fields)
        return STATUS_CHANGES[action](actor, saved) if action else saved


def close_due(now=None):
    """Close the published campaigns past their closing date; return them."""
    now = now or utcnow()
    due = list(Campaign.select().where((Campaign.status == Campaign.PUBLISHED)
                                       & Campaign.closes_at.is_null(False)
                                       & (Campaign.closes_at <= now)))
    closed = []
    for campaign in due:
        try:
            closed.append(close(None, campaign, now=campaign.closes_at))
        except WrongStatus:
            pass  # closed meanwhile, by an admin or another worker
    return closed


def request_bilan(actor, campaign):
    """*Envoyer le PDF*: the worker builds the PDF of signatories and mails it to the targets."""
    if campaign.status != Campaign.CLOSED:
        raise WrongStatus("bilan")
    with write_transaction():
        moved = Campaign.update(bilan_requested_at=utcnow()).where(
            (Campaign.id == campaign.id) & Campaign.bilan_requested_at.is_null()).execute()
        if moved:
            audit.record(actor, "bilan.request", campaign=campaign)
    return bool(moved)


# Proposals -------------------------------------------------------------------------------

def propose(member, fields):
    """A member's proposal: a campaign only moderators and admins see until approved."""
    return create(member, fields, status=Campaign.PROPOSED)


def proposals():
    return list(Campaign.select().where(Campaign.status == Campaign.PROPOSED)
                .order_by(Campaign.created_at, Campaign.id))


def approve(moderator, campaign):
    """The proposal becomes a draft an admin can publish."""
    with write_transaction():
        return _move(moderator, campaign, "approve")


def refuse(moderator, campaign, message):
    """The proposal is set aside; the member is told why (the caller queues the email)."""
    with write_transaction():
        return _move(moderator, campaign, "refuse", detail=message)


def proposer_account(campaign):
    return User.get_or_none(User.id == campaign.proposed_by_id) if campaign.proposed_by_id else None


# The public lists ------------------------------------------------------------------------

@dataclass
class Page:
    campaigns: list
    number: int
    has_next: bool


def page_of(query, number, size=LIST_PAGE_SIZE):
    """One page of a list (1-based); one extra row tells whether another page follows."""
    number = max(1, number)
    rows = list(query.offset((number - 1) * size).limit(size + 1))
    return Page(rows[:size], number, len(rows) > size)


def open_list(kind, number=1):
    return page_of(Campaign.open_campaigns(kind=kind), number)


def bilans(number=1):
    return page_of(Campaign.closed_campaigns(), number)


def search(query, number=1):
    """Published and closed campaigns whose words or tags hold every word of the query."""
    terms = words(query)
    if not terms:
        return Page([], 1, False)
    found = Campaign.select().where(Campaign.status.in_((Campaign.PUBLISHED, Campaign.CLOSED)),
                                    Campaign.opens_at <= utcnow())
    for term in terms:
        found = found.where(Campaign.search_text ** like_pattern(term))
    return page_of(found.order_by(Campaign.opens_at.desc(), Campaign.id.desc()), number)


def all_for_admin():
    """Every campaign, the latest first, for the admin's list."""
    return list(Campaign.select().order_by(Campaign.created_at.desc(), Campaign.id.desc()))



# The Liste rapide and the Signataires ---------------------------------------------------

SIGNATORIES_PAGE_SIZE = 50


def signed_by(user, campaigns):
    """The ids of `campaigns` the member has a confirmed participation in, in one query."""
    ids = [campaign.id for campaign in campaigns]
    if not ids:
        return set()
    rows = (Signature.select(Signature.campaign_id)
            .where(Signature.campaign.in_(ids), Signature.email_key == email_key(user.email),
                   Signature.status == Signature.CONFIRMED).tuples())
    return {campaign_id for (campaign_id,) in rows}


@dataclass
class Signatory:
    """What the public list shows of a participation: never an address."""

    name: str  # "Hélène D."
    city: str
    confirmed_at: dt.datetime


@dataclass
class SignatoryPage:
    signatories: list
    number: int
    has_next: bool


def signatories(campaign, number=1):
    """The confirmed participations that may be shown, the latest first, read on the
    (campaign, status, confirmed_at) index; only the columns the list shows are read."""
    query = (Signature.select(Signature.first_name, Signature.last_name, Signature.city,
                              Signature.confirmed_at)
             .where(Signature.campaign == campaign.id, Signature.status == Signature.CONFIRMED,
                    Signature.hide_identity == False)  # noqa: E712 (peewee builds SQL from ==)
             .order_by(Signature.confirmed_at.desc(), Signature.id.desc()))
    page = page_of(query, number, size=SIGNATORIES_PAGE_SIZE)
    shown = [Signatory(public_name(row.first_name, row.last_name), row.city, row.confirmed_at)
             for row in page.campaigns]
    return SignatoryPage(shown, page.number, page.has_next)


def public_name(first_name, last_name):
    """The first name and the initial of the last name: "Hélène D."."""
    initial = last_name.strip()[:1].upper()
    return f"{first_name.strip()} {initial}." if initial else first_name.strip()
