"""`kcplanner publish --plan PLAN --budget PATH … [--actuals …] [--mapping …] [--scenario FILE]
[--project FILE.kcplan] --out DIR`: the open budget site for residents (SPEC, "The open budget site";
docs/publish.md).

The scenario (default: the baseline) is evaluated once; the site and its open data are written into a
temporary folder beside DIR and renamed into place.  DIR is replaced only when it is empty or a site
kcplanner wrote.  `--project` takes the stories written in the app from a project file.
Exit 0 written; 1 invalid input (a scenario that does not apply, a folder that is not ours, a story
naming an unknown chart) or a site that cannot be written; 2 bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .cli_inputs import EXIT_INVALID, EXIT_OK, EXIT_USAGE, add_inputs, load_inputs


def add_parser(sub) -> None:
    """Register the subcommand on the CLI's subparsers."""
    p = sub.add_parser("publish", help="write the open budget site for residents, with its open data",
                       description="Write a static site (works from file:// and any static web host, no request "
                                   "to another host): where the money goes by goal, department and program; the "
                                   "five-year outlook per fund; a page per department and per goal; stories; and "
                                   "open data (line items, revenue, KPIs as CSV). Every figure is the engine's.")
    add_inputs(p)  # --plan, --budget, --mapping, --actuals
    p.add_argument("--scenario", type=Path, metavar="FILE",
                   help="the scenario to publish (.json, or an exported .xlsx); without it, the baseline")
    p.add_argument("--project", type=Path, metavar="FILE.kcplan",
                   help="a project file whose stories (written in the app) the site shows")
    p.add_argument("--title", help="the site's name (default: '<City> Open Budget')")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="the site folder (created; an earlier kcplanner site there is replaced)")


def _scenario(path: Path | None):
    """The scenario of --scenario (None = baseline), or an error message."""
    if path is None:
        return None
    from .exports import ExportError, load_any_scenario
    from .scenario import ScenarioError

    try:
        return load_any_scenario(path)
    except (ExportError, ScenarioError) as exc:  # each names the file
        return str(exc)
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"


def _stories(path: Path | None):
    """The project's stories (a list of dicts), or an error message."""
    if path is None:
        return None
    from .project import Project, ProjectError

    if not path.is_file():
        return f"--project: no such file: {path}"
    try:
        project = Project.open(path, read_only=True)
    except ProjectError as exc:
        return f"--project: {exc}"
    try:
        reader = getattr(project, "stories", None)
        return list(reader()) if callable(reader) else []
    except ProjectError as exc:
        return f"--project: {exc}"
    finally:
        project.close()


def cmd_publish(args) -> int:
    from .engine import prepare, validate_scenario
    from .publish import PublishError, PublishOptions, publish_site
    from .review.carry import ensure_carry

    scenario = _scenario(args.scenario)
    if isinstance(scenario, str):
        print(scenario, file=sys.stderr)
        return EXIT_INVALID
    stories = _stories(args.project)
    if isinstance(stories, str):
        print(stories, file=sys.stderr)
        return EXIT_USAGE if "no such file" in stories else EXIT_INVALID
    dataset, status = load_inputs(args)
    if dataset is None:
        return status
    prepared = prepare(dataset)
    if scenario is not None:
        problems = validate_scenario(scenario, prepared)
        for message in problems:
            print(f"{args.scenario}: {message}", file=sys.stderr)
        if problems:  # a published budget must not silently leave a rule out
            return EXIT_INVALID
        ensure_carry(prepared, scenario)
    try:
        report = publish_site(dataset, scenario, args.out, stories=stories, prepared=prepared,
                              options=PublishOptions(title=args.title))
    except PublishError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    for message in report.messages:
        print(message, file=sys.stderr)
    print(f"Wrote the open budget site to {report.out_dir}: {report.pages} pages, {report.files} files, "
          f"{report.bytes / 1e6:,.1f} MB")
    return EXIT_OK
