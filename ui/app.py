"""`run_app()`: the desktop app (`kcplanner` with no arguments, `python main.py`)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from .common.settings import APPLICATION, ORGANIZATION


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("kcplanner")
    from .common import gc_guard

    gc_guard.install(app)  # Qt objects are freed on the GUI thread, never by a worker's collection
    return app


def clean_last_folder() -> None:
    """Remove what a killed export left in the last folder used (our `.kcplanner-tmp-*` files of
    dead processes only; kcplanner.atomic.clean_leftovers)."""
    from kcplanner.atomic import clean_leftovers

    from .common import settings as st

    folder = st.get_str(st.KEY_LAST_DIR, "")
    if folder:
        clean_leftovers(folder)


def run_app(argv: list[str] | None = None, open_file: str | None = None) -> int:
    """Open the main window (offering to recover an untitled session left by a crash) on the last
    project file, else the last workbooks (or the bundled sample), and run the event loop.
    `open_file`: a .kcplan to open instead (`kcplanner city.kcplan`, a double-click on the file)."""
    from .start import probe

    app = make_app(argv)
    clean_last_folder()
    from .common import read_cache

    read_cache.enable()  # the last workbooks (or the sample), unchanged since, are decoded, not read again
    from .mainwindow import MainWindow

    from .project.startup import start_app

    window = MainWindow()  # builds the Requests panel and installs the project support
    watch = probe.StartupProbe(window) if probe.enabled() else None  # benchmarks/bench_ui.py --startup
    window.show()
    if watch is not None:
        watch.mark("window_shown")
        window.session.resultsChanged.connect(lambda _r: watch.mark("data_loaded"))
    file_opener = FileOpenFilter(window)  # macOS hands a double-clicked .kcplan to the running app
    app.installEventFilter(file_opener)
    # an untitled session a crash left behind is offered first (Recover / Discard / Not Now); else
    # the last .kcplan, else the last workbooks, or the bundled sample
    start_app(window, _opener(window, open_file) if open_file else None)
    return app.exec()


class FileOpenFilter(QObject):
    """Open the .kcplan that the system asks the running app to open (QFileOpenEvent: macOS Finder's
    double-click or drop on the Dock icon; elsewhere the file comes as an argument: ui/launch.py)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.FileOpen and event.file().lower().endswith(".kcplan"):
            from .project.controller import install_project_support

            install_project_support(self.window).open_project(event.file())
            return True
        return False


def _opener(window, path: str):
    """The start that opens the project file given (if it cannot be opened: the usual start)."""
    def start() -> None:
        from .project.controller import install_project_support

        install_project_support(window).open_project(path, on_failure=window.open_initial)
    return start
