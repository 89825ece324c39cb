"""File > Publish…: the open budget site (kcplanner.publish.publish_site) of a scenario with the
project's stories, written off the GUI thread with a progress dialog (after a short delay) and
Cancel; when done, the page count and an Open in browser button; a failure in words.

`publish(folder, scenario_name)` is the dialog's action without the dialog (tests, scripts);
`publishFinished` gives the PublishReport, or None when it failed or was cancelled.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QThreadPool, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from kcplanner.atomic import OutputError
from kcplanner.publish import PublishCancelled, PublishError, publish_site
from kcplanner.review.carry import ensure_carry

from ..common import settings as st
from ..common.progress import close_progress, job_progress
from ..common.workers import JobTask
from .dialog import PublishDialog

KEY_FOLDER = "publish/folder"  # QSettings: the folder the site was last published to
log = logging.getLogger(__name__)


class PublishController(QObject):
    """The window's File > Publish…; `stories` answers `for_site()` and `problems()` (the Stories tab)."""

    publishFinished = Signal(object)  # PublishReport, or None (failed, cancelled)

    def __init__(self, window, stories, publish: Callable = publish_site):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.stories = stories
        self.publish_function = publish  # kcplanner.publish.publish_site (tests may hand another)
        self.task: JobTask | None = None
        self.progress: QProgressDialog | None = None
        self.dialog: PublishDialog | None = None
        self.box: QMessageBox | None = None
        self.publish_action = window.make_action(
            "Pu&blish…", self.publish_dialog, None,
            "Write the open budget site for residents (the city, departments, goals, stories and open data) "
            "into a folder")

    def window_closing(self) -> None:
        """The window closes: a running publish stops (an earlier site stays as it was)."""
        if self.task is not None:
            self.task.cancel()

    def _status(self, text: str, ms: int = 10000) -> None:
        self.window.statusBar().showMessage(text, ms)

    def _can_publish(self) -> bool:
        if not self.session.loaded:
            self._status("Open a budget first", 5000)
            return False
        if self.task is not None:
            self._status("The site is being published; wait for it or cancel it", 5000)
            return False
        return True

    # -- the dialog ----------------------------------------------------------------------------------
    def publish_dialog(self) -> PublishDialog | None:
        if not self._can_publish():
            return None
        s = self.session
        dlg = PublishDialog(st.get_str(KEY_FOLDER, ""), [x.name for x in s.scenarios], s.state.current,
                            [d["title"] for d in self.stories.for_site()], self.stories.problems(), self.window)
        dlg.accepted.connect(lambda: self.publish(dlg.folder(), dlg.scenario_name()))
        self.dialog = dlg
        dlg.open()
        return dlg

    # -- publishing ------------------------------------------------------------------------------------
    def publish(self, folder: str, scenario_name: str | None = None) -> JobTask | None:
        """Publish the site of scenario `scenario_name` (default: the current one) into `folder`."""
        if not self._can_publish():
            return None
        s = self.session
        s.flush()
        scenario = next((x for x in s.scenarios if x.name == scenario_name), s.scenario)
        st.set_value(KEY_FOLDER, str(folder))
        prepared, dataset = s.prepared, s.dataset
        ensure_carry(prepared, scenario)  # the review's balance change, computed here once (as the views do)
        stories = self.stories.for_site()
        publish = self.publish_function

        def job(progress, cancelled):
            def step(done, total, what):
                progress(done / max(1, total), f"Writing {what}")
            return publish(dataset, scenario, folder, stories=stories, progress=step, cancelled=cancelled,
                           prepared=prepared)

        task = JobTask(job)
        self.task = task
        title = f"Publishing the open budget site of “{scenario.name}”"
        self.progress = job_progress(self.window, title + "…", "Publish", task)
        task.signals.finished.connect(lambda report, t=task: self._done(t, report))
        task.signals.failed.connect(lambda exc, t=task: self._failed(t, exc))
        task.signals.cancelled.connect(lambda t=task: self._cancelled(t))
        self._status(title + "…", 0)
        QThreadPool.globalInstance().start(task)
        return task

    def _end(self, task: JobTask) -> bool:
        if task is not self.task:
            return False
        self.task = None
        close_progress(self.progress)
        self.progress = None
        return True

    def _done(self, task: JobTask, report) -> None:
        if not self._end(task):
            return
        text = (f"Published the open budget site: {report.pages:,} page{'s' * (report.pages != 1)} "
                f"({report.files:,} files, {_size(report.bytes)}) in {report.out_dir}.")
        box = QMessageBox(QMessageBox.Icon.Information, "Published", text, QMessageBox.StandardButton.Close,
                          self.window)
        if report.messages:
            box.setInformativeText("Note: " + " ".join(report.messages[:5])
                                   + (f" … and {len(report.messages) - 5} more." if len(report.messages) > 5 else ""))
        self.open_button = box.addButton("&Open in browser", QMessageBox.ButtonRole.ActionRole)
        self.open_button.clicked.connect(lambda _c=False, r=report: self.open_in_browser(r))
        box.setDefaultButton(self.open_button)
        self.box = box
        box.open()
        self._status(text, 15000)
        self.publishFinished.emit(report)

    def open_in_browser(self, report) -> bool:
        """The site's index.html in the default browser (a file URL: the site needs no server)."""
        index = Path(report.out_dir) / "index.html"
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(index.resolve())))

    def _failed(self, task: JobTask, exc) -> None:
        if not self._end(task):
            return
        if isinstance(exc, PublishCancelled):
            self._cancelled(None)
            return
        if isinstance(exc, (PublishError, OutputError, OSError)):
            text = str(exc)
        else:  # a fault of kcplanner's: words for the analyst, the traceback for the log
            log.error("publishing failed:\n%s", getattr(exc, "details", "") or repr(exc))
            text = (f"The site could not be published because of an unexpected error in kcplanner "
                    f"({type(exc).__name__}: {exc}). Nothing was changed; an earlier site in the folder is as it was.")
        box = QMessageBox(QMessageBox.Icon.Warning, "Could not publish", text, QMessageBox.StandardButton.Close,
                          self.window)
        self.box = box
        box.open()
        self._status(f"Publishing failed: {text}", 10000)
        self.publishFinished.emit(None)

    def _cancelled(self, task: JobTask | None) -> None:
        if task is not None and not self._end(task):
            return
        self._status("Publishing cancelled; an earlier site in the folder is as it was", 8000)
        self.publishFinished.emit(None)


def _size(n: int) -> str:
    """`3.2 MB`, `740 KB`."""
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{max(1, round(n / 1e3)):,} KB"


__all__ = ["PublishController", "KEY_FOLDER"]
