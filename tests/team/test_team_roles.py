"""Each role's rights, checked by connecting AS that role with plain SQL (not through kcplanner):
the database itself refuses what the role may not do (grants and row-level security)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors, sql

REFUSED = errors.InsufficientPrivilege  # 42501: "permission denied" and "violates row-level security policy"


def first_request(conn, department: str) -> str:
    return conn.execute("SELECT request_id FROM requests WHERE department = %s ORDER BY row_order LIMIT 1",
                        (department,)).fetchone()[0]


def rowcount(conn, query: str, args=()) -> int:
    return conn.execute(query, args).rowcount


def test_everyone_reads_the_whole_budget(team):
    ds = team.dataset
    for who in ("analyst", "police", "fire", "viewer"):
        with team.sql(who) as c:
            assert c.execute("SELECT count(*) FROM requests").fetchone()[0] == len(ds.budget.requests)
            assert c.execute("SELECT count(*) FROM positions").fetchone()[0] == len(ds.budget.positions)
            assert c.execute("SELECT count(DISTINCT department) FROM requests").fetchone()[0] == \
                ds.budget.requests["department"].nunique()
            assert c.execute("SELECT count(*) FROM scenarios").fetchone()[0] == 2
            assert c.execute("SELECT count(*) FROM frames WHERE name = 'budget.line_items'").fetchone()[0] == 1


def test_a_department_manager_changes_only_its_departments_rows(team):
    with team.sql("police") as c:
        police, fire = first_request(c, "Police"), first_request(c, "Fire")
        assert rowcount(c, "UPDATE requests SET title = 'Changed by Police' WHERE request_id = %s", (police,)) == 1
        assert rowcount(c, "UPDATE requests SET title = 'Changed by Police' WHERE request_id = %s", (fire,)) == 0
        assert rowcount(c, "DELETE FROM requests WHERE request_id = %s", (fire,)) == 0
        with pytest.raises(REFUSED):  # moving its own request to another department
            c.execute("UPDATE requests SET department = 'Fire' WHERE request_id = %s", (police,))
        with pytest.raises(REFUSED):
            c.execute("INSERT INTO requests (request_id, row_order, department, title) VALUES ('X-1', 900, 'Fire', 'x')")
        c.execute("INSERT INTO requests (request_id, row_order, department, title) VALUES ('P-NEW', 901, 'Police', 'p')")
        assert rowcount(c, "DELETE FROM requests WHERE request_id = 'P-NEW'") == 1
        # positions
        assert rowcount(c, "UPDATE positions SET fte = fte + 1 WHERE department = 'Police'") == \
            c.execute("SELECT count(*) FROM positions WHERE department = 'Police'").fetchone()[0] > 0
        assert rowcount(c, "UPDATE positions SET fte = fte + 1 WHERE department = 'Fire'") == 0
        with pytest.raises(REFUSED):
            c.execute("INSERT INTO positions (row_order, department, program, title, fte) "
                      "VALUES (999, 'Fire', 'Suppression', 'Firefighter', 1)")
        # narratives: the request's department decides
        c.execute("INSERT INTO narratives (request_id, department, data) VALUES (%s, '', '{\"need\": \"x\"}')",
                  (police,))
        with pytest.raises(REFUSED):
            c.execute("INSERT INTO narratives (request_id, department, data) VALUES (%s, 'Police', '{}')", (fire,))
    with team.sql("analyst") as c:  # what the manager did is there, and only that
        assert c.execute("SELECT title FROM requests WHERE request_id = %s", (police,)).fetchone()[0] == \
            "Changed by Police"
        assert c.execute("SELECT title FROM requests WHERE request_id = %s", (fire,)).fetchone()[0] != \
            "Changed by Police"
        assert c.execute("SELECT department FROM narratives WHERE request_id = %s", (police,)).fetchone()[0] == "Police"


@pytest.mark.parametrize("statement", [
    "UPDATE scenarios SET data = data",
    "INSERT INTO scenarios (name, name_key, position, data) VALUES ('Mine', 'mine', 9, '{}')",
    "DELETE FROM frames",
    "UPDATE meta SET value = 'x' WHERE key = 'app'",
    "INSERT INTO edits (action, description) VALUES ('update', 'forged')",
    "DELETE FROM edits",
    "INSERT INTO request_moves (request_id, department, from_status, to_status, version) "
    "VALUES ('x', 'Police', 'Draft', 'Adopted', 1)",
    "INSERT INTO department_members VALUES (current_user, 'Fire')",
    "INSERT INTO workflow_moves VALUES ('Draft', 'Adopted', 'department', false)",
])
def test_a_department_manager_cannot_touch_omb_tables_or_the_rules(team_for_refusals, statement):
    with team_for_refusals.sql("police") as c, pytest.raises(REFUSED):
        c.execute(statement)


@pytest.mark.parametrize("statement", [
    "UPDATE requests SET title = 'x'",
    "DELETE FROM requests",
    "INSERT INTO requests (request_id, row_order, department) VALUES ('V-1', 900, 'Police')",
    "UPDATE narratives SET data = '{}'",
    "UPDATE positions SET fte = 0",
    "INSERT INTO positions (row_order, department, title, fte) VALUES (999, 'Police', 'x', 1)",
    "UPDATE scenarios SET data = data",
    "DELETE FROM scenarios",
    "UPDATE frames SET digest = 'x'",
    "INSERT INTO edits (action, description) VALUES ('update', 'forged')",
])
def test_a_viewer_changes_nothing(team_for_refusals, statement):
    with team_for_refusals.sql("viewer") as c, pytest.raises(REFUSED):
        c.execute(statement)


def test_an_analyst_changes_everything_but_the_audit_trail(team):
    with team.sql("analyst") as c:
        fire = first_request(c, "Fire")
        assert rowcount(c, "UPDATE requests SET rank = 9 WHERE request_id = %s", (fire,)) == 1
        assert rowcount(c, "UPDATE positions SET fte = fte + 0.5 WHERE department IN ('Fire', 'Police')") == \
            c.execute("SELECT count(*) FROM positions WHERE department IN ('Fire', 'Police')").fetchone()[0]
        assert rowcount(c, "UPDATE scenarios SET data = jsonb_set(data, '{funded_requests}', '[\"X\"]'::jsonb) "
                           "WHERE name = 'Police plan'") == 1
        c.execute("INSERT INTO requests (request_id, row_order, department, title, status) "
                  "VALUES ('OMB-1', 900, 'Fire', 'OMB adds', 'Under review')")
        assert rowcount(c, "DELETE FROM requests WHERE request_id = 'OMB-1'") == 1
        for forged in ("INSERT INTO edits (action, description) VALUES ('update', 'forged')", "DELETE FROM edits",
                       "UPDATE edits SET description = 'x'", "INSERT INTO department_members VALUES ('x', 'Fire')"):
            with pytest.raises(REFUSED):
                c.execute(forged)
        # every change above is in the audit trail, by this login, written by the database
        rows = c.execute("SELECT action, \"user\", request_id, scenario FROM edits WHERE \"user\" = current_user "
                         "ORDER BY seq").fetchall()
    login = team.logins["analyst"]
    assert ("data", login, fire, None) in rows
    assert ("update", login, None, "Police plan") in rows
    assert [r for r in rows if r[2] == "OMB-1"] == [("data", login, "OMB-1", None)] * 2  # added, then deleted
    with team.sql("viewer") as c:
        assert c.execute("SELECT count(*) FROM edits WHERE \"user\" = %s AND before ? 'cost_per_fte'",
                         (login,)).fetchone()[0] == \
            c.execute("SELECT count(*) FROM positions WHERE department IN ('Fire', 'Police')").fetchone()[0]


def test_a_login_without_a_role_cannot_even_read(team):
    from .conftest import login_url, new_login

    stranger = new_login("stranger")
    with psycopg.connect(team.admin, autocommit=True) as c:
        c.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(stranger)))
    with psycopg.connect(login_url(team.admin, stranger), autocommit=True) as c, pytest.raises(REFUSED):
        c.execute("SELECT count(*) FROM kcplanner.requests")


def test_a_request_moved_to_another_department_takes_its_narrative_and_its_rights(team):
    with team.sql("police") as police:
        rid = first_request(police, "Police")
        police.execute("INSERT INTO narratives (request_id, department, data) VALUES (%s, '', '{\"need\": 1}')", (rid,))
    with team.sql("analyst") as omb:
        omb.execute("UPDATE requests SET department = 'Fire' WHERE request_id = %s", (rid,))
        assert omb.execute("SELECT department FROM narratives WHERE request_id = %s", (rid,)).fetchone()[0] == "Fire"
    with team.sql("police") as police, team.sql("fire") as fire:
        assert rowcount(police, "UPDATE narratives SET data = '{\"need\": 2}' WHERE request_id = %s", (rid,)) == 0
        assert rowcount(fire, "UPDATE narratives SET data = '{\"need\": 3}' WHERE request_id = %s", (rid,)) == 1
