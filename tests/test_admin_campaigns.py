"""The admin's campaign pages: the list, the form and its buttons, the preview."""
import html as html_lib
import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape

from conftest import (
    DEMO_CYBERACTION, MEMBER_PASSWORD, csrf_token, log_in, make_member, post_signature, signer,
)
from models import AuditEntry, Campaign, OutboxMessage, Signature, Target

ADMIN = "admin@example.net"
NEW = "/admin/campagnes/nouvelle"
CONFIRM_LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")
BODY = ("Le ministère veut **fermer** la ligne.\n\n- premier point\n- second point\n\n"
        "<script>alert('pris')</script>")


def campaign_data(**overrides):
    """Every field of the campaign form, as a browser posts it."""
    data = {
        "kind": "cyberactions",
        "title": "Sauvons la ligne Caen–Rennes",
        "slug": "",
        "tags": "transports, train",
        "summary": "La ligne ferme en juin.",
        "body": BODY,
        "sources": "Le rapport du conseil régional https://example.org/rapport",
        "proposer": "Collectif Rail Ouest",
        "targets": "Ministre des transports <ministre@example.org>\n"
                   "Président de région <region@example.org>",
        "letter_subject": "Gardez la ligne Caen–Rennes",
        "letter_body": "Madame la ministre,\n\nNous tenons à cette ligne.",
        "letter_editable": "y",
        "allow_elu_copy": "y",
        "opens_at": "",
        "closes_at": "2099-06-30T18:00",
        "goal": "5000",
        "result_text": "",
        "action": "save",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


@pytest.fixture
def admin(app, client):
    """The test client, logged in as an admin."""
    make_member(app, ADMIN, role="admin")
    log_in(client, ADMIN)
    return client


def post_form(client, url=NEW, **overrides):
    data = campaign_data(**overrides)
    data["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=data)


def create_campaign(client, **overrides):
    response = post_form(client, **overrides)
    assert response.status_code == 303, response.get_data(as_text=True)
    return Campaign.get(Campaign.title == campaign_data(**overrides)["title"])


def edit_url(campaign):
    return f"/admin/campagnes/{campaign.id}"


def press(client, campaign, action, **overrides):
    """Press one button of the campaign's form, with the campaign's text as typed."""
    typed = {"title": campaign.title, "slug": campaign.slug, "kind": campaign.kind}
    typed.update(overrides)
    return post_form(client, edit_url(campaign), action=action, **typed)


def published_campaign(client, **overrides):
    campaign = create_campaign(client, **overrides)
    assert press(client, campaign, "publish", **overrides).status_code == 303
    return Campaign.get_by_id(campaign.id)


def field_error(html, field_id):
    """The messages shown beside one field (its `-erreur` block), as text."""
    match = re.search(rf'<div class="field-error" id="{field_id}-erreur">(.*?)</div>', html, re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else None


def buttons(html):
    return re.findall(r'<button type="submit" name="action" value="(\w+)"[^>]*>([^<]+)</button>',
                      html)


class FormValues(HTMLParser):
    """What a browser would send back from the page's campaign form, unchanged."""

    def __init__(self):
        super().__init__()
        self.values, self._textarea, self._select = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") != "checkbox":
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "input" and attrs.get("name") and "checked" in attrs:
            self.values[attrs["name"]] = attrs.get("value") or "y"
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            # The parser unescapes the text; a browser drops the newline after <textarea>.
            self.values[self._textarea] += data.removeprefix("\n") \
                if not self.values[self._textarea] else data


def form_values(html):
    parser = FormValues()
    parser.feed(html)
    return parser.values


def text(response):
    return response.get_data(as_text=True)


def journal_actions(campaign):
    return [entry.action for entry in
            AuditEntry.select().where(AuditEntry.campaign == campaign.id).order_by(AuditEntry.id)]


# Creating and previewing -------------------------------------------------------------------

def test_admin_creates_a_draft_with_every_field_that_stays_private(admin, database):
    response = post_form(admin)
    campaign = Campaign.get(Campaign.title == "Sauvons la ligne Caen–Rennes")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(edit_url(campaign))
    assert campaign.status == Campaign.DRAFT and not campaign.is_published
    assert campaign.slug == "sauvons-la-ligne-caen-rennes"  # proposed from the title
    assert campaign.tags == "transports, train" and campaign.summary == "La ligne ferme en juin."
    assert campaign.body == BODY and campaign.proposer == "Collectif Rail Ouest"
    assert campaign.sources == "Le rapport du conseil régional https://example.org/rapport"
    assert [(t.name, t.email) for t in campaign.target_list] == [
        ("Ministre des transports", "ministre@example.org"),
        ("Président de région", "region@example.org")]
    assert campaign.letter_subject == "Gardez la ligne Caen–Rennes"
    assert campaign.letter_body == "Madame la ministre,\n\nNous tenons à cette ligne."
    assert not campaign.letter_locked and campaign.allow_elu_copy
    assert campaign.goal == 5000
    assert campaign.closes_at.isoformat() == "2099-06-30T16:00:00"  # 18:00 in Paris, summer
    assert "La campagne est enregistrée." in text(admin.get(edit_url(campaign)))
    assert journal_actions(campaign) == ["campaign.create"]
    assert admin.get(f"/cyberactions/{campaign.slug}").status_code == 404


def test_the_edit_form_shows_every_stored_field(admin, database):
    campaign = create_campaign(admin, closes_at="2099-01-15T09:30")
    html = text(admin.get(edit_url(campaign)))
    for label in ("Type", "Titre", "Adresse de la page", "Mots-clés", "Résumé", "Texte", "Sources",
                  "Proposée par", "Destinataires", "Objet du message", "Texte du message",
                  "Les signataires peuvent modifier le message", "Copie au député",
                  "Mise en ligne le", "Date de clôture", "Objectif", "Bilan"):
        assert f">{label}" in html, label
    assert 'value="sauvons-la-ligne-caen-rennes"' in html
    assert "Ministre des transports &lt;ministre@example.org&gt;\nPrésident de région" in html
    assert 'value="2099-01-15T09:30"' in html  # back in Paris time
    assert re.search(r'id="letter_editable"[^>]*checked|checked[^>]*id="letter_editable"', html)
    assert html.count("<fieldset") == 4 and "<legend>Les dates</legend>" in html


def test_preview_button_saves_then_shows_the_draft_as_visitors_will(admin, database):
    response = post_form(admin, action="preview")
    campaign = Campaign.get(Campaign.title == "Sauvons la ligne Caen–Rennes")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/campagnes/{campaign.id}/apercu")
    preview = admin.get(response.headers["Location"])
    html = text(preview)
    assert preview.status_code == 200
    assert "Aperçu — cette page n'est pas encore publique" in html
    assert f'href="{edit_url(campaign)}"' in html
    assert '<meta name="robots" content="noindex">' in html
    assert preview.headers["X-Robots-Tag"] == "noindex"
    assert preview.headers["Cache-Control"] == "no-store"
    assert "<h1>Sauvons la ligne Caen–Rennes</h1>" in html
    assert "<strong>fermer</strong>" in html and "<script>alert" not in html
    assert "Ministre des transports &lt;ministre@example.org&gt;" in html  # the récapitulatif
    # The signing form as it will be, not "campagne close", and as a visitor gets it, not
    # the admin's own one-click form.
    assert 'class="sign-form"' in html and "Cette campagne est close" not in html
    assert "Je signe sans compte" in html and "Je signe en un clic" not in html


def test_signing_from_a_preview_records_nothing(app, admin, database):
    campaign = create_campaign(admin)
    html = text(admin.get(f"/admin/campagnes/{campaign.id}/apercu"))
    action = re.search(r'<form id="signer" class="sign-form" method="post" action="([^"]+)"',
                       html).group(1)
    assert action == f"/cyberactions/{campaign.slug}/signer"  # the visitor's form
    one_click = admin.post(f"/cyberactions/{campaign.slug}/signer-en-un-clic",
                           data={"csrf_token": csrf_token(admin, NEW)})
    visitor = app.test_client()
    details = dict(signer(), csrf_token=csrf_token(visitor))
    to_draft = visitor.post(f"/cyberactions/{campaign.slug}/signer", data=details)
    to_public = visitor.post(f"{DEMO_CYBERACTION}/signer", data=details)  # the same, accepted
    assert one_click.status_code == 404 and to_draft.status_code == 404
    assert to_public.status_code == 303
    assert Signature.select().where(Signature.campaign == campaign.id).count() == 0


def test_preview_of_a_published_campaign_says_only_apercu(admin, database):
    campaign = published_campaign(admin)
    html = text(admin.get(f"/admin/campagnes/{campaign.id}/apercu"))
    assert "<strong>Aperçu</strong>" in html and "pas encore publique" not in html
    assert f'href="/cyberactions/{campaign.slug}"' in html


def test_preview_of_a_closed_campaign_shows_it_closed(admin, database):
    campaign = published_campaign(admin)
    assert press(admin, campaign, "close").status_code == 303
    html = text(admin.get(f"/admin/campagnes/{campaign.id}/apercu"))
    assert "Cette campagne est close" in html and 'class="sign-form"' not in html


def test_slug_is_proposed_from_the_title_as_it_is_typed(admin, htmx, database):
    html = text(admin.get(NEW))
    assert 'hx-get="/admin/campagnes/adresse"' in html and 'hx-include="#kind, #slug"' in html
    proposal = admin.get("/admin/campagnes/adresse", query_string={
        "title": "Sauvons l'École !", "kind": "petitions", "slug": ""})
    assert "<code>/petitions/sauvons-l-ecole</code>" in text(proposal)
    typed = admin.get("/admin/campagnes/adresse",
                      query_string={"title": "Sauvons", "slug": "a-moi"})
    assert "<code>" not in text(typed)  # the admin's own address is left alone


# Publishing and the public page --------------------------------------------------------------

def test_publish_puts_the_page_online_with_its_markdown_and_targets(admin, client, database):
    campaign = create_campaign(admin)
    response = press(admin, campaign, "publish")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(edit_url(campaign))
    assert "La campagne est publiée." in text(admin.get(edit_url(campaign)))
    campaign = Campaign.get_by_id(campaign.id)
    assert campaign.status == Campaign.PUBLISHED and campaign.is_published

    visitor = client.application.test_client()
    page = visitor.get(f"/cyberactions/{campaign.slug}")
    html = text(page)
    assert page.status_code == 200
    assert "<h1>Sauvons la ligne Caen–Rennes</h1>" in html
    assert "<strong>fermer</strong>" in html and "<li>premier point</li>" in html
    assert "<script>alert" not in html
    assert "Ministre des transports &lt;ministre@example.org&gt;" in html
    assert "Président de région &lt;region@example.org&gt;" in html
    assert "Gardez la ligne Caen–Rennes" in html
    assert journal_actions(campaign) == ["campaign.create", "campaign.update", "campaign.publish"]


def test_publish_saves_what_was_typed_first(admin, database):
    campaign = create_campaign(admin)
    press(admin, campaign, "publish", summary="Un résumé écrit juste avant de publier.")
    campaign = Campaign.get_by_id(campaign.id)
    assert campaign.status == Campaign.PUBLISHED
    assert campaign.summary == "Un résumé écrit juste avant de publier."


def test_a_published_campaign_keeps_its_address(admin, database):
    campaign = published_campaign(admin)
    form = text(admin.get(edit_url(campaign)))
    assert re.search(r'<input[^>]*id="slug"[^>]*readonly', form)
    assert re.search(r'<p class="field-description" id="slug-aide">[^<]*son adresse est fixée',
                     form)
    response = post_form(admin, edit_url(campaign), slug="une-autre-adresse",
                         title="Un autre titre")
    assert response.status_code == 422
    assert "Une campagne publiée garde son adresse" in field_error(text(response), "slug")
    campaign = Campaign.get_by_id(campaign.id)
    assert campaign.slug == "sauvons-la-ligne-caen-rennes"
    assert campaign.title == "Sauvons la ligne Caen–Rennes"  # nothing saved half-way


def test_the_demo_campaign_saves_back_unchanged_from_its_own_form(admin, database):
    before = Campaign.get(Campaign.slug == "arret-migration-m365")
    url = edit_url(before)
    values = form_values(text(admin.get(url)))
    values["action"] = "save"
    response = admin.post(url, data=values)
    assert response.status_code == 303, field_error(text(response), "sources")
    after = Campaign.get_by_id(before.id)
    for name in ("title", "slug", "kind", "tags", "summary", "body", "sources", "proposer",
                 "letter_subject", "letter_body", "letter_locked", "allow_elu_copy", "goal",
                 "status"):
        assert getattr(after, name) == getattr(before, name), name
    assert after.closes_at.replace(second=0, microsecond=0) == \
        before.closes_at.replace(second=0, microsecond=0)
    assert [(t.name, t.email) for t in after.target_list] == \
        [(t.name, t.email) for t in before.target_list]


# Bad input: the message at its field, nothing saved -----------------------------------------

BAD_INPUT = [
    ("title", {"title": ""}, "Le titre ne peut pas être vide."),
    ("title", {"title": "x" * 100_000}, "Entre 1 et 200 caractères"),
    ("body", {"body": "x" * 100_000}, "Entre 1 et 20000 caractères"),
    ("letter_body", {"letter_body": "x" * 100_000}, "Entre 1 et 5000 caractères"),
    ("targets", {"targets": "Ministre des transports\nRégion <region@example.org>"},
     "Ligne 1 : écrivez « Libellé <adresse> »"),
    ("targets", {"targets": ""}, "Indiquez au moins un destinataire"),
    ("closes_at", {"opens_at": "2099-05-01T10:00", "closes_at": "2099-04-01T10:00"},
     "La date de clôture doit venir après la mise en ligne."),
    ("closes_at", {"closes_at": "demain"}, "Date et heure attendues"),
    ("slug", {"slug": "Pas Une Adresse"}, "Lettres minuscules sans accents"),
]
BAD_INPUT_IDS = [f"{field}-{number}" for number, (field, _, _) in enumerate(BAD_INPUT)]


@pytest.mark.parametrize("field,typed,message", BAD_INPUT, ids=BAD_INPUT_IDS)
def test_bad_input_on_a_new_campaign_is_refused_at_its_field(admin, database, field, typed,
                                                             message):
    before = Campaign.select().count()
    response = post_form(admin, **typed)
    html = text(response)
    assert response.status_code == 422
    assert message in (field_error(html, field) or ""), html
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert "Rien n'a été enregistré" in html
    assert Campaign.select().count() == before
    assert AuditEntry.select().count() == 0


@pytest.mark.parametrize("field,typed,message", BAD_INPUT, ids=BAD_INPUT_IDS)
def test_bad_input_on_an_edit_changes_nothing(admin, database, field, typed, message):
    campaign = create_campaign(admin)
    response = press(admin, campaign, "publish", summary="Ne doit pas être enregistré.", **typed)
    assert response.status_code == 422
    assert message in (field_error(text(response), field) or "")
    after = Campaign.get_by_id(campaign.id)
    assert after.status == Campaign.DRAFT and after.summary == "La ligne ferme en juin."
    assert after.title == campaign.title and after.closes_at == campaign.closes_at
    assert Target.select().where(Target.campaign == campaign.id).count() == 2
    assert journal_actions(campaign) == ["campaign.create"]


def test_a_duplicate_address_is_refused_at_its_field(admin, database):
    create_campaign(admin, slug="la-ligne")
    response = post_form(admin, title="Une autre campagne", slug="la-ligne")
    assert response.status_code == 422
    assert "Cette adresse est déjà celle d'une autre campagne." in field_error(text(response),
                                                                               "slug")
    assert not Campaign.select().where(Campaign.title == "Une autre campagne").exists()


def test_the_same_title_twice_gets_a_free_address(admin, database):
    first = create_campaign(admin)
    second_response = post_form(admin, title=first.title)
    assert second_response.status_code == 303
    slugs = sorted(c.slug for c in Campaign.select().where(Campaign.title == first.title))
    assert slugs == ["sauvons-la-ligne-caen-rennes", "sauvons-la-ligne-caen-rennes-2"]


# The buttons and the lifecycle ---------------------------------------------------------------

def test_status_buttons_only_where_they_apply(admin, database):
    assert buttons(text(admin.get(NEW))) == [("save", "Enregistrer"), ("preview", "Aperçu")]
    campaign = create_campaign(admin)
    shown = {
        "draft": ["save", "preview", "publish", "archive"],
        "published": ["save", "preview", "unpublish", "close", "archive"],
        "closed": ["save", "preview", "archive"],
        "archived": ["save", "preview"],
    }
    steps = [None, "publish", "close", "archive"]
    for status, step in zip(shown, steps):
        if step:
            assert press(admin, campaign, step).status_code == 303
        campaign = Campaign.get_by_id(campaign.id)
        assert campaign.status == status
        shown_now = buttons(text(admin.get(edit_url(campaign))))
        assert [value for value, _ in shown_now] == shown[status]
    labels = dict(buttons(text(admin.get(edit_url(create_campaign(admin, title="Autre"))))))
    assert labels == {"save": "Enregistrer", "preview": "Aperçu", "publish": "Publier",
                      "archive": "Archiver"}


def test_each_button_changes_the_status_and_says_so(admin, database):
    campaign = create_campaign(admin)
    for action, status, message in [
            ("publish", Campaign.PUBLISHED, "La campagne est publiée."),
            ("unpublish", Campaign.DRAFT, "La campagne est dépubliée"),
            ("publish", Campaign.PUBLISHED, "La campagne est publiée."),
            ("close", Campaign.CLOSED, "La campagne est close"),
            ("archive", Campaign.ARCHIVED, "La campagne est archivée.")]:
        response = press(admin, campaign, action)
        assert response.status_code == 303
        assert message in text(admin.get(response.headers["Location"]))
        assert Campaign.get_by_id(campaign.id).status == status
    assert journal_actions(campaign) == [
        "campaign.create", "campaign.update", "campaign.publish", "campaign.update",
        "campaign.unpublish", "campaign.update", "campaign.publish", "campaign.update",
        "campaign.close", "campaign.update", "campaign.archive"]
    actors = {entry.actor.email for entry in
              AuditEntry.select().where(AuditEntry.campaign == campaign.id)}
    assert actors == {ADMIN}


def test_a_button_already_pressed_by_another_admin_changes_nothing(admin, database):
    campaign = create_campaign(admin)
    stale_token = csrf_token(admin, edit_url(campaign))  # the form both admins opened
    assert press(admin, campaign, "publish").status_code == 303
    data = campaign_data(action="publish", slug=campaign.slug, summary="Texte du second admin.",
                         csrf_token=stale_token)
    response = admin.post(edit_url(campaign), data=data)
    html = text(response)
    assert response.status_code == 409
    assert str(escape("Un autre administrateur vient de changer l'état de cette campagne")) in html
    assert "« Publiée »" in html and "Texte du second admin." in html  # nothing typed is lost
    campaign = Campaign.get_by_id(campaign.id)
    assert campaign.status == Campaign.PUBLISHED and campaign.summary == "La ligne ferme en juin."
    assert journal_actions(campaign).count("campaign.publish") == 1


def test_an_unknown_button_only_saves(admin, database):
    response = post_form(admin, action="publish")  # not offered on a new campaign
    campaign = Campaign.get(Campaign.title == "Sauvons la ligne Caen–Rennes")
    assert response.status_code == 303 and campaign.status == Campaign.DRAFT
    press(admin, campaign, "explode", summary="Enregistré quand même.")
    campaign = Campaign.get_by_id(campaign.id)
    assert campaign.status == Campaign.DRAFT and campaign.summary == "Enregistré quand même."


# The letter of a published cyberaction -------------------------------------------------------

def sign(app, campaign, email, **letter):
    visitor = app.test_client()
    response = post_signature(visitor, url=f"/cyberactions/{campaign.slug}", email=email, **letter)
    assert response.status_code == 303, text(response)
    return visitor


def confirm_last(visitor, campaign):
    message = (OutboxMessage.select().where(OutboxMessage.category == "confirmation")
               .order_by(OutboxMessage.id.desc()).get())
    path = CONFIRM_LINK.search(message.body_text).group(1)
    token = csrf_token(visitor, f"/cyberactions/{campaign.slug}")
    assert visitor.post(path, data={"csrf_token": token}).status_code == 200


def test_editing_a_published_letter_updates_only_pending_participations_that_kept_it(
        app, admin, database):
    campaign = published_campaign(admin)
    old_subject, old_body = campaign.letter_subject, campaign.letter_body
    confirmed = sign(app, campaign, "confirme@example.net", letter_subject=old_subject,
                     letter_body=old_body)
    confirm_last(confirmed, campaign)
    sign(app, campaign, "garde@example.net", letter_subject=old_subject, letter_body=old_body)
    sign(app, campaign, "reecrit@example.net", letter_subject=old_subject,
         letter_body="Madame la ministre, voici mes propres mots.")

    form = text(admin.get(edit_url(campaign)))
    assert "les messages déjà confirmés ou envoyés ne changent pas" in form
    assert "sauf si le signataire a réécrit le sien" in form
    response = press(admin, campaign, "save", letter_subject="Nouvel objet",
                     letter_body="Madame la ministre,\n\nUn texte revu.")
    assert response.status_code == 303

    def letter(email):
        signature = Signature.get((Signature.campaign == campaign.id)
                                  & (Signature.email == email))
        return signature.status, signature.letter_subject, signature.letter_body

    assert letter("garde@example.net") == (Signature.PENDING, "Nouvel objet",
                                           "Madame la ministre,\n\nUn texte revu.")
    assert letter("reecrit@example.net") == (Signature.PENDING, "Nouvel objet",
                                             "Madame la ministre, voici mes propres mots.")
    assert letter("confirme@example.net") == (Signature.CONFIRMED, old_subject, old_body)
    sent = OutboxMessage.get(OutboxMessage.category == "letter")
    assert sent.subject == old_subject and "Un texte revu" not in sent.body_text


def test_the_letter_note_is_only_for_published_campaigns(admin, database):
    campaign = create_campaign(admin)
    assert "ne changent pas" not in text(admin.get(edit_url(campaign)))


# The list ------------------------------------------------------------------------------------

def test_the_list_shows_every_campaign_with_its_links(admin, database):
    draft = create_campaign(admin, title="Un brouillon", closes_at="2099-03-04T12:00")
    Campaign.update(signature_count=12345).where(Campaign.id == draft.id).execute()
    response = admin.get("/admin/")
    html = text(response)
    assert response.status_code == 200
    for campaign in Campaign.select():
        assert str(escape(campaign.title)) in html
        assert f'href="/admin/campagnes/{campaign.id}"' in html
        assert f'href="/admin/campagnes/{campaign.id}/tableau"' in html
    row = re.search(r"<tr>\s*<th scope=\"row\">Un brouillon</th>(.*?)</tr>", html, re.S).group(1)
    assert "Cyberaction" in row and "Brouillon" in row and "12\u202f345" in row
    assert "4 mars 2099" in row and "Modifier" in row and "Tableau de bord" in row
    assert f'href="{NEW}"' in html and "Nouvelle campagne" in html


def test_the_navigation_links_the_admin_area_for_admins_only(app, admin, client, database):
    assert '<a href="/admin/">Administration</a>' in text(admin.get("/"))
    make_member(app, "membre@example.net")
    member = app.test_client()
    log_in(member)
    assert "Administration" not in text(member.get("/"))
    assert "Administration" not in text(app.test_client().get("/"))


# Who may come in -----------------------------------------------------------------------------

def test_admin_answers_are_never_cached(admin, database):
    campaign = create_campaign(admin)
    for response in (admin.get("/admin/"), admin.get(NEW), admin.get(edit_url(campaign)),
                     admin.get(f"/admin/campagnes/{campaign.id}/apercu"),
                     admin.get("/admin/campagnes/adresse?title=x"), post_form(admin, title=""),
                     press(admin, campaign, "save")):
        assert response.headers["Cache-Control"] == "no-store"


def routes(campaign_id):
    edit = f"/admin/campagnes/{campaign_id}"
    return [("get", "/admin/"), ("get", NEW), ("post", NEW), ("get", edit), ("post", edit),
            ("get", f"{edit}/apercu"), ("get", "/admin/campagnes/adresse?title=x")]


def test_members_are_refused_and_visitors_sent_to_log_in_on_every_route(app, admin, database):
    campaign = create_campaign(admin)
    make_member(app, "membre@example.net", role="moderator")
    member = app.test_client()
    log_in(member)
    visitor = app.test_client()
    before = (Campaign.select().count(), AuditEntry.select().count())
    for method, url in routes(campaign.id):
        for who, client in (("member", member), ("visitor", visitor)):
            kwargs = {}
            if method == "post":
                kwargs["data"] = campaign_data(action="publish", title="Piraté",
                                               csrf_token=csrf_token(client))
            response = getattr(client, method)(url, **kwargs)
            if who == "member":
                assert response.status_code == 403, (method, url)
                assert "réservée aux administrateurs" in text(response)
            else:
                assert response.status_code == 302, (method, url)
                assert "/connexion?next=" in response.headers["Location"]
    assert (Campaign.select().count(), AuditEntry.select().count()) == before
    campaign = Campaign.get_by_id(campaign.id)
    assert campaign.status == Campaign.DRAFT and campaign.title == "Sauvons la ligne Caen–Rennes"


# In real Chromium --------------------------------------------------------------------------

@pytest.mark.browser
def test_admin_writes_previews_and_publishes_a_campaign_in_the_browser(browser, live_server):
    from browser_support import expect, menu_entry, new_page
    make_member(live_server.app, ADMIN, role="admin")
    page = new_page(browser)
    try:
        page.goto(live_server.url + "/connexion")
        page.get_by_label(re.compile(r"^Adresse électronique")).fill(ADMIN)
        page.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
        page.get_by_role("button", name="Connexion").click()
        menu_entry(page, "Administration").click()
        page.get_by_role("link", name="Nouvelle campagne").click()

        page.get_by_label(re.compile(r"^Titre")).press_sequentially("Sauvons l'École")
        expect(page.locator("#slug-proposal")).to_contain_text("/cyberactions/sauvons-l-ecole")
        page.get_by_label(re.compile(r"^Proposée par")).fill("Parents d'élèves")
        page.get_by_label(re.compile(r"^Texte$")).fill("Une **école** de village.")
        page.get_by_label(re.compile(r"^Destinataires")).fill("Recteur <recteur@example.org>")
        page.get_by_label(re.compile(r"^Objet du message")).fill("Gardez notre école")
        page.get_by_label(re.compile(r"^Texte du message")).fill("Monsieur le recteur, …")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_text("La campagne est enregistrée.")).to_be_visible()

        page.get_by_role("button", name="Aperçu").click()
        expect(page.get_by_text("Aperçu — cette page n'est pas encore publique")).to_be_visible()
        expect(page.locator(".prose strong")).to_have_text("école")
        page.get_by_role("link", name="Revenir au formulaire").click()

        page.get_by_role("button", name="Publier").click()
        expect(page.get_by_text("La campagne est publiée.")).to_be_visible()
        expect(page.get_by_role("button", name="Clôturer")).to_be_visible()
        expect(page.get_by_label(re.compile(r"^Adresse de la page"))).to_have_attribute(
            "readonly", "")
        page.goto(live_server.url + "/cyberactions/sauvons-l-ecole")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sauvons l'École")
        expect(page.locator("#recap")).to_contain_text("Recteur <recteur@example.org>")
    finally:
        page.context.close()


@pytest.mark.browser
def test_admin_campaign_pages_break_no_accessibility_rule(browser, live_server):
    """axe-core's WCAG 2.1 A/AA rules, as tests/test_accessibility.py runs them."""
    from pathlib import Path

    from browser_support import expect, nav_item, new_page, skip_or_fail
    axe = Path(__file__).resolve().parent.parent / ".build" / "axe-core" / "axe.min.js"
    if not axe.exists():
        skip_or_fail("axe-core is missing: `make test` fetches it with npm")
    make_member(live_server.app, ADMIN, role="admin")
    page = new_page(browser, bypass_csp=True)  # axe is injected as a script

    def violations():
        page.add_script_tag(path=str(axe))
        found = page.evaluate("async (sets) => (await axe.run(document, {runOnly: sets}))"
                              ".violations",
                              ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"])
        return [(item["id"], [node["target"] for node in item["nodes"]][:3]) for item in found]

    try:
        page.goto(live_server.url + "/connexion")
        page.get_by_label(re.compile(r"^Adresse électronique")).fill(ADMIN)
        page.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
        page.get_by_role("button", name="Connexion").click()
        expect(nav_item(page, "Administration")).to_be_attached()
        for path in ["/admin/", NEW, "/admin/campagnes/1", "/admin/campagnes/1/apercu"]:
            page.goto(live_server.url + path)
            assert violations() == [], path
        page.goto(live_server.url + NEW)
        page.get_by_label(re.compile(r"^Destinataires")).fill("Ministre sans adresse")
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator("[aria-invalid=true]").first).to_be_visible()
        assert violations() == []
    finally:
        page.context.close()
