"""Comments under a campaign: reading, posting with and without htmx, plain text made safe,
pagination, deleting one's own, reporting, the inline login, deleted accounts, rate limits."""
import datetime as dt
import re

import pytest

from conftest import (
    DEMO_CYBERACTION, DEMO_PETITION, MEMBER_PASSWORD, assert_no_table_holds, campaign_at,
    csrf_token, delete_own_account, log_in, make_member,
)
from models import Comment, CommentReport, User
from services import comments

COMMENTS = f"{DEMO_CYBERACTION}/commentaires"
XSS_CORPUS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<a href=\"javascript:alert(1)\">clic</a>",
    "https://exemple.org/\"onmouseover=\"alert(1)",
    "https://exemple.org/<script>alert(2)</script>",
    "javascript:alert(3)",
    "<svg/onload=alert(4)>",
    "{{ 7 * 7 }} {% raw %}",
    "<iframe src=\"https://evil.example\"></iframe>",
    "&lt;b&gt;déjà échappé&lt;/b&gt;",
]
RAW_MARKERS = ["<script>alert", "<img", "<svg", "<iframe", 'href="javascript:', '"onmouseover=',
               "<a href=\"javascript", "<b>"]


@pytest.fixture
def app_config(request):
    """No cached anonymous pages (they would outlive this test's database), unless a test
    asks for them with `indirect=True`."""
    return {"PAGE_CACHE_SECONDS": 0, **getattr(request, "param", {})}


def add_comment(author, text="Un commentaire.", url=DEMO_CYBERACTION, at=None):
    """A comment stored as the service stores it; `at` sets its (UTC) time."""
    comment = comments.post(campaign_at(url), author, text)
    if at is not None:
        Comment.update(created_at=at).where(Comment.id == comment.id).execute()
    return comment


def post_comment(client, text, url=DEMO_CYBERACTION, token=None):
    token = token or csrf_token(client, url)
    return client.post(f"{url}/commentaires", data={"csrf_token": token, "text": text})


def comment_ids(html):
    return [int(n) for n in re.findall(r'<li id="commentaire-(\d+)"', html)]


def assert_escaped(html):
    for marker in RAW_MARKERS:
        assert marker not in html, marker


def test_everyone_sees_comments_newest_first_with_count_name_and_paris_time(app, client,
                                                                          database):
    author = make_member(app)
    add_comment(author, "Le premier.", at=dt.datetime(2025, 4, 19, 13, 54, 30))
    add_comment(author, "Le deuxième.", at=dt.datetime(2025, 4, 19, 14, 0, 0))
    newest = add_comment(author, "Le dernier.", at=dt.datetime(2025, 4, 20, 8, 0, 0))

    html = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "<strong>3</strong> commentaires" in html
    assert comment_ids(html)[0] == newest.id
    assert html.index("Le dernier.") < html.index("Le deuxième.") < html.index("Le premier.")
    assert "19/04/2025 - 15:54:30" in html  # 13:54:30 UTC is 15:54:30 in Paris (summer time)
    assert "Camille M." in html and "Martin" not in html
    assert "membre@example.net" not in html


def test_visitor_is_invited_to_log_in_inline_with_its_own_field_ids(client, database):
    html = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "Vous devez posséder un compte pour pouvoir poster un commentaire" in html
    assert 'id="connexion-commentaire"' in html
    for field in ("email", "password", "remember"):
        assert f'<label for="connexion-commentaire-{field}"' in html
    comment_login = html[html.index('id="connexion-commentaire"'):]
    assert ">Courriel" in comment_login and ">Mot de passe" in comment_login
    assert "Rester connecté-e" in comment_login
    assert 'name="text"' not in html  # no comment form for a visitor
    assert "Aucun commentaire pour l'instant." in html


