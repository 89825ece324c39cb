"""The project file in the desktop app (ui/project/controller.py, ui/project/history.py, ui/project/recovery.py):
New/Open/Save/Save As Project through the real MainWindow, autosave of every edit, recovery after a
crash, the History tab, re-import of changed workbooks, damaged files, close with unsaved edits."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from kcplanner.engine import evaluate, prepare
from kcplanner.project import Project, diff_datasets
from kcplanner.scenario import Rule, Scenario, Target
from tests.test_project import assert_same_results, simulate_crash
from ui.common import settings as st

from tests.conftest_ui import ui_settings  # noqa: F401 - QSettings in a temporary folder

LINES = 1500


# -- fixtures -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """(SampleFiles, ImportResult, Prepared) of a small generated city, read once."""
    from kcplanner.readers import read_dataset
    from kcplanner.sample import write_sample

    folder = tmp_path_factory.mktemp("ui_project_sample")
    files = write_sample(folder, lines=LINES)
    result = read_dataset(files.plan, files.budgets)
    assert result.dataset is not None, result.report.to_text()
    return files, result, prepare(result.dataset)


def workbooks(files) -> st.Project:
    return st.Project(str(files.plan), tuple(str(b) for b in files.budgets))


def make_window(qtbot):
    from ui.mainwindow import MainWindow
    from ui.project.controller import install_project_support

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    c = install_project_support(w)
    c.confirm_unsaved = lambda: "save"  # teardown closes the window: never block on a question
    return w, c


@pytest.fixture
def window(qtbot):
    w, c = make_window(qtbot)
    yield w
    c.confirm_unsaved = lambda: "save"
    c.shutdown()


@pytest.fixture
def loaded(window, sample):
    files, result, prepared = sample
    window.session.set_data(prepared, result.report, workbooks(files))
    return window


def create(qtbot, w, path) -> Project:
    c = w.project_controller
    with qtbot.waitSignal(c.opened, timeout=30_000):
        c.new_project(path)
    return c.project


def open_in(qtbot, w, path, **kw) -> Project:
    c = w.project_controller
    with qtbot.waitSignal(c.opened, timeout=30_000):
        c.open_project(path, **kw)
    return c.project


def a_department(prepared) -> str:
    return str(prepared.dataset.budget.line_items["department"].iloc[0])


def a_program(prepared) -> tuple[str, str]:
    li = prepared.dataset.budget.line_items
    return str(li["department"].iloc[0]), str(li["program"].iloc[0])


def reopen_read_only(path) -> Project:
    return Project.open(path, read_only=True)


# -- New Project, autosave -------------------------------------------------------------------------------

def test_new_project_then_every_edit_is_in_the_file(qtbot, loaded, tmp_path):
    w, s = loaded, loaded.session
    c = w.project_controller
    path = tmp_path / "city.kcplan"
    project = create(qtbot, w, path)
    assert project.path == path and path.exists()
    assert "city.kcplan" in w.windowTitle()
    assert c.save_action.isEnabled() is False  # just created: nothing unsaved

    dept = a_department(s.prepared)
    s.edit_scenario(s.scenario.add_rule(Rule("Police +5%", Target(department=dept), "percent", 5.0)), "Add rule")
    # a slider drag: many merged undo steps → one audit row with the last value
    for v in (6.0, 7.0, 8.5):
        s.edit_scenario(s.scenario.replace_rule(0, s.scenario.rules[0].with_value(v)), "drag", ("slider", 1))
    assert s.undo_stack.count() == 2
    assert c.save_action.isEnabled() and "(unsaved changes)" in w.windowTitle()

    # in the file now, without Save and without closing (another reader sees it)
    with reopen_read_only(path) as other:
        scen = other.scenario(s.scenario.name)
        assert scen == s.scenario and scen.rules[0].value == 8.5
        rows = other.history(s.scenario.name, actions=["update"])
        assert [r.description for r in rows] == [
            f"Added rule 'Police +5%': percent 5% on department '{dept}', all plan years",
            "Rule 'Police +5%': value 5 → 8.5"]
        assert rows[-1].user == project.user
        assert other.unsaved_edits == 2

    # undo is an edit too, described as such
    s.undo_stack.undo()
    with reopen_read_only(path) as other:
        assert other.scenario(s.scenario.name).rules[0].value == 5.0
        assert other.history(limit=1)[0].description.startswith("Undo “drag”")

    # new scenario, rename, delete: create/rename/delete rows
    w.scenario_list.new()
    names = [x.name for x in s.scenarios]
    s.set_scenarios([s.scenarios[0], s.scenarios[1].rename("Streets plan")], 1, "Rename")
    s.set_scenarios([s.scenarios[0]], 0, "Delete")
    with reopen_read_only(path) as other:
        assert other.scenario_names == [s.scenarios[0].name]
        actions = [(e.action, e.scenario) for e in other.history()[-3:]]
        assert actions == [("create", names[1]), ("rename", "Streets plan"), ("delete", "Streets plan")]
    assert c.project.scenarios == list(s.scenarios)


def test_save_then_reopen_gives_identical_results(qtbot, loaded, tmp_path, sample):
    w, s = loaded, loaded.session
    c = w.project_controller
    path = tmp_path / "round.kcplan"
    create(qtbot, w, path)
    P = s.prepared
    dept, prog = a_program(P)
    funds = list(P.dataset.budget.line_items["fund"].cat.categories)
    requests = list(P.dataset.budget.requests["request_id"].astype(str))[:3]
    s.edit_scenario(s.scenario.add_rule(Rule("Police", Target(department=dept), "percent", 4.0))
                    .add_rule(Rule("Prog $", Target(department=dept, program=prog), "amount", 250_000.0,
                                   P.plan_years[1], P.plan_years[3]))
                    .with_funded_requests(requests), "Edit")
    scenarios = [s.scenario, Scenario("Cuts", (Rule("Fund cut", Target(fund=funds[0]), "percent", -3.0),))]
    s.set_scenarios(scenarios, 1, "Add Cuts")
    c.save_project()
    assert c.project.unsaved_edits == 0 and "(unsaved changes)" not in w.windowTitle()
    before = {x.name: evaluate(P, x) for x in s.scenarios}

    c.close_project()
    assert c.project is None and not Path(str(path) + "-wal").exists()
    w2, c2 = make_window(qtbot)
    project = open_in(qtbot, w2, path)
    assert project.recovered is None
    s2 = w2.session
    assert s2.prepared is not P and [x.name for x in s2.scenarios] == list(before)
    assert list(s2.scenarios) == scenarios
    for x in s2.scenarios:
        assert_same_results(before[x.name], evaluate(s2.prepared, x), x.name)
    assert s2.project == workbooks(sample[0])  # File > Open workbooks starts from the project's sources
    assert c2.bar.isHidden()  # workbooks unchanged, clean close: nothing to say
    c2.shutdown()


def test_simulated_crash_is_recovered_and_said(qtbot, loaded, tmp_path):
    w, s = loaded, loaded.session
    c = w.project_controller
    path = tmp_path / "crash.kcplan"
    project = create(qtbot, w, path)
    dept = a_department(s.prepared)
    for v in (1.0, 2.0, 3.0):
        s.edit_scenario(s.scenario.add_rule(Rule(f"r{v}", Target(department=dept), "percent", v)), f"Add {v}")
    expected = s.scenario
    # the process dies: no close, no checkpoint, no session cleanup
    c._detach(close=False)
    simulate_crash(project)

    w2, c2 = make_window(qtbot)
    project2 = open_in(qtbot, w2, path)
    assert project2.recovered is not None and project2.recovered.edits_in_session == 3
    assert w2.session.scenario == expected
    message = project2.recovered.message
    assert "did not close cleanly" in message
    assert c2.bar.isVisible() and "did not close cleanly" in c2.bar.text.text()
    assert w2.statusBar().currentMessage() == message
    assert c2.message_box is None  # non-modal: no dialog to dismiss
    c2.show_history()
    qtbot.waitUntil(lambda: c2.history.model.rowCount() > 0)
    assert c2.history.model.entries[-1].action == "recover"
    c2.shutdown()


def test_reopen_last_project_at_start(qtbot, loaded, tmp_path):
    from ui.project.controller import reopen_last_project
    from ui.project.recent import last_project_file

    w = loaded
    assert reopen_last_project(w) is False  # nothing remembered yet
    path = tmp_path / "last.kcplan"
    create(qtbot, w, path)
    assert last_project_file() == str(path.resolve())
    w.project_controller.shutdown()
    w2, c2 = make_window(qtbot)
    with qtbot.waitSignal(c2.opened, timeout=30_000):
        assert reopen_last_project(w2) is True
    assert c2.project.path == path
    c2.shutdown()


# -- History ---------------------------------------------------------------------------------------------

def test_history_view_lists_every_edit_of_a_scripted_session(qtbot, loaded, tmp_path, qtmodeltester):
    w, s = loaded, loaded.session
    c = w.project_controller
    create(qtbot, w, tmp_path / "hist.kcplan")
    c.show_history()
    panel = c.history
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3)  # project, create, save
    dept, prog = a_program(s.prepared)
    first = s.scenario.name
    s.edit_scenario(s.scenario.add_rule(Rule("A", Target(department=dept), "percent", 2.0)), "a")
    for v in (3.0, 4.0, 5.0, 6.0):  # one drag
        s.edit_scenario(s.scenario.replace_rule(0, s.scenario.rules[0].with_value(v)), "drag", ("slider", 9))
    s.edit_scenario(s.scenario.add_rule(Rule("B", Target(department=dept, program=prog), "amount", 1000.0)), "b")
    w.scenario_list.duplicate()
    copy = s.scenario.name
    s.edit_scenario(s.scenario.remove_rule(1), "remove B in the copy")
    s.undo_stack.undo()
    c.save_project()
    qtbot.waitUntil(lambda: panel.model.rowCount() == len(c.project.history()))
    entries = c.project.history()
    assert [e.seq for e in panel.model.entries] == [e.seq for e in entries]
    texts = [panel.model.index(r, 5).data() for r in range(panel.model.rowCount())]
    assert texts == [e.description for e in entries]
    assert "Rule 'A': value 2 → 6" in texts  # the drag is one row
    assert sum(t.startswith("Rule 'A'") for t in texts) == 1
    assert [panel.model.index(r, 4).data() for r in range(3, len(texts))] == \
        ["Edited", "Edited", "Edited", "Created", "Edited", "Edited", "Saved"]
    assert panel.model.index(len(texts) - 2, 3).data() == copy
    assert all(panel.model.index(r, 2).data() == c.project.user for r in range(len(texts)))

    # filter by scenario (follows renames)
    panel.scenario.setCurrentIndex(panel.scenario.findData(first))
    assert {e.scenario for e in panel.model.entries} == {first}
    assert len(panel.model.entries) == 4  # create, add A, drag, add B
    panel.scenario.setCurrentIndex(0)
    panel.events.setChecked(False)
    assert all(e.is_edit for e in panel.model.entries)
    panel.events.setChecked(True)

    # rows selected show the change in full
    panel.view.selectRow(4)
    assert "Rule 'A': value 2 → 6" in panel.details.toPlainText() and "Before:" in panel.details.toPlainText()

    # appended as edits happen while the tab is shown
    n = panel.model.rowCount()
    s.edit_scenario(s.scenario.replace_rule(0, s.scenario.rules[0].with_value(7.0)), "edit")
    qtbot.waitUntil(lambda: panel.model.rowCount() == n + 1)
    qtmodeltester.check(panel.model)

    # export: CSV and xlsx with the rows of export_history_rows
    from ui.project.history import export_history

    rows = c.project.export_history_rows()
    n_csv = export_history(c.project, tmp_path / "history.csv")
    with open(tmp_path / "history.csv", encoding="utf-8-sig", newline="") as fh:
        got = list(csv.reader(fh))
    assert n_csv == len(rows) - 1 and got[0] == rows[0] and [r[5] for r in got[1:]] == [r[5] for r in rows[1:]]
    export_history(c.project, tmp_path / "history.xlsx")
    import openpyxl

    ws = openpyxl.load_workbook(tmp_path / "history.xlsx", read_only=True)["History"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0] == rows[0] and len(values) == len(rows)
    assert [r[0] for r in values[1:]] == [r[0] for r in rows[1:]]

    panel.resize(1100, 520)
    panel.view.selectRow(4)
    grab(panel, tmp_path, "history.png")


def grab(widget, tmp_path, name) -> Path:
    import os
    folder = os.environ.get("KCPLANNER_SCREENSHOTS_DIR")
    target = (Path(folder) if folder else tmp_path) / name
    widget.grab().save(str(target))
    return target


# -- Re-import -------------------------------------------------------------------------------------------

def _edit_workbook(path: Path, program: str, account_class: str, new_class: str) -> tuple[int, float]:
    """In the Line Items sheet: move the `program`'s lines of `account_class` to `new_class`, and
    double the FY2026 Adopted amount of another line: (how many rows moved, the new amount)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["Line Items"]
    header_row, cols = None, {}
    for row in ws.iter_rows(min_row=1, max_row=20):
        names = [str(c.value).strip() if c.value is not None else "" for c in row]
        if "Program" in names and "Fund" in names:
            header_row, cols = row[0].row, {n: i for i, n in enumerate(names)}
            break
    assert header_row is not None
    amount_col = next(i for n, i in cols.items() if "Adopted" in n)
    moved, changed = 0, None
    for row in ws.iter_rows(min_row=header_row + 1):
        if row[cols["Program"]].value == program and row[cols["Account class"]].value == account_class:
            row[cols["Account class"]].value = new_class
            moved += 1
        elif changed is None and row[cols["Program"]].value != program \
                and isinstance(row[amount_col].value, (int, float)) and row[amount_col].value:
            row[amount_col].value = row[amount_col].value * 2 + 1
            changed = row[amount_col].value
    wb.save(path)
    return moved, changed


