"""`kcplanner review --plan PLAN --budget PATH … [--actuals PATH …] [--through FY2027-Q2 | a date]
[--json OUT] [--out REPORT.xlsx] [--pdf REPORT.pdf]` (at least one of the three).

The quarterly review (SPEC, "The quarterly review") as SPEC's JSON, the quarterly report workbook
and/or its PDF, each written atomically, and a short summary on stdout.  The PDF is drawn with Qt,
which kcplanner never imports: the `kcplanner` command (ui/launch.py) routes a `review … --pdf`
through ui/review/report_cli.py, which registers the writer here (`register_pdf_writer`).
Exit 0 written (also when there are no actuals to review: the messages say so);
1 invalid input or a file that cannot be written; 2 bad usage (a --through that is not a period, nothing
asked to be written, or --pdf where no PDF writer is registered).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .cli_inputs import EXIT_OK, EXIT_USAGE, add_inputs, load_inputs


def add_parser(sub) -> None:
    """Register the subcommand on the CLI's subparsers."""
    p = sub.add_parser("review", help="the quarterly review of the year in execution, and its report",
                       description="Review the fiscal year in execution through a period: budget, actual to "
                                   "date, year-end projection from prior years' seasonality, variance and flags "
                                   "by department and fund, the fund balance change, and KPI actuals against "
                                   "their targets; write SPEC's review JSON (--json), the quarterly report "
                                   "workbook (--out) and/or its PDF (--pdf).")
    add_inputs(p)  # --plan, --budget, --mapping, --actuals
    p.add_argument("--through", metavar="PERIOD",
                   help="review through this period: FY2027 Q2, FY2027 P05, or a date (default: the latest "
                        "period with actuals)")
    p.add_argument("--json", type=Path, metavar="OUT", help="where to write the review (.json)")
    p.add_argument("--out", type=Path, metavar="REPORT.xlsx",
                   help="write the quarterly report workbook: a citywide summary, revenue against estimate, and a "
                        "sheet per department (table, burn-up chart, KPIs, the flags explained)")
    p.add_argument("--pdf", type=Path, metavar="REPORT.pdf",
                   help="write the quarterly report as a PDF (the same pages; drawn with the app's Qt, so run it "
                        "as the `kcplanner` command or `python main.py`)")


def _through(text: str | None, dataset):
    """The --through period, or an error message."""
    from .periods import PeriodError, parse_period

    if text is None:
        return None
    try:
        return parse_period(text, dataset.plan.settings.calendar)
    except PeriodError as exc:
        return f"--through: {exc}"


#: The PDF writer, `writer(report_data, path)`: kcplanner never imports Qt, so the `kcplanner`
#: command (ui/launch.py → ui/review/report_cli.py) registers ui.review.report_pdf's here.
PDF_WRITER = None


def register_pdf_writer(writer) -> None:
    global PDF_WRITER
    PDF_WRITER = writer


def cmd_review(args) -> int:
    from .review import review, write_review_json

    pdf = getattr(args, "pdf", None)
    out = getattr(args, "out", None)
    if args.json is None and out is None and pdf is None:
        print("review: say what to write: --json OUT, --out REPORT.xlsx and/or --pdf REPORT.pdf", file=sys.stderr)
        return EXIT_USAGE
    if pdf is not None and PDF_WRITER is None:
        print("--pdf: the PDF is drawn with the desktop app's Qt; run `kcplanner review … --pdf OUT` (the installed "
              "command) or `python main.py review … --pdf OUT`", file=sys.stderr)
        return EXIT_USAGE
    dataset, status = load_inputs(args)  # the inputs were checked to exist by the CLI's main
    if dataset is None:
        return status
    through = _through(args.through, dataset)
    if isinstance(through, str):
        print(through, file=sys.stderr)
        return EXIT_USAGE
    r = review(dataset, through=through)
    if args.json is not None:
        write_review_json(r, args.json)
    written = [p for p in (args.json, out, pdf) if p is not None]
    if out is not None or pdf is not None:
        from .review.report_data import report_data

        data = report_data(r, dataset)
        if out is not None:
            from .review.report_workbook import write_review_workbook

            write_review_workbook(data, out)
        if pdf is not None:
            PDF_WRITER(data, pdf)
    for message in r.messages:
        print(message)
    if r.fiscal_year is not None and r.through is not None:
        over = int((r.departments["flag"] == "over").sum()) if len(r.departments) else 0
        under = int((r.departments["flag"] == "under").sum()) if len(r.departments) else 0
        short = int((r.revenue["flag"] == "short").sum()) if len(r.revenue) else 0
        print(f"Review of FY{r.fiscal_year} through {r.through_label}: {len(r.departments)} departments "
              f"({over} over budget, {under} under-spent), {len(r.revenue)} revenue lines ({short} short), "
              f"{len(r.kpis)} KPIs with actuals")
    for path in written:
        print(f"Wrote {path}")
    return EXIT_OK
