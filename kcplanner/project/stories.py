"""The stories of the open budget site, kept in the project: what the budget office wants residents
to read (markdown naming the charts to show), written in the app's Stories tab and published with
the site.  One row a story, in the analyst's order, every change audited like a narrative.

A story's page address (its slug, `stories/<slug>.html` on the site) is made from its title when it
is added and stays when it is renamed, so links residents shared keep working.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from .audit import utc_now, within_merge_window
from .errors import ProjectError
from .history import _insert_edit

MAX_TITLE = 200
MAX_SLUG = 60
MAX_MARKDOWN = 1_000_000  # characters: a long essay is 50,000
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Story:
    """One story: its page address (slug), its title and its text (markdown)."""

    slug: str
    title: str
    markdown: str = ""

    def to_dict(self) -> dict:
        return {"slug": self.slug, "title": self.title, "markdown": self.markdown}


def slugify(title: str) -> str:
    """`Where the money goes (FY2027)` → `where-the-money-goes-fy2027`: lower-case ASCII letters,
    digits and hyphens, at most MAX_SLUG characters; `story` when nothing is left."""
    text = unicodedata.normalize("NFKD", str(title)).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:MAX_SLUG].strip("-")
    return slug or "story"


def unique_slug(title: str, taken: Iterable[str]) -> str:
    """The title's slug, with `-2`, `-3`, … when another story has it."""
    taken = set(taken)
    base = slugify(title)
    slug, k = base, 2
    while slug in taken:
        suffix = f"-{k}"
        slug = base[:MAX_SLUG - len(suffix)].rstrip("-") + suffix
        k += 1
    return slug


def check_story(story: Story) -> Story:
    """The story itself, or ProjectError saying what is wrong with it."""
    if not isinstance(story.slug, str) or not SLUG_PATTERN.match(story.slug) or len(story.slug) > MAX_SLUG:
        raise ProjectError(f"'{story.slug}' cannot be a story's page address: use lower-case letters, digits and "
                           f"hyphens (at most {MAX_SLUG} characters)")
    _check_title(story.title)
    if not isinstance(story.markdown, str):
        raise ProjectError(f"the text of story '{story.title}' must be text, not {type(story.markdown).__name__}")
    if len(story.markdown) > MAX_MARKDOWN:
        raise ProjectError(f"the text of story '{story.title}' is too long ({len(story.markdown):,} characters; "
                           f"at most {MAX_MARKDOWN:,})")
    return story


def _check_title(title) -> None:
    if not isinstance(title, str) or not title.strip():
        raise ProjectError("a story needs a title")
    if len(title) > MAX_TITLE:
        raise ProjectError(f"a story's title has at most {MAX_TITLE} characters ({len(title)} given)")


def _json(story: Story | None, **extra) -> str | None:
    return None if story is None else json.dumps({**story.to_dict(), **extra}, ensure_ascii=False)


