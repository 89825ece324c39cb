"""`kcplanner estimate --plan PLAN --budget PATH … [--actuals PATH …] [--mapping FILE …] [--pool goal]
[--json OUT] [--out kpi-review.xlsx]` (at least one of the two).

The driver evidence and the KPI review (SPEC, "Evidence for the drivers, and the KPI review"): SPEC's
JSON and/or the KPI-review workbook, each written atomically, and a short summary on stdout; the
history's warnings (a spending history with a gap) go to stderr with the readers' report.
Exit 0 written; 1 invalid input or a file that cannot be written; 2 bad usage (nothing asked to be
written, a --pool other than goal, a missing input).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .cli_inputs import EXIT_OK, EXIT_USAGE, add_inputs, load_inputs


def add_parser(sub) -> None:
    """Register the subcommand on the CLI's subparsers."""
    p = sub.add_parser("estimate", help="estimate the drivers' elasticities from history, and review the KPIs",
                       description="Estimate each driver's elasticity from the city's history (yearly KPI values "
                                   "and yearly spending: OLS on log changes with the driver's lag, 80% intervals), "
                                   "optionally pooled within goals, and review every KPI (history, volatility, "
                                   "attainment, responsiveness, redundancy, a recommendation); write SPEC's JSON "
                                   "(--json) and/or the KPI-review workbook (--out).")
    add_inputs(p)  # --plan, --budget, --mapping, --actuals
    p.add_argument("--pool", choices=["goal"], default=None,
                   help="pool the estimates within each goal (DerSimonian–Laird), where it has 3 or more")
    p.add_argument("--json", type=Path, metavar="OUT", help="where to write the evidence (.json)")
    p.add_argument("--out", type=Path, metavar="KPI-REVIEW.xlsx",
                   help="write the KPI-review workbook: every KPI with its figures, recommendation and reasons; "
                        "every driver with its estimate, interval, entered value and flags; how to read it")


def cmd_estimate(args) -> int:
    from .evidence import estimate_evidence, write_evidence_json

    if args.json is None and args.out is None:
        print("estimate: say what to write: --json OUT and/or --out KPI-REVIEW.xlsx", file=sys.stderr)
        return EXIT_USAGE
    dataset, status = load_inputs(args)  # the inputs were checked to exist by the CLI's main
    if dataset is None:
        return status
    ev = estimate_evidence(dataset, pool=args.pool)
    if ev.report.problems:
        print(ev.report.to_text(), file=sys.stderr)
    if args.json is not None:
        write_evidence_json(ev, args.json)
    if args.out is not None:
        from .evidence.workbook import write_kpi_review_workbook

        write_kpi_review_workbook(ev, args.out)
    d = ev.drivers
    estimated = int((d["status"] == "estimated").sum())
    recs = ev.kpis["recommendation"].map(lambda r: "consider merging" if str(r).startswith("consider merging") else r)
    counts = ", ".join(f"{n} {r}" for r, n in recs.value_counts().items())
    print(f"Evidence: {estimated} of {len(d)} drivers estimated" + (", pooled within goals" if args.pool else "")
          + f"; {len(ev.kpis)} KPIs reviewed" + (f" ({counts})" if counts else ""))
    for path in (args.json, args.out):
        if path is not None:
            print(f"Wrote {path}")
    return EXIT_OK
