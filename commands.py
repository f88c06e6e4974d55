"""The `flask --app app …` commands, thin over services/."""
import signal

import click
from flask import current_app
from flask.cli import with_appcontext

import migrations
from models import Campaign, User
from services import accounts, bilans, campaigns, demo, importers, newsletter, outbox
from services import backups, switches
from services import privacy


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
    click.echo(f"Pages du site : {demo.load_demo_pages()} page(s) ajoutée(s).")
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
    """What the worker does besides mail: close campaigns at their date, queue bilans
    and the next batch of each Lettre d'infos being sent."""
    campaigns.close_due()
    bilans.send_requested()
    newsletter.queue_due_batches()
    privacy.purge_if_due()  # once a day, whichever worker claims it


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


@click.command("purge-personal-data")
@with_appcontext
def purge_personal_data():
    """Erase the personal data of participations PURGE_AFTER_MONTHS after their campaign
    closed, and the client networks older than IP_RETENTION_DAYS; counts stay."""
    report = privacy.purge_personal_data()
    for campaign, count in report.campaigns:
        click.echo(f"Données effacées : /{campaign.kind}/{campaign.slug} "
                   f"({count} participation(s) rendues anonymes)")
    click.echo(f"{len(report.campaigns)} campagne(s) purgée(s), {report.participations} "
               f"participation(s) rendues anonymes, {report.networks_blanked} réseau(x) "
               "d'origine effacé(s).")


# Operations: backups, and the operator's switches -----------------------------------------

@click.command("backup")
@click.argument("destination", type=click.Path(file_okay=False))
@click.option("--keep", type=int, default=None,
              help="How many of its backups to keep in DESTINATION (default BACKUP_KEEP, 14).")
@with_appcontext
def backup(destination, keep):
    """Write a consistent, dated copy of the database into DESTINATION, while the site runs."""
    keep = current_app.config["BACKUP_KEEP"] if keep is None else keep
    try:
        written, removed = backups.backup(current_app.config["DATABASE_URL"], destination, keep)
    except backups.BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"Sauvegarde écrite : {written} ({written.stat().st_size} octets).")
    for path in removed:
        click.echo(f"Ancienne sauvegarde supprimée : {path}")


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore(backup_file, force):
    """Restore a backup into the configured database, which must be empty (or --force)."""
    try:
        backups.restore(current_app.config["DATABASE_URL"], backup_file, force=force)
    except backups.BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"Sauvegarde restaurée : {backup_file}. Lancez `flask --app app migrate` si "
               "elle vient d'une version précédente.")


@click.group("signing")
def signing_switch():
    """Pause or resume signing on the whole site."""


@signing_switch.command("pause")
@click.option("--message", default="", help="What signers read instead of the form.")
@with_appcontext
def signing_pause(message):
    """Refuse every signature and confirmation; pages stay readable."""
    shown = switches.pause_signing(message)
    click.echo(f"Signatures suspendues. Message affiché : {shown}")


@signing_switch.command("resume")
@with_appcontext
def signing_resume():
    """Take signatures again."""
    switches.resume_signing()
    click.echo("Signatures rétablies.")


@click.command("read-only")
@click.argument("state", type=click.Choice(["on", "off"]))
@with_appcontext
def read_only(state):
    """Maintenance: refuse every write (but logging in and out), with a banner on every page."""
    switches.set_read_only(state == "on")
    click.echo("Site en lecture seule." if state == "on" else "Fin de la lecture seule.")


@click.command("counter")
@click.argument("state", type=click.Choice(["hide", "show"]))
@click.argument("campaign_path", metavar="KIND/SLUG")
@with_appcontext
def counter(state, campaign_path):
    """Hide or show a campaign's counter on the site (e.g. `counter hide petitions/ma-petition`)."""
    kind, _, slug = campaign_path.strip("/").partition("/")
    campaign = Campaign.by_slug(kind, slug)
    if campaign is None:
        raise click.ClickException(f"Campagne inconnue : /{kind}/{slug}")
    switches.set_counter_hidden(campaign, state == "hide")
    click.echo(f"Compteur {'masqué' if state == 'hide' else 'affiché'} : /{kind}/{slug}")


OPERATIONS_COMMANDS = (backup, restore, signing_switch, read_only, counter)


def register(app):
    for command in (init_db, migrate, close_due, seed_demo, worker, import_communes, import_elus,
                    create_user, export_signatures):
        app.cli.add_command(command)
    for command in OPERATIONS_COMMANDS:
        app.cli.add_command(command)
    app.cli.add_command(purge_personal_data)
