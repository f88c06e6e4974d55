"""Every email the site sends is built here and written to the outbox."""
import re
from contextlib import contextmanager

from flask import current_app
from flask_babel import force_locale, get_locale, gettext as _, lazy_gettext as _l

from models import OutboxMessage, insert_row
from services import letters
from services.tokens import make_token

CONFIRM_PURPOSE = "confirm-signature"
MANAGE_PURPOSE = "manage-signature"


LANGUAGES = ("fr", "en")


@contextmanager
def written_in(language):
    """Subject and bodies built inside are in the recipient's language (French by default)."""
    with force_locale(language if language in LANGUAGES else "fr"):
        yield


def language_in_force():
    """The language of the page being answered, or the one `written_in` set."""
    return str(get_locale() or "fr")


def language_of(signature=None, user=None):
    """The language a participation or an account asked for its emails."""
    for holder in (signature, user):
        if holder is not None and getattr(holder, "language", None):
            return holder.language
    return "fr"


def absolute_url(path):
    return current_app.config["SITE_URL"] + path


def confirmation_url(signature):
    return absolute_url("/confirmer/" + make_token(CONFIRM_PURPOSE, signature.confirm_nonce))


def manage_url(signature):
    return absolute_url("/participation/" + make_token(MANAGE_PURPOSE, signature.confirm_nonce))


def campaign_url(campaign):
    return absolute_url(f"/{campaign.kind}/{campaign.slug}")


# One address and nothing else: no display name, no second address after a comma, no
# line break. Outbox rows keep their recipients joined by commas, so an address holding
# one would become two there.
BARE_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+")


def bare_addresses(addresses):
    """The addresses as they are, or ValueError for one that is not a bare address."""
    for address in addresses:
        if not BARE_ADDRESS.fullmatch(address or ""):
            raise ValueError("not a bare email address")
    return addresses


def recipient_domain(to_addrs):
    """The domain of a message's first recipient, lower case: what the delivery paces."""
    first = to_addrs.split(",", 1)[0].strip()
    return first.rpartition("@")[2].lower() if "@" in first else ""


def save(message_fields, signature_id=None, user_id=None):
    """Write a message built beforehand to the outbox (inside the caller's transaction)."""
    return insert_row(OutboxMessage, {"signature": signature_id, "user": user_id,
                                      "domain": recipient_domain(message_fields["to_addrs"]),
                                      **message_fields})


def _render(name, context):
    """An email body: only what the message is given, none of the page's request context."""
    return current_app.jinja_env.get_template(name).render(context)


def build(category, template, to, subject, signature=None, **fields):
    """An email's outbox fields, its bodies rendered from templates/email/<template>.txt|.html
    (the newsletter and recommendations build theirs here too), in the language in force:
    build it under `written_in` with its subject."""
    context = {"site_name": current_app.config["SITE_NAME"], "signature": signature,
               "language": language_in_force(), **fields}
    return {
        "category": category,
        "to_addrs": ",".join(bare_addresses(to)),
        "subject": str(subject),
        "body_text": _render(f"email/{template}.txt", context),
        "body_html": _render(f"email/{template}.html", context),
    }


def _queue(category, template, to, subject, signature=None, user=None, **fields):
    """`subject` is lazy (`_l`): it is written in the recipient's language with the bodies."""
    with written_in(language_of(signature, user)):
        message = build(category, template, to, subject, signature=signature, user=user,
                        **fields)
    return save(message, signature.id if signature is not None else None,
                user.id if user is not None else None)


def queue_confirmation_request(signature, campaign, reminder=False):
    return save(confirmation_request(signature, campaign, reminder), signature.id)


# Every signer of a campaign gets the same confirmation email but for its two links: the
# bodies are rendered once per campaign version, language and kind (first or reminder),
# with slots the links fill (tokens are URL-safe: nothing in them needs escaping).
CONFIRM_SLOT, MANAGE_SLOT = "__confirm_url__", "__manage_url__"


def confirmation_request(signature, campaign, reminder=False):
    """Ask the signer to confirm: double opt-in (again, on a second attempt)."""
    with written_in(language_of(signature)):
        subject = _("Confirmez votre participation : %(title)s", title=campaign.title)
        text, html = _confirmation_bodies(campaign, reminder)
    links = ((CONFIRM_SLOT, confirmation_url(signature)), (MANAGE_SLOT, manage_url(signature)))
    for slot, url in links:
        text, html = text.replace(slot, url), html.replace(slot, url)
    return {"category": "confirmation", "to_addrs": ",".join(bare_addresses([signature.email])),
            "subject": subject, "body_text": text, "body_html": html}


