"""Members and roles in the admin area: finding an account, changing its role, blocking it
(its sessions end, it cannot log in), never losing the last admin; and the journal."""
import re

import pytest

from conftest import csrf_token, log_in, make_member
from models import AuditEntry, User, db
from services import members

ADMIN = "admin@example.net"
HX = {"HX-Request": "true"}


def token(client):
    return csrf_token(client, "/compte")


def member_named(app, email, role="member", first_name="Bruno"):
    return make_member(app, email, role=role, first_name=first_name, last_name="Membre")


def post(client, path, **data):
    return client.post(path, data={"csrf_token": token(client), **data})


def test_search_finds_one_account_by_its_normalised_address_and_lists_staff_only(
        app, admin, database):
    member = member_named(app, "bruno@example.net")
    member_named(app, "modo@example.net", role="moderator", first_name="Maud")
    page = admin.get("/admin/membres").get_data(as_text=True)
    assert "Maud Membre" in page and "Alice Admin" in page
    assert "bruno@example.net" not in page  # plain members are not listed

    found = admin.get("/admin/membres?courriel=Bruno%2Bpetitions@EXAMPLE.net").get_data(True)
    assert "Bruno Membre" in found and "bruno@example.net" in found
    assert f'action="/admin/membres/{member.id}/role"' in found
    missing = admin.get("/admin/membres?courriel=personne@example.net").get_data(True)
    assert "Aucun compte n'a l'adresse « personne@example.net »" in missing
    assert "Aucun compte" in admin.get("/admin/membres?courriel=pas-une-adresse").get_data(True)


def test_role_change_by_plain_form_then_in_place_with_htmx(app, admin, database):
    member = member_named(app, "bruno@example.net")
    response = post(admin, f"/admin/membres/{member.id}/role", role="moderator")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/membres?membre={member.id}")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rôle changé : Modérateur·rice." in page
    assert User.get_by_id(member.id).role == User.MODERATOR

    response = admin.post(f"/admin/membres/{member.id}/role", headers=HX, data={
        "csrf_token": token(admin), "role": "admin", "place": "equipe"})
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    row = response.get_data(as_text=True)
    assert row.lstrip().startswith(f'<li class="member-row" id="membre-equipe-{member.id}"')
    assert "Rôle changé : Administrateur·rice." in row and "<html" not in row
    assert User.get_by_id(member.id).role == User.ADMIN

    entries = list(AuditEntry.select().where(AuditEntry.action == "user.role")
                   .order_by(AuditEntry.id))
    assert [(e.subject_user_id, e.detail) for e in entries] == [
        (member.id, "Membre → Modérateur·rice"), (member.id, "Modérateur·rice → Administrateur·rice")]
    assert all(e.actor.email == ADMIN for e in entries)


def test_an_unknown_role_is_refused_beside_the_select(app, admin, database):
    member = member_named(app, "bruno@example.net")
    response = post(admin, f"/admin/membres/{member.id}/role", role="superuser")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choisissez un rôle dans la liste." in page
    assert f'aria-describedby="membre-trouve-{member.id}-erreur"' in page
    assert User.get_by_id(member.id).role == User.MEMBER
    assert AuditEntry.select().count() == 0


def test_the_last_admin_can_neither_be_demoted_nor_blocked(app, admin, database):
    me = User.get(User.email == ADMIN)
    response = post(admin, f"/admin/membres/{me.id}/role", role="member")
    assert response.status_code == 422
    assert "dernier compte administrateur actif" in response.get_data(as_text=True)
    response = admin.post(f"/admin/membres/{me.id}/bloquer", headers=HX,
                          data={"csrf_token": token(admin), "place": "equipe"})
    assert response.status_code == 422
    assert "dernier compte administrateur actif" in response.get_data(as_text=True)
    me = User.get_by_id(me.id)
    assert me.role == User.ADMIN and me.blocked_at is None
    assert AuditEntry.select().count() == 0

    # A blocked admin does not count: the last one who can log in is still protected.
    other = member_named(app, "autre-admin@example.net", role="admin")
    members.block(me, other)
    assert post(admin, f"/admin/membres/{me.id}/role", role="moderator").status_code == 422


