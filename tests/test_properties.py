"""Every public form driven with arbitrary input (hypothesis): never a 500, never an echo
of the input unescaped, nothing stored when the answer is a refusal.

The forms: signing (plain and htmx), its letter preview (/apercu), Inscription,
Connexion, Mot de passe oublié, the Lettre d'infos, and for a member: comments,
Proposer, Mon profil, Recommander par courriel; then every public page's query string.
The valid form has one to three fields made hostile: any Unicode (control characters,
NUL, RTL marks, joiners), raw bytes that are not UTF-8 (a surrogate's encoding among
them), strings of a few hundred kilobytes, and text around MARKER, a tag that must never
come back raw. Bodies go url-encoded, as multipart (a field sent as a file part, too),
or as raw percent-encoded bytes.
Examples are derandomized: a failure shows again on the next run, with the example
hypothesis printed.
"""
import io
import urllib.parse
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEMO_CYBERACTION, MEMBER_PASSWORD, csrf_token, log_in, make_member, signer
from models import ALL_MODELS

MARKER = '<h7-x onclick="alert(1)">'
MARKER_TAG = "<h7-x"
# Strings that broke forms elsewhere, drawn among the random ones.
NASTY = [
    "", " ", "\x00", "\r\n", "\u2028", "\u0085", "\u202e", "\u200d", "\ufeff", "\u00ad",
    "Zoe\u0301", "\U0001F469\u200d\U0001F4BB", "=1+1", "{{ 7*7 }}", "%s%n", "' OR 1=1 --",
    "\\", "../../etc/passwd", "a@b", "/\\evil.example/", "//evil.example", "javascript:x",
]


