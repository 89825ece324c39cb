"""One story's editor: its markdown on the left, a live preview on the right, an Insert chart list
of the charts this budget has, and a warning in words for a token naming a chart it does not have.

Typing is one undoable edit per burst: every keystroke goes into the book (and the project file) at
once, merged into the burst's command until the analyst pauses for PAUSE_MS.  Undo and Redo keys
reach the window's Edit > Undo (the app's one undo stack), not the text box's own.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QFont, QKeySequence, QTextDocument
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QSplitter, QTextBrowser,
                               QVBoxLayout, QWidget)

from kcplanner.project import ProjectError

from .book import StoryBook, set_text
from .charts import ChartCatalogue, chart_token

PAUSE_MS = 1000          # a pause this long ends one undoable burst of typing
PREVIEW_DELAY_MS = 150   # the preview follows the text this long after the last keystroke
MARKDOWN = QTextDocument.MarkdownFeature.MarkdownDialectGitHub | QTextDocument.MarkdownFeature.MarkdownNoHTML
UNDO_KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)


class MarkdownEdit(QPlainTextEdit):
    """The text box; Ctrl+Z / Ctrl+Shift+Z are left to the window's Undo and Redo."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setUndoRedoEnabled(False)
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        self.setFont(font)
        self.setTabChangesFocus(True)  # Tab moves on (keyboard users); markdown needs no tabs

    def event(self, e) -> bool:
        if e.type() == QEvent.Type.ShortcutOverride and any(e.matches(k) for k in UNDO_KEYS):
            e.ignore()  # not ours: the window's shortcut runs
            return False
        return super().event(e)