def test_with_a_second_admin_one_may_hand_over_and_leaves_the_admin_area(app, admin, database):
    me = User.get(User.email == ADMIN)
    member_named(app, "autre-admin@example.net", role="admin")
    response = post(admin, f"/admin/membres/{me.id}/role", role="moderator")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert User.get_by_id(me.id).role == User.MODERATOR
    assert admin.get("/admin/membres").status_code == 403


def test_no_admin_can_block_themself(app, admin, database):
    me = User.get(User.email == ADMIN)
    member_named(app, "autre-admin@example.net", role="admin")
    response = post(admin, f"/admin/membres/{me.id}/bloquer")
    assert response.status_code == 422
    assert "bloquer votre propre compte" in response.get_data(as_text=True)
    assert User.get_by_id(me.id).blocked_at is None


def test_blocking_ends_the_sessions_and_refuses_login_until_unblocked(app, admin, database):
    member = member_named(app, "bruno@example.net")
    member_client = app.test_client()
    log_in(member_client, "bruno@example.net")
    assert member_client.get("/compte").status_code == 200

    response = post(admin, f"/admin/membres/{member.id}/bloquer")
    assert response.status_code == 303
    assert "Compte bloqué" in admin.get(response.headers["Location"]).get_data(as_text=True)
    blocked = User.get_by_id(member.id)
    assert blocked.blocked_at is not None and blocked.session_token != member.session_token
    assert member_client.get("/compte").status_code == 302  # the open session is over

    refused = log_in(app.test_client(), "bruno@example.net")
    assert refused.status_code == 422
    assert "Ce compte a été bloqué par l&#39;administration du site" in refused.get_data(True)
    wrong_password = log_in(app.test_client(), "bruno@example.net", password="pas-le-bon")
    assert "bloqué" not in wrong_password.get_data(as_text=True)  # says nothing without it

    response = admin.post(f"/admin/membres/{member.id}/debloquer", headers=HX,
                          data={"csrf_token": token(admin), "place": "trouve"})
    assert response.status_code == 200
    assert "Compte débloqué" in response.get_data(as_text=True)
    assert User.get_by_id(member.id).blocked_at is None
    assert log_in(app.test_client(), "bruno@example.net").status_code == 303
    assert [e.action for e in AuditEntry.select().order_by(AuditEntry.id)] == [
        "user.block", "user.unblock"]


def test_journal_lists_the_actions_with_who_what_and_whom(app, admin, database):
    member = member_named(app, "bruno@example.net")
    post(admin, f"/admin/membres/{member.id}/role", role="moderator")
    post(admin, f"/admin/membres/{member.id}/bloquer")
    post(admin, f"/admin/membres/{member.id}/debloquer")
    admin.get("/admin/abonnes.csv").close()
    page = admin.get("/admin/journal").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<td[^>]*>([^<]+)</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]+)</td>",
                      page)
    assert [(who, what) for _, who, what in rows] == [
        ("Alice Admin", "Export des abonnés à la lettre d&#39;infos"),
        ("Alice Admin", "Compte débloqué"), ("Alice Admin", "Compte bloqué"),
        ("Alice Admin", "Rôle changé")]
    assert re.match(r"\d\d/\d\d/\d{4} - \d\d:\d\d:\d\d", rows[0][0])
    assert f'<a href="/admin/membres?membre={member.id}">Bruno Membre</a>' in page
    assert "Membre → Modérateur·rice" in page


