"""Members and roles, as an admin manages them: finding an account, changing its role,
blocking and unblocking it. Every change goes to the admin journal.

The site always keeps one admin who can log in: demoting or blocking the last
one (oneself included) is refused.
"""
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l

from models import User, is_sqlite, utcnow, write_transaction
from services import audit, messages
from services.accounts import new_session_token
from services.signing import email_key

STAFF_PAGE_SIZE = 25
ROLE_LABELS = {User.MEMBER: _l("Membre"), User.MODERATOR: _l("Modérateur·rice"),
               User.ADMIN: _l("Administrateur·rice")}
LAST_ADMIN = _l("C'est le dernier compte administrateur actif : nommez d'abord un autre "
                "administrateur, sinon plus personne ne pourrait gérer le site.")


class MemberError(Exception):
    """A refused change, in the page's language, for the page to show."""


def role_label(role):
    return ROLE_LABELS.get(role, role)


def find(address):
    """The account of an address, compared as every login compares it, or None."""
    key = email_key(address or "")
    if "@" not in key or key.startswith("@"):
        return None
    return User.get_or_none(User.email_key == key)


def by_id(user_id):
    return User.get_or_none(User.id == user_id)


@dataclass
class StaffPage:
    members: list
    number: int
    has_next: bool


def staff(number=1, size=STAFF_PAGE_SIZE):
    """Admins then moderators, by name; one page (1-based)."""
    number = max(1, number)
    order = (User.role != User.ADMIN, User.last_name, User.first_name, User.id)
    rows = list(User.select().where(User.role.in_((User.MODERATOR, User.ADMIN)))
                .order_by(*order).offset((number - 1) * size).limit(size + 1))
    return StaffPage(rows[:size], number, len(rows) > size)


def _active_admin_ids():
    """The admins who can log in, locked until the transaction ends on PostgreSQL, so that
    two admins removing each other at once cannot both pass the last-admin check (SQLite's
    write transaction already runs them one after the other)."""
    query = User.select(User.id).where((User.role == User.ADMIN) & User.blocked_at.is_null())
    if not is_sqlite():
        query = query.for_update()
    return {row.id for row in query}


def _refuse_losing_last_admin(member):
    admins = _active_admin_ids()
    if member.id in admins and len(admins) <= 1:
        raise MemberError(LAST_ADMIN)


def _fresh(member):
    current = User.get_or_none(User.id == member.id)
    if current is None:
        raise MemberError(_("Ce compte n'existe plus."))
    return current


def change_role(actor, member, role):
    """Give the member another role; returns the account as it now is."""
    if role not in User.ROLES:
        raise MemberError(_("Choisissez un rôle dans la liste."))
    with write_transaction():
        member = _fresh(member)
        if member.role == role:
            return member
        if role != User.ADMIN:
            _refuse_losing_last_admin(member)
        User.update(role=role).where(User.id == member.id).execute()
        with messages.written_in("fr"):  # the journal keeps French, whoever reads it
            detail = f"{role_label(member.role)} → {role_label(role)}"
        audit.record(actor, "user.role", subject_user=member, detail=detail)
    return User.get_by_id(member.id)


def block(actor, member):
    """The account can no longer log in, and every session it has open ends now."""
    with write_transaction():
        member = _fresh(member)
        if member.blocked_at is not None:
            return member
        _refuse_losing_last_admin(member)
        if actor is not None and actor.id == member.id:
            raise MemberError(_("Vous ne pouvez pas bloquer votre propre compte : demandez-le "
                                "à un autre administrateur."))
        # A new session token invalidates every session and remember cookie of the account.
        User.update(blocked_at=utcnow(), session_token=new_session_token()).where(
            User.id == member.id).execute()
        audit.record(actor, "user.block", subject_user=member)
    return User.get_by_id(member.id)


def unblock(actor, member):
    """The account can log in again (its old sessions stay ended)."""
    with write_transaction():
        member = _fresh(member)
        if member.blocked_at is None:
            return member
        User.update(blocked_at=None).where(User.id == member.id).execute()
        audit.record(actor, "user.unblock", subject_user=member)
    return User.get_by_id(member.id)
