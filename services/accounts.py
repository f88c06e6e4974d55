"""Members' accounts: registration, verification, login, passwords, email, their data.

No answer of this module tells a caller whether an address has an account:
where that matters, only an email to that address says so.
"""
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from peewee import IntegrityError, fn

from models import (
    Campaign, Comment, OutboxMessage, Signature, User, db, utcnow, write_transaction,
)
from services import messages, newsletter, passwords
from services.signing import email_key, erased_key
from services.tokens import ExpiredToken, InvalidToken, make_token, read_token

VERIFY_PURPOSE = "verify-account"
RESET_PURPOSE = "reset-password"
EMAIL_CHANGE_PURPOSE = "change-email"
RESET_MAX_AGE = 3600
VERIFY_MAX_AGE = 3 * 24 * 3600

PROFILE_FIELDS = ("last_name", "first_name", "postal_code", "city", "country",
                  "profession", "address")


class AccountError(Exception):
    """A refusal to show the member, in the page's language (French for the CLI)."""


@dataclass
class Profile:
    last_name: str
    first_name: str
    postal_code: str
    city: str
    country: str
    profession: str = ""
    address: str = ""


def new_session_token():
    return secrets.token_hex(16)


# Registration and verification ------------------------------------------------

def register(email, password, profile, language="fr"):
    """Create an unverified account and mail its verification link.

    An address that already has an account gets an email saying so instead,
    and the caller cannot tell the difference.
    """
    problem = passwords.password_problem(password, email)
    if problem:
        raise AccountError(problem)
    password_hash = passwords.hash_password(password)
    with write_transaction():
        existing = User.get_or_none(User.email_key == email_key(email))
        if existing is not None:
            if not _account_mail_sent_recently(existing.email):
                messages.queue_account_exists_notice(existing, _reset_url(existing))
            return
        try:
            with db.atomic():  # a savepoint: the transaction survives a refused insert
                user = User.create(email=email, email_key=email_key(email),
                                   password_hash=password_hash,
                                   session_token=new_session_token(), language=language,
                                   **vars(profile))
        except IntegrityError:
            return  # the same address registered at the same instant: the first one won
        messages.queue_account_verification(user, _verify_url(user))


def account_fingerprint(user):
    """What ties a link to this very account: its id alone could be another account's
    later (an id freed by a deletion), its address and creation instant could not."""
    seed = f"{user.id}|{user.email_key}|{user.created_at.isoformat()}"
    return hashlib.blake2b(seed.encode(), digest_size=12).hexdigest()


def _verify_url(user):
    token = make_token(VERIFY_PURPOSE, {"u": user.id, "f": account_fingerprint(user)})
    return messages.absolute_url("/compte/verifier/" + token)


def _account_for(data):
    """The account a link's payload names, if it is still that very account."""
    user = User.get_or_none(User.id == data.get("u")) if isinstance(data, dict) else None
    if user is None or not hmac.compare_digest(data.get("f", ""), account_fingerprint(user)):
        raise InvalidToken()
    return user


def verify_account(token):
    """Mark the address verified; the account can be used from now on."""
    user = _account_for(read_token(VERIFY_PURPOSE, token, VERIFY_MAX_AGE))
    if user.email_verified_at is None:
        User.update(email_verified_at=utcnow()).where(User.id == user.id).execute()
        user.email_verified_at = utcnow()
    return user


def create_verified_user(email, password, role=User.MEMBER):
    """For the CLI: an account usable at once, with the given role."""
    if role not in User.ROLES:
        raise AccountError(f"Rôle inconnu : {role}")
    problem = passwords.password_problem(password, email)
    if problem:
        raise AccountError(problem)
    with write_transaction():
        if User.select().where(User.email_key == email_key(email)).exists():
            raise AccountError("Un compte existe déjà pour cette adresse.")
        return User.create(email=email, email_key=email_key(email), role=role,
                           password_hash=passwords.hash_password(password),
                           session_token=new_session_token(), email_verified_at=utcnow())


# Login ------------------------------------------------------------------

def authenticate(email, password):
    """The verified account these credentials open, or None (same cost either way).

    A right password on an unverified account answers None as well: anyone can
    register an address and try its password, so a different answer would tell
    which addresses already had an account. Its owner gets the link again.
    """
    user = User.get_or_none(User.email_key == email_key(email or ""))
    if not passwords.check_password(user.password_hash if user else None, password):
        return None
    if user.email_verified_at is None:
        if not _account_mail_sent_recently(user.email):
            messages.queue_account_verification(user, _verify_url(user))
        return None
    if user.blocked_at is not None:
        # Said only to whoever knows the password: it tells nothing about the address.
        raise AccountError(_("Ce compte a été bloqué par l'administration du site : "
                             "il ne permet plus de se connecter."))
    return user


