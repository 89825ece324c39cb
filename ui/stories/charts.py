"""The charts a story can name in this budget (kcplanner.publish's catalogue), read once per dataset:
the Insert chart list, the words for a token naming a chart that does not exist, the preview's
stand-in for each chart, and a story as the site's publisher takes it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kcplanner.project.stories import Story
from kcplanner.publish import available_charts, chart_token
from kcplanner.publish.charts import TOKEN, chart_catalogue, resolve

__all__ = ["ChartCatalogue", "Problem", "chart_token"]


@dataclass(frozen=True)
class Problem:
    """A token in a story that names no chart of this budget."""

    line: int
    name: str

    def words(self) -> str:
        return f"Line {self.line}: there is no chart named “{self.name}” in this budget."


@dataclass
class ChartCatalogue:
    """The charts of one dataset: (name, title) in the site's order."""

    charts: list[tuple[str, str]] = field(default_factory=list)
    _dataset: object = None
    _keys: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, dataset) -> "ChartCatalogue":
        if dataset is None:
            return cls()
        return cls(list(available_charts(dataset)), dataset, chart_catalogue(dataset))

    def resolve(self, name: str) -> str | None:
        """The chart's canonical name, or None when this budget has no such chart."""
        if self._dataset is None:
            return None
        return resolve(name, self._dataset, self._keys)

    def title(self, name: str) -> str:
        return next((t for n, t in self.charts if n == name), name)

    def problems(self, markdown: str) -> list[Problem]:
        """The tokens naming no chart, with their line numbers."""
        out = []
        for m in TOKEN.finditer(markdown):
            if self.resolve(m.group(1)) is None:
                out.append(Problem(markdown.count("\n", 0, m.start()) + 1, m.group(1)))
        return out

    def preview(self, markdown: str) -> str:
        """The markdown with each token as a line saying which chart the site shows there."""
        def stand_in(m: re.Match) -> str:
            name = self.resolve(m.group(1))
            if name is None:
                return f"\n\n> **⚠ No chart named “{_plain(m.group(1))}”** — fix the name or remove the line.\n\n"
            return f"\n\n> **Chart: {_plain(self.title(name))}** (shown here on the site, with its table)\n\n"
        return headings_under_title(TOKEN.sub(stand_in, markdown))

    def for_site(self, story: Story) -> dict:
        """The story as `publish_site` takes it: the charts it names, by their canonical names."""
        names = [self.resolve(m.group(1)) or m.group(1) for m in TOKEN.finditer(story.markdown)]
        return {"slug": story.slug, "title": story.title, "markdown": story.markdown,
                "charts": list(dict.fromkeys(names))}


def headings_under_title(markdown: str) -> str:
    """The story's headings one level down (`#` → `##`), as the site sets them under the story's
    title; fenced code is left alone."""
    out, fence = [], None
    for line in markdown.split("\n"):
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if indent <= 3 and body[:3] in ("```", "~~~"):
            fence = None if fence == body[:3] else (fence or body[:3])
        elif fence is None and indent <= 3 and re.match(r"#{1,5}(?:[ \t]|$)", body):
            line = line[:indent] + "#" + body
        out.append(line)
    return "\n".join(out)


def _plain(text: str) -> str:
    """Text shown literally inside the preview's markdown (its markup characters escaped)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|])", r"\\\1", text)
