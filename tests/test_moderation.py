"""Moderation: who may do what (checked on the server), hiding in place, hidden comments kept
from the public everywhere, blocking members, the moderation page and the audit log."""
import re

import pytest

from conftest import DEMO_CYBERACTION, campaign_at, csrf_token, log_in, make_member
from models import Campaign, Comment, CommentReport, ModerationAction, User
from services import comments
from test_comments import add_comment, comment_ids, post_comment

ROLES = ("anonymous", "member", "author", "moderator", "admin")
EMAILS = {"member": "membre@example.net", "author": "auteur@example.net",
          "moderator": "moderatrice@example.net", "admin": "admin@example.net"}
MODERATORS_ONLY = dict(anonymous=302, member=403, author=403, moderator=303, admin=303)
# Each comment endpoint: how to call it in a scenario, and the answer expected for each role
# (without JavaScript; htmx gets 200 where this says 303).
ENDPOINTS = {
    "post": ("POST", lambda s: f"{DEMO_CYBERACTION}/commentaires", {"text": "Nouveau"},
             dict(anonymous=302, member=303, author=303, moderator=303, admin=303)),
    "delete": ("POST", lambda s: f"/commentaires/{s.visible.id}/supprimer", {},
               dict(anonymous=302, member=403, author=303, moderator=403, admin=403)),
    "report": ("POST", lambda s: f"/commentaires/{s.visible.id}/signaler", {"reason": "Spam"},
               dict(anonymous=302, member=303, author=403, moderator=303, admin=303)),
    "hide": ("POST", lambda s: f"/moderation/commentaires/{s.visible.id}/masquer",
             {"reason": "Hors sujet"}, MODERATORS_ONLY),
    "restore": ("POST", lambda s: f"/moderation/commentaires/{s.hidden.id}/retablir", {},
                MODERATORS_ONLY),
    "dismiss": ("POST", lambda s: f"/moderation/commentaires/{s.visible.id}/classer", {},
                MODERATORS_ONLY),
    "block": ("POST", lambda s: f"/moderation/membres/{s.users['author'].id}/bloquer",
              {"reason": "Insultes"}, MODERATORS_ONLY),
    "unblock": ("POST", lambda s: f"/moderation/membres/{s.blocked.id}/autoriser", {},
                MODERATORS_ONLY),
    "list": ("GET", lambda s: f"{DEMO_CYBERACTION}/commentaires?avant={s.hidden.id + 1}", {},
             dict(anonymous=200, member=200, author=200, moderator=200, admin=200)),
    "moderation page": ("GET", lambda s: "/moderation", {},
                        dict(anonymous=302, member=403, author=403, moderator=200, admin=200)),
    "audit log": ("GET", lambda s: "/moderation/journal", {},
                  dict(anonymous=302, member=403, author=403, moderator=403, admin=200)),
}


@pytest.fixture
def app_config(request):
    """No cached anonymous pages (they would outlive this test's database), unless a test
    asks for them with `indirect=True`."""
    return {"PAGE_CACHE_SECONDS": 0, **getattr(request, "param", {})}


class Scenario:
    """An author's visible (and reported) comment, a hidden one, a blocked member;
    a logged-in client per role."""

    def __init__(self, app, htmx=False):
        self.app = app
        self.users = {
            "member": make_member(app, email=EMAILS["member"]),
            "author": make_member(app, email=EMAILS["author"], first_name="Aude",
                                  last_name="Teur"),
            "moderator": make_member(app, email=EMAILS["moderator"], role="moderator"),
            "admin": make_member(app, email=EMAILS["admin"], role="admin"),
        }
        self.blocked = make_member(app, email="bloque@example.net")
        self.clients, self.tokens = {}, {}
        for role in ROLES:
            client = app.test_client()
            if htmx:
                client.environ_base["HTTP_HX_REQUEST"] = "true"
            if role != "anonymous":
                log_in(client, EMAILS[role])
            self.clients[role] = client
            self.tokens[role] = csrf_token(client)
        self.reset()

    def reset(self):
        ModerationAction.delete().execute()
        CommentReport.delete().execute()
        Comment.delete().execute()
        User.update(can_comment=True).execute()
        User.update(can_comment=False).where(User.id == self.blocked.id).execute()
        self.hidden = add_comment(self.users["author"], "Masqué")
        comments.hide(self.hidden, self.users["moderator"], "Test")
        self.visible = add_comment(self.users["author"], "Visible")
        CommentReport.create(comment=self.visible, reporter=self.blocked, reason="?")
        ModerationAction.delete().execute()


