"""How opening a budget file in another city's layout gets its import mapping.

For each such file (File > Open, a recent project, drag and drop):

1. a mapping remembered for the file (ui/common/settings.py, `mappings/files`) that loaded before, whose
   columns the file still has and whose amount totals raise no question (a running total, 10x every
   other candidate, 10x the budget loaded now) is applied without asking (the status bar says so);
2. otherwise the mapping dialog opens, with the remembered mapping preloaded if there is one (the
   columns changed, or the last load with it failed), else with the suggestion; it compares the
   chosen total with the budget loaded in the window now (a total ten times larger is questioned).

File > Open with mapping… (saved mapping files chosen by hand) asks the same question about the totals
(`confirm_totals`) before it loads.

Every mapping chosen is remembered at once as *tried*; when the load succeeds it is remembered as
*loaded* (the next opening applies it without asking). When the load fails on the mapped file, the
dialog reopens after the validation report is closed, with the user's mapping, never a fresh
suggestion.
"""

from __future__ import annotations

import dataclasses
import glob
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from kcplanner.readers.amount_checks import amount_candidates, total_warning
from kcplanner.readers.mapping import Mapping, MappingError, mapping_from_dict
from kcplanner.readers.mapping_sheet import header_text, open_sheet
from kcplanner.readers.unreadable import UnreadableFile

from ..common import settings as st
from .totals import previous_total

#: (the mapping handed to a load, its file, the mapping as chosen, applied without asking) until that load ends
_PENDING: list[tuple[Mapping, str, Mapping, bool]] = []


def referenced_columns(m: Mapping) -> set[str]:
    cols = {c for c in m.columns.values() if c}
    cols |= {m.amount} if m.amount else set()
    cols |= set(m.amounts) | set(m.where) | set(m.history) | set(m.targets)
    if m.split is not None:
        cols.add(m.split.column)
    return cols


def mapping_fits(path, m: Mapping, previous: float | None = None) -> bool:
    """True when the file still has the sheet and every column the mapping names (in its header row), and
    its amount columns' totals raise no question (`total_warning`: a running total, 10x every other
    candidate, 10x `previous`, the budget loaded now)."""
    fits, question = _check(path, m, previous)
    return fits and question is None


def total_question(path, m: Mapping, previous: float | None = None) -> str | None:
    """The question the amount totals of `path` read with `m` raise (as the dialog would ask it), or None
    (also when the file does not fit `m` at all: the load reports that, cell by cell)."""
    return _check(path, m, previous)[1]


def _check(path, m: Mapping, previous: float | None) -> tuple[bool, str | None]:
    """(the file has the mapping's sheet and columns, the total question or None)."""
    try:
        sheet, _ = open_sheet(path, m.sheet)
    except (UnreadableFile, OSError, ValueError):
        return False, None
    grid = sheet.grid()
    rows = [m.header_row - 1] if m.header_row else range(min(20, grid.shape[0]))
    need = referenced_columns(m)
    at = next((r for r in rows if 0 <= r < grid.shape[0] and need <= {header_text(h) for h in grid[r]}), None)
    if at is None:
        return False, None
    if m.table == "kpis":
        return True, None
    chosen = [m.amount] if m.amount else list(m.amounts)
    cands = amount_candidates(grid, at + 1)
    largest = max((abs(c.total) for c in cands if c.column in chosen), default=None)
    return True, total_warning(chosen, cands, largest, previous)


