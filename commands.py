"""The `flask --app app …` commands, thin over services/."""
import signal

import click
from flask.cli import with_appcontext

from models import create_tables
from services import demo, outbox


@click.command("init-db")
@with_appcontext
def init_db():
    """Create the tables (existing ones are left as they are)."""
    create_tables()
    click.echo("Base de données prête.")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load the demo campaigns (idempotent)."""
    create_tables()
    created = demo.load_demo_campaigns()
    click.echo(f"Données de démonstration : {created} campagne(s) ajoutée(s).")


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
def worker(once):
    """Deliver the outbox until stopped (or once with --once)."""
    if once:
        click.echo(f"{outbox.drain()} message(s) traité(s).")
        return
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.append(True))
    outbox.run_forever(should_stop=lambda: bool(stopping))


def register(app):
    for command in (init_db, seed_demo, worker):
        app.cli.add_command(command)
