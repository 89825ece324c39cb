"""`kcplanner review --plan PLAN --budget PATH … [--actuals PATH …] [--through FY2027-Q2 | a date] --json OUT`.

The quarterly review (SPEC, "The quarterly review") as SPEC's JSON, written atomically, and a short
summary on stdout.  Exit 0 written (also when there are no actuals to review: the messages say so);
1 invalid input or a file that cannot be written; 2 bad usage (a --through that is not a period).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .cli_inputs import EXIT_OK, EXIT_USAGE, add_inputs, load_inputs


def add_parser(sub) -> None:
    """Register the subcommand on the CLI's subparsers."""
    p = sub.add_parser("review", help="the quarterly review of the year in execution",
                       description="Review the fiscal year in execution through a period: budget, actual to "
                                   "date, year-end projection from prior years' seasonality, variance and flags "
                                   "by department and fund, the fund balance change, and KPI actuals against "
                                   "their targets; write SPEC's review JSON.")
    add_inputs(p)  # --plan, --budget, --mapping, --actuals
    p.add_argument("--through", metavar="PERIOD",
                   help="review through this period: FY2027 Q2, FY2027 P05, or a date (default: the latest "
                        "period with actuals)")
    p.add_argument("--json", type=Path, required=True, metavar="OUT", help="where to write the review (.json)")


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

    dataset, status = load_inputs(args)  # the inputs were checked to exist by the CLI's main
    if dataset is None:
        return status
    through = _through(args.through, dataset)
    if isinstance(through, str):
        print(through, file=sys.stderr)
        return EXIT_USAGE
    r = review(dataset, through=through)
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
