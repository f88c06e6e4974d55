"""Every state-changing route refuses a request without its CSRF token, plain and htmx.

The rules come from the URL map: each one accepting POST, PUT, PATCH or DELETE is sent a
complete, valid form by an account its line in the route table lets in (a valid emailed
link for the token routes), without the token, with another session's token and with a
made-up one. It must answer the French "Formulaire expiré" (400; the forms that redraw
themselves as typed answer 422 with the same notice) and change no row of any table. The
same request with the token then changes rows for the routes that write: the snapshot
sees a change when there is one. The exemptions by design are listed in EXEMPT, with
their reason.
"""
import itertools

import pytest

from blueprints.errors import _FORM_REDRAWS
from conftest import MEMBER_PASSWORD, csrf_token, log_in, make_member, signer
from models import SiteSetting, Signature, Subscriber, User, utcnow
from services import accounts, messages, newsletter
from services.tokens import make_token
from test_authorisation import ARGUMENTS as STAFF_ARGUMENTS
from test_authorisation import Rows as StaffRows
from test_authorisation import Watch
from test_route_matrix import (
    ADMIN, MODERATOR, PUBLIC, TOKEN, access_table, every_rule_app,
)

WRITING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MODES = {"plain": {}, "htmx": {"HX-Request": "true"}}
EXPIRED_PAGE = "Formulaire expiré"
EXPIRED_REDRAW = "Le formulaire avait expiré"

# Views exempt from CSRFProtect, and why. Each is still asked below with an ordinary form
# without its token, which it must refuse like any other route.
EXEMPT = {
    # RFC 8058: a mail program's one-click unsubscribe (the body `List-Unsubscribe=One-Click`)
    # is a POST from outside the site, without a session or a form: the random token in the
    # URL is the proof. Its page's own button still needs the CSRF token.
    "/lettre-d-infos/desabonner/<token>": "one-click unsubscribe (RFC 8058, List-Unsubscribe-Post)",
    # Registered only with BENCH_FLOOR (the benchmark), never on a real site.
    "/_bench/floor": "the benchmark's floor",
}

# Routes whose success with the token must show as changed rows.
MUST_WRITE = {
    "accounts.register", "accounts.profile", "accounts.delete",
    "campaigns.sign", "campaigns.confirm", "campaigns.hide", "campaigns.withdraw",
    "campaigns.quick_sign", "comments.create", "comments.report", "proposals.propose",
    "admin.new_campaign", "admin.block_user", "moderation.hide", "proposals.review.approve",
    "newsletter.subscribe", "newsletter.confirm", "newsletter.unsubscribe",
}

CAMPAIGN_FORM = {
    "kind": "petitions", "title": "Une campagne sans jeton", "summary": "Résumé.",
    "proposer": "Association", "targets": "Mairie <mairie@example.org>",
    "letter_subject": "Objet", "letter_body": "Madame la Maire,\n\nNous vous écrivons.",
    "letter_editable": "y",
}
PROFILE = {key: value for key, value in signer().items() if key != "email"}

# A valid form per endpoint (the CSRF token aside); others get FALLBACK.
FORMS = {
    "accounts.register": {**signer(email="nouvelle@example.net"), "password":
                          "cheval-batterie-agrafe-2", "password_again": "cheval-batterie-agrafe-2"},
    "accounts.profile": {**PROFILE, "last_name": "Autrenom"},
    "accounts.change_password": {"current_password": MEMBER_PASSWORD,
                                 "new_password": "un-autre-mot-de-passe-solide"},
    "accounts.change_email": {"new_email": "ailleurs@example.net", "password": MEMBER_PASSWORD},
    "accounts.reset_password": {"password": "un-autre-mot-de-passe-solide",
                                "password_again": "un-autre-mot-de-passe-solide"},
    "accounts.delete": {"password": MEMBER_PASSWORD, "confirm": "y"},
    "accounts.login": {"email": "membre@example.net", "password": MEMBER_PASSWORD},
    "accounts.forgotten_password": {"email": "membre@example.net"},
    "campaigns.sign": {**signer(email="sans-jeton@example.net"), "letter_subject": "Objet",
                       "letter_body": "Madame, Monsieur,\n\nNous vous écrivons."},
    "campaigns.preview": {**signer(), "letter_subject": "Objet", "letter_body": "Texte"},
    "campaigns.sign_member": {"letter_subject": "Objet", "letter_body": "Texte du membre."},
    "campaigns.login": {"connexion-email": "membre@example.net",
                        "connexion-password": MEMBER_PASSWORD},
    "comments.create": {"text": "Un commentaire envoyé sans jeton."},
    "comments.login": {"connexion-commentaire-email": "membre@example.net",
                       "connexion-commentaire-password": MEMBER_PASSWORD},
    "proposals.propose": CAMPAIGN_FORM,
    "newsletter.subscribe": {"email": "nouvelle-abonnee@example.net"},
    "admin.new_campaign": CAMPAIGN_FORM,
    "admin.edit_campaign": {**CAMPAIGN_FORM, "title": "Un titre changé sans jeton"},
}
FALLBACK = {"reason": "Sans jeton", "message": "Refusée sans jeton.", "role": "moderator",
            "confirm": "y"}


