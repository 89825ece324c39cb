"""The throwaway server the team-mode tests start: loopback only, its socket in its own folder;
without PostgreSQL the tests skip, except in CI where they fail."""

from __future__ import annotations

import psycopg
import pytest

from .. import pg_server
from .conftest import server_unavailable


def test_the_server_listens_on_loopback_only(pg):
    with psycopg.connect(pg.url(), autocommit=True) as c:
        assert c.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert c.execute("SHOW unix_socket_directories").fetchone()[0] == str(pg.folder)
        assert c.execute("SELECT current_setting('port')::int").fetchone()[0] == pg.port
    assert pg.folder.is_dir() and (pg.folder / "data" / "PG_VERSION").is_file()


def test_missing_postgresql_skips_outside_ci_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="need PostgreSQL: no initdb"):
        server_unavailable("no initdb")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="need PostgreSQL in CI: no initdb"):
        server_unavailable("no initdb")


def test_the_binaries_are_found_where_pg_bindir_says_first(monkeypatch, tmp_path):
    for name in ("initdb", "pg_ctl"):
        (tmp_path / name).write_text("#!/bin/sh\n")
    monkeypatch.setenv("PG_BINDIR", str(tmp_path))
    assert pg_server.find_bindir() == tmp_path
    monkeypatch.setenv("PG_BINDIR", str(tmp_path / "nowhere"))
    found = pg_server.find_bindir()
    assert found is None or ((found / "initdb").is_file() and found != tmp_path / "nowhere")
