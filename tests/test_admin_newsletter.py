"""Admin: the Lettre d'infos. The count, the announcement form and its buttons (Enregistrer,
Aperçu, Envoyer un essai, Envoyer), the progress of each sending, the journal."""
import datetime as dt
import html

import pytest

from conftest import DEMO_CLOSED, DEMO_CYBERACTION, campaign_at, csrf_token, log_in, make_member
from models import Announcement, AuditEntry, OutboxMessage, Subscriber, utcnow
from services import newsletter, outbox

ADMIN = "admin@example.net"
FORM = "/admin/lettre-d-infos/nouvelle"


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port,
            "MAIL_RATE_PER_DOMAIN": "0"}


def text(response):
    return html.unescape(response.get_data(as_text=True))


def subscribers(count, status=Subscriber.SUBSCRIBED):
    for n in range(count):
        Subscriber.create(email=f"{status}{n}@example.net", email_key=f"{status}{n}@example.net",
                          status=status, token=newsletter._new_token(), confirmed_at=utcnow())


def post_form(client, url=FORM, **fields):
    data = {"subject": "Les cyberactions de décembre", "body": "Bonjour,\n\n**Trois** campagnes.",
            "action": "save", "csrf_token": csrf_token(client, FORM), **fields}
    return client.post(url, data=data)


def test_the_page_shows_the_subscribers_count_and_each_sendings_progress(app, admin, database):
    subscribers(3)
    subscribers(2, Subscriber.PENDING)
    with app.app_context():
        item = Announcement.create(subject="Lettre d'octobre", body="Bonjour", author=None,
                                   status=Announcement.SENDING)
        for status, count in ((OutboxMessage.PENDING, 4), (OutboxMessage.SENT, 7),
                              (OutboxMessage.FAILED, 1)):
            for _ in range(count):
                OutboxMessage.create(category="newsletter", announcement=item.id, status=status,
                                     to_addrs="x@example.net", subject="s", body_text="t")
    page = text(admin.get("/admin/lettre-d-infos"))
    assert "Lettre d'infos" in page and "Nouvelle lettre" in page
    assert "<dt>Abonnés</dt><dd>3</dd>" in page
    assert "<dt>En attente de confirmation</dt><dd>2</dd>" in page
    assert "Lettre d'octobre" in page and "En cours d'envoi" in page
    assert '<td data-label="En file" class="number">4</td>' in page
    assert '<td data-label="Envoyés" class="number">7</td>' in page
    assert '<td data-label="Échecs" class="number">1</td>' in page


def test_the_admin_menu_links_the_newsletter(admin, database):
    assert 'href="/admin/lettre-d-infos"' in admin.get("/admin/").get_data(as_text=True)


def test_the_form_offers_the_published_campaigns_and_saves_a_draft(app, admin, database):
    page = text(admin.get(FORM))
    for label in ("Objet", "Texte", "Campagnes présentées", "Enregistrer", "Aperçu",
                  "Envoyer un essai", "Envoyer"):
        assert label in page
    published, closed = campaign_at(DEMO_CYBERACTION), campaign_at(DEMO_CLOSED)
    assert published.title in page and closed.title not in page
    response = post_form(admin, campaigns=[str(published.id), str(closed.id)])
    assert response.status_code == 303
    item = Announcement.get()
    assert (item.status, item.campaign_ids) == (Announcement.DRAFT, str(published.id))
    assert AuditEntry.get(AuditEntry.action == "newsletter.create").actor.email == ADMIN


def test_errors_are_in_french_and_keep_what_was_typed(admin, database):
    response = post_form(admin, subject="", body="Mon texte à garder")
    page = text(response)
    assert response.status_code == 422
    assert "L'objet ne peut pas être vide." in page and "Mon texte à garder" in page
    assert Announcement.select().count() == 0


def test_a_post_without_its_csrf_token_is_refused(admin, database):
    response = admin.post(FORM, data={"subject": "Sans jeton", "body": "Texte"})
    assert response.status_code == 400 and Announcement.select().count() == 0


def test_members_are_refused(app, client, database):
    make_member(app)
    log_in(client)
    response = client.get("/admin/lettre-d-infos")
    assert response.status_code == 403 and "Action non autorisée" in response.get_data(as_text=True)