def test_journal_pages_with_avant_and_names_the_system(app, admin, database):
    from models import Campaign
    from services import audit
    campaign = Campaign.select().first()
    me = User.get(User.email == ADMIN)
    audit.record(None, "campaign.close", campaign=campaign)
    for number in range(audit.PAGE_SIZE + 2):
        audit.record(me, "export.pdf", campaign=campaign, detail=f"n{number}")
    first = admin.get("/admin/journal").get_data(as_text=True)
    assert first.count("<tr>") == audit.PAGE_SIZE + 1  # with the head's row
    more = re.search(r'href="(/admin/journal\?avant=\d+)"', first).group(1)
    second = admin.get(more).get_data(as_text=True)
    assert second.count("<tr>") == 1 + 3 and "Système" in second and "Campagne close" in second
    assert f'href="/admin/campagnes/{campaign.id}/tableau"' in second
    assert "Actions plus anciennes" not in second


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_member_routes_refuse_anyone_but_an_admin_and_change_nothing(app, client, database, who):
    target = member_named(app, "bruno@example.net")
    if who != "anonymous":
        make_member(app, f"{who}@example.net", role=who)
        log_in(client, f"{who}@example.net")
    form = {"csrf_token": csrf_token(client, "/connexion" if who == "anonymous" else "/compte"),
            "role": "admin"}
    for path in (f"/admin/membres/{target.id}/role", f"/admin/membres/{target.id}/bloquer",
                 f"/admin/membres/{target.id}/debloquer"):
        response = client.post(path, data=form)
        assert response.status_code == (302 if who == "anonymous" else 403), path
        assert response.headers["Cache-Control"] == "no-store"
    for path in ("/admin/membres", "/admin/membres?courriel=bruno@example.net", "/admin/journal",
                 "/admin/abonnes.csv"):
        response = client.get(path)
        assert response.status_code == (302 if who == "anonymous" else 403), path
    target = User.get_by_id(target.id)
    assert target.role == User.MEMBER and target.blocked_at is None
    assert AuditEntry.select().count() == 0


def test_a_post_without_its_token_changes_nothing(app, admin, database):
    member = member_named(app, "bruno@example.net")
    response = admin.post(f"/admin/membres/{member.id}/role", data={"role": "admin"})
    assert response.status_code == 400
    assert User.get_by_id(member.id).role == User.MEMBER
    assert admin.post("/admin/membres/999999/role", data={
        "csrf_token": token(admin), "role": "admin"}).status_code == 404


def test_in_chromium_a_role_changes_in_place_and_the_last_admin_is_kept(browser, live_server):
    from browser_support import expect, nav_item, new_page
    from conftest import MEMBER_PASSWORD
    app = live_server.app
    admin = make_member(app, ADMIN, role="admin", first_name="Alice", last_name="Admin")
    member = member_named(app, "bruno@example.net")
    page = new_page(browser)
    page.goto(live_server.url + "/connexion")
    page.get_by_label(re.compile(r"^Adresse électronique")).fill(ADMIN)
    page.get_by_label(re.compile(r"^Mot de passe")).fill(MEMBER_PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    expect(nav_item(page, "Mon profil")).to_be_attached()
    page.goto(live_server.url + "/admin/membres")
    page.get_by_label("Adresse électronique du compte").fill("Bruno@example.net")
    page.get_by_role("button", name="Chercher").click()
    row = page.locator(f"#membre-trouve-{member.id}")
    page.evaluate("window.__marker = 1")
    row.get_by_label("Rôle").select_option("moderator")
    row.get_by_role("button", name="Changer le rôle").click()
    expect(row.get_by_role("status")).to_have_text("Rôle changé : Modérateur·rice.")
    expect(row.locator(".role-moderator")).to_be_visible()
    me = page.locator(f"#membre-equipe-{admin.id}")
    me.get_by_label("Rôle").select_option("member")
    me.get_by_role("button", name="Changer le rôle").click()
    expect(me.get_by_role("alert")).to_contain_text("dernier compte administrateur actif")
    assert page.evaluate("window.__marker") == 1
    with app.app_context():
        assert User.get_by_id(member.id).role == User.MODERATOR
        assert User.get(User.email == ADMIN).role == User.ADMIN
        db.close()
    page.context.close()
