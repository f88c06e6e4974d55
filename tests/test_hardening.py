"""Crafted requests and races found in review: each stays harmless."""
import re
from concurrent.futures import ThreadPoolExecutor

from conftest import (
    DEMO_CYBERACTION, MEMBER_PASSWORD, campaign_at, csrf_token, delete_own_account, log_in,
    make_member, post_signature,
)
from models import OutboxMessage, Signature
from services import accounts, signing


def without_token(html):
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)


def test_registering_then_logging_in_does_not_tell_which_addresses_had_an_account(app, database):
    make_member(app, email="deja@example.net")  # someone else's account, another password
    with app.app_context():
        accounts.register("libre@example.net", MEMBER_PASSWORD + "!",
                          accounts.Profile("Nom", "Prénom", "35000", "Rennes", "FR"))
        accounts.register("deja@example.net", MEMBER_PASSWORD + "!",
                          accounts.Profile("Nom", "Prénom", "35000", "Rennes", "FR"))
    free = log_in(app.test_client(), "libre@example.net", MEMBER_PASSWORD + "!")
    taken = log_in(app.test_client(), "deja@example.net", MEMBER_PASSWORD + "!")
    assert free.status_code == taken.status_code == 422
    assert without_token(free.get_data(as_text=True)) == without_token(taken.get_data(as_text=True))


def test_deleting_an_account_keeps_mail_of_addresses_that_merely_contain_it(app, client, database):
    make_member(app, email="paul@example.net")
    OutboxMessage.create(category="confirmation", to_addrs="jean-paul@example.net",
                         subject="Pour Jean-Paul", body_text="…")
    log_in(client, "paul@example.net")
    delete_own_account(client)
    assert OutboxMessage.select().where(OutboxMessage.subject == "Pour Jean-Paul").exists()


def test_withdrawing_twice_at_once_counts_down_once(app, client, database):
    post_signature(client)
    signature = Signature.get()
    with app.app_context():
        token = signing.messages.make_token(signing.messages.MANAGE_PURPOSE, signature.confirm_nonce)
        confirm_token = signing.messages.make_token(signing.messages.CONFIRM_PURPOSE,
                                                    signature.confirm_nonce)
        signing.confirm(confirm_token)

    def withdraw(_):
        with app.app_context():
            try:
                signing.withdraw(token)
            except signing.InvalidToken:
                pass
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(withdraw, range(2)))
    assert Signature.select().count() == 0
    assert campaign_at(DEMO_CYBERACTION).signature_count == 0


def test_longest_names_can_still_confirm(client, database):
    post_signature(client, first_name="A" * 100, last_name="B" * 100)
    message = OutboxMessage.get(OutboxMessage.category == "confirmation")
    path = re.search(r"http://interpelle\.test(/confirmer/\S+)", message.body_text).group(1)
    response = client.post(path, data={"csrf_token": csrf_token(client)})
    assert response.status_code == 200
    assert len(OutboxMessage.get(OutboxMessage.category == "letter").sender_name) <= 200


def test_nul_bytes_and_huge_ids_are_refused_not_crashed(client, database):
    assert client.get("/cyberactions/a%00b").status_code == 400
    assert client.get("/elus/%00").status_code == 400
    assert client.get(f"{DEMO_CYBERACTION}/commentaires?avant=%C2%B2").status_code == 200
    assert client.get(f"{DEMO_CYBERACTION}/commentaires?avant=" + "9" * 30).status_code == 200
    token = csrf_token(client, "/connexion")
    response = client.post("/connexion", data={"csrf_token": token, "email": "a\x00@example.net",
                                               "password": "x" * 12})
    assert response.status_code == 422
