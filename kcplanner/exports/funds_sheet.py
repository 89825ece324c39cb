"""The Funds sheet: each fund's balances, revenue, expenditure and reserve ratio per plan year, as
formulas over the Revenue and Line Items sheets (the engine's figures cached), with the reserve
policy shading."""

from __future__ import annotations

import numpy as np

from ._common import cell, formula_value, print_setup, sum_by, write_num, write_text
from .workbook_layout import (FUND_MEASURES, FUNDS_FIRST_YEAR_COL, FUNDS_HEADER_ROW, LI_FUND, LI_REC,
                              NO_DATA_MEASURES, Layout)


def write_funds(ws, fmt, L: Layout, P, R, formulas) -> list[str]:
    F = R.funds
    base_funds = P.baseline_results().funds
    fy = FUNDS_FIRST_YEAR_COL
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 24)
    ws.set_column(fy, fy + 4, 17)
    ws.set_column(fy + 5, fy + 7, 10)
    ws.write_string(0, 0, "Fund balances", fmt["title"])
    ws.write_string(1, 0, "Ending balance = beginning balance + revenue − expenditure. Revenue sums the Revenue "
                          "sheet, expenditure the Line Items sheet (SUMIFS by fund); reserve ratio = ending "
                          "balance / expenditure, shaded red below the floor, amber below the target, blue above "
                          "the ceiling." + (f" The first beginning balance includes the quarterly review's year-end "
                                            f"balance change ({R.scenario.review_carry}); the baseline starts "
                                            "without it." if F.carried is not None else ""), fmt["muted"])
    headers = ["Fund", "Fund name", "Measure"] + list(L.labels) + ["Floor", "Target", "Ceiling"]
    hr = FUNDS_HEADER_ROW
    ws.set_row(hr, 20)
    for j, h in enumerate(headers):
        ws.write_string(hr, j, h, fmt["header"])
    names_by_key = {}
    funds = P.dataset.plan.funds
    if len(funds) and "fund" in funds.columns and "fund_name" in funds.columns:
        for f, nm in zip(funds["fund"].astype(object), funds["fund_name"].astype(object)):
            if f is not None and f == f and nm is not None and nm == nm:
                names_by_key.setdefault(" ".join(str(f).split()).casefold(), str(nm))
    fund_rng = L.li_range(LI_FUND)
    rec_rng = L.li_range(LI_REC)
    rev_fund_rng = L.rev_range(0)
    rev_rec_rng = L.rev_range(2)
    status_fmt = {"bad": fmt["bad"], "warn": fmt["warn"], "high": fmt["high"]}
    for f, name in enumerate(F.names):
        rows = {m: L.fund_row(f, m) for m in FUND_MEASURES}
        crit = lambda r: cell(r, 0, col_abs=True)  # noqa: E731
        values = {
            "Revenue": F.revenue[f], "Expenditure": F.expenditure[f], "Ending balance": F.balance[f],
            "Reserve ratio": F.reserve_ratio[f], "Recurring revenue": F.recurring_revenue[f],
            "Recurring expenditure": F.recurring_expenditure[f], "Structural balance": F.structural[f],
            "Baseline revenue": base_funds.revenue[f], "Baseline expenditure": base_funds.expenditure[f],
            "Baseline ending balance": base_funds.balance[f],
            "Change in ending balance": F.balance[f] - base_funds.balance[f],
        }
        begin = np.concatenate([[F.beginning_balance[f]], F.balance[f][:-1]])
        # the baseline starts from the Funds table's balance: a review carry-over is the scenario's (engine/carry.py)
        carried = 0.0 if F.carried is None or not np.isfinite(F.carried[f]) else float(F.carried[f])
        base_begin = cell(rows["Beginning balance"], fy) + (f"-({carried!r})" if carried else "")
        values["Beginning balance"] = begin
        cells: dict[str, list] = {m: [] for m in FUND_MEASURES}  # measure → 5 formulas (None = a value)
        for t in range(5):
            c = fy + t
            at = lambda m: cell(rows[m], c)  # noqa: E731
            forms = {
                # Beginning balance: the plan's value in y1, then last year's ending balance.
                "Beginning balance": None if t == 0 else cell(rows["Ending balance"], c - 1),
                "Revenue": sum_by(L.rev_range(L.rev_col(1, t)), [(rev_fund_rng, crit(rows["Revenue"]), name)]),
                "Expenditure": sum_by(L.li_range(L.li_col(1, t)), [(fund_rng, crit(rows["Expenditure"]), name)]),
                "Ending balance": f"{at('Beginning balance')}+{at('Revenue')}-{at('Expenditure')}",
                "Reserve ratio": f'IF({at("Expenditure")}=0,"",{at("Ending balance")}/{at("Expenditure")})',
                "Recurring revenue": sum_by(L.rev_range(L.rev_col(1, t)),
                                            [(rev_fund_rng, crit(rows["Recurring revenue"]), name),
                                             (rev_rec_rng, '"Y"', None)]),
                "Recurring expenditure": sum_by(L.li_range(L.li_col(1, t)),
                                                [(fund_rng, crit(rows["Recurring expenditure"]), name),
                                                 (rec_rng, '"Y"', None)]),
                "Structural balance": f"{at('Recurring revenue')}-{at('Recurring expenditure')}",
                "Baseline revenue": sum_by(L.rev_range(L.rev_col(0, t)),
                                           [(rev_fund_rng, crit(rows["Baseline revenue"]), name)]),
                "Baseline expenditure": sum_by(L.li_range(L.li_col(0, t)),
                                               [(fund_rng, crit(rows["Baseline expenditure"]), name)]),
                "Baseline ending balance": (base_begin if t == 0 else
                                            cell(rows["Baseline ending balance"], c - 1))
                + f"+{at('Baseline revenue')}-{at('Baseline expenditure')}",
                "Change in ending balance": f"{at('Ending balance')}-{at('Baseline ending balance')}",
            }
            for m, text in forms.items():
                cells[m].append(text)
        fund_name = names_by_key.get(" ".join(name.split()).casefold())
        policy = (F.floor[f], F.target[f], F.ceiling[f])
        for m in FUND_MEASURES:  # constant_memory: each row complete, top to bottom
            r = rows[m]
            write_text(ws, r, 0, name)
            write_text(ws, r, 1, fund_name)
            ws.write_string(r, 2, m, fmt["label"] if m in ("Ending balance", "Reserve ratio") else None)
            num_fmt = fmt["percent"] if m == "Reserve ratio" else fmt["money"]
            for t, text in enumerate(cells[m]):
                if m in NO_DATA_MEASURES and not F.checked[f]:  # no revenue line, no Funds row: no figure
                    ws.write_string(r, fy + t, "no revenue data", fmt["muted"])
                elif text is None:
                    write_num(ws, r, fy + t, values[m][t], num_fmt)
                else:
                    ws.write_formula(r, fy + t, "=" + text, num_fmt, formula_value(values[m][t]))
                    formulas[0] += 1
            if m == "Reserve ratio":
                for j, v in enumerate(policy):
                    write_num(ws, r, fy + 5 + j, v, fmt["percent"])
        rr = rows["Reserve ratio"]
        first, last = cell(rr, fy), cell(rr, fy + 4)
        me = cell(rr, fy)
        fl, ta, ce = (cell(rr, fy + 5 + j, col_abs=True) for j in range(3))
        ws.conditional_format(f"{first}:{last}", {"type": "formula", "stop_if_true": True,
                                                  "criteria": f"=AND(ISNUMBER({me}),ISNUMBER({fl}),{me}<{fl})",
                                                  "format": status_fmt["bad"]})
        ws.conditional_format(f"{first}:{last}", {"type": "formula", "stop_if_true": True,
                                                  "criteria": f"=AND(ISNUMBER({me}),ISNUMBER({ta}),{me}<{ta})",
                                                  "format": status_fmt["warn"]})
        ws.conditional_format(f"{first}:{last}", {"type": "formula",
                                                  "criteria": f"=AND(ISNUMBER({me}),ISNUMBER({ce}),{me}>{ce})",
                                                  "format": status_fmt["high"]})
    ws.freeze_panes(hr + 1, 3)
    print_setup(ws, (hr, hr), "Fund balances")
    return list(F.names)
