"""`publish_site`: evaluate the scenario once, then write every page, data file and asset of the
site into a temporary folder that replaces `out_dir` when complete (site_folder.py)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Callable

import numpy as np

from ..dataset import Dataset
from ..scenario import EMPTY_SCENARIO, Scenario
from .options import PublishCancelled, PublishError, PublishOptions, PublishReport
from .site_folder import check_target, site_folder
from .stories import check_stories

Progress = Callable[[int, int, str], None]


def evaluate_for_site(dataset: Dataset, scenario: Scenario | None, prepared=None):
    """(results, messages): the engine's results of `scenario` (None = the baseline) and what it
    skipped, in words.  `prepared` is the caller's `prepare(dataset)` when it has one (the CLI and the
    app pass theirs, with the review's balance change already carried when the scenario asks)."""
    from ..engine import evaluate, prepare, validate_scenario

    scenario = scenario if scenario is not None else EMPTY_SCENARIO
    prepared = prepared if prepared is not None else prepare(dataset)
    messages = [f"{scenario.name}: {m}" for m in validate_scenario(scenario, prepared)]
    with np.errstate(over="ignore", invalid="ignore"):
        results = evaluate(prepared, scenario)
    if not np.isfinite(results.by_department.scenario).all():
        raise PublishError(f"{scenario.name}: the scenario's rules take some department's figures past any "
                           "budget (infinite); check its percent rules; nothing was written")
    messages += [m for m in results.messages if not any(m in s for s in messages)]
    return results, messages


def publish_site(dataset: Dataset, scenario: Scenario | None, out_dir: str | Path, *, stories=None,
                 progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                 options: PublishOptions | None = None, prepared=None) -> PublishReport:
    """Write the open budget site of `scenario` (None = the baseline) into `out_dir`.

    Raises PublishError (nothing written) for a folder that is not ours or a story that cannot be
    shown, PublishCancelled when `cancelled()` turns True, OutputError when the disk refuses."""
    from .build import site_files

    options = options or PublishOptions()
    out_dir = Path(out_dir)
    check_target(out_dir)
    story_list = check_stories(stories, dataset)
    results, messages = evaluate_for_site(dataset, scenario, prepared)
    files = site_files(dataset, results, story_list, options)
    report = PublishReport(out_dir=out_dir, messages=messages)
    total = len(files)
    marker = {"generator": "kcplanner", "scenario": results.scenario.name,
              "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    with site_folder(out_dir, marker) as tmp:
        for done, (rel, make) in enumerate(files, start=1):
            if cancelled is not None and cancelled():
                raise PublishCancelled(f"{out_dir}: publishing was cancelled; nothing was changed")
            data = make()
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            report.files += 1
            report.bytes += len(data)
            report.pages += rel.endswith(".html")
            if progress is not None:
                progress(done, total, rel)
    report.files += 1  # the marker file
    return report
