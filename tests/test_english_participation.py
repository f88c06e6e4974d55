"""Asked in English, the participation around a campaign reads in English: its comments
(for members and moderators), proposing a campaign and the moderators' review, sharing,
the widget, recommending, the newsletter's pages, the Mentions légales and the feeds;
their flashes and form errors too. Asked nothing, all of it stays French."""
import re

import pytest

from conftest import (
    DEMO_CLOSED, DEMO_CYBERACTION, csrf_token, log_in, make_member, post_signature,
)
from models import Campaign, Comment
from services import comments, share_cards
from english_support import FRENCH, english_content, visible_text  # noqa: F401

MODERATOR = "moderatrice@example.net"
WIDGET = DEMO_CYBERACTION + "/widget"
RECOMMEND = DEMO_CYBERACTION + "/recommander"
RECOMMEND_TOKEN = re.compile(r'name="recommander-csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def app_config():
    """No cached page may outlive a test's database."""
    return {"PAGE_CACHE_SECONDS": 0}


def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    return client


def words(html):
    """What a reader meets, its spaces as a reader sees them."""
    return " ".join(visible_text(html).split())


def text(response):
    return words(response.get_data(as_text=True))


def french_words_in(response):
    return sorted({match.group(1) for match in FRENCH.finditer(text(response))})


def comments_section(response):
    page = response.get_data(as_text=True)
    return page[page.index('<section id="commentaires"'):page.index("</section>", page.index(
        '<section id="commentaires"'))]


def a_comment(app, email="auteur@example.net", body="Hedgehogs matter."):
    author = make_member(app, email, first_name="Sam", last_name="Smith")
    with app.app_context():
        campaign = Campaign.by_slug(*DEMO_CYBERACTION.strip("/").split("/"))
        return comments.post(campaign, author, body)


# Comments -------------------------------------------------------------------------------

def test_a_visitor_reads_the_comment_area_in_english(app, client, english_content):
    a_comment(app)
    section = words(comments_section(english(client).get(DEMO_CYBERACTION)))
    assert "Comments" in section and "1 comment" in section
    assert "You need an account to post a comment." in section
    assert FRENCH.findall(section) == []


def test_a_member_posts_in_english_and_is_told_so_in_english(app, client, english_content):
    make_member(app)
    log_in(english(client))
    empty = client.post(f"{DEMO_CYBERACTION}/commentaires",
                        data={"csrf_token": csrf_token(client), "text": "   "})
    assert empty.status_code == 422
    assert "The comment cannot be empty." in text(empty)
    posted = client.post(f"{DEMO_CYBERACTION}/commentaires", follow_redirects=True,
                         data={"csrf_token": csrf_token(client), "text": "Hedgehogs!"})
    assert "Your comment is published." in text(posted)
    section = words(comments_section(posted))
    assert "Publish" in section and "Published under the name" in section
    assert "Delete permanently" in section
    assert FRENCH.findall(section) == []


def test_a_comment_posted_with_htmx_comes_back_in_english(app, htmx):
    make_member(app)
    log_in(english(htmx))
    posted = htmx.post(f"{DEMO_CYBERACTION}/commentaires",
                       data={"csrf_token": csrf_token(htmx), "text": "Hedgehogs!"})
    assert posted.status_code == 200
    shown = text(posted)
    assert "Your comment is published." in shown and "1 comment" in shown
    assert french_words_in(posted) == []


def test_a_moderator_reads_a_hidden_and_reported_comment_in_english(app, client,
                                                                    english_content):
    comment = a_comment(app)
    moderator = make_member(app, MODERATOR, role="moderator", first_name="Lea",
                            last_name="Moreau")
    reporter = make_member(app, "lecteur@example.net", first_name="Ann", last_name="Lee")
    with app.app_context():
        comments.report(Comment.get_by_id(comment.id), reporter, "Off topic")
        comments.hide(Comment.get_by_id(comment.id), moderator, "Spam")
    log_in(english(client), MODERATOR)
    section = words(comments_section(client.get(DEMO_CYBERACTION)))
    assert "Hidden by Lea M. on" in section and "reason: “Spam”" in section
    assert "(and 1 hidden, visible to moderators only)" in section
    assert "Restore" in section and "Ban from commenting" in section
    assert FRENCH.findall(section) == []


def test_a_report_without_its_reason_where_one_is_needed_is_refused_in_english(app, client):
    comment = a_comment(app)
    make_member(app, MODERATOR, role="moderator")
    log_in(english(client), MODERATOR)
    response = client.post(f"/moderation/commentaires/{comment.id}/masquer",
                           data={"csrf_token": csrf_token(client), "reason": ""})
    assert response.status_code == 422
    assert "Give the reason: it is kept in the moderation log." in text(response)


# Proposals -----------------------------------------------------------------------------

def test_proposing_reads_in_english_with_its_errors(app, client):
    make_member(app)
    log_in(english(client))
    page = client.get("/proposer")
    assert "Propose a campaign" in text(page) and "Send the proposal" in text(page)
    assert "You have not proposed anything yet." in text(page)
    refused = client.post("/proposer", data={"csrf_token": csrf_token(client, "/proposer")})
    assert refused.status_code == 422
    assert "Your proposal has not been sent yet" in text(refused)


def test_moderators_review_proposals_in_english(app, client):
    member = make_member(app)
    with app.app_context():
        campaign = Campaign.create(
            kind="petitions", slug="hedgehogs", title="Hedgehogs", status=Campaign.PROPOSED,
            proposer="Sam", proposed_by=member.id, letter_subject="Hedgehogs",
            letter_body="Please.")
    make_member(app, MODERATOR, role="moderator")
    log_in(english(client), MODERATOR)
    review = client.get("/moderation/propositions")
    assert "Campaign proposals" in text(review)
    assert "1 proposal waiting, the oldest first." in text(review)
    assert "Refuse the proposal" in text(review)
    refused = client.post(f"/moderation/propositions/{campaign.id}/refuser",
                          data={"csrf_token": csrf_token(client, "/proposer"), "message": ""})
    assert refused.status_code == 422
    assert "Tell the member why their proposal is not accepted" in text(refused)
    accepted = client.post(f"/moderation/propositions/{campaign.id}/accepter",
                           data={"csrf_token": csrf_token(client, "/proposer")},
                           follow_redirects=True)
    assert "“Hedgehogs” is accepted" in text(accepted)


# Sharing, the widget, recommending -----------------------------------------------------

def test_the_share_and_embed_boxes_read_in_english(client, english_content):
    page = english(client).get(DEMO_CYBERACTION).get_data(as_text=True)
    shown = visible_text(page)
    assert "Share on Mastodon" in shown and "Copy the link" in shown
    assert "Spread the word" in shown and "Recommend by email" in shown
    assert 'data-copied="Link copied"' in page
    assert "— Cyberaction&#34;" in page or "— Cyberaction&quot;" in page


def test_the_widget_reads_in_english_and_stays_french_by_default(client, english_content):
    widget = english(client).get(WIDGET)
    assert '<html lang="en">' in widget.get_data(as_text=True)
    assert "Accept-Language" in widget.headers["Vary"]  # it is cached by whoever frames it
    assert "Sign" in text(widget) and "participation" in text(widget)
    assert french_words_in(widget) == []
    closed = client.get(DEMO_CLOSED + "/widget")
    assert "Campaign closed" in text(closed) and "See the campaign" in text(closed)

    french = client.application.test_client().get(WIDGET)
    assert '<html lang="fr">' in french.get_data(as_text=True)
    assert "Signer" in text(french)


def test_recommending_reads_in_english_with_its_errors(client, english_content):
    english(client)
    before = client.get(RECOMMEND)
    assert before.status_code == 403 and "Sign the campaign first" in text(before)
    post_signature(client)
    form = client.get(RECOMMEND)
    assert "Who to send it to" in text(form) and "Send the recommendation" in text(form)
    assert french_words_in(form) == []
    token = RECOMMEND_TOKEN.search(form.get_data(as_text=True)).group(1)
    refused = client.post(RECOMMEND, data={"recommander-csrf_token": token,
                                           "recommander-sender_name": "Sam",
                                           "recommander-personal_word": "www.example.org"})
    assert refused.status_code == 422
    assert "Enter at least one address." in text(refused)
    assert "The personal note cannot contain a link" in text(refused)


def test_sharing_on_mastodon_reads_in_english(client):
    response = english(client).get(DEMO_CYBERACTION + "/partager/mastodon?instance=a b")
    assert response.status_code == 400
    assert "Mastodon server not recognised" in text(response)
    page = client.get(DEMO_CYBERACTION + "/partager/mastodon?instance=mastodon.social")
    assert "Continue to mastodon.social" in text(page)


def test_the_share_card_counts_in_the_readers_language(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert share_cards.counter_line(123_456, False) == "More than 120,000 signatures"
        assert share_cards.counter_line(1, True) == "1 participation"
    with app.test_request_context():
        assert share_cards.counter_line(1700, True) == "1\u202f700 participations"


# The newsletter, the site's pages, the feeds --------------------------------------------

def test_the_newsletter_pages_read_in_english(client):
    english(client)
    page = client.get("/lettre-d-infos")
    assert "Newsletter" in text(page) and "Subscribe" in text(page)
    assert french_words_in(page) == []
    token = csrf_token(client, "/lettre-d-infos")
    refused = client.post("/lettre-d-infos", data={"csrf_token": token, "email": ""})
    assert refused.status_code == 422 and "Email" in text(refused)
    sent = client.post("/lettre-d-infos", data={"csrf_token": token,
                                                "email": "sam@example.net"})
    assert "Check your email" in text(sent)
    assert "Invalid or expired link" in text(client.get("/lettre-d-infos/confirmer/inconnu"))
    assert "Invalid link" in text(client.get("/lettre-d-infos/desabonner/inconnu"))


def test_the_legal_notice_from_the_configuration_reads_in_english(client, english_content):
    page = english(client).get("/pages/mentions-legales")
    shown = text(page)
    assert "Who publishes this site" in shown and "What we keep, and why" in shown
    assert re.search(r"to fight abuse, kept for \d+ days", shown)
    assert french_words_in(page) == []
    assert "Qui édite ce site" in text(client.application.test_client().get(
        "/pages/mentions-legales"))


def test_a_page_nobody_wrote_yet_has_its_english_title(client, database):
    from models import Page
    Page.delete().where(Page.slug == "faq").execute()
    assert "This page has not been written yet." in text(english(client).get("/pages/faq"))


def test_the_feeds_say_their_own_words_in_the_readers_language(client):
    response = english(client).get("/flux/campagnes.atom")
    assert "Accept-Language" in response.headers["Vary"]
    feed = response.get_data(as_text=True)
    assert "current campaigns" in feed and 'xml:lang="en"' in feed
    bilans = client.get("/flux/bilans.rss").get_data(as_text=True)
    assert "<title>Outcome: " in bilans and "<language>en</language>" in bilans
    french = client.application.test_client().get("/flux/campagnes.atom").get_data(as_text=True)
    assert "campagnes en cours" in french and 'xml:lang="fr"' in french
