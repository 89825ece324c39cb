"""The stories ↔ the project file, like the scenarios: every change on screen is written at once
(one audited row a story changed; a burst of typing updates one row), so the file always holds
what the Stories tab shows and a crash loses nothing.

- A project opened (or re-imported): its stories replace the book's (they are not an edit).
- A project created from the open session (File > New Project, the untitled session, Save As): the
  book's stories go into it.
- Other workbooks opened: a new document, with no stories.
- A story edited with no project open starts the untitled session (ui/project/untitled.py), whose
  file then receives the stories.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from kcplanner.project import ProjectError
from kcplanner.project.stories import describe_story_change

from ..project import untitled as ut
from .book import StoryBook


class StoriesKeeper(QObject):
    """Keeps the project controller's open project in step with a `StoryBook`."""

    def __init__(self, book: StoryBook, controller, session):
        super().__init__(controller)
        self.book = book
        self.controller = controller
        self.session = session
        self._stale = False  # data were loaded: the book no longer belongs to the document
        book.changed.connect(self._book_changed)
        controller.projectChanged.connect(self._project_changed)
        session.dataReplaced.connect(self._data_replaced)

    # -- which stories the document has ------------------------------------------------------------
    def _project(self):
        """The open project file; None without one, and for a shared project (it keeps no stories)."""
        p = self.controller.project
        return p if p is not None and not p.closed and hasattr(p, "stories") else None

    def _data_replaced(self, why: str) -> None:
        if why != "load":
            return
        self._stale = True
        QTimer.singleShot(0, self._settle)  # by then the controller has attached or closed its project

    def _settle(self) -> None:
        if not self._stale:
            return
        self._stale = False
        self._load_from(self._project())

    def _project_changed(self, project) -> None:
        project = self._project() if project is not None else None
        if self._stale:  # a project opened (or other data loaded): the file's stories, not the book's
            self._stale = False
            self._load_from(project)
        elif project is not None:  # created from this session, or saved as a new file: the book goes in
            self.write()

    def _load_from(self, project) -> None:
        stories = ()
        if project is not None:
            try:
                stories = project.stories()
            except ProjectError as exc:
                self.controller.status(f"The stories could not be read from the project: {exc}")
        self.book.load(stories)

    # -- writing -------------------------------------------------------------------------------------
    def _book_changed(self, merge_key, note) -> None:
        if note is None:  # loaded from the file
            return
        if self._project() is None:
            if self.book.stories and self.controller.project is None:
                ut.start_untitled(self.controller)  # the first edit with no project: autosave it
            return
        self.write(merge_key, note)

    def write(self, merge_key: str | None = None, note: str = "") -> int:
        """Write the book's stories that differ from the file (removed, added, changed, moved);
        the number of audit rows written."""
        p = self._project()
        if p is None or p.read_only or getattr(self.controller, "_suspend", 0):
            return 0
        prefix = f"{note}: " if note else ""
        n = 0
        try:
            stored = {s.slug: s for s in p.stories()}
            wanted = {s.slug: s for s in self.book.stories}
            for slug in [s for s in stored if s not in wanted]:
                n += bool(p.remove_story(slug, description=prefix + f"Removed story '{stored[slug].title}'"))
            for i, story in enumerate(self.book.stories):
                old = stored.get(story.slug)
                if old is None:
                    p.add_story(story.title, story.markdown, slug=story.slug, index=i,
                                description=prefix + f"Added story '{story.title}'")
                    n += 1
                elif old != story:
                    text = prefix + describe_story_change(old, story)
                    n += p.update_story(story.slug, title=story.title, markdown=story.markdown,
                                        merge_key=merge_key, description=text) is not None
            if [s.slug for s in p.stories()] != self.book.slugs:
                n += p.reorder_stories(self.book.slugs, description=(prefix + "Reordered the stories")
                                       if note else None) is not None
        except ProjectError as exc:
            self.controller.status(f"The story could not be written to the project: {exc}", 0)
        if n:
            self.controller.edits_written(n)
        return n


__all__ = ["StoriesKeeper"]
