"""Stories: the narratives written in the app, as markdown with the charts they name.

A chart is placed with the token `{{chart: NAME}}` on a line of its own (charts.py lists the names);
the charts a story lists but never places follow its text.  Raw HTML is shown as text, images are
not loaded (the site makes no request to another host: `![alt](url)` stays a plain link), and the
story's headings sit one level under its title."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

from ..dataset import Dataset
from .charts import TOKEN, chart_catalogue, resolve
from .options import PublishError

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")


@dataclass(frozen=True)
class Story:
    slug: str
    title: str
    markdown: str
    charts: tuple[str, ...]  # canonical chart names, in the order the story lists them


def check_stories(stories, dataset: Dataset) -> list[Story]:
    """The stories as `Story` values; PublishError naming the story and what is wrong."""
    if stories is None:
        return []
    if not isinstance(stories, (list, tuple)):
        raise PublishError(f"stories: expected a list of stories, found {type(stories).__name__}")
    catalogue = chart_catalogue(dataset)
    out: list[Story] = []
    seen: set[str] = set()
    for n, s in enumerate(stories):
        where = f"stories[{n}]"
        if not isinstance(s, Mapping) and callable(getattr(s, "to_dict", None)):
            s = s.to_dict()  # a project's Story (kcplanner.project): slug, title, markdown
        if not isinstance(s, Mapping):
            raise PublishError(f"{where}: expected a dict with slug, title, markdown and charts")
        title = s.get("title")
        if not isinstance(title, str) or not title.strip():
            raise PublishError(f"{where}: a story needs a title")
        where = f"story {title.strip()!r}"
        slug = s.get("slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise PublishError(f"{where}: slug {slug!r}: expected 1 to 60 lower-case letters, digits and hyphens "
                               "(not starting or ending with a hyphen), e.g. 'safer-streets'")
        if slug in seen:
            raise PublishError(f"{where}: another story already has the slug {slug!r}")
        seen.add(slug)
        text = s.get("markdown") or ""
        if not isinstance(text, str):
            raise PublishError(f"{where}: markdown: expected text, found {type(text).__name__}")
        listed = s.get("charts") or []
        if not isinstance(listed, (list, tuple)) or not all(isinstance(c, str) for c in listed):
            raise PublishError(f"{where}: charts: expected a list of chart names")
        names = [_known(c, where, dataset, catalogue) for c in listed]
        for m in TOKEN.finditer(text):
            _known(m.group(1), where, dataset, catalogue)
        out.append(Story(slug, title.strip(), text, tuple(dict.fromkeys(names))))
    return out


def _known(name: str, where: str, dataset: Dataset, catalogue: dict[str, str]) -> str:
    found = resolve(name, dataset, catalogue)
    if found is None:
        raise PublishError(f"{where}: no chart named {name!r} in this budget; a story can name "
                           "city-spending, plan-score, fund-outlook:<fund>, department-spending:<department>, "
                           "goal-spending:<goal>, kpi:<KPI ID> (the app lists them)")
    return found


def story_html(story: Story, dataset: Dataset, chart_html: Callable[[str], str]) -> str:
    """The story's body as HTML, with each chart's HTML (`chart_html(canonical name)`) in place."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    md.add_render_rule("heading_open", _heading_open)
    md.add_render_rule("heading_close", _heading_close)
    catalogue = chart_catalogue(dataset)
    placed: list[str] = []
    marks: dict[str, str] = {}

    def mark(m: re.Match) -> str:
        name = resolve(m.group(1), dataset, catalogue) or m.group(1)
        key = f"kcplannerchartplaceholder{len(marks)}x"
        marks[key] = name
        placed.append(name)
        return f"\n\n{key}\n\n"

    html = md.render(TOKEN.sub(mark, story.markdown))
    for key, name in marks.items():
        html = html.replace(f"<p>{key}</p>", chart_html(name)).replace(key, "")
    html += "".join(chart_html(name) for name in story.charts if name not in placed)
    return html


def _heading_open(self, tokens, idx, options, env):
    level = min(6, int(tokens[idx].tag[1]) + 1)
    return f"<h{level}>"


def _heading_close(self, tokens, idx, options, env):
    level = min(6, int(tokens[idx].tag[1]) + 1)
    return f"</h{level}>\n"
