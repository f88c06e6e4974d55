"""The HTTP scenarios: what each wrk connection asks for, and what to compare to."""
from dataclasses import dataclass

from bench import wrk


@dataclass(frozen=True)
class Scenario:
    name: str
    mix: str                # weights for load.lua, e.g. "view:90,sign:5,confirm:5"
    connections: int        # per run, shared between the servers in --multi
    ok_kinds: tuple         # the request kinds whose 2xx answers count as done
    description: str
    target_rps: float = 0.0
    target_p99_ms: float = 0.0

    @property
    def confirms(self):
        return "confirm" in self.mix


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
)}
OUTBOX = "outbox"
ALL = list(HTTP_SCENARIOS) + [OUTBOX]
# Confirmation links prepared per second of a confirming scenario (more than the
# servers can confirm, so that no link is used twice).
CONFIRM_LINKS_PER_SECOND = {"confirm": 1500, "mixed": 300}


def run(scenario, servers, campaign_path, duration, tag, token_files, connections=None):
    """Run one scenario on every server at once (connections split between them)."""
    total = connections or scenario.connections
    share = max(1, total // len(servers))
    processes = [
        wrk.start_wrk(server.url, scenario.mix, campaign_path, share, duration,
                      f"web-{tag}-{scenario.name}-{index}",
                      token_files[index] if token_files else None)
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


def accepted(result, kind):
    """How many `kind` requests got a 200 in a scenario's result."""
    return result["counts"].get(f"{kind}_200", 0)
