"""Campaigns proposed by members: sending one, reading one's own, and the moderators'
decision on them.

The moderators' functions check the role once more, whatever the page let through.
"""
from models import Campaign, write_transaction
from services import campaigns, messages

MESSAGE_MAX_LENGTH = 2000


class NotAllowed(Exception):
    """Only moderators and admins decide on a proposal."""


def propose(member, fields):
    """A member's proposal, kept from the public until a moderator accepts it."""
    return campaigns.propose(member, fields)


def of_member(member):
    """What this member proposed, the latest first, whatever became of it."""
    return list(Campaign.select().where(Campaign.proposed_by == member.id)
                .order_by(Campaign.created_at.desc(), Campaign.id.desc()))


def waiting_count():
    return Campaign.select().where(Campaign.status == Campaign.PROPOSED).count()


def _check_moderator(user):
    if not (user is not None and getattr(user, "is_authenticated", False) and user.is_moderator):
        raise NotAllowed()


def approve(moderator, campaign):
    """Accepted: a draft that an admin completes and publishes."""
    _check_moderator(moderator)
    return campaigns.approve(moderator, campaign)


def refuse_and_tell(moderator, campaign, message):
    """Refused, and the member told why, in one transaction: no refusal without its email,
    no email about a refusal that did not happen."""
    _check_moderator(moderator)
    with write_transaction():
        refused = campaigns.refuse(moderator, campaign, message)
        member = campaigns.proposer_account(refused)
        if member is not None:  # an account deleted since leaves nobody to tell
            messages.queue_proposal_refused(member, refused, message)
    return refused
