"""Time and peak memory of the signatories' CSV and PDF for one large campaign.

    python -m bench.exports [--rows 100000]

Seeds a fresh SQLite database with one campaign of N confirmed participations,
then runs `flask export-signatures` for each format in its own process and
reports its wall time and peak resident memory (that process's own, read by wait4).
"""
import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 5000


def seed(database_url, rows):
    sys.path.insert(0, ROOT)
    from app import create_app
    from migrations import create_latest
    from models import Campaign, Signature, db, utcnow
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    with app.app_context():
        create_latest()
        campaign = Campaign.create(kind="petitions", slug="grande", title="Une grande pétition",
                                   proposer="Bench", status=Campaign.PUBLISHED)
        now = utcnow()
        for start in range(0, rows, BATCH):
            with db.atomic():
                Signature.insert_many([{
                    "campaign": campaign.id, "status": Signature.CONFIRMED,
                    "email": f"s{n}@example.net", "email_key": f"s{n}@example.net",
                    "last_name": f"Nom{n}", "first_name": "Élise", "postal_code": "35000",
                    "city": "Rennes", "country": "FR", "profession": "Enseignante",
                    "confirm_nonce": secrets.token_hex(16), "confirmed_at": now,
                } for n in range(start, min(rows, start + BATCH))]).execute()
        db.close()


def seed_in_child(database_url, rows):
    """Seed in a process of its own: a child's peak memory counts what its parent held
    when it forked, so the parent must stay small for the exports' figures to be theirs."""
    code = f"from bench.exports import seed; seed({database_url!r}, {rows})"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def measure(database_url, file_format, output):
    """Wall time, CPU time and peak resident memory of one export, in its own process."""
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secrets.token_urlsafe(32))
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "export-signatures",
                              "petitions", "grande", "--format", file_format, "--output", output],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    # wait4 gives this child's own peak; RUSAGE_CHILDREN would give the largest child's.
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, child.args)
    cpu = usage.ru_utime + usage.ru_stime  # steadier than wall time on a busy machine
    return seconds, cpu, usage.ru_maxrss / 1024, os.path.getsize(output) / 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    # Importing the application module builds the production app, which wants a real key.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    with tempfile.TemporaryDirectory() as workdir:
        database_url = f"sqlite:///{workdir}/exports.sqlite3"
        started = time.perf_counter()
        seed_in_child(database_url, args.rows)
        print(f"seeded {args.rows:,} participations in {time.perf_counter() - started:.1f} s")
        print("| export | rows | seconds | CPU seconds | peak memory (MB) | file (MB) | target |")
        print("|---|---|---|---|---|---|---|")
        for file_format in ("csv", "pdf"):
            seconds, cpu, peak_mb, size_mb = measure(
                database_url, file_format, os.path.join(workdir, f"out.{file_format}"))
            verdict = "met" if peak_mb <= 150 else "missed: > 150 MB"
            print(f"| {file_format} | {args.rows:,} | {seconds:.1f} | {cpu:.1f} | {peak_mb:.0f} | "
                  f"{size_mb:.1f} | {verdict} |")


if __name__ == "__main__":
    main()
