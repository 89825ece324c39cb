"""File-level errors (issue 19): a missing file, a file that is not a workbook and an empty folder
say what to do (not "fix the cells listed" when no cell is listed), and Enter closes the report."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from kcplanner.report import ValidationReport
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from tests.conftest_ui import open_and_wait
from ui.common.file_errors import heading, what_to_do


def plain(rich: str) -> str:
    return " ".join(re.sub(r"<[^>]*>", " ", rich).replace("&gt;", ">").split())


def failed_report(qtbot, window, paths):
    assert open_and_wait(qtbot, window, paths) is False
    dlg = window.report_dialog
    assert dlg is not None and dlg.isVisible()
    return dlg, plain(dlg.heading.text())


def test_a_missing_file_says_where_to_find_it(qtbot, window, tmp_path):
    dlg, text = failed_report(qtbot, window, [tmp_path / "police.xlsx"])
    assert "Fix the cells" not in text
    assert "police.xlsx is not there" in text and "File > Open workbooks (Ctrl+O)" in text
    assert "rows read" not in text  # no sheet was read: no "0 rows read … in 0 sheet(s)"
    assert window.session.prepared is None


def test_a_file_that_is_not_a_workbook_says_what_to_choose(qtbot, window, tmp_path):
    notes = tmp_path / "notes.xlsx"
    notes.write_text("minutes of the budget meeting")
    _dlg, text = failed_report(qtbot, window, [notes])
    assert "Fix the cells" not in text
    assert "notes.xlsx is not a workbook kcplanner can read" in text
    assert "save it there as an Excel workbook (.xlsx)" in text


def test_an_empty_folder_is_named_and_says_what_to_choose(qtbot, window, tmp_path):
    empty = tmp_path / "FY2027 budgets"
    empty.mkdir()
    (empty / "readme.txt").write_text("the workbooks go here")
    _dlg, text = failed_report(qtbot, window, [empty])
    assert "Fix the cells" not in text
    assert "No workbook was found in the folder FY2027 budgets" in text
    assert "File > Open folder (Ctrl+Shift+O)" in text


def test_cell_errors_still_say_fix_the_cells(qtbot, window, tmp_path):
    from ui.screenshots import write_bad_workbook

    _dlg, text = failed_report(qtbot, window, [write_bad_workbook(tmp_path)])
    assert "Fix the cells listed and open them again." in text
    assert "What to do" not in text
    assert re.search(r"\d+ rows read", text)


@pytest.mark.parametrize("where", ["filter", "view"])
def test_enter_closes_the_report(qtbot, window, tmp_path, where):
    dlg, _text = failed_report(qtbot, window, [tmp_path / "missing.xlsx"])
    target = getattr(dlg, where)
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=2000)


def test_advice_in_words():
    r = ValidationReport()
    r.error("police.xlsx", "", "", "/data/police.xlsx does not exist")
    r.error("parks.xlsx", "", "", "/data/parks.xlsx does not exist")
    r.error("fire.xlsx", "", "", "fire.xlsx is not a workbook: a .xlsx file is a zip archive and this one is not")
    text = what_to_do(r)
    assert text.startswith("police.xlsx, parks.xlsx are not there")
    assert "Open them from where they are now" in text
    assert "fire.xlsx is not a workbook kcplanner can read" in text
    assert "Fix the cells" not in heading(r)
    r.error("police.xlsx", "Line Items", "G7", "amount is not a number")
    assert "Fix the cells listed" in heading(r) and "What to do" in heading(r)
    assert what_to_do(ValidationReport()) == ""