class StoriesMixin:
    """The stories of an open project (part of `Project`)."""

    def stories(self) -> list[Story]:
        """The stories in their order; [] for a file from before stories were kept."""
        with self._lock:
            self._check_open()
            return self._read_stories(self._conn)

    def _read_stories(self, c) -> list[Story]:
        try:
            rows = c.execute("SELECT slug, title, markdown FROM stories ORDER BY position, slug").fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # an older file opened read-only
                return []
            raise ProjectError(f"{self.path}: cannot read the stories ({exc})") from exc
        return [Story(*row) for row in rows]

    def add_story(self, title: str, markdown: str = "", *, slug: str | None = None, index: int | None = None,
                  description: str | None = None) -> Story:
        """Add a story at `index` (None: last) and its audit row in ONE transaction.  `slug` None:
        made from the title (unique); a slug another story has is refused.  Returns the story."""
        with self._lock:
            self._check_writable()
            _check_title(title)
            current = self._read_stories(self._conn)
            taken = {s.slug for s in current}
            story = check_story(Story(slug if slug is not None else unique_slug(title, taken), title, markdown))
            if story.slug in taken:
                raise ProjectError(f"another story already has the page address '{story.slug}'")
            order = [s.slug for s in current]
            order.insert(len(order) if index is None else max(0, min(len(order), int(index))), story.slug)
            now = utc_now()
            with self._tx() as c:
                c.execute("INSERT INTO stories (slug, title, markdown, position, modified, user) VALUES "
                          "(?, ?, ?, 0, ?, ?)", (story.slug, story.title, story.markdown, now, self.user))
                _write_positions(c, order)
                _insert_edit(c, now, self.user, self.host, self.session, None, "data",
                             description or f"Added story '{title}'", None,
                             _json(story, position=order.index(story.slug) + 1), None)
            return story

    def update_story(self, slug: str, *, title: str | None = None, markdown: str | None = None,
                     merge_key: str | None = None, description: str | None = None) -> int | None:
        """Rename a story and/or replace its text, with its audit row, in ONE transaction.
        `merge_key` (e.g. "story-text:budget-basics:3"): consecutive edits of the same story with the
        same key in this session (no save in between, within 30 s) update one audit row, so a burst
        of typing is one entry.  Returns the audit row's seq, None when nothing changed."""
        with self._lock:
            self._check_writable()
            old = self._story(slug)
            new = check_story(Story(old.slug, old.title if title is None else title,
                                    old.markdown if markdown is None else markdown))
            if new == old:
                return None
            description = description or describe_story_change(old, new)
            now = utc_now()
            with self._tx() as c:
                c.execute("UPDATE stories SET title = ?, markdown = ?, modified = ?, user = ? WHERE slug = ?",
                          (new.title, new.markdown, now, self.user, slug))
                seq = self._merge_story(c, merge_key, description, new, now) if merge_key is not None else None
                if seq is None:
                    seq = _insert_edit(c, now, self.user, self.host, self.session, None, "data", description,
                                       _json(old), _json(new), merge_key)
            return seq

    def remove_story(self, slug: str, *, description: str | None = None) -> int:
        """Remove a story (its audit row keeps the text).  Returns the audit row's seq."""
        with self._lock:
            self._check_writable()
            old = self._story(slug)
            order = [s.slug for s in self._read_stories(self._conn)]
            now = utc_now()
            with self._tx() as c:
                c.execute("DELETE FROM stories WHERE slug = ?", (slug,))
                order.remove(slug)
                _write_positions(c, order)
                return _insert_edit(c, now, self.user, self.host, self.session, None, "data",
                                    description or f"Removed story '{old.title}'", _json(old), None, None)

    def reorder_stories(self, slugs: Iterable[str], *, description: str | None = None) -> int | None:
        """Put the stories in this order (every story's slug, once).  Returns the audit row's seq,
        None when the order is the same."""
        slugs = list(slugs)
        with self._lock:
            self._check_writable()
            current = self._read_stories(self._conn)
            before = [s.slug for s in current]
            if sorted(slugs) != sorted(before) or len(set(slugs)) != len(slugs):
                raise ProjectError("a new order of the stories must name every story once "
                                   f"(the stories are {', '.join(before) or 'none'})")
            if slugs == before:
                return None
            titles = {s.slug: s.title for s in current}
            moved = _moved_story(before, slugs)
            if description is None:
                description = (f"Moved story '{titles[moved]}' from position {before.index(moved) + 1} to "
                               f"{slugs.index(moved) + 1}" if moved is not None else "Reordered the stories")
            now = utc_now()
            with self._tx() as c:
                _write_positions(c, slugs)
                return _insert_edit(c, now, self.user, self.host, self.session, None, "data", description,
                                    json.dumps({"order": before}), json.dumps({"order": slugs}), None)

    # -- helpers ------------------------------------------------------------------------------------
    def _story(self, slug: str) -> Story:
        story = next((s for s in self._read_stories(self._conn) if s.slug == slug), None)
        if story is None:
            raise ProjectError(f"no story has the page address '{slug}'")
        return story

    def _merge_story(self, c, merge_key: str, description: str, new: Story, now: str) -> int | None:
        """The last audit row, updated to `new`, when it is this session's edit of the same story
        with the same key, after the last save and within the merge window; else None."""
        row = c.execute("SELECT seq, time, session, before, merge_key FROM edits ORDER BY seq DESC LIMIT 1").fetchone()
        if row is None:
            return None
        seq, time, session, before_json, key = row
        if key != merge_key or session != self.session or seq <= self._last_save_seq(c):
            return None
        if not before_json or json.loads(before_json).get("slug") != new.slug:
            return None
        if not within_merge_window(time, now):
            return None
        c.execute("UPDATE edits SET time = ?, description = ?, after = ? WHERE seq = ?", (now, description,
                                                                                         _json(new), seq))
        return seq


def describe_story_change(old: Story, new: Story) -> str:
    """What changed in one story, in the words of the History tab."""
    parts = []
    if new.title != old.title:
        parts.append(f"Renamed story '{old.title}' → '{new.title}'")
    if new.markdown != old.markdown:
        parts.append(f"Edited the text of story '{new.title}'")
    return "; ".join(parts) or "No change"


def _write_positions(c, order: list[str]) -> None:
    c.executemany("UPDATE stories SET position = ? WHERE slug = ?", [(i, s) for i, s in enumerate(order)])


def _moved_story(before: list[str], after: list[str]) -> str | None:
    """The one story whose move turns `before` into `after` (the one moved farthest, then the one
    moved up, when a swap of neighbours reads both ways); None when more than one moved."""
    moves = [s for s in after if before.index(s) != after.index(s)
             and [x for x in before if x != s] == [x for x in after if x != s]]
    if not moves:
        return None
    return max(moves, key=lambda s: (abs(before.index(s) - after.index(s)), before.index(s) > after.index(s)))


__all__ = ["Story", "StoriesMixin", "slugify", "unique_slug", "check_story", "describe_story_change"]
