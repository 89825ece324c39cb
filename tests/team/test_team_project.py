"""A shared project is used like the file: the same interface, the same data back, scenarios
and narratives with their audit rows; its schema is versioned like the file's format."""

from __future__ import annotations

import inspect

import pandas as pd
import psycopg
import pytest
from psycopg import sql

from kcplanner.project import Project, ProjectError, ProjectStore, is_shared, open_project
from kcplanner.project.postgres import SCHEMA_VERSION, TeamError, TeamProject, init_from_file, migrate
from kcplanner.project.postgres.migrate import migrations
from kcplanner.scenario import Rule, Scenario, Target


def test_both_back_ends_offer_the_interface_with_the_same_signatures():
    members = [n for n in dir(ProjectStore) if not n.startswith("_") or n in ("__contains__", "__enter__", "__exit__")]
    members = [n for n in members if n not in dir(object) or n in ("__contains__", "__enter__", "__exit__")]
    assert {"record_edit", "put_narrative", "history", "dataset", "update_dataset", "scenarios"} <= set(members)
    for cls in (Project, TeamProject):
        for name in members:
            ours = getattr(ProjectStore, name, None)
            theirs = getattr(cls, name, None)
            assert theirs is not None or name in ProjectStore.__annotations__, f"{cls.__name__} lacks {name}"
            if callable(ours) and not isinstance(inspect.getattr_static(ProjectStore, name), property):
                assert list(inspect.signature(theirs).parameters) == list(inspect.signature(ours).parameters), \
                    f"{cls.__name__}.{name}"


def test_the_data_come_back_exactly(team, city):
    dataset, _files = city
    with team.open("viewer") as p:
        assert isinstance(p, ProjectStore) and is_shared(p)
        back = p.dataset
    for owner in ("plan", "budget"):
        for name, frame in vars(getattr(dataset, owner)).items():
            if isinstance(frame, pd.DataFrame):
                pd.testing.assert_frame_equal(getattr(getattr(back, owner), name), frame, obj=f"{owner}.{name}")
    assert back.plan.settings == dataset.plan.settings
    assert len(back.budget.requests) == len(dataset.budget.requests) > 10


def test_init_from_a_kcplan_file_keeps_scenarios_narratives_and_sources(database, city, tmp_path):
    dataset, files = city
    rid = str(dataset.budget.requests["request_id"].iloc[0])
    scen = [Scenario("Baseline"), Scenario("Lean", (Rule("Cut", Target(department="Fire"), "percent", -3.0),),
                                           (rid,))]
    path = tmp_path / "city.kcplan"
    Project.create(path, dataset, files, scenarios=scen, narratives={rid.lower(): {"need": "more officers"},
                                                                      "NO-SUCH": {"need": "x"}}).close()
    report = init_from_file(database, path)
    assert (report.scenarios, report.narratives, report.skipped_narratives) == (2, 1, ["NO-SUCH"])
    assert report.requests == len(dataset.budget.requests)
    with TeamProject.open(database) as p:
        assert p.scenarios == scen
        assert p.narratives() == {rid: {"need": "more officers"}}
        assert p.role == "omb_analyst"   # the owner that set it up
        with Project.open(path, read_only=True) as f:
            pd.testing.assert_frame_equal(p.dataset.budget.line_items, f.dataset.budget.line_items)
    with psycopg.connect(database, options="-c search_path=kcplanner") as c:
        assert c.execute("SELECT count(*) FROM sources").fetchone()[0] == len(files.budgets) + 1
    with pytest.raises(TeamError, match="already holds a kcplanner project"):
        init_from_file(database, path)


def test_scenarios_change_as_in_the_file_with_their_audit_rows(team):
    with team.open("analyst") as p:
        base = p.scenario("Police plan")
        changed = Scenario(base.name, base.rules + (Rule("Parks", Target(department="Parks and Recreation"),
                                                         "amount", 50000.0),))
        seq = p.record_edit("Police plan", None, base, changed)
        assert p.scenario_version("Police plan").version == 2
        p.rename_scenario("Police plan", "Safety plan")
        p.put_scenario(Scenario("Empty"))
        p.move_scenario("Empty", 0)
        assert p.scenario_names == ["Empty", "Baseline", "Safety plan"]
        p.delete_scenario("Baseline")
        with pytest.raises(ProjectError, match="already exists"):
            p.rename_scenario("Empty", "safety  PLAN")
        history = p.history("Safety plan")
        assert [h.action for h in history] == ["create", "update", "rename"]   # created by team init
        assert [(h.action, h.description) for h in p.history("Empty")] == [
            ("create", "Created scenario 'Empty' (0 rules, 0 funded requests)"),
            ("update", "Moved scenario 'Empty' to position 1")]
        history = history[1:]
        assert history[0].seq == seq and history[0].description == "Added rule 'Parks': amount 50,000 dollars on " \
            "department 'Parks and Recreation', all plan years"
        assert history[0].before == base.to_dict() and history[0].after == changed.to_dict()
        assert history[1].description == "Renamed scenario 'Police plan' → 'Safety plan'"
        assert {h.user for h in p.history()[-4:]} == {team.logins["analyst"]}
        rows = p.export_history_rows()
        assert rows[0][:3] == ["#", "Time (UTC)", "User"] and len(rows) == len(p.history()) + 1
    with team.open("viewer") as v:  # another window sees it all
        assert v.scenario_names == ["Empty", "Safety plan"]
        assert v.scenario("Safety plan") == changed.rename("Safety plan")
        assert v.read_only
        with pytest.raises(ProjectError, match="viewer reads only"):
            v.put_scenario(Scenario("Nope"))