def test_reimport_shows_the_differences_and_keeps_scenarios(qtbot, window, sample, tmp_path, qtmodeltester):
    files, result, prepared = sample
    folder = tmp_path / "books"
    shutil.copytree(files.plan.parent, folder)  # the same workbooks (same data), in a folder we may change
    plan = folder / files.plan.name
    budgets = [folder / b.name for b in files.budgets]
    w, s = window, window.session
    s.set_data(prepared, result.report, st.Project(str(plan), tuple(map(str, budgets))))
    c = w.project_controller
    path = tmp_path / "reimport.kcplan"
    create(qtbot, w, path)
    li = result.dataset.budget.line_items
    first = li.iloc[0]
    dept, prog, book = str(first["department"]), str(first["program"]), folder / str(first["source_file"])
    in_prog = li[(li["department"].astype(str) == dept) & (li["program"].astype(str) == prog)]
    classes = in_prog["account_class"].astype(str).value_counts()
    cls = next(k for k in reversed(classes.index) if k != "Personnel Services")
    new_cls = "Other" if cls != "Other" else "Commodities"
    keep = Scenario("Keep", (Rule("Dept +2%", Target(department=dept), "percent", 2.0),
                             Rule("Old class", Target(department=dept, program=prog, account_class=cls), "percent",
                                  5.0)))
    s.set_scenarios([s.scenario, keep], 1, "Add Keep")
    c.save_project()
    c.close_project()

    moved, new_amount = _edit_workbook(book, prog, cls, new_cls)
    assert moved > 0 and new_amount is not None
    project = open_in(qtbot, w, path)
    assert [ch.status for ch in c.changes] == ["changed"]
    assert c.bar.isVisible() and "changed since it was imported" in c.bar.text.text()
    assert "Show Changes…" in c.bar.actions
    grab(c.bar, tmp_path, "reimport-bar.png")

    with qtbot.waitSignal(c.reimportReady, timeout=60_000) as blocker:
        c.bar.actions["Show Changes…"].click()
    preview = blocker.args[0]
    dlg = c.reimport_dialog
    new = preview.result.dataset
    assert preview.result.dataset.sources == [str(p) for p in [plan] + budgets]  # read from the project's sources
    expected = diff_datasets(project.dataset, new)
    assert preview.diff.rows() == expected.rows()
    counts = expected.counts()
    assert counts["line_items_removed"] >= 1 and counts["line_items_added"] >= 1 and counts["line_items_changed"] >= 1
    model_rows = [[dlg.model.index(r, k).data() for k in range(9)] for r in range(dlg.model.rowCount())]
    assert len(model_rows) == len(expected.rows()) - 1
    assert [r[1] for r in model_rows] == [r[1] for r in expected.rows()[1:]]
    assert any(r[1] == "removed" and r[3:5] == [dept, prog] and r[6] == cls for r in model_rows)
    assert any(r[1] == "added" and r[3:5] == [dept, prog] and r[6] == new_cls for r in model_rows)
    changed = next(r for r in model_rows if r[1] == "changed")
    assert f"→ {new_amount:,.2f}" in changed[7] and "FY2026 Adopted" in changed[7]
    dlg.status.setCurrentIndex(dlg.status.findData("removed"))
    assert dlg.proxy.rowCount() == counts["line_items_removed"] + counts["revenue_removed"] + counts["requests_removed"]
    dlg.status.setCurrentIndex(0)
    qtmodeltester.check(dlg.model)
    grab(dlg, tmp_path, "reimport.png")

    with qtbot.waitSignal(c.reimported, timeout=60_000) as done:
        dlg.take_button.click()
    report = done.args[0]
    assert [x.name for x in s.scenarios] == [x.name for x in project.scenarios] and s.scenarios[1] == keep
    assert list(report.invalid) == ["Keep"] and len(report.invalid["Keep"]) == 1
    assert c.message_box is not None and "nothing now" in c.message_box.text()
    assert "Old class" in c.message_box.informativeText()
    assert "Keep" in c.message_box.text()
    grab(c.message_box, tmp_path, "reimport-invalid.png")
    assert s.prepared is c.prepared and s.prepared.dataset is project.dataset
    assert [i for i, _m in s.results_for(s.scenarios[1]).invalid_rules] == [1]  # shown in red on the Rules tab
    assert project.changed_sources() == [] and c.bar.isHidden()
    assert project.history(limit=1)[0].action == "import"
    # edits after the re-import still reach the file
    s.select_scenario(1)
    s.edit_scenario(s.scenario.replace_rule(0, s.scenario.rules[0].with_value(3.0)), "edit")
    assert project.scenario("Keep").rules[0].value == 3.0


