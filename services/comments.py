"""Comments under campaigns, and their moderation with its audit log.

Every function that acts takes the acting user and checks their right itself,
so that no caller can skip a check by forgetting it. A hidden comment is only
ever returned to a moderator.
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _, lazy_gettext as _l
from peewee import JOIN

from models import (
    Campaign, Comment, CommentReport, ModerationAction, User, utcnow, write_transaction,
)

PAGE_SIZE = 10
MODERATION_PAGE_SIZE = 30
JOURNAL_PAGE_SIZE = 50
MAX_LENGTH = 3000
REASON_MAX_LENGTH = 500
DELETED_ACCOUNT = _l("Compte supprimé")


class NotAllowed(Exception):
    """The user may not do this, whatever the page showed them."""


class CommentingBlocked(NotAllowed):
    """A moderator stopped this member from commenting."""


class InvalidComment(ValueError):
    """Empty or too long: the form says so in French before this is reached."""


@dataclass
class Thread:
    """One page of a list of comments, as one viewer may see it."""

    comments: list
    count: int = 0          # what the public sees
    hidden_count: int = 0   # counted for moderators only
    next_before: int = None  # the `avant` of the next page, if there is one
    reported: list = field(default_factory=list)  # the moderation page's first list


def is_moderator(user):
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.is_moderator)


def is_member(user):
    return bool(user is not None and getattr(user, "is_authenticated", False))


def public_name(user):
    """Camille M.: the first name and the initial, never the address."""
    if user is None:
        return str(DELETED_ACCOUNT)
    first, last = user.first_name.strip(), user.last_name.strip()
    if not first:
        return _("Membre")
    return f"{first} {last[:1]}." if last else first


# Reading ------------------------------------------------------------------------------

def _comments():
    """Comments with their author and hider read in the same query."""
    author, hider = User.alias(), User.alias()
    return (Comment.select(Comment, author, hider, Campaign)
            .join_from(Comment, Campaign)
            .join_from(Comment, author, JOIN.LEFT_OUTER, on=(Comment.author == author.id),
                       attr="author")
            .join_from(Comment, hider, JOIN.LEFT_OUTER, on=(Comment.hidden_by == hider.id),
                       attr="hidden_by"))


def _visible_to(viewer):
    return True if is_moderator(viewer) else Comment.hidden_at.is_null()


def comment_for(comment_id, viewer):
    """The comment if this viewer may see it, else None (hidden ones exist for moderators only)."""
    rows = list(_comments().where((Comment.id == comment_id) & _visible_to(viewer)))
    if not rows:
        return None
    _annotate(rows, viewer)
    return rows[0]


def count_for(campaign, viewer):
    """The public count, and for a moderator how many more are hidden."""
    public = Comment.select().where((Comment.campaign == campaign)
                                    & Comment.hidden_at.is_null()).count()
    hidden = 0
    if is_moderator(viewer):
        hidden = Comment.select().where((Comment.campaign == campaign)
                                        & Comment.hidden_at.is_null(False)).count()
    return public, hidden


def thread_for(campaign, viewer, before=None, per_page=PAGE_SIZE):
    """A page of the campaign's comments, newest first, `before` an id for the next pages."""
    query = _comments().where((Comment.campaign == campaign) & _visible_to(viewer))
    comments, next_before = _page(query, before, per_page)
    _annotate(comments, viewer)
    public, hidden = count_for(campaign, viewer)
    return Thread(comments=comments, count=public, hidden_count=hidden, next_before=next_before)


def _page(query, before, per_page):
    """Newest first, `per_page` rows older than the id `before`, and the next page's `before`."""
    key = query.model.id
    if before is not None:
        query = query.where(key < before)
    rows = list(query.order_by(key.desc()).limit(per_page + 1))
    if len(rows) > per_page:
        return rows[:per_page], rows[per_page - 1].id
    return rows, None


def _annotate(comments, viewer):
    """What the viewer needs to draw each comment: their own report, open reports."""
    for comment in comments:
        comment.reported_by_viewer = False
        comment.open_reports = []
    if not comments or not is_member(viewer):
        return
    by_id = {comment.id: comment for comment in comments}
    own = CommentReport.select(CommentReport.comment).where(
        CommentReport.comment.in_(list(by_id)) & (CommentReport.reporter == viewer.id))
    for report in own:
        by_id[report.comment_id].reported_by_viewer = True
    if is_moderator(viewer):
        for report in _open_reports().where(CommentReport.comment.in_(list(by_id))):
            by_id[report.comment_id].open_reports.append(report)


def _open_reports():
    reporter = User.alias()
    return (CommentReport.select(CommentReport, reporter)
            .join_from(CommentReport, reporter, JOIN.LEFT_OUTER,
                       on=(CommentReport.reporter == reporter.id), attr="reporter")
            .where(CommentReport.resolved_at.is_null())
            .order_by(CommentReport.created_at.desc(), CommentReport.id.desc()))


def moderation_queue(moderator, before=None, per_page=MODERATION_PAGE_SIZE):
    """Reported comments first (on the first page), then the latest across campaigns."""
    _require_moderator(moderator)
    reported_ids = CommentReport.select(CommentReport.comment).where(
        CommentReport.resolved_at.is_null())
    reported = []
    if before is None:
        reported = list(_comments().where(Comment.id.in_(reported_ids)))
        _annotate(reported, moderator)
        reported.sort(key=lambda c: max((r.created_at for r in c.open_reports),
                                        default=c.created_at), reverse=True)
    latest, next_before = _page(_comments().where(Comment.id.not_in(reported_ids)),
                                before, per_page)
    _annotate(latest, moderator)
    return Thread(comments=latest, next_before=next_before, reported=reported)