def snapshot():
    """Everything a comment endpoint could change."""
    return [sorted(model.select().tuples()) for model in (Comment, CommentReport,
                                                           ModerationAction)] + \
        [sorted(User.select(User.id, User.can_comment).tuples())]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_authorisation_matrix_every_comment_endpoint_for_every_role(app, database, endpoint,
                                                                    htmx):
    scenario = Scenario(app, htmx=htmx)
    method, url, data, expected = ENDPOINTS[endpoint]
    for role in ROLES:
        scenario.reset()
        before = snapshot()
        client = scenario.clients[role]
        if method == "POST":
            response = client.post(url(scenario), data=dict(data, csrf_token=scenario.tokens[role]))
        else:
            response = client.get(url(scenario))
        status = expected[role]
        if htmx and status == 303:
            status = 200
        assert response.status_code == status, (endpoint, role, response.status_code)
        if status == 302:
            assert "/connexion" in response.headers["Location"]
        if method == "POST":
            changed = snapshot() != before
            assert changed == (status in (200, 303)), (endpoint, role, "data changed?", changed)
        if status == 403:
            assert "Action non autorisée" in response.get_data(as_text=True)


def test_hidden_comment_never_reaches_the_public_page_fragment_or_pagination(app, database):
    author = make_member(app, email="auteur@example.net")
    moderator = make_member(app, email="moderatrice@example.net", role="moderator")
    secret = add_comment(author, "Texte secret masqué")
    for n in range(comments.PAGE_SIZE + 2):
        add_comment(author, f"Public {n}")
    comments.hide(secret, moderator, "Raison confidentielle")

    viewers = {"anonymous": app.test_client()}
    for email in ("auteur@example.net", "membre@example.net"):
        if email == "membre@example.net":
            make_member(app)
        viewers[email] = app.test_client()
        log_in(viewers[email], email)
    htmx = app.test_client()
    htmx.environ_base["HTTP_HX_REQUEST"] = "true"
    viewers["htmx"] = htmx
    for name, client in viewers.items():
        page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
        more = re.search(r'href="([^"]+avant=\d+)"', page).group(1).replace("&amp;", "&")
        answers = [page, client.get(more).get_data(as_text=True),
                   client.get(f"{DEMO_CYBERACTION}/commentaires?avant={secret.id + 1}")
                   .get_data(as_text=True)]
        token = csrf_token(client)
        answers.append(client.post(f"/commentaires/{secret.id}/signaler",
                                   data={"csrf_token": token}).get_data(as_text=True))
        if name != "anonymous":
            answers.append(post_comment(client, "Un de plus").get_data(as_text=True))
        for html in answers:
            assert "Texte secret masqué" not in html, name
            assert "Raison confidentielle" not in html, name
            assert f"commentaire-{secret.id}\"" not in html, name
        assert re.search(r"<strong>1\d</strong> commentaires", page), name
        assert "masqué" not in page, name
    member = viewers["membre@example.net"]
    report = member.post(f"/commentaires/{secret.id}/signaler",
                         data={"csrf_token": csrf_token(member)})
    assert report.status_code == 404  # hidden means absent, even to a direct request


@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_SECONDS": 60}], indirect=True)
def test_hiding_expires_the_cached_public_page_at_once(app, client, database):
    import secrets
    author = make_member(app, email="auteur@example.net")
    moderator = make_member(app, email="moderatrice@example.net", role="moderator")
    comment = add_comment(author, "Bientôt masqué")
    campaign = campaign_at(DEMO_CYBERACTION)  # a version no earlier test cached a page for
    Campaign.update(content_version=secrets.randbelow(10**9)).where(
        Campaign.id == campaign.id).execute()
    assert "Bientôt masqué" in client.get(DEMO_CYBERACTION).get_data(as_text=True)
    comments.hide(comment, moderator, "Spam")
    assert "Bientôt masqué" not in client.get(DEMO_CYBERACTION).get_data(as_text=True)
    comments.restore(comment, moderator)
    assert "Bientôt masqué" in client.get(DEMO_CYBERACTION).get_data(as_text=True)


