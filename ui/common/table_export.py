"""Export selection… of any table (ui/common/table_copy.py): the rows as a workbook (.xlsx) or a CSV
file, numbers as numbers. The rows are read from the model on the GUI thread (a model is not
thread-safe); writing runs on the thread pool when the block is large (`BIG_CELLS`), atomically
(kcplanner.atomic) either way."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QFileDialog, QMessageBox

from kcplanner.atomic import atomic_path

from . import settings as st

BIG_CELLS = 50_000  # a block this large is written on the thread pool
FILTERS = "Workbook (*.xlsx);;CSV, comma-separated (*.csv)"


def write_block(frame, path: str) -> str:
    """Write a DataFrame to `path` (.xlsx or .csv by its suffix), atomically; no Qt here."""
    target = Path(path)
    with atomic_path(target) as tmp:
        if target.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False, encoding="utf-8-sig")  # the BOM: Excel reads UTF-8
        else:
            with pd.ExcelWriter(tmp, engine="xlsxwriter") as xw:
                frame.to_excel(xw, index=False, sheet_name="Selection")
                sheet = xw.sheets["Selection"]
                sheet.freeze_panes(1, 1)
                for c, name in enumerate(frame.columns):
                    sheet.set_column(c, c, min(max(len(str(name)), 10) + 2, 40))
    return str(target)


def export_view(view, block, name: str = "table", path: str | None = None, on_done=None):
    """Ask for a file (unless given) and write the view's selected rows (all when none) to it;
    `block(view, all_rows=False)` reads them (ui/common/table_copy.py). Returns the JobTask when the
    write went to the thread pool, else the path written (or None)."""
    b = block(view)
    if not b.count:
        b = block(view, all_rows=True)
    if not path:
        folder = st.get_str(st.KEY_LAST_DIR, "")
        path, chosen = QFileDialog.getSaveFileName(view, "Export selection", str(Path(folder) / f"{name}.xlsx"),
                                                   FILTERS)
        if not path:
            return None
        if Path(path).suffix.lower() not in (".xlsx", ".csv"):
            path += ".csv" if "csv" in (chosen or "") else ".xlsx"
    frame = b.frame()

    def failed(exc):
        QMessageBox.warning(view, "Export selection", f"The selection was not written: {exc}")

    if b.count * max(len(b.headers), 1) < BIG_CELLS:
        try:
            done = write_block(frame, path)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            failed(exc)
            return None
        if on_done:
            on_done(done)
        return done
    from .workers import JobTask

    task = JobTask(lambda _progress, _cancelled: write_block(frame, path))
    view._export_task = task  # kept alive while it runs
    task.signals.failed.connect(failed)
    if on_done:
        task.signals.finished.connect(on_done)
    QThreadPool.globalInstance().start(task)
    return task
