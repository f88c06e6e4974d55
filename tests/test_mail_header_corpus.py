"""Header injection and long lines, through every field that reaches a mail, checked on
what a real SMTP server (aiosmtpd on 127.0.0.1) received.

The corpus holds line breaks of every kind (CR, LF, CRLF, a folded continuation, U+2028,
U+2029, U+0085, NUL), encoded words that decode to a line break, addresses hidden in a
display name, and very long names. Each goes into the signer's names (the letter's From
"Prénom Nom via Interpelle", the confirmation), the letter's subject and text, the
signer's address (the letter's Reply-To), an account's names (the verification mail), a
proposal's title and the moderator's message (the refusal mail), a recommendation's sender
name and word, and a newsletter's subject and text. The services take it as a form would
hand it over, without the form's validators: the mail layer must hold by itself. The
signing form is driven with it too, over HTTP.

Every received message must then carry no header the site did not write (no Bcc, no Cc
where there is none, nothing injected), go to exactly the intended envelope recipients,
have a one-line Subject and one From address, and no line over 998 bytes. The long-line
corpus (a 5,000-character paragraph, a 200 KB letter, long words, emoji, CJK) must arrive
with short lines and decode back to the text that was written.
"""
import base64
import email
import re
from collections import Counter
from email import policy
from email.header import decode_header, make_header

import pytest

from conftest import DEMO_CYBERACTION, campaign_at, csrf_token, make_member, signer
from models import OutboxMessage, Signature, Subscriber, utcnow
from services import (
    accounts, campaigns, messages, newsletter, outbox, proposals, recommendations, signing,
)

EVIL = "victime@evil.example"
CRLF = "\r\n"
SENDER = "ne-pas-repondre@interpelle.test"
TARGET = "premier-ministre@example.org"

CORPUS = {
    "cr": f"Camille\rBcc: {EVIL}",
    "lf": f"Camille\nBcc: {EVIL}",
    "crlf": f"Camille\r\nBcc: {EVIL}",
    "crlf-header": "Camille\r\nX-Injected: oui",
    "crlf-body": f"Camille\r\n\r\nCorps injecté {EVIL}",
    "folded": f"Camille\r\n Bcc: {EVIL}",
    "u2028": f"Camille\u2028Bcc: {EVIL}",
    "u2029": f"Camille\u2029Bcc: {EVIL}",
    "u0085": f"Camille\u0085Bcc: {EVIL}",
    "nul": f"Camille\x00Bcc: {EVIL}",
    "encoded-q": f"=?utf-8?q?Camille=0D=0ABcc:_{EVIL}?=",
    "encoded-b": f"=?utf-8?b?{base64.b64encode(f'Camille{CRLF}Bcc: {EVIL}'.encode()).decode()}?=",
    "address-in-name": f'Camille <{EVIL}>',
    "quoted-address": f'"Camille" <{EVIL}>, "Lou" <{EVIL}>',
    "comma": f"Camille, {EVIL}",
    # As long as a name column holds (100): with the first name, a From name of 200.
    "long-name": ("Camille-" + "Marie-Éléonore-" * 10)[:100],
    "long-word": "C" * 100,
}



@pytest.fixture
def corpus(database_url):
    """The corpus this database can store: PostgreSQL refuses NUL in any text, before any
    mail (the forms refuse it earlier still: tests/test_properties.py)."""
    if database_url.startswith("sqlite"):
        return CORPUS
    return {name: value for name, value in CORPUS.items() if "\x00" not in value}


# The headers the site writes; anything else in a received message was injected.
KNOWN_HEADERS = {
    "from", "to", "cc", "subject", "date", "message-id", "reply-to", "mime-version",
    "content-type", "content-transfer-encoding", "list-unsubscribe", "list-unsubscribe-post",
    "auto-submitted", "precedence", "x-auto-response-suppress",
}
LINE_BREAKS = re.compile("[\r\n\u2028\u2029\u0085]")


@pytest.fixture
def app_config(smtp_server):
    # No pacing per domain: the corpus sends a few dozen messages to example.net at once.
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port,
            "MAIL_RATE_PER_DOMAIN": "0", "PAGE_CACHE_SECONDS": 0}


def deliver(app):
    with app.app_context():
        outbox.drain()


def raw_headers(content):
    """(name, unfolded value) of each header as it travelled."""
    head = content.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    headers = []
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and headers:
            headers[-1] = (headers[-1][0], headers[-1][1] + line)
        else:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value))
    return headers


