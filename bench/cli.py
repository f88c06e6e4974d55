"""`python -m bench`: set up, load, deliver, check, report."""
import argparse
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench import bigcampaign, client, dataset, delivery, integrity, report, scenarios, wrk
from bench.database import fresh_database
from bench.net import HOST, wait_until_healthy
from bench.server import server_environment, start_servers
from bench.smtp import SmtpSink
from models import db, utcnow

CAMPAIGNS = 50
VIRAL = "/cyberactions/bench-00"
DASHBOARD_ROWS = 1_000_000  # when the dashboard scenario runs and --dashboard-rows is not given
DASHBOARD_ALONE = 3         # dashboard requests timed one at a time before its load


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=10_000,
                        help="confirmed participations present before the load")
    parser.add_argument("--dashboard-rows", type=int,
                        help="participations of the campaign whose dashboard is measured "
                             f"(default {DASHBOARD_ROWS:,} with the dashboard scenario, else 0)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per HTTP scenario")
    parser.add_argument("--scenarios", nargs="+", choices=scenarios.ALL, default=scenarios.ALL)
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn sync workers per server (2 measured best on 2 cores)")
    parser.add_argument("--connections", type=int,
                        help="wrk connections for every HTTP scenario (default: per scenario)")
    parser.add_argument("--outbox-messages", type=int, default=5000)
    parser.add_argument("--pace-letters", type=int, default=20_000,
                        help="pace scenario: letters queued to one domain")
    parser.add_argument("--pace-rate", type=float, default=400,
                        help="pace scenario: that domain's MAIL_RATE_PER_DOMAIN (messages/s)")
    parser.add_argument("--pace-others", type=int, default=300,
                        help="pace scenario: letters to twenty other domains, queued meanwhile")
    parser.add_argument("--multi", action="store_true",
                        help="two app servers and two live outbox workers on one PostgreSQL")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/")
    parser.add_argument("--redis-url", default="",
                        help="rate-limit storage shared by the servers (e.g. redis://127.0.0.1:6379/15)")
    args = parser.parse_args(argv)
    if args.multi:
        args.db = "postgres"
    if args.dashboard_rows is None:
        args.dashboard_rows = DASHBOARD_ROWS if "dashboard" in args.scenarios else 0
    return args


