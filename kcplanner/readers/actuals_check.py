"""Checks of the actuals once every file is read, and the merged tables (SPEC, "Actuals and KPI actuals").

- an Actuals row whose fund, department, or program (of that department) is not in the line items;
- a Revenue Actuals row whose fund and source are not a line of the plan's Revenue sheet;
- the same fiscal month given twice for one line (fund, department, program, account, class) or one
  revenue source, whether as two months, a month and its quarter, or a quarter and its year: an error
  naming both cells.
Rows with such errors move from imported to "row with errors" in their sheet's row count.  Names take
the spelling of the line items and the Revenue sheet (SPEC: first seen).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dataset import ACTUAL_COLUMNS, REVENUE_ACTUAL_COLUMNS, SOURCE_COLUMNS, Budget, Plan
from ..report import ValidationReport
from ..values import name_key
from .actuals import ActualsPart

MAX_MESSAGES = 50


def _codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of a name column: a Categorical's own, else factorized."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.int64), np.asarray(s.cat.categories, dtype=object)
    codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The sheets' rows as one table; a column that is a Categorical in every sheet stays one (its
    categories united), so millions of rows never become Python strings."""
    from pandas.api.types import union_categoricals

    columns = list(frames[0].columns)
    if len(frames) == 1 or any(list(f.columns) != columns for f in frames):
        return pd.concat([f.astype({c: object for c in f.columns if isinstance(f[c].dtype, pd.CategoricalDtype)})
                          for f in frames] if len(frames) > 1 else frames, ignore_index=True)
    out = {}
    for c in columns:
        parts = [f[c] for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            out[c] = union_categoricals(parts, ignore_order=True)
        else:
            out[c] = pd.concat([p.astype(object) if isinstance(p.dtype, pd.CategoricalDtype) else p for p in parts],
                               ignore_index=True)
    return pd.DataFrame(out)


def _keys(s: pd.Series) -> pd.Series:
    """name_key per distinct value (millions of rows, few names), spread back by code."""
    codes, uniques = _codes(s)
    keys = name_key(pd.Series(uniques, dtype=object)).astype(object).to_numpy()
    out = np.append(keys, None)[codes]
    return pd.Series(out, index=s.index, dtype=object)


def _spelling(keys: pd.Series, names: pd.Series) -> dict:
    out: dict = {}
    for k, v in zip(keys, names):
        out.setdefault(k, v)
    return out


def cell(row, cell_col: str) -> str:
    """The A1 cell of a row's field: its column letter and the row's Excel row."""
    letter = row[cell_col]
    return f"{letter}{int(row['source_row'])}" if letter else ""


def _respell(keys: pd.Series, spelled: dict, given: pd.Series) -> np.ndarray:
    """Each name in the spelling first seen (per distinct key); a key not in `spelled` keeps its own."""
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    mapped = np.array([spelled.get(u) for u in uniques] + [None], dtype=object)[codes]
    out = given.to_numpy(dtype=object).copy()
    found = pd.notna(mapped)
    out[found] = mapped[found]
    return out


class _Coded:
    """A name column factorized once: codes (−1 = blank), its distinct values and their keys."""

    def __init__(self, s: pd.Series):
        self.codes, self.uniques = _codes(s)
        self.keys = name_key(pd.Series(self.uniques, dtype=object)).astype(object).to_numpy()

    def isin(self, known: set) -> np.ndarray:
        return np.append(np.array([k in known for k in self.keys], dtype=bool), False)[self.codes]

    def respelt(self, spelled: dict) -> pd.Categorical:
        from .table import spread_categorical

        names = np.array([spelled.get(k, u) for k, u in zip(self.keys, self.uniques)] + [None], dtype=object)
        return spread_categorical(self.codes, names)

    def key_codes(self) -> np.ndarray:
        """One int code per key (two spellings of a name share it)."""
        per_unique = pd.factorize(pd.Series(self.keys, dtype=object))[0]
        return np.append(per_unique, -1).astype(np.int64)[self.codes]


class _Errors:
    def __init__(self, report: ValidationReport, frame: pd.DataFrame):
        self.report, self.frame, self.n = report, frame, 0
        self.bad = np.zeros(len(frame), dtype=bool)

    def add(self, i: int, cell_col: str, message: str) -> None:
        self.n += 1
        self.bad[i] = True
        if self.n <= MAX_MESSAGES:
            r = self.frame.iloc[i]
            self.report.error(r["source_file"], r["source_sheet"], cell(r, cell_col), message)

    def finish(self, what: str) -> None:
        if self.n > MAX_MESSAGES:
            self.report.error("", "", "", f"… and {self.n - MAX_MESSAGES} more rows of {what} with such problems")


def _twice(err: _Errors, frame: pd.DataFrame, key_cols: list[str], what) -> None:
    """The same fiscal month of one line in two rows (periods overlap): an error naming both cells.

    Rows dated (a posting date) are transactions: several in one month of a line are summed by the
    review, not a repeat; a month given as a period (P05, Q2, FY2027) must be the only row of that
    month for its line, dated rows included."""
    ok = ~err.bad
    if not ok.any():
        return
    span = (frame["last_month"] - frame["first_month"] + 1).to_numpy()
    rows = np.repeat(np.flatnonzero(ok), span[ok])
    start = np.repeat(frame["first_month"].to_numpy()[ok], span[ok])
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(span[ok]) - span[ok], span[ok])
    years = frame["fiscal_year"].to_numpy(dtype=np.int64)
    line = _line_codes(frame, key_cols)
    year_m = np.repeat(years[ok] - years[ok].min(), span[ok])
    month = start + offset
    group = pd.factorize((np.repeat(line[ok], span[ok]) * (year_m.max() + 1) + year_m) * 13 + month)[0]
    months = pd.DataFrame({"_y": np.repeat(years[ok], span[ok]), "_m": month})
    dated = frame["_dated"].to_numpy(dtype=bool)[rows]
    size = np.bincount(group)
    stated = np.bincount(group, weights=~dated)
    clash = (size >= 2) & (stated >= 1)
    if not clash.any():
        return
    hit = clash[group]
    first: dict[int, int] = {}
    flagged: set[int] = set()
    for g, i, y, m in zip(group[hit], rows[hit], months["_y"].to_numpy()[hit], months["_m"].to_numpy()[hit]):
        i = int(i)
        if g not in first:
            first[g] = i
            continue
        if i in flagged or i == first[g]:
            continue
        flagged.add(i)
        other = frame.iloc[first[g]]
        err.add(i, "_period_cell", f"fiscal month {int(m)} of FY{int(y)} of {what(frame.iloc[i])} is given "
                f"twice: here and in {other['source_file']}, {other['source_sheet']}, {cell(other, '_period_cell')}; "
                "expected each month once a line (a period's spending, not a running total; postings by date "
                "may repeat a month, a period such as P05 or Q2 may not)")


