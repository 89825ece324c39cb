"""File > Re-import Workbooks… in a shared project (OMB only): read the workbooks again, see what
differs from the server (OMB's tables; and the workbooks' requests, which are reported, not taken),
and on "Take the New Data" replace OMB's tables on the server for everyone
(`TeamProject.replace_dataset`: one transaction, one audit row, every scenario kept).

The server keeps the list of workbooks the project was loaded from, but those paths are on the
machine that loaded them: the analyst confirms or chooses the workbooks here (the File > Open
workbooks dialog, filled with that list; a path not on this computer is marked).  The read runs on
the thread pool with the re-import's progress dialog (Cancel stops it); the write behind a busy
dialog.  Other windows get the new data through their listener (the `import` notification).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox

from ..common import settings as st
from ..project.recovery import ReimportDialog
from ..project.where import display_name
from .busy import busy_dialog, close_busy
from .readonly import viewer_reason
from .report import TeamReport

TIP = ("Read the workbooks again, see what differs from the server, and replace OMB's tables for everyone "
       "(every scenario is kept; the departments' requests and positions stay as on the server)")
MISSING = "Not on this computer: remove it and add the workbook from where it is here"
SHOWN_REQUESTS = 40   # the report lists this many of the workbooks' requests that differ


@dataclass
class SharedPreview:
    workbooks: st.Project     # what was read (plan, budgets)
    result: object            # ImportResult (dataset None when the workbooks have errors)
    diff: object              # DatasetDiff of OMB's tables (the server's requests kept), or None
    requests: list            # diff.RequestChange: the workbooks' requests against the server's


def recorded_workbooks(project) -> tuple[st.Project, list]:
    """The workbooks (plan, budgets as first given) and import mappings the shared project was loaded
    from, as the server lists them (paths of the machine that loaded them)."""
    import json

    from kcplanner.readers.mapping import MappingError, mapping_from_dict

    with project._read("reading the list of workbooks") as c:
        row = c.execute("SELECT value FROM meta WHERE key = 'import_args'").fetchone()
        raw_mappings = [m for (m,) in c.execute("SELECT mapping FROM mappings ORDER BY position")]
    args = json.loads(row[0]) if row and row[0] else {}
    mappings = []
    for m in raw_mappings:
        try:
            mappings.append(mapping_from_dict(json.loads(m) if isinstance(m, str) else m))
        except (MappingError, TypeError, ValueError):
            continue
    return st.Project(args.get("plan"), tuple(args.get("budgets", []))), mappings


def missing_paths(workbooks: st.Project) -> list[str]:
    return [p for p in ([workbooks.plan] if workbooks.plan else []) + list(workbooks.budgets) if not Path(p).exists()]


def merged_dataset(server, workbooks):
    """The workbooks' data with the server's requests and positions (what `replace_dataset` stores)."""
    merged = copy.copy(workbooks)
    merged.budget = copy.copy(workbooks.budget)
    sb, mb = server.budget, merged.budget
    mb.requests, mb.request_costs, mb.positions = sb.requests, sb.request_costs, sb.positions
    return merged


class SharedReimportDialog(ReimportDialog):
    """The file's re-import preview, worded for the server, with the workbooks' requests (not taken)."""

    def __init__(self, preview: SharedPreview, where: str, parent=None):
        super().__init__(preview.diff, (), parent)
        self.setObjectName("shared_reimport_preview")
        self.setWindowTitle(f"Re-import the workbooks into {where}")
        diff = preview.diff
        if diff.is_empty:
            lines = ["OMB's tables in the workbooks are the same as on the server: nothing to take."]
        else:
            n = diff.counts()
            lines = [f"<b>OMB's tables on the server against the workbooks.</b> <b>Line items:</b> "
                     f"{n['line_items_added']:,} added, {n['line_items_removed']:,} removed, "
                     f"{n['line_items_changed']:,} changed. <b>Revenue lines:</b> {n['revenue_added']:,} added, "
                     f"{n['revenue_removed']:,} removed, {n['revenue_changed']:,} changed."
                     + (f" <b>Also changed:</b> {', '.join(diff.tables_changed)}." if diff.tables_changed else ""),
                     "Taking them replaces OMB's tables for everyone who has this shared project open, keeps every "
                     "scenario (rules that no longer match anything are listed afterwards) and is recorded in the "
                     "History."]
        lines.append(requests_line(preview.requests))
        self.heading.setText("<br>".join(lines))
        self.take_button.setToolTip("Replace OMB's tables on the server with the workbooks' (every scenario is "
                                    "kept; the departments' requests and positions stay as on the server)")


def requests_line(changes: list) -> str:
    if not changes:
        return "The workbooks' requests are the same as the server's."
    count = {s: sum(1 for c in changes if c.status == s) for s in ("added", "removed", "changed")}
    n = len(changes)
    return (f"<b>Requests:</b> the workbooks differ from the server on {n:,} request{'s' * (n != 1)} "
            f"({count['added']:,} only in the workbooks, {count['removed']:,} only on the server, "
            f"{count['changed']:,} changed). They are <b>not taken</b>: requests are the departments' rows and "
            f"follow the workflow on the server; take these up with the departments.")


class SharedReimport(QObject):
    """Re-import for a shared project; the project controller calls `why_not` and `start`."""

    def __init__(self, team):
        super().__init__(team)
        self.team = team
        self.window = team.window
        self.projects = team.projects
        self.choose_workbooks = None   # tests: (recorded st.Project) -> st.Project or None instead of the dialog
        self.preview_dialog: SharedReimportDialog | None = None
        self.report_dialog = None
        self.last_report = None
        self._busy = None
        self.tip = TIP   # the action's tooltip when it is on
        self.projects.shared_reimport = self

    def why_not(self, project) -> str | None:
        """Why this login cannot re-import into `project` (None: it can)."""
        if project.read_only or getattr(project, "role", "") == "viewer":
            return viewer_reason(project)
        if getattr(project, "role", "") != "omb_analyst":
            return (f"Only OMB re-imports the workbooks of a shared project ({project.user} is a department "
                    "manager: a department's requests are changed on the Requests tab)")
        return None

    # -- choosing and reading the workbooks ---------------------------------------------------------------
    def start(self) -> None:
        p = self.team.project
        if p is None or p.closed or self.why_not(p) is not None or self.projects.busy:
            return
        self.team.flush_drag()
        try:
            recorded, mappings = recorded_workbooks(p)
        except Exception as exc:  # noqa: BLE001 - a ProjectError (the server) or damaged JSON: said, not raised
            self.projects._failed("Could not read the list of workbooks", exc)
            return
        chosen = self._ask(recorded)
        if chosen is None:
            return
        self.read(chosen, mappings)

    def _ask(self, recorded: st.Project) -> st.Project | None:
        if self.choose_workbooks is not None:
            return self.choose_workbooks(recorded)
        from ..common.dialogs import OpenDialog
        shown = recorded
        while True:
            dlg = OpenDialog(shown, self.window)
            dlg.setWindowTitle(f"Re-import workbooks into {display_name(self.team.project)}")
            note = QLabel("The workbooks this shared project was loaded from (as the server lists them). Check "
                          "them, or choose where they are on this computer; a path in red is not here.")
            note.setWordWrap(True)
            dlg.layout().insertWidget(0, note)
            box = dlg.findChild(QDialogButtonBox)
            if box is not None and box.button(QDialogButtonBox.StandardButton.Open) is not None:
                box.button(QDialogButtonBox.StandardButton.Open).setText("Read the Workbooks")
            for i in range(dlg.budgets.count()):
                item = dlg.budgets.item(i)
                if not Path(item.text()).exists():
                    item.setForeground(QBrush(QColor("#b00020")))
                    item.setToolTip(MISSING)
            if shown.plan and not Path(shown.plan).exists():
                dlg.plan.setStyleSheet("color: #b00020")
                dlg.plan.setToolTip(MISSING)
            accepted = dlg.exec() == QDialog.DialogCode.Accepted
            chosen = dlg.project()
            dlg.deleteLater()
            if not accepted:
                return None
            missing = missing_paths(chosen)
            if chosen.budgets and not missing:
                return chosen
            text = ("Choose at least one budget workbook or folder." if not chosen.budgets else
                    "Not on this computer:\n" + "\n".join(missing) + "\n\nRemove them and add the workbooks from "
                    "where they are here.")
            QMessageBox.information(self.window, "Re-import workbooks", text)
            shown = chosen

    def read(self, workbooks: st.Project, mappings=()) -> None:
        """Read `workbooks` on the thread pool (progress, Cancel) and compare them with the server."""
        p = self.team.project
        st.set_value(st.KEY_LAST_DIR, str(Path((workbooks.budgets or [workbooks.plan])[0]).parent))

        def job(task):
            from kcplanner.project.diff import diff_datasets, diff_requests
            from kcplanner.readers import read_dataset
            result = read_dataset(workbooks.plan, list(workbooks.budgets), list(mappings) or None,
                                  progress=lambda f, t: task.signals.progress.emit(float(f), str(t)),
                                  cancelled=task.cancel_flag.is_set)
            if result.dataset is None:
                return SharedPreview(workbooks, result, None, [])
            server = p.dataset
            new = result.dataset.budget
            changes = diff_requests(server.budget.requests, server.budget.request_costs, new.requests,
                                    new.request_costs)
            return SharedPreview(workbooks, result, diff_datasets(server, merged_dataset(server, result.dataset)),
                                 changes)

        c = self.projects
        task = c._run(job, self._preview_ready, c._reimport_failed, "Reading the workbooks again…")
        c._open_progress(task, "Reading the workbooks…")

    def _preview_ready(self, preview: SharedPreview) -> None:
        c = self.projects
        c._close_progress()
        if self.team.project is None or self.team.project.closed:
            return
        if preview.diff is None:   # errors in the workbooks: the file's flow shows the report
            c._preview_ready(_FilePreview(preview.result))
            return
        dlg = SharedReimportDialog(preview, display_name(self.team.project), self.window)
        self.preview_dialog = dlg
        dlg.accepted.connect(lambda: self.take(preview))
        dlg.finished.connect(lambda _r: setattr(self, "preview_dialog", None))
        dlg.open()
        c.reimportReady.emit(preview)

    # -- taking the new data ------------------------------------------------------------------------------
    def take(self, preview: SharedPreview) -> None:
        """`replace_dataset` on the thread pool behind a busy dialog; then the window shows the new data."""
        p = self.team.project
        if p is None or p.closed:
            return
        self.team.flush_drag()
        workbooks, dataset = preview.workbooks, preview.result.dataset
        self._busy = busy_dialog(self.window, "Re-import", f"Replacing OMB's tables on {display_name(p)}…")

        def job(_task):
            from kcplanner.engine import prepare
            report = p.replace_dataset(dataset, {"plan": workbooks.plan, "budgets": list(workbooks.budgets)})
            prepared = prepare(p.dataset)   # the new tables with the server's requests and positions
            prepared.baseline_results()
            return report, prepared

        def failed(error):
            close_busy(self._busy)
            self._busy = None
            self.projects._failed("Could not re-import the workbooks", error)

        self.projects._run(job, lambda value: self._taken(p, preview, *value), failed, "Taking the new data…")

    def _taken(self, p, preview: SharedPreview, report, prepared) -> None:
        close_busy(self._busy)
        self._busy = None
        c = self.projects
        if p is not self.team.project or c.project is not p:
            return
        c._suspend += 1
        try:
            self.session_undo_clear()
            self.window.session.replace_prepared(prepared)
            c.prepared = prepared
        finally:
            c._suspend -= 1
        c.history.schedule()
        c.history.refresh(full=True)
        self.last_report = report
        self.team.reloaded.emit()
        c.reimported.emit(report)
        heading, details = report_text(display_name(p), preview.workbooks, report)
        self.report_dialog = TeamReport(self.window, "Re-imported into the shared project", heading, details,
                                        "shared_reimport_report")
        self.report_dialog.open()
        c.status(f"Re-imported the workbooks: {report.diff.summary()}", 15000)

    def session_undo_clear(self) -> None:
        self.window.session.undo_stack.clear()   # its steps hold the data as they were


class _FilePreview:
    """The file flow's preview for workbooks with errors (its `_preview_ready` shows their report)."""

    def __init__(self, result):
        self.result, self.diff, self.changes = result, None, []


