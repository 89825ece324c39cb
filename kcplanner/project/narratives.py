"""The justification narratives managers write for requests, stored by request ID (ignoring case
and spaces) with an audit row."""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Mapping

from .audit import utc_now
from .errors import ProjectError
from .history import _insert_edit
from .records import _key


def _narrative_json(narrative: Any) -> str | None:
    """A narrative (dict, object with `to_dict()`, or None) as canonical JSON text."""
    if narrative is None:
        return None
    if hasattr(narrative, "to_dict"):
        narrative = narrative.to_dict()
    if not isinstance(narrative, Mapping):
        raise ProjectError(f"a narrative must be a dict, not {type(narrative).__name__}")
    try:
        return json.dumps(dict(narrative), ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"the narrative cannot be stored: {exc}") from exc


class NarrativesMixin:
    """The narratives of an open project (part of `Project`)."""

    # -- justification narratives ---------------------------------------------------------------
    def narratives(self) -> dict[str, dict]:
        """Request ID → the justification narrative managers wrote (`JustificationNarrative.to_dict()`).
        {} for a file from before narratives were stored."""
        with self._lock:
            self._check_open()
            try:
                rows = self._conn.execute("SELECT request_id, data FROM narratives ORDER BY request_id").fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):  # an older file opened read-only
                    return {}
                raise ProjectError(f"{self.path}: cannot read the narratives ({exc})") from exc
            try:
                return {rid: json.loads(data) for rid, data in rows}
            except json.JSONDecodeError as exc:
                raise ProjectError(f"{self.path}: the project file is damaged: a narrative: {exc}") from exc

    def put_narrative(self, request_id: str, narrative: Mapping[str, Any] | Any | None, *,
                      description: str | None = None) -> int | None:
        """Store (or with None remove) the justification narrative of a request — a dict or an object
        with `to_dict()` — and its audit row ("data") in ONE transaction.  Request IDs compare ignoring
        case and spaces.  Returns the audit row's seq, None when nothing changed."""
        if not isinstance(request_id, str) or not request_id.strip():
            raise ProjectError("a narrative needs a request ID")
        data = _narrative_json(narrative)
        with self._lock:
            self._check_writable()
            key = _key(request_id)
            row = self._conn.execute("SELECT request_id, data FROM narratives WHERE key = ?", (key,)).fetchone()
            old = row[1] if row else None
            if old == data:  # the same narrative (its request ID spelled otherwise, or none to remove)
                return None
            if description is None:
                description = (f"Removed the justification of request {request_id}" if data is None else
                               f"{'Changed' if old else 'Wrote'} the justification of request {request_id}")
            now = utc_now()
            with self._tx() as c:
                if data is None:
                    c.execute("DELETE FROM narratives WHERE key = ?", (key,))
                else:
                    c.execute("INSERT OR REPLACE INTO narratives VALUES (?, ?, ?, ?, ?)",
                              (key, request_id, data, now, self.user))
                before = json.dumps({"request_id": row[0], "narrative": json.loads(old)}, ensure_ascii=False) \
                    if row else None
                after = json.dumps({"request_id": request_id, "narrative": json.loads(data)}, ensure_ascii=False) \
                    if data is not None else None
                return _insert_edit(c, now, self.user, self.host, self.session, None, "data", description,
                                    before, after, None)