def _line_codes(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """One int64 code per distinct combination of the key columns (vectorized, no groupby)."""
    code = np.zeros(len(frame), dtype=np.int64)
    for c in cols:
        k, u = pd.factorize(frame[c].to_numpy(), use_na_sentinel=True)
        code = pd.factorize(code * (len(u) + 1) + (k + 1))[0].astype(np.int64)
    return code


def _account_rows(part: ActualsPart, frame: pd.DataFrame, bad: np.ndarray) -> None:
    """Rows found bad here leave the imported count of their sheet for "row with errors"."""
    if not bad.any():
        return
    for c, n in pd.Series(frame["_count"].to_numpy()[bad]).value_counts().items():
        count = part.counts[int(c)]
        count.imported -= int(n)
        count.excluded["row with errors"] += int(n)


def check_actuals(report: ValidationReport, budget: Budget, part: ActualsPart) -> None:
    """Cross-check the Actuals rows against the line items; set `budget.actuals`."""
    if not part.actuals:
        return
    frame = _concat(part.actuals)
    li = budget.line_items
    err = _Errors(report, frame)
    coded = {c: _Coded(frame[c]) for c in ("fund", "department", "program")}
    lk = {c: _keys(li[c]) for c in ("fund", "department", "program")}
    fund_ok = coded["fund"].isin(set(lk["fund"].dropna()))
    dept_ok = coded["department"].isin(set(lk["department"].dropna()))
    known_pairs = set(zip(lk["department"], lk["program"]))
    d, p = coded["department"], coded["program"]
    pair, pair_u = pd.factorize(d.codes.astype(np.int64) * (len(p.keys) + 1) + p.codes)
    pair_ok_u = np.array([(d.keys[c // (len(p.keys) + 1)] if c // (len(p.keys) + 1) < len(d.keys) else None,
                           p.keys[c % (len(p.keys) + 1)] if c % (len(p.keys) + 1) < len(p.keys) else None)
                          in known_pairs for c in pair_u], dtype=bool)
    prog_ok = pair_ok_u[pair]
    for i in np.flatnonzero(~fund_ok):
        err.add(int(i), "_fund_cell", f"actuals for the unknown fund {frame['fund'].iat[i]!r}; expected a fund of the "
                "line items")
    for i in np.flatnonzero(fund_ok & ~dept_ok):
        err.add(int(i), "_dept_cell", f"actuals for the unknown department {frame['department'].iat[i]!r}; expected "
                "a department of the line items")
    for i in np.flatnonzero(fund_ok & dept_ok & ~prog_ok):
        err.add(int(i), "_prog_cell", f"actuals for the program {frame['program'].iat[i]!r}, which is not a program "
                f"of {frame['department'].iat[i]!r} in the line items; expected one of its programs")
    for col, c in coded.items():
        frame[col] = c.respelt(_spelling(lk[col], li[col].astype(object)))
        frame[{"fund": "_fk", "department": "_dk", "program": "_pk"}[col]] = c.key_codes()
    _classes_from_line_items(frame, li)
    if frame["account"].isna().any():  # no account given: the line is its class
        frame["account"] = frame["account"].astype(object).where(frame["account"].notna(),
                                                                 frame["account_class"].astype(object))
    frame["_acct"] = _Coded(frame["account"]).key_codes()
    frame["_cls"] = _Coded(frame["account_class"]).key_codes()
    _twice(err, frame, ["_fk", "_dk", "_pk", "_acct", "_cls"],
           lambda r: f"the line {r['fund']} / {r['department']} / {r['program']} / {r['account']}")
    err.finish("Actuals")
    _account_rows(part, frame, err.bad)
    budget.actuals = _final(frame[~err.bad], ACTUAL_COLUMNS)


def _joined(frame: pd.DataFrame) -> pd.Series:
    """fund, department, program and account keys as one text (for a lookup)."""
    parts = [_keys(frame[c]).fillna("") for c in ("fund", "department", "program", "account")]
    return parts[0].str.cat(parts[1:], sep="\x1f")


def _classes_from_line_items(frame: pd.DataFrame, li: pd.DataFrame) -> None:
    """A row without an account class takes the class of its line item (same fund, department, program and
    account) when that is one class; else Other."""
    missing = frame["account_class"].isna().to_numpy()
    if not missing.any():
        return
    cls = frame["account_class"].astype(object).to_numpy(copy=True)
    if len(li):
        lk = _joined(li)
        table = pd.DataFrame({"k": lk.to_numpy(), "c": li["account_class"].astype(object).to_numpy()}).drop_duplicates()
        single = table[~table["k"].duplicated(keep=False)].set_index("k")["c"]
        sub = frame.loc[missing]
        fk = _joined(sub)
        cls[missing] = fk.map(single).to_numpy()
    frame["account_class"] = np.where(pd.isna(cls), "Other", cls)


def check_revenue_actuals(report: ValidationReport, budget: Budget, plan: Plan, part: ActualsPart) -> None:
    """Cross-check the Revenue Actuals rows against the plan's Revenue lines; set `budget.revenue_actuals`."""
    if not part.revenue:
        return
    frame = _concat(part.revenue)
    rev = plan.revenue
    err = _Errors(report, frame)
    fk, sk = _keys(frame["fund"]), _keys(frame["source"])
    rk = _keys(rev["fund"]).str.cat(_keys(rev["source"]), sep="\x1f") if len(rev) else pd.Series([], dtype=object)
    pair = fk.str.cat(sk, sep="\x1f")
    # Without a plan's Revenue sheet (a budget-only run) there is nothing to check the sources against:
    # the rows are kept as given, and one warning says so (an unknown source is an error only when
    # there is a Revenue sheet that does not have it).
    known = pair.isin(set(rk)).to_numpy() if len(rev) else np.ones(len(frame), dtype=bool)
    if not len(rev) and len(frame):
        first = frame.iloc[0]
        report.warning(str(first["source_file"]), str(first["source_sheet"]), "",
                       f"{len(frame):,} revenue actuals rows were read without checking their funds and sources: "
                       "no plan Revenue sheet was given (give --plan to check them)")
    for i in np.flatnonzero(~known):
        err.add(int(i), "_source_cell", f"revenue actuals for the unknown source {frame['source'].iat[i]!r} of the fund "
                f"{frame['fund'].iat[i]!r}; expected a fund and source of the plan's Revenue sheet")
    if len(rev):
        for col, keys in (("fund", fk), ("source", sk)):
            frame[col] = _respell(keys, _spelling(_keys(rev[col]), rev[col].astype(object)), frame[col])
    frame["_fk"], frame["_sk"] = fk.to_numpy(), sk.to_numpy()
    _twice(err, frame, ["_fk", "_sk"], lambda r: f"the revenue source {r['fund']} / {r['source']}")
    err.finish("Revenue Actuals")
    _account_rows(part, frame, err.bad)
    budget.revenue_actuals = _final(frame[~err.bad], REVENUE_ACTUAL_COLUMNS)


def _final(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns + SOURCE_COLUMNS].reset_index(drop=True)
    for c in ("fiscal_year", "first_month", "last_month", "source_row"):
        out[c] = out[c].astype(np.int64)
    out["amount"] = out["amount"].astype(float)
    return out


def kpi_history_from_actuals(plan: Plan) -> None:
    """SPEC "Evidence for the drivers": a KPI's yearly KPI Actuals come first in its history."""
    ka = plan.kpi_actuals
    if not len(ka):
        return
    yearly = ka[ka["period_kind"] == "year"][["kpi_id", "fiscal_year", "value"]]
    if not len(yearly):
        return
    hist = plan.kpi_history
    if len(hist):
        taken = set(zip(_keys(yearly["kpi_id"]), yearly["fiscal_year"].astype(int)))
        rest = hist[[(k, int(y)) not in taken for k, y in zip(_keys(hist["kpi_id"]), hist["fiscal_year"])]]
        yearly = pd.concat([yearly, rest], ignore_index=True)
    yearly = yearly.reset_index(drop=True)
    yearly["fiscal_year"] = yearly["fiscal_year"].astype(np.int64)
    yearly["value"] = yearly["value"].astype(float)
    plan.kpi_history = yearly