def _account_mail_sent_recently(address):
    """Account emails to one address go out at most once every ten minutes."""
    since = utcnow() - dt.timedelta(minutes=10)
    return OutboxMessage.select().where(
        (OutboxMessage.category == "account") & (OutboxMessage.to_addrs == address)
        & (OutboxMessage.created_at > since)).exists()


def user_for_session(session_id):
    """The account a session or remember cookie names, if it is still valid."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = User.get_or_none((User.id == int(user_id)) & (User.session_token == token))
    return user if user is not None and user.is_active else None


def end_all_sessions(user):
    """Every session and remember cookie of this account stops working."""
    user.session_token = new_session_token()
    User.update(session_token=user.session_token).where(User.id == user.id).execute()


# Passwords ----------------------------------------------------------------

def request_password_reset(email):
    """Mail a reset link if the address has an account; say nothing either way."""
    user = User.get_or_none(User.email_key == email_key(email or ""))
    if user is not None and not _account_mail_sent_recently(user.email):
        messages.queue_password_reset(user, _reset_url(user))


def _reset_url(user):
    # The hash's tail makes the link single-use: a new password changes it.
    token = make_token(RESET_PURPOSE, {"u": user.id, "h": user.password_hash[-16:]})
    return messages.absolute_url("/mot-de-passe/" + token)


def user_for_reset(token):
    data = read_token(RESET_PURPOSE, token, RESET_MAX_AGE)
    user = User.get_or_none(User.id == data.get("u"))
    if user is None or user.password_hash[-16:] != data.get("h"):
        raise InvalidToken()
    return user


def reset_password(user, new_password):
    """`user` comes from `user_for_reset`: the link was checked."""
    _set_password(user, new_password)
    if user.email_verified_at is None:  # the link proved the address
        User.update(email_verified_at=utcnow()).where(User.id == user.id).execute()
    return user


def change_password(user, current_password, new_password):
    if not passwords.check_password(user.password_hash, current_password):
        raise AccountError(_("Le mot de passe actuel n'est pas le bon."))
    _set_password(user, new_password)


def _set_password(user, new_password):
    problem = passwords.password_problem(new_password, user.email)
    if problem:
        raise AccountError(problem)
    user.password_hash = passwords.hash_password(new_password)
    user.session_token = new_session_token()
    User.update(password_hash=user.password_hash, session_token=user.session_token).where(
        User.id == user.id).execute()


# Profile and email ----------------------------------------------------------

def update_profile(user, profile):
    User.update(**vars(profile)).where(User.id == user.id).execute()
    for name, value in vars(profile).items():
        setattr(user, name, value)


def set_language(user, language):
    """The language the member's pages and emails are written in."""
    User.update(language=language).where(User.id == user.id).execute()
    user.language = language


def request_email_change(user, new_email, password):
    """Mail a link to the new address; the change takes effect once it is followed."""
    if not passwords.check_password(user.password_hash, password):
        raise AccountError(_("Le mot de passe n'est pas le bon."))
    User.update(pending_email=new_email).where(User.id == user.id).execute()
    token = make_token(EMAIL_CHANGE_PURPOSE, {"u": user.id, "e": new_email,
                                              "f": account_fingerprint(user)})
    messages.queue_email_change(user, new_email,
                                messages.absolute_url("/compte/courriel/" + token))


def confirm_email_change(token):
    data = read_token(EMAIL_CHANGE_PURPOSE, token, VERIFY_MAX_AGE)
    with write_transaction():
        user = _account_for(data)
        if user.pending_email != data.get("e"):
            raise InvalidToken()
        taken = User.select().where((User.email_key == email_key(user.pending_email))
                                    & (User.id != user.id)).exists()
        if taken:
            raise AccountError(_("Cette adresse est déjà celle d'un autre compte."))
        # What the member signed without an account under the old address stays theirs.
        Signature.update(user=user.id).where((Signature.email_key == user.email_key)
                                             & Signature.user.is_null()).execute()
        newsletter.address_changed(user, user.pending_email)
        User.update(email=user.pending_email, email_key=email_key(user.pending_email),
                    pending_email=None).where(User.id == user.id).execute()
    return User.get_by_id(user.id)