class Rows(StaffRows):
    """The staff matrix's rows, and what the public routes' arguments need."""

    def __init__(self, app):
        super().__init__(app)
        self.unverified = make_member(app, "a-verifier@example.net")
        with app.app_context():
            User.update(email_verified_at=None, pending_email="nouvelle-adresse@example.net").where(
                User.id == self.unverified.id).execute()
            self.unverified = User.get_by_id(self.unverified.id)
            self.pending = Signature.create(
                campaign=self.published.id, status=Signature.PENDING,
                email="lou.attente@example.net", email_key="lou.attente@example.net",
                last_name="Attente", first_name="Lou", postal_code="35000", city="Rennes",
                country="FR", confirm_nonce="e" * 32, created_at=utcnow())
            self.subscribed = Subscriber.create(
                email="abonnee@example.net", email_key="abonnee@example.net",
                status=Subscriber.SUBSCRIBED, token="a" * 32, confirmed_at=utcnow())
            self.waiting = Subscriber.create(
                email="en-attente@example.net", email_key="en-attente@example.net",
                status=Subscriber.PENDING, token="b" * 32)
            self.tokens = self._tokens()

    def _tokens(self):
        """A link that works, per endpoint taking one."""
        def tail(url):
            return url.rsplit("/", 1)[1]
        confirm = tail(messages.confirmation_url(self.pending))
        manage = tail(messages.manage_url(self.pending))
        return {
            "campaigns.confirm": confirm, "campaigns.hide": manage, "campaigns.withdraw": manage,
            "accounts.verify": tail(accounts._verify_url(self.unverified)),
            "accounts.reset_password": tail(accounts._reset_url(self.unverified)),
            "accounts.confirm_email_change": make_token(accounts.EMAIL_CHANGE_PURPOSE, {
                "u": self.unverified.id, "e": self.unverified.pending_email,
                "f": accounts.account_fingerprint(self.unverified)}),
            "newsletter.confirm": make_token(newsletter.CONFIRM_PURPOSE, self.waiting.token),
            "newsletter.unsubscribe": self.subscribed.token,
        }

    def url(self, app, rule):
        if rule.rule.startswith(("/admin", "/moderation", "/proposer")) and all(
                name in STAFF_ARGUMENTS for name in rule.arguments):
            return self.urls(app, rule)[0]
        # The token is checked before any view: an id of a row that does not exist
        # serves as well to ask it (a new staff route, before its line in ARGUMENTS).
        values = {"kind": self.published.kind, "slug": self.published.slug,
                  "campaign_id": self.published.id, "comment_id": self.comment.id,
                  **{name: 1 for name in rule.arguments if name.endswith("_id")}}
        if "token" in rule.arguments:
            # The token is checked before the view: a link that works is needed only to
            # show, with the CSRF token, that the same request writes (MUST_WRITE).
            values["token"] = self.tokens.get(rule.endpoint, "jeton-invente")
        unknown = set(rule.arguments) - set(values)
        assert not unknown, f"{rule.rule}: no real value for {sorted(unknown)}"
        adapter = app.url_map.bind("interpelle.test")
        return adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments})


def writing_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.methods & WRITING_METHODS),
                  key=lambda rule: rule.rule)


def client_for(app, access, number):
    """A client of an account the line lets in (its own account: a request may end it)."""
    client = app.test_client()
    if access in (PUBLIC, TOKEN):
        return client
    role = {ADMIN: "admin", MODERATOR: "moderator"}.get(access, "member")
    make_member(app, f"jeton{number}@example.net", role=role)
    log_in(client, f"jeton{number}@example.net")
    return client


