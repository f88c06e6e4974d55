"""Starting and ending a member's session, shared by every login form of the site."""
from urllib.parse import urlsplit

from flask import session
from flask_login import login_user, logout_user

from services import accounts


def log_in(user, remember):
    """Renew the session at login; keep only the CSRF token the open page still holds."""
    csrf_token = session.get("csrf_token")
    session.clear()
    if csrf_token:
        session["csrf_token"] = csrf_token
    login_user(user, remember=remember)


def log_out(user):
    """End this session, the remember cookie, and every other session of the account."""
    accounts.end_all_sessions(user)
    logout_user()


def forget_session():
    """After the account is gone: drop the session and the remember cookie."""
    logout_user()


def safe_next(target, default):
    """Only a path of this site, never an address elsewhere."""
    parts = urlsplit(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default
