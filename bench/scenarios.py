"""The HTTP scenarios: what each wrk connection asks for, and what to compare to."""
from dataclasses import dataclass
from urllib.parse import quote_plus

from bench import wrk


@dataclass(frozen=True)
class Site:
    """Where the scenarios' requests go on a seeded database."""
    campaign: str           # the viral campaign's page, e.g. "/cyberactions/bench-00"
    dashboard: str = ""     # the big campaign's admin dashboard
    admin_cookie: str = ""  # the Cookie header of an administrator's session
    user_agent: str = ""    # the agent that session was opened with


@dataclass(frozen=True)
class Scenario:
    name: str
    mix: str                # weights for load.lua, e.g. "view:90,sign:5,confirm:5"
    connections: int        # per run, shared between the servers in --multi
    ok_kinds: tuple         # the request kinds whose 2xx answers count as done
    description: str
    target_rps: float = 0.0
    target_p99_ms: float = 0.0
    pages: tuple = ()       # (kind, weight, path) of plain GETs; "{campaign}" etc. from Site
    as_admin: bool = False  # send the admin's session cookie with the pages

    @property
    def confirms(self):
        return "confirm" in self.mix

    def paths(self, site):
        """load.lua's BENCH_PATHS: "kind=path" for each page, on this site."""
        return " ".join(f"{kind}={path.format(campaign=site.campaign, dashboard=site.dashboard)}"
                        for kind, _, path in self.pages)


def page_scenario(name, pages, connections, description, **options):
    """A scenario of plain GETs, one request kind per page, mixed by weight."""
    return Scenario(name, ",".join(f"{kind}:{weight}" for kind, weight, _ in pages),
                    connections, tuple(kind for kind, _, _ in pages), description,
                    pages=pages, **options)


SEARCH = "climat eau"  # two of the bench campaigns' tags (see bench/dataset.py)
# The pages visitors open in bulk besides a campaign's own, weighted as a visit
# would: the home page first, then the lists. Kinds are letters only (load.lua).
LIST_PAGES = (
    ("home", 25, "/"),
    ("actions", 15, "/cyberactions"),
    ("actionstwo", 5, "/cyberactions?page=2"),
    ("petitions", 10, "/petitions"),
    ("petitionstwo", 5, "/petitions?page=2"),
    ("quick", 10, "/liste-rapide"),
    ("bilans", 10, "/bilans"),
    ("search", 10, f"/recherche?q={quote_plus(SEARCH)}"),
    ("signatories", 10, "{campaign}/signataires"),
)
DASHBOARD_PAGES = (("dashboard", 1, "{dashboard}"),)
# What other sites and robots fetch in bulk (issue 10): the embedded widget on every visit
# of a page that shows it; feeds, the sitemap and the open-data API polled by readers and
# crawlers; the share card fetched by every network a link is posted on.
WIDGET_PAGES = (("widget", 1, "{campaign}/widget"),)
REACH_PAGES = (
    ("atom", 15, "/flux/campagnes.atom"),
    ("rss", 15, "/flux/campagnes.rss"),
    ("bilansatom", 5, "/flux/bilans.atom"),
    ("bilansrss", 5, "/flux/bilans.rss"),
    ("sitemap", 5, "/sitemap.xml"),
    ("apilist", 15, "/api/campaigns"),
    ("apicampaign", 20, "/api{campaign}"),
    ("card", 20, "{campaign}/carte.png"),
)


FLOOR = Scenario("floor", "floor:100", 16, ("floor",),
                 "POST that inserts one row and answers 204")
HTTP_SCENARIOS = {scenario.name: scenario for scenario in (
    FLOOR,
    Scenario("views", "view:100", 64, ("view",),
             "GET the campaign page, new visitors", 2000, 50),
    Scenario("sign", "sign:100", 16, ("sign",),
             "POST the signing form (htmx), unique addresses", 500, 100),
    Scenario("confirm", "confirm:100", 16, ("confirm",),
             "POST /confirmer/<token>: counter + letter", 500),
    Scenario("mixed", "view:90,sign:5,confirm:5", 64, ("view", "sign", "confirm"),
             "a viral day: 90 % views, 5 % signing, 5 % confirming"),
    page_scenario("lists", LIST_PAGES, 64,
                  "GET the home page, lists, bilans, a search and signatories, anonymous"),
    page_scenario("widget", WIDGET_PAGES, 64,
                  "GET the viral campaign's embeddable widget, as other sites' visitors do"),
    page_scenario("reach", REACH_PAGES, 64,
                  "GET the feeds, sitemap, open-data API and share card, anonymous"),
    page_scenario("dashboard", DASHBOARD_PAGES, 4,
                  "GET the admin dashboard of the campaign with the most participations",
                  as_admin=True),
)}
OUTBOX = "outbox"
PACE = "pace"  # the outbox at one domain's pace (bench/delivery.py)
ALL = list(HTTP_SCENARIOS) + [OUTBOX, PACE]
# Confirmation links prepared per second of a confirming scenario (more than the
# servers can confirm, so that no link is used twice).
CONFIRM_LINKS_PER_SECOND = {"confirm": 1500, "mixed": 300}