def header_problems(envelope, recipients):
    """What is wrong with one received message that should go to `recipients`."""
    problems = []
    if sorted(envelope.rcpt_tos) != sorted(recipients):
        problems.append(f"envelope to {envelope.rcpt_tos}, not {recipients}")
    long_lines = [len(line) for line in envelope.content.split(b"\r\n") if len(line) > 998]
    if long_lines:
        problems.append(f"lines of {long_lines} bytes")
    names = Counter(name for name, _ in raw_headers(envelope.content))
    unknown = sorted(set(names) - KNOWN_HEADERS)
    if unknown:
        problems.append(f"headers injected: {unknown}")
    twice = sorted(name for name in ("from", "to", "cc", "subject", "reply-to")
                   if names[name] > 1)
    if twice:
        problems.append(f"headers written twice: {twice}")
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    subject = str(message["Subject"] or "")
    if LINE_BREAKS.search(subject):
        problems.append(f"a Subject of more than one line: {subject!r}")
    problems += address_problems(message, recipients)
    return problems


def address_problems(message, recipients):
    problems = []
    sender = message["From"].addresses if message["From"] else ()
    if [address.addr_spec for address in sender] != [SENDER]:
        problems.append(f"From is {message['From']!r}")
    for address in sender:
        if LINE_BREAKS.search(address.display_name):
            problems.append(f"a From name of more than one line: {address.display_name!r}")
    written = [address.addr_spec for name in ("To", "Cc", "Reply-To", "Bcc")
               for address in (message[name].addresses if message[name] else ())]
    if any(address.endswith("evil.example") for address in written):
        problems.append(f"an address the site did not choose: {written}")
    return problems


def envelope_to(mailbox, address):
    return [envelope for envelope in mailbox.envelopes if address in envelope.rcpt_tos]


def confirm_token(signature):
    return messages.confirmation_url(signature).rsplit("/", 1)[1]


def details(number, value, **overrides):
    fields = {**signer(email=f"signataire{number}@example.net"), "last_name": value,
              "first_name": value, "letter_subject": f"Objet {value}",
              "letter_body": f"Madame, Monsieur,\n\n{value}\n\nCordialement."}
    fields.update(overrides)
    return signing.SignerDetails(**fields)


def sign_and_confirm(app, campaign, number, value, **overrides):
    with app.app_context():
        signing.sign(campaign, details(number, value, **overrides))
        signature = Signature.get(Signature.email_key == f"signataire{number}@example.net") \
            if "email" not in overrides else Signature.select().order_by(Signature.id.desc()).get()
        signing.confirm(confirm_token(signature))


def test_the_signers_names_subject_and_letter_never_add_a_header(app, smtp_server, database,
                                                                  corpus):
    campaign = campaign_at(DEMO_CYBERACTION)
    for number, value in enumerate(corpus.values()):
        sign_and_confirm(app, campaign, number, value)
    deliver(app)
    problems = []
    for number, (name, value) in enumerate(corpus.items()):
        address = f"signataire{number}@example.net"
        confirmation = envelope_to(smtp_server.mailbox, address)
        letters = [envelope for envelope in envelope_to(smtp_server.mailbox, TARGET)
                   if f"<{address}>".encode() in envelope.content
                   or address.encode() in envelope.content.split(b"\r\n\r\n")[0]]
        if len(confirmation) != 1 or len(letters) != 1:
            problems.append(f"{name}: {len(confirmation)} confirmation(s), "
                            f"{len(letters)} letter(s)")
            continue
        problems += [f"{name} (confirmation): {p}"
                     for p in header_problems(confirmation[0], [address])]
        problems += [f"{name} (letter): {p}" for p in header_problems(letters[0], [TARGET])]
        letter = email.message_from_bytes(letters[0].content, policy=policy.default)
        if [a.addr_spec for a in letter["Reply-To"].addresses] != [address]:
            problems.append(f"{name} (letter): Reply-To {letter['Reply-To']!r}")
    assert not problems, "\n".join(problems)


HOSTILE_ADDRESSES = [
    f"signataire@example.net\r\nBcc: {EVIL}",
    f"signataire@example.net\nBcc: {EVIL}",
    f"signataire@example.net, {EVIL}",
    f"Camille <{EVIL}>",
    f"signataire@example.net\u2028Bcc: {EVIL}",
]


def test_a_hostile_address_never_reaches_another_mailbox(app, smtp_server, database):
    """The signer's address is the confirmation's To: one that is not a bare address is
    refused before anything is queued."""
    campaign = campaign_at(DEMO_CYBERACTION)
    for address in HOSTILE_ADDRESSES:
        with app.app_context():
            with pytest.raises(ValueError):
                signing.sign(campaign, details(0, "Camille", email=address))
    assert Signature.select().count() == 0


