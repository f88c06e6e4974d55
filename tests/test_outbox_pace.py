"""Mail at the relay's pace: a rate per recipient domain, a back-off per domain after a
4xx, and the other domains untouched; against a real SMTP server (aiosmtpd, 127.0.0.1)."""
import datetime as dt
import logging
import threading
import time
from collections import Counter

import pytest

from conftest import Mailbox
from models import MailDomain, OutboxMessage, db, utcnow
from services import messages, outbox, pacing

SLOW, FAST = "ministere.example", "ailleurs.example"
START = dt.datetime(2030, 1, 7, 9, 0, 0)


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port,
            "MAIL_RATE_PER_DOMAIN": f"10;{FAST}=100", "MAIL_RATE": "0"}


class BusyDomain(Mailbox):
    """Answers 451 to the RCPTs of one domain for its first `times` attempts."""

    def __init__(self, domain, times):
        super().__init__()
        self.domain, self.left = domain, times

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@" + self.domain) and self.left > 0:
            self.left -= 1
            return "451 4.7.1 Too many messages, slow down"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def busy(smtp_server, domain, times):
    smtp_server.stop()
    smtp_server.mailbox = BusyDomain(domain, times)
    smtp_server.start()


def queue(app, domain, count, created=START):
    """`count` letters through the outbox's own entry point, each to its own address."""
    with app.app_context():
        for number in range(count):
            messages.save({"category": "letter", "to_addrs": f"cible{number}@{domain}",
                           "subject": f"{domain} {number}", "body_text": "Texte",
                           "next_attempt_at": created, "created_at": created})


def received(smtp_server, domain=None):
    subjects = [message["Subject"] for message in smtp_server.mailbox.messages]
    return [subject for subject in subjects if domain is None or subject.startswith(domain)]


def drain_at(app, moment):
    with app.app_context():
        return outbox.drain(now=moment)


def claim_at(app, moment, worker="worker-test"):
    with app.app_context():
        return outbox.claim_due(worker, now=moment)


def test_rates_are_read_with_their_overrides():
    rates = pacing.parse_rates("10; Education.Gouv.fr=5 ;example.org=0.5", "40")
    assert rates.for_domain("gmail.com") == 10
    assert rates.for_domain("education.gouv.fr") == 5
    assert rates.budget("example.org", 100) == 1  # one message, then two seconds' wait
    assert rates.budget("gmail.com", 100) == 10
    assert rates.budget("gmail.com", 3) == 3
    assert rates.overall == 40
    assert pacing.parse_rates("0", "0").budget("gmail.com", 100) == 100  # unpaced
    for wrong in ("dix", "-1", "a@b.fr=3", "=3"):
        with pytest.raises(ValueError, match="MAIL_RATE_PER_DOMAIN"):
            pacing.parse_rates(wrong, "0")
    with pytest.raises(ValueError, match="MAIL_RATE"):
        pacing.parse_rates("10", "vite")


def test_a_domain_answering_4xx_waits_while_the_other_domain_is_delivered_at_once(
        app, smtp_server, database, caplog):
    busy(smtp_server, SLOW, times=2)
    queue(app, SLOW, 30)
    queue(app, FAST, 20)
    caplog.set_level(logging.WARNING, logger="services.pacing")

    drain_at(app, START)
    assert len(received(smtp_server, FAST)) == 20  # the first drain, not delayed
    assert received(smtp_server, SLOW) == []
    slow = MailDomain.get(MailDomain.domain == SLOW)
    assert slow.backoff_level == 1 and slow.backoff_until == START + dt.timedelta(seconds=30)
    assert "451" in slow.last_error
    # Only the letter that met the 4xx counts an attempt; the others just wait.
    assert sorted(m.attempts for m in OutboxMessage.select().where(
        OutboxMessage.domain == SLOW)) == [0] * 29 + [1]

    assert drain_at(app, START + dt.timedelta(seconds=20)) == 0  # still backed off
    drain_at(app, START + dt.timedelta(seconds=31))  # a second 4xx: it waits twice as long
    slow = MailDomain.get(MailDomain.domain == SLOW)
    assert slow.backoff_level == 2
    assert slow.backoff_until == START + dt.timedelta(seconds=31 + 60)
    assert received(smtp_server, SLOW) == []

    moment = START + dt.timedelta(seconds=92)
    for second in range(3):  # ten a second, as configured
        before = len(received(smtp_server, SLOW))
        drain_at(app, moment + dt.timedelta(seconds=second))
        assert len(received(smtp_server, SLOW)) - before == 10
    assert MailDomain.get(MailDomain.domain == SLOW).backoff_level == 0  # reset by a success

    ids = Counter(message["Message-ID"] for message in smtp_server.mailbox.messages)
    assert len(ids) == 50 and set(ids.values()) == {1}  # every letter arrived, once
    assert sorted(received(smtp_server)) == sorted(
        [f"{SLOW} {n}" for n in range(30)] + [f"{FAST} {n}" for n in range(20)])
    assert OutboxMessage.select().where(OutboxMessage.status != OutboxMessage.SENT).count() == 0
    lines = [record.getMessage() for record in caplog.records]
    assert any(SLOW in line for line in lines)
    assert not any("@" in line for line in lines)  # the domain, never an address


