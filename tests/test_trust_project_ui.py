"""Issue 11, lost work (the app): a session with no project is autosaved to an untitled project from
its first edit, closing asks Save / Don't Save / Cancel, an untitled session survives a kill and is
offered at the next start, a reopened project returns to its scenario, tab and plan year, and a
project another kcplanner holds opens read-only."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from kcplanner.justification import JustificationNarrative
from kcplanner.project import Project
from kcplanner.project.lock import ProjectLock, lock_path
from kcplanner.scenario import Rule, Scenario, Target, scenario_from_dict
from tests.conftest_ui import ui_settings  # noqa: F401 - QSettings in a temporary folder
from tests.test_project import simulate_crash
from tests.test_ui_project import sample  # noqa: F401 - the small city, read once per module
from ui.common import settings as st

CHILD = Path(__file__).with_name("untitled_child.py")


def make_window(qtbot, sample=None):
    from ui.mainwindow import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    c = w.project_controller
    c.confirm_unsaved = lambda: "discard"  # teardown closes the window: never block on a question
    if sample is not None:
        files, result, prepared = sample
        w.session.set_data(prepared, result.report, st.Project(str(files.plan), tuple(str(b) for b in files.budgets)))
    return w, c


def untitled_files(data_dir: Path) -> list[Path]:
    folder = data_dir / "untitled"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def grab(widget, tmp_path, name) -> Path:
    folder = os.environ.get("KCPLANNER_SCREENSHOTS_DIR")
    target = (Path(folder) if folder else tmp_path) / name
    widget.grab().save(str(target))
    return target


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edit_everything(w) -> tuple[str, JustificationNarrative]:
    """A rule, a funded request, a second scenario and a justification, with no project open."""
    s = w.session
    dept = str(s.dataset.budget.line_items["department"].iloc[0])
    rid = str(s.dataset.budget.requests["request_id"].iloc[0])
    s.edit_scenario(s.scenario.add_rule(Rule("Keep me", Target(department=dept), "percent", 3.0)), "Add rule")
    s.edit_scenario(s.scenario.with_funded_requests([rid]), "Fund")
    s.set_scenarios(list(s.scenarios) + [Scenario("Second")], 0, "New scenario")
    narrative = JustificationNarrative("Two more officers", "Response times")
    w.requests_panel.save_narrative(rid, narrative)
    return rid, narrative


def wait_autosaved(qtbot, w, rid) -> Project:
    c, s = w.project_controller, w.session
    qtbot.waitUntil(lambda: c.project is not None and c.project.scenarios == list(s.scenarios)
                    and rid in c.project.narratives(), timeout=30_000)
    return c.project


# -- the untitled session ------------------------------------------------------------------------------

def test_first_edit_autosaves_to_an_untitled_project(qtbot, sample, tmp_path, kcplanner_data_dir):
    w, c = make_window(qtbot, sample)
    assert c.project is None and untitled_files(kcplanner_data_dir) == []  # loading is not an edit
    rid, narrative = edit_everything(w)
    p = wait_autosaved(qtbot, w, rid)
    assert c.is_untitled and p.path.parent == kcplanner_data_dir / "untitled"
    assert "Untitled (not saved in a project file)" in w.windowTitle()
    assert c.save_action.isEnabled()
    with Project.open(p.path, read_only=True) as ro:  # in the file now, another reader sees it
        assert ro.scenarios == list(w.session.scenarios)
        assert ro.scenarios[0].rules[0].label == "Keep me" and ro.scenarios[0].funded_requests == (rid,)
        assert ro.narratives() == {rid: narrative.to_dict()}
        edits = [(h.action, h.description) for h in ro.history() if h.is_edit]
        unsaved = ro.unsaved_edits
    # created with the scenarios as loaded, then what the session changed meanwhile, audited (made in
    # one go here, the rule and the funded request are one update of 'Scenario 1')
    assert [e[0] for e in edits] == ["create", "update", "create", "data"] and unsaved == 3
    assert edits[0][1] == "Created scenario 'Scenario 1' (0 rules, 0 funded requests)"
    assert "Added rule 'Keep me'" in edits[1][1] and rid in edits[1][1]
    assert edits[2][1] == "Created scenario 'Second' (0 rules, 0 funded requests)"
    assert rid in edits[3][1]
    from ui.project.recent import last_project_file
    assert last_project_file() is None  # the untitled file is not "the last project"
    c.shutdown()


def test_closing_without_an_edit_asks_nothing(qtbot, sample, tmp_path, kcplanner_data_dir):
    w, c = make_window(qtbot, sample)
    w.session.select_scenario(0)
    w.tabs.setCurrentWidget(w.rules)  # looking around is not an edit
    c.confirm_unsaved = None
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible())
    assert c.message_box is None and untitled_files(kcplanner_data_dir) == []


def test_requests_created_with_no_project_are_autosaved(qtbot, sample, tmp_path, kcplanner_data_dir):
    from kcplanner.requests import Request
    from ui.requests.commands import create_request

    w, c = make_window(qtbot, sample)
    s = w.session
    li = s.dataset.budget.line_items
    dept, prog, fund = str(li["department"].iloc[0]), str(li["program"].iloc[0]), str(li["fund"].iloc[0])
    y1 = s.plan_years[0]
    create_request(s, Request("APP-1", dept, prog, fund, "Body cameras", costs={y1: 120_000.0}))
    create_request(s, Request("APP-2", dept, prog, fund, "Drones", costs={y1: 50_000.0}))  # before it is open
    qtbot.waitUntil(lambda: c.project is not None, timeout=30_000)
    with Project.open(c.project.path, read_only=True) as ro:
        ids = list(ro.dataset.budget.requests["request_id"].astype(str))
        assert "APP-1" in ids and "APP-2" in ids
        assert ro.dataset.budget.request_costs.loc["APP-2", y1] == 50_000.0
    c.shutdown()


def test_close_untitled_asks_cancel_keeps_save_saves(qtbot, sample, tmp_path, kcplanner_data_dir):
    w, c = make_window(qtbot, sample)
    rid, narrative = edit_everything(w)
    p = wait_autosaved(qtbot, w, rid)
    untitled = p.path
    expected = list(w.session.scenarios)
    c.confirm_unsaved = None  # the real box
    w.close()
    box = c.message_box
    assert box is not None and box.windowTitle() == "Save your work?"
    assert box.text() == ("This session has 3 changes that are not saved in a project file: scenarios, rules, "
                          "funded requests and justifications.")
    assert "Don't Save deletes them" in box.informativeText()
    assert sorted(b.text() for b in box.buttons()) == ["Cancel", "Don't Save", "Save…"]
    grab(box, tmp_path, "untitled_close.png")
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(20)
    assert w.isVisible() and c.project is p and untitled.exists()  # Cancel keeps the window and the work

    named = tmp_path / "named.kcplan"
    c.choose_save_path = lambda: str(tmp_path / "named")  # what the file dialog returns
    w.close()
    c.message_box.button(QMessageBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not w.isVisible())
    assert c.project is None
    assert not untitled.exists() and not lock_path(untitled).exists()  # the untitled file went …
    assert sorted(f.name for f in tmp_path.iterdir() if f.name.startswith(("named", ".named"))) == ["named.kcplan"]
    with Project.open(named, read_only=True) as saved:  # … into the named one, with everything
        assert saved.scenarios == expected and saved.narratives() == {rid: narrative.to_dict()}
        assert saved.recovered is None
    from ui.project.recent import last_project_file
    assert last_project_file() == str(named.resolve())


def test_close_untitled_dont_save_deletes_it(qtbot, sample, tmp_path, kcplanner_data_dir):
    w, c = make_window(qtbot, sample)
    rid, _narrative = edit_everything(w)
    untitled = wait_autosaved(qtbot, w, rid).path
    c.confirm_unsaved = None
    w.close()
    assert c.message_box.text().startswith("This session has 3 changes")
    c.message_box.button(QMessageBox.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: not w.isVisible())
    assert c.project is None and not untitled.exists()
    assert untitled_files(kcplanner_data_dir) == []  # no -wal, -shm or lock left either


def test_save_file_dialog_cancelled_keeps_the_window(qtbot, sample, tmp_path, kcplanner_data_dir):
    w, c = make_window(qtbot, sample)
    rid, _narrative = edit_everything(w)
    untitled = wait_autosaved(qtbot, w, rid).path
    c.confirm_unsaved = None
    c.choose_save_path = lambda: None  # the file dialog was cancelled
    w.close()
    c.message_box.button(QMessageBox.StandardButton.Save).click()
    qtbot.wait(50)
    assert w.isVisible() and c.project is not None and untitled.exists()
    c.shutdown()


def test_edits_that_cannot_be_autosaved_still_ask_on_close(qtbot, sample, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("KCPLANNER_DATA_DIR", str(blocker))
    w, c = make_window(qtbot, sample)
    edit_everything(w)
    qtbot.wait(50)
    assert c.project is None and "cannot be autosaved" in w.statusBar().currentMessage()
    c.confirm_unsaved = None
    w.close()
    box = c.message_box
    assert box is not None and box.text().startswith("This session has 3 changes that are not saved")
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(20)
    assert w.isVisible()
    named = tmp_path / "rescued.kcplan"
    c.choose_save_path = lambda: str(named)
    w.close()
    c.message_box.button(QMessageBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: not w.isVisible())
    with Project.open(named, read_only=True) as saved:
        assert saved.scenarios == list(w.session.scenarios) and saved.scenarios[0].rules[0].label == "Keep me"
        assert len(saved.narratives()) == 1


def test_opening_workbooks_over_an_untitled_session_asks(qtbot, sample, tmp_path, kcplanner_data_dir):
    w, c = make_window(qtbot, sample)
    rid, _narrative = edit_everything(w)
    wait_autosaved(qtbot, w, rid)
    c.confirm_unsaved = None
    w.open_sample()  # would replace the data
    box = c.message_box
    assert box is not None and box.text().startswith("This session has 3 changes")
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(20)
    assert w.task is None and c.is_untitled  # nothing loaded, the session is kept
    c.shutdown()


def test_untitled_session_survives_a_kill_and_is_recovered(qtbot, sample, tmp_path, kcplanner_data_dir):
    from ui.project.startup import start_app

    files = sample[0]
    qsettings = tmp_path / "child_settings"
    qsettings.mkdir()
    proc = subprocess.Popen([sys.executable, str(CHILD), str(qsettings), str(files.plan)]
                            + [str(b) for b in files.budgets], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    try:
        line = proc.stdout.readline()
    finally:
        proc.kill()  # SIGKILL: no close, no question, no cleanup
        _out, err = proc.communicate(timeout=30)
    assert line.startswith("{"), (line, err)
    state = json.loads(line)
    expected = [scenario_from_dict(d) for d in state["scenarios"]]
    assert expected[0].rules[0].label == "Before the kill" and expected[1].name == "Second"
    path = Path(state["path"])
    assert path.parent == kcplanner_data_dir / "untitled" and path.exists()

    # the next start offers it (nothing else is opened until answered)
    w, c = make_window(qtbot)
    started = []
    start_app(w, normal_start=lambda: started.append(True))
    box = c.message_box
    assert box is not None and box.windowTitle() == "Recover your unsaved work?"
    assert box.text().startswith("kcplanner did not close normally last time, and the work of a session that was "
                                 "not saved in a project file was kept: 3 edits, the last at ")
    assert "scenarios: Scenario 1, Second" in box.text()
    assert sorted(b.text() for b in box.buttons()) == ["Discard", "Not Now", "Recover"]
    grab(box, tmp_path, "untitled_recover.png")
    with qtbot.waitSignal(c.opened, timeout=30_000):
        next(b for b in box.buttons() if b.text() == "Recover").click()
    assert started == []
    assert list(w.session.scenarios) == expected  # every edit is back: rule, funded request, scenario
    assert w.requests_panel.narratives == {state["request"]: JustificationNarrative.from_dict(state["narrative"])}
    assert c.is_untitled and c.project.recovered is not None
    assert "did not close cleanly" in c.bar.text.text() and "Save Project keeps it in a file you name" in c.bar.text.text()
    grab(w, tmp_path, "untitled_recovered_window.png")
    # still the untitled session: closing asks, Don't Save removes it
    c.confirm_unsaved = lambda: "discard"
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible())
    assert not path.exists()


def test_not_now_keeps_the_untitled_file_and_discard_deletes_it(qtbot, sample, tmp_path, kcplanner_data_dir):
    from ui.project.startup import start_app

    w, c = make_window(qtbot, sample)
    rid, _narrative = edit_everything(w)
    p = wait_autosaved(qtbot, w, rid)
    path = p.path
    c._detach(close=False)
    simulate_crash(p)
    w2, c2 = make_window(qtbot)
    started = []
    start_app(w2, normal_start=lambda: started.append(True))
    next(b for b in c2.message_box.buttons() if b.text() == "Not Now").click()
    assert started == [True] and path.exists()
    started.clear()
    start_app(w2, normal_start=lambda: started.append(True))
    next(b for b in c2.message_box.buttons() if b.text() == "Discard").click()
    assert started == [True] and not path.exists() and untitled_files(kcplanner_data_dir) == []


# -- the view state ---------------------------------------------------------------------------------------

def test_reopened_project_returns_to_scenario_tab_and_year(qtbot, sample, tmp_path):
    w, c = make_window(qtbot, sample)
    s = w.session
    path = tmp_path / "view.kcplan"
    with qtbot.waitSignal(c.opened, timeout=30_000):
        c.new_project(path)
    s.set_scenarios([s.scenarios[0], Scenario("Police plan"), Scenario("Cuts")], 1, "New")
    w.tabs.setCurrentWidget(w.rules)
    w.year.setCurrentIndex(3)
    year = s.plan_years[3]
    c.confirm_unsaved = lambda: "save"
    c.close_project()
    assert c.project is None
    w2, c2 = make_window(qtbot)
    assert w2.tabs.currentWidget() is not w2.rules or w2.session.year != 3  # not from the window settings
    with qtbot.waitSignal(c2.opened, timeout=30_000):
        c2.open_project(path)
    assert w2.session.scenario.name == "Police plan" and w2.session.state.current == 1
    assert w2.tabs.tabText(w2.tabs.currentIndex()) == "Rules"
    assert w2.session.year == 3 and w2.year.currentIndex() == 3 and w2.session.plan_years[3] == year
    # changed while open: stored within a second, without Save or close (a crash keeps it too)
    w2.tabs.setCurrentWidget(w2.compare)
    w2.session.select_scenario(2)
    w2.year.setCurrentIndex(0)
    qtbot.wait(800)
    with Project.open(path, read_only=True) as ro:
        from kcplanner.project.viewstate import read_view_state
        assert read_view_state(ro) == {"scenario": "Cuts", "tab": "Compare", "year": int(w2.session.plan_years[0])}
        assert ro.unsaved_edits == 0  # a view change is not an edit
    c2.shutdown()


# -- a project another kcplanner holds ----------------------------------------------------------------------

def test_project_held_elsewhere_opens_read_only(qtbot, sample, tmp_path):
    w, c = make_window(qtbot, sample)
    path = tmp_path / "held.kcplan"
    with qtbot.waitSignal(c.opened, timeout=30_000):
        c.new_project(path)
    c.shutdown()
    holder = ProjectLock.acquire(path)  # another window has it (a process would say user, host, pid)
    try:
        before = sha(path)
        w2, c2 = make_window(qtbot)
        with qtbot.waitSignal(c2.failed, timeout=30_000):
            c2.open_project(path)
        box = c2.message_box
        assert box.windowTitle() == "Project open elsewhere"
        assert box.text() == (f"{path}: the project is open in another window of this kcplanner. Only one kcplanner "
                              "can change a project at a time: close it there first, or open it read-only to look "
                              "at it.")
        labels = sorted(b.text() for b in box.buttons())
        assert labels == ["Cancel", "Open Read-Only"]  # never "Open Anyway" over a live lock
        grab(box, tmp_path, "project_locked.png")
        with qtbot.waitSignal(c2.opened, timeout=30_000):
            next(b for b in box.buttons() if b.text() == "Open Read-Only").click()
        assert c2.project.read_only and "(read-only)" in w2.windowTitle()
        assert not c2.save_action.isEnabled() and not c2.reimport_action.isEnabled()
        assert "open read-only" in c2.bar.text.text()
        assert "File &gt; Save Project As" in c2.bar.text.text()  # HTML, shown as "File > Save Project As"
        assert c2.bar.text.textFormat() == Qt.TextFormat.RichText
        s2 = w2.session
        s2.edit_scenario(s2.scenario.add_rule(Rule("x", Target(department="Police"), "percent", 1.0)), "x")
        w2.tabs.setCurrentWidget(w2.rules)
        qtbot.wait(700)
        grab(w2, tmp_path, "project_read_only_window.png")
        c2.shutdown()
        assert sha(path) == before  # nothing was written: no edit, no view state
        assert c2.project is None
    finally:
        holder.release()
