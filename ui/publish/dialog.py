"""The File > Publish… dialog: which folder the site goes into (remembered), which scenario it shows
(the current one by default), and what it will do, in words, before anything is written: a new
folder, an earlier site replaced, a folder of other files refused, a story naming a chart this
budget does not have."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from kcplanner.publish import SITE_MARKER

SUBFOLDER = "open-budget-site"  # where the site goes inside a chosen folder that holds other files


def folder_state(folder: str) -> tuple[bool, str]:
    """(can publish there, what publishing does to the folder, in words)."""
    if not folder.strip():
        return False, "Choose the folder the site goes into."
    path = Path(folder).expanduser()
    if path.exists() and not path.is_dir():
        return False, f"{path} is a file: choose a folder."
    if not path.exists():
        if not path.parent.is_dir():
            return False, f"The folder {path.parent} does not exist."
        return True, "A new folder is made for the site."
    if (path / SITE_MARKER).is_file():
        return True, "The site published here before is replaced."
    if any(path.iterdir()):
        return False, ("This folder holds other files, which publishing never replaces: choose a new or empty "
                       "folder.")
    return True, "The site is written into this empty folder."


class PublishDialog(QDialog):
    """Folder and scenario; `folder()` and `scenario_name()` once accepted."""

    def __init__(self, folder: str, scenarios: list[str], current: int, stories: list[str],
                 problems: dict[str, list], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Publish the open budget site")
        self.setMinimumWidth(620)
        intro = QLabel("Writes the open budget site for residents into a folder: the city, every department and "
                       "goal, the stories and the open data (CSV). Open its index.html from the folder, or copy "
                       "the folder to any web host.")
        intro.setWordWrap(True)
        self.folder_edit = QLineEdit(folder)
        self.folder_edit.setPlaceholderText("The folder of the site")
        self.folder_edit.textChanged.connect(self._check)
        choose = QPushButton("&Choose…")
        choose.clicked.connect(self.choose_folder)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(choose)
        self.folder_note = QLabel()
        self.folder_note.setWordWrap(True)
        self.scenario_box = QComboBox()
        self.scenario_box.addItems(scenarios)
        self.scenario_box.setCurrentIndex(current)
        self.scenario_box.setToolTip("The site shows the budget as this scenario makes it")
        self.stories_note = QLabel(_stories_words(stories))
        self.stories_note.setWordWrap(True)
        self.problems_note = QLabel(_problem_words(problems))
        self.problems_note.setWordWrap(True)
        self.problems_note.setStyleSheet("QLabel { color: #8a1c1c; }")
        self.problems_note.setVisible(bool(problems))
        self._problems = bool(problems)

        form = QFormLayout()
        folder_label = QLabel("&Folder:")
        folder_label.setBuddy(self.folder_edit)
        form.addRow(folder_label, row)
        form.addRow("", self.folder_note)
        scenario_label = QLabel("&Scenario:")
        scenario_label.setBuddy(self.scenario_box)
        form.addRow(scenario_label, self.scenario_box)
        form.addRow("Stories:", self.stories_note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.publish_button = self.buttons.addButton("&Publish", QDialogButtonBox.ButtonRole.AcceptRole)
        self.publish_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.problems_note)
        lay.addWidget(self.buttons)
        self._check()

    def folder(self) -> str:
        return str(Path(self.folder_edit.text().strip()).expanduser())

    def scenario_name(self) -> str:
        return self.scenario_box.currentText()

    def choose_folder(self) -> None:
        start = self.folder_edit.text().strip()
        start = str(Path(start).parent) if start and not Path(start).is_dir() else start
        chosen = QFileDialog.getExistingDirectory(self, "The folder of the site", start)
        if chosen:
            self.set_folder(chosen)

    def set_folder(self, folder: str) -> None:
        """A chosen folder; one holding other files gets the site in its subfolder SUBFOLDER."""
        ok, _ = folder_state(folder)
        if not ok and Path(folder).is_dir():
            folder = str(Path(folder) / SUBFOLDER)
        self.folder_edit.setText(folder)

    def _check(self) -> None:
        ok, words = folder_state(self.folder_edit.text())
        self.folder_note.setText(words)
        self.folder_note.setStyleSheet("" if ok else "QLabel { color: #8a1c1c; }")
        self.publish_button.setEnabled(ok and not self._problems)


def _stories_words(titles: list[str]) -> str:
    if not titles:
        return "None yet (the Stories tab writes them); the site is published without stories."
    shown = ", ".join(f"“{t}”" for t in titles[:6]) + (f" and {len(titles) - 6} more" if len(titles) > 6 else "")
    return f"{len(titles)} stor{'ies' if len(titles) != 1 else 'y'}: {shown}."


def _problem_words(problems: dict[str, list]) -> str:
    if not problems:
        return ""
    lines = [f"Story “{title}”: " + " ".join(p.words() for p in found) for title, found in problems.items()]
    return ("These stories name charts this budget does not have; fix them in the Stories tab before publishing:\n"
            + "\n".join(lines))


__all__ = ["PublishDialog", "folder_state", "SUBFOLDER"]