@pytest.mark.parametrize("field", ["reply_to", "to_addrs", "cc_addrs"])
def test_a_stored_message_with_a_hostile_address_fails_alone(app, smtp_server, database, field):
    """An outbox row written before the check (or by a future bug) is not sent at all."""
    with app.app_context():
        for number, address in enumerate(HOSTILE_ADDRESSES):
            fields = {"category": "letter", "to_addrs": TARGET, "subject": f"Lettre {number}",
                      "body_text": "Texte", field: address}
            OutboxMessage.create(**fields)
        OutboxMessage.create(category="letter", to_addrs=TARGET, subject="Saine",
                             body_text="Texte", reply_to="signataire@example.net")
        deliver(app)
    received = smtp_server.mailbox.envelopes
    assert [envelope.rcpt_tos for envelope in received] == [[TARGET]]
    assert header_problems(received[0], [TARGET]) == []
    failed = OutboxMessage.select().where(OutboxMessage.status == OutboxMessage.FAILED)
    assert failed.count() == len(HOSTILE_ADDRESSES)


def test_an_accounts_names_never_add_a_header_to_its_verification_mail(app, smtp_server,
                                                                       database, corpus):
    for number, value in enumerate(corpus.values()):
        with app.app_context():
            profile = accounts.Profile(last_name=value, first_name=value, postal_code="35000",
                                       city="Rennes", country="FR")
            accounts.register(f"compte{number}@example.net", "cheval-batterie-agrafe-9", profile)
    deliver(app)
    problems = []
    for number, name in enumerate(corpus):
        address = f"compte{number}@example.net"
        received = envelope_to(smtp_server.mailbox, address)
        if len(received) != 1:
            problems.append(f"{name}: {len(received)} verification mail(s)")
            continue
        problems += [f"{name}: {p}" for p in header_problems(received[0], [address])]
    assert not problems, "\n".join(problems)


def proposal_fields(title):
    return campaigns.CampaignFields(
        kind="petitions", title=title, summary="Résumé.", proposer="Camille",
        targets=[("Mairie", "mairie@example.org")], letter_subject="Objet",
        letter_body="Madame la Maire,\n\nNous vous écrivons.")


def test_a_proposals_title_and_the_refusal_never_add_a_header(app, smtp_server, database,
                                                              corpus):
    member = make_member(app)
    moderator = make_member(app, "moderatrice@example.net", role="moderator")
    refused = []
    for name, value in corpus.items():
        with app.app_context():
            try:
                proposal = campaigns.propose(member, proposal_fields(value))
            except campaigns.InvalidCampaign:
                continue  # the title is refused before any mail: nothing to check
            proposals.refuse_and_tell(moderator, proposal, f"Non : {value}")
            refused.append(name)
    deliver(app)
    received = envelope_to(smtp_server.mailbox, "membre@example.net")
    assert len(received) == len(refused) > 0
    problems = [f"{p}" for envelope in received
                for p in header_problems(envelope, ["membre@example.net"])]
    assert not problems, "\n".join(problems)


def test_a_recommendation_never_adds_a_header(app, smtp_server, database, corpus):
    campaign = campaign_at(DEMO_CYBERACTION)
    for number, value in enumerate(corpus.values()):
        with app.app_context():
            recommendations.recommend(campaign, recommendations.Recommendation(
                sender_name=value, addresses=(f"amie{number}@example.net",),
                personal_word=f"Signe ! {value}"))
    deliver(app)
    problems = []
    for number, name in enumerate(corpus):
        address = f"amie{number}@example.net"
        received = envelope_to(smtp_server.mailbox, address)
        if len(received) != 1:
            problems.append(f"{name}: {len(received)} recommendation(s)")
            continue
        problems += [f"{name}: {p}" for p in header_problems(received[0], [address])]
    assert not problems, "\n".join(problems)


READERS = 2


def test_a_newsletter_subject_never_adds_a_header(app, smtp_server, database, corpus):
    admin = make_member(app, "admin@example.net", role="admin")
    with app.app_context():
        for number in range(READERS):
            Subscriber.create(email=f"lectrice{number}@example.net",
                              email_key=f"lectrice{number}@example.net",
                              status=Subscriber.SUBSCRIBED, token=f"{number:032x}",
                              confirmed_at=utcnow())
    problems = []
    for name, value in corpus.items():
        smtp_server.mailbox.envelopes.clear()
        with app.app_context():
            announcement = newsletter.create(admin, newsletter.AnnouncementFields(
                subject=value, body=f"Bonjour,\n\n{value}"))
            newsletter.start_sending(admin, announcement)
            send_now()
        deliver(app)
        if len(smtp_server.mailbox.envelopes) != READERS:
            problems.append(f"{name}: {len(smtp_server.mailbox.envelopes)} sent")
        for envelope in smtp_server.mailbox.envelopes:
            problems += [f"{name}: {p}" for p in header_problems(envelope, envelope.rcpt_tos)]
            if not any(rcpt.startswith("lectrice") for rcpt in envelope.rcpt_tos):
                problems.append(f"{name}: sent to {envelope.rcpt_tos}")
    assert not problems, "\n".join(problems)


