"""Asked in English, the admin area, the moderation pages and the dev mailbox read in
English: pages, form errors after a bad POST, flashes, the journal and the dashboard's
figures. Asked nothing, they stay French."""
import html
import re

import pytest

from conftest import DEMO_CYBERACTION, campaign_at, csrf_token, make_member
from models import Signature, utcnow
from services import abuse
from test_admin_dashboard import known_participations

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}
NEW = "/admin/campagnes/nouvelle"


@pytest.fixture
def app_config():
    return {"DEV_MAILBOX": True, "PAGE_CACHE_SECONDS": 0}


def english(client, path):
    response = client.get(path, headers=ENGLISH)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def post_in_english(client, path, **data):
    token = csrf_token(client, "/compte")
    return client.post(path, data={"csrf_token": token, **data}, headers=ENGLISH)


def campaign_form(**overrides):
    data = {"kind": "cyberactions", "title": "Protect the hedgehogs", "slug": "",
            "proposer": "Friends of hedgehogs",
            "targets": "Minister <minister@example.org>", "letter_subject": "Hedgehogs",
            "letter_body": "Dear minister, please protect the hedgehogs.", "action": "save"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("path, texts", [
    ("/admin/", ["New campaign", "Campaigns", "Members and roles", "Dashboard"]),
    (NEW, ["Page address", "Keywords", "Share image (https address)", "Copy to the MP",
           "* required fields. Each button first saves what you have entered.", "Save"]),
    ("/admin/membres", ["Find an account", "Administrators and moderators"]),
    ("/admin/journal", ["Every change made from the administration"]),
    ("/admin/lettre-d-infos", ["New newsletter", "Subscribers", "Unsubscribed"]),
    ("/admin/lettre-d-infos/nouvelle", ["Send a test", "Campaigns featured"]),
    ("/admin/exploitation", ["Pause signing", "Put the site in read-only mode",
                             "Hide the counter"]),
    ("/admin/pages", ["Site pages", "Last modified"]),
    ("/admin/pages/faq", ["Edit the page", "All pages", "Preview"]),
    ("/admin/fraude", ["Anti-fraud tools", "No suspect participations for now."]),
    ("/admin/fraude/invalider", ["Invalidate confirmed participations",
                                 "Count the participations affected", "Email domain"]),
    ("/admin/fraude/adresses-bloquees", ["Block a domain or an address",
                                         "Disposable address providers"]),
    ("/moderation", ["Moderation", "Reported comments", "Members barred from commenting"]),
    ("/moderation/journal", ["Moderation log", "Back to moderation"]),
    ("/dev/courriels/", ["Emails (development)", "No SMTP server is configured"]),
])
def test_staff_pages_read_in_english(admin, path, texts):
    page = english(admin, path)
    for text in texts:
        assert text in page, (path, text)


def test_the_admin_area_stays_french_by_default(admin):
    page = html.unescape(admin.get("/admin/").get_data(as_text=True))
    assert "Nouvelle campagne" in page and "New campaign" not in page
    form = html.unescape(admin.get(NEW).get_data(as_text=True))
    assert "Adresse de la page" in form and "Page address" not in form


def test_the_campaign_form_errors_come_back_in_english(admin):
    response = post_in_english(admin, NEW, **campaign_form(
        title="", targets="Minister without an address", image_url="http://x"))
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Nothing was saved: correct the fields marked below" in page
    assert "The title cannot be empty." in page
    assert "Line 1: write “Label <address>”" in page
    assert "Give a full address starting with https://" in page
    assert "ne peut pas être vide" not in page and "Ligne 1" not in page


def test_the_admin_reads_its_flash_and_the_journal_in_english(admin):
    response = post_in_english(admin, NEW, **campaign_form())
    assert response.status_code == 303
    page = english(admin, response.headers["Location"])
    assert "The campaign is saved." in page and "Edit a campaign" in page
    assert "Campaign created" in english(admin, "/admin/journal")


def test_a_refusal_and_a_flash_of_fraude_in_english(admin):
    refused = post_in_english(admin, "/admin/fraude/adresses-bloquees", kind="domain",
                              value="not a domain")
    assert refused.status_code == 422
    assert "A domain looks like “example.org”." in html.unescape(refused.get_data(as_text=True))
    post_in_english(admin, "/admin/fraude/adresses-bloquees", kind="domain", value="spam.example")
    page = english(admin, "/admin/fraude/adresses-bloquees")
    assert "“spam.example” is blocked." in page and "Remove" in page


def test_suspects_show_their_signal_and_groups_in_english(app, admin, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    for number in range(3):
        Signature.create(
            campaign=campaign.id, status=Signature.SUSPECT, email=f"robot{number}@spam.example",
            email_key=f"robot{number}@spam.example", last_name="Robot", first_name="Rob",
            postal_code="75011", city="Paris", country="FR", confirm_nonce=f"{number:032d}",
            ip_network="203.0.113.0/24", suspect_reason=abuse.NETWORK_BURST,
            created_at=utcnow())
    page = english(admin, "/admin/fraude")
    assert "<strong>3</strong> suspect participations." in page
    assert "By network" in page and "By email domain" in page
    assert "Burst from one network" in page
    french = html.unescape(admin.get("/admin/fraude").get_data(as_text=True))
    assert "<strong>3</strong> participations suspectes" in french and "Rafale depuis un même réseau" in french


def test_the_dashboard_reads_in_english_with_english_numbers(app, admin, database):
    campaign = known_participations(campaign_at(DEMO_CYBERACTION))
    page = english(admin, f"/admin/campagnes/{campaign.id}/tableau")
    assert re.search(r"<dt>Confirmed</dt><dd>6</dd>", page)
    assert "60.0%" in page and "60,0" not in page
    assert "Confirmed participations per day" in page and "Abroad" in page
    assert "20 (Corsica)" in page and "No failed emails." in page
    french = admin.get(f"/admin/campagnes/{campaign.id}/tableau").get_data(as_text=True)
    assert "60,0&nbsp;%" in french and "Étranger" in french


def test_a_member_row_redrawn_by_htmx_says_what_changed_in_english(app, admin):
    member = make_member(app, "bruno@example.net")
    token = csrf_token(admin, "/compte")
    response = admin.post(f"/admin/membres/{member.id}/role",
                          data={"csrf_token": token, "role": "moderator", "place": "trouve"},
                          headers={**ENGLISH, "HX-Request": "true"})
    row = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and "Role changed:" in row
    assert "Change the role" in row and "Block" in row and "account created on" in row