class Run:
    """One benchmark run on one fresh database."""

    def __init__(self, args, database, workdir):
        self.args = args
        self.database = database
        self.workdir = Path(workdir)
        self.secret = secrets.token_urlsafe(48)
        self.tag = time.strftime("%H%M%S")  # keeps addresses unique across scenarios
        self.app = dataset.open_app(database.url, self.secret)
        self.results, self.checks = [], []
        self.signing = [0, 0]      # accepted, in flight
        self.confirming = [0, 0]
        self.info = {"db": database.kind, "rows": args.rows, "dashboard_rows": args.dashboard_rows,
                     "duration": args.duration,
                     "workers": args.workers, "servers": 2 if args.multi else 1,
                     "limits_storage": "redis" if args.redis_url else "memory",
                     "label": f"{database.kind}-{args.rows}rows" + ("-multi" if args.multi else ""),
                     "started": time.strftime("%Y-%m-%d %H:%M:%S")}

    def env(self, **extra):
        return server_environment(self.database.url, self.secret,
                                  REDIS_URL=self.args.redis_url, **extra)

    def prepare(self):
        """Schema, 50 campaigns, the lists' other campaigns, the participations already
        there, and the big campaign of the dashboard with its administrator."""
        started = time.monotonic()
        dataset.create_schema()
        self.campaigns = dataset.create_campaigns(CAMPAIGNS)
        dataset.create_catalogue()
        dataset.seed_confirmed(self.campaigns, self.args.rows)
        self.info["seed_seconds"] = round(time.monotonic() - started, 1)
        print(f"seeded {self.args.rows:,} participations over {CAMPAIGNS} campaigns "
              f"in {self.info['seed_seconds']} s", flush=True)
        self.prepare_dashboard()

    def prepare_dashboard(self):
        """The campaign with `--dashboard-rows` participations, and an admin to log in as."""
        started = time.monotonic()
        self.big = bigcampaign.create()
        self.admin = bigcampaign.create_admin(self.app)
        letters = bigcampaign.seed(self.big, self.args.dashboard_rows)
        self.info["dashboard_seed_seconds"] = round(time.monotonic() - started, 1)
        print(f"seeded {self.args.dashboard_rows:,} participations ({letters:,} confirmed, "
              f"each with its letter) in the dashboard's campaign "
              f"in {self.info['dashboard_seed_seconds']} s", flush=True)

    def site(self, servers):
        """Where the scenarios go. When the dashboard is measured, the admin logs in
        first, and the dashboard is timed alone (a slow one would answer nothing
        within a short scenario)."""
        dashboard = f"/admin/campagnes/{self.big.id}/tableau"
        if "dashboard" not in self.args.scenarios:
            return scenarios.Site(VIRAL, dashboard)
        # A session is a signed cookie: opened on one server, it holds on the others.
        cookie = client.admin_cookie(servers[0].url, *self.admin)
        alone = client.timed_alone(servers[0].url, dashboard, cookie, DASHBOARD_ALONE)
        self.info["dashboard_alone"] = alone
        print(f"dashboard alone, {alone['requests']} requests one at a time: first "
              f"{alone['first_ms']} ms, median {alone['median_ms']} ms", flush=True)
        return scenarios.Site(VIRAL, dashboard, cookie, client.USER_AGENT)

    def deliver_outbox(self, sink):
        """One worker (--once), then two sharing the outbox, each on fresh letters."""
        env = self.env(MAIL_SERVER=HOST, MAIL_PORT=str(sink.port), MAIL_RATE_PER_DOMAIN="0")
        for workers, tag in ((1, "one"), (2, "two")):
            dataset.fill_outbox(self.args.outbox_messages, tag)
            self.record(delivery.deliver(env, workers, sink))

    def deliver_paced(self, sink):
        """A backlog to one domain at its rate, the other domains' letters meanwhile."""
        env = self.env(MAIL_SERVER=HOST, MAIL_PORT=str(sink.port))
        result = delivery.deliver_paced(env, sink, self.args.pace_letters, self.args.pace_rate,
                                        self.args.pace_others)
        self.info["pace"] = result["pace"]
        self.record(result)
        print(report.pace_text(result["pace"]), flush=True)

    def record(self, result):
        # Other processes on the machine skew the figures: keep the load next to them.
        result["load_1m"] = round(os.getloadavg()[0], 2)
        self.results.append(result)
        print(report.table([result], self.floor_rps()).splitlines()[-1], flush=True)

    def floor_rps(self):
        return next((r["rps"] for r in self.results if r["scenario"] == "floor"), None)

    def confirm_links(self, scenario, servers):
        """Prepared confirmation links, one file per server (disjoint sets)."""
        if not scenario.confirms:
            return None
        per_second = scenarios.CONFIRM_LINKS_PER_SECOND[scenario.name]
        paths = dataset.add_pending(self.app, self.campaigns[0],
                                    per_second * self.args.duration, scenario.name)
        files = []
        for index in range(len(servers)):
            path = self.workdir / f"links-{scenario.name}-{index}.txt"
            path.write_text("\n".join(paths[index::len(servers)]) + "\n")
            files.append(path)
        return files

    def http_scenarios(self):
        """The selected HTTP scenarios, with the floor first: the others are compared to it."""
        chosen = [scenarios.HTTP_SCENARIOS[name] for name in self.args.scenarios
                  if name in scenarios.HTTP_SCENARIOS]
        if not chosen:
            return []
        return [scenarios.FLOOR] + [scenario for scenario in chosen if scenario is not scenarios.FLOOR]

    def load(self, servers):
        """Run the selected HTTP scenarios one after the other."""
        site = self.site(servers)
        for scenario in self.http_scenarios():
            links = self.confirm_links(scenario, servers)
            result = scenarios.run(scenario, servers, site, self.args.duration, self.tag,
                                   links, self.args.connections)
            self.tally(result)
            self.record(result)
            settle(servers)

    def tally(self, result):
        for kind, totals in (("sign", self.signing), ("confirm", self.confirming)):
            totals[0] += scenarios.accepted(result, kind)
            totals[1] += result["in_flight"].get(kind, 0)

    def execute(self):
        self.prepare()
        self.since = utcnow()
        with SmtpSink() as sink:
            if self.args.multi:
                self.run_multi(sink)
            else:
                self.run_single(sink)
            self.checks = integrity.run_all(
                self.since, signing=tuple(self.signing), confirming=tuple(self.confirming),
                sink=sink)
        text, stem = report.write(self.info, self.results, self.checks)
        print("\n" + text)
        print(f"written to {stem}.json and .md")
        if self.had_errors():
            self.keep_server_logs(stem)
        return 0 if self.sound() else 1

    def sound(self):
        """Integrity holds and the server raised no error (a 5xx is a bug, not a speed)."""
        crashed = sum(r.get("server_errors", 0) for r in self.results)
        if crashed:
            print(f"{crashed} answers were server errors (5xx): see the server log above")
        return all(c["ok"] for c in self.checks) and not crashed

    def had_errors(self):
        return (not all(c["ok"] for c in self.checks)
                or any(r.get("status_errors") or r.get("socket_errors") for r in self.results))

    def keep_server_logs(self, stem):
        """Errors happened: keep gunicorn's logs (tracebacks) beside the results."""
        for log in sorted(self.workdir.glob("gunicorn-*.log")):
            kept = Path(f"{stem}-{log.name}")
            shutil.copyfile(log, kept)
            print(f"server log with the errors: {kept}")

    def run_single(self, sink):
        """The outbox on its own first, then the web load on one server."""
        if scenarios.OUTBOX in self.args.scenarios:
            self.deliver_outbox(sink)
        if scenarios.PACE in self.args.scenarios:
            self.deliver_paced(sink)
        if self.http_scenarios():
            self.with_servers(1, self.load)

    def run_multi(self, sink):
        """Two servers under load while two workers deliver; then drain and check."""
        # Unpaced: the load's thousands of mails to one signers' domain would wait for it.
        workers = delivery.start_workers(self.env(MAIL_SERVER=HOST, MAIL_PORT=str(sink.port),
                                                  MAIL_RATE_PER_DOMAIN="0"), 2)
        try:
            self.with_servers(2, self.load)
            started, before = time.monotonic(), sink.total()
            delivery.wait_drained(workers)
            self.info["live_delivery"] = {
                "delivered": sink.total(), "delivered_after_load": sink.total() - before,
                "drain_seconds_after_load": round(time.monotonic() - started, 1)}
        finally:
            delivery.stop_workers(workers)

    def with_servers(self, count, action):
        """Run `action(servers)` with `count` gunicorn servers up, and stop them after."""
        servers = start_servers(self.env(), self.args.workers, count, self.workdir)
        try:
            action(servers)
        finally:
            for server in servers:
                server.stop()


def settle(servers):
    """Wait until each server has worked off what the last scenario left queued:
    wrk stops with requests still waiting in the listen queue, and the next
    scenario would otherwise start behind them."""
    for server in servers:
        wait_until_healthy(server.url, timeout=120)


def stop_on_sigterm():
    """Turn SIGTERM into an exception, so that servers and database are cleaned up."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    stop_on_sigterm()
    try:
        wrk.require_wrk()
    except wrk.WrkMissing as error:
        print(error, file=sys.stderr)
        return 2
    database = fresh_database(args.db, args.postgres_url)
    try:
        with tempfile.TemporaryDirectory(prefix="interpelle-bench-run-") as workdir:
            return Run(args, database, workdir).execute()
    finally:
        close_pool()
        database.drop()


def close_pool():
    """Release the bench process's own connections before the database is dropped."""
    if db.obj is not None and hasattr(db.obj, "close_all"):
        db.obj.close_all()
    elif db.obj is not None and not db.obj.is_closed():
        db.obj.close()