# The member's data: access and deletion ---------------------------------------

def _own_signatures(user):
    """Linked to the account, or made without one under its (verified) address.

    Each comes with its campaign, read in the same query."""
    return Signature.select(Signature, Campaign).join(Campaign).where(
        (Signature.user == user)
        | ((Signature.email_key == user.email_key) & Signature.user.is_null()))


def participations_of(user):
    return list(_own_signatures(user).order_by(Signature.created_at.desc(), Signature.id.desc()))


def comments_of(user):
    return list(_own_comments(user).order_by(Comment.created_at.desc(), Comment.id.desc()))


def _own_comments(user):
    """The member's comments, each with its campaign, read in the same query."""
    return Comment.select(Comment, Campaign).join(Campaign).where(Comment.author == user)


def _when(moment):
    return moment.isoformat() if moment else None


def export_data(user):
    """Everything held about the member, as plain data for a JSON download."""
    account = {name: getattr(user, name) for name in ("email", "role", *PROFILE_FIELDS)}
    account.update(
        created_at=_when(user.created_at), email_verified_at=_when(user.email_verified_at),
        pending_email=user.pending_email, may_comment=user.can_comment)
    participations = [{
        "campaign": signature.campaign.title,
        "status": signature.status,
        "signed_at": _when(signature.created_at),
        "confirmed_at": _when(signature.confirmed_at),
        "email": signature.email,
        "name": f"{signature.first_name} {signature.last_name}",
        "profession": signature.profession,
        "address": signature.address,
        "postal_code": signature.postal_code,
        "city": signature.city,
        "country": signature.country,
        "hidden_on_site": signature.hide_identity,
        "newsletter": signature.newsletter,
        "letter_subject": signature.letter_subject,
        "letter_body": signature.letter_body,
        "copied_elus": signature.cc_names,
        "copied_elus_addresses": signature.cc_addrs,
    } for signature in _own_signatures(user)]
    comments = [{
        "campaign": comment.campaign.title,
        "written_at": _when(comment.created_at),
        "text": comment.body,
        "hidden_by_moderation": comment.hidden_at is not None,
    } for comment in _own_comments(user)]
    reports = [{
        "comment_campaign": report.comment.campaign.title,
        "reported_at": _when(report.created_at),
        "reason": report.reason,
    } for report in user.reports]
    moderation = [{
        "action": action.label,
        "at": _when(action.created_at),
        "reason": action.reason,
    } for action in user.moderation_received]
    return {"account": account, "participations": participations, "comments": comments,
            "reports": reports, "moderation_concerning_you": moderation}


def delete_account(user, password):
    """Erase the member: their participations stay counted, linked to nobody."""
    if not passwords.check_password(user.password_hash, password):
        raise AccountError(_("Le mot de passe n'est pas le bon."))
    with write_transaction():
        _forget_messages(user, [signature.id for signature in _own_signatures(user)])
        newsletter.forget_member(user)
        for signature in _own_signatures(user):
            _anonymise_signature(signature)
        # Pages showing the member's name under a comment must not be served from cache.
        for campaign_id in {comment.campaign_id for comment in user.comments}:
            Campaign.content_changed(campaign_id)
        user.delete_instance()


def _forget_messages(user, signature_ids):
    """The mail about the account and its participations, and to or from its address.

    Never by a former or a pending address: another person may hold it now.
    """
    address = user.email.lower()
    addressed = ((OutboxMessage.user == user)
                 | (fn.LOWER(OutboxMessage.to_addrs) == address)
                 | (fn.LOWER(OutboxMessage.reply_to) == address))
    if signature_ids:
        addressed = addressed | OutboxMessage.signature.in_(signature_ids)
    OutboxMessage.delete().where(addressed).execute()


def _anonymise_signature(signature):
    """Nothing personal stays. A counted participation keeps a keyed hash of its address,
    so the address cannot be counted twice; a pending one frees its address."""
    erased = erased_key(signature.email_key) if signature.status == Signature.CONFIRMED \
        else f"supprime-{signature.id}"
    Signature.update(
        user=None, email="", email_key=erased, last_name="", first_name="",
        postal_code="", city="", profession="", address="", letter_body="", hide_identity=True,
        newsletter=False, last_notice_at=None, confirm_nonce=secrets.token_hex(16),
    ).where(Signature.id == signature.id).execute()


__all__ = ["AccountError", "ExpiredToken", "InvalidToken", "Profile"]