def of_length(text, length):
    return (text * (length // len(text) + 1))[:length]


# Any code point that UTF-8 can carry (surrogates alone cannot: they come as raw bytes).
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
# Up to a few hundred kilobytes: under MAX_CONTENT_LENGTH (1 MiB) in ASCII or as multipart,
# over it when percent-encoded from CJK (a 413, which is an answer too).
long_text = st.builds(of_length, st.one_of(
    st.sampled_from(["a", "é ", "字", "Lorem ipsum ", "\u200f\u05d0"]),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=6)),
    st.sampled_from([300, 5_000, 50_000, 250_000]))
marked_text = st.builds(lambda before, after: before + MARKER + after, any_text, any_text)
hostile = st.one_of(st.sampled_from(NASTY), any_text, long_text, marked_text)
# Percent-encoded as they are: not UTF-8, often; the first is a lone surrogate's encoding.
raw_bytes = st.one_of(st.just(b"\xed\xa0\x80"), st.just(b"\xff\xfe"), st.binary(max_size=40))


@st.composite
def field_values(draw, valid):
    """The valid form with one to three fields made hostile (bytes for raw bodies), so
    that the other validators, and sometimes the write, are reached too."""
    names = draw(st.lists(st.sampled_from(sorted(valid)), min_size=1, max_size=3, unique=True))
    values = dict(valid)
    for name in names:
        values[name] = draw(st.one_of(hostile, raw_bytes))
    return values


# "file": multipart with the first field sent as a file part, as a script can.
ENCODINGS = ("urlencoded", "multipart", "raw", "file")
requests = st.tuples(st.sampled_from(ENCODINGS), st.booleans())


def examples_for(database_url):
    return 40 if database_url.startswith("sqlite") else 12


def check(examples):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    print_blob=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


def row_counts():
    return {model.__name__: model.select().count() for model in ALL_MODELS}


def send(client, url, values, encoding, htmx, token):
    """POST `values` as the encoding says; bytes only travel raw, so they become text
    (decoded leniently) for the other two."""
    headers = {"HX-Request": "true"} if htmx else {}
    if encoding == "raw":
        fields = {name: (value if isinstance(value, bytes) else value.encode(
            "utf-8", "surrogatepass")) for name, value in values.items()}
        body = urllib.parse.urlencode({**fields, "csrf_token": token})
        return client.post(url, data=body, headers=headers,
                           content_type="application/x-www-form-urlencoded")
    text = {name: (value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
            for name, value in values.items()}
    data = {**text, "csrf_token": token}
    if encoding == "file":
        first = sorted(text)[0]
        data[first] = (io.BytesIO(text[first].encode("utf-8", "surrogatepass")), "champ.txt")
        return client.post(url, data=data, headers=headers, content_type="multipart/form-data")
    if encoding == "multipart":
        return client.post(url, data=data, headers=headers, content_type="multipart/form-data")
    return client.post(url, data=data, headers=headers)


def problems_of(response, before):
    """What is wrong with one answer; `before` holds the row counts it started from."""
    found = []
    if response.status_code >= 500:
        found.append(f"{response.status_code}")
    if MARKER_TAG.encode() in response.get_data():
        found.append("the marker came back unescaped")
    if response.status_code >= 400 and row_counts() != before:
        found.append(f"refused ({response.status_code}) yet rows were stored")
    return found


def drive(client, url, valid, examples, token, after=None):
    """Send `examples` hypothesis-made bodies for the form at `url`; fail on the first bad
    answer, with the example that gave it."""
    @check(examples)
    @given(values=field_values(valid), how=requests)
    def one_form(values, how):
        encoding, htmx = how
        before = row_counts()
        response = send(client, url, values, encoding, htmx, token)
        found = problems_of(response, before)
        if after is not None:
            found += after(response)
        assert not found, f"{url} {encoding} htmx={htmx}: {found}"

    one_form()


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_SECONDS": 0, "PROPAGATE_EXCEPTIONS": False}


LETTER = {"letter_subject": "Objet de la lettre", "letter_body": "Madame, Monsieur,\n\nTexte."}
SIGNING = {**signer(), **LETTER, "site-web-signer": ""}


@pytest.mark.parametrize("path", ["signer", "apercu"])
def test_the_signing_form_and_its_preview_take_any_input(app, client, database, database_url,
                                                         path):
    token = csrf_token(client)
    drive(client, f"{DEMO_CYBERACTION}/{path}", SIGNING, examples_for(database_url), token)


REGISTER = {**signer(email="inscription@example.net"), "password": "cheval-batterie-agrafe-9",
            "password_again": "cheval-batterie-agrafe-9", "site-web": ""}


def test_inscription_takes_any_input(app, client, database, database_url):
    drive(client, "/inscription", REGISTER, examples_for(database_url),
          csrf_token(client, "/inscription"))


def local_only(response):
    """A login that went through goes to a page of this site, whatever `next` said."""
    target = response.headers.get("HX-Redirect") or response.headers.get("Location")
    if target is None or response.status_code >= 400:
        return []
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(
            ("//", "/\\")):
        return [f"sent to {target!r}"]
    return []


def test_connexion_takes_any_input_and_never_leaves_the_site(app, client, database,
                                                              database_url):
    make_member(app)
    valid = {"email": "membre@example.net", "password": MEMBER_PASSWORD,
             "next": "/compte", "remember": ""}
    drive(client, "/connexion", valid, examples_for(database_url),
          csrf_token(client, "/connexion"), after=local_only)


def test_forgotten_password_takes_any_input(app, client, database, database_url):
    make_member(app)
    drive(client, "/mot-de-passe-oublie", {"email": "membre@example.net"},
          examples_for(database_url), csrf_token(client, "/mot-de-passe-oublie"))


def test_the_newsletter_form_takes_any_input(app, client, database, database_url):
    if "newsletter.subscribe" not in app.view_functions:
        pytest.fail("the Lettre d'infos form is not registered")
    drive(client, "/lettre-d-infos", {"email": "lectrice@example.net", "site-web": ""},
          examples_for(database_url), csrf_token(client, "/lettre-d-infos"))


def shown_later(client, *urls):
    """What was accepted is drawn again later, escaped there too."""
    for url in urls:
        assert MARKER_TAG.encode() not in client.get(url).get_data(), url


def member_client(app, client):
    make_member(app)
    log_in(client)
    return csrf_token(client, "/compte")


def test_comments_take_any_input(app, client, database, database_url):
    token = member_client(app, client)
    drive(client, f"{DEMO_CYBERACTION}/commentaires", {"text": "Bravo pour cette campagne."},
          examples_for(database_url), token)
    shown_later(client, DEMO_CYBERACTION, f"{DEMO_CYBERACTION}/commentaires")


PROPOSAL = {
    "kind": "petitions", "title": "Sauvons le lavoir", "summary": "Le lavoir du bourg.",
    "body": "Le **lavoir** doit rester.", "sources": "", "tags": "patrimoine",
    "proposer": "Camille Martin", "targets": "Mairie <mairie@example.org>",
    "letter_subject": "Le lavoir", "letter_body": "Madame la Maire,\n\nGardons le lavoir.",
    "letter_editable": "y",
}


def test_proposer_takes_any_input(app, client, database, database_url):
    token = member_client(app, client)
    drive(client, "/proposer", PROPOSAL, examples_for(database_url), token)
    shown_later(client, "/proposer")


def test_mon_profil_takes_any_input(app, client, database, database_url):
    token = member_client(app, client)
    profile = {key: value for key, value in signer().items() if key != "email"}
    drive(client, "/compte", profile, examples_for(database_url), token)
    shown_later(client, "/compte")


def test_recommander_takes_any_input(app, client, database, database_url):
    token = member_client(app, client)
    valid = {"recommander-sender_name": "Camille Martin",
             "recommander-address_1": "ami@example.net",
             "recommander-address_2": "", "recommander-personal_word": "Signe, c'est important."}
    drive(client, f"{DEMO_CYBERACTION}/recommander", valid, examples_for(database_url), token)


# Query strings ------------------------------------------------------------------------------

QUERY_NAMES = ["q", "page", "avant", "postal_code", "city", "country", "instance", "next",
               "contexte", "tag", "format", "lang"]
query_strings = st.dictionaries(st.sampled_from(QUERY_NAMES), st.one_of(hostile, raw_bytes),
                                min_size=1, max_size=3)


def public_pages(app):
    """Every public GET rule, built with the demo campaign, from the route table."""
    from test_route_matrix import PUBLIC, access_table
    table = access_table()
    adapter = app.url_map.bind("interpelle.test")
    values = {"kind": "cyberactions", "slug": DEMO_CYBERACTION.rsplit("/", 1)[1],
              "departement": "35", "filename": "css/site.css", "format": "atom",
              "unknown": "inconnue"}
    return sorted({adapter.build(rule.endpoint, {name: values[name] for name in rule.arguments})
                   for rule in app.url_map.iter_rules()
                   if table.get((rule.rule, "GET")) == PUBLIC
                   and set(rule.arguments) <= set(values)})


def test_every_public_page_takes_any_query_string(app, client, database, database_url):
    pages = public_pages(app)
    assert len(pages) > 20

    @check(examples_for(database_url))
    @given(page=st.sampled_from(pages), query=query_strings, htmx=st.booleans())
    def one_page(page, query, htmx):
        encoded = urllib.parse.urlencode({name: (value if isinstance(value, bytes) else
                                                 value.encode("utf-8", "surrogatepass"))
                                          for name, value in query.items()})
        response = client.get(f"{page}?{encoded}",
                              headers={"HX-Request": "true"} if htmx else {})
        status = response.status_code
        assert status < 500 or (page == "/healthz" and status == 503), (page, query, status)
        assert MARKER_TAG.encode() not in response.get_data(), (page, query)

    one_page()
