"""Backups the database's own way, taken while the site runs, and their restore.

SQLite: the online backup API copies a consistent snapshot page by page, whatever
the web and worker processes write meanwhile. PostgreSQL: `pg_dump --format=custom`
reads one snapshot; `pg_restore` puts it back. The password of a PostgreSQL URL goes
to the tools through PGPASSWORD in their environment, never on a command line that
`ps` shows.
"""
import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from models import application_tables, db, run_sql

PREFIX = "interpelle-"
SQLITE_SUFFIX = ".sqlite3"
POSTGRES_SUFFIX = ".dump"
# Only files named this way are ours: retention never touches anything else in DEST.
OWN_FILE = re.compile(r"^interpelle-\d{8}-\d{6}(\.sqlite3|\.dump)$")


class BackupError(Exception):
    """Said to the operator, in French."""


def backup(database_url, destination, keep, now=None):
    """Write a dated copy of the database into `destination`; keep the `keep` newest of
    our files there. Return (the file written, the files removed)."""
    folder = Path(destination)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%d-%H%M%S")
    sqlite_path = sqlite_file(database_url)
    target = folder / f"{PREFIX}{stamp}{SQLITE_SUFFIX if sqlite_path else POSTGRES_SUFFIX}"
    if target.exists():
        raise BackupError(f"{target} existe déjà : attendez une seconde et recommencez.")
    partial = target.with_name(target.name + ".partiel")  # never counted as a backup
    try:
        if sqlite_path:
            _copy_sqlite(sqlite_path, partial)
        else:
            _pg_dump(database_url, partial)
        partial.chmod(0o600)  # the participants' personal data: the operator's eyes only
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target, prune(folder, keep)


def prune(folder, keep):
    """Remove our oldest backups beyond the `keep` newest; return what was removed."""
    ours = sorted(path for path in Path(folder).iterdir() if OWN_FILE.match(path.name))
    doomed = ours[:-keep] if keep > 0 else []
    for path in doomed:
        path.unlink()
    return doomed


def restore(database_url, backup_file, force=False):
    """Put a backup back into the database of `database_url`, which must hold no row
    unless `force`. The site is stopped (or read-only) meanwhile."""
    source = Path(backup_file)
    sqlite_path = sqlite_file(database_url)
    expected = SQLITE_SUFFIX if sqlite_path else POSTGRES_SUFFIX
    if source.suffix != expected:
        kind = "SQLite" if sqlite_path else "PostgreSQL"
        raise BackupError(f"La base configurée est {kind} : elle se restaure depuis un fichier "
                          f"{expected}, pas {source.name}.")
    if sqlite_path:
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)  # a new server's first restore
    tables = table_rows()
    if any(tables.values()) and not force:
        filled = ", ".join(sorted(name for name, rows in tables.items() if rows))
        raise BackupError("La base de destination contient déjà des données (tables : "
                          f"{filled}). Restaurez dans une base vide, ou ajoutez --force pour "
                          "la remplacer entièrement.")
    db.close()
    if sqlite_path:
        _restore_sqlite(source, sqlite_path)
    else:
        _pg_restore(database_url, source, clean=bool(tables))


def table_rows():
    """{table: whether it holds at least one row} for the bound database."""
    return {table: run_sql(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is not None
            for table in application_tables()}


def sqlite_file(database_url):
    """The file of a SQLite URL, or None for PostgreSQL."""
    if not database_url.startswith("sqlite:"):
        return None
    path = database_url.split(":///", 1)[1] if ":///" in database_url else ""
    if not path or path == ":memory:":
        raise BackupError("Une base SQLite en mémoire ne se sauvegarde pas.")
    return Path(path)


def _copy_sqlite(source_path, target_path):
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)  # all pages in one step: one consistent snapshot
    finally:
        target.close()
        source.close()


def _restore_sqlite(source_path, target_path):
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def postgres_arguments(database_url):
    """(command-line arguments, environment) naming the database for pg_dump and
    pg_restore: the URL without its password, which goes in the environment."""
    parts = urlsplit(database_url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    # psycopg3+pool:// and postgres:// are ours and peewee's spellings; libpq wants this one.
    url = urlunsplit(("postgresql", netloc, parts.path, parts.query, ""))
    environment = dict(os.environ)
    if parts.password:
        environment["PGPASSWORD"] = unquote(parts.password)
    return ["--dbname", url], environment


def _pg_dump(database_url, target_path):
    arguments, environment = postgres_arguments(database_url)
    _run([_tool("pg_dump"), "--format=custom", "--no-password", "--file", str(target_path),
          *arguments], environment)


def _pg_restore(database_url, source_path, clean):
    arguments, environment = postgres_arguments(database_url)
    options = ["--clean", "--if-exists"] if clean else []
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
          "--single-transaction", "--no-password", *options, *arguments, str(source_path)],
         environment)


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} est introuvable : installez le client PostgreSQL "
                          "(paquet postgresql-client), de la même version que le serveur.")
    return path


def _run(command, environment):
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)
    if finished.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} a échoué : {finished.stderr.strip()}")