def test_narratives_through_the_api(team):
    with team.open("police") as police, team.open("fire") as fire:
        rid = police.my_requests()[0]["request_id"]
        seq = police.put_narrative(rid.lower(), {"need": "response times"})
        assert police.put_narrative(rid, {"need": "response times"}) is None   # nothing changed
        assert police.narratives() == {rid: {"need": "response times"}}
        assert police.history()[-1].seq == seq
        assert police.history()[-1].description == f"Wrote the justification of request {rid}"
        with pytest.raises(ProjectError):
            fire.put_narrative(rid, {"need": "not ours"})
        assert fire.narratives() == {rid: {"need": "response times"}}


def test_requests_saved_through_update_dataset(team):
    with team.open("police") as police:
        ds = police.dataset
        i = int((ds.budget.requests["department"] == "Police").to_numpy().argmax())
        rid = ds.budget.requests["request_id"].iloc[i]
        ds.budget.requests.loc[i, "title"] = "Body cameras, phase 2"
        police.update_dataset(tables=["budget.requests", "budget.request_costs"])
        assert police.request(rid)["title"] == "Body cameras, phase 2"
        assert police.request(rid)["version"] == 2
        assert police.reload_dataset().budget.requests["title"].iloc[i] == "Body cameras, phase 2"


def test_the_schema_is_versioned_like_the_file_format(team):
    assert [v for v, _n, _s in migrations()] == list(range(1, SCHEMA_VERSION + 1)) and SCHEMA_VERSION >= 3
    with psycopg.connect(team.admin, autocommit=True, options="-c search_path=kcplanner") as c:
        assert [r[0] for r in c.execute("SELECT version FROM schema_version ORDER BY version")] == \
            list(range(1, SCHEMA_VERSION + 1))
        assert migrate(c) == []   # nothing left to apply
        c.execute("INSERT INTO schema_version (version, name, app_version) VALUES (%s, 'future', '9.0')",
                  (SCHEMA_VERSION + 1,))
    with pytest.raises(TeamError, match=f"newer kcplanner \\(schema version {SCHEMA_VERSION + 1}\\)"):
        team.open("analyst")


def test_bad_urls_and_servers_are_said_in_words(pg, database):
    with pytest.raises(TeamError, match="no kcplanner project here"):
        TeamProject.open(database)
    with pytest.raises(TeamError, match="not a PostgreSQL URL"):
        TeamProject.open("mysql://x@localhost/db")
    with pytest.raises(TeamError, match="cannot connect to the PostgreSQL server"):
        TeamProject.open(f"postgresql://someone:secret@127.0.0.1:{_closed_port()}/budget")
    try:
        TeamProject.open(f"postgresql://someone:secret@127.0.0.1:{_closed_port()}/budget")
    except TeamError as exc:
        assert "secret" not in str(exc) and "someone:***@" in str(exc)
    with pytest.raises(TeamError, match="cannot connect"):
        TeamProject.open(pg.url("no_such_database"))


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_login_without_a_kcplanner_role_is_told_in_words(team):
    from .conftest import login_url, new_login

    stranger = new_login("stranger")
    with psycopg.connect(team.admin, autocommit=True) as c:
        c.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(stranger)))
    with pytest.raises(TeamError, match="not allowed for this login"):
        TeamProject.open(login_url(team.admin, stranger))


def test_one_opener_for_a_file_or_a_shared_project(team, city, tmp_path):
    path = tmp_path / "city.kcplan"
    Project.create(path, city[0], city[1], scenarios=[Scenario("Baseline")]).close()
    for location, shared in ((path, False), (team.url("viewer"), True)):
        with open_project(location) as p:
            assert isinstance(p, ProjectStore) and is_shared(p) is shared
            assert "Baseline" in p.scenario_names
            assert len(p.dataset.budget.requests) == len(city[0].budget.requests)
    with open_project(path, read_only=True) as p:
        assert p.read_only


def test_a_request_change_says_which_fields(team):
    with team.open("police") as police:
        r = police.my_requests()[0]
        police.save_request(r["request_id"], {"title": "Body cameras", "rank": 42.0}, r["version"])
        entry = police.history()[-1]
    assert (entry.action, entry.user) == ("data", team.logins["police"])
    assert entry.description == f"Changed request {r['request_id']} 'Body cameras': rank, title"
    assert (entry.before["title"], entry.after["title"]) == (r["title"], "Body cameras")