class StoryEditor(QWidget):
    """The editor of the story `slug` of a `StoryBook`."""

    def __init__(self, book: StoryBook, stack, catalogue: Callable[[], ChartCatalogue], parent=None):
        super().__init__(parent)
        self.book = book
        self.stack = stack
        self.catalogue = catalogue
        self.slug: str | None = None
        self._burst = 0
        self._applying = False
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        f = self.title.font()
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        self.title.setFont(f)
        self.address = QLabel()
        self.address.setToolTip("The story's page on the site; it stays when the story is renamed, so links keep "
                                "working")
        self.chart_box = QComboBox()
        self.chart_box.setMinimumContentsLength(30)
        self.chart_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.chart_box.setToolTip("The charts of this budget a story can show (with their tables) on the site")
        self.insert_button = QPushButton("&Insert chart")
        self.insert_button.setToolTip("Put the chart chosen on the left at the cursor, on a line of its own")
        self.insert_button.clicked.connect(lambda: self.insert_chart())
        chart_label = QLabel("C&hart:")
        chart_label.setBuddy(self.chart_box)
        self.text = MarkdownEdit()
        self.text.setPlaceholderText("Write the story in markdown: # a heading, **bold**, - a list item, "
                                     "[a link](https://…). Insert chart puts a chart where the cursor is.")
        self.text.setAccessibleName("Story text (markdown)")
        self.text.textChanged.connect(self._typed)
        self.preview = QTextBrowser()
        self.preview.setOpenLinks(False)
        self.preview.setAccessibleName("Preview")
        self.preview.setToolTip("How the story reads (the site shows each chart with its table where it is named)")
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.setStyleSheet("QLabel { background: #fff3cd; color: #5c4400; border: 1px solid #e0c36a; "
                                   "padding: 4px; }")
        self.warning.hide()

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.address)
        charts = QHBoxLayout()
        charts.addWidget(chart_label)
        charts.addWidget(self.chart_box, 1)
        charts.addWidget(self.insert_button)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(_titled("Text (markdown)", self.text))
        split.addWidget(_titled("Preview", self.preview))
        split.setChildrenCollapsible(False)
        self.splitter = split
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addLayout(charts)
        lay.addWidget(self.warning)
        lay.addWidget(split, 1)

        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(PAUSE_MS)
        self._pause.timeout.connect(self.end_burst)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        book.changed.connect(lambda *_a: self.sync())

    # -- the story shown ---------------------------------------------------------------------------
    def set_story(self, slug: str | None) -> None:
        if slug != self.slug:
            self.end_burst()
            self.slug = slug
        self.sync()

    def sync(self) -> None:
        """Show the book's state of the story (after an edit, an undo, a load)."""
        story = self.book.find(self.slug) if self.slug else None
        if story is None:
            self.slug = None
        self.title.setText(story.title if story else "")
        self.address.setText(f"Page: stories/{story.slug}.html" if story else "")
        markdown = story.markdown if story else ""
        if self.text.toPlainText() != markdown:  # changed elsewhere (undo, redo, a load): a new burst after it
            self.end_burst()
            self._set_text(markdown)
        self._preview_timer.start()

    def fill_charts(self) -> None:
        """The Insert chart list: this budget's charts, by title."""
        current = self.chart_box.currentData()
        self.chart_box.clear()
        for name, title in self.catalogue().charts:
            self.chart_box.addItem(title, name)
            self.chart_box.setItemData(self.chart_box.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
        i = self.chart_box.findData(current)
        self.chart_box.setCurrentIndex(max(0, i))
        self.insert_button.setEnabled(self.chart_box.count() > 0)
        self._preview_timer.start()

    # -- editing -------------------------------------------------------------------------------------
    def end_burst(self) -> None:
        """The next keystroke starts a new undoable edit."""
        self._pause.stop()
        self._burst += 1

    def _typed(self) -> None:
        if self._applying or self.slug is None:
            return
        try:
            set_text(self.stack, self.book, self.slug, self.text.toPlainText(), f"story-text:{self.slug}:{self._burst}")
        except ProjectError as exc:  # too long: the text box goes back to the story's text
            self._refused(exc)
            return
        self._pause.start()
        self._preview_timer.start()

    def insert_chart(self, name: str | None = None) -> bool:
        """Put chart `name` (default: the one chosen in the list) at the cursor, on a line of its own,
        as one undoable edit."""
        name = name or self.chart_box.currentData()
        if not name or self.slug is None:
            return False
        cursor = self.text.textCursor()
        block = cursor.block().text()
        at = cursor.positionInBlock()
        token = chart_token(name)
        before = "" if not block[:at].strip() else "\n"
        after = "\n" if block[at:].strip() or cursor.atEnd() else ""
        self.end_burst()
        self._applying = True
        try:
            cursor.insertText(before + token + after)
            self.text.setTextCursor(cursor)
        finally:
            self._applying = False
        story = self.book.find(self.slug)
        try:
            set_text(self.stack, self.book, self.slug, self.text.toPlainText(),
                     what=f"Insert chart “{self.catalogue().title(name)}” in story '{story.title}'")
        except ProjectError as exc:  # the text would be too long: it goes back as it was
            self._refused(exc)
            return False
        self.text.setFocus()
        return True

    def _refused(self, exc: ProjectError) -> None:
        """An edit the story cannot take: the text box goes back to the story, the reason in words."""
        self.end_burst()
        self._set_text(self.book.find(self.slug).markdown if self.book.find(self.slug) else "")
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(f"Not applied: {exc}", 15000)

    def _set_text(self, markdown: str) -> None:
        """Replace the text box's text, keeping the cursor where it was as far as the text allows."""
        position = self.text.textCursor().position()
        self._applying = True
        try:
            self.text.setPlainText(markdown)
            cursor = self.text.textCursor()
            cursor.setPosition(min(position, len(markdown)))
            self.text.setTextCursor(cursor)
        finally:
            self._applying = False

    # -- the preview and the warning -----------------------------------------------------------------
    def update_preview(self) -> None:
        catalogue = self.catalogue()
        markdown = self.text.toPlainText()
        story = self.book.find(self.slug) if self.slug else None
        heading = f"# {story.title}\n\n" if story else ""
        bar = self.preview.verticalScrollBar().value()
        self.preview.document().setMarkdown(heading + catalogue.preview(markdown), MARKDOWN)
        self.preview.verticalScrollBar().setValue(bar)
        problems = catalogue.problems(markdown)
        if problems:
            shown = [p.words() for p in problems[:5]] + ([f"… and {len(problems) - 5} more."] if len(problems) > 5
                                                        else [])
            self.warning.setText(" ".join(shown) + " Publishing stops at such a name: choose one from the Chart "
                                 "list (Insert chart) or remove it.")
            self.warning.show()
        else:
            self.warning.hide()


def _titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    label = QLabel(title)
    label.setBuddy(widget)
    lay.addWidget(label)
    lay.addWidget(widget, 1)
    return box


__all__ = ["StoryEditor", "MarkdownEdit", "PAUSE_MS"]
