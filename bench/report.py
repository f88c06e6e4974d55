"""The figures as a table (printed, and written as Markdown) and as JSON."""
import json
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def ratio(result, floor_rps):
    if not floor_rps or "latency_ms" not in result:
        return ""
    value = result["rps"] / floor_rps
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"  # the dashboard is far below


def load(result):
    return f"{result['load_1m']:.1f}" if "load_1m" in result else ""


def verdict(result):
    """'met' or 'missed' against the issue's targets; blank where there is none."""
    target = result.get("target_rps")
    if not target:
        return ""
    misses = []
    if result["rps"] is None or result["rps"] < target:
        misses.append(f"< {target:g}/s")
    p99_target = result.get("target_p99_ms")
    if p99_target and result["latency_ms"]["p99"] > p99_target:
        misses.append(f"p99 > {p99_target:g} ms")
    if result.get("status_errors") or result.get("socket_errors"):
        misses.append("errors")
    return "met" if not misses else "missed: " + ", ".join(misses)


def milliseconds(latency, key):
    """wrk's figure, or a dash when no request was answered within the scenario."""
    return f"{latency[key]:.1f}" if latency["max"] else "—"


def http_row(result, floor_rps):
    latency = result["latency_ms"]
    return [result["scenario"], f"{result['rps']:,.0f}", ratio(result, floor_rps),
            *(milliseconds(latency, key) for key in ("p50", "p95", "p99")),
            str(result["status_errors"]), str(result["socket_errors"]),
            str(result["connections"]), load(result), verdict(result)]


def outbox_row(result):
    steady = f" (steady {result['steady_rps']:,.0f})" if result.get("steady_rps") else ""
    return [result["scenario"], f"{result['rps']:,.0f}{steady}", "", "", "", "",
            "0" if result["received"] == result["messages"] else "mismatch", "",
            f"{result['messages']} msgs", load(result), verdict(result)]


HEADER = ["scenario", "ok/s", "× floor", "p50 ms", "p95 ms", "p99 ms",
          "non-2xx/3xx", "socket err", "conns", "load 1m", "target"]


def table(results, floor_rps):
    rows = [outbox_row(r) if r["scenario"].startswith("outbox") else http_row(r, floor_rps)
            for r in results]
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def per_kind_table(results):
    """Each request kind of the scenarios that mix several: its 2xx per second and
    mean latency (wrk's percentiles above mix all kinds of a scenario)."""
    lines = ["| scenario | request | ok/s | answers | mean ms |", "|---|---|---|---|---|"]
    for result in results:
        kinds = result.get("per_kind", {})
        if len(kinds) < 2:
            continue
        lines += [f"| {result['scenario']} | {kind} | {figures['rps']:,.0f} | "
                  f"{figures['answered']:,} | "
                  + (f"{figures['mean_ms']:.1f} |" if figures["mean_ms"] is not None else " |")
                  for kind, figures in kinds.items()]
    return lines if len(lines) > 2 else []


def integrity_lines(checks):
    return [f"- [{'ok' if c['ok'] else 'FAILED'}] {c['check']}: "
            + ", ".join(f"{k}={v}" for k, v in c.items() if k not in ("check", "ok"))
            for c in checks]


def pace_text(pace):
    """The pace scenario in two sentences: the throttled domain, then the others."""
    return (f"Pace: {pace['letters']:,} letters to one domain at {pace['rate']:g}/s drained in "
            f"{pace['drain_seconds']} s from first to last (count/rate = "
            f"{pace['theoretical_seconds']} s; {pace['from_start_seconds']} s from the workers' "
            f"start), steady {pace['steady_rate']}/s, at most {pace['busiest_second']} received in "
            f"any one second ({pace.get('busiest_second_sent')} by the workers' own clock). "
            f"Meanwhile {pace['others']} letters to twenty other domains went "
            f"from enqueue to sent in {pace['others_delay_median_s']} s (median), "
            f"{pace['others_delay_p95_s']} s (p95), {pace['others_delay_max_s']} s (max).")


def render(run, results, checks):
    floor = next((r["rps"] for r in results if r["scenario"] == "floor"), None)
    big = (f"{run['dashboard_rows']:,} participations in the dashboard's campaign (seeded in "
           f"{run['dashboard_seed_seconds']} s) · " if run.get("dashboard_rows") else "")
    head = (f"# Interpelle benchmark, {run['label']}\n\n"
            f"{run['started']} · database {run['db']} · {run['rows']:,} seeded rows "
            f"(seeded in {run['seed_seconds']} s) · {big}{run['servers']} server(s) × "
            f"{run['workers']} gunicorn sync workers · rate limits in {run['limits_storage']} · "
            f"{run['duration']} s per scenario\n")
    alone = run.get("dashboard_alone")
    if alone:
        head += (f"\nThe dashboard alone (before its load, {alone['requests']} requests one at "
                 f"a time): first {alone['first_ms']:,.0f} ms, median {alone['median_ms']:,.0f} ms, "
                 f"max {alone['max_ms']:,.0f} ms.\n")
    live = run.get("live_delivery")
    if live:
        head += (f"\nTwo outbox workers delivered during the load: {live['delivered']} messages, "
                 f"{live['delivered_after_load']} of them in the "
                 f"{live['drain_seconds_after_load']} s it took to drain after the load.\n")
    if run.get("pace"):
        head += "\n" + pace_text(run["pace"]) + "\n"
    kinds = per_kind_table(results)
    if kinds:
        kinds = ["", "Per request kind:", "", *kinds]
    return "\n".join([head, table(results, floor), *kinds, "", "Integrity:",
                      *integrity_lines(checks), ""])


def write(run, results, checks):
    """Write <stamp>-<label>.json and .md into bench/results/; return the Markdown."""
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-{run['label']}"
    text = render(run, results, checks)
    Path(f"{stem}.json").write_text(json.dumps(
        {"run": run, "results": results, "integrity": checks}, indent=2, default=str))
    Path(f"{stem}.md").write_text(text)
    return text, stem
