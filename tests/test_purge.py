"""Purging personal data: months after a campaign closed nothing names its signers any
more, while its counter, its bilan and the one-per-address guarantee stay; client
networks go after their own, shorter, retention."""
import datetime as dt
import re

import pytest

from conftest import (
    DEMO_CYBERACTION, DEMO_PETITION, assert_no_table_holds, campaign_at, csrf_token,
    post_signature,
)
from models import (
    Attachment, AuditEntry, Campaign, OutboxMessage, Signature, utcnow,
)
from services import bilans, campaigns, privacy, signing

LINK = re.compile(r"/confirmer/[\w.\-]+")
PERSON = {"email": "zelie.quarteron@example.net", "last_name": "Quarteron",
          "first_name": "Zélie", "postal_code": "97133", "city": "Gustavia",
          "letter_subject": "Ma lettre à moi", "profession": "Cartographe",
          "address": "12 rue des Mouettes"}
BILAN = "Le ministère a reçu la délégation le 3 mars."


def signed_and_confirmed(client, url, network="203.0.113.40", **person):
    client.environ_base["REMOTE_ADDR"] = network
    assert post_signature(client, url=url, **person).status_code == 303
    row = Signature.get(Signature.email == person["email"])
    message = OutboxMessage.get((OutboxMessage.signature == row.id)
                                & (OutboxMessage.category == "confirmation"))
    link = LINK.search(message.body_text).group(0)
    assert client.post(link, data={"csrf_token": csrf_token(client)}).status_code == 200


def closed_ago(app, url, days):
    """Close the campaign, with its bilan and PDF, as if it had been `days` ago."""
    with app.app_context():
        campaign = campaign_at(url)
        campaigns.close(None, campaign)
        bilans.queue_bilan(campaign_at(url))
        Campaign.update(closed_at=utcnow() - dt.timedelta(days=days), result_text=BILAN).where(
            Campaign.id == campaign.id).execute()


def purge(app):
    with app.app_context():
        return privacy.purge_personal_data()


@pytest.fixture
def purged_campaign(app, client, database):
    signed_and_confirmed(client, DEMO_CYBERACTION, **PERSON)
    signed_and_confirmed(client, DEMO_CYBERACTION, email="autre@example.org",
                         letter_subject="Une autre lettre")
    post_signature(client, email="jamais.confirme@example.net")  # pending, never counted
    closed_ago(app, DEMO_CYBERACTION, days=200)
    before = campaign_at(DEMO_CYBERACTION)
    assert Attachment.select().count() == 1
    return before


def test_after_the_purge_no_table_holds_the_persons_email_name_or_postal_code(
        app, purged_campaign):
    report = purge(app)
    assert [(campaign.id, count) for campaign, count in report.campaigns] == [
        (purged_campaign.id, 2)]
    assert_no_table_holds(PERSON["email"], PERSON["last_name"], PERSON["postal_code"],
                          PERSON["first_name"], PERSON["address"], PERSON["letter_subject"],
                          "jamais.confirme@example.net", "203.0.113.")
    assert Attachment.select().count() == 0
    assert OutboxMessage.select().count() == 0


def test_counts_and_bilan_stay_and_the_campaign_says_when_it_was_purged(app, purged_campaign):
    purge(app)
    after = campaign_at(DEMO_CYBERACTION)
    assert after.signature_count == purged_campaign.signature_count
    assert after.result_text == BILAN
    assert after.personal_data_purged_at is not None
    rows = list(Signature.select().where(Signature.campaign == after.id))
    assert len(rows) == 2 and {row.status for row in rows} == {Signature.CONFIRMED}
    assert all(row.email_key.startswith("efface-") and row.hide_identity for row in rows)
    entry = AuditEntry.get(AuditEntry.action == "privacy.purge")
    assert entry.campaign_id == after.id and "2 participation(s)" in entry.detail


def test_the_same_address_still_cannot_be_counted_twice(app, purged_campaign, htmx):
    purge(app)
    Campaign.update(status=Campaign.PUBLISHED, closed_at=None).where(
        Campaign.id == purged_campaign.id).execute()  # reopened, years later
    count = campaign_at(DEMO_CYBERACTION).signature_count
    assert post_signature(htmx, email="Zelie.Quarteron+retour@EXAMPLE.net").status_code == 200
    assert Signature.select().where(Signature.campaign == purged_campaign.id).count() == 2
    assert OutboxMessage.select().count() == 0
    assert campaign_at(DEMO_CYBERACTION).signature_count == count


def test_a_campaign_closed_two_months_ago_is_untouched_and_purging_twice_is_harmless(
        app, client, database):
    signed_and_confirmed(client, DEMO_PETITION, **PERSON)
    closed_ago(app, DEMO_PETITION, days=60)
    assert purge(app).campaigns == []
    row = Signature.get(Signature.email == PERSON["email"])
    assert (row.last_name, row.postal_code) == (PERSON["last_name"], PERSON["postal_code"])
    assert row.ip_network == "203.0.113.0/24"
    assert Attachment.select().count() == 1
    assert campaign_at(DEMO_PETITION).personal_data_purged_at is None
    Campaign.update(closed_at=utcnow() - dt.timedelta(days=200)).execute()
    assert len(purge(app).campaigns) >= 1
    assert purge(app).campaigns == []


def test_networks_are_blanked_after_their_retention_for_every_participation(
        app, client, database):
    signed_and_confirmed(client, DEMO_CYBERACTION, email="ancien@example.net")
    signed_and_confirmed(client, DEMO_CYBERACTION, email="recent@example.net")
    Signature.update(created_at=utcnow() - dt.timedelta(days=31)).where(
        Signature.email == "ancien@example.net").execute()
    report = purge(app)
    networks = dict(Signature.select(Signature.email, Signature.ip_network).tuples())
    assert networks == {"ancien@example.net": "", "recent@example.net": "203.0.113.0/24"}
    assert report.networks_blanked == 1 and report.campaigns == []
    assert Signature.get(Signature.email == "ancien@example.net").last_name == "Durand"


def test_the_command_prints_its_counts(app, runner, purged_campaign):
    result = runner.invoke(args=["purge-personal-data"])
    assert result.exit_code == 0, result.output
    assert "/cyberactions/arret-migration-m365 (2 participation(s) rendues anonymes)" in \
        result.output
    assert "1 campagne(s) purgée(s), 2 participation(s) rendues anonymes" in result.output


def test_the_worker_purges_once_a_day(app, purged_campaign):
    now = utcnow()
    with app.app_context():
        assert privacy.purge_if_due(now) is not None
        assert privacy.purge_if_due(now + dt.timedelta(hours=23)) is None
        assert privacy.purge_if_due(now + dt.timedelta(hours=25)) is not None
    assert campaign_at(DEMO_CYBERACTION).personal_data_purged_at is not None


def test_months_are_counted_on_the_calendar():
    assert privacy.months_before(dt.datetime(2026, 8, 31, 12), 6) == dt.datetime(2026, 2, 28, 12)
    assert privacy.months_before(dt.datetime(2026, 3, 15), 6) == dt.datetime(2025, 9, 15)
    assert signing.email_key("A+b@Example.NET") == "a@example.net"
