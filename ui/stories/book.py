"""The stories on screen and their undoable edits.

`StoryBook` holds the stories as an immutable tuple of `Story`; every change an analyst makes is a
`StoriesCommand` on the session's undo stack (Edit > Undo, the Undo history dock) holding the tuple
before and after, so undo gives back exactly the old stories.  Typing in one story merges into one
command until the analyst pauses (`merge_key`), like a slider drag on a scenario.  The project file
follows the book (keeper.py).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from kcplanner.project.stories import Story, check_story, unique_slug


class StoryBook(QObject):
    """The stories of the open document, in their order."""

    #: The stories changed: (merge key of the edit or None, what the History says before the
    #: change's own words: "" for an edit, "Undo “…”" / "Redo “…”", or None when they were loaded
    #: from the project file and are not an edit).
    changed = Signal(object, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.stories: tuple[Story, ...] = ()

    def set(self, stories, merge_key: str | None = None, note: str | None = "") -> None:
        stories = tuple(stories)
        if stories == self.stories:
            return
        self.stories = stories
        self.changed.emit(merge_key, note)

    def load(self, stories) -> None:
        """The stories the project file holds (not an edit: nothing is written back)."""
        self.set(stories, None, None)

    def find(self, slug: str) -> Story | None:
        return next((s for s in self.stories if s.slug == slug), None)

    def index(self, slug: str) -> int:
        return next((i for i, s in enumerate(self.stories) if s.slug == slug), -1)

    @property
    def slugs(self) -> list[str]:
        return [s.slug for s in self.stories]


class StoriesCommand(QUndoCommand):
    """One undo step: the stories before and after.  Commands with the same `merge_key` merge
    (typing in one story until a pause is one step)."""

    MERGE_ID = 4343

    def __init__(self, book: StoryBook, before: tuple[Story, ...], after: tuple[Story, ...], text: str,
                 merge_key: str | None = None):
        super().__init__(text)
        # `before`/`after`, not `old`/`new`: the untitled session reads `command(0).old` as a session State
        self.book = book
        self.before = before
        self.after = after
        self.merge_key = merge_key
        self._pushed = False

    def id(self) -> int:  # noqa: A003 - Qt's name
        return self.MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, StoriesCommand) or other.merge_key != self.merge_key or other.book is not self.book:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        note = f"Redo “{self.text()}”" if self._pushed else ""
        self._pushed = True
        self.book.set(self.after, self.merge_key, note)

    def undo(self) -> None:
        self.book.set(self.before, None, f"Undo “{self.text()}”")


# -- the edits an analyst makes -----------------------------------------------------------------------

def _push(stack, book: StoryBook, after: tuple[Story, ...], text: str, merge_key: str | None = None) -> bool:
    after = tuple(after)
    if after == book.stories:
        return False
    stack.push(StoriesCommand(book, book.stories, after, text, merge_key))
    return True


def add_story(stack, book: StoryBook, title: str, index: int | None = None) -> Story:
    """A new empty story titled `title` at `index` (None: last); its page address is made from the
    title.  ProjectError when the title cannot be used."""
    title = title.strip()
    story = check_story(Story(unique_slug(title, book.slugs), title, ""))
    stories = list(book.stories)
    stories.insert(len(stories) if index is None else max(0, min(len(stories), index)), story)
    _push(stack, book, stories, f"New story '{title}'")
    return story


def rename_story(stack, book: StoryBook, slug: str, title: str) -> bool:
    """A story's new title (its page address stays).  ProjectError when the title cannot be used."""
    old = book.find(slug)
    title = title.strip()
    if old is None or old.title == title:
        return False
    new = check_story(replace(old, title=title))
    return _push(stack, book, [new if s.slug == slug else s for s in book.stories],
                 f"Rename story '{old.title}' → '{title}'")


def remove_story(stack, book: StoryBook, slug: str) -> bool:
    old = book.find(slug)
    if old is None:
        return False
    return _push(stack, book, [s for s in book.stories if s.slug != slug], f"Remove story '{old.title}'")


def move_story(stack, book: StoryBook, slug: str, delta: int) -> bool:
    """Move a story `delta` places up (negative) or down the list."""
    i = book.index(slug)
    j = max(0, min(len(book.stories) - 1, i + delta))
    if i < 0 or i == j:
        return False
    stories = list(book.stories)
    stories.insert(j, stories.pop(i))
    return _push(stack, book, stories, f"Move story '{stories[j].title}' {'up' if j < i else 'down'}")


def set_text(stack, book: StoryBook, slug: str, markdown: str, merge_key: str | None = None, *,
             what: str | None = None) -> bool:
    """A story's new text; edits with the same `merge_key` (one burst of typing) are one undo step,
    named `what` (default: typing in the story)."""
    old = book.find(slug)
    if old is None or old.markdown == markdown:
        return False
    new = check_story(replace(old, markdown=markdown))
    return _push(stack, book, [new if s.slug == slug else s for s in book.stories],
                 what or f"Type in story '{old.title}'", merge_key)


__all__ = ["StoryBook", "StoriesCommand", "add_story", "rename_story", "remove_story", "move_story", "set_text"]
