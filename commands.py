"""The `flask --app app …` commands, thin over services/."""
import signal

import click
from flask.cli import with_appcontext

import migrations
from models import Campaign, User
from services import accounts, bilans, campaigns, demo, importers, outbox


@click.command("init-db")
@with_appcontext
def init_db():
    """Create the latest schema in an empty database; bring an existing one up to date."""
    if migrations.is_empty():
        migrations.create_latest()
        click.echo("Base de données créée.")
    else:
        _report_migration(migrations.migrate())
    click.echo("Base de données prête.")


@click.command("migrate")
@with_appcontext
def migrate():
    """Apply the schema's migration steps this database lacks, in order."""
    _report_migration(migrations.migrate())


def _report_migration(applied):
    for name in applied:
        click.echo(f"Étape appliquée : {name}")
    if not applied:
        click.echo("Schéma à jour : aucune étape à appliquer.")


@click.command("close-due")
@with_appcontext
def close_due():
    """Close the campaigns past their closing date and queue their bilans."""
    closed = campaigns.close_due()
    for campaign in closed:
        click.echo(f"Close : /{campaign.kind}/{campaign.slug}")
    queued = bilans.send_requested()
    click.echo(f"{len(closed)} campagne(s) close(s), {queued} bilan(s) mis en envoi.")


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Load the demo campaigns (idempotent)."""
    migrations.prepare()
    created = demo.load_demo_campaigns()
    click.echo(f"Données de démonstration : {created} campagne(s) ajoutée(s).")
    for report in demo.load_demo_places():
        click.echo(report.summary())


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
def worker(once):
    """Deliver the outbox until stopped (or once with --once)."""
    if once:
        _due_tasks()
        click.echo(f"{outbox.drain()} message(s) traité(s).")
        return
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.append(True))
    outbox.run_forever(should_stop=lambda: bool(stopping), periodic=_due_tasks)


def _due_tasks():
    """What the worker does besides mail: close campaigns at their date, queue bilans."""
    campaigns.close_due()
    bilans.send_requested()


@click.command("import-communes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_communes(path):
    """Load the postal code → commune table (data/communes.csv)."""
    click.echo(importers.import_communes(path).summary())


@click.command("import-elus")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_elus(paths):
    """Import députés (AMO10 JSON or zip, NosDéputés CSV) and the commune → circonscription table."""
    for path in paths:
        try:
            click.echo(importers.import_elus_file(path).summary())
        except importers.UnknownFormat as error:
            raise click.ClickException(str(error))


@click.command("create-user")
@click.argument("email")
@click.option("--password", required=True, help="At least 10 characters, not a common one.")
@click.option("--role", type=click.Choice(User.ROLES), default=User.MEMBER, show_default=True)
@with_appcontext
def create_user(email, password, role):
    """Create a verified account with the given role."""
    try:
        user = accounts.create_verified_user(email.strip(), password, role)
    except accounts.AccountError as error:
        raise click.ClickException(str(error))
    click.echo(f"Compte créé : {user.email} ({user.role}).")


@click.command("export-signatures")
@click.argument("kind", type=click.Choice(list(Campaign.KINDS)))
@click.argument("slug")
@click.option("--format", "file_format", type=click.Choice(["csv", "pdf"]), default="csv")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_signatures(kind, slug, file_format, output):
    """Write a campaign's confirmed signatories as CSV or as the recipients' PDF."""
    campaign = Campaign.by_slug(kind, slug)
    if campaign is None:
        raise click.ClickException(f"Campagne inconnue : /{kind}/{slug}")
    if file_format == "pdf":
        count = bilans.write_pdf(campaign, output)
    else:
        with open(output, "w", encoding="utf-8", newline="") as stream:
            count = bilans.write_csv(campaign, stream)
    click.echo(f"{count} signataire(s) écrits dans {output}.")


def register(app):
    for command in (init_db, migrate, close_due, seed_demo, worker, import_communes, import_elus,
                    create_user, export_signatures):
        app.cli.add_command(command)
