"""The application as in production: gunicorn with sync workers on 127.0.0.1."""
import os
import signal
import subprocess
import sys
from pathlib import Path

from bench.net import HOST, free_port, wait_until_healthy

REPO = Path(__file__).resolve().parent.parent
# The limiter must not refuse the load we are here to measure.
UNLIMITED = "1000000 per second"


def server_environment(database_url, secret_key, **extra):
    """Environment for the web servers and workers of a run."""
    env = dict(os.environ)
    env.update(
        SECRET_KEY=secret_key, DATABASE_URL=database_url, SITE_URL=f"http://{HOST}",
        SIGN_RATE_LIMIT=UNLIMITED, CONFIRM_RATE_LIMIT=UNLIMITED,
        # Every signer of the load comes from 127.0.0.1: the burst signals count, never trip.
        SUSPECT_NETWORK_BURST=UNLIMITED, SUSPECT_DOMAIN_BURST=UNLIMITED,
        MAIL_SERVER="", REDIS_URL="", BENCH_FLOOR="1", PYTHONUNBUFFERED="1",
        # The web servers start before any outbox worker: /healthz must not wait for one.
        HEALTH_WORKER_MAX_AGE="0",
    )
    env.update(extra)
    return env


class Gunicorn:
    """One gunicorn master with `workers` sync workers on a free port."""

    def __init__(self, env, workers, log_path):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.workers = workers
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--worker-class", "sync",
             "--workers", str(workers), "--bind", f"{HOST}:{self.port}",
             "--backlog", "2048", "--timeout", "60", "app:app"],
            cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self):
        wait_until_healthy(self.url, is_alive=lambda: self.process.poll() is None)
        return self

    def stop(self):
        """Graceful stop (SIGTERM), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start_servers(env, workers, count, log_dir):
    """Start `count` gunicorn servers and wait until each answers /healthz."""
    servers = [Gunicorn(env, workers, Path(log_dir) / f"gunicorn-{index}.log")
               for index in range(count)]
    try:
        return [server.wait_ready() for server in servers]
    except Exception:
        for server in servers:
            server.stop()
        raise
