"""`kcplanner team list-users URL` and `kcplanner team remove-user URL LOGIN`: what they print and
change on the server (checked with plain SQL), the owner refused, and their exit statuses."""

from __future__ import annotations

import psycopg
import pytest

from kcplanner.cli import main

from .conftest import login_url, new_login


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def login_exists(team, login: str) -> bool:
    with psycopg.connect(team.admin, autocommit=True) as c:
        return c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (login,)).fetchone() is not None


def test_list_users_shows_each_login_its_role_and_departments(team, capsys):
    code, out, err = run(capsys, "team", "list-users", team.admin)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["login", "role", "departments"]
    table = {line.split()[0]: line.split(None, 2)[1:] for line in lines[1:]}
    assert table[team.logins["analyst"]] == ["omb_analyst"]
    assert table[team.logins["police"]] == ["department_manager", "Police"]
    assert table[team.logins["fire"]] == ["department_manager", "Fire"]
    assert table[team.logins["viewer"]] == ["viewer"]
    with psycopg.connect(team.admin, autocommit=True) as c:
        owner = c.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'kcplanner' "
                          "AND tablename = 'requests'").fetchone()[0]
    assert lines[1].split() == [owner, "owner"]                       # the owner first


def test_remove_user_drops_the_login_and_its_departments(team, capsys):
    manager = new_login("leaving")
    code, _, err = run(capsys, "team", "add-user", team.admin, manager, "--role", "department_manager",
                       "--department", "Police", "--department", "Fire")
    assert code == 0, err
    code, out, err = run(capsys, "team", "remove-user", team.admin, manager)
    assert code == 0, err
    assert out.strip() == f"Removed {manager}: department_manager (changed Fire, Police). What it did stays " \
                          "in the audit trail."
    assert not login_exists(team, manager)
    with team.sql("viewer") as c:
        assert c.execute("SELECT count(*) FROM department_members WHERE login = %s", (manager,)).fetchone()[0] == 0
    code, out, _ = run(capsys, "team", "list-users", team.admin)
    assert manager not in out


def test_remove_user_refuses_the_owner_an_unknown_login_and_a_login_without_the_right(team, capsys):
    with psycopg.connect(team.admin, autocommit=True) as c:
        owner = c.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'kcplanner' "
                          "AND tablename = 'requests'").fetchone()[0]
    code, out, err = run(capsys, "team", "remove-user", team.admin, owner)
    assert code == 1 and "owns the shared project" in err and "Traceback" not in err
    assert login_exists(team, owner)
    code, out, err = run(capsys, "team", "remove-user", team.admin, "nobody_here")
    assert code == 1 and "no login 'nobody_here' among the project's users" in err
    code, out, err = run(capsys, "team", "remove-user", login_url(team.admin, team.logins["analyst"]),
                         team.logins["viewer"])
    assert code == 1 and "Traceback" not in err and err.startswith("team remove-user: ")
    assert login_exists(team, team.logins["viewer"])                   # an analyst cannot drop logins


def test_bad_usage_of_the_user_commands(capsys):
    code, _, err = run(capsys, "team", "list-users", "mysql://x@h/db")
    assert code == 2 and "not a PostgreSQL URL" in err
    with pytest.raises(SystemExit) as stop:   # LOGIN missing: argparse's usage error
        main(["team", "remove-user", "postgresql://x@127.0.0.1:1/db"])
    assert stop.value.code == 2 and "required: LOGIN" in capsys.readouterr().err
