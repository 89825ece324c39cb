"""The Summary sheet: what was exported from what (scenario, plan years, source files with their
SHA-256), totals by fund as formulas over the Funds sheet, the plan score and the policy findings."""

from __future__ import annotations

import numpy as np

from ._common import cell, formula_value, now_text, print_setup, sheet_ref, write_summary_head, write_text
from .workbook_layout import FUNDS_FIRST_YEAR_COL, FUNDS_SHEET, Layout


def write_summary(ws, fmt, L: Layout, P, R, sources, formulas, exported_at) -> None:
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 6, 17)
    ws.set_column(7, 7, 60)
    city = P.dataset.plan.settings.city
    r = 0
    ws.write_string(r, 0, (f"{city}: " if city else "") + "five-year plan scenario", fmt["title"])
    r += 2
    scen = R.scenario
    n_invalid = len(R.invalid_rules)
    meta = [("Scenario", scen.name), ("Exported", now_text(exported_at)),
            ("Plan years", f"{L.labels[0]} to {L.labels[-1]}"), ("Baseline", P.baseline_source.describe()),
            ("Rules", f"{len(scen.rules)}" + (f" ({n_invalid} skipped: see the Rules sheet)" if n_invalid else "")),
            ("Funded requests", f"{len(R.requests.ids)}" + (f" ({len(R.unknown_requests)} unknown)"
                                                            if R.unknown_requests else "")),
            ("Line items", f"{P.n_lines:,} budget lines and {len(R.requests.ids):,} request lines")]
    r = write_summary_head(ws, fmt, r, meta, sources)

    # Totals per fund and plan year: references to the Funds sheet (formulas).
    ws.write_string(r, 0, "Totals by fund", fmt["subtitle"])
    ws.write_string(r, 1, "(formulas over the Funds sheet)", fmt["muted"])
    r += 1
    hr = r
    for j, h in enumerate(["Fund", "Measure"] + L.labels):
        ws.write_string(r, j, h, fmt["header"])
    r += 1
    F = R.funds
    B = P.baseline_results().funds
    fs = sheet_ref(FUNDS_SHEET)
    fy = FUNDS_FIRST_YEAR_COL
    measures = [("Expenditure, baseline", "Baseline expenditure", B.expenditure),
                ("Expenditure, scenario", "Expenditure", F.expenditure),
                ("Expenditure, change", None, F.expenditure - B.expenditure),
                ("Revenue, baseline", "Baseline revenue", B.revenue),
                ("Revenue, scenario", "Revenue", F.revenue),
                ("Ending balance, baseline", "Baseline ending balance", B.balance),
                ("Ending balance, scenario", "Ending balance", F.balance),
                ("Ending balance, change", "Change in ending balance", F.balance - B.balance)]
    first_total = r
    for f, name in enumerate(F.names):
        for label, fund_measure, values in measures:
            write_text(ws, r, 0, name)
            ws.write_string(r, 1, label)
            for t in range(5):
                if fund_measure is None:  # the change of the two rows above
                    text = f"={cell(r - 1, 2 + t)}-{cell(r - 2, 2 + t)}"
                else:
                    text = f"={fs}!{cell(L.fund_row(f, fund_measure), fy + t)}"
                ws.write_formula(r, 2 + t, text, fmt["money"], formula_value(values[f, t]))
                formulas[0] += 1
            r += 1
    last_total = max(r - 1, first_total)
    measure_rng = f"{cell(first_total, 1, True, True)}:{cell(last_total, 1, True, True)}"
    for label, _fm, values in measures[:3] + measures[3:5]:
        ws.write_string(r, 0, "All funds", fmt["label"])
        ws.write_string(r, 1, label, fmt["label"])
        for t in range(5):
            c = 2 + t
            rng = f"{cell(first_total, c, True)}:{cell(last_total, c, True)}"
            ws.write_formula(r, c, f"=SUMIFS({rng},{measure_rng},{cell(r, 1)})", fmt["money_bold"],
                             formula_value(np.asarray(values)[:, t].sum() if len(F.names) else 0.0))
            formulas[0] += 1
        r += 1
    r += 1

    ws.write_string(r, 0, "Plan score", fmt["subtitle"])
    ws.write_string(r, 1, "(share of KPI weight on target)", fmt["muted"])
    r += 1
    for j, h in enumerate(["", ""] + L.labels):
        ws.write_string(r, j, h, fmt["header"])
    r += 1
    for label, values in (("Scenario", R.kpis.score), ("Baseline", R.kpis.baseline_score)):
        ws.write_string(r, 0, label, fmt["label"])
        for t in range(5):
            if np.isfinite(values[t]):
                ws.write_number(r, 2 + t, float(values[t]), fmt["percent"])
            else:
                ws.write_string(r, 2 + t, "no targets", fmt["muted"])
        r += 1
    r += 1

    ws.write_string(r, 0, "Policy findings", fmt["subtitle"])
    r += 1
    for j, h in enumerate(["Fund", "Fiscal year", "Kind"]):
        ws.write_string(r, j, h, fmt["header"])
    ws.write_string(r, 3, "Finding", fmt["header"])
    r += 1
    if not R.findings:
        ws.write_string(r, 0, "none: every fund meets its reserve policy and is structurally balanced", fmt["muted"])
        r += 1
    for x in R.findings:
        write_text(ws, r, 0, x.fund)
        ws.write_string(r, 1, P.label(x.year) if x.year is not None else "every plan year")
        ws.write_string(r, 2, x.kind.replace("_", " "))
        write_text(ws, r, 3, x.message)
        r += 1
    if R.messages:
        r += 1
        ws.write_string(r, 0, "Scenario problems (skipped)", fmt["subtitle"])
        r += 1
        for m in R.messages:
            write_text(ws, r, 0, m)
            r += 1
    ws.freeze_panes(1, 0)
    print_setup(ws, (hr, hr), f"Scenario: {scen.name}")
