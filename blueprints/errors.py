"""Error pages and fragments, in the visitor's language."""
from flask_babel import gettext as _
from flask import request
from flask_wtf.csrf import CSRFError, generate_csrf

from blueprints.rendering import page_or_fragment, wants_fragment

# endpoint → how it redraws its form as typed when the CSRF token failed
_FORM_REDRAWS = {}


def error_response(status, title, message):
    """An error: the page, or its fragment for htmx. Views call this too."""
    return page_or_fragment("errors/error.html", "errors/_error.html", status=status,
                            title=title, message=message)


def bad_request(error):
    return error_response(400, _("Requête invalide"),
                          _("Cette requête contient des caractères non autorisés."))


def redraws_expired_form(endpoint):
    """Register how `endpoint` gives its form back, as typed and with a fresh token,
    when the token it was sent with has expired: nothing typed is lost, nothing saved."""
    def register(redraw):
        _FORM_REDRAWS[endpoint] = redraw
        return redraw
    return register


def csrf_error(error):
    # A fresh token mends a missing or old one; not a request sent from another site.
    if "referrer" in (error.description or "").lower() or (
            not wants_fragment() and request.endpoint not in _FORM_REDRAWS):
        return error_response(400, _("Formulaire expiré"),
                              _("Le formulaire a expiré ou n'a pas été envoyé depuis ce site. "
                                "Rechargez la page puis recommencez : vos informations n'ont "
                                "pas été enregistrées."))
    if request.endpoint in _FORM_REDRAWS:
        return _FORM_REDRAWS[request.endpoint](**(request.view_args or {}))
    # The page keeps the form as typed (static/js/site.js) and takes this fresh token.
    response = error_response(400, _("Formulaire expiré"),
                              _("Le formulaire avait expiré : il vient d'être renouvelé. "
                                "Ce que vous avez saisi est conservé ; renvoyez-le."))
    response.headers["X-CSRF-Token"] = generate_csrf()
    return response


def too_large(error):
    return error_response(413, _("Envoi trop volumineux"),
                          _("Ce que vous avez envoyé dépasse la taille acceptée. "
                            "Raccourcissez le texte puis recommencez."))


def forbidden(error):
    return error_response(403, _("Action non autorisée"),
                          _("Vous n'avez pas le droit de faire cette action."))


def not_found(error):
    return error_response(404, _("Page introuvable"), _("Cette page n'existe pas ou plus."))


def too_many_requests(error):
    return error_response(429, _("Trop de tentatives"),
                          _("Vous avez fait trop de tentatives en peu de temps. "
                            "Patientez quelques minutes puis réessayez."))


def server_error(error):
    return error_response(500, _("Erreur du serveur"),
                          _("Une erreur est survenue de notre côté. Réessayez dans un instant."))


def register(app):
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(400, bad_request)
    app.register_error_handler(403, forbidden)
    app.register_error_handler(404, not_found)
    app.register_error_handler(413, too_large)
    app.register_error_handler(OverflowError, not_found)  # an id no database integer holds
    app.register_error_handler(429, too_many_requests)
    app.register_error_handler(500, server_error)
