"""File > Re-import Workbooks… in a shared project (ui/team/reimport.py): an OMB analyst chooses the
workbooks (the server's list offered first), sees what differs, takes OMB's tables onto the server
(one audited step, every scenario kept, the departments' requests untouched and reported), and a
second window gets the new data through its listener.  A viewer or manager has the action off."""

from __future__ import annotations

import shutil
import time

import openpyxl
from PySide6.QtCore import QTimer
import pandas as pd
import pytest

from kcplanner.readers import read_dataset
from kcplanner.scenario import Rule, Scenario, Target

from ..conftest_ui import ui_settings  # noqa: F401
from .ui_team_fixtures import grab, open_shared, window  # noqa: F401


def police_book(folder):
    path = folder / "police.xlsx"
    book = openpyxl.load_workbook(path)
    items = book["Line Items"]
    header = next(r for r in range(1, 10) if items.cell(r, 1).value == "Fund")
    return path, book, items, header, [r for r in range(header + 1, items.max_row + 1) if items.cell(r, 3).value]


def edit_police_workbook(folder) -> tuple[str, int, float]:
    """In this machine's copy: one Patrol amount +12,345, Police's Capital Outlay lines booked as
    Commodities, and REQ-POL-001's title.  (the new title, the lines moved, the new amount)"""
    path, book, items, header, rows = police_book(folder)
    last = items.max_column
    assert items.cell(header + 1, 3).value == "Patrol" and items.cell(header + 1, 5).value != "Capital Outlay"
    new_amount = float(items.cell(header + 1, last).value) + 12345.0
    items.cell(header + 1, last).value = new_amount
    moved = [r for r in rows if items.cell(r, 5).value == "Capital Outlay"]
    for r in moved:
        items.cell(r, 5).value = "Commodities"
    requests = book["Requests"]
    head = next(r for r in range(1, 10) if requests.cell(r, 1).value == "Request ID")
    assert requests.cell(head + 1, 1).value == "REQ-POL-001"
    requests.cell(head + 1, 5).value = "A title only the workbook has"
    book.save(path)
    return "A title only the workbook has", len(moved), new_amount


def second_window(qtbot):
    from ui.mainwindow import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.project_controller.confirm_unsaved = lambda: "save"
    w.project_controller.autosave_untitled = False
    return w


def test_an_analyst_reimports_and_another_window_gets_the_new_data(qtbot, window, team, city, tmp_path):
    dataset, files = city
    here = tmp_path / "here"
    shutil.copytree(files.plan.parent, here)
    title, n_moved, new_amount = edit_police_workbook(here)
    assert n_moved > 0
    expected = read_dataset(here / "plan.xlsx", [here / b.name for b in files.budgets]).dataset
    with team.open("analyst") as setup:   # a scenario whose rule the reorganization leaves with nothing
        setup.put_scenario(Scenario("Capital plan", (Rule("Police capital +1%", Target(
            department="Police", account_class="Capital Outlay"), "percent", 1.0),)))
    with team.sql("analyst") as c:
        requests_before = c.execute("SELECT request_id, title, status, version FROM requests ORDER BY 1").fetchall()
        scenarios_before = c.execute("SELECT name, version FROM scenarios ORDER BY 1").fetchall()
    w2 = second_window(qtbot)
    try:
        open_shared(qtbot, w2, team.url("viewer"))
        w = window
        open_shared(qtbot, w, team.url("analyst"))
        action = w.project_controller.reimport_action
        assert action.isEnabled() and "replace OMB's tables for everyone" in action.toolTip()
        offered = []

        def choose(recorded):
            offered.append(recorded)
            return type(recorded)(str(here / "plan.xlsx"), tuple(str(here / b.name) for b in files.budgets))
        reimport = w.team.reimport
        reimport.choose_workbooks = choose
        t0 = time.monotonic()
        action.trigger()
        qtbot.waitUntil(lambda: reimport.preview_dialog is not None, timeout=60_000)
        print(f"\nre-import: reading 21 workbooks and comparing, {1000 * (time.monotonic() - t0):.0f} ms")
        # the server's list of workbooks was offered first
        assert offered[0].plan == str(files.plan) and list(offered[0].budgets) == [str(b) for b in files.budgets]
        dlg = reimport.preview_dialog
        heading = dlg.heading.text()
        assert f"{n_moved:,} added, {n_moved:,} removed, 1 changed" in heading
        assert "differ from the server on 1 request (0 only in the workbooks, 0 only on the server, 1 changed)" in heading and "<b>not taken</b>" in heading
        grab(dlg, "team-reimport-preview")
        with qtbot.waitSignal(w2.team.reloaded, timeout=60_000):   # the other window reads the data again
            t0 = time.monotonic()
            dlg.take_button.click()
            qtbot.waitUntil(lambda: reimport.report_dialog is not None, timeout=60_000)
            print(f"re-import: replace_dataset + prepare, {1000 * (time.monotonic() - t0):.0f} ms")
        report = reimport.last_report
        box = reimport.report_dialog
        grab(box, "team-reimport-report")
        lines = box.informativeText()
        assert "Capital plan: rule 1" in lines and "Changed request REQ-POL-001: title" in lines and title in lines
        assert list(report.invalid) == ["Capital plan"]
        assert [(c.request_id, c.status) for c in report.requests_in_workbooks] == [("REQ-POL-001", "changed")]
        box.done(0)
        # the database: OMB's tables are the workbooks', the departments' rows and the scenarios as they were
        with team.sql("analyst") as c:
            assert c.execute("SELECT request_id, title, status, version FROM requests ORDER BY 1").fetchall() == \
                requests_before
            assert c.execute("SELECT name, version FROM scenarios ORDER BY 1").fetchall() == scenarios_before
            action_, user, seq = c.execute("SELECT action, \"user\", seq FROM edits ORDER BY seq DESC LIMIT 1"
                                           ).fetchone()
            sources = [p for (p,) in c.execute("SELECT path FROM sources ORDER BY position")]
        assert (action_, user, seq) == ("import", team.logins["analyst"], report.seq)
        assert sources[0] == str((here / "plan.xlsx").resolve())
        for win in (w, w2):   # both windows show the new line items with the server's requests
            data = win.session.prepared.dataset
            pd.testing.assert_frame_equal(data.budget.line_items.reset_index(drop=True),
                                          expected.budget.line_items.reset_index(drop=True))
            assert data.budget.requests.set_index("request_id").loc["REQ-POL-001", "title"] != title
            pd.testing.assert_frame_equal(data.budget.amounts.reset_index(drop=True),
                                          expected.budget.amounts.reset_index(drop=True))
            assert (data.budget.amounts.to_numpy() == new_amount).sum() == 1   # the amount typed in the workbook
        assert w2.team.last_message == f"{team.logins['analyst']} re-imported the workbooks (OMB's tables)"
        assert w.session.undo_stack.count() == 0
    finally:
        w2.team.window_closing()
        w2.project_controller.shutdown()


