"""The review's flags explained in words an elected official reads, for the quarterly report.

One pure function a case, shared by the report workbook (kcplanner.review.report_workbook), the
report PDF (ui.review.report_pdf) and the app:

    department_explanation(r, "Police")
    → "Police is on course to spend $22.3M (7.6%) more than its budget by year end, judged by how
       much it had spent by this point in the three previous years."

`explain(...)` words one figure set (a department, a program, a revenue line); `summary_lines(r)`
the citywide paragraph.  Amounts are rounded for reading ($22.3M, $850K); the tables carry the
exact figures.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .core import Review

NUMBER_WORDS = {1: "one", 2: "two", 3: "three"}
MAX_NAMED = 6      # a summary sentence names at most this many departments or sources, else counts them


def money_short(x: float) -> str:
    """$22.3M, $1.25B, $850K, $940: a figure as a reader says it (sign dropped: the words carry it)."""
    x = abs(float(x))
    if not math.isfinite(x):
        return ""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if round(x / size, 1) >= 1:
            value = x / size
            text = f"{value:,.2f}" if suffix == "B" and value < 10 else f"{value:,.1f}"
            return "$" + text.rstrip("0").rstrip(".") + suffix if "." in text else "$" + text + suffix
    return f"${x:,.0f}"


def _pct(part: float, whole: float) -> str:
    return f"{abs(part) / whole * 100:.1f}%" if whole and math.isfinite(whole) and whole > 0 else ""


def prior_years(r: Review) -> int | None:
    """How many complete prior years (R−1 … R−3) the spending side has, or None when unknown."""
    ledger = getattr(r, "_ledger", None)
    if ledger is None:
        return None
    return int(np.asarray(ledger.complete)[1:].sum())


def basis(share_from: str | None, years: int | None, p: int | None, verb: str = "spent",
          subject: str = "it") -> str:
    """The clause saying what the projection is judged by."""
    if share_from in ("group", "department", "fund"):
        n = f"the {NUMBER_WORDS[years]} previous years" if years in (2, 3) else (
            "the previous year" if years == 1 else "previous years")
        whose = subject if share_from == "group" else (
            "its department as a whole" if share_from == "department" else "its fund's revenue as a whole")
        return f"judged by how much {whose} had {verb} by this point in {n}"
    if share_from == "city":
        whole = "the whole city's spending" if verb == "spent" else "the city's revenue as a whole"
        return f"judged by how much of {whole} had come by this point in previous years"
    months = f"{p} of 12 months" if p else "the months gone by"
    return f"judged only by the share of the year gone by ({months}), for want of complete earlier years"


def explain(name: str, budget: float, projection: float, variance: float, flag: str | None,
            too_early: bool = False, share_from: str | None = "group", years: int | None = None,
            p: int | None = None, revenue: bool = False) -> str:
    """The sentence for one department, program or revenue line (see the module docstring)."""
    budget, projection, variance = float(budget), float(projection), float(variance)
    if revenue:
        how = basis(share_from, years, p, verb="come in", subject="it")
        if too_early:
            return (f"It is too early to tell how much {name} will bring in: in earlier years less than 5% of it "
                    f"had come in by this point, so it is taken as its estimate of {money_short(budget)}.")
        if flag == "short":
            pct = _pct(variance, budget)
            return (f"{name} is on course to bring in {money_short(variance)}{f' ({pct})' if pct else ''} less "
                    f"than estimated by year end, {how}.")
        more = "more" if variance > 0 else "less"
        gap = "" if abs(variance) < 0.5 else f", {money_short(variance)} {more} than estimated"
        return f"{name} is on course to bring in {money_short(projection)} by year end{gap}, {how}."
    how = basis(share_from, years, p)
    if too_early:
        return (f"It is too early to tell whether {name} will keep to its budget of {money_short(budget)}: in "
                f"earlier years less than 5% of its spending had happened by this point, so its projection is "
                f"the budget itself.")
    if flag in ("over", "under"):
        pct = _pct(variance, budget)
        more = "more" if flag == "over" else "less"
        return (f"{name} is on course to spend {money_short(variance)}{f' ({pct})' if pct else ''} {more} than "
                f"its budget by year end, {how}.")
    if abs(variance) < 0.5:
        return f"{name} is on course to spend its budget of {money_short(budget)} by year end, {how}."
    more = "more" if variance > 0 else "less"
    return (f"{name} is on course to spend about its budget of {money_short(budget)} by year end "
            f"({money_short(variance)} {more}, within the tolerance), {how}.")


def bases(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Indexed by `keys`: share_from (the one carrying most of the groups' budget + actual; of equal
    ones the first by name) and too_early (every group too early), in a few vectorized passes."""
    weight = frame["budget"].astype(float).abs().fillna(0.0) + frame["actual"].astype(float).abs().fillna(0.0)
    t = pd.DataFrame({**{k: frame[k].to_numpy(dtype=object) for k in keys},
                      "share_from": frame["share_from"].astype(str).to_numpy(), "_w": weight.to_numpy()})
    sums = t.groupby(keys + ["share_from"], sort=True, dropna=False)["_w"].sum().reset_index()
    sums = sums.iloc[np.lexsort([-sums["_w"].to_numpy()] + [pd.factorize(sums[k], sort=True)[0] for k in keys[::-1]])]
    top = sums.drop_duplicates(keys, keep="first").set_index(keys)["share_from"]
    early = frame.groupby(keys, sort=True, dropna=False)["too_early"].all().astype(bool)
    return pd.DataFrame({"share_from": top, "too_early": early})


