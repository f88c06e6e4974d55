"""The operator's switches at the door: read-only mode refuses every write, a pause
refuses every signature. Pages stay readable either way and say why."""
from flask_babel import lazy_gettext as _l
from flask import request

from blueprints.errors import error_response
from services import switches

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Logging in and out stay possible (an admin must be able to come and end the maintenance),
# and so does the switch that ends it.
WRITES_ALLOWED_WHEN_READ_ONLY = frozenset({
    "accounts.login", "accounts.logout", "campaigns.login", "admin.operations_read_only",
})
SIGNING_ENDPOINTS = frozenset({
    "campaigns.sign", "campaigns.sign_member", "campaigns.quick_sign", "campaigns.confirm",
})

READ_ONLY_TITLE = _l("Site en maintenance")
READ_ONLY_MESSAGE = _l("Le site est en lecture seule le temps d'une maintenance : vous pouvez "
                       "consulter les pages, mais rien ne peut être enregistré pour le moment. "
                       "Réessayez un peu plus tard.")
PAUSED_TITLE = _l("Signatures suspendues")
CONFIRM_LATER = _l(" Votre lien de confirmation reste valable : revenez le suivre une fois les "
                   "signatures rétablies.")


def refuse_writes_and_paused_signing():
    """A `before_request` hook: 503 with a message (a fragment for htmx), nothing
    stored, when the site is read-only or when signing is paused."""
    if request.method not in WRITE_METHODS:
        return None
    state = switches.current()
    if state.read_only and request.endpoint not in WRITES_ALLOWED_WHEN_READ_ONLY:
        return _unavailable(READ_ONLY_TITLE, READ_ONLY_MESSAGE)
    if state.signing_paused and request.endpoint in SIGNING_ENDPOINTS:
        later = str(CONFIRM_LATER) if request.endpoint == "campaigns.confirm" else ""
        return _unavailable(PAUSED_TITLE, state.shown_pause_message() + later)
    return None


def _unavailable(title, message):
    response = error_response(503, title, message)
    response.headers["Retry-After"] = "300"
    return response


def register(app):
    app.before_request(refuse_writes_and_paused_signing)
    app.context_processor(lambda: {"site_switches": switches.current})