def test_inline_comment_login_reloads_the_page_at_the_comments(app, client, htmx, database):
    make_member(app)
    token = csrf_token(htmx)
    bad = htmx.post(f"{COMMENTS}/connexion", data={
        "connexion-commentaire-csrf_token": token,
        "connexion-commentaire-email": "membre@example.net",
        "connexion-commentaire-password": "pas le bon mot de passe"})
    assert bad.status_code == 422
    assert "Adresse électronique ou mot de passe incorrect" in bad.get_data(as_text=True)

    good = htmx.post(f"{COMMENTS}/connexion", data={
        "connexion-commentaire-csrf_token": token,
        "connexion-commentaire-email": "membre@example.net",
        "connexion-commentaire-password": MEMBER_PASSWORD})
    assert good.status_code == 200
    assert good.headers["HX-Redirect"] == f"{DEMO_CYBERACTION}#commentaires"
    assert good.headers["HX-Refresh"] == "true"
    assert 'id="commentaire-texte"' in htmx.get(DEMO_CYBERACTION).get_data(as_text=True)

    # Without JavaScript: Post/Redirect/Get to the comments.
    plain = client.post(f"{COMMENTS}/connexion", data={
        "connexion-commentaire-csrf_token": csrf_token(client),
        "connexion-commentaire-email": "membre@example.net",
        "connexion-commentaire-password": MEMBER_PASSWORD})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"{DEMO_CYBERACTION}#commentaires")


def test_member_posts_with_htmx_comment_tops_the_list_and_count_swaps_out_of_band(
        app, htmx, database):
    author = make_member(app)
    add_comment(author, "Plus ancien.")
    log_in(htmx)
    response = post_comment(htmx, "Tout frais.")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert 'id="commentaire-form"' in html and "Votre commentaire est publié." in html
    assert '<ol hx-swap-oob="afterbegin:#commentaires-liste">' in html
    assert "Tout frais." in html and "Plus ancien." not in html
    assert re.search(r'id="commentaires-compte"[^>]*hx-swap-oob="true"', html)
    assert "<strong>2</strong> commentaires" in html
    new = Comment.get(Comment.body == "Tout frais.")
    assert new.author_id == author.id
    assert comment_ids(htmx.get(DEMO_CYBERACTION).get_data(as_text=True))[0] == new.id


def test_member_posts_without_javascript_by_post_redirect_get(app, client, database):
    make_member(app)
    log_in(client)
    response = post_comment(client, "Sans JavaScript.")
    comment = Comment.get()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{DEMO_CYBERACTION}#commentaire-{comment.id}")
    page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "Votre commentaire est publié." in page and "Sans JavaScript." in page
    assert "<strong>1</strong> commentaire\n" in page


