"""Fixtures of the team-mode tests: one throwaway PostgreSQL server per test session
(tests/pg_server.py), a fresh database per test, a small sample city, and logins of each role."""

from __future__ import annotations

import itertools
import os

import pytest

from .. import pg_server

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg():
    """The test server (skipped without PostgreSQL outside CI; in CI a missing server fails)."""
    try:
        server = pg_server.start_server()
    except (FileNotFoundError, RuntimeError) as exc:
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(f"team-mode tests need PostgreSQL in CI: {exc}")
        pytest.skip(f"team-mode tests need PostgreSQL: {exc}")
    yield server
    pg_server.remove_server(server)


@pytest.fixture
def database(pg):
    """The admin URL of a new, empty database."""
    import psycopg

    name = f"kc_test_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(pg.url(), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
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
