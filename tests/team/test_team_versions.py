"""No lost update: two people saving the same scenario or request — the second is told who and
when and chooses, both versions stay in the history; people editing different things never wait;
others' changes arrive within 2 s; a connection lost in the middle of a save writes nothing."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from kcplanner.project.postgres import (ConflictError, ConnectionLost, keep_mine, listen, save_as_copy,
                                        take_theirs)
from kcplanner.project import ProjectError
from kcplanner.scenario import Rule, Scenario, Target


def with_rule(s: Scenario, label: str, value: float) -> Scenario:
    return Scenario(s.name, s.rules + (Rule(label, Target(department="Fire"), "percent", value),), s.funded_requests)


def two_saves(team):
    """A (analyst) and B (the server's owner, also OMB) both load 'Police plan'; A saves first."""
    from kcplanner.project.postgres import TeamProject

    a, b = team.open("analyst"), TeamProject.open(team.admin)
    base = b.scenario("Police plan")
    a.record_edit("Police plan", None, base, with_rule(base, "A's fire rule", 1.0))
    return a, b, base


def test_the_second_save_is_told_who_and_when_and_nothing_is_overwritten(team):
    a, b, base = two_saves(team)
    mine = with_rule(base, "B's fire rule", 2.0)
    with a, b:
        with pytest.raises(ConflictError) as info:
            b.record_edit("Police plan", None, base, mine)
        c = info.value
        assert c.theirs.changed_by == team.logins["analyst"] and c.theirs.version == 2
        assert c.theirs.value == with_rule(base, "A's fire rule", 1.0) and c.mine == mine
        assert f"changed by {team.logins['analyst']} at {c.theirs.changed_at}" in str(c)
        assert c.theirs.changed_at == a.scenario_version("Police plan").modified
        a.refresh()
        assert a.scenario("Police plan") == with_rule(base, "A's fire rule", 1.0)   # A's save stands
        keep_mine(b, c)
        a.refresh()
        assert a.scenario("Police plan") == mine and a.scenario_version("Police plan").version == 3
        afters = [h.after for h in a.history("Police plan") if h.action == "update"]
        assert afters == [with_rule(base, "A's fire rule", 1.0).to_dict(), mine.to_dict()]   # both versions kept


def test_take_theirs_keeps_mine_in_the_history(team):
    a, b, base = two_saves(team)
    mine = with_rule(base, "B's fire rule", 2.0)
    with a, b:
        with pytest.raises(ConflictError) as info:
            b.record_edit("Police plan", None, base, mine)
        take_theirs(b, info.value)
        assert b.scenario("Police plan") == with_rule(base, "A's fire rule", 1.0)
        kept = b.history("Police plan", actions=["conflict"])
        assert [h.after for h in kept] == [mine.to_dict()] and kept[0].user == b.user
        b.record_edit("Police plan", None, b.scenario("Police plan"), mine)   # now over the version it holds


def test_save_as_copy(team):
    a, b, base = two_saves(team)
    mine = with_rule(base, "B's fire rule", 2.0)
    with a, b:
        with pytest.raises(ConflictError) as info:
            b.record_edit("Police plan", None, base, mine)
        save_as_copy(b, info.value)
        a.refresh()
        copy = f"Police plan ({b.user}'s copy)"
        assert a.scenario(copy).rules == mine.rules
        assert a.scenario("Police plan") == with_rule(base, "A's fire rule", 1.0)


def test_saving_a_scenario_someone_deleted(team):
    with team.open("analyst") as a, team.open("analyst") as b:
        base = b.scenario("Police plan")
        a.delete_scenario("Police plan")
        with pytest.raises(ConflictError, match=f"was deleted by {team.logins['analyst']}") as info:
            b.record_edit("Police plan", None, base, with_rule(base, "late", 1.0))
        keep_mine(b, info.value)
        a.refresh()
        assert a.scenario("Police plan") == with_rule(base, "late", 1.0)


def test_two_saves_of_one_request(team):
    with team.open("police") as police, team.open("analyst") as omb:
        r = police.my_requests()[0]
        omb.save_request(r["request_id"], {"rank": 99.0}, r["version"])
        with pytest.raises(ConflictError) as info:
            police.save_request(r["request_id"], {"title": "mine"}, r["version"])
        assert info.value.theirs.changed_by == team.logins["analyst"] and info.value.theirs.value["rank"] == 99.0
        assert police.request(r["request_id"])["title"] == r["title"]   # nothing of police's save written
        police.save_request(r["request_id"], {"title": "mine"}, info.value.theirs.version)
        assert police.request(r["request_id"])["rank"] == 99.0


def test_people_editing_different_scenarios_never_wait(team):
    with team.sql("analyst") as holder, team.open("analyst") as other:
        holder.execute("BEGIN")
        holder.execute("UPDATE scenarios SET data = data || '{\"rules\": []}' WHERE name = 'Police plan'")
        start = time.monotonic()
        base = other.scenario("Baseline")
        other.record_edit("Baseline", None, base, with_rule(base, "x", 1.0))   # another row: no wait
        assert time.monotonic() - start < 1.0
        holder.execute("ROLLBACK")


def test_a_change_is_seen_by_another_client_within_2_seconds(team):
    seen: list = []
    arrived = threading.Event()

    def on_change(change):
        seen.append(change)
        if change.table == "scenarios":
            arrived.set()

    with team.open("analyst") as a, listen(team.url("viewer"), on_change) as listener:
        assert listener.error is None
        base = a.scenario("Police plan")
        start = time.monotonic()
        a.record_edit("Police plan", None, base, with_rule(base, "now", 3.0))
        assert arrived.wait(2.0), "no notification within 2 s"
        latency = seen[-1].received - start
    change = [c for c in seen if c.table == "scenarios"][0]
    assert (change.action, change.key, change.version, change.user) == \
        ("update", "Police plan", 2, team.logins["analyst"])
    assert latency < 2.0


def test_a_connection_lost_mid_save_writes_nothing_and_the_next_save_works(team):
    with team.open("analyst") as a, psycopg.connect(team.admin, autocommit=True,
                                                    options="-c search_path=kcplanner") as admin:
        base = a.scenario("Police plan")
        edits_before = admin.execute("SELECT count(*) FROM edits").fetchone()[0]
        admin.execute("BEGIN")
        admin.execute("SELECT 1 FROM scenarios WHERE name = 'Police plan' FOR UPDATE")   # A's save will wait here
        outcome: list = []
        saver = threading.Thread(target=lambda: _save(a, base, outcome))
        saver.start()
        pid = None
        for _ in range(100):   # A's backend, waiting on the lock mid-save
            with psycopg.connect(team.admin, autocommit=True) as spy:
                row = spy.execute("SELECT pid FROM pg_stat_activity WHERE usename = %s AND wait_event_type = 'Lock'",
                                  (team.logins["analyst"],)).fetchone()
            if row:
                pid = row[0]
                break
            time.sleep(0.05)
        assert pid is not None
        with psycopg.connect(team.admin, autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
        saver.join(10)
        admin.execute("ROLLBACK")
        assert len(outcome) == 1 and isinstance(outcome[0], ConnectionLost)
        assert "connection to the server was lost" in str(outcome[0]) and "nothing of it was written" in str(outcome[0])
        assert admin.execute("SELECT version FROM scenarios WHERE name = 'Police plan'").fetchone()[0] == 1
        assert admin.execute("SELECT count(*) FROM edits").fetchone()[0] == edits_before
        a.record_edit("Police plan", None, base, with_rule(base, "retried", 1.0))   # a new connection, same save
        assert admin.execute("SELECT version FROM scenarios WHERE name = 'Police plan'").fetchone()[0] == 2


def _save(project, base, outcome) -> None:
    try:
        project.record_edit("Police plan", None, base, with_rule(base, "lost", 1.0))
        outcome.append(None)
    except Exception as exc:  # noqa: BLE001 - the test looks at what it was
        outcome.append(exc)


def test_two_people_giving_two_scenarios_the_same_name(team):
    with team.open("analyst") as a, team.open("analyst") as b:
        a.put_scenario(Scenario("Lean"))
        with pytest.raises(ProjectError, match="a scenario named 'lean' already exists \\(someone just created it\\)"):
            b.put_scenario(Scenario("lean"))
        with pytest.raises(ProjectError, match="a scenario named 'LEAN' already exists \\(someone just created it\\)"):
            b.rename_scenario("Baseline", "LEAN")
        assert b.scenario_names == ["Baseline", "Police plan"]   # nothing changed here


def test_a_listener_whose_connection_dropped_comes_back_and_says_so(team):
    changes, gaps = [], threading.Event()
    got = threading.Event()

    def on_change(change):
        changes.append(change)
        got.set()

    with listen(team.url("viewer"), on_change, on_gap=gaps.set, retry_seconds=0.2) as listener, \
            team.open("analyst") as a, psycopg.connect(team.admin, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s "
                      "AND query ILIKE 'LISTEN%%'", (team.logins["viewer"],))
        assert gaps.wait(5), "the listener did not come back"   # reconnected: the app reloads everything
        base = a.scenario("Baseline")
        a.record_edit("Baseline", None, base, with_rule(base, "after the gap", 1.0))
        assert got.wait(2.0) and changes[-1].key == "Baseline"
        assert listener.error is None
