"""Setting a shared project up (`kcplanner team init`): the schema, then the project's data,
scenarios and narratives in one transaction, as the administrator's login (which owns the
tables).  Either everything is loaded or nothing is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from psycopg.types.json import Jsonb

from ... import __version__ as APP_VERSION
from ...scenario import Scenario
from ..narratives import _narrative_json
from ..records import _key
from .connection import connect, translated, where
from .data import encoded_tables, write_frames, write_rows
from .errors import TeamError
from .migrate import migrate

if TYPE_CHECKING:
    from ...dataset import Dataset


@dataclass(frozen=True)
class InitReport:
    """What `init_team` loaded."""

    schema_versions: list[int]
    tables: int
    requests: int
    positions: int
    scenarios: int
    narratives: int
    skipped_narratives: list[str]

    def summary(self) -> str:
        skipped = (f"; {len(self.skipped_narratives)} narratives of unknown requests left out "
                   f"({', '.join(self.skipped_narratives[:5])})" if self.skipped_narratives else "")
        return (f"{self.tables} tables, {self.requests} requests, {self.positions} positions, "
                f"{self.scenarios} scenarios, {self.narratives} narratives{skipped}")


def init_team(url: str, dataset: "Dataset", sources: Any = None, *, scenarios: Iterable[Scenario] = (),
              narratives: Mapping[str, Any] | None = None, mappings: Iterable[Mapping] | None = None) -> InitReport:
    """Create the schema in the database at `url` (migrations) and load the project into it."""
    from ..sources import _normalize_sources
    conn = connect(url)
    try:
        place = where(conn)
        conn.autocommit = True
        applied = migrate(conn)
        files, import_args = _normalize_sources(sources, dataset, Path.cwd() / "shared.kcplan")
        encoded = encoded_tables(dataset)
        with translated(place, "loading the project"), conn.transaction():
            if conn.execute("SELECT 1 FROM meta WHERE key = 'created'").fetchone():
                raise TeamError(f"{place}: already holds a kcplanner project; use a new database for a new round")
            _ensure_omb(conn)
            from ..store import dataset_record
            meta = {"app": "kcplanner", "app_version": APP_VERSION,
                    "dataset": json.dumps(dataset_record(dataset), ensure_ascii=False),
                    "import_args": json.dumps(import_args, ensure_ascii=False)}
            for key, value in meta.items():
                conn.execute("INSERT INTO meta (key, value) VALUES (%s, %s)", (key, value))
            conn.execute("INSERT INTO meta (key, value) VALUES ('created', clock_timestamp()::text), "
                         "('created_by', session_user)")
            for i, s in enumerate(files):
                conn.execute("INSERT INTO sources VALUES (%s, %s, %s, %s, %s, %s, %s)",
                             (i, s.role, s.path, s.relative, s.sha256, s.size, s.modified))
            for i, m in enumerate(mappings or []):
                conn.execute("INSERT INTO mappings VALUES (%s, %s)", (i, json.dumps(dict(m), ensure_ascii=False)))
            b = dataset.budget
            conn.execute("INSERT INTO edits (action, description, after) VALUES ('project', %s, %s)",
                         (f"Created the shared project from {len(files)} workbook{'s' * (len(files) != 1)} "
                          f"({len(b.line_items):,} line items, {len(b.requests):,} requests)",
                          Jsonb({"sources": [s.path for s in files]})))
            write_frames(conn, encoded)
            n_requests, n_positions = write_rows(conn, dataset)
            count = _write_scenarios(conn, scenarios)
            written, skipped = _write_narratives(conn, narratives or {})
    finally:
        conn.close()
    return InitReport(applied, len(encoded), n_requests, n_positions, count, written, skipped)


def _ensure_omb(conn) -> None:
    """The login that sets the project up owns it; make it an analyst too unless it is a superuser."""
    if not conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = session_user").fetchone()[0]:
        if not conn.execute("SELECT pg_has_role(session_user, 'omb_analyst', 'MEMBER')").fetchone()[0]:
            conn.execute("GRANT omb_analyst TO session_user")


def _write_scenarios(conn, scenarios: Iterable[Scenario]) -> int:
    seen: set[str] = set()
    for position, s in enumerate(scenarios, start=1):
        if _key(s.name) in seen:
            raise TeamError(f"two scenarios are named '{s.name}'")
        seen.add(_key(s.name))
        conn.execute("INSERT INTO scenarios (name, name_key, position, data) VALUES (%s, %s, %s, %s)",
                     (s.name, _key(s.name), float(position), Jsonb(s.to_dict())))
    return len(seen)


def _write_narratives(conn, narratives: Mapping[str, Any]) -> tuple[int, list[str]]:
    ids = {_key(rid): rid for (rid,) in conn.execute("SELECT request_id FROM requests")}
    written, skipped = 0, []
    for request_id, narrative in narratives.items():
        text = _narrative_json(narrative)
        rid = ids.get(_key(request_id))
        if text is None:
            continue
        if rid is None:
            skipped.append(str(request_id))
            continue
        conn.execute("INSERT INTO narratives (request_id, department, data) VALUES (%s, '', %s)",
                     (rid, Jsonb(json.loads(text))))
        written += 1
    return written, skipped


def upgrade(url: str) -> tuple[int, int]:
    """`team upgrade`: apply the migrations the shared project lacks; (version before, version after)."""
    from .migrate import installed_version
    conn = connect(url, autocommit=True)
    try:
        with translated(where(conn), "upgrading the schema"):
            before = installed_version(conn)
            if before == 0:
                raise TeamError(f"{where(conn)}: no kcplanner project here (run `kcplanner team init` first)")
            migrate(conn)
            return before, installed_version(conn)
    finally:
        conn.close()


def init_from_file(url: str, path: str | Path) -> InitReport:
    """`team init --from PROJECT.kcplan`: the file's data, sources, mappings, scenarios and narratives."""
    from ..project import Project
    with Project.open(path, read_only=True) as project:
        return init_team(url, project.dataset, project.sources, scenarios=project.scenarios,
                         narratives=project.narratives(), mappings=project.mappings)


__all__ = ["init_team", "init_from_file", "upgrade", "InitReport"]
