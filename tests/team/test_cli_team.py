"""`kcplanner team init` and `kcplanner team add-user`: what they create, and their words and exit
statuses for bad usage (2) and for a server that refuses or is not there (1)."""

from __future__ import annotations

import time

import psycopg
import pytest

from kcplanner.cli import main
from kcplanner.project import Project
from kcplanner.project.postgres import TeamProject
from kcplanner.scenario import Scenario

from .conftest import login_url, new_login


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_from_workbooks_then_add_users(database, city, capsys):
    dataset, files = city
    code, out, err = run(capsys, "team", "init", database, "--plan", str(files.plan), "--budget",
                         *map(str, files.budgets))
    assert code == 0, err
    assert f"{len(dataset.budget.requests)} requests" in out and "1 scenarios" in out
    with TeamProject.open(database) as p:
        assert p.scenario_names == ["Baseline"]
        assert len(p.requests()) == len(dataset.budget.requests)
    manager = new_login("cli_mgr")
    code, out, err = run(capsys, "team", "add-user", database, manager, "--role", "department_manager",
                         "--department", "police", "--department", "FIRE")
    assert code == 0, err
    assert out.strip() == f"{manager}: department_manager, changes Police, Fire"
    with TeamProject.open(login_url(database, manager)) as p:
        assert (p.role, p.departments) == ("department_manager", ["Fire", "Police"])
    code, out, err = run(capsys, "team", "add-user", database, manager, "--role", "viewer")   # a change of role
    assert code == 0, err
    with TeamProject.open(login_url(database, manager)) as p:
        assert (p.role, p.departments, p.read_only) == ("viewer", [], True)


def test_init_from_a_project_file(database, city, tmp_path, capsys):
    dataset, files = city
    path = tmp_path / "round.kcplan"
    Project.create(path, dataset, files, scenarios=[Scenario("A"), Scenario("B")]).close()
    code, out, err = run(capsys, "team", "init", database, "--from", str(path))
    assert code == 0, err and "2 scenarios" in out
    code, out, err = run(capsys, "team", "init", database, "--from", str(path))
    assert code == 1 and "already holds a kcplanner project" in err and "Traceback" not in err


def test_a_password_goes_to_the_server_only_as_its_hash(pg, database, city, monkeypatch, capsys, tmp_path):
    dataset, files = city
    path = tmp_path / "p.kcplan"
    Project.create(path, dataset, files).close()
    assert run(capsys, "team", "init", database, "--from", str(path))[0] == 0
    login = new_login("cli_pw")
    monkeypatch.setenv("KC_TEST_PASSWORD", "s3cret-budget")
    code, out, err = run(capsys, "team", "add-user", database, login, "--role", "omb_analyst", "--password-env",
                         "KC_TEST_PASSWORD")
    assert code == 0, err
    assert "s3cret" not in out + err and "password set on the server" in out
    with psycopg.connect(database) as c:
        stored = c.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (login,)).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$") and "s3cret" not in stored
    hba = pg.folder / "data" / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text(f"host all {login} 127.0.0.1/32 scram-sha-256\n" + original)   # this login: password only
    try:
        with psycopg.connect(database, autocommit=True) as c:
            c.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)
        url = login_url(database, login)
        with psycopg.connect(url.replace(f"{login}@", f"{login}:s3cret-budget@")) as c:
            assert c.execute("SELECT session_user").fetchone()[0] == login
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(url.replace(f"{login}@", f"{login}:wrong@"))
    finally:
        hba.write_text(original)
        with psycopg.connect(database, autocommit=True) as c:
            c.execute("SELECT pg_reload_conf()")


@pytest.mark.parametrize("argv, words", [
    (["team"], "say what to do"),
    (["team", "init", "mysql://x@h/db", "--budget", "b.xlsx"], "not a PostgreSQL URL"),
    (["team", "init", "postgresql://x@h/db"], "give either --from"),
    (["team", "init", "postgresql://x@h/db", "--from", "a.kcplan", "--budget", "b.xlsx"], "give either --from"),
    (["team", "init", "postgresql://x@h/db", "--from", "no-such.kcplan"], "No such file or folder: no-such.kcplan"),
    (["team", "add-user", "postgresql://x@h/db", "jdoe", "--role", "department_manager"], "at least one --department"),
    (["team", "add-user", "postgresql://x@h/db", "jdoe", "--role", "viewer", "--department", "Police"],
     "for department managers"),
    (["team", "add-user", "postgresql://x@h/db", "jdoe", "--role", "viewer", "--password-env", "KC_NOT_SET_ANYWHERE"],
     "KC_NOT_SET_ANYWHERE is not set"),
])
def test_bad_usage_exits_2_with_words(argv, words, capsys):
    code, _out, err = run(capsys, *argv)
    assert code == 2 and words in err and "Traceback" not in err


def test_an_unknown_role_is_bad_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["team", "add-user", "postgresql://x@h/db", "jdoe", "--role", "mayor"])
    assert info.value.code == 2 and "invalid choice: 'mayor'" in capsys.readouterr().err


def test_the_server_refusing_or_absent_exits_1_with_words(team, capsys):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, _out, err = run(capsys, "team", "add-user", f"postgresql://admin:pw@127.0.0.1:{port}/budget", "jdoe",
                          "--role", "viewer")
    assert code == 1 and "cannot connect to the PostgreSQL server" in err and f"127.0.0.1:{port}" in err
    assert "pw@" not in err and "Traceback" not in err
    code, _out, err = run(capsys, "team", "add-user", team.admin, "jdoe2", "--role", "department_manager",
                          "--department", "Polise")
    assert code == 1 and "no department 'Polise' in the project (did you mean 'Police'?)" in err
    code, _out, err = run(capsys, "team", "add-user", team.url("analyst"), new_login("x"), "--role", "viewer")
    assert code == 1 and "not allowed for this login" in err and "Traceback" not in err


def test_an_older_schema_is_refused_until_upgraded(database, capsys):
    from kcplanner.project.postgres import SCHEMA_VERSION, TeamError, migrate

    with psycopg.connect(database, autocommit=True) as c:
        assert migrate(c, up_to=SCHEMA_VERSION - 1) == list(range(1, SCHEMA_VERSION))
    with pytest.raises(TeamError, match=f"schema version {SCHEMA_VERSION - 1}; this kcplanner needs "
                                        f"{SCHEMA_VERSION}: .*`kcplanner team upgrade`"):
        TeamProject.open(database)
    code, out, err = run(capsys, "team", "upgrade", database)
    assert code == 0, err
    assert out.strip() == f"Schema version {SCHEMA_VERSION} (was {SCHEMA_VERSION - 1})"
    code, out, _err = run(capsys, "team", "upgrade", database)
    assert out.strip() == f"Schema version {SCHEMA_VERSION} (already up to date)"
    with psycopg.connect(database) as c:
        assert c.execute("SELECT count(*) FROM kcplanner.schema_version").fetchone()[0] == SCHEMA_VERSION


def test_upgrade_of_a_database_without_a_project(pg, database, capsys):
    code, _out, err = run(capsys, "team", "upgrade", database)
    assert code == 1 and "no kcplanner project here" in err
