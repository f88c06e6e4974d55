"""The outbox worker delivering to a local SMTP server: `flask worker --once`
alone, then two `flask worker` processes sharing the outbox; and the pace scenario:
a backlog to one throttled domain drains at its rate while the other domains' letters
go at once."""
import signal
import subprocess
import sys
import time

from peewee import fn

from bench.dataset import LETTER_BODY, bulk_insert
from bench.server import REPO
from models import OutboxMessage, db, utcnow

DRAIN_TIMEOUT = 600  # seconds; a run that takes longer has failed anyway


def worker_command(once):
    command = [sys.executable, "-m", "flask", "--app", "app", "worker"]
    return command + ["--once"] if once else command


def start_workers(env, count, once=False):
    """Start `count` outbox workers; their output goes nowhere (the tally is the SMTP sink)."""
    return [subprocess.Popen(worker_command(once), cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for _ in range(count)]


def stop_workers(workers):
    """SIGTERM lets a worker finish its current message before it exits."""
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def outstanding():
    """Messages still to deliver (pending or being sent)."""
    with db.connection_context():
        return OutboxMessage.select().where(OutboxMessage.status.in_(
            [OutboxMessage.PENDING, OutboxMessage.SENDING])).count()


def wait_drained(workers, timeout=DRAIN_TIMEOUT, poll=0.2):
    """Block until the outbox is empty; raise if the workers die or time runs out."""
    deadline = time.monotonic() + timeout
    while outstanding():
        if all(worker.poll() is not None for worker in workers):
            raise RuntimeError("every outbox worker exited with messages left: "
                               + workers[0].stderr.read().decode(errors="replace")[-2000:])
        if time.monotonic() > deadline:
            raise RuntimeError(f"the outbox was not drained within {timeout} s")
        time.sleep(poll)


def sent_ids():
    with db.connection_context():
        return {row[0] for row in OutboxMessage.select(OutboxMessage.id)
                .where(OutboxMessage.status == OutboxMessage.SENT).tuples()}


def steady_rate(ids):
    """Messages per second between the first and last `sent_at` of a delivery run."""
    with db.connection_context():
        first, last = (OutboxMessage.select(fn.MIN(OutboxMessage.sent_at),
                                            fn.MAX(OutboxMessage.sent_at))
                       .where(OutboxMessage.id.in_(list(ids))).tuples().get())
    seconds = (last - first).total_seconds() if first and last else 0
    return round((len(ids) - 1) / seconds, 1) if seconds > 0 else None


def deliver(env, workers, sink):
    """Time `workers` processes draining what is due; return the figures."""
    before, received_before = sent_ids(), sink.total()
    started = time.monotonic()
    processes = start_workers(env, workers, once=(workers == 1))
    if workers == 1:
        processes[0].wait(timeout=DRAIN_TIMEOUT)
    wait_drained(processes)
    elapsed = time.monotonic() - started
    stop_workers(processes)
    delivered = sent_ids() - before
    return {
        "scenario": f"outbox-{workers}w",
        "description": f"{workers} outbox worker(s) to a local SMTP server"
                       + (" (worker --once)" if workers == 1 else " (flask worker, stopped when drained)"),
        "workers": workers,
        "messages": len(delivered),
        "received": sink.total() - received_before,
        "seconds": round(elapsed, 2),
        "rps": round(len(delivered) / elapsed, 1) if elapsed else None,
        "steady_rps": steady_rate(delivered) if len(delivered) > 1 else None,
        "target_rps": 200 if workers == 1 else 0,
    }


# Mail at the relay's pace: one domain throttled, the others unaffected -----------------

PACED_DOMAIN = "ministere.bench.example"
OTHER_DOMAINS = tuple(f"mairie-{number:02d}.bench.example" for number in range(20))
OTHERS_RATE = 10   # messages per second to each of the other domains (the default)
WAVES = 6          # the other domains' letters arrive in waves while the big one drains
PACE_WORKERS = 2


def queue_letters(tag, domains):
    """One pending letter per entry of `domains`, each to its own address there."""
    now = utcnow()
    o = OutboxMessage
    fields = [o.category, o.sender_name, o.reply_to, o.to_addrs, o.domain, o.subject,
              o.body_text, o.status, o.next_attempt_at, o.created_at]
    rows = (("letter", "Camille Durand via Interpelle", f"signer-{tag}-{index}@example.org",
             f"{tag}-{index}@{domain}", domain, f"Mesure du rythme, lettre {tag} {index}",
             LETTER_BODY, "pending", now, now) for index, domain in domains)
    bulk_insert(fields, rows)


def wait_for_first(sink, domain, processes, timeout=60):
    deadline = time.monotonic() + timeout
    while not sink.arrivals(domain):
        if time.monotonic() > deadline or all(p.poll() is not None for p in processes):
            raise RuntimeError(f"no letter to {domain} arrived within {timeout} s")
        time.sleep(0.05)


def busiest_second(moments):
    """The most messages that arrived within any one second."""
    most, first = 0, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def others_delays(tag):
    """Seconds from enqueue to sent of the other domains' letters of this run, sorted."""
    with db.connection_context():
        rows = (OutboxMessage.select(OutboxMessage.created_at, OutboxMessage.sent_at)
                .where(OutboxMessage.domain.in_(OTHER_DOMAINS)
                       & OutboxMessage.to_addrs.startswith(f"{tag}-")).tuples())
        return sorted((sent - created).total_seconds() for created, sent in rows if sent)


def sent_moments(domain):
    """When the workers saw each message to `domain` accepted, in seconds, in order."""
    with db.connection_context():
        moments = [row[0] for row in OutboxMessage.select(OutboxMessage.sent_at)
                   .where(OutboxMessage.domain == domain).tuples() if row[0]]
    first = min(moments, default=None)
    return sorted((moment - first).total_seconds() for moment in moments)


def percentile(values, share):
    return round(values[min(len(values) - 1, int(len(values) * share))], 3) if values else None


def deliver_paced(env, sink, count, rate, others, tag="pace"):
    """`count` letters to one domain at `rate` per second, `others` letters to twenty
    other domains arriving meanwhile, two `flask worker` processes; return the figures."""
    env = dict(env, MAIL_RATE_PER_DOMAIN=f"{OTHERS_RATE};{PACED_DOMAIN}={rate:g}", MAIL_RATE="0")
    received_before = sink.total()
    queue_letters(tag, ((index, PACED_DOMAIN) for index in range(count)))
    theoretical = count / rate
    started = time.monotonic()
    processes = start_workers(env, PACE_WORKERS)
    try:
        wait_for_first(sink, PACED_DOMAIN, processes)
        per_wave = max(1, others // WAVES)
        for wave in range(WAVES):
            queue_letters(f"{tag}o", ((index, OTHER_DOMAINS[index % len(OTHER_DOMAINS)])
                                      for index in range(wave * per_wave, (wave + 1) * per_wave)))
            time.sleep(theoretical * 0.8 / WAVES)
        wait_drained(processes, timeout=max(DRAIN_TIMEOUT, 2 * theoretical + 60))
    finally:
        stop_workers(processes)
    moments = sink.arrivals(PACED_DOMAIN)
    drain = moments[-1] - moments[0] if len(moments) > 1 else 0.0
    delays = others_delays(f"{tag}o")
    return {
        "scenario": "outbox-pace",
        "description": f"{count:,} letters to one domain at {rate:g}/s and {len(delays)} to "
                       f"{len(OTHER_DOMAINS)} other domains meanwhile, {PACE_WORKERS} flask worker",
        "workers": PACE_WORKERS,
        "messages": count + len(delays),
        "received": sink.total() - received_before,
        "seconds": round(moments[-1] - started, 2) if moments else None,
        "rps": round((len(moments) - 1) / drain, 1) if drain else None,
        "steady_rps": None,
        "target_rps": 0,
        "pace": {
            "letters": count, "rate": rate, "theoretical_seconds": round(theoretical, 2),
            "drain_seconds": round(drain, 2),
            "from_start_seconds": round(moments[-1] - started, 2) if moments else None,
            "steady_rate": round((len(moments) - 1) / drain, 1) if drain else None,
            "busiest_second": busiest_second(moments),
            "busiest_second_sent": busiest_second(sent_moments(PACED_DOMAIN)),
            "others": len(delays), "others_delay_median_s": percentile(delays, 0.5),
            "others_delay_p95_s": percentile(delays, 0.95),
            "others_delay_max_s": round(delays[-1], 3) if delays else None,
        },
    }