def report_text(where: str, workbooks: st.Project, report) -> tuple[str, list[str]]:
    """The report's heading and lines: OMB's tables, the scenarios, the requests not taken."""
    heading = (f"Re-imported the workbooks into <b>{where}</b>: {report.diff.summary()}.<br>Everyone who has "
               f"it open gets the new data now; the re-import is row {report.seq} of the History.")
    lines = []
    invalid = report.invalid
    if invalid:
        k = sum(len(v) for v in invalid.values())
        lines.append(f"Every scenario was kept, but {k} of their rules or funded requests match nothing now:")
        lines += [f"{name}: {m}" for name, messages in invalid.items() for m in messages]
    else:
        lines.append("Every scenario was kept, and each of its rules and funded requests still applies.")
    changes = report.requests_in_workbooks
    if changes:
        k = len(changes)
        lines.append(f"The workbooks' requests differ from the server's on {k:,} request{'s' * (k != 1)}; not taken "
                     "(they are the departments' rows, in the workflow on the server) — take these up with the "
                     "departments:")
        lines += [c.describe() for c in changes[:SHOWN_REQUESTS]]
        if len(changes) > SHOWN_REQUESTS:
            lines.append(f"… and {len(changes) - SHOWN_REQUESTS:,} more")
    else:
        lines.append("The workbooks' requests are the same as the server's.")
    return heading, lines


__all__ = ["SharedReimport", "SharedReimportDialog", "recorded_workbooks", "report_text", "merged_dataset"]
