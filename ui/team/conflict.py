"""When a save meets a newer version (ConflictError): who changed the scenario and when, what
differs, and Keep mine / Take theirs / Save mine as a copy (kcplanner.project.postgres.conflicts).
Whichever is chosen, both versions stay in the History.  And when the server went away during a
save (ConnectionLost): its message, with Retry / Cancel."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from kcplanner.project import describe_change

CHOICES = ("mine", "theirs", "copy")


def local_time(utc_iso: str) -> str:
    """`2026-12-02T09:14:03.120Z` → `2026-12-02 10:14:03` in the computer's time zone."""
    try:
        return datetime.fromisoformat(utc_iso.replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (ValueError, AttributeError):
        return str(utc_iso)


def conflict_text(error) -> str:
    """The dialog's words: who, when, which versions, and what differs."""
    theirs, mine = error.theirs, error.mine
    when = local_time(theirs.changed_at)
    if theirs.value is None:
        head = f"<b>{theirs.changed_by}</b> deleted scenario <b>{_h(error.name)}</b> at {when}"
    else:
        head = (f"<b>{theirs.changed_by}</b> changed scenario <b>{_h(error.name)}</b> at {when} "
                f"(version {theirs.version})")
    lines = [head + f", after you loaded version {error.expected_version}. Nothing was overwritten."]
    if mine is None:
        lines.append("You deleted it.")
    elif theirs.value is not None:
        lines.append(f"Yours differs from theirs: {_h(describe_change(theirs.value, mine))}.")
    lines.append("Whichever you choose, both versions stay in the History.")
    return "<br><br>".join(lines)


class ConflictDialog(QDialog):
    """The three choices; `choice` is "mine", "theirs" or "copy" once one is clicked.  It cannot be
    dismissed without choosing (the window must know which version it shows)."""

    def __init__(self, parent: QWidget | None, error):
        super().__init__(parent)
        self.setObjectName("conflict_dialog")
        self.setWindowTitle(f"Someone else changed '{error.name}'")
        self.error = error
        self.choice: str | None = None
        text = QLabel(conflict_text(error))
        text.setWordWrap(True)
        self.mine_button = QPushButton("Keep mine")
        self.mine_button.setToolTip("Save your version over theirs (theirs stays in the History as the version before)")
        self.theirs_button = QPushButton("Take theirs")
        self.theirs_button.setToolTip("Show their version; yours is kept in the History (a Conflict row)")
        self.copy_button = QPushButton("Save mine as a copy")
        self.copy_button.setToolTip(f"Keep theirs as '{error.name}' and save yours as a new scenario beside it")
        self.copy_button.setEnabled(error.mine is not None)  # a deletion has nothing to copy
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for choice, b in zip(CHOICES, (self.mine_button, self.theirs_button, self.copy_button)):
            b.clicked.connect(lambda _c=False, choice=choice: self.choose(choice))
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addLayout(buttons)
        self.setMinimumWidth(520)
        self.theirs_button.setDefault(True)

    def choose(self, choice: str) -> None:
        self.choice = choice
        self.done(QDialog.DialogCode.Accepted)

    def reject(self) -> None:  # Esc: no silent choice
        return


def resolve_conflict(parent: QWidget | None, project, error) -> str | None:
    """Ask (modal), then settle the conflict on the server: `keep_mine`, `take_theirs` or
    `save_as_copy`.  Returns the choice ("mine", "theirs", "copy"), or None when the dialog was closed
    without one (nothing was done).  Errors of the settling (another ConflictError, ConnectionLost)
    are the caller's."""
    from kcplanner.project.postgres import keep_mine, save_as_copy, take_theirs

    dialog = ConflictDialog(parent, error)
    dialog.exec()
    choice = dialog.choice
    dialog.deleteLater()
    if choice == "mine":
        keep_mine(project, error)
    elif choice == "theirs":
        take_theirs(project, error)
    elif choice == "copy":
        save_as_copy(project, error)
    return choice


def connection_lost(parent: QWidget | None, error) -> bool:
    """ConnectionLost's message with Retry / Cancel; True for Retry (the next call connects again)."""
    box = QMessageBox(QMessageBox.Icon.Warning, "The connection to the server was lost", str(error),
                      QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("connection_lost")
    box.setInformativeText("Retry saves it again (kcplanner connects again by itself); Cancel undoes it here "
                           "(Edit > Redo brings it back).")
    box.setDefaultButton(QMessageBox.StandardButton.Retry)
    box.exec()
    retry = box.clickedButton() is box.button(QMessageBox.StandardButton.Retry)
    box.deleteLater()
    return retry


def _h(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["resolve_conflict", "connection_lost", "ConflictDialog", "conflict_text", "CHOICES"]