def test_moderator_hides_in_place_sees_it_greyed_with_who_when_why_then_restores(app, htmx,
                                                                               database):
    author = make_member(app, email="auteur@example.net")
    make_member(app, email="moderatrice@example.net", role="moderator", first_name="Mona",
                last_name="Dératrice")
    comment = add_comment(author, "À masquer")
    log_in(htmx, "moderatrice@example.net")
    token = csrf_token(htmx)
    missing = htmx.post(f"/moderation/commentaires/{comment.id}/masquer",
                        data={"csrf_token": token, "reason": "  "})
    assert missing.status_code == 422
    assert "Indiquez la raison" in missing.get_data(as_text=True)
    assert Comment.get_by_id(comment.id).hidden_at is None

    hidden = htmx.post(f"/moderation/commentaires/{comment.id}/masquer",
                       data={"csrf_token": token, "reason": "Propos hors sujet"})
    html = hidden.get_data(as_text=True)
    assert hidden.status_code == 200
    assert f'<li id="commentaire-{comment.id}" class="comment comment-hidden">' in html
    assert "Masqué</strong> par Mona D." in html and "Propos hors sujet" in html
    assert "À masquer" in html and ">Rétablir<" in html
    assert re.search(r'id="commentaires-compte"[^>]*hx-swap-oob="true"', html)
    assert "Aucun commentaire pour l'instant." in html and "1 masqué" in html
    page = htmx.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "À masquer" in page and "comment-hidden" in page  # still there for moderators

    restored = htmx.post(f"/moderation/commentaires/{comment.id}/retablir",
                         data={"csrf_token": token})
    html = restored.get_data(as_text=True)
    assert "comment-hidden" not in html and "<strong>1</strong> commentaire" in html
    assert Comment.get_by_id(comment.id).hidden_at is None


def test_blocked_member_cannot_post_until_allowed_again(app, client, database):
    member = make_member(app)
    moderator = make_member(app, email="moderatrice@example.net", role="moderator")
    log_in(client)
    token = csrf_token(client)
    comments.set_commenting(member, moderator, allowed=False, reason="Insultes répétées")

    page = client.get(DEMO_CYBERACTION).get_data(as_text=True)
    assert "a retiré à votre compte le droit de commenter" in page
    assert 'name="text"' not in page
    refused = post_comment(client, "Je reviens", token=token)
    assert refused.status_code == 403
    assert Comment.select().count() == 0
    with pytest.raises(comments.CommentingBlocked):
        comments.post(campaign_at(DEMO_CYBERACTION), member, "Par le service")

    comments.set_commenting(member, moderator, allowed=True)
    assert post_comment(client, "Je reviens", token=token).status_code == 303
    assert Comment.select().count() == 1


def test_moderators_cannot_be_blocked(app, client, database):
    moderator = make_member(app, email="moderatrice@example.net", role="moderator")
    admin = make_member(app, email="admin@example.net", role="admin")
    log_in(client, "admin@example.net")
    response = client.post(f"/moderation/membres/{moderator.id}/bloquer",
                           data={"csrf_token": csrf_token(client), "reason": "Essai"})
    assert response.status_code == 403
    assert User.get_by_id(moderator.id).can_comment
    with pytest.raises(comments.NotAllowed):
        comments.set_commenting(admin, moderator, allowed=False, reason="Essai")


def test_moderation_page_lists_reported_comments_first_then_the_latest(app, client, database):
    author = make_member(app, email="auteur@example.net")
    make_member(app, email="moderatrice@example.net", role="moderator")
    reporter = make_member(app)
    reported = add_comment(author, "Signalé")
    later = [add_comment(author, f"Récent {n}") for n in range(3)]
    comments.report(reported, reporter, "Insultant")
    log_in(client, "moderatrice@example.net")
    html = client.get("/moderation").get_data(as_text=True)
    assert comment_ids(html) == [reported.id] + [c.id for c in reversed(later)]
    assert "1 signalement" in html and "Insultant" in html and "Camille M." in html
    assert "Commentaires signalés" in html and "Classer les signalements" in html
    assert campaign_at(DEMO_CYBERACTION).title in html

    client.post(f"/moderation/commentaires/{reported.id}/classer",
                data={"csrf_token": csrf_token(client)})
    html = client.get("/moderation").get_data(as_text=True)
    assert "Aucun signalement en attente." in html
    assert sorted(comment_ids(html)) == sorted([reported.id] + [c.id for c in later])