def _explain_row(name: str, row: pd.Series, basis_row: pd.Series | None, r: Review, years: int | None) -> str:
    share_from, early = (None, False) if basis_row is None else (basis_row["share_from"], bool(basis_row["too_early"]))
    return explain(str(name), row["budget"], row["projection"], row["variance"], row["flag"], early, share_from,
                   years, r.through)


def department_explanation(r: Review, department: str) -> str:
    """The sentence for a department of the review (its row of `r.departments`)."""
    b = bases(r.spending[r.spending["department"] == department], ["department"])
    return _explain_row(department, r.departments.loc[department], b.iloc[0] if len(b) else None, r, prior_years(r))


def program_explanation(r: Review, department: str, program: str) -> str:
    """The sentence for a program of a department (its row of `r.programs`)."""
    s = r.spending
    b = bases(s[(s["department"] == department) & (s["program"] == program)], ["department", "program"])
    return _explain_row(program, r.programs.loc[(department, program)], b.iloc[0] if len(b) else None, r,
                        prior_years(r))


def explanations(r: Review) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Every department's sentence, and every flagged program's, at once (the report's bulk path:
    the same words as department_explanation and program_explanation)."""
    years = prior_years(r)
    if not len(r.spending):
        return {}, {}
    bd = bases(r.spending, ["department"])
    deps = {d: _explain_row(d, row, bd.loc[d] if d in bd.index else None, r, years)
            for d, row in r.departments.iterrows()}
    flagged = r.programs[r.programs["flag"].notna()]
    bp = bases(r.spending, ["department", "program"])
    progs = {(d, p): _explain_row(p, row, bp.loc[(d, p)] if (d, p) in bp.index else None, r, years)
             for (d, p), row in flagged.iterrows()}
    return deps, progs


def revenue_explanation(row: pd.Series, r: Review) -> str:
    """The sentence for one row of `r.revenue` (a fund's revenue source)."""
    name = f"{row['source']} ({row['fund']})"
    return explain(name, row["budget"], row["projection"], row["variance"], row["flag"], bool(row["too_early"]),
                   str(row["share_from"]), None, r.through, revenue=True)


def summary_lines(r: Review) -> list[str]:
    """The citywide summary in a few sentences (the messages when there is nothing to review)."""
    if r.fiscal_year is None or r.through is None:
        return list(r.messages) or ["Nothing to review."]
    out = []
    d = r.departments
    if len(d):
        b, a, pr = float(d["budget"].sum()), float(d["actual"].sum()), float(d["projection"].sum())
        spent = f" ({_pct(a, b)} of it)" if _pct(a, b) else ""
        pace = (f"it will spend {money_short(pr)} by year end, {money_short(pr - b)} {'more' if pr > b else 'less'} "
                f"than budgeted" if abs(pr - b) >= 0.5 else f"it will spend its budget of {money_short(b)} by year end")
        out.append(f"Through {r.through_label} the city has spent {money_short(a)} of its {money_short(b)} budget"
                   f"{spent}; at this pace {pace}.")
        over, under = d.index[d["flag"] == "over"].tolist(), d.index[d["flag"] == "under"].tolist()
        out.append(_listing(over, "is", "are", "on course to spend more than its budget",
                            "on course to spend more than their budgets", "No department is on course to overspend."))
        out.append(_listing(under, "is", "are", "on course to spend well under its budget",
                            "on course to spend well under their budgets",
                            "No department is on course to underspend by more than the tolerance."))
    if len(r.revenue):
        rb, rp = float(r.revenue["budget"].sum()), float(r.revenue["projection"].sum())
        short = r.revenue[r.revenue["flag"] == "short"]
        names = [f"{s} ({f})" for f, s in zip(short["fund"], short["source"])]
        out.append(f"Revenue is on course to reach {money_short(rp)} against an estimate of {money_short(rb)}; "
                   + _listing(names, "is", "are", "short of its estimate", "short of their estimates",
                              "no source is short of its estimate.", "sources"))
    for f, row in r.funds.iterrows():
        change = float(row["balance_change"])
        if abs(change) >= 0.5:
            out.append(f"{f}: the year will leave {money_short(change)} {'more' if change > 0 else 'less'} in the "
                       f"fund than the adopted plan.")
    return out + list(r.messages)


def _listing(names: list[str], one: str, many: str, what_one: str, what_many: str, none: str,
             noun: str = "departments") -> str:
    if not names:
        return none
    if len(names) > MAX_NAMED:
        return f"{len(names)} {noun} {many} {what_many}."
    if len(names) == 1:
        return f"{names[0]} {one} {what_one}."
    text = ", ".join(names[:-1]) + " and " + names[-1]
    return f"{text} {many} {what_many}."


__all__ = ["money_short", "explain", "basis", "bases", "department_explanation", "program_explanation",
           "explanations", "revenue_explanation", "summary_lines", "prior_years"]
