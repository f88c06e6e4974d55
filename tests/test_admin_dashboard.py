"""The admin's dashboard of a campaign: its figures, its failed messages and their retry
over real SMTP, the PDF for the recipients, the exports, and who may see any of it."""
import datetime as dt
import re
import tempfile

import pytest

from conftest import (
    DEMO_CLOSED, DEMO_CYBERACTION, DEMO_PETITION, campaign_at, csrf_token, demo_app, log_in,
    make_member,
)
from models import AuditEntry, Campaign, OutboxMessage, Signature, Subscriber, User, db, utcnow
from services import bilans, dashboard, exports, members, outbox

ADMIN = "admin@example.net"
DAY = dt.datetime(2026, 3, 2, 10, 0)


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port, "MAIL_SUPPRESS_SEND": False}


def token(client):
    return csrf_token(client, "/compte")


def add_signature(campaign, number, **fields):
    values = {"campaign": campaign.id, "email": f"signataire{number}@example.net",
              "email_key": f"signataire{number}@example.net", "last_name": f"Nom{number}",
              "first_name": "Élise", "postal_code": "75011", "city": "Paris", "country": "FR",
              "confirm_nonce": f"{number:032d}", "status": Signature.CONFIRMED,
              "confirmed_at": DAY}
    values.update(fields)
    return Signature.create(**values)


def known_participations(campaign):
    """Six confirmed over three days (one day without any between), two pending, two withdrawn."""
    add_signature(campaign, 1, postal_code="75011")
    add_signature(campaign, 2, postal_code="75020", confirmed_at=DAY + dt.timedelta(hours=3))
    add_signature(campaign, 3, postal_code="35000", confirmed_at=DAY + dt.timedelta(days=1))
    add_signature(campaign, 4, postal_code="97110", city="Pointe-à-Pitre",
                  confirmed_at=DAY + dt.timedelta(days=3))
    add_signature(campaign, 5, postal_code="20000", city="Ajaccio",
                  confirmed_at=DAY + dt.timedelta(days=3))
    add_signature(campaign, 6, postal_code="1000", city="Bruxelles", country="BE",
                  confirmed_at=DAY + dt.timedelta(days=3))
    add_signature(campaign, 7, status=Signature.PENDING, confirmed_at=None)
    add_signature(campaign, 8, status=Signature.PENDING, confirmed_at=None, postal_code="13001")
    Campaign.update(withdrawn_count=2).where(Campaign.id == campaign.id).execute()
    return Campaign.get_by_id(campaign.id)


def failed_letter(campaign, number=1, signer="signataire1@example.net"):
    return OutboxMessage.create(
        category="letter", campaign=campaign.id, to_addrs="premier-ministre@example.org",
        reply_to=signer, sender_name="Élise Nom1 via Interpelle",
        subject=f"Lettre en échec {number}", body_text="Monsieur le Premier ministre…",
        status=OutboxMessage.FAILED, attempts=8,
        last_error=f"SMTPDataError: 554 refused (reply-to {signer.upper()})")


def dashboard_url(campaign):
    return f"/admin/campagnes/{campaign.id}/tableau"


# The figures -------------------------------------------------------------------------------

def test_dashboard_figures_for_known_participations(app, admin, database):
    campaign = known_participations(campaign_at(DEMO_CYBERACTION))
    totals = dashboard.totals(campaign)
    assert (totals.confirmed, totals.pending, totals.withdrawn) == (6, 2, 2)
    assert totals.confirmation_rate == 60.0
    assert dashboard.confirmed_per_day(campaign) == [
        (dt.date(2026, 3, 2), 2), (dt.date(2026, 3, 3), 1), (dt.date(2026, 3, 4), 0),
        (dt.date(2026, 3, 5), 3)]
    assert [(d.code, d.count) for d in dashboard.departements(campaign)] == [
        ("75", 2), ("", 1), ("20", 1), ("35", 1), ("971", 1)]

    html = admin.get(dashboard_url(campaign)).get_data(as_text=True)
    assert re.search(r"<dt>Confirmées</dt><dd>6</dd>", html)
    assert re.search(r"<dt>En attente de confirmation</dt><dd>2</dd>", html)
    assert re.search(r"<dt>Retirées</dt><dd>2</dd>", html)
    assert "60,0&nbsp;%" in html and "soit 10)" in html
    for label in ("75 — Paris", "971 — Guadeloupe", "20 (Corse)", "35 — Ille-et-Vilaine",
                  "Étranger"):
        assert f'<th scope="row">{label}</th>' in html
    assert "Bouches-du-Rhône" not in html  # a pending participation is not counted