def confirm_totals(window, paths, mappings) -> bool:
    """File > Open with mapping…: the same 10x question the dialog asks, for each file and each chosen
    mapping that applies to it; True when there is none or the user loads anyway."""
    previous = previous_total(getattr(window.session, "dataset", None))
    questions = [f"{Path(p).name} read with '{m.name or 'the mapping'}': {q}"
                 for p in paths for m in mappings if m.matches(p)
                 for q in [total_question(p, m, previous)] if q]
    if not questions:
        return True
    answer = QMessageBox.warning(window, "Check the amounts before loading", "\n\n".join(questions)
                                 + "\n\nLoad anyway?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                 QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def remembered(path) -> tuple[Mapping | None, bool]:
    """(the mapping remembered for the file or None, whether a load with it succeeded)."""
    entry = st.file_mapping(path)
    if entry is None:
        return None, False
    try:
        return mapping_from_dict(entry[0], Path(path).name), entry[1]
    except (MappingError, RecursionError):
        return None, False


def choose_mappings(window, paths, force_dialog: dict | None = None) -> list[Mapping] | None:
    """A mapping for each of `paths` (remembered, or from the dialog); None when the user cancelled.
    `force_dialog`: path → mapping to open the dialog with, whatever is remembered."""
    from . import dialog as mapping_dialog

    out = []
    for path in paths:
        name = Path(path).name
        saved, loaded = remembered(path)
        if force_dialog and str(path) in force_dialog:
            saved, loaded = force_dialog[str(path)], False
        previous = previous_total(getattr(window.session, "dataset", None))
        asked = not (saved is not None and loaded and mapping_fits(path, saved, previous))
        if not asked:
            m = saved
        else:
            window.statusBar().showMessage(f"{name} is in another layout: map its columns", 0)
            m = mapping_dialog.edit_mapping(path, saved, parent=window)  # compares with the window's budget
            if m is None:
                window.statusBar().showMessage(f"Opening cancelled: {name} needs an import mapping", 10000)
                return None
        st.remember_file_mapping(path, m.to_dict(), loaded=False)
        used = m
        if not m.matches(path) or not m.files:  # it applies to this file (not to every file)
            used = dataclasses.replace(m, files=glob.escape(name))
        _PENDING.append((used, str(path), m, not asked))
        del _PENDING[:-64]  # loads cancelled before they ended leave theirs: keep the list short
        out.append(used)
    return out


def ask_and_load(loader, project, paths, base=()) -> None:
    """Choose the mappings for `paths`, then load `project` with them (and `base`); `loader`: the
    window's workbook loading (ui/workbooks/controller.py)."""
    from ..common.workers import LoadTask

    chosen = choose_mappings(loader.window, paths)
    if chosen is None:
        loader.loadFinished.emit(False)
        return
    loader._start_now(LoadTask(project=project, mappings=list(base) + chosen))


def _mine(mappings) -> list[tuple[Mapping, str, Mapping, bool]]:
    out = [p for p in _PENDING if any(p[0] is m for m in mappings or ())]
    _PENDING[:] = [p for p in _PENDING if p not in out]
    return out


def load_succeeded(window, mappings) -> None:
    """The load with `mappings` succeeded: their files' mappings are remembered as loaded; the status bar
    names the files read with a remembered mapping."""
    applied = []
    for _used, path, chosen, remembered_one in _mine(mappings):
        st.remember_file_mapping(path, chosen.to_dict(), loaded=True)
        if remembered_one:
            applied.append(Path(path).name)
    if applied:
        bar = window.statusBar()
        bar.showMessage(bar.currentMessage() + f"; {', '.join(applied)} read with the import mapping chosen for it "
                        "before (File > Recent > Clear the list forgets it)", 20000)


def load_failed(loader, outcome, report_dialog) -> None:
    """The load failed: when the report names a mapped file, the dialog reopens (after the report is
    closed) with the mapping the user chose for it; `loader`: the window's workbook loading."""
    mine = _mine(outcome.mappings)
    names = {p.file for p in outcome.report.errors} | {Path(p.file).name for p in outcome.report.errors if p.file}
    retry = {path: chosen for _used, path, chosen, _r in mine if Path(path).name in names or path in names}
    if not retry or report_dialog is None:
        return
    base = [m for m in outcome.mappings if not any(m is used for used, p, _c, _r in mine if p in retry)]

    def reopen(_result=None) -> None:
        from ..common.workers import LoadTask

        if loader.loading:  # the user opened something else meanwhile
            return
        chosen = choose_mappings(loader.window, list(retry), force_dialog=retry)
        if chosen is not None:
            loader._start_now(LoadTask(project=outcome.project, mappings=base + chosen))

    report_dialog.finished.connect(reopen)