# A member's own actions ------------------------------------------------------------------

def post(campaign, author, body):
    """Publish a member's comment, plain text with its line breaks."""
    if not is_member(author):
        raise NotAllowed()
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not 1 <= len(body) <= MAX_LENGTH:
        raise InvalidComment()
    # The account is read afresh on every request (Flask-Login's user loader).
    if not author.can_comment:
        raise CommentingBlocked()
    with write_transaction():
        comment = Comment.create(campaign=campaign, author=author.id, body=body)
        Campaign.content_changed(campaign.id)
    return comment


def delete_own(comment, user):
    """The author withdraws their (visible) comment; its reports go with it."""
    if not is_member(user) or comment.author_id != user.id or comment.is_hidden:
        raise NotAllowed()
    with write_transaction():
        Comment.delete().where(Comment.id == comment.id).execute()
        Campaign.content_changed(comment.campaign_id)


def report(comment, reporter, reason=""):
    """Signaler: once per member and comment; True when this report is new."""
    if not is_member(reporter) or comment.author_id == reporter.id or comment.is_hidden:
        raise NotAllowed()
    inserted = (CommentReport.insert(comment=comment.id, reporter=reporter.id,
                                     reason=_reason(reason))
                .on_conflict_ignore().as_rowcount().execute())
    return inserted == 1


# Moderation -----------------------------------------------------------------------------

def _require_moderator(user):
    if not is_moderator(user):
        raise NotAllowed()


def _reason(reason):
    return (reason or "").strip()[:REASON_MAX_LENGTH]


def _audit(moderator, action, comment=None, member=None, reason=""):
    ModerationAction.create(moderator=moderator.id, action=action,
                            comment=comment.id if comment else None,
                            member=member.id if member else None, reason=_reason(reason))


def _resolve_reports(comment):
    CommentReport.update(resolved_at=utcnow()).where(
        (CommentReport.comment == comment.id) & CommentReport.resolved_at.is_null()).execute()


def hide(comment, moderator, reason):
    """Masquer: gone for the public, kept for the moderators with who, when and why."""
    _require_moderator(moderator)
    with write_transaction():
        changed = Comment.update(hidden_at=utcnow(), hidden_by=moderator.id,
                                 hidden_reason=_reason(reason)).where(
            (Comment.id == comment.id) & Comment.hidden_at.is_null()).execute()
        if changed:
            _resolve_reports(comment)
            _audit(moderator, ModerationAction.HIDE, comment, comment.author, reason)
            Campaign.content_changed(comment.campaign_id)  # cached public pages expire now
    return changed == 1


def restore(comment, moderator, reason=""):
    """Rétablir: the comment is public again."""
    _require_moderator(moderator)
    with write_transaction():
        changed = Comment.update(hidden_at=None, hidden_by=None, hidden_reason="").where(
            (Comment.id == comment.id) & Comment.hidden_at.is_null(False)).execute()
        if changed:
            _audit(moderator, ModerationAction.RESTORE, comment, comment.author, reason)
            Campaign.content_changed(comment.campaign_id)
    return changed == 1


def dismiss_reports(comment, moderator, reason=""):
    """The reports were looked at and the comment stays."""
    _require_moderator(moderator)
    with write_transaction():
        _resolve_reports(comment)
        _audit(moderator, ModerationAction.DISMISS, comment, comment.author, reason)


def set_commenting(member, moderator, allowed, reason=""):
    """Stop a member from commenting, or allow them again. Moderators cannot be stopped."""
    _require_moderator(moderator)
    if member.is_moderator:
        raise NotAllowed()
    with write_transaction():
        changed = User.update(can_comment=allowed).where(
            (User.id == member.id) & (User.can_comment != allowed)).execute()
        if changed:
            action = ModerationAction.UNBLOCK if allowed else ModerationAction.BLOCK
            _audit(moderator, action, member=member, reason=reason)
    member.can_comment = allowed
    return changed == 1


def blocked_members(moderator):
    """Members stopped from commenting, each with the action that stopped them."""
    _require_moderator(moderator)
    members = list(User.select().where(~User.can_comment).order_by(User.id))
    actions = {}
    if members:
        for action in (_journal().where((ModerationAction.action == ModerationAction.BLOCK)
                                        & ModerationAction.member.in_([m.id for m in members]))
                       .order_by(ModerationAction.id.asc())):
            actions[action.member_id] = action  # the latest one wins
    for member in members:
        member.blocking = actions.get(member.id)
    return members


def _journal():
    moderator, member = User.alias(), User.alias()
    return (ModerationAction.select(ModerationAction, moderator, member, Comment, Campaign)
            .join_from(ModerationAction, moderator, JOIN.LEFT_OUTER,
                       on=(ModerationAction.moderator == moderator.id), attr="moderator")
            .join_from(ModerationAction, member, JOIN.LEFT_OUTER,
                       on=(ModerationAction.member == member.id), attr="member")
            .join_from(ModerationAction, Comment, JOIN.LEFT_OUTER)
            .join_from(Comment, Campaign, JOIN.LEFT_OUTER))


def journal(admin, before=None, per_page=JOURNAL_PAGE_SIZE):
    """The audit log, newest first; admins only."""
    if not is_member(admin) or not admin.is_admin:
        raise NotAllowed()
    return _page(_journal(), before, per_page)


__all__ = ["CommentingBlocked", "InvalidComment", "NotAllowed", "Thread"]
