"""Who may use every route of the URL map, and what a stranger to it gets.

One table, ROUTES, says for each rule and method what it lets in: anyone ("public"), an
account ("member"), the staff, a holder of an emailed link ("token"), or nobody on a real
site ("dev-only", "bench-only"). The staff's routes (/admin, /moderation, /proposer) take
their line from EXPECTED in test_authorisation.py, whose matrix asks them with every role;
this file asks every other rule with an anonymous visitor, a member, a moderator and an
admin, plain and htmx, and checks that:

- a rule of the URL map without a line fails the first test, named;
- anonymous visitors are sent to the login page by the members' routes;
- a made-up link, or a real link of another purpose, is a 404/410, shows nobody's data and
  changes no row;
- no GET changes a row, no refusal changes a row, nothing answers 500;
- no answer to an anonymous visitor holds an address of a participant or a member.

A route added later gets one line here (or in EXPECTED, for the staff's areas).
"""
import itertools
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import (
    DEMO_CYBERACTION, campaign_at, csrf_token, log_in, make_member, make_test_app,
)
from models import Comment, Signature, Subscriber, utcnow
from services import messages
from services.tokens import make_token
from test_authorisation import ADMINS, EXPECTED, MEMBERS, MODERATORS, PREFIXES, Watch

PUBLIC = "public"
MEMBER = "member"
MODERATOR = "moderator"
ADMIN = "admin"
# The token in the URL is the key: a bogus one gets a 404/410 and nothing else.
TOKEN = "token"
# A page that only holds the button of an emailed link: any token draws the same page, the
# token is checked when the button is pressed (its POST is a TOKEN line).
TOKEN_BUTTON = "token-button"
# Registered only with DEV_MAILBOX (development without SMTP) or BENCH_FLOOR (the
# benchmark): absent from a real site, which the last tests check.
DEV_ONLY = "dev-only"
BENCH_ONLY = "bench-only"