def _confirmation_bodies(campaign, reminder):
    """(text, html) of templates/email/confirm_signature.*, which may use the campaign and
    the links, never the signer (the same bodies serve every signer)."""
    bodies = current_app.extensions.setdefault("confirmation_bodies", {})
    max_age_days = current_app.config["CONFIRMATION_MAX_AGE"] // 86400
    key = (campaign.id, campaign.content_version, language_in_force(), reminder, max_age_days)
    found = bodies.get(key)
    if found is None:
        message = build("confirmation", "confirm_signature", [], "", campaign=campaign,
                        confirm_url=CONFIRM_SLOT, manage_url=MANAGE_SLOT,
                        campaign_url=campaign_url(campaign), max_age_days=max_age_days,
                        reminder=reminder)
        if len(bodies) > 1000:  # bounded: campaigns are few, versions move
            bodies.clear()
        found = bodies[key] = (message["body_text"], message["body_html"])
    return found


def queue_already_signed_notice(signature, campaign):
    """Tell the owner of the address, and only them, that it already took part."""
    return _queue(
        "notice", "already_signed", [signature.email],
        _l("Vous participez déjà : %(title)s", title=campaign.title),
        signature=signature, campaign=campaign, campaign_url=campaign_url(campaign),
    )


def queue_letter(signature, campaign):
    return save(letter(signature, campaign), signature.id)


def letter(signature, campaign):
    """The participant's letter to the campaign's targets, answerable to them."""
    return {
        "category": "letter",
        "campaign": campaign.id,
        "sender_name": letters.sender_name(signature, current_app.config["SITE_NAME"]),
        "reply_to": signature.email,
        "to_addrs": ",".join(target.email for target in campaign.target_list),
        "cc_addrs": signature.cc_addrs,
        "subject": signature.letter_subject,
        "body_text": letters.letter_text(signature),
    }


def queue_bilan(campaign, attachment, count):
    """The PDF of signatories, to every target of the campaign: in the association's French,
    whatever the language of the admin's page that sends it."""
    with written_in("fr"):
        message = build("bilan", "bilan", [target.email for target in campaign.target_list],
                        f"{'Pétition' if not campaign.is_cyberaction else 'Cyberaction'} : "
                        f"{campaign.title} — liste des signataires",
                        campaign=campaign, count=count, campaign_url=campaign_url(campaign))
    message.update(campaign=campaign.id, attachment=attachment.id)
    return save(message)


def queue_account_verification(user, verify_url):
    return _queue("account", "account_verify", [user.email],
                  _l("Vérifiez votre adresse pour activer votre compte %(site)s",
                     site=current_app.config["SITE_NAME"]),
                  user=user, action_url=verify_url)


def queue_account_exists_notice(user, reset_url):
    """Someone tried to register with an address that has an account: tell its owner."""
    return _queue("account", "account_exists", [user.email],
                  _l("Vous avez déjà un compte %(site)s",
                     site=current_app.config["SITE_NAME"]),
                  user=user, action_url=reset_url)


def queue_password_reset(user, reset_url):
    return _queue("account", "password_reset", [user.email],
                  _l("Choisir un nouveau mot de passe"), user=user, action_url=reset_url)


def queue_email_change(user, new_email, confirm_url):
    """The link goes to the new address; the old one is told of the request."""
    _queue("account", "email_change_notice", [user.email],
           _l("Demande de changement d'adresse électronique"), user=user, new_email=new_email)
    return _queue("account", "email_change", [new_email],
                  _l("Confirmez votre nouvelle adresse électronique"), user=user,
                  action_url=confirm_url)


def queue_proposal_refused(member, proposal, message):
    """Tell the member which proposal was refused, with the moderator's words and nothing
    else about anyone."""
    return _queue("proposal", "proposal_refused", [member.email],
                  _l("Votre proposition n'est pas retenue : %(title)s",
                     title=proposal.title),
                  user=member, proposal=proposal, message=message,
                  propose_url=absolute_url("/proposer"))