def test_preview_shows_the_email_with_markdown_rendered_and_no_markup_passed_through(
        app, admin, database):
    published = campaign_at(DEMO_CYBERACTION)
    post_form(admin, body="**Trois** campagnes.\n\n<script>alert(1)</script>",
              campaigns=[str(published.id)], action="preview")
    item = Announcement.get()
    page = text(admin.get(f"/admin/lettre-d-infos/{item.id}/apercu"))
    assert "Les cyberactions de décembre" in page and published.title in page
    assert "Pour vous désabonner" in page  # the text version, footer included
    email = admin.get(f"/admin/lettre-d-infos/{item.id}/apercu/courriel")
    body = email.get_data(as_text=True)
    assert "<strong>Trois</strong>" in body and "<script>" not in body
    assert f"/{published.kind}/{published.slug}" in body
    assert email.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_preview_in_english_frames_the_same_text_as_english_subscribers_get_it(
        app, admin, database):
    post_form(admin, body="**Trois** campagnes.", action="preview")
    item = Announcement.get()
    french = text(admin.get(f"/admin/lettre-d-infos/{item.id}/apercu"))
    assert 'aria-current="page">Français</a>' in french and "Pour vous désabonner" in french
    page = text(admin.get(f"/admin/lettre-d-infos/{item.id}/apercu?langue=en"))
    assert 'aria-current="page">English</a>' in page
    assert "because you asked for it" in page and "Pour vous désabonner" not in page
    assert f"/admin/lettre-d-infos/{item.id}/apercu/courriel?langue=en" in page
    email = text(admin.get(f"/admin/lettre-d-infos/{item.id}/apercu/courriel?langue=en"))
    assert "<strong>Trois</strong> campagnes." in email and ">Unsubscribe</a>" in email
    unknown = text(admin.get(f"/admin/lettre-d-infos/{item.id}/apercu/courriel?langue=xx"))
    assert ">Me désabonner</a>" in unknown


def test_envoyer_un_essai_mails_the_admin_alone(app, admin, smtp_server, database):
    subscribers(3)
    post_form(admin, action="test")
    item = Announcement.get()
    assert item.test_sent_at is not None and item.status == Announcement.DRAFT
    with app.app_context():
        outbox.drain()
    [mail] = smtp_server.mailbox.messages
    assert mail["To"] == ADMIN and mail["Subject"] == "Les cyberactions de décembre"
    assert mail["List-Unsubscribe"] is None  # the admin is not a subscriber here
    assert AuditEntry.get(AuditEntry.action == "newsletter.test").actor.email == ADMIN


def test_envoyer_asks_for_confirmation_then_the_lettre_is_read_only(app, admin, database):
    subscribers(4)
    response = post_form(admin, action="send")
    item = Announcement.get()
    assert response.headers["Location"].endswith(f"/admin/lettre-d-infos/{item.id}/envoyer")
    assert Announcement.get().status == Announcement.DRAFT  # asked, not sent yet
    confirm_page = text(admin.get(f"/admin/lettre-d-infos/{item.id}/envoyer"))
    assert "Envoyer la lettre" in confirm_page and "<strong>4</strong>" in confirm_page

    token = csrf_token(admin, FORM)
    sent = admin.post(f"/admin/lettre-d-infos/{item.id}/envoyer", data={"csrf_token": token})
    assert sent.status_code == 303
    item = Announcement.get()
    assert item.status == Announcement.SENDING and item.recipients_total == 4
    assert AuditEntry.get(AuditEntry.action == "newsletter.send").actor.email == ADMIN

    again = admin.post(f"/admin/lettre-d-infos/{item.id}/envoyer", data={"csrf_token": token})
    assert again.status_code == 409 and Announcement.get().recipients_total == 4
    changed = post_form(admin, url=f"/admin/lettre-d-infos/{item.id}", subject="Changée")
    assert changed.status_code == 409 and "ne change plus" in text(changed)
    assert Announcement.get().subject == "Les cyberactions de décembre"
    read_only = text(admin.get(f"/admin/lettre-d-infos/{item.id}"))
    assert "Lettre envoyée" in read_only and 'name="subject"' not in read_only


def test_a_draft_is_edited_and_journalled(app, admin, database):
    post_form(admin)
    item = Announcement.get()
    page = text(admin.get(f"/admin/lettre-d-infos/{item.id}"))
    assert 'value="Les cyberactions de décembre"' in page
    response = post_form(admin, url=f"/admin/lettre-d-infos/{item.id}", subject="Nouvel objet")
    assert response.status_code == 303 and Announcement.get().subject == "Nouvel objet"
    assert AuditEntry.get(AuditEntry.action == "newsletter.update").detail == "Nouvel objet"
    journal = text(admin.get("/admin/journal"))
    assert "Lettre d'infos créée" in journal and "Lettre d'infos modifiée" in journal


def test_the_worker_step_finishes_a_sending_once_everything_is_delivered(app, admin, database):
    subscribers(2)
    post_form(admin)
    item = Announcement.get()
    with app.app_context():
        newsletter.start_sending(None, item)
        newsletter.queue_due_batches()
        assert Announcement.get().status == Announcement.SENDING  # two messages wait
        outbox.drain(now=utcnow() + dt.timedelta(hours=1))
        newsletter.queue_due_batches()
    finished = Announcement.get()
    assert finished.status == Announcement.SENT and finished.finished_at is not None
    page = text(admin.get("/admin/lettre-d-infos"))
    assert "Envoyée" in page and '<td data-label="Envoyés" class="number">2</td>' in page