def send_now():
    """The newsletter spreads its batch over the next minutes: the test sends it now."""
    OutboxMessage.update(next_attempt_at=utcnow()).where(
        OutboxMessage.status == OutboxMessage.PENDING).execute()


def test_the_signing_form_lets_no_header_through_either(app, client, smtp_server, database,
                                                        corpus):
    """The same corpus over HTTP: refused by the form, or delivered clean."""
    token = csrf_token(client)
    accepted = []
    for number, (name, value) in enumerate(corpus.items()):
        data = {**signer(email=f"formulaire{number}@example.net"), "first_name": value,
                "letter_subject": value, "letter_body": value, "csrf_token": token}
        response = client.post(f"{DEMO_CYBERACTION}/signer", data=data)
        assert response.status_code in (303, 422), (name, response.status_code)
        if response.status_code == 303:
            accepted.append((number, name))
    with app.app_context():
        for number, _ in accepted:
            signature = Signature.get(Signature.email_key == f"formulaire{number}@example.net")
            signing.confirm(confirm_token(signature))
    deliver(app)
    problems = []
    for envelope in smtp_server.mailbox.envelopes:
        problems += header_problems(envelope, envelope.rcpt_tos)
        if any("evil" in rcpt for rcpt in envelope.rcpt_tos):
            problems.append(f"sent to {envelope.rcpt_tos}")
    assert not problems, "\n".join(problems)


# The long-line corpus ----------------------------------------------------------------------

LONG_TEXTS = {
    "paragraph-5000": ("Une phrase sans retour à la ligne, écrite avec soin. " * 95)[:5000],
    "letter-200kb": "\n\n".join(f"Paragraphe {n} : " + "é" * 1500 for n in range(70)),
    "long-word": "Anticonstitutionnellement" * 200,
    "emoji": "✊🏽🌍👩‍💻" * 700,
    "cjk": "我们要求停止迁移到微软服务" * 300,
    "rtl": " ".join(["\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627"] * 500),
}


def plain_text_of(envelope):
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


@pytest.mark.parametrize("name", LONG_TEXTS)
def test_a_long_letter_arrives_in_short_lines_and_whole(app, smtp_server, database, name):
    text = LONG_TEXTS[name]
    campaign = campaign_at(DEMO_CYBERACTION)
    sign_and_confirm(app, campaign, 0, "Camille", letter_subject=text[:200], letter_body=text)
    deliver(app)
    letters = envelope_to(smtp_server.mailbox, TARGET)
    assert len(letters) == 1
    assert header_problems(letters[0], [TARGET]) == []
    assert text in plain_text_of(letters[0])
    message = email.message_from_bytes(letters[0].content, policy=policy.default)
    assert message["Subject"] == text[:200].strip()


def test_a_long_accented_name_and_subject_arrive_exactly_as_written(app, smtp_server, database):
    """Flask-Mail folded them twice: spaces were lost between encoded words, or added
    inside a name ("Saint-Étienne-du -Rouvr ay")."""
    first, last = "Marie-Éléonore-Françoise", "de la Fontaine-Saint-Étienne-du-Rouvray"
    subject = ("Stop à la migration des écoles vers Microsoft 365 : pour des logiciels "
               "libres à l’école publique, שלום مرحبا שלום مرحبا שלום مرحبا שלום مرحبا")
    campaign = campaign_at(DEMO_CYBERACTION)
    sign_and_confirm(app, campaign, 0, "x", first_name=first, last_name=last,
                     letter_subject=subject)
    deliver(app)
    letter, = envelope_to(smtp_server.mailbox, TARGET)
    assert header_problems(letter, [TARGET]) == []
    message = email.message_from_bytes(letter.content, policy=policy.default)
    assert message["Subject"] == subject
    # Decoded as RFC 2047 says (the space between two encoded words is not text): Python's
    # own address parser, alone among readers, puts one there.
    raw_from = dict(raw_headers(letter.content))["from"]
    decoded = str(make_header(decode_header(raw_from.replace("\r\n", ""))))
    assert decoded == f"{first} {last} via Interpelle <{SENDER}>"
