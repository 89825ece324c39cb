"""Fixtures of the team-mode tests: one throwaway PostgreSQL server per test session
(tests/pg_server.py), a fresh database per test, a small sample city, and logins of each role."""

from __future__ import annotations

import itertools
import os

import pytest

from .. import pg_server

_numbers = itertools.count(1)


def server_unavailable(reason: str) -> None:
    """Skip the team-mode tests, except in CI (CI=true), where a missing server is a failure."""
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"team-mode tests need PostgreSQL in CI: {reason}")
    pytest.skip(f"team-mode tests need PostgreSQL: {reason}")


@pytest.fixture(scope="session")
def pg():
    """The test server (skipped without PostgreSQL outside CI; in CI a missing server fails)."""
    try:
        server = pg_server.start_server()
    except (FileNotFoundError, RuntimeError) as exc:
        server_unavailable(str(exc))
    yield server
    pg_server.remove_server(server)


@pytest.fixture
def database(pg):
    """The admin URL of a new, empty database."""
    import psycopg
    from psycopg import sql

    name = f"kc_test_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(pg.url(), autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return pg.url(name)


@pytest.fixture(scope="session")
def city(tmp_path_factory):
    """A small sample city: (dataset, SampleFiles)."""
    from kcplanner.readers import read_dataset
    from kcplanner.sample import write_sample

    folder = tmp_path_factory.mktemp("team-city")
    files = write_sample(folder, lines=300, seed=5)
    result = read_dataset(files.plan, files.budgets)
    assert result.dataset is not None, result.report.to_text()
    return result.dataset, files


def login_url(admin_url: str, login: str) -> str:
    """The same database, connecting as `login` (trust authentication on the test server)."""
    rest = admin_url.split("@", 1)[1]
    return f"postgresql://{login}@{rest}"


_logins = itertools.count(1)


def new_login(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{next(_logins)}"


class Team:
    """A shared project loaded from the sample city, with a login of each role: `analyst`,
    `police` and `fire` (managers of those departments), `viewer`.  `url(login)` connects as it."""

    def __init__(self, admin_url: str, dataset, logins: dict | None = None) -> None:
        from kcplanner.project.postgres import add_user

        self.admin = admin_url
        self.dataset = dataset
        if logins is not None:
            self.logins = logins
            return
        self.logins = {"analyst": new_login("analyst"), "police": new_login("police"), "fire": new_login("fire"),
                       "viewer": new_login("viewer")}
        add_user(admin_url, self.logins["analyst"], "omb_analyst")
        add_user(admin_url, self.logins["police"], "department_manager", ["Police"])
        add_user(admin_url, self.logins["fire"], "department_manager", ["Fire"])
        add_user(admin_url, self.logins["viewer"], "viewer")

    def url(self, who: str) -> str:
        return login_url(self.admin, self.logins[who])

    def sql(self, who: str):
        """A plain psycopg connection (autocommit) as `who`, with the kcplanner schema on the path."""
        import psycopg

        return psycopg.connect(self.url(who), autocommit=True, options="-c search_path=kcplanner")

    def open(self, who: str):
        from kcplanner.project.postgres import TeamProject

        return TeamProject.open(self.url(who))


@pytest.fixture(scope="session")
def team_template(pg, city):
    """A database holding the sample city's shared project and the logins, made once: each test
    gets a copy of it (CREATE DATABASE … TEMPLATE, a file copy on the server)."""
    import psycopg
    from psycopg import sql

    from kcplanner.project.postgres import init_team
    from kcplanner.scenario import Rule, Scenario, Target

    dataset, files = city
    name = f"kc_template_{os.getpid()}"
    with psycopg.connect(pg.url(), autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    scenarios = [Scenario("Baseline"), Scenario("Police plan", (Rule("Police +2%", Target(department="Police"),
                                                                     "percent", 2.0),))]
    init_team(pg.url(name), dataset, files, scenarios=scenarios)
    return name, Team(pg.url(name), dataset).logins


def _copy(pg, city, team_template) -> Team:
    import psycopg
    from psycopg import sql

    template, logins = team_template
    name = f"kc_test_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(pg.url(), autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    return Team(pg.url(name), city[0], logins)


@pytest.fixture
def team(pg, city, team_template):
    """A shared project of the sample city (a Baseline and a Police scenario) with four logins, in a
    database of its own."""
    return _copy(pg, city, team_template)


@pytest.fixture(scope="module")
def team_for_refusals(pg, city, team_template):
    """One copy for a module's statements that must all be refused (none of them changes it)."""
    return _copy(pg, city, team_template)