def test_days_are_counted_at_paris_time_over_several_statements(app, database, monkeypatch):
    monkeypatch.setattr(dashboard, "DAYS_PER_QUERY", 50)  # 123 days: three statements
    campaign = campaign_at(DEMO_PETITION)
    add_signature(campaign, 1, confirmed_at=dt.datetime(2026, 3, 2, 22, 59))  # 23:59 in Paris
    add_signature(campaign, 2, confirmed_at=dt.datetime(2026, 3, 2, 23, 0))  # midnight there
    add_signature(campaign, 3, confirmed_at=dt.datetime(2026, 7, 1, 21, 30))  # summer: 23:30
    add_signature(campaign, 4, confirmed_at=dt.datetime(2026, 7, 1, 22, 0))
    add_signature(campaign, 5, status=Signature.PENDING, confirmed_at=None)
    counted = dict(dashboard.confirmed_per_day(campaign))
    assert counted[dt.date(2026, 3, 2)] == 1 and counted[dt.date(2026, 3, 3)] == 1
    assert counted[dt.date(2026, 7, 1)] == 1 and counted[dt.date(2026, 7, 2)] == 1
    assert len(counted) == (dt.date(2026, 7, 2) - dt.date(2026, 3, 2)).days + 1
    assert sum(counted.values()) == 4


def test_per_day_chart_is_an_svg_with_a_bar_and_title_per_day_and_a_table(app, admin, database):
    campaign = known_participations(campaign_at(DEMO_CYBERACTION))
    html = admin.get(dashboard_url(campaign)).get_data(as_text=True)
    svg = re.search(r"<svg class=\"chart\".*?</svg>", html, re.S).group(0)
    bars = re.findall(r'<rect class="chart-bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" '
                      r'height="([\d.]+)"><title>([^<]+)</title></rect>', svg)
    # 2, 3, 4 (none) and 5 March: the day without confirmations is drawn at zero.
    assert [title for _, title in bars] == [
        "02/03/2026 : 2 participations", "03/03/2026 : 1 participation",
        "04/03/2026 : 0 participation", "05/03/2026 : 3 participations"]
    heights = [float(height) for height, _ in bars]
    assert heights[2] == 0 and heights[3] > heights[0] > heights[1] > 0
    assert 'role="img"' in svg and "<desc" in svg and "style=" not in svg
    assert "<script" not in html.split("</head>")[1]
    assert '<th scope="row">04/03/2026</th><td class="number">0</td>' in html
    assert "Du 02/03/2026 au 05/03/2026 : 6 participations confirmées ; au plus 3 le " \
           "05/03/2026." in svg