# -- bad files ---------------------------------------------------------------------------------------------

def test_damaged_files_show_a_message_without_traceback(qtbot, loaded, tmp_path):
    w = loaded
    c = w.project_controller
    bad = tmp_path / "garbage.kcplan"
    bad.write_bytes(b"this is not a database at all" * 100)
    with qtbot.waitSignal(c.failed, timeout=30_000) as blocker:
        c.open_project(bad)
    box = c.message_box
    assert box is not None and box.isVisible()
    assert str(bad) in box.text() and "not a kcplanner project" in box.text()
    assert "Traceback" not in box.text() and not box.detailedText()
    assert blocker.args[0] == box.text()
    box.button(QMessageBox.StandardButton.Close).click()
    assert c.project is None and w.session.loaded  # what was open stays open

    # a real project, truncated
    good = tmp_path / "good.kcplan"
    create(qtbot, w, good)
    c.close_project()
    data = good.read_bytes()
    cut = tmp_path / "cut.kcplan"
    cut.write_bytes(data[: len(data) // 2])
    with qtbot.waitSignal(c.failed, timeout=30_000):
        c.open_project(cut)
    assert "damaged" in c.message_box.text() and "Traceback" not in c.message_box.text()
    grab(c.message_box, tmp_path, "damaged.png")
    c.message_box.close()

    # a workbook given as a project
    book = tmp_path / "book.kcplan"
    shutil.copy(next(Path(w.session.project.budgets[0]).parent.glob("*.xlsx")), book)
    with qtbot.waitSignal(c.failed, timeout=30_000):
        c.open_project(book)
    assert "looks like a workbook" in c.message_box.text()
    c.message_box.close()


def test_newer_format_offers_read_only(qtbot, loaded, tmp_path):
    w = loaded
    c = w.project_controller
    path = tmp_path / "newer.kcplan"
    create(qtbot, w, path)
    c.close_project()
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '9' WHERE key = 'format_version'")
    con.execute("UPDATE meta SET value = 'kcplanner 9.0' WHERE key = 'app_version'")
    con.commit()
    con.close()
    with qtbot.waitSignal(c.failed, timeout=30_000):
        c.open_project(path)
    box = c.message_box
    assert "newer" in box.text()
    read_only = next(b for b in box.buttons() if b.text() == "Open Read-Only")
    with qtbot.waitSignal(c.opened, timeout=30_000):
        read_only.click()
    assert c.project.read_only and "(read-only)" in w.windowTitle()
    assert c.bar.isVisible() and "read-only" in c.bar.text.text()
    assert not c.save_action.isEnabled() and not c.reimport_action.isEnabled()
    # edits stay on screen but are not written
    s = w.session
    s.edit_scenario(s.scenario.add_rule(Rule("x", Target(department=a_department(s.prepared)), "percent", 1.0)), "x")
    assert c.project.scenario(s.scenario.name).rules == ()


# -- close with unsaved edits ------------------------------------------------------------------------------

def test_close_with_unsaved_changes_asks_save_dont_save_cancel(qtbot, loaded, tmp_path):
    w, s = loaded, loaded.session
    c = w.project_controller
    path = tmp_path / "close.kcplan"
    create(qtbot, w, path)
    saved = s.scenario
    s.edit_scenario(s.scenario.add_rule(Rule("x", Target(department=a_department(s.prepared)), "percent", 1.0)), "x")
    c.confirm_unsaved = None  # the real box

    w.close()
    box = c.message_box
    assert box is not None and "1 change since it was last saved" in box.text()
    grab(box, tmp_path, "unsaved.png")
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(20)
    assert w.isVisible() and c.project is not None and not c.project.closed

    w.close()
    c.message_box.button(QMessageBox.StandardButton.Discard).click()
    qtbot.waitUntil(lambda: not w.isVisible())
    assert c.project is None
    assert not Path(str(path) + "-wal").exists()  # a clean close: one self-contained file
    with Project.open(path, read_only=True) as p:
        assert p.scenarios == [saved]          # Don't Save: back to the save point
        assert p.history(limit=1)[0].action == "revert"  # … and the revert is audited
        assert p.recovered is None


def test_opening_workbooks_detaches_the_project(qtbot, loaded, tmp_path, sample):
    from ui.project.recent import last_project_file

    w, s = loaded, loaded.session
    c = w.project_controller
    create(qtbot, w, tmp_path / "detach.kcplan")
    files, result, prepared = sample
    s.set_data(prepare(result.dataset), result.report, workbooks(files))  # what MainWindow._apply does
    assert c.project is None and last_project_file() is None
    assert "detach.kcplan" not in w.windowTitle()
    assert c.history.model.rowCount() == 0 and c.history.placeholder.isVisibleTo(c.history)


def test_scenario_name_clash_is_refused_and_undone(qtbot, loaded, tmp_path):
    w, s = loaded, loaded.session
    c = w.project_controller
    create(qtbot, w, tmp_path / "clash.kcplan")
    s.set_scenarios([s.scenario, Scenario("Police plan")], 1, "New")
    # the session's names are case-sensitive; the project's are not
    s.set_scenarios([s.scenarios[0], Scenario("Police plan"), Scenario("POLICE PLAN")], 2, "Clash")
    assert "already exists" in c.message_box.text()
    qtbot.waitUntil(lambda: len(s.scenarios) == 2)
    assert c.project.scenarios == list(s.scenarios)


def test_save_as_continues_in_the_copy(qtbot, loaded, tmp_path):
    w, s = loaded, loaded.session
    c = w.project_controller
    first = tmp_path / "one.kcplan"
    create(qtbot, w, first)
    s.edit_scenario(s.scenario.add_rule(Rule("x", Target(department=a_department(s.prepared)), "percent", 1.0)), "x")
    second = tmp_path / "two.kcplan"
    with qtbot.waitSignal(c.projectChanged, timeout=30_000):
        c.save_project_as(second)
    assert c.project.path == second and "two.kcplan" in w.windowTitle()
    s.edit_scenario(s.scenario.replace_rule(0, s.scenario.rules[0].with_value(2.0)), "y")
    with Project.open(first, read_only=True) as p1:
        assert p1.scenarios[0].rules[0].value == 1.0
    assert c.project.scenarios[0].rules[0].value == 2.0


def test_models_pass_the_model_tester(qtmodeltester, sample):
    from ui.project.history import HistoryModel
    from ui.project.recovery import DiffTableModel

    files, result, prepared = sample
    ds = result.dataset
    diff = diff_datasets(ds, ds)
    m = DiffTableModel()
    m.set_diff(diff)
    qtmodeltester.check(m)
    h = HistoryModel()
    qtmodeltester.check(h)


def test_requests_created_in_the_app_are_written_to_the_project(qtbot, loaded, tmp_path):
    from kcplanner.requests import Request
    from ui.requests.commands import create_request, delete_request

    w, s = loaded, loaded.session
    c = w.project_controller
    path = tmp_path / "requests.kcplan"
    create(qtbot, w, path)
    li = s.dataset.budget.line_items
    dept, prog, fund = str(li["department"].iloc[0]), str(li["program"].iloc[0]), str(li["fund"].iloc[0])
    y1 = s.plan_years[0]
    create_request(s, Request("APP-1", dept, prog, fund, "Body cameras", costs={y1: 120_000.0, y1 + 1: 80_000.0}))
    assert c.project is not None and c.prepared is s.prepared  # same plan and line items: still the project
    s.edit_scenario(s.scenario.fund_request("APP-1"), "Fund APP-1")
    with reopen_read_only(path) as other:
        ids = list(other.dataset.budget.requests["request_id"].astype(str))
        assert "APP-1" in ids
        assert other.scenarios[0].funded_requests == ("APP-1",)
        actions = [(e.action, e.description) for e in other.history()[-2:]]
        assert actions[0][0] == "data" and "APP-1" in actions[0][1]
        assert actions[1] == ("update", "Funded request APP-1")
    delete_request(s, "APP-1")  # one undo step: the request and every funded list
    with reopen_read_only(path) as other:
        assert "APP-1" not in list(other.dataset.budget.requests["request_id"].astype(str))
        assert other.scenarios[0].funded_requests == ()
    s.undo_stack.undo()
    with reopen_read_only(path) as other:
        assert "APP-1" in list(other.dataset.budget.requests["request_id"].astype(str))
        assert other.scenarios[0].funded_requests == ("APP-1",)


def test_project_in_use_on_another_computer_offers_open_anyway(qtbot, loaded, tmp_path):
    w, s = loaded, loaded.session
    c = w.project_controller
    path = tmp_path / "shared.kcplan"
    project = create(qtbot, w, path)
    s.edit_scenario(s.scenario.add_rule(Rule("x", Target(department=a_department(s.prepared)), "percent", 1.0)), "x")
    c._detach(close=False)
    simulate_crash(project)
    con = sqlite3.connect(path)  # the session row now says: open on another computer
    con.execute("UPDATE session SET host = 'omb-laptop-7', user = 'jdoe'")
    con.commit()
    con.close()
    with qtbot.waitSignal(c.failed, timeout=30_000):
        c.open_project(path)
    box = c.message_box
    assert "omb-laptop-7" in box.text() and "jdoe" in box.text()
    labels = [b.text() for b in box.buttons()]
    assert "Open Anyway" in labels and "Open Read-Only" in labels
    with qtbot.waitSignal(c.opened, timeout=30_000):
        next(b for b in box.buttons() if b.text() == "Open Anyway").click()
    assert not c.project.read_only and c.project.recovered is not None
    assert c.project.recovered.previous_host == "omb-laptop-7"
    assert "did not close cleanly" in c.bar.text.text()
    assert s.scenario.rules and s.scenario.rules[0].label == "x"


def test_justification_narratives_are_kept_in_the_project(qtbot, loaded, tmp_path):
    from kcplanner.justification import JustificationNarrative

    w, s = loaded, loaded.session
    panel = w.requests_panel
    rid = str(s.dataset.budget.requests["request_id"].iloc[0])
    before = JustificationNarrative("Written before the project", "kept by New Project")
    panel.save_narrative(rid, before)
    path = tmp_path / "narratives.kcplan"
    create(qtbot, w, path)
    # the narrative started the untitled session, whose `opened` may come first: wait for the named project
    c = w.project_controller
    qtbot.waitUntil(lambda: c.project is not None and c.project.path == path and not c.busy, timeout=30_000)
    project = c.project
    assert project.narratives() == {rid: before.to_dict()} and project.unsaved_edits == 0
    narrative = JustificationNarrative("Two more officers", "Response times", "Overtime",
                                       (("PS-01", "About 30 seconds faster"),))
    panel.save_narrative(rid, narrative)  # what the builder's OK does
    with reopen_read_only(path) as other:  # autosaved at once
        assert other.narratives() == {rid: narrative.to_dict()}
        assert other.history()[-1].action == "data" and rid in other.history()[-1].description
    w.project_controller.shutdown()

    w2, c2 = make_window(qtbot)
    try:
        assert w2.requests_panel.narratives == {}
        open_in(qtbot, w2, path)
        assert w2.requests_panel.narratives == {rid: narrative}
        assert w2.requests_panel.narrative_for(rid.lower()) == narrative
    finally:
        c2.shutdown()
