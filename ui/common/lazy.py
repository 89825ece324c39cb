"""Tabs whose panels are built when first shown: start-up pays only for the tab on screen.

Each tab starts as an empty placeholder.  The panel is built when its tab becomes current, or when
code asks for it (`LazyTabs.panel(name)`: `window.kpis` does, so tests and features that need a
panel early get it built), and then takes the placeholder's place in the QTabWidget (same index,
title and tooltip), so `tabs.indexOf(window.kpis)` and `tabs.currentWidget() is window.kpis` hold.

A panel built late has missed the session's signals.  It is built on a `SessionRelay`: an object
with the session's signals, fed by the session's own (signal to signal, in C++), that passes every
other attribute through to the session.  Right after building, the relay replays the current state
to that one panel (datasetChanged, scenariosChanged, scenarioChanged, resultsChanged(results),
yearChanged(year)) as if it had listened from the start; the other panels hear nothing.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

#: The session's signals a relay repeats (ui/session.py); any other attribute is the session's own.
RELAYED = ("datasetChanged", "scenariosChanged", "scenarioChanged", "resultsChanged", "recalculated",
           "yearChanged", "dataReplaced")


class SessionRelay(QObject):
    """The session as one late-built panel sees it: the same signals and attributes, plus `replay()`."""

    datasetChanged = Signal()
    scenariosChanged = Signal()
    scenarioChanged = Signal()
    resultsChanged = Signal(object)
    recalculated = Signal(float, float)
    yearChanged = Signal(int)
    dataReplaced = Signal(str)

    def __init__(self, session, parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        for name in RELAYED:
            getattr(session, name).connect(getattr(self, name))

    def __getattr__(self, name: str):
        # only for names the relay does not have: the session's data, methods and undo stack
        return getattr(self.__dict__["_session"] if "_session" in self.__dict__ else None, name)

    @property
    def session(self):
        """The real session behind the relay."""
        return self._session

    def replay(self) -> None:
        """Tell the relay's listeners the current state, as a load would have (nothing before a load)."""
        s = self._session
        if s.prepared is None:
            return
        self.datasetChanged.emit()
        self.scenariosChanged.emit()
        self.scenarioChanged.emit()
        if s.results is not None:
            self.resultsChanged.emit(s.results)
        self.yearChanged.emit(s.year)


class Placeholder(QWidget):
    """The empty page a tab shows until its panel is built (normally never seen: the panel is
    built as the tab becomes current)."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.setObjectName(f"placeholder_{name}")
        QVBoxLayout(self)


class LazyTabs(QObject):
    """The lazily built panels of one QTabWidget, by feature name."""

    built = Signal(str, object)  # (feature name, panel): the panel now sits in its tab

    def __init__(self, tabs: QTabWidget, session, parent: QObject | None = None):
        super().__init__(parent)
        self.tabs = tabs
        self.session = session
        self._builders: dict[str, Callable[[SessionRelay], QWidget]] = {}
        self._placeholders: dict[str, Placeholder] = {}
        self._relays: dict[str, SessionRelay] = {}
        self._panels: dict[str, QWidget] = {}
        self._building: set[str] = set()
        tabs.currentChanged.connect(self._current_changed)

    def add(self, name: str, title: str, build: Callable[[SessionRelay], QWidget]) -> Placeholder:
        """A tab titled `title` whose panel `build(relay)` makes when first needed.  The relay is made
        now, so its place among the session's listeners is the tab's place in the tab order."""
        page = Placeholder(name)
        self._builders[name] = build
        self._placeholders[name] = page
        self._relays[name] = SessionRelay(self.session, self)
        self.tabs.addTab(page, title)
        return page

    def __contains__(self, name: str) -> bool:
        return name in self._builders

    def is_built(self, name: str) -> bool:
        return name in self._panels

    def built_panel(self, name: str) -> QWidget | None:
        return self._panels.get(name)

    def names(self) -> list[str]:
        return list(self._builders)

    def panel(self, name: str) -> QWidget:
        """The panel of `name`, built (and put in its tab, the current state replayed to it) if it was not."""
        panel = self._panels.get(name)
        if panel is not None:
            return panel
        if name in self._building:
            raise RuntimeError(f"the {name} panel asked for itself while it was being built")
        self._building.add(name)
        try:
            relay = self._relays[name]
            panel = self._builders[name](relay)
            self._panels[name] = panel
            self._swap_in(self._placeholders.pop(name), panel)
            relay.replay()
        finally:
            self._building.discard(name)
        self.built.emit(name, panel)
        return panel

    def build_current(self) -> None:
        """Build the current tab's panel if it is still a placeholder."""
        page = self.tabs.currentWidget()
        if isinstance(page, Placeholder) and page.name in self._builders:
            self.panel(page.name)

    def build_all(self) -> None:
        for name in self.names():
            self.panel(name)

    def _current_changed(self, _index: int) -> None:
        self.build_current()

    def _swap_in(self, page: Placeholder, panel: QWidget) -> None:
        tabs = self.tabs
        i = tabs.indexOf(page)
        current = tabs.currentIndex()
        title, tip, icon = tabs.tabText(i), tabs.tabToolTip(i), tabs.tabIcon(i)
        blocked = tabs.blockSignals(True)  # the same tab stays current: nobody hears a change
        try:
            tabs.insertTab(i, panel, icon, title)
            tabs.setTabToolTip(i, tip)
            tabs.removeTab(i + 1)
            tabs.setCurrentIndex(current)
        finally:
            tabs.blockSignals(blocked)
        page.deleteLater()
