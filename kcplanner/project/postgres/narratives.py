"""Justification narratives and positions in a shared project: rows of their department, written
by its managers (while the request is a Draft) or by OMB."""

from __future__ import annotations

import json
from typing import Any, Mapping

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ..errors import ProjectError
from ..narratives import _narrative_json
from ..records import _key
from .base import iso


class TeamNarrativesMixin:
    """Narratives and positions (part of `TeamProject`)."""

    def narratives(self) -> dict[str, dict]:
        """Request ID → the justification narrative (as `Project.narratives`)."""
        with self._read("reading the narratives") as c:
            return {rid: data for rid, data in c.execute("SELECT request_id, data FROM narratives ORDER BY request_id")}

    def put_narrative(self, request_id: str, narrative: Mapping[str, Any] | Any | None, *,
                      description: str | None = None) -> int | None:
        """Store (or with None remove) the narrative of a request (as `Project.put_narrative`); the
        database writes the audit row.  Returns its seq, None when nothing changed."""
        if not isinstance(request_id, str) or not request_id.strip():
            raise ProjectError("a narrative needs a request ID")
        self._check_writable("writing justifications")
        text = _narrative_json(narrative)
        data = None if text is None else json.loads(text)
        with self._tx(f"saving the justification of request {request_id}", description=description) as c:
            found = c.execute("SELECT request_id FROM requests WHERE lower(request_id) = lower(%s)",
                              (request_id.strip(),)).fetchone()
            if found is None:
                found = next(((rid,) for (rid,) in c.execute("SELECT request_id FROM requests")
                              if _key(rid) == _key(request_id)), None)
            if found is None:
                raise ProjectError(f"no request {request_id} in the shared project")
            rid = found[0]
            old = c.execute("SELECT data FROM narratives WHERE request_id = %s", (rid,)).fetchone()
            if (old[0] if old else None) == data:
                return None
            if data is None:
                c.execute("DELETE FROM narratives WHERE request_id = %s", (rid,))
            elif old is None:
                c.execute("INSERT INTO narratives (request_id, department, data) VALUES (%s, '', %s)", (rid, Jsonb(data)))
            else:
                c.execute("UPDATE narratives SET data = %s WHERE request_id = %s", (Jsonb(data), rid))
            return self._last_seq(c)

    # -- positions --------------------------------------------------------------------------------
    def positions(self, department: str | None = None) -> list[dict]:
        """Positions rows (id, department, program, title, fte, cost_per_fte, version, …)."""
        query = "SELECT id, department, program, title, fte, cost_per_fte, version, modified_by, modified " \
                "FROM positions" + (" WHERE department = %s" if department else "") + " ORDER BY row_order, id"
        with self._read("reading the positions") as c:
            with c.cursor(row_factory=dict_row) as cur:
                rows = cur.execute(query, (department,) if department else ()).fetchall()
        return [{**r, "modified": iso(r["modified"])} for r in rows]

    def add_position(self, department: str, program: str, title: str, fte: float,
                     cost_per_fte: float | None = None) -> int:
        """Add a position to a department; returns its id."""
        self._check_writable("adding positions")
        with self._tx(f"adding position '{title}' to {department}") as c:
            return int(c.execute("INSERT INTO positions (row_order, department, program, title, fte, cost_per_fte) "
                                 "VALUES ((SELECT coalesce(max(row_order), -1) + 1 FROM positions), %s, %s, %s, %s, %s) "
                                 "RETURNING id", (department, program, title, fte, cost_per_fte)).fetchone()[0])

    def delete_position(self, position_id: int) -> bool:
        """Remove a position; False when it was not there for this login (gone, or not its department's)."""
        self._check_writable("removing positions")
        with self._tx("removing a position") as c:
            return c.execute("DELETE FROM positions WHERE id = %s RETURNING id", (position_id,)).fetchone() is not None


__all__ = ["TeamNarrativesMixin"]
