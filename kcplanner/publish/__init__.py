"""The open budget site for residents and its open data (SPEC.md, "The open budget site"; docs/publish.md).

    from kcplanner.publish import publish_site, PublishOptions, available_charts
    report = publish_site(dataset, scenario, out_dir, stories=None, progress=None, cancelled=None, options=None)
    report.pages, report.files, report.bytes, report.out_dir
    available_charts(dataset) -> [(name, title), ...]   # the charts a story may name

Every figure on the site and in its CSVs comes from the engine's `evaluate` results and the dataset,
never recomputed here.  The site is static (HTML, CSS, JavaScript, data files), works from `file://`
and any static host, and makes no request to any other host: the charting library (Apache ECharts)
ships inside it.

- `dataset`: a `kcplanner.dataset.Dataset`; `scenario`: a `kcplanner.scenario.Scenario` (None = the
  baseline).  A scenario rule that matches nothing is skipped and said in `report.messages`.
- `stories`: a list of dicts `{"slug", "title", "markdown", "charts": [chart names]}` (or objects with
  `to_dict()` giving them, such as the project's stories; "charts" may be left out).  The markdown
  places a chart with the token `{{chart: NAME}}` on a line of its own, NAME one of
  `available_charts(dataset)` (`{{chart: fund-outlook:General Fund}}`); a chart listed in "charts"
  that no token places is shown after the text.  Raw HTML in the markdown is shown as text.
- `progress(done, total, what)` is called as files are written; `cancelled()` is polled between files
  and, when it returns True, the publish stops with `PublishCancelled` and leaves nothing behind.
- The site is written into a temporary folder beside `out_dir`, then renamed into place.  An existing
  `out_dir` is replaced only when it is empty or a site kcplanner wrote (it holds the marker file
  `.kcplanner-site`); any other folder raises `PublishError` and is left untouched.
"""

from __future__ import annotations

from .charts import available_charts, chart_token
from .options import PublishCancelled, PublishError, PublishOptions, PublishReport
from .site import publish_site

SITE_MARKER = ".kcplanner-site"

__all__ = ["publish_site", "available_charts", "chart_token", "PublishOptions", "PublishReport", "PublishError",
           "PublishCancelled", "SITE_MARKER"]
