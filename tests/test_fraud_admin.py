"""Admin → Fraude: suspects grouped with their spikes, released (the confirmation email
reaches the real SMTP server) or discarded; confirmed participations invalidated after a
preview, counters corrected; blocked domains and addresses; all in the journal."""
import datetime as dt
import re

import pytest

from conftest import (
    DEMO_CYBERACTION, DEMO_PETITION, campaign_at, csrf_token, log_in, make_member, post_signature,
)
from models import AuditEntry, BlockedAddress, OutboxMessage, Signature, utcnow
from services import abuse, fraud, messages, outbox, signing

ADMIN = "admin@example.net"
LINK = re.compile(r"/confirmer/[\w.\-]+")


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port,
            "SUSPECT_NETWORK_BURST": "2 per 10 minutes"}


@pytest.fixture
def admin(app):
    make_member(app, ADMIN, role="admin", first_name="Alice", last_name="Admin")
    client = app.test_client()
    log_in(client, ADMIN)
    return client


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/compte"), **data})


def suspect(campaign, email, network="203.0.113.0/24", created_at=None, status=None):
    return Signature.create(
        campaign=campaign.id, status=status or Signature.SUSPECT, email=email, email_key=email,
        last_name="Robot", first_name="Rob", postal_code="75011", city="Paris", country="FR",
        confirm_nonce=email.replace("@", "").replace(".", "")[:32].ljust(32, "x"),
        ip_network=network, suspect_reason=abuse.NETWORK_BURST,
        created_at=created_at or utcnow(), confirmed_at=utcnow() if status else None)


