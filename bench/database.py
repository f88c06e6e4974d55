"""A fresh database for one benchmark run: a SQLite file in a temporary
directory, or a dedicated PostgreSQL database created and dropped here."""
import shutil
import tempfile
from pathlib import Path

POSTGRES_BENCH_DB = "interpelle_bench"


class SqliteDatabase:
    """A SQLite file in its own temporary directory, removed afterwards."""

    kind = "sqlite"

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="interpelle-bench-"))
        self.url = f"sqlite:///{self.directory / 'bench.sqlite3'}"

    def drop(self):
        shutil.rmtree(self.directory, ignore_errors=True)


class PostgresDatabase:
    """A dedicated database on the local PostgreSQL server, dropped afterwards."""

    kind = "postgres"

    def __init__(self, server_url, name=POSTGRES_BENCH_DB):
        self.server_url = server_url.rstrip("/") + "/"
        self.name = name
        self.url = self.server_url + name
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        self._admin("CREATE DATABASE {}")

    def drop(self):
        self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")

    def _admin(self, statement):
        import psycopg
        from psycopg import sql
        with psycopg.connect(self.server_url + "postgres", autocommit=True) as connection:
            connection.execute(sql.SQL(statement).format(sql.Identifier(self.name)))


def fresh_database(kind, postgres_url):
    """Create the run's empty database; call `.drop()` on the result when done."""
    if kind == "postgres":
        return PostgresDatabase(postgres_url)
    return SqliteDatabase()
