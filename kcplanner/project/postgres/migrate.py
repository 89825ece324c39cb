"""The shared project's schema versions, like the file's format versions: `schema_version` holds
one row per migration applied; the migrations are the ordered SQL files in `migrations/`
(package data, read with importlib.resources), each applied once, in one transaction with the
version row.  A database migrated by a newer kcplanner is refused, never changed."""

from __future__ import annotations

import re
from importlib import resources

import psycopg
from psycopg import sql

from ... import __version__ as APP_VERSION
from .connection import SCHEMA, translated, where
from .errors import TeamError


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped, in order."""
    out = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        m = re.fullmatch(r"(\d{4})_[a-z0-9_]+\.sql", entry.name)
        if m:
            out.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    out.sort()
    if [v for v, _n, _s in out] != list(range(1, len(out) + 1)):
        raise RuntimeError(f"the migrations are not numbered 1..n: {[n for _v, n, _s in out]}")
    return out


#: The schema version this kcplanner writes (the number of the last migration).
SCHEMA_VERSION = len(migrations())


def installed_version(conn: psycopg.Connection) -> int:
    """The schema version of the database (0: no kcplanner project there yet)."""
    row = conn.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.schema_version",)).fetchone()
    if row[0] is None:
        return 0
    return int(conn.execute(sql.SQL("SELECT coalesce(max(version), 0) FROM {}.schema_version")
                            .format(sql.Identifier(SCHEMA))).fetchone()[0])


def check_version(conn: psycopg.Connection) -> int:
    """The database's schema version, or TeamError when there is no project or it is newer than this kcplanner."""
    version = installed_version(conn)
    if version == 0:
        raise TeamError(f"{where(conn)}: no kcplanner project here (run `kcplanner team init` first)")
    if version > SCHEMA_VERSION:
        raise TeamError(f"{where(conn)}: the shared project was set up by a newer kcplanner (schema version "
                        f"{version}); this kcplanner ({APP_VERSION}) understands version {SCHEMA_VERSION} and "
                        "will not change it. Use a newer kcplanner.")
    if version < SCHEMA_VERSION:
        raise TeamError(f"{where(conn)}: the shared project has schema version {version}; this kcplanner needs "
                        f"{SCHEMA_VERSION}: ask the administrator to run `kcplanner team upgrade` on it")
    return version


def migrate(conn: psycopg.Connection, *, up_to: int | None = None) -> list[int]:
    """Apply the migrations the database lacks (up to `up_to`, default all), each in its own
    transaction; returns those applied."""
    version = installed_version(conn)
    if version > SCHEMA_VERSION:
        check_version(conn)
    applied = []
    place = where(conn)
    for number, name, text in migrations():
        if number <= version or (up_to is not None and number > up_to):
            continue
        with translated(place, f"setting up the schema ({name})"), conn.transaction():
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
            conn.execute(sql.SQL("SET LOCAL search_path = {}, pg_temp").format(sql.Identifier(SCHEMA)))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version int PRIMARY KEY, name text NOT NULL, "
                         "applied timestamptz NOT NULL DEFAULT clock_timestamp(), app_version text NOT NULL, "
                         "applied_by text NOT NULL DEFAULT session_user)")
            conn.execute(text)
            conn.execute("INSERT INTO schema_version (version, name, app_version) VALUES (%s, %s, %s)",
                         (number, name, APP_VERSION))
            conn.execute("GRANT SELECT ON schema_version TO omb_analyst, department_manager, viewer"
                         if number >= 2 else "SELECT 1")
        applied.append(number)
    return applied


__all__ = ["migrate", "migrations", "installed_version", "check_version", "SCHEMA_VERSION"]