@pytest.mark.parametrize("text, message", [
    ("", "Le commentaire ne peut pas être vide."),
    ("   \n  ", "Le commentaire ne peut pas être vide."),
    ("x" * 3001, "Entre 1 et 3000 caractères"),
    ("caractère\x00invisible", "caractères invisibles non autorisés"),
])
def test_bad_comments_come_back_with_french_errors_in_place(app, client, htmx, database, text,
                                                            message):
    make_member(app)
    log_in(htmx)
    response = post_comment(htmx, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith("<form id=\"commentaire-form\"")
    assert message in html and 'aria-invalid="true"' in html
    log_in(client)
    page = post_comment(client, text)
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    assert "<h1>" in page.get_data(as_text=True)  # the whole campaign page, form in place
    assert Comment.select().count() == 0


def test_three_thousand_characters_and_crlf_line_breaks_are_accepted(app, client, database):
    make_member(app)
    log_in(client)
    text = ("a" * 1499 + "\r\n") * 2  # 3,000 characters once the browser's CRLF are LF
    assert post_comment(client, text.strip()).status_code == 303
    assert Comment.get().body == ("a" * 1499 + "\n" + "a" * 1499)


def test_plain_text_keeps_line_breaks_and_links_are_safe(app, client, database):
    author = make_member(app)
    add_comment(author, "Bonjour,\nlisez https://exemple.org/page?a=1&b=2.\n\n*Merci* <b>!</b>")
    html = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "<p>Bonjour,<br>\nlisez " in html
    assert ('<a href="https://exemple.org/page?a=1&amp;b=2" rel="nofollow ugc noopener">'
            "https://exemple.org/page?a=1&amp;b=2</a>.") in html
    assert "<p>*Merci* &lt;b&gt;!&lt;/b&gt;</p>" in html


def test_xss_corpus_comes_back_escaped_on_page_fragment_and_moderation(app, client, htmx,
                                                                      database):
    author = make_member(app)
    make_member(app, email="moderatrice@example.net", role="moderator")
    for payload in XSS_CORPUS:
        add_comment(author, payload)
    for filler in range(comments.PAGE_SIZE):  # pushes the corpus onto the second page too
        add_comment(author, f"Remplissage {filler}")
    log_in(htmx)
    posted = post_comment(htmx, XSS_CORPUS[0] + "\n" + XSS_CORPUS[1])
    assert posted.status_code == 200
    first = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    more = re.search(r'href="([^"]+avant=\d+)"', first).group(1).replace("&amp;", "&")
    pages = [first, posted.get_data(as_text=True), htmx.get(more).get_data(as_text=True),
             client.get(more).get_data(as_text=True)]
    moderator = app.test_client()
    log_in(moderator, "moderatrice@example.net")
    pages.append(moderator.get("/moderation").get_data(as_text=True))
    for html in pages:
        assert_escaped(html)
    everything = "".join(pages)
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in everything
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in everything
    assert "&amp;lt;b&amp;gt;déjà échappé&amp;lt;/b&amp;gt;" in everything
    assert "{{ 7 * 7 }}" in everything  # not evaluated by the template either


def test_voir_plus_loads_the_next_page_in_place_or_as_a_page_without_javascript(
        app, client, htmx, database):
    author = make_member(app)
    made = [add_comment(author, f"Commentaire {n}") for n in range(comments.PAGE_SIZE + 3)]
    page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert comment_ids(page) == [c.id for c in reversed(made)][:comments.PAGE_SIZE]
    assert f"<strong>{len(made)}</strong> commentaires" in page
    link = re.search(r'<a class="button button-small" href="([^"]+)" hx-get="([^"]+)" '
                     r'hx-target="closest li" hx-swap="outerHTML">Voir plus', page)
    assert link and link.group(1) == link.group(2)
    more = link.group(1).replace("&amp;", "&")

    fragment = htmx.get(more)
    assert "HX-Request" in fragment.headers["Vary"]
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith('<li id="commentaire-')
    assert comment_ids(html) == [c.id for c in reversed(made)][comments.PAGE_SIZE:]
    assert "Voir plus" not in html

    full = client.get(more).get_data(as_text=True)
    assert "<html" in full and comment_ids(full) == comment_ids(html)


def test_author_deletes_own_comment_in_place_and_the_count_follows(app, htmx, client, database):
    author = make_member(app)
    keep = add_comment(author, "Je reste.")
    gone = add_comment(author, "Je pars.")
    log_in(htmx)
    response = htmx.post(f"/commentaires/{gone.id}/supprimer",
                         data={"csrf_token": csrf_token(htmx)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<li id="commentaire-{gone.id}" class="comment comment-gone"' in html
    assert "Votre commentaire est supprimé." in html and "<strong>1</strong> commentaire" in html
    assert [c.id for c in Comment.select()] == [keep.id]

    log_in(client)
    plain = client.post(f"/commentaires/{keep.id}/supprimer",
                        data={"csrf_token": csrf_token(client)})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#commentaires")
    assert Comment.select().count() == 0


def test_member_reports_a_comment_once_with_an_optional_reason(app, htmx, client, database):
    author = make_member(app)
    comment = add_comment(author, "Propos douteux.")
    make_member(app, email="vigilante@example.net", first_name="Véra", last_name="Gilant")
    log_in(htmx, "vigilante@example.net")
    token = csrf_token(htmx)
    response = htmx.post(f"/commentaires/{comment.id}/signaler",
                         data={"csrf_token": token, "reason": "Propos injurieux"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "votre signalement est transmis aux modérateurs" in html
    assert "Vous avez signalé ce commentaire." in html
    again = htmx.post(f"/commentaires/{comment.id}/signaler", data={"csrf_token": token})
    assert again.status_code == 200
    report = CommentReport.get()
    assert CommentReport.select().count() == 1
    assert report.reason == "Propos injurieux" and report.reporter.email == "vigilante@example.net"

    other = add_comment(author, "Autre propos.")
    too_long = htmx.post(f"/commentaires/{other.id}/signaler",
                         data={"csrf_token": token, "reason": "x" * 501})
    assert too_long.status_code == 422 and "Entre 1 et 500 caractères" in \
        too_long.get_data(as_text=True)

    log_in(client, "vigilante@example.net")
    plain = client.post(f"/commentaires/{comment.id}/signaler",
                        data={"csrf_token": csrf_token(client)})
    assert plain.status_code == 303


def test_deleted_account_leaves_its_comments_as_compte_supprime_without_personal_data(
        app, client, database):
    make_member(app, last_name="Quintessence")
    log_in(client)
    post_comment(client, "Mon avis reste.")
    other = make_member(app, email="autre@example.net")
    CommentReport.create(comment=add_comment(other, "À signaler"), reporter=User.get(
        User.email == "membre@example.net"), reason="test")
    assert delete_own_account(client).status_code == 303
    assert_no_table_holds("membre@example.net", "Quintessence")
    kept = Comment.get(Comment.body == "Mon avis reste.")
    assert kept.author_id is None
    html = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "Mon avis reste." in html and "Compte supprimé" in html
    assert CommentReport.get().reporter_id is None


def test_comments_belong_to_their_campaign(app, client, database):
    author = make_member(app)
    add_comment(author, "Sur la pétition.", url=DEMO_PETITION)
    assert "Sur la pétition." not in client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "Sur la pétition." in client.get(DEMO_PETITION).get_data(as_text=True)


def test_ids_stay_unique_for_members_and_moderators(app, database):
    author = make_member(app)
    make_member(app, email="moderatrice@example.net", role="moderator")
    for n in range(3):
        add_comment(author, f"Commentaire {n}")
    for email in ("membre@example.net", "moderatrice@example.net"):
        client = app.test_client()
        log_in(client, email)
        html = client.get(DEMO_CYBERACTION).get_data(as_text=True)
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        for target in re.findall(r'<label for="([^"]+)"', html):
            assert target in ids, target


LIMITED = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://",
           "COMMENT_RATE_LIMIT": "2 per minute", "REPORT_RATE_LIMIT": "2 per minute"}


@pytest.mark.parametrize("app_config", [LIMITED], indirect=True)
def test_posting_and_reporting_are_rate_limited_per_member(app, database):
    author = make_member(app, email="auteur@example.net")
    targets = [add_comment(author, f"Cible {n}") for n in range(3)]
    make_member(app)
    make_member(app, email="seconde@example.net")
    first, second = app.test_client(), app.test_client()
    log_in(first)
    log_in(second, "seconde@example.net")  # same address of origin, another account
    token = csrf_token(first)
    assert [post_comment(first, f"Message {n}", token=token).status_code
            for n in range(3)] == [303, 303, 429]
    assert "Trop de tentatives" in post_comment(first, "Encore", token=token).get_data(
        as_text=True)
    assert post_comment(second, "Moi aussi").status_code == 303
    reports = [first.post(f"/commentaires/{target.id}/signaler", data={"csrf_token": token})
               for target in targets]
    assert [r.status_code for r in reports] == [303, 303, 429]
    assert Comment.select().where(Comment.author != author.id).count() == 3
    assert CommentReport.select().count() == 2
