"""The Stories tab: the list of the open budget site's stories (new, rename, remove, move up and
down) beside the editor of the one selected.  Every change is an undoable edit (book.py) and goes
into the project file at once (keeper.py); File > Publish… puts the stories on the site."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QInputDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMessageBox, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from kcplanner.project import ProjectError

from . import book as edits
from .book import StoryBook
from .charts import ChartCatalogue, Problem
from .editor import StoryEditor

EMPTY_TEXT = ("No stories yet.\n\nA story tells residents what the budget does, in words, with the charts it "
              "names: New story… writes the first. File > Publish… puts the stories on the open budget site.")


class StoriesPanel(QWidget):
    """The Stories tab of one window; `book` holds the stories."""

    currentChanged = Signal(object)  # the selected story's slug, or None

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.stack = session.undo_stack
        self.book = StoryBook(self)
        self.read_only = False
        self._catalogue = ChartCatalogue()
        self._filling = False

        self.list = QListWidget()
        self.list.setAccessibleName("Stories")
        self.list.setToolTip("The stories in the order the site lists them")
        self.list.currentItemChanged.connect(lambda *_a: self._selected())
        self.list.itemDoubleClicked.connect(lambda _i: self.rename_dialog())
        self.new_button = _button("&New story…", "Add a story (its title makes its page address)", self.new_dialog)
        self.rename_button = _button("Re&name…", "Change the selected story's title", self.rename_dialog)
        self.remove_button = _button("&Remove", "Remove the selected story (Edit > Undo brings it back)",
                                     self.remove_selected)
        self.up_button = _button("Move &up", "Show the selected story earlier on the site",
                                 lambda: self.move_selected(-1))
        self.down_button = _button("Move &down", "Show the selected story later on the site",
                                   lambda: self.move_selected(1))
        self.editor = StoryEditor(self.book, self.stack, lambda: self.catalogue)
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.editor)

        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("&Stories")
        heading.setBuddy(self.list)
        lay.addWidget(heading)
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addWidget(self.rename_button)
        row.addWidget(self.remove_button)
        lay.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.up_button)
        row.addWidget(self.down_button)
        lay.addLayout(row)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.pages)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([260, 1000])
        split.setChildrenCollapsible(False)
        outer = QVBoxLayout(self)
        outer.addWidget(split)

        self.book.changed.connect(lambda *_a: self.refresh())
        session.datasetChanged.connect(self._dataset_changed)
        self.refresh()

    # -- what the panel shows ------------------------------------------------------------------------
    @property
    def catalogue(self) -> ChartCatalogue:
        """The charts of the open budget (read again when the data change)."""
        dataset = self.session.dataset
        if self._catalogue._dataset is not dataset:
            self._catalogue = ChartCatalogue.of(dataset)
        return self._catalogue

    @property
    def current_slug(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select(self, slug: str | None) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == slug:
                self.list.setCurrentRow(i)
                return

    def refresh(self) -> None:
        """The list follows the book (keeping the selection, else its neighbour)."""
        shown = [(self.list.item(i).data(Qt.ItemDataRole.UserRole), self.list.item(i).text())
                 for i in range(self.list.count())]
        if shown == [(s.slug, s.title) for s in self.book.stories] and (shown or self.current_slug is None):
            self._update_buttons()  # the text of a story changed: the list stays as it is
            return
        current, row = self.current_slug, self.list.currentRow()
        self._filling = True
        try:
            self.list.clear()
            for story in self.book.stories:
                item = QListWidgetItem(story.title)
                item.setData(Qt.ItemDataRole.UserRole, story.slug)
                item.setToolTip(f"stories/{story.slug}.html")
                self.list.addItem(item)
            if self.book.find(current) is not None:
                self.select(current)
            elif self.list.count():
                self.list.setCurrentRow(max(0, min(row, self.list.count() - 1)))
        finally:
            self._filling = False
        self._selected()

    def _selected(self) -> None:
        if self._filling:
            return
        slug = self.current_slug
        self.editor.set_story(slug)
        self.pages.setCurrentWidget(self.editor if slug else self.empty)
        self._update_buttons()
        self.currentChanged.emit(slug)

    def _update_buttons(self) -> None:
        can_edit = self.session.loaded and not self.read_only
        i, n = self.list.currentRow(), self.list.count()
        self.new_button.setEnabled(can_edit)
        for b in (self.rename_button, self.remove_button):
            b.setEnabled(can_edit and i >= 0)
        self.up_button.setEnabled(can_edit and i > 0)
        self.down_button.setEnabled(can_edit and 0 <= i < n - 1)
        self.editor.text.setReadOnly(not can_edit)
        self.editor.insert_button.setEnabled(can_edit and self.editor.chart_box.count() > 0)

    def set_read_only(self, read_only: bool) -> None:
        """A project open read-only: the stories show but cannot change."""
        self.read_only = bool(read_only)
        self._update_buttons()

    def _dataset_changed(self) -> None:
        self.editor.fill_charts()
        self._update_buttons()

    # -- edits (each one undoable) ---------------------------------------------------------------------
    def add(self, title: str) -> str:
        """A new story after the selected one; its slug."""
        i = self.list.currentRow()
        story = edits.add_story(self.stack, self.book, title, None if i < 0 else i + 1)
        self.select(story.slug)
        return story.slug

    def rename(self, slug: str, title: str) -> bool:
        return edits.rename_story(self.stack, self.book, slug, title)

    def remove(self, slug: str) -> bool:
        story = self.book.find(slug)
        done = edits.remove_story(self.stack, self.book, slug)
        window = self.window()
        if done and hasattr(window, "statusBar"):
            window.statusBar().showMessage(f"Removed story '{story.title}' (Edit > Undo brings it back)", 8000)
        return done

    def move(self, slug: str, delta: int) -> bool:
        done = edits.move_story(self.stack, self.book, slug, delta)
        self.select(slug)
        return done

    # -- the buttons' dialogs ----------------------------------------------------------------------------
    def new_dialog(self) -> None:
        title = self._ask_title("New story", "Title of the new story (residents read it on the site):", "")
        if title is not None:
            self._try(lambda: self.add(title))
            self.editor.text.setFocus()

    def rename_dialog(self) -> None:
        story = self.book.find(self.current_slug) if self.current_slug else None
        if story is None or self.read_only:
            return
        title = self._ask_title("Rename story", f"New title (the page stays stories/{story.slug}.html):", story.title)
        if title is not None:
            self._try(lambda: self.rename(story.slug, title))

    def remove_selected(self) -> None:
        if self.current_slug:
            self.remove(self.current_slug)

    def move_selected(self, delta: int) -> None:
        if self.current_slug:
            self.move(self.current_slug, delta)

    def _ask_title(self, caption: str, label: str, text: str) -> str | None:
        title, ok = QInputDialog.getText(self, caption, label, QLineEdit.EchoMode.Normal, text)
        return title.strip() if ok and title.strip() else None

    def _try(self, edit) -> None:
        try:
            edit()
        except ProjectError as exc:
            QMessageBox.warning(self, "Stories", str(exc))

    # -- for File > Publish… ---------------------------------------------------------------------------
    def for_site(self) -> list[dict]:
        """The stories as the site's publisher takes them, in their order."""
        return [self.catalogue.for_site(s) for s in self.book.stories]

    def problems(self) -> dict[str, list[Problem]]:
        """Story title → the tokens in it naming no chart of this budget."""
        out = {s.title: self.catalogue.problems(s.markdown) for s in self.book.stories}
        return {k: v for k, v in out.items() if v}


def _button(text: str, tip: str, slot) -> QPushButton:
    b = QPushButton(text)
    b.setToolTip(tip)
    b.clicked.connect(lambda _c=False: slot())
    return b


__all__ = ["StoriesPanel"]