def no_token(stranger):
    """no token"""
    return {}


def another_sessions_token(stranger):
    """another session's token"""
    return {"csrf_token": stranger}


def a_made_up_token(stranger):
    """a made-up token"""
    return {"csrf_token": "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.aaaa.bbbb"}


# A token another visitor's page holds is worth no more than none.
WITHOUT_ITS_TOKEN = (no_token, another_sessions_token, a_made_up_token)


def guessed_access(path):
    if path.startswith("/admin"):
        return ADMIN
    if path.startswith("/moderation"):
        return MODERATOR
    return TOKEN if "<token>" in path else PUBLIC


def refusal_problem(endpoint, response):
    body = response.get_data(as_text=True)
    if response.status_code == 400 and EXPIRED_PAGE in body:
        return None
    if endpoint in _FORM_REDRAWS and response.status_code == 422 and EXPIRED_REDRAW in body:
        return None
    return f"{response.status_code}, not the French refusal of a missing token"


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_SECONDS": 0, "PROPAGATE_EXCEPTIONS": False}


def exempt_from_csrf(app, rule):
    from extensions import csrf
    view = app.view_functions[rule.endpoint]
    blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
    return (f"{view.__module__}.{view.__name__}" in csrf._exempt_views
            or blueprint in csrf._exempt_blueprints)


def test_the_exemptions_are_the_only_routes_that_skip_the_token(tmp_path):
    """A route exempted from CSRFProtect must be listed in EXEMPT with its reason."""
    app = every_rule_app(tmp_path)
    unlisted = sorted(rule.rule for rule in app.url_map.iter_rules()
                      if exempt_from_csrf(app, rule) and rule.rule not in EXEMPT)
    assert not unlisted, f"routes exempt from CSRF without a line in EXEMPT: {unlisted}"


def test_every_state_changing_route_refuses_a_request_without_its_token(app, database):
    rows = Rows(app)
    table = access_table()
    stranger = csrf_token(app.test_client(), "/connexion")
    problems, wrote = [], set()
    rules = writing_rules(app)
    assert len(rules) > 30
    for number, rule in enumerate(rules):
        for method in sorted(rule.methods & WRITING_METHODS):
            # A rule still without its line (test_route_matrix.py names it) is asked
            # anyway, by the role its area implies.
            access = table.get((rule.rule, method), guessed_access(rule.rule))
            client = client_for(app, access, number)
            url = rows.url(app, rule)
            data = FORMS.get(rule.endpoint, FALLBACK)
            watch = Watch()
            for (mode, headers), sent in itertools.product(MODES.items(), WITHOUT_ITS_TOKEN):
                body = {**data, **sent(stranger)}
                response = client.open(url, method=method, data=body, headers=headers)
                where = f"{mode:5} {sent.__doc__:24} {method} {url}"
                problem = refusal_problem(rule.endpoint, response)
                if problem:
                    problems.append(f"{where}: {problem}")
                if watch.changed():
                    problems.append(f"{where}: refused, yet rows changed")
            token = csrf_token(client, "/connexion")
            client.open(url, method=method, data={**data, "csrf_token": token})
            if watch.changed():
                wrote.add(rule.endpoint)
            # An operator's switch (read-only, signing paused) set with the token must not
            # change how the next routes answer.
            SiteSetting.delete().execute()
    assert not problems, "\n".join(problems)
    silent = sorted(MUST_WRITE - wrote)
    assert not silent, f"with its token, these changed nothing (is the form valid?): {silent}"


def test_the_one_click_unsubscribe_needs_no_csrf_token_and_the_page_button_does(app, client,
                                                                              database):
    """The exemption is the RFC 8058 body only: the same URL with an ordinary form is
    refused without its token."""
    with app.app_context():
        Subscriber.create(email="abonnee@example.net", email_key="abonnee@example.net",
                          status=Subscriber.SUBSCRIBED, token="c" * 32, confirmed_at=utcnow())
    url = "/lettre-d-infos/desabonner/" + "c" * 32
    refused = client.post(url, data={})
    assert refused.status_code == 400 and EXPIRED_PAGE in refused.get_data(as_text=True)
    assert Subscriber.get().status == Subscriber.SUBSCRIBED
    done = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert Subscriber.get().status == Subscriber.UNSUBSCRIBED
