"""What the window tells the analyst about the project: the title part (`budget.kcplan (read-only)`,
`(unsaved changes)`, untitled), the status bar, window-modal message boxes, failures (a
ProjectError's message, never a traceback) and the info bar on opening (recovered journal, read-only
because another kcplanner holds the lock, an untitled session, changed source workbooks)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QMessageBox

from kcplanner.project import ProjectError

from .where import display_name, is_shared


class NoticesMixin:
    """Title, status bar, message boxes and the info bar of the project controller."""

    def _title_changed(self, title: str) -> None:
        if self._setting_title:
            return
        self._base_title = title
        self._apply_title()

    def title_part(self) -> str:
        """`budget.kcplan`, `budget.kcplan (unsaved changes)`, `budget.kcplan (read-only)`, or ""."""
        p = self.project
        if p is None or p.closed:
            return ""
        if self.is_untitled:
            return "Untitled (not saved in a project file)"
        if is_shared(p):  # every change is on the server: never "unsaved"
            return f"{display_name(p)} (shared{', read-only' if p.read_only else ''})"
        state = " (read-only)" if p.read_only else (" (unsaved changes)" if self._unsaved() else "")
        return f"{p.path.name}{state}"

    def _apply_title(self) -> None:
        if hasattr(self.main, "_update_title"):
            self.main._update_title()
            return
        base = self._base_title
        p = self.project
        if p is None or p.closed:
            title = base
        else:
            part = self.title_part()
            suffix = " — kcplanner"
            head = base[: -len(suffix)] if base.endswith(suffix) else base
            title = f"{head} — {part}{suffix}" if head and head != "kcplanner" else f"{part}{suffix}"
        if self.main.windowTitle() != title:
            self._setting_title = True
            try:
                self.main.setWindowTitle(title)
            finally:
                self._setting_title = False

    def status(self, text: str, ms: int = 10000) -> None:
        self.main.statusBar().showMessage(text, ms)

    def _show_box(self, box: QMessageBox, on_finished: Callable | None = None) -> QMessageBox:
        """Open a box window-modally without blocking; `on_finished(clicked_button)`."""
        if self.message_box is not None and self.message_box is not box:
            self.message_box.close()
        self.message_box = box
        if on_finished is not None:
            box.finished.connect(lambda _r, b=box: on_finished(b.clickedButton()))
        box.open()
        return box

    def _failed(self, title: str, error) -> None:
        """A ProjectError's message (no traceback), or the details of an unexpected failure."""
        self._close_progress()
        if isinstance(error, ProjectError):
            text = str(error)
            box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Close, self.main)
        else:
            text = "Something went wrong; nothing was changed."
            box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Close, self.main)
            box.setDetailedText(str(error))
        self._show_box(box)
        self.status(f"{title}: {text}")
        self.failed.emit(text)

    def _show_notices(self, created: bool) -> None:
        p = self.project
        if is_shared(p):  # who may change what is said by ui/team/ (the info bar and the status bar)
            self.bar.hide()
            n = self.session.prepared.n_lines if self.session.prepared is not None else 0
            self.status(f"Opened the shared project {display_name(p)} as {p.user}: {n:,} line items, "
                        f"{len(p.scenarios)} scenario{'s' * (len(p.scenarios) != 1)}", 15000)
            return
        parts, actions, level = [], [], "info"
        if p.recovered is not None:
            parts.append(p.recovered.message)
            level = "warning"
        if p.read_only:
            parts.append(f"{p.path.name} is open read-only: changes you make are not saved to it "
                         "(File > Save Project As… makes a copy you can change).")
            level = "warning"
        if self.is_untitled and not created:
            parts.append("This is the work of a session that was not saved in a project file: File > Save Project "
                         "keeps it in a file you name.")
            level = "warning"
        if self.changes and not p.read_only:
            names = "; ".join(c.describe() for c in self.changes[:5])
            more = f" (and {len(self.changes) - 5} more)" if len(self.changes) > 5 else ""
            parts.append(f"The source workbooks changed since they were imported: {names}{more}.")
            actions.append(("Show Changes…", self.reimport))
        if parts:
            self.bar.show_message("<br>".join(_html(t) for t in parts), level, actions)
        else:
            self.bar.hide()
        name = p.path.name
        if p.recovered is not None:
            self.status(p.recovered.message, 0)
        elif self.is_untitled and created:
            self.status("Your edits are autosaved (File > Save Project keeps them in a project file you name)", 15000)
        elif created:
            self.status(f"Created the project {name}: every change is now saved as it happens", 15000)
        else:
            n = self.session.prepared.n_lines if self.session.prepared is not None else 0
            self.status(f"Opened {name}: {n:,} line items, {len(p.scenarios)} scenario"
                        f"{'s' * (len(p.scenarios) != 1)}" + (f"; {len(self.changes)} source workbook(s) changed"
                                                              if self.changes else ""), 15000)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
