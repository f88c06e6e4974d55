"""Ids never given twice on SQLite: accounts and participations get AUTOINCREMENT.

Without it SQLite gives the highest id freed by a deletion to the next row, so a link
naming a deleted account's id could designate a new one. PostgreSQL's sequences never
go back: nothing to do there. SQLite cannot add AUTOINCREMENT to a table: each one is
rebuilt (created anew under another name, filled, the old one dropped, the new renamed,
its indexes recreated), with foreign keys off meanwhile so that dropping the old table
deletes nothing that points to it; every foreign key is checked before committing.
"""
import re

FOREIGN_KEYS_OFF = True
TABLES = ("user", "signature")
INTEGER_KEY = re.compile(r'"id" INTEGER NOT NULL PRIMARY KEY(?! AUTOINCREMENT)')


def apply(migrator, database):
    if database.param != "?":
        return  # PostgreSQL
    for table in TABLES:
        _rebuild_with_autoincrement(database, table)
    broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
    if broken:  # raised inside the step's transaction: nothing of it is kept
        raise RuntimeError(f"the rebuild would break foreign keys: {broken[:5]}")


def _rebuild_with_autoincrement(database, table):
    (create,), = database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchall()
    if not INTEGER_KEY.search(create):
        return  # already there (a database made by this release)
    indexes = [sql for (sql,) in database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL", (table,)).fetchall()]
    rebuilt = f"{table}__rebuilt"
    create = INTEGER_KEY.sub('"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT', create, count=1)
    create = create.replace(f'CREATE TABLE "{table}"', f'CREATE TABLE "{rebuilt}"', 1)
    database.execute_sql(create)
    database.execute_sql(f'INSERT INTO "{rebuilt}" SELECT * FROM "{table}"')
    database.execute_sql(f'DROP TABLE "{table}"')
    database.execute_sql(f'ALTER TABLE "{rebuilt}" RENAME TO "{table}"')
    for sql in indexes:
        database.execute_sql(sql)