def test_workbooks_with_errors_show_their_report_and_change_nothing(qtbot, window, team, city, tmp_path):
    dataset, files = city
    here = tmp_path / "here"
    shutil.copytree(files.plan.parent, here)
    path, book, items, _header, rows = police_book(here)
    for r in rows:   # a program renamed in the line items only: its actuals, requests and drivers name nothing
        if items.cell(r, 3).value == "Crime Lab":
            items.cell(r, 3).value = "Forensics"
    book.save(path)
    w = window
    open_shared(qtbot, w, team.url("analyst"))
    with team.sql("analyst") as c:
        count = c.execute("SELECT count(*) FROM edits").fetchone()[0]
    reimport = w.team.reimport
    reimport.choose_workbooks = lambda recorded: type(recorded)(str(here / "plan.xlsx"),
                                                                tuple(str(here / b.name) for b in files.budgets))
    with qtbot.waitSignal(w.project_controller.failed, timeout=60_000):
        w.project_controller.reimport_action.trigger()
    report = w.project_controller._report_dialog
    assert report is not None and report.isVisible() and reimport.preview_dialog is None
    assert "Not re-imported" in w.statusBar().currentMessage()
    with team.sql("analyst") as c:
        assert c.execute("SELECT count(*) FROM edits").fetchone()[0] == count


@pytest.mark.parametrize("who", ["viewer", "police"])
def test_a_viewer_or_a_manager_cannot_reimport(qtbot, window, team, who):
    w = window
    open_shared(qtbot, w, team.url(who))
    action = w.project_controller.reimport_action
    assert not action.isEnabled()
    assert ("is a viewer" if who == "viewer" else "Only OMB re-imports") in action.toolTip()


def test_workbooks_not_on_this_computer_are_named(tmp_path):
    from ui.common.settings import Project
    from ui.team.reimport import missing_paths

    here = tmp_path / "a.xlsx"
    here.write_bytes(b"")
    gone = str(tmp_path / "elsewhere" / "b.xlsx")
    assert missing_paths(Project(None, (str(here), gone))) == [gone]
    assert missing_paths(Project(gone, (str(here),))) == [gone]


def test_the_servers_list_is_offered_and_a_workbook_not_here_is_marked_and_refused(qtbot, window, team, city,
                                                                                    tmp_path):
    """The real dialog: filled with the server's list, a path not on this computer in red; OK with it
    names it and offers the dialog again; Cancel then reads nothing."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from ui.common.settings import Project

    dataset, files = city
    w = window
    open_shared(qtbot, w, team.url("analyst"))
    gone = str(tmp_path / "elsewhere" / "police.xlsx")
    recorded = Project(str(files.plan), (gone, *[str(b) for b in files.budgets[1:]]))
    steps: list = []

    def poll(n=400):
        top = QApplication.activeModalWidget()
        if top is None or top in [s for _k, s in steps] or top.parentWidget() is not w:
            if n > 0:
                QTimer.singleShot(25, lambda: poll(n - 1))
            return
        if isinstance(top, QMessageBox):
            assert gone in top.text()
            steps.append(("box", top))
            top.button(QMessageBox.StandardButton.Ok).click()
        else:
            steps.append(("dialog", top))
            first = top.budgets.item(0)
            steps.append(("colour", (first.text(), first.foreground().color().name(), first.toolTip(),
                                     top.windowTitle())))
            if len([k for k, _s in steps if k == "dialog"]) == 1:
                grab(top, "team-reimport-choose-workbooks")
                top.accept()
            else:
                top.reject()
                return   # done: no poll left running into the next test
        QTimer.singleShot(25, lambda: poll(n - 1))
    QTimer.singleShot(0, poll)
    chosen = w.team.reimport._ask(recorded)
    assert chosen is None
    kinds = [k for k, _s in steps if k != "colour"]
    assert kinds == ["dialog", "box", "dialog"]
    text, colour, tip, title = steps[1][1]
    assert title.startswith("Re-import workbooks into ") and "on 127.0.0.1" in title
    assert (text, colour, tip) == (gone, "#b00020", "Not on this computer: remove it and add the workbook from where "
                                                    "it is here")
    assert steps[4][1][0] == gone   # offered again as chosen
