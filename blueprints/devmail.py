"""Development mailbox: with no SMTP server configured, read the outbox here."""
from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from playhouse.flask_utils import get_object_or_404

from models import OutboxMessage

bp = Blueprint("devmail", __name__, url_prefix="/dev/courriels")

STATUS_LABELS = {OutboxMessage.PENDING: _l("En attente"), OutboxMessage.SENDING: _l("En cours d'envoi"),
                 OutboxMessage.SENT: _l("Envoyé"), OutboxMessage.KEPT: _l("Gardé ici"),
                 OutboxMessage.FAILED: _l("En échec")}


@bp.get("/")
def inbox():
    """The latest messages the site queued, newest first."""
    messages = OutboxMessage.select().order_by(OutboxMessage.id.desc()).limit(100)
    return render_template("devmail/inbox.html", messages=messages, status_labels=STATUS_LABELS)


@bp.get("/<int:message_id>")
def message(message_id):
    """One message as its recipient would read it."""
    return render_template("devmail/message.html", status_labels=STATUS_LABELS,
                           message=get_object_or_404(OutboxMessage, OutboxMessage.id == message_id))