def test_the_chart_says_participation_in_the_singular_for_one(app, admin, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    add_signature(campaign, 1)
    html = admin.get(dashboard_url(campaign)).get_data(as_text=True)
    assert re.search(r"<desc[^>]*>Du \S+ au \S+ : 1 participation confirmée ;", html)
    english = admin.get(dashboard_url(campaign), headers={"Accept-Language": "en"})
    assert ": 1 confirmed participation; at most 1 on" in english.get_data(as_text=True)


def test_dashboard_queries_read_only_the_indexes_on_sqlite(tmp_path):
    """EXPLAIN QUERY PLAN is SQLite's: this test makes its own SQLite application."""
    plan_app = demo_app(f"sqlite:///{tmp_path / 'plan.sqlite3'}")
    with plan_app.app_context():
        campaign = campaign_at(DEMO_CYBERACTION)
        queries = [dashboard.status_counts_query(campaign), dashboard.per_day_query(campaign, [dt.date(2026, 3, 2)]),
                   dashboard.departements_query(campaign), dashboard.outbox_counts_query(campaign)]
        for query in queries:
            sql, params = query.sql()
            plan = " ".join(row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
            assert "USING COVERING INDEX" in plan, plan
        db.close()


# The outbox ------------------------------------------------------------------------------

def test_failed_letters_are_listed_without_the_signers_address_and_retried_over_smtp(
        app, admin, smtp_server, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    message = failed_letter(campaign)
    html = admin.get(dashboard_url(campaign)).get_data(as_text=True)
    assert "Lettre en échec 1" in html and "premier-ministre@example.org" in html
    assert "554 refused" in html and "[adresse du signataire]" in html
    assert "signataire1@example.net" not in html.lower()
    assert re.search(r"<dt>En échec</dt><dd>1</dd>", html)

    url = f"/admin/campagnes/{campaign.id}/courriels/{message.id}/relancer"
    response = admin.post(url, data={"csrf_token": token(admin)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{dashboard_url(campaign)}#courriels")
    assert "1 courriel remis en file" in admin.get(response.headers["Location"]).get_data(True)
    retried = OutboxMessage.get_by_id(message.id)
    assert (retried.status, retried.attempts) == (OutboxMessage.PENDING, 0)
    assert retried.next_attempt_at <= utcnow()
    entry = AuditEntry.get(AuditEntry.action == "outbox.retry")
    assert entry.campaign_id == campaign.id and entry.actor.email == ADMIN

    with app.app_context():
        assert outbox.drain() == 1
    delivered = smtp_server.mailbox.messages
    assert [m["Subject"] for m in delivered] == ["Lettre en échec 1"]
    assert smtp_server.mailbox.envelopes[0].rcpt_tos == ["premier-ministre@example.org"]
    assert OutboxMessage.get_by_id(message.id).status == OutboxMessage.SENT


HX = {"HX-Request": "true"}


def test_retry_all_in_place_with_htmx_then_nothing_left_to_retry(app, admin, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    ids = [failed_letter(campaign, number).id for number in (1, 2, 3)]
    other = failed_letter(campaign_at(DEMO_PETITION), 9)
    url = f"/admin/campagnes/{campaign.id}/courriels/relancer"
    response = admin.post(url, data={"csrf_token": token(admin)}, headers=HX)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="dashboard-box" id="courriels"') and "<html" not in fragment
    assert "3 courriels remis en file d&#39;envoi" in fragment
    assert "Aucun courriel en échec." in fragment
    assert all(OutboxMessage.get_by_id(i).status == OutboxMessage.PENDING for i in ids)
    assert OutboxMessage.get_by_id(other.id).status == OutboxMessage.FAILED
    assert AuditEntry.get(AuditEntry.action == "outbox.retry").detail == "3 messages en échec"

    again = admin.post(url, data={"csrf_token": token(admin)}, headers=HX)
    assert again.status_code == 409
    assert "Aucun courriel en échec à relancer" in again.get_data(as_text=True)
    assert AuditEntry.select().where(AuditEntry.action == "outbox.retry").count() == 1


def test_a_message_of_another_campaign_cannot_be_retried_from_this_one(app, admin, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    other = failed_letter(campaign_at(DEMO_PETITION))
    response = admin.post(f"/admin/campagnes/{campaign.id}/courriels/{other.id}/relancer",
                          data={"csrf_token": token(admin)})
    assert response.status_code == 303
    assert OutboxMessage.get_by_id(other.id).status == OutboxMessage.FAILED


def test_closed_campaign_pdf_to_the_recipients_once(app, admin, smtp_server, database):
    campaign = campaign_at(DEMO_CLOSED)
    add_signature(campaign, 1)
    html = admin.get(dashboard_url(campaign)).get_data(as_text=True)
    assert "Envoyer le PDF aux destinataires" in html
    url = f"/admin/campagnes/{campaign.id}/bilan"
    response = admin.post(url, data={"csrf_token": token(admin)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Le PDF des signataires partira vers les destinataires dans quelques minutes." in page
    assert "Envoi demandé le" in page and "Envoyer le PDF aux destinataires</button>" not in page
    assert Campaign.get_by_id(campaign.id).bilan_requested_at is not None

    again = admin.post(url, data={"csrf_token": token(admin)}, follow_redirects=True)
    assert "déjà demandé depuis le" in again.get_data(as_text=True)
    assert AuditEntry.select().where(AuditEntry.action == "bilan.request").count() == 1

    with app.app_context():
        assert bilans.send_requested() == 1
        outbox.drain()
    mail = smtp_server.mailbox.messages[-1]
    attachment = next(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
    html = admin.get(dashboard_url(campaign)).get_data(as_text=True)
    assert "Le PDF a été mis en envoi le" in html and "Remis au serveur d'envoi le" in html


def test_pdf_button_only_for_a_closed_campaign(app, admin, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    html = admin.get(dashboard_url(campaign)).get_data(as_text=True)
    assert "Envoyer le PDF aux destinataires</button>" not in html
    response = admin.post(f"/admin/campagnes/{campaign.id}/bilan",
                          data={"csrf_token": token(admin)})
    assert response.status_code == 303
    assert Campaign.get_by_id(campaign.id).bilan_requested_at is None


# Exports -------------------------------------------------------------------------------------

def csv_lines(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return text.lstrip("\ufeff").split("\r\n")


def test_participations_csv_has_every_participation_hidden_ones_and_safe_cells(
        app, admin, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    add_signature(campaign, 1, hide_identity=True, newsletter=True)
    add_signature(campaign, 2, status=Signature.PENDING, confirmed_at=None)
    add_signature(campaign, 3, profession="=HYPERLINK(\"http://x\")", last_name="@Nom",
                  country="BE", city="Liège", postal_code="4000")
    response = admin.get(f"/admin/campagnes/{campaign.id}/participations.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="participations-arret-migration-m365.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    lines = csv_lines(response)
    assert lines[0] == ("Statut;Enregistrée le;Confirmée le;Nom;Prénom;Courriel;Code postal;"
                        "Commune;Pays;Profession;Lettre d'infos;Masquée sur le site")
    assert lines[1].startswith("Confirmée;")
    assert lines[1].endswith(";2026-03-02 11:00;Nom1;Élise;signataire1@example.net;75011;"
                             "Paris;France;;oui;oui")
    assert lines[2].startswith("En attente;") and ";;Nom2;" in lines[2]
    assert "'@Nom;Élise;signataire3@example.net;4000;Liège;Belgique;" \
           "\"'=HYPERLINK(\"\"http://x\"\")\";non;non" in lines[3]
    assert lines[4:] == [""]
    assert AuditEntry.get(AuditEntry.action == "export.participations").campaign_id == campaign.id


def test_participations_csv_comes_batch_by_batch(app, database):
    campaign = campaign_at(DEMO_PETITION)
    rows = [{"campaign": campaign.id, "email": f"s{n}@example.net", "email_key": f"s{n}@example.net",
             "last_name": "Nom", "first_name": "Élise", "postal_code": "35000", "city": "Rennes",
             "country": "FR", "confirm_nonce": f"{n:032d}", "status": Signature.CONFIRMED}
            for n in range(exports.BATCH * 2 + 10)]
    with db.atomic():
        for start in range(0, len(rows), 500):
            Signature.insert_many(rows[start:start + 500]).execute()
    with app.test_request_context():
        chunks = exports.participations(None, campaign)
        first = next(chunks)
        assert first.count("\r\n") == exports.BATCH + 1  # the header, then one batch
        rest = list(chunks)
    assert [chunk.count("\r\n") for chunk in rest] == [exports.BATCH, 10]


def test_subscribers_csv_reads_the_subscribed_addresses_only(app, admin, database):
    def subscriber(email, status=Subscriber.SUBSCRIBED, **fields):
        Subscriber.create(email=email, email_key=email.lower(), status=status,
                          token=f"{Subscriber.select().count():032x}",
                          **{"confirmed_at": DAY, **fields})
    subscriber("Camille@Example.net", source="signature")
    subscriber("=1+1@example.net", language="en", source="formulaire",
               confirmed_at=DAY + dt.timedelta(days=2))
    for status in (Subscriber.PENDING, Subscriber.UNSUBSCRIBED, Subscriber.BOUNCED):
        subscriber(f"{status}@example.net", status=status)
    # A ticked box on a participation is not a subscription by itself any more.
    add_signature(campaign_at(DEMO_CYBERACTION), 1, email="case@example.net",
                  email_key="case@example.net", newsletter=True)
    response = admin.get("/admin/abonnes.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"] == 'attachment; filename="abonnes-lettre-infos.csv"'
    assert csv_lines(response) == [
        "Courriel;Langue;Origine;Abonnement confirmé le",
        "'=1+1@example.net;en;formulaire;2026-03-04 11:00",
        "Camille@Example.net;fr;signature;2026-03-02 11:00",
        "",
    ]
    assert AuditEntry.get(AuditEntry.action == "export.subscribers").actor.email == ADMIN


def test_pdf_of_signatories_downloads_and_its_temporary_file_is_removed(
        app, admin, database, tmp_path, monkeypatch):
    workdir = tmp_path / "pdf-tmp"
    workdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(workdir))
    campaign = campaign_at(DEMO_CYBERACTION)
    add_signature(campaign, 1)
    response = admin.get(f"/admin/campagnes/{campaign.id}/signataires.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith(
        "attachment; filename=signataires-arret-migration-m365.pdf")
    assert response.get_data().startswith(b"%PDF")
    response.close()
    assert list(workdir.iterdir()) == []
    assert AuditEntry.get(AuditEntry.action == "export.pdf").campaign_id == campaign.id


# Who may -----------------------------------------------------------------------------------

def admin_routes(campaign, message):
    base = f"/admin/campagnes/{campaign.id}"
    gets = [f"{base}/tableau", f"{base}/participations.csv", f"{base}/signataires.pdf",
            "/admin/abonnes.csv", "/admin/membres", "/admin/journal"]
    posts = [f"{base}/courriels/relancer", f"{base}/courriels/{message.id}/relancer",
             f"{base}/bilan"]
    return gets, posts


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_every_dashboard_route_refuses_anyone_but_an_admin(app, client, database, who):
    campaign = campaign_at(DEMO_CLOSED)
    message = failed_letter(campaign)
    if who != "anonymous":
        make_member(app, f"{who}@example.net", role=who if who == "moderator" else "member")
        log_in(client, f"{who}@example.net")
    form = {"csrf_token": csrf_token(client, "/connexion" if who == "anonymous" else "/compte")}
    gets, posts = admin_routes(campaign, message)
    for url in gets:
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        if who == "anonymous":
            assert response.status_code == 302 and "/connexion" in response.headers["Location"]
        else:
            assert response.status_code == 403, url
            assert "réservée aux administrateurs" in response.get_data(as_text=True)
    for url in posts:
        response = client.post(url, data=form)
        assert response.status_code == (302 if who == "anonymous" else 403), url
    assert OutboxMessage.get_by_id(message.id).status == OutboxMessage.FAILED
    assert Campaign.get_by_id(campaign.id).bilan_requested_at is None
    assert AuditEntry.select().count() == 0
    assert User.select().where(User.role == User.ADMIN).count() == 0


def test_admin_pages_are_never_cached(app, admin, database):
    campaign = campaign_at(DEMO_CYBERACTION)
    for url in (dashboard_url(campaign), "/admin/membres", "/admin/journal"):
        response = admin.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"


def test_unknown_campaign_is_a_404(app, admin, database):
    assert admin.get("/admin/campagnes/999999/tableau").status_code == 404
    assert admin.get("/admin/campagnes/999999/participations.csv").status_code == 404


# In a real browser ---------------------------------------------------------------------------

def test_in_chromium_retry_all_redraws_the_outbox_in_place(browser, live_server):
    from browser_support import expect, nav_item, new_page
    from conftest import MEMBER_PASSWORD
    app = live_server.app
    make_member(app, ADMIN, role="admin")
    with app.app_context():
        campaign = campaign_at(DEMO_CYBERACTION)
        for number in (1, 2):
            failed_letter(campaign, number)
        db.close()
    page = new_page(browser)
    page.goto(live_server.url + "/connexion")
    page.get_by_label(re.compile(r"^Adresse électronique")).fill(ADMIN)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(nav_item(page, "Mon profil")).to_be_attached()
    url = live_server.url + dashboard_url(campaign)
    page.goto(url)
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="Relancer tous les échecs (2)").click()
    notice = page.locator("#courriels [role=status]")
    expect(notice).to_have_text("2 courriels remis en file d'envoi : ils partiront dans un instant.")
    expect(notice).to_be_focused()
    expect(page.locator("#courriels")).to_contain_text("Aucun courriel en échec.")
    assert page.evaluate("window.__marker") == 1 and page.url == url
    with app.app_context():
        assert OutboxMessage.select().where(OutboxMessage.status == "pending").count() == 2
        db.close()
    page.context.close()


def test_in_chromium_admin_pages_break_no_accessibility_rule(browser, live_server):
    from browser_support import expect, nav_item, new_page, skip_or_fail
    from conftest import MEMBER_PASSWORD
    from test_accessibility import AXE_JS, violations
    if not AXE_JS.exists():
        skip_or_fail("axe-core is missing: `make test` fetches it with npm")
    app = live_server.app
    make_member(app, ADMIN, role="admin")
    member = make_member(app, "bruno@example.net")
    with app.app_context():
        campaign = known_participations(campaign_at(DEMO_CYBERACTION))
        failed_letter(campaign)
        members.block(User.get(User.email == ADMIN), member)
        db.close()
    page = new_page(browser, bypass_csp=True)  # axe is injected as a script
    page.goto(live_server.url + "/connexion")
    page.get_by_label(re.compile(r"^Adresse électronique")).fill(ADMIN)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(nav_item(page, "Mon profil")).to_be_attached()
    for path in (dashboard_url(campaign), "/admin/membres?courriel=bruno@example.net",
                 "/admin/journal"):
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(live_server.url + path)
            assert violations(page) == [], (path, width)
    page.context.close()
