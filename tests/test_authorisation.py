"""Who may use each admin, moderation and proposal route, read from the URL map.

Every rule under /admin, /moderation and /proposer, with each method it accepts, is asked
by an anonymous visitor, a member, a moderator and an admin, without and with htmx. A
refused request changes no row of any table; the admin area and the proposal pages are
never cached; a POST without its CSRF token is refused, even for an admin. A route added
without a line in EXPECTED fails the first test, so none slips in unchecked.
"""
import itertools
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import (
    DEMO_CLOSED, DEMO_CYBERACTION, campaign_at, csrf_token, log_in, make_member, make_test_app,
)
from models import (
    ALL_MODELS, Announcement, Comment, CommentReport, OutboxMessage, Signature, db, utcnow,
)
from services import campaigns

PREFIXES = ("/admin", "/moderation", "/proposer")
ROLES = ("anonymous", "member", "moderator", "admin")
EMAILS = {"member": "membre@example.net", "moderator": "moderatrice@example.net",
          "admin": "admin@example.net"}
MODES = {"plain": {}, "htmx": {"HX-Request": "true"}}
# The blueprints that promise never to let an answer be cached.
NEVER_CACHED = ("admin.", "proposals.", "moderation.")

# Who each route lets in; every other role is refused.
ADMINS = frozenset({"admin"})
MODERATORS = frozenset({"moderator", "admin"})
MEMBERS = frozenset({"member", "moderator", "admin"})

EXPECTED = {
    ("/admin/", "GET"): ADMINS,
    ("/admin/abonnes.csv", "GET"): ADMINS,
    ("/admin/campagnes/<int:campaign_id>", "GET"): ADMINS,
    ("/admin/campagnes/<int:campaign_id>", "POST"): ADMINS,
    ("/admin/campagnes/<int:campaign_id>/apercu", "GET"): ADMINS,
    ("/admin/campagnes/<int:campaign_id>/bilan", "POST"): ADMINS,
    ("/admin/campagnes/<int:campaign_id>/courriels/<int:message_id>/relancer", "POST"): ADMINS,
    ("/admin/campagnes/<int:campaign_id>/courriels/relancer", "POST"): ADMINS,
    ("/admin/campagnes/<int:campaign_id>/participations.csv", "GET"): ADMINS,
    ("/admin/campagnes/<int:campaign_id>/signataires.pdf", "GET"): ADMINS,
    ("/admin/campagnes/<int:campaign_id>/tableau", "GET"): ADMINS,
    ("/admin/campagnes/adresse", "GET"): ADMINS,
    ("/admin/campagnes/nouvelle", "GET"): ADMINS,
    ("/admin/campagnes/nouvelle", "POST"): ADMINS,
    ("/admin/fraude", "GET"): ADMINS,
    ("/admin/fraude/adresses-bloquees", "GET"): ADMINS,
    ("/admin/fraude/adresses-bloquees", "POST"): ADMINS,
    ("/admin/fraude/adresses-bloquees/retirer", "POST"): ADMINS,
    ("/admin/fraude/ecarter", "POST"): ADMINS,
    ("/admin/fraude/invalider", "GET"): ADMINS,
    ("/admin/fraude/invalider", "POST"): ADMINS,
    ("/admin/fraude/liberer", "POST"): ADMINS,
    ("/admin/journal", "GET"): ADMINS,
    ("/admin/lettre-d-infos", "GET"): ADMINS,
    ("/admin/lettre-d-infos/<int:announcement_id>", "GET"): ADMINS,
    ("/admin/lettre-d-infos/<int:announcement_id>", "POST"): ADMINS,
    ("/admin/lettre-d-infos/<int:announcement_id>/apercu", "GET"): ADMINS,
    ("/admin/lettre-d-infos/<int:announcement_id>/apercu/courriel", "GET"): ADMINS,
    ("/admin/lettre-d-infos/<int:announcement_id>/envoyer", "GET"): ADMINS,
    ("/admin/lettre-d-infos/<int:announcement_id>/envoyer", "POST"): ADMINS,
    ("/admin/lettre-d-infos/nouvelle", "GET"): ADMINS,
    ("/admin/lettre-d-infos/nouvelle", "POST"): ADMINS,
    ("/admin/exploitation", "GET"): ADMINS,
    ("/admin/exploitation/compteurs/<int:campaign_id>", "POST"): ADMINS,
    ("/admin/exploitation/lecture-seule", "POST"): ADMINS,
    ("/admin/exploitation/signatures", "POST"): ADMINS,
    ("/admin/membres", "GET"): ADMINS,
    ("/admin/membres/<int:user_id>/bloquer", "POST"): ADMINS,
    ("/admin/membres/<int:user_id>/debloquer", "POST"): ADMINS,
    ("/admin/membres/<int:user_id>/role", "POST"): ADMINS,
    ("/admin/pages", "GET"): ADMINS,
    ("/admin/pages/<slug>", "GET"): ADMINS,
    ("/admin/pages/<slug>", "POST"): ADMINS,
    ("/moderation", "GET"): MODERATORS,
    ("/moderation/commentaires/<int:comment_id>/classer", "POST"): MODERATORS,
    ("/moderation/commentaires/<int:comment_id>/masquer", "POST"): MODERATORS,
    ("/moderation/commentaires/<int:comment_id>/retablir", "POST"): MODERATORS,
    # The moderation journal is the admins' reading, not the moderators'.
    ("/moderation/journal", "GET"): ADMINS,
    ("/moderation/membres/<int:user_id>/autoriser", "POST"): MODERATORS,
    ("/moderation/membres/<int:user_id>/bloquer", "POST"): MODERATORS,
    ("/moderation/propositions", "GET"): MODERATORS,
    ("/moderation/propositions/<int:campaign_id>/accepter", "POST"): MODERATORS,
    ("/moderation/propositions/<int:campaign_id>/refuser", "POST"): MODERATORS,
    ("/proposer", "GET"): MEMBERS,
    ("/proposer", "POST"): MEMBERS,
}