def test_a_claim_takes_one_seconds_budget_of_each_domain(app, smtp_server, database):
    queue(app, SLOW, 25)
    queue(app, FAST, 5)
    first = claim_at(app, START)
    assert Counter(message.domain for message in first) == {SLOW: 10, FAST: 5}
    assert claim_at(app, START + dt.timedelta(milliseconds=500)) == []
    second = claim_at(app, START + dt.timedelta(seconds=1))
    assert [message.domain for message in second] == [SLOW] * 10
    assert MailDomain.get(MailDomain.domain == SLOW).next_send_at == \
        START + dt.timedelta(seconds=2)


def test_the_overall_rate_caps_a_claim_over_every_domain(app, smtp_server, database):
    app.config["MAIL_RATE"] = "12"
    queue(app, SLOW, 10)
    queue(app, FAST, 10)
    assert len(claim_at(app, START)) == 12
    assert claim_at(app, START + dt.timedelta(milliseconds=900)) == []
    assert len(claim_at(app, START + dt.timedelta(seconds=1))) == 8


def test_two_workers_claiming_at_once_stay_within_the_domains_budget(app, smtp_server,
                                                                      database):
    queue(app, SLOW, 60)
    ready = threading.Barrier(2, timeout=30)
    claimed, failures = {}, []

    def worker(name):
        with app.app_context():
            try:
                taken = []
                for second in range(3):
                    ready.wait()
                    taken += outbox.claim_due(name, now=START + dt.timedelta(seconds=second))
                claimed[name] = [message.id for message in taken]
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)
                ready.abort()
            finally:
                db.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("w-a", "w-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    everything = claimed["w-a"] + claimed["w-b"]
    assert len(everything) == len(set(everything)) == 30  # ten per second, between them


def test_draining_on_the_clock_waits_out_the_pace_and_delivers_everything(
        app, smtp_server, database):
    queue(app, SLOW, 25, created=utcnow())
    started = time.monotonic()
    with app.app_context():
        assert outbox.drain() == 25
    elapsed = time.monotonic() - started
    assert len(received(smtp_server, SLOW)) == 25
    assert 2.0 <= elapsed < 10  # ten a second, each message in its slot
    sent = sorted(message.sent_at for message in OutboxMessage.select())
    busiest = max(sum(1 for other in sent if first <= other < first + dt.timedelta(seconds=1))
                  for first in sent)
    assert busiest <= 10 + 3  # the rate, and what a late claim may catch up (pacing.CATCH_UP)


def bulk_queue(app, domain, count, now):
    with app.app_context(), db.atomic():
        rows = [{"category": "letter", "to_addrs": f"cible{n}@{domain}", "domain": domain,
                 "subject": "Lettre", "body_text": "Texte", "next_attempt_at": now,
                 "created_at": now} for n in range(count)]
        for start in range(0, len(rows), 500):
            OutboxMessage.insert_many(rows[start:start + 500]).execute()


def test_claims_stay_cheap_with_twenty_thousand_letters_to_a_throttled_domain(
        app, smtp_server, database):
    app.config["MAIL_RATE_PER_DOMAIN"] = f"10;{FAST}=0"  # the other domain is not paced
    bulk_queue(app, SLOW, 20_000, START)
    bulk_queue(app, FAST, 3_000, START)
    first = claim_at(app, START) + claim_at(app, START + dt.timedelta(milliseconds=1))
    assert Counter(message.domain for message in first) == {FAST: 190, SLOW: 10}
    timings = []
    for step in range(2, 22):  # the slow domain is over its budget for these claims
        started = time.perf_counter()
        batch = claim_at(app, START + dt.timedelta(milliseconds=step))
        timings.append(time.perf_counter() - started)
        assert [message.domain for message in batch] == [FAST] * 100
    timings.sort()
    median = timings[len(timings) // 2]
    print(f"claim of 100 beside 20,000 throttled letters: median {median * 1000:.1f} ms")
    assert median < 0.05
