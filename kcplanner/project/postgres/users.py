"""`kcplanner team add-user`: a PostgreSQL login for a person, in one of the three group roles,
and for a department manager the departments whose rows it may change.  The password is hashed
here (SCRAM, by libpq) and only its hash goes to the server; kcplanner never keeps it."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
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


@dataclass(frozen=True)
class TeamUser:
    """A login of the shared project: its role and, for a manager, the departments it changes."""

    login: str
    role: str                 # omb_analyst, department_manager, viewer, or owner (set the project up)
    departments: tuple[str, ...] = ()


OWNER_QUERY = "SELECT tableowner FROM pg_tables WHERE schemaname = 'kcplanner' AND tablename = 'requests'"
MEMBERS_QUERY = ("SELECT u.rolname, g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                 "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = ANY(%s) AND u.rolcanlogin "
                 "ORDER BY u.rolname, g.rolname")


def list_users(url: str) -> list[TeamUser]:
    """The owner and every login in one of the three roles, by login.  The roles are the server's
    (shared by its databases), so a login added for another budget round on the same server is
    listed too; the departments are this project's."""
    conn = connect(url, autocommit=True)
    try:
        with translated(where(conn), "listing the logins"):
            check_version(conn)
            owner = conn.execute(OWNER_QUERY).fetchone()[0]
            members = conn.execute(MEMBERS_QUERY, (list(ROLES),)).fetchall()
            managed: dict[str, list[str]] = {}
            for login, department in conn.execute("SELECT login, department FROM department_members "
                                                  "ORDER BY login, department"):
                managed.setdefault(login, []).append(department)
    finally:
        conn.close()
    users = {owner: TeamUser(owner, "owner")}
    for login, role in members:
        if login != owner:   # a login in two roles (not made by add-user) shows the first, by name
            users.setdefault(login, TeamUser(login, role, tuple(managed.get(login, ()))))
    return sorted(users.values(), key=lambda u: (u.role != "owner", u.login))


def remove_user(url: str, login: str) -> TeamUser:
    """Drop the login (and its departments) from the server; its rows in the audit trail stay.
    TeamError for the owner of the project, or a login that is not one of the project's users."""
    conn = connect(url, autocommit=True)
    try:
        place = where(conn)
        with translated(place, f"removing the login {login}"):
            check_version(conn)
            owner = conn.execute(OWNER_QUERY).fetchone()[0]
            if login == owner:
                raise TeamError(f"{place}: {login} owns the shared project (it set it up): it cannot be removed")
            if login == conn.execute("SELECT session_user").fetchone()[0]:
                raise TeamError(f"{place}: {login} is the login running this command: it cannot remove itself")
            roles = [r for (who, r) in conn.execute(MEMBERS_QUERY, (list(ROLES),)) if who == login]
            if not roles:
                raise TeamError(f"{place}: no login '{login}' among the project's users "
                                "(see `kcplanner team list-users URL`)")
            departments = tuple(d for (d,) in conn.execute(
                "SELECT department FROM department_members WHERE login = %s ORDER BY department", (login,)))
            with conn.transaction():
                conn.execute("DELETE FROM department_members WHERE login = %s", (login,))
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(login)))
        return TeamUser(login, roles[0], departments)
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


__all__ = ["add_user", "list_users", "remove_user", "TeamUser"]
