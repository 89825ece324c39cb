"""Scenario files: Scenario > Save scenario to file / Save scenario to file as… (.json) and File > Open
scenario… (a .json, or a workbook exported by kcplanner), and the scenario list's Open…/Save… buttons.

Each scenario opened from or saved to a .json remembers its file (`scenario_paths`), so Save writes
there again; a new load of workbooks forgets them.  A project file (.kcplan) is ui/project/.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox, QStyle

from kcplanner.atomic import OutputError
from kcplanner.scenario import ScenarioError, save_scenario

from ..common import settings as st
from ..common.edits import unique_name


def safe_name(text: str) -> str:
    from kcplanner.filenames import safe_file_name
    return safe_file_name(text, fallback="scenario", max_bytes=110)  # room for the extension


class ScenarioFiles(QObject):
    """The current scenario to and from files."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.scenario_paths: dict[str, str] = {}
        SP = QStyle.StandardPixmap
        action = window.make_action
        # Ctrl+S / Ctrl+Shift+S belong to the project (Save Project / Save Project As…, added by
        # ui/project/controller.py); a scenario file (.json) is saved from the Scenario menu
        self.save_action = action("&Save scenario to file", self.save_scenario, None,
                                  "Save the current scenario to its .json file", SP.SP_DialogSaveButton)
        self.save_scenario_as_action = action("Save scenario to file &as…", self.save_scenario_as, None,
                                              "Save the current scenario as a new .json file")
        self.open_scenario_action = action("&Open scenario…", self.open_scenario, None,
                                           "Add a scenario from a file (.json, or a workbook exported by kcplanner)")
        window.scenario_list.openRequested.connect(self.open_scenario)
        window.scenario_list.saveRequested.connect(self.save_scenario_as)
        window.workbooks.loadFinished.connect(lambda loaded: loaded and self.scenario_paths.clear())

    def open_scenario(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self.window, "Open a scenario", st.get_str(st.KEY_LAST_DIR, ""),
                "Scenarios (*.json *.xlsx *.xlsm);;Scenario files (*.json);;Exported workbooks (*.xlsx *.xlsm);;"
                "All files (*)")
        if not path:
            return
        from kcplanner.exports import ExportError, load_any_scenario

        try:
            scenario = load_any_scenario(path)
        except (ScenarioError, ExportError, OSError) as exc:
            QMessageBox.warning(self.window, "Could not open the scenario", str(exc))
            return
        names = [s.name for s in self.session.scenarios]
        scenario = scenario.rename(unique_name(scenario.name, names))  # the undo text names it as added
        self.session.add_scenario(scenario, f"Open scenario '{scenario.name}'")
        if Path(path).suffix.lower() == ".json":  # Save scenario writes .json: never over a workbook
            self.scenario_paths[scenario.name] = path
        self.session.flush()
        bad = len(self.session.results.invalid_rules) if self.session.results else 0
        self.window.statusBar().showMessage(f"Opened {Path(path).name}" + (f": {bad} invalid rule(s), see Rules" if bad else ""),
                                     10000)

    def save_scenario(self) -> None:
        path = self.scenario_paths.get(self.session.scenario.name)
        if path:
            self._write_scenario(path)
        else:
            self.save_scenario_as()

    def save_scenario_as(self, path: str | None = None) -> None:
        if not path:
            start = str(Path(st.get_str(st.KEY_LAST_DIR, "")) / f"{safe_name(self.session.scenario.name)}.json")
            path, _ = QFileDialog.getSaveFileName(self.window, "Save the scenario", start, "Scenarios (*.json)")
        if path:
            self._write_scenario(path)

    def _write_scenario(self, path: str) -> None:
        try:
            save_scenario(self.session.scenario, path)
        except (OSError, OutputError) as exc:
            QMessageBox.warning(self.window, "Could not save the scenario", str(exc))
            return
        self.scenario_paths[self.session.scenario.name] = path
        self.session.undo_stack.setClean()
        self.window.statusBar().showMessage(f"Saved {path}", 8000)
