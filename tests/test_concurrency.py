"""Many people sign at once: every participation is kept, none is counted twice."""
import re
from concurrent.futures import ThreadPoolExecutor

from conftest import DEMO_CYBERACTION, campaign_at, csrf_token, post_signature
from models import OutboxMessage, Signature

LINK = re.compile(r"http://interpelle\.test(/confirmer/[\w.\-]+)")


def sign_as(app, email):
    client = app.test_client()
    response = post_signature(client, email=email)
    return response.status_code


def confirm_link(app, path):
    client = app.test_client()
    token = csrf_token(client, DEMO_CYBERACTION)
    return client.post(path, data={"csrf_token": token}).status_code


def test_parallel_signers_and_repeated_address_end_with_exact_counts(app, database):
    emails = [f"signataire{number}@example.net" for number in range(30)]
    emails += ["meme.personne@example.net"] * 10
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda email: sign_as(app, email), emails))
    assert statuses == [303] * 40
    assert Signature.select().count() == 31

    # The repeated address may also get one reminder, whose link carries a newer
    # timestamp: keep the first link each participation was sent.
    confirmations = (OutboxMessage.select()
                     .where(OutboxMessage.category == "confirmation")
                     .order_by(OutboxMessage.id.desc()))
    links = {message.signature_id: LINK.search(message.body_text).group(1)
             for message in confirmations}
    assert len(links) == 31
    assert confirmations.count() <= 32
    links = set(links.values())
    # Every link twice, concurrently: the second press must change nothing.
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda path: confirm_link(app, path), sorted(links) * 2))
    assert statuses == [200] * 62

    assert Signature.select().where(Signature.status == Signature.CONFIRMED).count() == 31
    assert campaign_at(DEMO_CYBERACTION).signature_count == 31
    assert OutboxMessage.select().where(OutboxMessage.category == "letter").count() == 31