def _campaign_ids(rows, endpoint):
    # The review routes decide on proposals (anything else is a 404 there). The admin
    # routes are refused about a campaign in each status, so no check can hang on one;
    # the closed one comes first, with a participation, a failed letter and a bilan to ask.
    if endpoint.startswith("proposals.review."):
        return [rows.proposal.id]
    return [rows.closed.id, rows.draft.id, rows.published.id, rows.proposal.id]


# Converter name → the ids of real rows that fill it, for a rule's endpoint. Every id is
# tried by the roles a route refuses; the roles it lets in use the first (an allowed PDF
# export takes a second, and the other ids would only test the views, not who gets in).
ARGUMENTS = {
    "campaign_id": _campaign_ids,
    # Never an account a client is logged in with: an admin's Bloquer would end its session.
    "user_id": lambda rows, endpoint: [rows.subject.id],
    "message_id": lambda rows, endpoint: [rows.failed_letter.id],
    "comment_id": lambda rows, endpoint: [rows.comment.id],
    "announcement_id": lambda rows, endpoint: [rows.announcement.id],
    "slug": lambda rows, endpoint: ["faq"],  # the site's own pages (admin.edit_page)
}


def guarded_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIXES)),
                  key=lambda rule: rule.rule)


def methods_of(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def route_keys(app):
    return {(rule.rule, method) for rule in guarded_rules(app) for method in methods_of(rule)}


def fields(title):
    return campaigns.CampaignFields(
        kind="petitions", title=title, summary="Pour les essais d'accès.",
        targets=[("Mairie", "mairie@example.org")], letter_subject="Objet",
        letter_body="Madame la Maire,\n\nNous vous écrivons.")


class Rows:
    """The accounts, and a row of each kind the routes' arguments name, made once per test."""

    def __init__(self, app):
        self.users = {role: make_member(app, email, role=role) for role, email in EMAILS.items()}
        self.subject = make_member(app, "cible@example.net", first_name="Noé", last_name="Cible")
        with app.app_context():
            self.published = campaign_at(DEMO_CYBERACTION)
            self.closed = campaign_at(DEMO_CLOSED)
            self.draft = campaigns.create(self.users["admin"], fields("Un brouillon de l'équipe"))
            self.proposal = campaigns.propose(self.users["member"],
                                              fields("Une proposition de membre"))
            self.failed_letter = self._failed_letter()
            self.announcement = Announcement.create(subject="Lettre de décembre", body="Bonjour,")
            self.comment = Comment.create(campaign=self.published.id, author=self.subject.id,
                                          body="Un commentaire signalé.")
            CommentReport.create(comment=self.comment.id, reporter=self.users["member"].id,
                                 reason="Hors sujet")

    def _failed_letter(self):
        """A participation in the closed campaign whose letter the SMTP server refused."""
        signature = Signature.create(
            campaign=self.closed.id, status=Signature.CONFIRMED, email="lou@example.net",
            email_key="lou@example.net", last_name="Petit", first_name="Lou",
            postal_code="35000", city="Rennes", country="FR", confirm_nonce="n" * 32,
            confirmed_at=utcnow())
        return OutboxMessage.create(
            category="letter", signature=signature.id, campaign=self.closed.id,
            to_addrs="ministere-ecologie@example.org", subject="Non à la privatisation",
            body_text="Madame la Ministre,", status=OutboxMessage.FAILED, attempts=8,
            last_error="550 refusé")

    def urls(self, app, rule):
        """The rule filled with every combination of real ids its arguments take."""
        names = sorted(rule.arguments)
        choices = [ARGUMENTS[name](self, rule.endpoint) for name in names]
        adapter = app.url_map.bind("interpelle.test")
        return [adapter.build(rule.endpoint, dict(zip(names, ids)))
                for ids in itertools.product(*choices)]


def clients(app):
    """A client per role, logged in, with a CSRF token of its own session."""
    made = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            log_in(client, EMAILS[role])
        token = csrf_token(client, "/connexion" if role == "anonymous" else "/compte")
        made[role] = (client, token)
    return made


def snapshot():
    """Every row of every table, as dicts, in a stable order.

    Plain SQL: building the peewee queries cost more than running them, hundreds of times.
    """
    tables = {}
    for model in ALL_MODELS:
        cursor = db.execute_sql(f'SELECT * FROM "{model._meta.table_name}" ORDER BY "id"')
        names = [column[0] for column in cursor.description]
        tables[model.__name__] = [dict(zip(names, row)) for row in cursor.fetchall()]
    return tables


def ask(client, method, url, mode, data=None):
    if method == "GET":
        response = client.get(url, headers=MODES[mode])
    else:
        response = client.post(url, data=data or {}, headers=MODES[mode])
    response.get_data()  # a streamed export runs to its end, inside the request
    return response


def sends_to_login(response, url):
    """A redirect to the login page that comes back to `url` afterwards."""
    if response.status_code not in (302, 303):
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/connexion" and parse_qs(location.query).get("next") == [url]


def refusal_problem(role, response, url):
    """Why a refused request's answer is wrong, or None."""
    if role == "anonymous":
        if sends_to_login(response, url) or response.status_code in (401, 403):
            return None
        return f"{response.status_code}, not the login page or 401/403"
    if response.status_code != 403:
        return f"{response.status_code}, not 403"
    if "Action non autorisée" not in response.get_data(as_text=True):
        return "403 without the French refusal"
    return None


def allowed_problem(method, response, url):
    """Why an allowed request's answer is wrong, or None."""
    status = response.status_code
    if method == "GET" and status != 200:
        return f"GET answered {status}, not 200"
    if method == "POST" and status not in (200, 303, 409, 422):
        return f"POST answered {status}, not 200/303/409/422"
    if status == 303 and urlsplit(response.headers["Location"]).path == "/connexion":
        return "sent to the login page"
    return None


@pytest.fixture
def app_config():
    """No cached anonymous page may outlive a test's database; a view that fails answers
    500 (a problem listed with all the others) instead of stopping the matrix there."""
    return {"PAGE_CACHE_SECONDS": 0, "PROPAGATE_EXCEPTIONS": False}


def test_every_guarded_route_has_an_expectation_and_real_arguments(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'routes.sqlite3'}")
    keys = route_keys(app)
    missing = sorted(keys - EXPECTED.keys())
    assert not missing, f"routes without an expectation in EXPECTED: {missing}"
    stale = sorted(EXPECTED.keys() - keys)
    assert not stale, f"expectations for routes that no longer exist: {stale}"
    unfilled = sorted({(rule.rule, name) for rule in guarded_rules(app)
                       for name in rule.arguments if name not in ARGUMENTS})
    assert not unfilled, f"arguments ARGUMENTS cannot fill with a real id: {unfilled}"


class Watch:
    """The tables as the last request left them: each request's "after" is the next one's
    "before", so a change is seen with one snapshot per request."""

    def __init__(self):
        self.rows = snapshot()

    def changed(self):
        before, self.rows = self.rows, snapshot()
        return self.rows != before


def check_request(watch, role, client, token, rule, method, url, mode):
    """One request of the matrix; returns the problems found, and whether rows changed."""
    allowed = role in EXPECTED[(rule.rule, method)]
    response = ask(client, method, url, mode, {"csrf_token": token})
    changed = watch.changed()
    where = f"{role:9} {mode:5} {method:4} {url}"
    problems = []
    problem = (allowed_problem(method, response, url) if allowed
               else refusal_problem(role, response, url))
    if problem:
        problems.append(f"{where}: {problem}")
    if not allowed and changed:
        problems.append(f"{where}: refused, yet rows changed")
    problems += cache_problem(rule, response, where)
    return problems, allowed and changed


def cache_problem(rule, response, where):
    """Every answer of the admin area and the proposal pages, refusals included (their
    `after_request` runs after a `before_request` refusal too), says no-store."""
    if rule.endpoint.startswith(NEVER_CACHED) and \
            "no-store" not in response.headers.get("Cache-Control", ""):
        return [f"{where}: {response.status_code} without Cache-Control: no-store"]
    return []


def test_each_role_gets_what_its_role_allows_and_refusals_change_nothing(app, database):
    rows = Rows(app)
    logged = clients(app)
    watch = Watch()
    problems, changes = [], 0
    for rule in guarded_rules(app):
        urls = rows.urls(app, rule)
        for method, url in itertools.product(methods_of(rule), urls):
            # Refused roles first, while every proposal still waits for its decision.
            for role, mode in itertools.product(ROLES, MODES):
                if role in EXPECTED[(rule.rule, method)] and url != urls[0]:
                    continue
                client, token = logged[role]
                found, changed = check_request(watch, role, client, token, rule, method,
                                               url, mode)
                problems += found
                changes += changed
    assert not problems, "\n".join(problems)
    # Allowed requests did real work (an approval, a retried letter) and the snapshot saw
    # it: its silence over the refusals means something.
    assert changes > 0


def test_a_post_without_its_csrf_token_is_refused_for_every_role_and_changes_nothing(
        app, database):
    rows = Rows(app)
    logged = clients(app)
    problems = []
    posts = [(rule, url) for rule in guarded_rules(app) if "POST" in rule.methods
             for url in rows.urls(app, rule)]
    assert posts
    watch = Watch()
    for (rule, url), role, mode in itertools.product(posts, ROLES, MODES):
        client, _ = logged[role]
        response = ask(client, "POST", url, mode, {"reason": "Sans jeton", "role": "admin"})
        where = f"{role:9} {mode:5} POST {url}"
        if response.status_code != 400 or "Formulaire expiré" not in response.get_data(
                as_text=True):
            problems.append(f"{where}: {response.status_code}, not the 400 of a missing token")
        problems += cache_problem(rule, response, where)
        if watch.changed():
            problems.append(f"{where}: no token, yet rows changed")
    assert not problems, "\n".join(problems)
