"""Others' changes in an open window within 2 s, a save over a newer version (the conflict dialog,
answered here from a timer: both versions stay in the History), a connection dropped under a save
(its message, Retry / Cancel), and a slider drag saved once as one version (ui/team/)."""

from __future__ import annotations

import time

import pytest

from kcplanner.project.postgres import TeamProject
from kcplanner.scenario import Rule, Scenario, Target

from .ui_team_fixtures import answer_modal, grab, open_shared, server_version, ui_settings, window  # noqa: F401


def with_rule(s: Scenario, label: str, value: float) -> Scenario:
    return Scenario(s.name, s.rules + (Rule(label, Target(department="Fire"), "percent", value),), s.funded_requests)


def select(w, name: str) -> None:
    w.session.select_scenario([s.name for s in w.session.scenarios].index(name))


def test_a_change_by_a_second_client_shows_in_the_window_within_2_seconds(qtbot, window, team):
    w = window
    open_shared(qtbot, w, team.url("analyst"))
    seen: list = []
    w.team.changes_arrived.connect(seen.append)
    with TeamProject.open(team.admin) as other:   # another OMB login, writing through plain TeamProject
        base = other.scenario("Police plan")
        theirs = with_rule(base, "Their fire rule", 3.0)
        t0 = time.monotonic()
        other.record_edit("Police plan", None, base, theirs)
        qtbot.waitUntil(lambda: theirs in w.session.scenarios, timeout=2000)
        elapsed = time.monotonic() - t0
        print(f"\nscenario change seen in the window after {elapsed * 1000:.0f} ms")
        assert elapsed < 2.0
        assert w.team.last_message == f"{other.user} changed Police plan"
        assert w.statusBar().currentMessage() == w.team.last_message
        grab(w, "team-window-change-arrived")
        assert seen and seen[-1].table == "scenarios" and seen[-1].key == "Police plan" and seen[-1].user == other.user
        assert w.session.undo_stack.count() == 0   # not an edit of this window
        # a scenario created by the other shows too, and the window's own save afterwards is no conflict
        other.put_scenario(Scenario("Fire plan"))
        qtbot.waitUntil(lambda: "Fire plan" in [s.name for s in w.session.scenarios], timeout=2000)
        assert w.team.last_message == f"{other.user} created scenario Fire plan"
    select(w, "Police plan")
    mine = with_rule(w.session.scenario, "My rule", 1.0)
    w.session.edit_scenario(mine, "My rule")
    assert server_version(team, "Police plan") == 3


def test_a_request_moved_by_a_department_reloads_the_data(qtbot, window, team):
    w = window
    open_shared(qtbot, w, team.url("analyst"))
    with team.open("police") as police:
        rid = police.my_requests()[0]["request_id"]
        police.move_request(rid, "Submitted")
        with qtbot.waitSignal(w.team.reloaded, timeout=5000):
            pass
    assert w.team.last_message == f"{team.logins['police']} moved request {rid} in the workflow"


def conflict_setup(qtbot, w, team):
    """The window (analyst) holds 'Police plan' version 1; the server's owner saves version 2 while
    the window does not hear it (its listener is stopped, as if the notice were still on its way)."""
    open_shared(qtbot, w, team.url("analyst"))
    w.team.bridge.stop()
    select(w, "Police plan")
    with TeamProject.open(team.admin) as other:
        base = other.scenario("Police plan")
        theirs = with_rule(base, "Their fire rule", 3.0)
        other.record_edit("Police plan", None, base, theirs)
        user = other.user
    mine = with_rule(w.session.scenario, "My fire rule", 1.0)
    return theirs, mine, user


@pytest.mark.parametrize("choice", ["mine", "theirs", "copy"])
def test_a_conflict_is_asked_and_both_versions_stay_in_the_history(qtbot, window, team, choice):
    w = window
    theirs, mine, other = conflict_setup(qtbot, w, team)
    seen: list = []
    button = {"mine": "mine_button", "theirs": "theirs_button", "copy": "copy_button"}[choice]

    def act(dialog):
        if choice == "mine":
            grab(dialog, "team-conflict-dialog")
        getattr(dialog, button).click()
    answer_modal(qtbot, act, seen)
    w.session.edit_scenario(mine, "My fire rule")
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    dialog = seen[0]
    assert type(dialog).__name__ == "ConflictDialog"
    from PySide6.QtWidgets import QLabel
    text = dialog.findChild(QLabel).text()
    assert f"<b>{other}</b> changed scenario <b>Police plan</b>" in text and "(version 2)" in text
    assert "after you loaded version 1" in text and "Their fire rule" in text
    qtbot.wait(50)   # the window takes the server's scenarios after the push returned
    p = w.project_controller.project
    with team.sql("analyst") as c:
        rows = c.execute("SELECT action, \"user\", after FROM edits WHERE scenario LIKE 'Police plan%%' "
                         "ORDER BY seq").fetchall()
        stored = {n: d for n, d in c.execute("SELECT name, data FROM scenarios")}
    labels = lambda d: [r["label"] for r in (d or {}).get("rules", [])]  # noqa: E731
    assert any(u == other and "Their fire rule" in labels(a) for _act, u, a in rows)  # theirs is a version
    assert any("My fire rule" in labels(a) for _act, _u, a in rows)                   # so is mine
    if choice == "mine":
        assert labels(stored["Police plan"])[-1] == "My fire rule" and "Their fire rule" not in labels(stored["Police plan"])
        assert w.session.scenario == mine
    elif choice == "theirs":
        assert labels(stored["Police plan"])[-1] == "Their fire rule"
        assert rows[-1][0] == "conflict" and labels(rows[-1][2])[-1] == "My fire rule"
        assert w.session.scenario == theirs
    else:
        copy = f"Police plan ({p.user}'s copy)"
        assert labels(stored["Police plan"])[-1] == "Their fire rule"
        assert labels(stored[copy])[-1] == "My fire rule"
        assert w.session.scenario.name == copy and w.session.scenario.rules == mine.rules
    assert list(p.scenarios) == list(w.session.scenarios)


