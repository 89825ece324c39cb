"""`kcplanner team add-user`: a PostgreSQL login for a person, in one of the three group roles,
and for a department manager the departments whose rows it may change.  The password is hashed
here (SCRAM, by libpq) and only its hash goes to the server; kcplanner never keeps it."""

from __future__ import annotations

import difflib
import json
from typing import Iterable

from psycopg import sql

from ..frames import decode_frame
from .base import ROLES
from .connection import connect, translated, where
from .errors import TeamError
from .migrate import check_version


def add_user(url: str, login: str, role: str, departments: Iterable[str] = (), *,
             password: str | None = None) -> list[str]:
    """Create (or update) `login` as a member of `role`; returns the departments it manages, spelled
    as in the project.  TeamError for an unknown role or department, or a login without CREATEROLE."""
    departments = [d for d in departments]
    if role not in ROLES:
        raise TeamError(f"unknown role '{role}': expected one of {', '.join(ROLES)}")
    if not login or not isinstance(login, str) or login != login.strip():
        raise TeamError(f"'{login}' is not a login name")
    if role == "department_manager" and not departments:
        raise TeamError("a department manager needs at least one --department")
    if role != "department_manager" and departments:
        raise TeamError(f"--department is for department managers, not {role}")
    conn = connect(url, autocommit=True)
    try:
        place = where(conn)
        with translated(place, f"adding the login {login}"):
            check_version(conn)
            known = _departments(conn)
            spelled = []
            for d in departments:
                match = known.get(" ".join(d.split()).casefold())
                if match is None:
                    close = difflib.get_close_matches(d, sorted(known.values()), n=1, cutoff=0.6)
                    hint = f"did you mean '{close[0]}'?" if close else \
                        f"departments: {', '.join(sorted(known.values())[:12])}{' …' if len(known) > 12 else ''}"
                    raise TeamError(f"{place}: no department '{d}' in the project ({hint})")
                spelled.append(match)
            with conn.transaction():
                exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone()
                ident = sql.Identifier(login)
                if not exists:
                    conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
                if password is not None:  # hashed here (libpq, SCRAM): the password itself never leaves this machine
                    hashed = conn.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256")
                    conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(hashed.decode())))
                for other in ROLES:
                    member = conn.execute("SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                                          "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = %s AND u.rolname = %s",
                                          (other, login)).fetchone()
                    if other != role and member:
                        conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(other), ident))
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), ident))
                conn.execute("DELETE FROM department_members WHERE login = %s", (login,))
                for d in spelled:
                    conn.execute("INSERT INTO department_members (login, department) VALUES (%s, %s)", (login, d))
        return spelled
    finally:
        conn.close()


def _departments(conn) -> dict[str, str]:
    """The project's departments (line items, requests, positions), by their key."""
    names: dict[str, str] = {}
    for (d,) in conn.execute("SELECT department FROM requests UNION SELECT department FROM positions"):
        names.setdefault(" ".join(str(d).split()).casefold(), d)
    row = conn.execute("SELECT spec FROM frames WHERE name = 'budget.line_items'").fetchone()
    if row is not None:
        blobs = [bytes(b) for (b,) in conn.execute("SELECT data FROM frame_parts WHERE frame = 'budget.line_items' "
                                                    "ORDER BY part")]
        frame = decode_frame(json.loads(row[0]), blobs)
        for d in frame["department"].astype(str).unique():
            names.setdefault(" ".join(d.split()).casefold(), d)
    return names


__all__ = ["add_user"]
