"""Rate limits: their values come from the configuration, their keys from who acts."""
from flask import current_app, request
from flask_login import current_user

from services.signing import email_key


def configured(name):
    """The limit named `name` in the configuration, read at each request."""
    return lambda: current_app.config[name]


def typed_address():
    """Count per address typed in the form (its `email` field, whatever the form's prefix).

    Known and unknown addresses are counted alike: the limit tells nothing about
    who has an account or has signed.
    """
    typed = next((value for key, value in request.form.items()
                  if key == "email" or key.endswith("-email")), "")
    return "address:" + email_key(typed)


def member():
    """Count per account, wherever the member connects from."""
    return f"member:{current_user.id}"
