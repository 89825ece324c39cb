"""Re-import: read the project's source workbooks again (worker, with a progress dialog), show what
changed (ReimportDialog), and on OK take the new data (`replace_dataset`) keeping every scenario."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressBar, QProgressDialog

from ..common import settings as st
from ..common.progress import PROGRESS_DELAY_MS
from .where import is_shared
from .recovery import ReimportDialog, invalid_box
from .tasks import FunctionTask



@dataclass
class Preview:
    args: object          # ImportArguments
    result: object        # ImportResult (dataset None when the workbooks have errors)
    diff: object          # DatasetDiff or None
    changes: list


def _workbooks_of(args) -> st.Project:
    """The app's "last workbooks" record for a project's sources."""
    return st.Project(str(args.plan) if args.plan else None, tuple(str(b) for b in args.budgets))


def _mappings_of(args) -> tuple:
    """The project's import mappings (stored as dicts) as `Mapping`s; those that do not read are left out."""
    from kcplanner.readers.mapping import Mapping, MappingError, mapping_from_dict

    out = []
    for m in getattr(args, "mappings", None) or ():
        try:
            out.append(m if isinstance(m, Mapping) else mapping_from_dict(m))
        except (MappingError, TypeError, ValueError):
            continue
    return tuple(out)


class ReimportMixin:
    """Re-import Workbooks… of the project controller."""

    def reimport(self) -> None:
        """Read the source workbooks again (worker), show what changed, take the new data on OK."""
        p = self.project
        if p is not None and not p.closed and is_shared(p) and self.shared_reimport is not None:
            self.shared_reimport.start()  # ui/team/: the workbooks chosen here, OMB's tables on the server
            return
        if p is None or p.closed or p.read_only or self.busy:
            return
        changes = list(self.changes)

        def job(task: FunctionTask):
            from kcplanner.project import diff_datasets
            from kcplanner.readers import read_dataset
            args = p.import_arguments()
            result = read_dataset(args.plan, list(args.budgets), args.mappings,
                                  progress=lambda f, t: task.signals.progress.emit(float(f), str(t)),
                                  cancelled=task.cancel_flag.is_set)
            diff = diff_datasets(p.dataset, result.dataset) if result.dataset is not None else None
            return Preview(args, result, diff, changes)

        task = self._run(job, self._preview_ready, self._reimport_failed, "Reading the workbooks again…")
        self._open_progress(task, "Reading the source workbooks…")

    def _open_progress(self, task: FunctionTask, text: str) -> None:
        self._close_progress()
        dlg = QProgressDialog(text, "Cancel", 0, 1000, self.main)
        self._progress_bar = QProgressBar()
        dlg.setBar(self._progress_bar)  # the dialog owns it; `_show_progress` sets it directly
        dlg.setRange(0, 1000)
        dlg.setWindowTitle("Re-import")
        dlg.setMinimumDuration(PROGRESS_DELAY_MS)
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.canceled.connect(task.cancel_flag.set)
        task.signals.progress.connect(lambda f, t, d=dlg: self._show_progress(d, f, t))
        dlg.setValue(0)
        self._progress = dlg

    def _show_progress(self, dlg: QProgressDialog, fraction: float, text: str) -> None:
        """The bar, not QProgressDialog.setValue(): for a shown window-modal dialog that one runs
        QCoreApplication.processEvents(), which can deliver the task's end (closing and deleting the
        dialog) while setValue() is still running on it (ui/workbooks/controller.py, `_progress`)."""
        if dlg is self._progress:
            dlg.setLabelText(text)
            self._progress_bar.setValue(int(fraction * 1000))

    def _close_progress(self) -> None:
        if self._progress is not None:
            self._progress.canceled.disconnect()
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None
            self._progress_bar = None

    def _reimport_failed(self, error) -> None:
        self._close_progress()
        if isinstance(error, str) and "Cancelled" in error:
            self.status("Re-import cancelled; nothing was changed")
            return
        self._failed("Could not read the workbooks", error)

    def _preview_ready(self, preview: Preview) -> None:
        self._close_progress()
        if self.project is None or self.project.closed:
            return
        if preview.diff is None:
            from ..common.dialogs import ReportDialog
            report = preview.result.report
            dlg = ReportDialog(report, "Re-import — the workbooks have errors", False, self.main)
            self.reimport_dialog = None
            self._report_dialog = dlg
            dlg.open()
            self.status(f"Not re-imported: {len(report.errors)} error(s) in the workbooks; the project's data "
                        "are unchanged", 15000)
            self.failed.emit("the workbooks have errors")
            return
        dlg = ReimportDialog(preview.diff, preview.changes, self.main)
        if self.reimport_dialog is not None:
            self.reimport_dialog.close()
        self.reimport_dialog = dlg
        dlg.accepted.connect(lambda: self.take_new_data(preview))
        dlg.open()
        self.reimportReady.emit(preview)

    def take_new_data(self, preview: Preview) -> None:
        """`project.replace_dataset` (worker), then the session gets the new data with the same scenarios."""
        p = self.project
        if p is None or p.closed:
            return
        self._record()
        args = preview.args
        dataset = preview.result.dataset

        def job(_task):
            from kcplanner.engine import prepare
            report = p.replace_dataset(dataset, {"plan": args.plan, "budgets": list(args.budgets)})
            prepared = prepare(dataset)
            prepared.baseline_results()
            return report, prepared

        def done(value):
            report, prepared = value
            if self.project is not p:
                return
            current = self.session.state.current
            scenarios = tuple(p.scenarios) or None
            self._suspend += 1
            try:
                self.session.set_data(prepared, preview.result.report, _workbooks_of(args), scenarios,
                                      mappings=_mappings_of(args))
                self.session.select_scenario(current)
            finally:
                self._suspend -= 1
            self.prepared = prepared
            self._workbooks_ref = self.session.project
            self._load_serial = self.session.load_serial
            self._index = self.session.undo_stack.index()
            self.changes = []
            self.bar.hide()
            self.history.schedule()
            self.history.refresh(full=True)
            self._update_actions()
            self.status(f"Re-imported the workbooks: {report.diff.summary()}", 15000)
            if report.invalid:
                self._show_box(invalid_box(self.main, report.invalid))
            self.reimported.emit(report)
        self._run(job, done, lambda e: self._failed("Could not take the new data", e), "Taking the new data…")
