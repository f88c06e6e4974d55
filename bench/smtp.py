"""A local SMTP server that keeps no mail, only a tally of what it received.

A message is known by its envelope recipients, Reply-To and Subject, which
are unique per outbox row in a benchmark run (each participant has their own
address); the Message-ID is not used because a second delivery of the same
row would carry a new one.
"""
import logging
import threading
import time
from collections import Counter
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller

from bench.net import HOST, free_port

# aiosmtpd logs every SMTP command at INFO; the tally is all the benchmark needs.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Tally:
    """aiosmtpd handler: count each distinct message, and note when each arrived
    for which recipient domain (the pace scenario reads the rate from them)."""

    def __init__(self):
        self.received = Counter()
        self.arrivals = []  # (time.monotonic(), domain of the first recipient)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.content)
        key = (",".join(sorted(envelope.rcpt_tos)), headers.get("Reply-To", ""),
               headers.get("Subject", ""))
        domain = envelope.rcpt_tos[0].rpartition("@")[2].lower() if envelope.rcpt_tos else ""
        with self.lock:
            self.received[key] += 1
            self.arrivals.append((time.monotonic(), domain))
        return "250 Message accepted"

    def snapshot(self):
        with self.lock:
            return Counter(self.received)


class SmtpSink:
    """aiosmtpd on a free port of 127.0.0.1 (bound first: Controller(port=0) fails)."""

    def __init__(self):
        self.port = free_port()
        self.tally = Tally()
        self.controller = Controller(self.tally, hostname=HOST, port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def total(self):
        return sum(self.tally.snapshot().values())

    def arrivals(self, domain):
        """When each message to `domain` arrived (time.monotonic()), in order."""
        with self.tally.lock:
            return sorted(moment for moment, to in self.tally.arrivals if to == domain)

    def duplicates(self):
        """How many messages arrived more than once (0 when all is well)."""
        return sum(1 for count in self.tally.snapshot().values() if count > 1)
