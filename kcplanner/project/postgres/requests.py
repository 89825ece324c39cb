"""The requests of a shared project, each a row of its department: a department's view of its own
requests, OMB's review queue, saves over a known version, and the workflow's moves (the database
refuses a move the workflow or the login's role does not allow: migrations/0003)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ..errors import ProjectError
from .base import iso
from .errors import ConflictError, NotAllowed, Theirs
from .rows import REQUEST_FIELDS

STATUSES = ("Draft", "Submitted", "Under review", "Recommended", "Not recommended", "Adopted", "Not adopted",
            "Returned")
#: what a client may set on a request (the rest is the server's: version, modified, modified_by, status)
EDITABLE = tuple(f for f in REQUEST_FIELDS if f != "request_id") + ("costs",)
COLUMNS = ("request_id", "row_order") + EDITABLE + ("status", "version", "modified", "modified_by")


@dataclass(frozen=True)
class Move:
    """One move of a request through the workflow, as the database recorded it."""

    seq: int
    request_id: str
    department: str
    from_status: str
    to_status: str
    moved_by: str
    moved_at: str
    comment: str
    version: int


def _select(where: str = "") -> sql.Composed:
    return sql.SQL("SELECT {} FROM requests r JOIN request_statuses s USING (status) ").format(
        sql.SQL(", ").join(sql.Identifier("r", c) for c in COLUMNS)) + sql.SQL(where)


def _plain(row: dict) -> dict:
    row = dict(row)
    row["modified"] = iso(row.get("modified"))
    return row


class TeamRequestsMixin:
    """Requests and their workflow (part of `TeamProject`)."""

    def requests(self, *, department: str | None = None, status: str | None = None) -> list[dict]:
        """The requests (each a dict: the fields, `costs`, `status`, `version`, `modified_by`, `modified`),
        by department, then the workflow's order of statuses, then rank."""
        where, args = [], []
        if department is not None:
            where.append("r.department = %s")
            args.append(department)
        if status is not None:
            where.append("r.status = %s")
            args.append(status)
        text = ("WHERE " + " AND ".join(where) + " " if where else "") + \
            "ORDER BY r.department, s.position, r.rank NULLS LAST, r.row_order"
        with self._read("reading the requests") as c:
            with c.cursor(row_factory=dict_row) as cur:
                return [_plain(r) for r in cur.execute(_select(text), args).fetchall()]

    def my_requests(self) -> list[dict]:
        """A department manager's own requests and their status (every request for OMB)."""
        if self.role != "department_manager":
            return self.requests()
        return [r for r in self.requests() if r["department"] in self.departments]

    def review_queue(self, *, department: str | None = None, status: str | None = None) -> list[dict]:
        """OMB's queue: the requests submitted or further along (not Draft or Returned), by department,
        status and rank; `department` / `status` narrow it."""
        rows = self.requests(department=department, status=status)
        return [r for r in rows if r["status"] not in ("Draft", "Returned")]

    def request(self, request_id: str) -> dict:
        with self._read(f"reading request {request_id}") as c:
            with c.cursor(row_factory=dict_row) as cur:
                row = cur.execute(_select("WHERE r.request_id = %s"), (request_id,)).fetchone()
        if row is None:
            raise ProjectError(f"no request {request_id} in the shared project")
        return _plain(row)

    def add_request(self, fields: Mapping[str, Any]) -> dict:
        """Create a request (a Draft); `fields` has at least request_id and department."""
        self._check_writable("creating requests")
        fields = dict(fields)
        rid = str(fields.get("request_id") or "").strip()
        if not rid or not fields.get("department"):
            raise ProjectError("a request needs a request ID and a department")
        unknown = set(fields) - set(EDITABLE) - {"request_id"}
        if unknown:
            raise ProjectError(f"request {rid}: unknown fields {sorted(unknown)}")
        present = [f for f in EDITABLE if f in fields]
        query = sql.SQL("INSERT INTO requests ({}) VALUES (%s, (SELECT coalesce(max(row_order), -1) + 1 FROM requests)"
                        "{})").format(sql.SQL(", ").join(map(sql.Identifier, ["request_id", "row_order"] + present)),
                                      sql.SQL("").join(sql.SQL(", %s") for _ in present))
        args = [rid] + [Jsonb(fields[f]) if f == "costs" else fields[f] for f in present]
        with self._tx(f"creating request {rid}") as c:
            if c.execute("SELECT 1 FROM requests WHERE lower(request_id) = lower(%s)", (rid,)).fetchone():
                raise ProjectError(f"a request {rid} already exists")
            c.execute(query, args)
        return self.request(rid)

    def save_request(self, request_id: str, changes: Mapping[str, Any], expected_version: int) -> dict:
        """Change fields of a request saved at `expected_version`; ConflictError when the server's
        is newer (who and when), NotAllowed when the login may not change it."""
        self._check_writable(f"changing request {request_id}")
        changes = dict(changes)
        bad = set(changes) - set(EDITABLE)
        if bad:
            raise ProjectError(f"request {request_id}: these fields cannot be set: {sorted(bad)}")
        if not changes:
            return self.request(request_id)
        query = sql.SQL("UPDATE requests SET {} WHERE request_id = %s AND version = %s RETURNING version").format(
            sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(f)) for f in changes))
        args = [Jsonb(v) if f == "costs" else v for f, v in changes.items()] + [request_id, expected_version]
        self._versioned(request_id, f"saving request {request_id}", query, args, expected_version, changes)
        return self.request(request_id)

    def delete_request(self, request_id: str, expected_version: int) -> None:
        self._check_writable(f"deleting request {request_id}")
        self._versioned(request_id, f"deleting request {request_id}",
                        sql.SQL("DELETE FROM requests WHERE request_id = %s AND version = %s RETURNING version"),
                        [request_id, expected_version], expected_version, None)

    def move_request(self, request_id: str, to_status: str, comment: str | None = None, *,
                     expected_version: int | None = None) -> dict:
        """Move a request through the workflow (Draft → Submitted → Under review → Recommended /
        Not recommended → Adopted / Not adopted; Returned → Draft).  WorkflowError when the move or
        the login's side is wrong, NotAllowed when the row is not the login's to change."""
        self._check_writable(f"moving request {request_id}")
        if to_status not in STATUSES:
            raise ProjectError(f"'{to_status}' is not a status of the workflow ({', '.join(STATUSES)})")
        version = expected_version if expected_version is not None else self.request(request_id)["version"]
        self._versioned(request_id, f"moving request {request_id} to {to_status}",
                        sql.SQL("UPDATE requests SET status = %s WHERE request_id = %s AND version = %s "
                                "RETURNING version"), [to_status, request_id, version], version,
                        {"status": to_status}, comment=comment or "")
        return self.request(request_id)

    def _versioned(self, request_id, action, query, args, expected, mine, *, comment=None) -> None:
        with self._tx(action, comment=comment) as c:
            row = c.execute(query, args).fetchone()
            if row is None:
                now = c.execute("SELECT version, modified_by, modified, department FROM requests WHERE request_id = %s",
                                (request_id,)).fetchone()
        if row is not None:
            return
        if now is None:
            raise ProjectError(f"no request {request_id} in the shared project (deleted, or never there)")
        if now[0] == expected:  # the row is there at that version: the policies hid it from this login
            raise NotAllowed(f"{self.location}: {action}: {self.user} may not change the requests of {now[3]}")
        raise ConflictError("request", request_id, mine, expected, Theirs(now[0], now[1], iso(now[2]),
                                                                          self.request(request_id)))

    def request_moves(self, request_id: str | None = None) -> list[Move]:
        """The workflow moves (of one request), oldest first, with who, when and the comment."""
        query = "SELECT seq, request_id, department, from_status, to_status, moved_by, moved_at, comment, version " \
                "FROM request_moves" + (" WHERE request_id = %s" if request_id else "") + " ORDER BY seq"
        with self._read("reading the request moves") as c:
            rows = c.execute(query, (request_id,) if request_id else ()).fetchall()
        return [Move(r[0], r[1], r[2], r[3], r[4], r[5], iso(r[6]), r[7], r[8]) for r in rows]


__all__ = ["TeamRequestsMixin", "Move", "STATUSES", "EDITABLE"]