def test_suspects_are_grouped_by_network_domain_and_hour(app, admin, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    for number in range(3):
        suspect(campaign, f"bot{number}@ferme.example")
    suspect(campaign, "autre@example.net", network="198.51.100.0/24")
    html = admin.get("/admin/fraude").get_data(as_text=True)
    assert "<strong>4</strong> participations suspectes" in html
    with app.app_context():
        report = fraud.suspect_report()
    networks = [(group.value, group.count) for group in report.groups["reseau"]]
    assert networks == [("203.0.113.0/24", 3), ("198.51.100.0/24", 1)]
    assert [(group.value, group.count) for group in report.groups["domaine"]] == [
        ("ferme.example", 3), ("example.net", 1)]
    assert [group.count for group in report.groups["heure"]] == [4]
    assert "bot0@ferme.example" in html and "Rafale depuis un même réseau" in html


def test_an_hour_far_above_the_campaigns_median_is_flagged(app, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    start = utcnow().replace(minute=10, second=0, microsecond=0) - dt.timedelta(hours=30)
    for hour in range(6):  # an ordinary day: two participations an hour
        for number in range(2):
            suspect(campaign, f"h{hour}n{number}@example.net", created_at=start
                    + dt.timedelta(hours=hour), status=Signature.CONFIRMED)
    burst_hour = start + dt.timedelta(hours=8)
    for number in range(25):
        suspect(campaign, f"bot{number}@ferme.example", created_at=burst_hour)
    suspect(campaign, "seul@example.net", created_at=start + dt.timedelta(hours=9))
    with app.app_context():
        groups = {group.value: group.spike for group in fraud.suspect_report().groups["heure"]}
    assert groups == {burst_hour.strftime("%Y-%m-%d %H"): True,
                      (start + dt.timedelta(hours=9)).strftime("%Y-%m-%d %H"): False}


def test_releasing_a_group_sends_each_confirmation_and_then_it_counts(
        app, admin, smtp_server, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    for number in range(4):
        post_signature(client, email=f"voisin{number}@example.net")
    with app.app_context():
        outbox.drain()
    assert len(smtp_server.mailbox.messages) == 2  # the first two; the others are held
    response = post(admin, "/admin/fraude/liberer", par="reseau", valeur="203.0.113.0/24",
                    campagne=str(campaign.id))
    assert response.status_code == 303
    assert Signature.select().where(Signature.status == Signature.SUSPECT).count() == 0
    with app.app_context():
        outbox.drain()
    received = {message["To"]: message for message in smtp_server.mailbox.messages}
    assert set(received) == {f"voisin{number}@example.net" for number in range(4)}
    link = LINK.search(received["voisin3@example.net"].get_body(("plain",)).get_content())
    confirmed = client.post(link.group(0), data={"csrf_token": csrf_token(client)})
    assert confirmed.status_code == 200
    assert campaign_at(DEMO_CYBERACTION).signature_count == 1
    entry = AuditEntry.get(AuditEntry.action == "fraud.release")
    assert entry.campaign_id == campaign.id and "2 participation(s)" in entry.detail


def test_a_selection_is_discarded_and_the_rest_stays(app, admin, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    rows = [suspect(campaign, f"bot{number}@ferme.example") for number in range(3)]
    response = post(admin, "/admin/fraude/ecarter", ids=[str(rows[0].id), str(rows[2].id)])
    assert response.status_code == 303
    assert [row.email for row in Signature.select()] == ["bot1@ferme.example"]
    assert "2 participation(s)" in AuditEntry.get(AuditEntry.action == "fraud.discard").detail
    assert OutboxMessage.select().count() == 0


def test_the_message_after_discarding_agrees_with_the_number(app, admin, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    rows = [suspect(campaign, f"bot{number}@ferme.example") for number in range(3)]
    one = post(admin, "/admin/fraude/ecarter", ids=[str(rows[0].id)])
    assert "1 participation écartée." in admin.get(one.location).get_data(as_text=True)
    two = post(admin, "/admin/fraude/ecarter", ids=[str(rows[1].id), str(rows[2].id)])
    assert "2 participations écartées." in admin.get(two.location).get_data(as_text=True)


def test_nothing_chosen_is_refused_beside_the_list(app, admin, database):
    response = post(admin, "/admin/fraude/liberer")
    assert response.status_code == 422
    assert "Choisissez des participations, ou un groupe." in response.get_data(as_text=True)


def confirmed_from(app, email, network, url=DEMO_CYBERACTION):
    """Sign from `network` and confirm, as a person would."""
    with app.app_context():
        campaign = campaign_at(url)
        signing.sign(campaign, signing.SignerDetails(
            last_name="Durand", first_name="Léa", email=email, postal_code="75011",
            city="Paris", country="FR"), origin=abuse.Origin(network))
        row = Signature.get(Signature.email == email)
        signing.confirm(messages.confirmation_url(row).rsplit("/", 1)[1])


def test_invalidating_shows_how_many_first_then_corrects_the_counters(app, admin, database):
    app.config["SUSPECT_NETWORK_BURST"] = ""  # one network signs here, and is counted
    for number in range(3):
        confirmed_from(app, f"ferme{number}@bots.example", "203.0.113.1")
    confirmed_from(app, "petition@bots.example", "203.0.113.2", url=DEMO_PETITION)
    confirmed_from(app, "vraie@example.net", "198.51.100.1")
    cyber, petition = campaign_at(DEMO_CYBERACTION), campaign_at(DEMO_PETITION)
    counts = (cyber.signature_count, petition.signature_count)
    preview = admin.get("/admin/fraude/invalider?reseau=203.0.113.0/24&domaine=bots.example")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "<strong>4</strong> participations confirmées correspondent" in html
    assert Signature.select().where(Signature.status == fraud.INVALID).count() == 0
    stale = post(admin, "/admin/fraude/invalider", reseau="203.0.113.0/24",
                 domaine="bots.example", attendu="3")
    assert stale.status_code == 409 and "Le nombre a changé" in stale.get_data(as_text=True)
    done = post(admin, "/admin/fraude/invalider", reseau="203.0.113.0/24",
                domaine="bots.example", attendu="4")
    assert done.status_code == 303
    assert (campaign_at(DEMO_CYBERACTION).signature_count,
            campaign_at(DEMO_PETITION).signature_count) == (counts[0] - 3, counts[1] - 1)
    assert Signature.get(Signature.email == "vraie@example.net").status == Signature.CONFIRMED
    # The letters not sent yet do not leave; the rows stay, so the addresses cannot count again.
    letters = OutboxMessage.select().where(OutboxMessage.category == "letter")
    assert [letter.signature.email for letter in letters] == ["vraie@example.net"]
    assert Signature.select().where(Signature.status == fraud.INVALID).count() == 4
    entries = AuditEntry.select().where(AuditEntry.action == "fraud.invalidate")
    assert sorted(entry.campaign_id for entry in entries) == sorted([cyber.id, petition.id])


def test_an_invalidated_address_cannot_be_counted_again(app, admin, htmx, database):
    confirmed_from(app, "ferme@bots.example", "203.0.113.1")
    count = campaign_at(DEMO_CYBERACTION).signature_count
    post(admin, "/admin/fraude/invalider", domaine="bots.example", attendu="1")
    assert campaign_at(DEMO_CYBERACTION).signature_count == count - 1
    Signature.update(last_notice_at=None).execute()  # as if the mail interval had passed
    assert post_signature(htmx, email="ferme@bots.example").status_code == 200
    row = Signature.get(Signature.email == "ferme@bots.example")
    assert row.status == fraud.INVALID and Signature.select().count() == 1
    # Nor is it sent a reminder: its link could count nothing.
    assert not OutboxMessage.select().where(
        OutboxMessage.signature == row.id, OutboxMessage.category == "confirmation",
        OutboxMessage.created_at > row.confirmed_at).exists()
    # Whatever link the address holds, confirming it again counts nothing.
    with app.app_context():
        link = messages.confirmation_url(row)
    response = htmx.post(link.split("interpelle.test", 1)[1],
                         data={"csrf_token": csrf_token(htmx)})
    assert response.status_code == 200
    assert campaign_at(DEMO_CYBERACTION).signature_count == count - 1


def test_invalidating_without_criteria_is_refused(app, admin, database):
    response = post(admin, "/admin/fraude/invalider", attendu="0")
    assert response.status_code == 422
    assert "Indiquez au moins un critère" in response.get_data(as_text=True)


def test_blocked_domains_and_addresses_are_added_suggested_and_removed(app, admin, database):
    page = admin.get("/admin/fraude/adresses-bloquees").get_data(as_text=True)
    assert "Bloquer <code>yopmail.com</code>" in page  # suggested, not added by itself
    assert BlockedAddress.select().count() == 0
    added = post(admin, "/admin/fraude/adresses-bloquees", kind="domain", value="@YopMail.com",
                 reason="Fournisseur d'adresses jetables")
    assert added.status_code == 303
    again = post(admin, "/admin/fraude/adresses-bloquees", kind="domain", value="yopmail.com")
    assert again.status_code == 422 and "déjà dans la liste" in again.get_data(as_text=True)
    post(admin, "/admin/fraude/adresses-bloquees", kind="address", value="Nuisible+x@Example.net")
    assert sorted(BlockedAddress.select(BlockedAddress.kind, BlockedAddress.value).tuples()) == [
        ("address", "nuisible@example.net"), ("domain", "yopmail.com")]
    page = admin.get("/admin/fraude/adresses-bloquees").get_data(as_text=True)
    assert "Bloquer <code>yopmail.com</code>" not in page
    entry = BlockedAddress.get(BlockedAddress.kind == "domain")
    assert post(admin, "/admin/fraude/adresses-bloquees/retirer",
                entree=str(entry.id)).status_code == 303
    assert [row.value for row in BlockedAddress.select()] == ["nuisible@example.net"]
    actions = [entry.action for entry in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions == ["blocked.add", "blocked.add", "blocked.remove"]


def test_a_bad_domain_is_refused_in_french(app, admin, database):
    response = post(admin, "/admin/fraude/adresses-bloquees", kind="domain", value="pas un domaine")
    assert response.status_code == 422
    assert "Un domaine ressemble à" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/fraude/liberer", "/admin/fraude/ecarter",
                                  "/admin/fraude/invalider", "/admin/fraude/adresses-bloquees"])
def test_every_fraud_form_needs_its_csrf_token(app, admin, database, path):
    suspect(campaign_at(DEMO_CYBERACTION), "bot@ferme.example")
    response = admin.post(path, data={"par": "reseau", "valeur": "203.0.113.0/24",
                                      "domaine": "ferme.example", "attendu": "0",
                                      "kind": "domain", "value": "ferme.example"})
    assert response.status_code == 400
    assert Signature.select().count() == 1 and BlockedAddress.select().count() == 0


def test_members_and_moderators_get_a_403(app, database):
    for role, email in (("member", "m@example.net"), ("moderator", "mod@example.net")):
        make_member(app, email, role=role)
        client = app.test_client()
        log_in(client, email)
        for path in ("/admin/fraude", "/admin/fraude/invalider",
                     "/admin/fraude/adresses-bloquees"):
            assert client.get(path).status_code == 403
        response = post(client, "/admin/fraude/adresses-bloquees", kind="domain",
                        value="ferme.example")
        assert response.status_code == 403 and BlockedAddress.select().count() == 0


@pytest.mark.browser
def test_an_admin_releases_a_group_in_chromium(browser, live_server):
    from browser_support import expect, menu_entry, new_page
    from conftest import MEMBER_PASSWORD
    make_member(live_server.app, ADMIN, role="admin")
    with live_server.app.app_context():
        campaign = campaign_at(DEMO_CYBERACTION)
        for number in range(3):
            suspect(campaign, f"bot{number}@ferme.example")
    page = new_page(browser)
    page.goto(live_server.url + "/connexion")
    page.get_by_label(re.compile(r"^Adresse électronique")).fill(ADMIN)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    menu_entry(page, "Administration").click()
    page.get_by_role("link", name="Fraude").click()
    expect(page.locator(".fraud-total")).to_have_text("3 participations suspectes.")
    page.get_by_role("button", name=re.compile(r"^Libérer les 3 du groupe 203\.0\.113")).click()
    expect(page.get_by_text("3 participations libérées : leurs courriels de confirmation sont partis.")).to_be_visible()
    page.context.close()
    assert Signature.select().where(Signature.status == Signature.PENDING).count() == 3
    assert OutboxMessage.select().where(OutboxMessage.category == "confirmation").count() == 3