def test_every_moderation_action_is_in_the_audit_log_that_only_admins_read(app, client,
                                                                         database):
    author = make_member(app, email="auteur@example.net", first_name="Aude", last_name="Teur")
    moderator = make_member(app, email="moderatrice@example.net", role="moderator",
                            first_name="Mona", last_name="Dératrice")
    make_member(app, email="admin@example.net", role="admin")
    comment = add_comment(author, "Sujet à caution")
    mod = app.test_client()
    log_in(mod, "moderatrice@example.net")
    token = csrf_token(mod)
    steps = [
        (f"/moderation/commentaires/{comment.id}/masquer", "Hors charte"),
        (f"/moderation/commentaires/{comment.id}/retablir", "Erreur de ma part"),
        (f"/moderation/commentaires/{comment.id}/classer", "Rien à redire"),
        (f"/moderation/membres/{author.id}/bloquer", "Récidive"),
        (f"/moderation/membres/{author.id}/autoriser", "Excuses reçues"),
    ]
    for url, reason in steps:
        assert mod.post(url, data={"csrf_token": token, "reason": reason}).status_code == 303

    rows = list(ModerationAction.select().order_by(ModerationAction.id))
    assert [row.action for row in rows] == ["hide", "restore", "dismiss", "block", "unblock"]
    assert [row.reason for row in rows] == [reason for _, reason in steps]
    assert all(row.moderator_id == moderator.id and row.created_at for row in rows)
    assert all(row.member_id == author.id for row in rows)
    assert [row.comment_id for row in rows] == [comment.id] * 3 + [None, None]

    assert mod.get("/moderation/journal").status_code == 403
    log_in(client, "admin@example.net")
    journal = client.get("/moderation/journal").get_data(as_text=True)
    for label in ("Masquage", "Rétablissement", "Signalements classés",
                  "Commentaires interdits", "Commentaires autorisés"):
        assert label in journal
    for _, reason in steps:
        assert reason in journal
    assert journal.count("Mona D.") == 5 and "Aude T." in journal
    assert re.search(r"\d\d/\d\d/\d{4} - \d\d:\d\d:\d\d", journal)


def test_moderator_sees_the_nav_link_and_members_do_not(app, client, database):
    make_member(app)
    make_member(app, email="moderatrice@example.net", role="moderator")
    log_in(client)
    assert 'href="/moderation"' not in client.get("/").get_data(as_text=True)
    moderator = app.test_client()
    log_in(moderator, "moderatrice@example.net")
    assert 'href="/moderation">Modération</a>' in moderator.get("/").get_data(as_text=True)


def test_moderation_page_voir_plus_and_actions_keep_their_moderation_context(app, client, htmx,
                                                                           database):
    author = make_member(app, email="auteur@example.net")
    make_member(app, email="moderatrice@example.net", role="moderator")
    made = [add_comment(author, f"N° {n}") for n in range(comments.MODERATION_PAGE_SIZE + 2)]
    log_in(client, "moderatrice@example.net")
    log_in(htmx, "moderatrice@example.net")
    page = client.get("/moderation").get_data(as_text=True)
    assert len(comment_ids(page)) == comments.MODERATION_PAGE_SIZE
    assert 'name="contexte" value="moderation"' in page
    more = re.search(r'href="(/moderation\?avant=\d+)"', page).group(1)
    fragment = htmx.get(more).get_data(as_text=True)
    assert comment_ids(fragment) == [made[1].id, made[0].id]
    assert "<html" not in fragment and 'name="contexte" value="moderation"' in fragment

    token = csrf_token(client)
    hidden = htmx.post(f"/moderation/commentaires/{made[0].id}/masquer",
                       data={"csrf_token": csrf_token(htmx), "reason": "Doublon",
                             "contexte": "moderation"})
    html = hidden.get_data(as_text=True)
    assert "comment-hidden" in html and "commentaires-compte" not in html  # no count there
    plain = client.post(f"/moderation/commentaires/{made[1].id}/masquer",
                        data={"csrf_token": token, "reason": "", "contexte": "moderation"})
    assert plain.status_code == 422 and "Indiquez la raison" in plain.get_data(as_text=True)
    plain = client.post(f"/moderation/commentaires/{made[1].id}/masquer",
                        data={"csrf_token": token, "reason": "Doublon", "contexte": "moderation"})
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(f"/moderation#commentaire-{made[1].id}")
