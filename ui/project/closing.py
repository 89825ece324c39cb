"""The questions about unsaved work: Save / Don't Save / Cancel before a project is closed or
replaced and when the window closes (an untitled session asks through ui/project/untitled.py), and
the clean shutdown on application quit."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QMessageBox

from kcplanner.project import ProjectError

from . import untitled as ut
from .recovery import unsaved_box


class ClosingMixin:
    """Unsaved edits: ask, apply the answer, close; the window's close event."""

    def ask_unsaved(self, then: Callable[[str], None]) -> None:
        """Save / Don't Save / Cancel when the project has unsaved edits; `then(choice)` with
        "none" (nothing to ask), "save", "discard" or "cancel"."""
        p = self.project
        n = self._unsaved()
        if p is None or p.closed or p.read_only or n == 0:
            then("none")
            return
        if self.is_untitled:
            ut.ask_untitled(self, then)
            return
        if self.confirm_unsaved is not None:
            then(self.confirm_unsaved())
            return
        box = unsaved_box(self.main, p.path.name, n)
        choices = {box.button(QMessageBox.StandardButton.Save): "save",
                   box.button(QMessageBox.StandardButton.Discard): "discard"}
        self._show_box(box, lambda b: then(choices.get(b, "cancel")))

    def _apply_choice(self, choice: str) -> None:
        p = self.project
        if p is None or p.closed:
            return
        if self.is_untitled:
            if choice == "discard":  # Don't Save: the untitled session's file goes
                path = p.path
                self._detach()
                ut.discard_untitled(path)
            return
        if choice == "save":
            p.save()
        elif choice == "discard":
            p.revert_to_saved()

    def _replace_current(self, choice: str) -> None:
        """A new project replaces the open one: apply the Save/Don't Save answer, close it."""
        if self.project is not None:
            try:
                self._apply_choice(choice)
            except ProjectError as exc:
                self.status(str(exc))
            self._detach()

    def close_project(self, then: Callable[[], None] | None = None) -> None:
        """Close the project (asking about unsaved edits); `then()` runs unless cancelled."""
        def done(choice):
            if choice == "cancel":
                return
            try:
                self._apply_choice(choice)
            except ProjectError as exc:
                self.status(str(exc))
            self._detach()
            if then is not None:
                then()
        self.ask_unsaved(done)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.main and event.type() == QEvent.Type.Close:
            if self._untitled_task is not None:  # the untitled file is being created: close when it is open
                self._close_after_create = True
                event.ignore()
                return True
            p = self.project
            if (p is None or p.closed) and self._untitled_failed and not self._close_confirmed \
                    and self.session.undo_stack.count() > 0:  # edits that are in no file: ask all the same
                event.ignore()
                ut.ask_without_file(self, self._closing_answered)
                return True
            if p is None or p.closed:
                self._close_confirmed = False
                return False
            if self._close_confirmed or p.read_only or self._unsaved() == 0:
                self._close_confirmed = False
                self._detach()
                return False

            def answered(choice):
                if choice == "cancel":
                    self.status("Close cancelled")
                    return
                try:
                    self._apply_choice(choice)
                except ProjectError as exc:
                    self.status(str(exc))
                self._close_confirmed = True
                QTimer.singleShot(0, self.main.close)  # a close() inside the close event would be ignored
            event.ignore()
            self.ask_unsaved(answered)
            return True
        return super().eventFilter(obj, event)

    def _closing_answered(self, choice: str) -> None:
        if choice == "cancel":
            self.status("Close cancelled")
            return
        self._close_confirmed = True
        QTimer.singleShot(0, self.main.close)

    def shutdown(self) -> None:
        """Application quit: close the project cleanly (its edits are in the file either way; an
        untitled session's file stays and is offered at the next start)."""
        self._stopped = True
        if self.project is not None:
            self._detach()
