"""What to do about a file that could not be used at all: missing, not a workbook, an empty folder.

Such a problem names no sheet and no cell, so "fix the cells listed" would point at nothing; the
validation report's heading (ui/common/dialogs.py) says what to do instead, in the words of
`what_to_do(report)`.  Plain Python: the wording is tested without widgets.
"""

from __future__ import annotations

import html

from kcplanner.readers import WORKBOOK_SUFFIXES

SUFFIXES = ", ".join(WORKBOOK_SUFFIXES)
OPEN = "File > Open workbooks (Ctrl+O)"
OPEN_FOLDER = "File > Open folder (Ctrl+Shift+O)"

#: (words in the reader's message, kind); the first match wins
KINDS = (
    ("does not exist", "missing"),
    ("is a folder with no workbooks", "empty folder"),
    ("no budget workbook given", "empty folder"),
    ("is not a workbook", "not a workbook"),
    ("is empty (0 bytes)", "not a workbook"),
    ("is truncated or corrupt", "not a workbook"),
    ("is not a plan workbook", "not a plan"),
    ("cannot be opened", "cannot open"),
)

ADVICE = {
    "missing": "{files} {is_are} not there: moved, renamed or deleted, or on a drive that is not connected. "
               "Open {it_them} from where {it_they} {is_are} now with " + OPEN + ".",
    "not a workbook": "{files} {is_are} not a workbook kcplanner can read. Choose the department budget "
                      "workbooks (" + SUFFIXES + "); if the file opens in Excel, save it there as an Excel "
                      "workbook (.xlsx) and open that.",
    "empty folder": "No workbook was found{in_folder} (sub-folders are not read). Choose the folder that "
                    "holds the department budget workbooks with " + OPEN_FOLDER + ", or the workbooks themselves "
                    "with " + OPEN + ".",
    "not a plan": "{files} {is_are} not a plan workbook. Open the plan (the workbook with the Settings, Goals, "
                  "KPIs and Funds sheets) with " + OPEN + ", or leave the plan out.",
    "cannot open": "{files} cannot be opened: close {it_them} in Excel or any program that has {it_them} open, "
                   "check that you may read {it_them}, and open {it_them} again.",
    "other": "Check {files} and open {it_them} again with " + OPEN + ".",
}


def file_level(problem) -> bool:
    """A problem about a whole file (or the choice of files): no sheet, no cell."""
    return not problem.sheet and not problem.cell


def kind_of(problem) -> str:
    text = problem.message.casefold()
    return next((kind for words, kind in KINDS if words in text), "other")


def what_to_do(report) -> str:
    """What to do about the file-level errors of `report`, one sentence or two per kind ('' for none).
    Plain text."""
    return " ".join(advice(report))


def advice(report) -> list[str]:
    """`what_to_do`, one entry per kind of problem."""
    by_kind: dict[str, list[str]] = {}
    for p in report.errors:
        if file_level(p) and not p.message.startswith("…"):
            names = by_kind.setdefault(kind_of(p), [])
            if p.file and p.file not in names:
                names.append(p.file)
    out = []
    for kind, names in by_kind.items():
        many = len(names) > 1
        files = ", ".join(names) if names else "the file"
        out.append(ADVICE[kind].format(files=files, is_are="are" if many else "is", it_them="them" if many else "it",
                                       it_they="they" if many else "it",
                                       in_folder=f" in the folder {files}" if names else ""))
    return out


def heading(report) -> str:
    """The report's first line (rich text) for a report with errors: what happened and what to do."""
    n_err, n_warn = len(report.errors), len(report.warnings)
    head = (f"<b style='color:#b3261e'>{n_err} error(s)</b>, {n_warn} warning(s): the workbooks were not loaded "
            "(nothing was changed).")
    todo = advice(report)
    if any(not file_level(p) for p in report.errors):
        head += " Fix the cells listed and open them again."
    if todo:
        head += "<br><b>What to do:</b> " + "<br>".join(html.escape(t) for t in todo)
    return head
