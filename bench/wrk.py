"""Drive the load with wrk (a separate process) and read what load.lua reports."""
import json
import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "load.lua"
MISSING = ("wrk is not installed: the benchmark drives the load with it.\n"
           "On Debian or Ubuntu: sudo apt-get install -y wrk")


class WrkMissing(RuntimeError):
    """wrk is not on PATH."""


def require_wrk():
    """The path of wrk, or a clear message saying how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing(MISSING)
    return path


def start_wrk(base_url, mix, campaign_path, connections, duration, tag, tokens_file=None,
              pages=None):
    """Start one wrk process; one thread per connection (see load.lua).

    `pages` adds load.lua's page settings (BENCH_PATHS, BENCH_COOKIE, BENCH_USER_AGENT).
    """
    env = dict(os.environ, BENCH_MIX=mix, BENCH_CAMPAIGN=campaign_path, BENCH_TAG=tag,
               BENCH_TOKENS=str(tokens_file or ""), BENCH_THREADS=str(connections),
               **(pages or {}))
    command = [require_wrk(), "-t", str(connections), "-c", str(connections),
               "-d", f"{duration}s", "--timeout", "10s", "-s", str(SCRIPT), base_url]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def collect(process, duration):
    """Wait for a wrk process started by `start_wrk`; return its parsed report."""
    stdout, stderr = process.communicate(timeout=duration + 60)
    for line in stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError(f"wrk gave no report (exit {process.returncode}): {stderr.strip()}")


def merge(reports):
    """Add up the reports of wrk processes that ran side by side.

    Counts and per-kind times add up; for latency, the worst of the processes is kept.
    """
    if len(reports) == 1:
        return reports[0]
    merged = {"duration_us": max(r["duration_us"] for r in reports),
              "requests": sum(r["requests"] for r in reports),
              "errors": {}, "counts": {}, "time_us": {}, "latency_us": {}}
    for report in reports:
        for section in ("errors", "counts", "time_us"):
            for key, value in report[section].items():
                merged[section][key] = merged[section].get(key, 0) + value
        for key, value in report["latency_us"].items():
            merged["latency_us"][key] = max(merged["latency_us"].get(key, 0), value)
    return merged
