"""Working offline from the window (ui/team/offline.py): File > Take Offline Copy… writes a .kcplan
that remembers its base versions; File > Bring Back Offline Changes… saves the copy's changes as
new versions, asks about a scenario changed on the server meanwhile (the conflict dialog, answered
here from a timer: both versions stay in the History), and a second time changes nothing more.
Checked in the database with plain SQL."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kcplanner.project import Project
from kcplanner.project.postgres import TeamProject
from kcplanner.scenario import Rule, Scenario, Target

from .ui_team_fixtures import grab, open_shared, ui_settings, window  # noqa: F401


def plus(s: Scenario, label: str) -> Scenario:
    return Scenario(s.name, s.rules + (Rule(label, Target(department="Fire"), "percent", 1.0),), s.funded_requests)


def answer(w, kind: str, act, seen: list, attempts: int = 400) -> list:
    """From a timer: once the active modal widget is a `kind` of window `w` (the busy dialog comes
    first; a poll left over from an earlier test must not answer this window's question), act on it."""
    stop: list = []   # append anything: the poll ends

    def poll(n=attempts):
        if stop:
            return
        dialog = QApplication.activeModalWidget()
        if dialog is None or type(dialog).__name__ != kind or dialog in seen or dialog.parentWidget() is not w:
            if n > 0:
                QTimer.singleShot(25, lambda: poll(n - 1))
            return
        seen.append(dialog)
        act(dialog)
    QTimer.singleShot(0, poll)
    return stop


def report(qtbot, w, name: str):
    off = w.team.offline
    qtbot.waitUntil(lambda: off.report_box is not None and off.report_box.objectName() == name, timeout=30_000)
    return off.report_box


def close(box) -> None:
    box.done(0)


def rows(team, sql: str, *args):
    with team.sql("analyst") as c:
        return c.execute(sql, args).fetchall()


def labels(data) -> list[str]:
    return [r["label"] for r in (data or {}).get("rules", [])]


def take_copy(qtbot, w, path) -> None:
    w.team.offline.choose_copy_path = lambda: str(path)
    assert w.team.offline.take_action.isEnabled()
    t0, c0 = time.monotonic(), time.process_time()
    w.team.offline.take_action.trigger()
    box = report(qtbot, w, "offline_copy_taken")
    print(f"\ntake offline copy (sample city, 300 lines): {1000 * (time.monotonic() - t0):.0f} ms wall, "
          f"{1000 * (time.process_time() - c0):.0f} ms CPU (process)")
    assert str(path.resolve()) in box.text() and "remembers the version of each" in box.informativeText()
    grab(box, "team-offline-copy-taken")
    close(box)


def change_offline_and_at_the_office(team, path) -> str:
    with Project.open(path) as laptop:          # on the plane
        laptop.put_scenario(plus(laptop.scenario("Police plan"), "offline police"))
        laptop.put_scenario(plus(laptop.scenario("Baseline"), "offline baseline"))
        laptop.put_scenario(Scenario("Offline idea"))
    with TeamProject.open(team.admin) as colleague:   # meanwhile, at the office
        colleague.put_scenario(plus(colleague.scenario("Baseline"), "office baseline"))
        return colleague.user


@pytest.mark.parametrize("choice", ["mine", "theirs"])
def test_take_a_copy_and_bring_it_back_twice_through_the_window(qtbot, window, team, tmp_path, choice):
    w = window
    open_shared(qtbot, w, team.url("analyst"))
    path = tmp_path / "laptop.kcplan"
    take_copy(qtbot, w, path)
    with sqlite3.connect(path) as c:   # the copy remembers where each scenario started
        base = json.loads(c.execute("SELECT value FROM meta WHERE key = 'team_base'").fetchone()[0])
    assert sorted((v["data"]["name"], v["version"]) for v in base["scenarios"].values()) == \
        [("Baseline", 1), ("Police plan", 1)]
    other = change_offline_and_at_the_office(team, path)
    edits_before = rows(team, "SELECT count(*) FROM edits")[0][0]

    seen: list = []

    def act(dialog):
        if choice == "mine":
            grab(dialog, "team-offline-conflict")
        (dialog.mine_button if choice == "mine" else dialog.theirs_button).click()
    answer(w, "ConflictDialog", act, seen)
    w.team.offline.choose_offline_copy = lambda: str(path)
    t0 = time.monotonic()
    w.team.offline.bring_action.trigger()
    box = report(qtbot, w, "offline_brought_back")
    print(f"bring back (2 saved/created, 1 conflict answered from a timer): {1000 * (time.monotonic() - t0):.0f} ms")
    grab(box, f"team-offline-brought-back-{choice}")
    assert [type(d).__name__ for d in seen] == ["ConflictDialog"] and seen[0].error.name == "Baseline"
    assert "Saved as new versions: 'Police plan'" in box.text() and "Created: 'Offline idea'" in box.text()
    assert "'Baseline' had changed on the server meanwhile" in box.informativeText()
    close(box)
    # the database: Police plan's new version by this login, the created scenario, both Baselines in the History
    versions = dict(rows(team, "SELECT name, version FROM scenarios"))
    assert versions["Police plan"] == 2 and versions["Offline idea"] == 1
    police = rows(team, "SELECT \"user\", description FROM edits WHERE scenario = 'Police plan' ORDER BY seq DESC")[0]
    assert police[0] == team.logins["analyst"]
    assert police[1].startswith("Brought back from the offline copy laptop.kcplan: Added rule 'offline police'")
    history = rows(team, "SELECT action, \"user\", after FROM edits WHERE scenario = 'Baseline' AND seq > %s "
                         "ORDER BY seq", edits_before - 10)
    assert any(u == other and labels(a)[-1:] == ["office baseline"] for _a, u, a in history)
    assert any(labels(a)[-1:] == ["offline baseline"] for _a, _u, a in history)   # mine: a version or a conflict row
    stored = dict(rows(team, "SELECT name, data FROM scenarios"))
    assert labels(stored["Baseline"])[-1] == ("offline baseline" if choice == "mine" else "office baseline")
    if choice == "theirs":
        assert history[-1][0] == "conflict" and labels(history[-1][2])[-1] == "offline baseline"
    # the window shows the server's scenarios
    p = w.project_controller.project
    qtbot.waitUntil(lambda: list(w.session.scenarios) == list(p.scenarios), timeout=5000)
    assert [s.name for s in w.session.scenarios] == ["Baseline", "Police plan", "Offline idea"]
    assert labels(stored["Police plan"]) == [r.label for r in w.session.scenarios[1].rules]

    # a second time: nothing more is saved or asked — the copy recorded what came back and what was chosen
    qtbot.wait(300)   # the listener's own refresh
    count = rows(team, "SELECT count(*) FROM edits")[0][0]
    seen2: list = []
    stop = answer(w, "ConflictDialog", lambda d: d.theirs_button.click(), seen2)
    w.team.offline.bring_action.trigger()
    box = report(qtbot, w, "offline_brought_back")
    assert "Saved as new versions" not in box.text() and "Created" not in box.text()
    close(box)
    stop.append(True)
    assert dict(rows(team, "SELECT name, version FROM scenarios")) == versions
    assert seen2 == [] and rows(team, "SELECT count(*) FROM edits")[0][0] == count
    assert "Nothing to bring back" in box.text()


def test_a_copy_that_is_not_an_offline_copy_is_refused_with_its_reason(qtbot, window, team, city, tmp_path):
    w = window
    open_shared(qtbot, w, team.url("analyst"))
    plain = tmp_path / "plain.kcplan"
    Project.create(plain, city[0], city[1]).close()
    count = rows(team, "SELECT count(*) FROM edits")[0][0]
    w.team.offline.choose_offline_copy = lambda: str(plain)
    w.team.offline.bring_action.trigger()
    qtbot.waitUntil(lambda: w.project_controller.message_box is not None
                    and w.project_controller.message_box.isVisible(), timeout=30_000)
    assert "not an offline copy" in w.project_controller.message_box.text()
    assert rows(team, "SELECT count(*) FROM edits")[0][0] == count
    assert w.team.offline.bring_action.isEnabled()


def test_a_copy_of_another_shared_project_is_refused(qtbot, window, team, tmp_path):
    w = window
    open_shared(qtbot, w, team.url("analyst"))
    path = tmp_path / "laptop.kcplan"
    take_copy(qtbot, w, path)
    with Project.open(path) as laptop:
        laptop.put_scenario(plus(laptop.scenario("Police plan"), "offline police"))
    with sqlite3.connect(path) as c:   # as if taken from next year's round on the same server
        base = json.loads(c.execute("SELECT value FROM meta WHERE key = 'team_base'").fetchone()[0])
        base["location"] = base["location"].rsplit("/", 1)[0] + "/budget_fy2029"
        c.execute("UPDATE meta SET value = ? WHERE key = 'team_base'", (json.dumps(base),))
    count = rows(team, "SELECT count(*) FROM edits")[0][0]
    w.team.offline.choose_offline_copy = lambda: str(path)
    w.team.offline.bring_action.trigger()
    qtbot.waitUntil(lambda: w.project_controller.message_box is not None
                    and w.project_controller.message_box.isVisible(), timeout=30_000)
    text = w.project_controller.message_box.text()
    assert "laptop.kcplan is an offline copy of budget_fy2029 on 127.0.0.1" in text and "nothing was brought back" in text
    assert rows(team, "SELECT count(*) FROM edits")[0][0] == count
    assert rows(team, "SELECT version FROM scenarios WHERE name = 'Police plan'")[0][0] == 1


@pytest.mark.parametrize("who", ["viewer", "police"])
def test_a_viewer_or_a_manager_sees_the_offline_actions_disabled_with_the_reason(qtbot, window, team, who):
    w = window
    off = w.team.offline
    for action in off.actions:   # nothing shared open yet
        assert not action.isEnabled() and "Open a shared project first" in action.toolTip()
    open_shared(qtbot, w, team.url(who))
    for action in off.actions:
        assert not action.isEnabled()
        assert ("is a viewer" if who == "viewer" else "Scenarios are OMB's") in action.toolTip()
        assert action in w.project_controller.file_menu.actions()
