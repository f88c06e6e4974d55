"""The outbox worker delivering to a local SMTP server: `flask worker --once`
alone, then two `flask worker` processes sharing the outbox."""
import signal
import subprocess
import sys
import time

from peewee import fn

from bench.server import REPO
from models import OutboxMessage, db

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