ROUTES = {
    ("/", "GET"): PUBLIC,
    ("/pages/<slug>", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/apercu", "POST"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/commentaires", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/commentaires", "POST"): MEMBER,
    ("/<any(cyberactions, petitions):kind>/<slug>/commentaires/connexion", "POST"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/compteur", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/connexion", "POST"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/elus", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/merci", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/signataires", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/signer", "POST"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/signer-en-un-clic", "POST"): MEMBER,
    ("/bilans", "GET"): PUBLIC,
    ("/langue", "POST"): PUBLIC,
    ("/commentaires/<int:comment_id>/signaler", "POST"): MEMBER,
    ("/commentaires/<int:comment_id>/supprimer", "POST"): MEMBER,
    ("/communes", "GET"): PUBLIC,
    ("/compte", "GET"): MEMBER,
    ("/compte", "POST"): MEMBER,
    ("/compte/courriel", "POST"): MEMBER,
    ("/compte/courriel/<token>", "GET"): TOKEN_BUTTON,
    ("/compte/courriel/<token>", "POST"): TOKEN,
    ("/compte/donnees.json", "GET"): MEMBER,
    ("/compte/mot-de-passe", "POST"): MEMBER,
    ("/compte/supprimer", "GET"): MEMBER,
    ("/compte/supprimer", "POST"): MEMBER,
    ("/compte/verifier/<token>", "GET"): TOKEN_BUTTON,
    ("/compte/verifier/<token>", "POST"): TOKEN,
    ("/confirmer/<token>", "GET"): TOKEN,
    ("/confirmer/<token>", "POST"): TOKEN,
    ("/connexion", "GET"): PUBLIC,
    ("/connexion", "POST"): PUBLIC,
    ("/deconnexion", "POST"): PUBLIC,
    ("/elus", "GET"): PUBLIC,
    ("/elus/<departement>", "GET"): PUBLIC,
    ("/healthz", "GET"): PUBLIC,
    ("/inscription", "GET"): PUBLIC,
    ("/inscription", "POST"): PUBLIC,
    ("/liste-rapide", "GET"): PUBLIC,
    ("/liste-rapide/<int:campaign_id>/signer", "POST"): MEMBER,
    ("/mot-de-passe-oublie", "GET"): PUBLIC,
    ("/mot-de-passe-oublie", "POST"): PUBLIC,
    ("/mot-de-passe/<token>", "GET"): TOKEN,
    ("/mot-de-passe/<token>", "POST"): TOKEN,
    ("/participation/<token>", "GET"): TOKEN,
    ("/participation/<token>/masquer", "POST"): TOKEN,
    ("/participation/<token>/retirer", "POST"): TOKEN,
    ("/recherche", "GET"): PUBLIC,
    ("/static/<path:filename>", "GET"): PUBLIC,
    # Reach (issue 10): share cards, feeds, discovery, open data, the Lettre d'infos.
    ("/<any(cyberactions, petitions):kind>/<slug>/carte.png", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/widget", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/partager/mastodon", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/recommander", "GET"): PUBLIC,
    ("/<any(cyberactions, petitions):kind>/<slug>/recommander", "POST"): PUBLIC,
    ("/api/<any(cyberactions, petitions):kind>/<slug>", "GET"): PUBLIC,
    ("/api/", "GET"): PUBLIC,
    ("/api/<path:unknown>", "GET"): PUBLIC,
    ("/api/campaigns", "GET"): PUBLIC,
    ("/flux/bilans.<any(atom, rss):format>", "GET"): PUBLIC,
    ("/flux/campagnes.<any(atom, rss):format>", "GET"): PUBLIC,
    ("/robots.txt", "GET"): PUBLIC,
    ("/sitemap.xml", "GET"): PUBLIC,
    ("/compte/lettre-d-infos", "POST"): MEMBER,
    ("/lettre-d-infos", "GET"): PUBLIC,
    ("/lettre-d-infos", "POST"): PUBLIC,
    ("/lettre-d-infos/confirmer/<token>", "GET"): TOKEN,
    ("/lettre-d-infos/confirmer/<token>", "POST"): TOKEN,
    ("/lettre-d-infos/desabonner/<token>", "GET"): TOKEN,
    # Also the one-click POST of RFC 8058 (tests/test_csrf_matrix.py).
    ("/lettre-d-infos/desabonner/<token>", "POST"): TOKEN,
    ("/dev/courriels/", "GET"): DEV_ONLY,
    ("/dev/courriels/<int:message_id>", "GET"): DEV_ONLY,
    ("/_bench/floor", "POST"): BENCH_ONLY,
}

STAFF_LEVELS = {ADMINS: ADMIN, MODERATORS: MODERATOR, MEMBERS: MEMBER}
ROLES = ("anonymous", "member", "moderator", "admin")
LET_IN = {PUBLIC: set(ROLES), MEMBER: {"member", "moderator", "admin"},
          MODERATOR: {"moderator", "admin"}, ADMIN: {"admin"}}
EMAILS = {"member": "membre@example.net", "moderator": "moderatrice@example.net",
          "admin": "admin@example.net"}
MODES = {"plain": {}, "htmx": {"HX-Request": "true"}}
# Addresses no page may show to a visitor: a participant's and a member's.
PRIVATE_ADDRESSES = ("lou.participante@example.net", "cible@example.net", "membre@example.net")
# These end every session of their account: the clients log in again afterwards.
SESSION_ENDING = {"accounts.logout"}
# Answers other than 200 to a GET, below 500 or not, that are the route's message.
MEANT_STATUSES = {
    "system.healthz": {503: "no worker beats in a test: the check says so"},
    "api.not_found": {404: "an address the API does not have, answered in JSON"},
    "reach.share_on_mastodon": {400: "no Mastodon server named: the page asks for one"},
    # The rows fill <slug> with a campaign's: no page of the site has it (its own tests).
    "site_pages.page": {404: "a campaign's slug is not a page of the site"},
}
# Members' routes that also ask who owns the row: a 403 there is about the row, not the role.
OWNER_ONLY = {"comments.delete": "only its author deletes a comment",
              "reach.recommend": "a member, or a visitor who has just signed, recommends"}


def access_table():
    """ROUTES, with the staff's lines as test_authorisation.py states them."""
    table = dict(ROUTES)
    for key, roles in EXPECTED.items():
        table[key] = STAFF_LEVELS[roles]
    return table


def methods_of(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def every_rule_app(tmp_path):
    """The application with every optional blueprint: the table must know them all."""
    return make_test_app(f"sqlite:///{tmp_path / 'routes.sqlite3'}", DEV_MAILBOX=True,
                         BENCH_FLOOR=True)


def route_keys(app):
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            for method in methods_of(rule)}


class Rows:
    """The accounts and rows that fill the rules' arguments, and the links to try."""

    def __init__(self, app):
        self.users = {role: make_member(app, email, role=role) for role, email in EMAILS.items()}
        self.subject = make_member(app, "cible@example.net", first_name="Noé", last_name="Cible")
        with app.app_context():
            self.published = campaign_at(DEMO_CYBERACTION)
            self.comment = Comment.create(campaign=self.published.id, author=self.subject.id,
                                          body="Un commentaire d'une autre membre.")
            self.signature = Signature.create(
                campaign=self.published.id, status=Signature.PENDING,
                email="lou.participante@example.net", email_key="lou.participante@example.net",
                last_name="Petit", first_name="Lou", postal_code="35000", city="Rennes",
                country="FR", confirm_nonce="f" * 32, created_at=utcnow())
            # A real link, signed by this site, for another purpose than any route takes
            # without an account: a route that forgot to check the purpose would accept it.
            self.foreign_token = make_token("another-purpose", self.signature.confirm_nonce)
            self.manage_as_confirm = make_token(messages.MANAGE_PURPOSE,
                                                self.signature.confirm_nonce)

    def arguments(self, rule):
        """Each set of values to build the rule with."""
        fixed = {
            "kind": self.published.kind, "slug": self.published.slug,
            "campaign_id": self.published.id, "comment_id": self.comment.id,
            "user_id": self.subject.id, "departement": "35", "filename": "css/site.css",
            "message_id": 1, "format": "atom", "unknown": "inconnue",
        }
        tokens = ["jeton-invente", self.foreign_token]
        if rule.endpoint.startswith("campaigns.confirm"):
            tokens.append(self.manage_as_confirm)
        unknown = set(rule.arguments) - set(fixed) - {"token"}
        assert not unknown, f"{rule.rule}: no real value for {sorted(unknown)} in Rows.arguments"
        base = {name: fixed[name] for name in rule.arguments if name != "token"}
        if "token" not in rule.arguments:
            return [base]
        return [{**base, "token": token} for token in tokens]


def logged_clients(app):
    made = {}
    for role in ROLES:
        made[role] = fresh_client(app, role)
    return made


def fresh_client(app, role):
    client = app.test_client()
    if role != "anonymous":
        log_in(client, EMAILS[role])
    token = csrf_token(client, "/connexion" if role == "anonymous" else "/compte")
    return client, token


def ask(client, method, url, mode, token):
    if method == "GET":
        response = client.get(url, headers=MODES[mode])
    else:
        response = client.open(url, method=method, data={"csrf_token": token},
                               headers=MODES[mode])
    response.get_data()
    return response


def sent_to_login(response, url):
    if response.status_code not in (302, 303):
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/connexion" and parse_qs(location.query).get("next") == [
        urlsplit(url).path]


def outcome_problem(access, role, method, url, response, endpoint):
    """Why this answer is wrong for the line's access and the role, or None."""
    status = response.status_code
    if status >= 500 and status not in MEANT_STATUSES.get(endpoint, {}):
        return f"{status}"
    if access in (TOKEN,):
        return None if status in (400, 404, 410) else f"{status} for a bogus link, not 404/410"
    if access == TOKEN_BUTTON:
        return None if status == 200 else f"{status}, not the page with its button"
    if role not in LET_IN[access]:
        if sent_to_login(response, url) or status == 401:
            return None
        return f"{status}, not the login page"
    if status == 403 and endpoint in OWNER_ONLY:
        return None
    if sent_to_login(response, url) or status in (401, 403):
        return f"{status}: refused a role the line lets in"
    if method == "GET" and status != 200 and status not in MEANT_STATUSES.get(endpoint, {}):
        return f"GET answered {status}, not 200"
    return None


def privacy_problem(role, response):
    if role != "anonymous":
        return None
    body = response.get_data()
    shown = [address for address in PRIVATE_ADDRESSES if address.encode() in body]
    return f"shows {shown} to an anonymous visitor" if shown else None


@pytest.fixture
def app_config():
    """No cached page may outlive a test's database; a failing view answers 500 (listed
    with the other problems) rather than stopping the matrix."""
    return {"PAGE_CACHE_SECONDS": 0, "PROPAGATE_EXCEPTIONS": False}


def test_every_rule_of_the_url_map_has_a_line_in_the_table(tmp_path):
    app = every_rule_app(tmp_path)
    keys = route_keys(app)
    table = access_table()
    missing = sorted(keys - table.keys())
    assert not missing, ("rules without a line in ROUTES (tests/test_route_matrix.py; the "
                         f"staff's areas: EXPECTED in tests/test_authorisation.py): {missing}")
    stale = sorted(table.keys() - keys)
    assert not stale, f"lines for rules that no longer exist: {stale}"


def test_the_optional_routes_are_absent_from_a_real_site(app, client, database):
    optional = {key for key, access in ROUTES.items() if access in (DEV_ONLY, BENCH_ONLY)}
    present = sorted(optional & route_keys(app))
    assert not present, f"development or benchmark routes on a real site: {present}"
    assert client.get("/dev/courriels/").status_code == 404
    assert client.post("/_bench/floor").status_code in (400, 404)


def checked_rules(app):
    """The rules this file asks (the staff's are asked by test_authorisation.py)."""
    return sorted((rule for rule in app.url_map.iter_rules()
                   if not rule.rule.startswith(PREFIXES)), key=lambda rule: rule.rule)


def test_every_route_answers_each_role_as_its_line_says(app, database):
    rows = Rows(app)
    logged = logged_clients(app)
    table = access_table()
    adapter = app.url_map.bind("interpelle.test")
    watch = Watch()
    problems, asked = [], 0
    for rule in checked_rules(app):
        for method, values, role, mode in itertools.product(
                methods_of(rule), rows.arguments(rule), ROLES, MODES):
            access = table.get((rule.rule, method))
            if access is None:
                continue  # the first test names it
            url = adapter.build(rule.endpoint, values)
            client, token = logged[role]
            response = ask(client, method, url, mode, token)
            asked += 1
            changed = watch.changed()
            if rule.endpoint in SESSION_ENDING:
                logged = logged_clients(app)
                watch.changed()  # logging in again is not the request's doing
            where = f"{role:9} {mode:5} {method:4} {url}"
            for problem in (outcome_problem(access, role, method, url, response, rule.endpoint),
                            privacy_problem(role, response)):
                if problem:
                    problems.append(f"{where}: {problem}")
            refused = access == TOKEN or role not in LET_IN.get(access, set(ROLES))
            if changed and (method == "GET" or refused):
                problems.append(f"{where}: rows changed")
    assert not problems, "\n".join(problems)
    assert asked > 300


def real_links(app, rows):
    """A working link for each GET that takes a token."""
    from services import accounts, newsletter
    with app.app_context():
        waiting = Subscriber.create(email="attente@example.net", email_key="attente@example.net",
                                    status=Subscriber.PENDING, token="b" * 32)
        reader = Subscriber.create(email="lectrice@example.net",
                                   email_key="lectrice@example.net",
                                   status=Subscriber.SUBSCRIBED, token="a" * 32)
        return {
            "campaigns.confirm_page": messages.confirmation_url(rows.signature),
            "campaigns.participation": messages.manage_url(rows.signature),
            "accounts.reset_password": accounts._reset_url(rows.subject),
            "newsletter.confirm": newsletter.confirmation_url(waiting),
            "newsletter.unsubscribe": newsletter.unsubscribe_url(reader),
        }


def test_a_real_link_opens_its_page(app, client, database):
    """The matrix's links are bogus; each token GET with a link that works answers 200."""
    rows = Rows(app)
    links = real_links(app, rows)
    token_gets = {rule.endpoint for rule in checked_rules(app) if "GET" in rule.methods
                  and access_table().get((rule.rule, "GET")) == TOKEN}
    assert token_gets <= links.keys(), f"no working link for {sorted(token_gets - links.keys())}"
    for endpoint, url in links.items():
        response = client.get(url.removeprefix("http://interpelle.test"))
        assert response.status_code == 200, (endpoint, response.status_code)
