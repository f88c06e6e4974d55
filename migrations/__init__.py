"""The schema's migration steps, applied in order by `flask --app app migrate`.

Each step is a module `NNNN_name.py` with `apply(migrator, database)`; the
names of the steps applied are kept in the `schemamigration` table. Step 0001
is release 1, the schema before migrations existed: a database made by that
release has its tables and no record of steps, and is recognised as such.
"""
import importlib
import pkgutil
from contextlib import contextmanager

from playhouse.migrate import SchemaMigrator

from models import ALL_MODELS, SchemaMigration, application_tables, db, is_sqlite

RELEASE_1 = "0001_release_1"


def step_names():
    """Every step, in the order they apply."""
    return sorted(module.name for module in pkgutil.iter_modules(__path__)
                  if module.name[:4].isdigit())


def applied_names():
    if not SchemaMigration.table_exists():
        return set()
    return {row.name for row in SchemaMigration.select(SchemaMigration.name)}


def pending_names():
    applied = applied_names()
    return [name for name in step_names() if name not in applied]


def is_empty():
    return not application_tables()


def create_latest():
    """An empty database gets today's schema at once, every step marked applied."""
    with db.atomic():
        db.create_tables(ALL_MODELS, safe=True)
        _record(step_names())


def migrate(through=None):
    """Apply the steps this database lacks (up to the step `through`, when named: tests
    build an earlier release's database this way); return their names."""
    SchemaMigration.create_table(safe=True)
    if not applied_names() and db.table_exists("campaign"):
        _record([RELEASE_1])  # made by release 1, before steps were recorded
    applied = []
    for name in pending_names():
        if through is not None and name > through:
            break
        step = importlib.import_module(f"{__name__}.{name}")
        with _foreign_keys_off(getattr(step, "FOREIGN_KEYS_OFF", False)):
            with db.atomic():
                step.apply(SchemaMigrator.from_database(db.obj), db.obj)
                _record([name])
        applied.append(name)
    return applied


@contextmanager
def _foreign_keys_off(wanted):
    """A step that rebuilds SQLite tables runs with foreign keys off (a pragma SQLite
    ignores inside a transaction); the step checks them itself before committing."""
    if not wanted or not is_sqlite():
        yield
        return
    db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        db.execute_sql("PRAGMA foreign_keys = ON")


def prepare():
    """What `init-db` does: create an empty database, or bring an existing one up to date."""
    if is_empty():
        create_latest()
        return step_names()
    return migrate()


def _record(names):
    for name in names:
        SchemaMigration.insert(name=name).on_conflict_ignore().execute()