def run(scenario, servers, site, duration, tag, token_files, connections=None):
    """Run one scenario on every server at once (connections split between them)."""
    total = connections or scenario.connections
    share = max(1, total // len(servers))
    pages = {"BENCH_PATHS": scenario.paths(site)}
    if scenario.as_admin:
        pages.update(BENCH_COOKIE=site.admin_cookie, BENCH_USER_AGENT=site.user_agent)
    processes = [
        wrk.start_wrk(server.url, scenario.mix, site.campaign, share, duration,
                      f"web-{tag}-{scenario.name}-{index}",
                      token_files[index] if token_files else None, pages)
        for index, server in enumerate(servers)]
    report = wrk.merge([wrk.collect(process, duration) for process in processes])
    return summarise(scenario, report, share * len(servers))


def summarise(scenario, report, connections):
    """Requests per second, latency in ms, errors, and per-kind tallies."""
    counts = report["counts"]
    seconds = report["duration_us"] / 1e6
    ok = sum(value for key, value in counts.items()
             if key.split("_")[0] in scenario.ok_kinds and key.split("_")[1].startswith("2"))
    errors = report["errors"]
    return {
        "scenario": scenario.name,
        "description": scenario.description,
        "connections": connections,
        "seconds": round(seconds, 2),
        "ok_requests": ok,
        "rps": round(ok / seconds, 1),
        "all_rps": round(report["requests"] / seconds, 1),
        "latency_ms": {key: round(value / 1000, 2) for key, value in report["latency_us"].items()},
        "status_errors": errors.get("status", 0),
        "socket_errors": sum(errors.get(key, 0) for key in ("connect", "read", "write", "timeout")),
        "socket_error_detail": {key: errors.get(key, 0)
                                for key in ("connect", "read", "write", "timeout")},
        "counts": counts,
        "server_errors": sum(value for key, value in counts.items()
                             if key.split("_")[1].startswith("5")),
        "in_flight": in_flight(counts),
        "per_kind": per_kind(counts, report.get("time_us", {}), seconds, scenario.ok_kinds),
        "target_rps": scenario.target_rps,
        "target_p99_ms": scenario.target_p99_ms,
    }


def in_flight(counts):
    """Requests sent but not answered when wrk stopped, per kind."""
    answered = {}
    for key, value in counts.items():
        kind, _, status = key.partition("_")
        if status.isdigit():
            answered[kind] = answered.get(kind, 0) + value
    return {key[len("issued_"):]: value - answered.get(key[len("issued_"):], 0)
            for key, value in counts.items() if key.startswith("issued_")}


def per_kind(counts, time_us, seconds, order):
    """Per request kind, in the scenario's order: 2xx per second, answers, and mean
    latency (timed by load.lua)."""
    answered, ok = {}, {}
    for key, value in counts.items():
        kind, _, status = key.partition("_")
        if status.isdigit():
            answered[kind] = answered.get(kind, 0) + value
            ok[kind] = ok.get(kind, 0) + (value if status.startswith("2") else 0)
    rank = {kind: position for position, kind in enumerate(order)}
    return {kind: {"rps": round(ok.get(kind, 0) / seconds, 1), "answered": answered.get(kind, 0),
                   "mean_ms": round(time_us[kind] / answered[kind] / 1000, 2)
                   if answered.get(kind) else None}
            for kind in sorted(time_us, key=lambda kind: (rank.get(kind, len(rank)), kind))}


def accepted(result, kind):
    """How many `kind` requests got a 200 in a scenario's result."""
    return result["counts"].get(f"{kind}_200", 0)
