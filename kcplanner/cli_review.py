"""`kcplanner review --plan PLAN --budget PATH … [--actuals PATH …] [--through FY2027-Q2 | a date] --json OUT`.

The quarterly review (SPEC, "The quarterly review") as SPEC's JSON, written atomically, and a short
summary on stdout.  Exit 0 written (also when there are no actuals to review: the messages say so);
1 invalid input or a file that cannot be written; 2 bad usage (a --through that is not a period).
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def add_parser(sub, add_inputs) -> None:
    """Register the subcommand on the CLI's subparsers (`add_inputs` adds --plan, --budget, --mapping)."""
    p = sub.add_parser("review", help="the quarterly review of the year in execution",
                       description="Review the fiscal year in execution through a period: budget, actual to "
                                   "date, year-end projection from prior years' seasonality, variance and flags "
                                   "by department and fund, the fund balance change, and KPI actuals against "
                                   "their targets; write SPEC's review JSON.")
    add_inputs(p)
    if not any("--actuals" in a.option_strings for a in p._actions):
        p.add_argument("--actuals", type=Path, nargs="+", default=[], metavar="PATH",
                       help="Actuals and Revenue Actuals workbooks or CSVs, or folders of them")
    p.add_argument("--through", metavar="PERIOD",
                   help="review through this period: FY2027 Q2, FY2027 P05, or a date (default: the latest "
                        "period with actuals)")
    p.add_argument("--json", type=Path, required=True, metavar="OUT", help="where to write the review (.json)")


def _read(args):
    from .readers import MappingError, load_mapping, read_dataset

    try:
        mappings = [load_mapping(path) for path in args.mapping]
    except MappingError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    kwargs = {"mappings": mappings or None}
    actuals = list(getattr(args, "actuals", None) or [])
    if actuals:
        if "actuals" not in inspect.signature(read_dataset).parameters:
            print("--actuals: this build cannot read separate actuals files yet; put the Actuals and Revenue "
                  "Actuals sheets in the department workbooks", file=sys.stderr)
            return EXIT_USAGE
        kwargs["actuals"] = actuals
    return read_dataset(args.plan, list(args.budget), **kwargs)


def _through(text: str | None, dataset):
    """The --through period, or an error message."""
    from .periods import PeriodError, parse_period

    if text is None:
        return None
    try:
        return parse_period(text, dataset.plan.settings.calendar)
    except PeriodError as exc:
        return f"--through: {exc}"


def cmd_review(args) -> int:
    from .review import review, write_review_json

    missing = [str(p) for p in ([args.plan] if args.plan else []) + list(args.budget) + list(args.mapping)
               + list(getattr(args, "actuals", None) or []) if not p.exists()]
    if missing:
        print("No such file or folder: " + ", ".join(missing), file=sys.stderr)
        return EXIT_USAGE
    result = _read(args)
    if isinstance(result, int):
        return result
    if result.dataset is None:
        print(result.report.to_text(), file=sys.stderr)
        return EXIT_INVALID
    if result.report.warnings:
        print(result.report.to_text(), file=sys.stderr)
    through = _through(args.through, result.dataset)
    if isinstance(through, str):
        print(through, file=sys.stderr)
        return EXIT_USAGE
    r = review(result.dataset, through=through)
    write_review_json(r, args.json)
    for message in r.messages:
        print(message)
    if r.fiscal_year is not None and r.through is not None:
        over = int((r.departments["flag"] == "over").sum()) if len(r.departments) else 0
        under = int((r.departments["flag"] == "under").sum()) if len(r.departments) else 0
        short = int((r.revenue["flag"] == "short").sum()) if len(r.revenue) else 0
        print(f"Review of FY{r.fiscal_year} through {r.through_label}: {len(r.departments)} departments "
              f"({over} over budget, {under} under-spent), {len(r.revenue)} revenue lines ({short} short), "
              f"{len(r.kpis)} KPIs with actuals")
    print(f"Wrote {args.json}")
    return EXIT_OK
