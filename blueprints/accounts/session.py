"""Starting and ending a member's session, shared by every login form of the site."""
import re

from flask import session
from flask_babel import get_locale
from flask_login import login_user, logout_user

from services import accounts


def log_in(user, remember):
    """Renew the session at login; keep only the CSRF token the open page still holds."""
    # First, while `user` may still be the current_user proxy of the session ending here.
    language = str(get_locale())
    if user.language != language:  # the member's emails follow the language they use
        accounts.set_language(user, language)
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


# A path of ours: a slash, then path characters only. Backslashes (browsers read
# `/\host` as `//host`), control and other invisible characters, and spaces are
# refused; anything else percent-encoded stays as it was typed.
LOCAL_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/%?#]*")


def safe_next(target, default):
    """Only a path of this site, never an address elsewhere; anything else quietly
    becomes `default` (it goes into a Location or HX-Redirect header)."""
    return target if LOCAL_PATH.fullmatch(target or "") else default
