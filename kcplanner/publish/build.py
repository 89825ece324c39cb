"""The list of files a site is made of, each with the function that makes its bytes (site.py
writes them one by one, so a cancel is seen between any two).

    index.html                      the city
    departments/index.html, departments/<slug>.html
    goals/index.html, goals/<slug>.html
    stories/index.html, stories/<slug>.html
    data.html, data/*.csv           the open data (opendata.py)
    assets/site.css, site.js, echarts.min.js (+ its licence), assets/lines/<slug>.js
"""

from __future__ import annotations

import datetime as _dt
from typing import Callable

import numpy as np

from . import listings as L
from . import pages as P
from .context import SiteContext
from .figures import figure_by_name
from .line_data import department_lines_js
from .render import asset, environment, render
from .stories import story_html

Make = Callable[[], bytes]
NAV = [("index.html", "City budget", "city"), ("departments/index.html", "Departments", "departments"),
       ("goals/index.html", "Goals", "goals"), ("stories/index.html", "Stories", "stories"),
       ("data.html", "Open data", "data")]
ASSETS = [("static", "site.css"), ("static", "site.js"), ("vendor", "echarts.min.js"),
          ("vendor", "ECHARTS-LICENSE.txt"), ("vendor", "ECHARTS-NOTICE.txt"), ("vendor", "ECHARTS-LICENSE-d3.txt")]
HOME = ("index.html", "City budget")


def site_files(dataset, results, stories, options) -> list[tuple[str, Make]]:
    """(path relative to the site folder, maker) for every file."""
    ctx = SiteContext(dataset, results, options, [(s.slug, s.title) for s in stories])
    today = _dt.date.today()
    site = {"title": ctx.title, "city": ctx.city, "scenario": ctx.scenario_name, "nav": NAV,
            "years": f"{ctx.labels[0]} to {ctx.labels[-1]}", "published": f"{today:%B} {today.day}, {today.year}"}

    def page(template: str, path: str, active: str, title: str, crumbs: list, values) -> tuple[str, Make]:
        root = "../" * path.count("/")

        def make() -> bytes:
            more = values() if callable(values) else values
            return render(template, site=site, root=root, active=active, page_title=title,
                          crumbs=[HOME, *crumbs] if crumbs else [], description=f"{title}: {ctx.title}", **more)
        return path, make

    csv = L.csv_files(ctx)
    files: list[tuple[str, Make]] = [(path, make) for path, make, _ in csv]
    files.append(page("city.html", "index.html", "city", f"{ctx.city_title} budget", [], lambda: P.city_page(ctx)))
    files.append(page("listing.html", "departments/index.html", "departments", "Departments", [(None, "Departments")],
                      lambda: L.department_listing(ctx)))
    with_adopted = bool(np.isfinite(ctx.lines["adopted"].to_numpy(dtype=float)).any())
    parts = dict(tuple(ctx.lines.groupby("department", sort=False, observed=True)))
    for dep in ctx.departments:
        s = ctx.department_slugs[dep]
        part = parts.get(dep, ctx.lines.iloc[:0])
        files.append((f"assets/lines/{s}.js", lambda s=s, part=part: department_lines_js(s, part, with_adopted)))
        files.append(page("department.html", f"departments/{s}.html", "departments", dep,
                          [("departments/index.html", "Departments"), (None, dep)],
                          lambda dep=dep: P.department_page(ctx, dep)))
    files.append(page("listing.html", "goals/index.html", "goals", "Goals", [(None, "Goals")],
                      lambda: L.goal_listing(ctx)))
    for goal in ctx.goal_names:
        files.append(page("goal.html", f"goals/{ctx.goal_slugs[goal]}.html", "goals", goal,
                          [("goals/index.html", "Goals"), (None, goal)], lambda goal=goal: P.goal_page(ctx, goal)))
    files.append(page("listing.html", "stories/index.html", "stories", "Stories", [(None, "Stories")],
                      L.story_listing(stories)))
    for story in stories:
        files.append(page("story.html", f"stories/{story.slug}.html", "stories", story.title,
                          [("stories/index.html", "Stories"), (None, story.title)],
                          lambda story=story: _story_values(ctx, story)))
    files.append(page("data.html", "data.html", "data", "Open data", [(None, "Open data")],
                      lambda: {"files": [info() for _, _, info in csv]}))
    files += [(f"assets/{name}", lambda folder=folder, name=name: asset(name, folder)) for folder, name in ASSETS]
    return files


def _story_values(ctx: SiteContext, story) -> dict:
    from markupsafe import Markup

    figure = environment().get_template("macros.html").module.figure
    body = story_html(story, ctx.dataset, lambda name: str(figure(figure_by_name(ctx, name))))
    return {"story_title": story.title, "body": Markup(body)}