def kill_window_connection(team, project) -> None:
    import psycopg

    pid = project.conn.info.backend_pid
    with psycopg.connect(team.admin, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.mark.parametrize("answer", ["retry", "cancel"])
def test_a_dropped_connection_shows_its_message_and_retry_saves(qtbot, window, team, answer):
    from PySide6.QtWidgets import QMessageBox

    w = window
    p = open_shared(qtbot, w, team.url("analyst"))
    select(w, "Police plan")
    before = w.session.scenario
    kill_window_connection(team, p)
    seen: list = []

    def act(box):
        seen.append(box.text())
        if answer == "retry":
            grab(box, "team-connection-lost")
        box.button(QMessageBox.StandardButton.Retry if answer == "retry" else QMessageBox.StandardButton.Cancel).click()
    answer_modal(qtbot, act, seen)
    mine = with_rule(before, "Saved after the drop", 1.0)
    w.session.edit_scenario(mine, "Saved after the drop")
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    assert seen[0].objectName() == "connection_lost"
    assert "connection to the server was lost" in seen[1] and "nothing of it was written" in seen[1]
    qtbot.wait(100)
    if answer == "retry":
        qtbot.waitUntil(lambda: server_version(team, "Police plan") == 2, timeout=5000)
        assert w.session.scenario == mine
    else:
        qtbot.waitUntil(lambda: w.session.scenario == before, timeout=5000)
        assert server_version(team, "Police plan") == 1 and w.session.undo_stack.canRedo()


def test_a_slider_drag_is_one_version_saved_when_it_pauses(qtbot, window, team):
    from ui.project.autosave import DRAG_SAVE_DELAY_MS

    w = window
    open_shared(qtbot, w, team.url("analyst"))
    select(w, "Police plan")
    w.tabs.setCurrentWidget(w.allocations)
    w.allocations.tree.setCurrentIndex(w.allocations.model.index(0, 0))
    with team.sql("analyst") as c:
        edits = c.execute("SELECT count(*) FROM edits").fetchone()[0]
    for step in range(1, 11):   # ten steps of one drag
        w.allocations.slider.setValue(step * 10)
    assert server_version(team, "Police plan") == 1    # nothing sent during the drag
    qtbot.wait(DRAG_SAVE_DELAY_MS + 300)
    assert server_version(team, "Police plan") == 2
    with team.sql("analyst") as c:
        assert c.execute("SELECT count(*) FROM edits").fetchone()[0] == edits + 1
        data = c.execute("SELECT data FROM scenarios WHERE name = 'Police plan'").fetchone()[0]
    assert data == w.session.scenario.to_dict()
    assert w.session.undo_stack.count() == 1


def test_a_listener_that_lost_the_server_reloads_everything_when_back(qtbot, window, team):
    import psycopg

    w = window
    open_shared(qtbot, w, team.url("analyst"))
    with psycopg.connect(team.admin, autocommit=True) as admin:
        pids = [r[0] for r in admin.execute("SELECT pid FROM pg_stat_activity WHERE usename = %s AND query LIKE "
                                            "'LISTEN%%'", (team.logins["analyst"],))]
        assert len(pids) == 1
        with TeamProject.open(team.admin) as other:   # a change made while the window is not listening
            admin.execute("SELECT pg_terminate_backend(%s)", (pids[0],))
            base = other.scenario("Police plan")
            missed = with_rule(base, "Made while away", 2.0)
            other.record_edit("Police plan", None, base, missed)
    with qtbot.waitSignal(w.team.reloaded, timeout=15_000):
        pass
    assert missed in w.session.scenarios
    assert w.team.last_message.startswith("Reconnected to the server")
