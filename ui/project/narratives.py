"""Justification narratives (the Requests panel's `narratives`) kept in the project: each change
writes the narratives that differ from the file (`put_narrative`, one audited row each); opening a
project loads its narratives into the panel."""

from __future__ import annotations

from kcplanner.project import ProjectError

from . import untitled as ut
from .apply import _key


class NarrativesMixin:
    """The Requests panel's narratives ↔ the project file."""

    def _requests_panel(self):
        return getattr(self.main, "requests_panel", None)

    def _panel_narratives(self) -> dict[str, tuple[str, dict]]:
        panel = self._requests_panel()
        items = getattr(panel, "narratives", None) or {}
        return {_key(rid): (str(rid), n.to_dict() if hasattr(n, "to_dict") else dict(n)) for rid, n in items.items()}

    def _load_narratives(self) -> None:
        """The project's narratives → the Requests panel (replacing what it held)."""
        try:
            stored = self.project.narratives()
        except ProjectError as exc:
            self.status(f"The justifications could not be read from the project: {exc}")
            stored = {}
        self._narratives_stored = {_key(rid): (rid, d) for rid, d in stored.items()}
        panel = self._requests_panel()
        if panel is not None and hasattr(panel, "narratives"):
            from kcplanner.justification import JustificationNarrative
            panel.narratives = {rid: JustificationNarrative.from_dict(d) for rid, d in stored.items()}

    def _write_narratives(self) -> int:
        """Write the panel's narratives that differ from the file (added, changed, removed)."""
        if self.project is None and self._panel_narratives():
            ut.start_untitled(self)  # a justification written with no project: autosave it
        if not self._writable():
            return 0
        current = self._panel_narratives()
        n = 0
        try:
            for key, item in current.items():
                if self._narratives_stored.get(key) != item:
                    n += self.project.put_narrative(item[0], item[1]) is not None
                    self._narratives_stored[key] = item
            for key in [k for k in self._narratives_stored if k not in current]:
                n += self.project.put_narrative(self._narratives_stored[key][0], None) is not None
                del self._narratives_stored[key]
        except ProjectError as exc:
            self.status(f"The justification could not be written to the project: {exc}")
        if n:
            self.history.schedule()
            self._update_actions()
            self.recorded.emit(n)
        return n
