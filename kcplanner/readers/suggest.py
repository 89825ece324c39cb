"""Suggested import mappings for workbooks of unknown layout, so the user mostly confirms.

`suggest_mapping(path, sheet=None)` reads the sheet once and proposes, with a short reason per field
(`Mapping.explanations`):

- the header row: the row (of the first 20) with the most text cells;
- the table: KPIs when the headers name measures, revenue when the file or its headers say revenue
  and nothing says expense, else line items — with a split when a column holds only Expense / Revenue;
- each field from header names (`Fund`, `Dept`, `Program`, `Account Description` …), and where
  several columns fit, from their contents: a column of names beats a `code - name` column, which
  beats a column of codes (Oakland: `Fund And Descrciption` over `Fund And Fund Description` over
  `Fund`);
- the account class from the candidate column whose values best read as account classes, with a
  values map for each of its texts (`Supplies & Materials` → Commodities);
- amounts: one column per year and phase when the headers say so (`FY21 Actual Expense`,
  `FY23 Appropriation` → Adopted), else the most amount-like numeric column — never a running total,
  subtotal or cumulative column, recognised by its values (`amount_checks.derived_columns`) — with the fiscal year
  from a year column or from the file or sheet name (`…FY2016-17…` → 2017) and the phase from a
  phase column or a phase word in the file name (default Adopted);
- sentinel texts (`#Missing`, `#N/A`, `No Data` …) found among numbers;
- no fund column: the constant `General Fund`;
- KPIs: ID, name, department, program, type, the current year, its target (approved before amended
  before proposed), prior actuals as history (`PFY1_ACTUAL` → year − 1), a key-measure filter, and
  direction guesses from the names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import values as V
from ..fiscal import LINE_ITEM_PHASES, REVENUE_PHASES, parse_fiscal_year
from .amount_checks import derived_columns, numeric_columns
from .columns import CLASS_LOOKUP, norm
from .mapping import ACTUAL_TABLES, Mapping, Split
from .mapping_sheet import header_text, key, open_sheet
from .table import HEADER_SEARCH_ROWS
from .workbook import ERROR_TEXTS

DEFAULT_FUND = "General Fund"

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9\-_./]{0,11}$")
_CODE_NAME = re.compile(r"^\S{1,14}\s+-\s+\S")
_YEAR_TOKEN = re.compile(r"(?i)(?<![0-9A-Z])(FY\s*[-_]?\s*\d{2,4}(?:\s*[-/]\s*\d{2,4})?|(?:19|20)\d{2}(?:\s*[-/]\s*\d{2,4})?)")
PHASE_WORDS = (("actual", "Actual"), ("adopted", "Adopted"), ("appropriation", "Adopted"),
               ("approved", "Adopted"), ("enacted", "Adopted"), ("budget", "Adopted"),
               ("proposed", "Requested"), ("requested", "Requested"), ("request", "Requested"),
               ("recommended", "Requested"), ("submitted", "Requested"), ("estimate", "Estimate"),
               ("projected", "Projected"), ("projection", "Projected"))
_NUMBER = re.compile(r"^[-+($]*[\d,. ]+[)%]?$")
SENTINEL = re.compile(r"^(#.+|(no|not|new|n/?a)\b.+|n/?a|-+|none|null)$", re.IGNORECASE)

FIELD_KEYS = {
    "fund": ("fund",),
    "department": ("department", "dept", "agency", "bureau"),
    "program": ("program", "division", "activity", "costcenter", "section", "unit"),
    "account": ("accountdescription", "accountname", "account", "object", "lineitem"),
    "account_class": ("accountclass", "expensecategory", "expenditurecategory", "objectclass", "expensetype",
                      "category", "categ", "class", "type"),
    "recurring": ("recurring", "ongoing"),
    "source": ("revenuesource", "source", "account", "revenue"),
    "phase": ("phase", "stage", "version"),
}
KPI_KEYS = {
    "kpi_id": ("measureid", "kpiid", "indicatorid", "measurenumber", "id"),
    "name": ("measurename", "kpiname", "indicatorname", "measure", "name", "kpi", "indicator"),
    "department": ("department", "dept", "agency"),
    "program": ("programname", "program", "division", "activity"),
    "measure_type": ("measuretype", "type"),
    "unit": ("unitofmeasure", "units", "unit"),
}
CLASS_KEYWORDS = (
    ("Personnel Services", r"salar|wage|payroll|personnel|personal serv|fringe|benefit|retire|pension|overtime|"
                           r"allowance|premium|sworn|civilian|staff|employee"),
    ("Debt Service", r"debt|bond|principal|interest exp"),
    ("Transfers", r"transfer|contributions? to fund"),
    ("Capital Outlay", r"capital|equipment|vehicle"),
    ("Commodities", r"suppl|material|commodit"),
    ("Contractual Services", r"contract|service|travel|education|training|utilit|rent|charges|professional|"
                             r"maintenance"),
)


@dataclass
class Profile:
    j: int
    header: str
    hk: str
    n: int  # nonblank cells
    numeric: float  # share of nonblank cells that read as numbers
    distinct: int
    quality: int  # 2 names, 1 code - name, 0 codes
    values: np.ndarray  # the column
    texts: list[str]  # non-numeric texts (distinct)


def _profile(grid_col: np.ndarray, j: int, header) -> Profile:
    """Judged on the distinct values of the column, weighted by how often each occurs."""
    col = grid_col
    codes, uniques = pd.factorize(pd.Series(col, dtype=object), use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques)).astype(float)
    blank_u = np.array([v is None or (isinstance(v, str) and not v.strip()) for v in uniques], dtype=bool)
    n = int(counts[~blank_u].sum())
    vals, _bad = V.parse_amounts(uniques) if len(uniques) else (np.zeros(0), np.zeros(0, dtype=bool))
    num_u = ~np.isnan(vals) & ~blank_u
    word_u = ~num_u & ~blank_u & np.array([isinstance(u, str) for u in uniques], dtype=bool)
    sent_u = word_u & np.array([isinstance(u, str) and (u.strip() in ERROR_TEXTS or bool(SENTINEL.match(u.strip())))
                                for u in uniques], dtype=bool)
    denom = n - float(counts[sent_u].sum())  # sentinels (#Missing, No Data) do not count against numbers
    numeric = float(counts[num_u].sum() / denom) if denom > 0 else 0.0
    words = [str(u).strip() for u in uniques[word_u]]
    w = counts[word_u]
    tot = float(w.sum()) or 1.0
    code = float(sum(c for t, c in zip(words, w) if _CODE.match(t)) / tot)
    code_name = float(sum(c for t, c in zip(words, w) if _CODE_NAME.match(t)) / tot)
    if numeric > 0.8 or code > 0.6:
        quality = 0
    elif code_name > 0.5:
        quality = 1
    else:
        quality = 2
    hdr = header_text(header)
    return Profile(j, hdr, norm(hdr), n, numeric, len(uniques), quality, col, words)


def _header_row(grid: np.ndarray) -> int:
    best, best_n = 0, -1
    for r in range(min(HEADER_SEARCH_ROWS, grid.shape[0])):
        n = 0
        for v in grid[r]:
            if isinstance(v, str) and v.strip() and not _NUMBER.match(v.strip()) \
                    and parse_fiscal_year(v.strip()) is None:
                n += 1
        if n > best_n:
            best, best_n = r, n
    return best


def class_of(text: object) -> str:
    """An account class for a source text: the class names and aliases, else keywords, else Other."""
    c = CLASS_LOOKUP.get(norm(text))
    if c:
        return c
    t = " ".join(str(text).split()).casefold()
    for cls, pat in CLASS_KEYWORDS:
        if re.search(pat, t):
            return cls
    return "Other"


def _phase_word(text: str) -> str | None:
    t = text.casefold()
    for w, ph in PHASE_WORDS:
        if re.search(r"(?<![a-z])" + w, t):
            return ph
    return None


def year_phase_of_header(h: str) -> tuple[int, str] | None:
    """`FY21 Actual Expense` → (2021, Actual); `FY23 Appropriation` → (2023, Adopted); else None."""
    m = _YEAR_TOKEN.search(h)
    if not m:
        return None
    y = parse_fiscal_year(re.sub(r"\s+", "", m.group(1)).replace("_", ""))
    if y is None:
        return None
    ph = _phase_word(h[:m.start()] + " " + h[m.end():])
    return (y, ph) if ph else None


def year_from_name(text: str) -> int | None:
    for m in _YEAR_TOKEN.finditer(text):
        y = parse_fiscal_year(re.sub(r"\s+", "", m.group(1)).replace("_", ""))
        if y is not None:
            return y
    return None


def _pick(profiles: list[Profile], keys: tuple[str, ...], taken: set[int], prefer_names: bool = True,
          unique: bool = False) -> Profile | None:
    best, best_rank = None, None
    for p in profiles:
        if p.j in taken or not p.hk or p.n == 0:
            continue
        for ki, k in enumerate(keys):
            if k in p.hk:
                if unique and p.distinct < p.n:
                    break
                rank = (ki, -p.quality if prefer_names else 0, p.hk != k, p.j)
                if best_rank is None or rank < best_rank:
                    best, best_rank = p, rank
                break
    return best


def suggest_mapping(path, sheet: str | None = None, table: str | None = None) -> Mapping:
    """A proposed mapping for `path` (its `sheet`, else the first sheet with data); see the module doc.
    `table` (line_items, revenue, kpis, or actuals, revenue_actuals, kpi_actuals) fixes the table instead
    of guessing it (the year in execution's tables are never guessed: say which)."""
    path = Path(path)
    s, _names = open_sheet(path, sheet)
    grid = s.grid()
    r = _header_row(grid)
    s.find_errors(r + 1)  # error cells (#N/A) as their text: they are sentinels to propose
    grid = s.grid()
    m = suggest_from_grid(grid, path.name, s.name, r, table)
    if path.suffix.lower() == ".csv":
        m.sheet = None  # a CSV is one sheet: the mapping then fits next year's file too
    return m


def suggest_from_grid(grid: np.ndarray, file_name: str = "", sheet_name: str = "", header: int | None = None,
                      table: str | None = None) -> Mapping:
    r = _header_row(grid) if header is None else header
    headers = list(grid[r])
    data = grid[r + 1:]
    profiles = [_profile(data[:, j], j, headers[j]) for j in range(len(headers))]
    profiles = [p for p in profiles if p.header]
    hks = {p.hk for p in profiles}
    why: dict[str, str] = {}
    m = Mapping(sheet=sheet_name or None, header_row=r + 1)
    # sentinels
    sentinels: list[str] = []
    for p in profiles:
        for t in p.texts:
            if (t in ERROR_TEXTS or (p.numeric >= 0.5 and SENTINEL.match(t))) and t.casefold() != "no" \
                    and t not in sentinels:
                sentinels.append(t)
    if sentinels:
        m.missing = sentinels
        why["missing"] = ("texts found among the numbers (or Excel error cells), read as not given: "
                          + ", ".join(sentinels[:10]))
    if table in ACTUAL_TABLES:
        from .suggest_actuals import suggest_actuals

        suggest_actuals(m, profiles, len(data), table, why, {**FIELD_KEYS, "kpi_id": KPI_KEYS["kpi_id"]}, _pick)
        m.explanations = why
        return m
    kpi_like = any(k in hks for k in ("measureid", "kpiid", "indicatorid")) or \
        sum("measure" in p.hk for p in profiles) >= 2
    if table is not None:
        kpi_like = table == "kpis"
    if kpi_like:
        _suggest_kpis(m, profiles, why)
        m.explanations = why
        return m
    taken: set[int] = set()
    # split: a column of Expense / Revenue
    split_p = None
    for p in profiles if table != "revenue" else ():
        ks = {key(t) for t in p.texts}
        exp_rev = {"expense", "expenses", "expenditure", "expenditures", "revenue", "revenues"}
        kinds = {k[:3] for k in ks & exp_rev}
        if p.numeric < 0.1 and kinds == {"exp", "rev"} and len(ks) <= 6:
            cells = [key(v) for v in p.values]
            nonblank = [c for c in cells if c]
            if sum(c in exp_rev for c in nonblank) < 0.8 * max(len(nonblank), 1):
                continue
            split_p = p
            vals = {t: ("revenue" if key(t).startswith("revenue") else "line_items")
                    for t in p.texts if key(t) in exp_rev}
            m.split = Split(p.header, vals)
            taken.add(p.j)
            why["split"] = f"{p.header!r} holds only {', '.join(sorted(p.texts))}: expense rows are line items, " \
                           "revenue rows revenue lines"
            break
    low_name = (file_name + " " + sheet_name).casefold()
    revenue_only = split_p is None and ("revenue" in low_name or any(h.startswith("revenue") for h in hks)) and \
        not any(k in h for h in hks for k in ("expense", "expenditure", "program"))
    if table is not None:
        revenue_only = table == "revenue"
    m.table = "revenue" if revenue_only else "line_items"
    dests = {"revenue"} if revenue_only else ({"line_items", "revenue"} if split_p else {"line_items"})
    # amounts: never a running total, subtotal or cumulative column (judged by its values)
    derived = derived_columns([header_text(h) for h in headers], data,
                              numeric_columns([header_text(h) for h in headers], data, min_numeric=0.5))
    if derived:
        why["derived"] = "not amounts: " + "; ".join(f"{h!r}: {r}" for h, r in derived.items())
    wide: dict[str, tuple[int, str]] = {}
    allowed = set(LINE_ITEM_PHASES if "line_items" in dests else REVENUE_PHASES)
    if "revenue" in dests:
        allowed &= set(REVENUE_PHASES)
    for p in profiles:
        yp = year_phase_of_header(p.header)
        if yp and p.numeric >= 0.5 and yp[1] in allowed and p.header not in derived:
            wide[p.header] = yp
            taken.add(p.j)
    if wide:
        m.amounts = wide
        notes = [f"{h} → {ph} {y}" for h, (y, ph) in wide.items()]
        why["amounts"] = "one column per year and phase, from the headers: " + "; ".join(notes)
        if any("appropriation" in h.casefold() for h in wide):
            why["amounts"] += " (an Appropriation is the year's adopted budget: Adopted)"
    else:
        best, best_score = None, None
        for p in profiles:
            if p.j in taken or p.numeric < 0.9 or p.n < 0.5 * max(len(data), 1) or p.header in derived:
                continue
            vals, _bad = V.parse_amounts(p.values)
            v = vals[~np.isnan(vals)]
            score = 0.0
            if any(k in p.hk for k in ("amt", "amount", "dollar", "total", "budget", "value", "appropriation",
                                       "expense", "revenue", "actual", "adopted")):
                score += 3
            if any(k in p.hk for k in ("code", "id", "number", "unit", "org", "fund", "account", "year", "fy",
                                       "key", "level", "category", "no")):
                score -= 3
            if len(v) and ((v < 0).any() or (v != np.round(v)).any()):
                score += 1
            score += p.distinct / max(p.n, 1)
            if best_score is None or score > best_score:
                best, best_score = p, score
        if best is not None:
            m.amount = best.header
            taken.add(best.j)
            why["amount"] = f"{best.header!r} is the most amount-like numeric column ({best.numeric:.0%} numbers)"
            yp = None
            for p in profiles:
                if p.j in taken or not ("year" in p.hk or p.hk in ("fy", "cfy")):
                    continue
                ys = [parse_fiscal_year(t) for t in p.texts] if p.texts else []
                if p.texts and all(y is not None for y in ys):
                    yp = p
                    break
            fy_name = year_from_name(Path(file_name).stem) or year_from_name(sheet_name)
            if yp is not None:
                m.columns["fiscal_year"] = yp.header
                taken.add(yp.j)
                why["fiscal_year"] = f"the column {yp.header!r} ({', '.join(yp.texts[:3])})" + \
                    (f"; the file name says FY{fy_name} too" if fy_name else "")
            elif fy_name:
                m.constants["fiscal_year"] = fy_name
                why["fiscal_year"] = f"no year column; the file or sheet name says {fy_name}"
            ph = _pick(profiles, FIELD_KEYS["phase"], taken)
            if ph is not None:
                m.columns["phase"] = ph.header
                taken.add(ph.j)
                why["phase"] = f"the column {ph.header!r}"
            else:
                word = _phase_word(Path(file_name).stem + " " + sheet_name)
                m.constants["phase"] = word or "Adopted"
                why["phase"] = (f"the file or sheet name says {word}" if word else
                                "no phase column and none in the file name: assumed Adopted")
    # text fields
    fields = ("fund", "source", "recurring") if revenue_only else \
        ("fund", "department", "program", "account", "recurring") + (("source",) if False else ())
    for f in fields:
        p = _pick(profiles, FIELD_KEYS[f], taken)
        if p is not None and p.numeric < 0.5:
            m.columns[f] = p.header
            taken.add(p.j)
            kind = {2: "names", 1: "codes with names", 0: "codes"}[p.quality]
            why[f] = f"the header {p.header!r} ({kind})"
    if "fund" not in m.columns:
        m.constants["fund"] = DEFAULT_FUND
        why["fund"] = f"the sheet has no fund column: every line in the {DEFAULT_FUND} (change it if not)"
    # account class: the candidate whose values read best as classes
    if not revenue_only:
        mask = np.ones(len(data), dtype=bool)
        if split_p is not None:
            mask = np.array([key(v) in {key(t) for t, d in m.split.values.items() if d == "line_items"}
                             for v in split_p.values], dtype=bool)
        best, best_cov = None, -1.0
        for ki, k in enumerate(FIELD_KEYS["account_class"]):
            for p in profiles:
                if p.j in taken - {pp.j for pp in profiles if pp.header == m.columns.get("account")} or \
                        k not in p.hk or p.numeric > 0.5 or p.distinct > 80:
                    continue
                col = p.values[mask]
                codes, uniques = pd.factorize(pd.Series(col, dtype=object), use_na_sentinel=True)
                cls = np.array([class_of(u) != "Other" for u in uniques] + [False], dtype=bool)
                cov = float(cls[codes].mean()) if len(codes) else 0.0
                if cov > best_cov + 1e-9:
                    best, best_cov = p, cov
        if best is not None:
            m.columns["account_class"] = best.header
            col = best.values[mask]
            uniq = [str(u).strip() for u in pd.unique(pd.Series(col, dtype=object)) if isinstance(u, str) and u.strip()]
            vm = {u: class_of(u) for u in uniq}
            if any(CLASS_LOOKUP.get(norm(u)) != c for u, c in vm.items()):
                m.values["account_class"] = vm
            why["account_class"] = (f"the values of {best.header!r} read as account classes ({best_cov:.0%} of the "
                                    "rows by keyword; the rest Other); check the values map")
            if "account" not in m.columns:
                m.columns["account"] = best.header
                why["account"] = f"no account column: the account is the {best.header!r} text"
    if "revenue" in dests and "source" not in m.columns and revenue_only:
        p = _pick(profiles, FIELD_KEYS["source"], taken)
        if p is not None:
            m.columns["source"] = p.header
            why["source"] = f"the header {p.header!r}"
    if split_p is not None:
        why["source"] = "revenue rows take their source from the account column"
    # recurring from a category holding "Non-Recurring …"
    if "recurring" not in m.columns:
        for p in profiles:
            nonrec = [t for t in p.texts if re.search(r"non-?\s?recurring|one-?\s?time", t, re.IGNORECASE)]
            if nonrec and p.numeric < 0.5 and p.distinct <= 80:
                m.columns["recurring"] = p.header
                m.values["recurring"] = {**{t: "N" for t in nonrec}, "*": "Y"}
                why["recurring"] = f"{p.header!r} has {', '.join(map(repr, nonrec))}: those rows are not recurring"
                break
    m.explanations = why
    return m


def _suggest_kpis(m: Mapping, profiles: list[Profile], why: dict[str, str]) -> None:
    m.table = "kpis"
    taken: set[int] = set()
    for f in ("kpi_id", "name", "department", "program", "measure_type", "unit"):
        p = _pick(profiles, KPI_KEYS[f], taken, prefer_names=(f not in ("kpi_id", "department")),
                  unique=(f == "kpi_id"))
        if p is not None:
            m.columns[f] = p.header
            taken.add(p.j)
            why[f] = f"the header {p.header!r}"
    for p in profiles:
        if p.j not in taken and (p.hk in ("cfy", "fy", "fiscalyear", "currentfiscalyear", "year")):
            vals, _ = V.parse_amounts(p.values)
            if np.nanmin(vals) >= 1900 if (~np.isnan(vals)).any() else False:
                m.columns["fiscal_year"] = p.header
                taken.add(p.j)
                why["fiscal_year"] = f"{p.header!r}: the export's current fiscal year"
                break
    for word in ("approved", "adopted", "target", "goal", "amended", "proposed"):
        cands = [p for p in profiles if p.j not in taken and word in p.hk and
                 not re.match(r"^(pfy|py|prior)", p.hk) and p.numeric >= 0.3]
        if cands:
            m.columns["target"] = cands[0].header
            taken.add(cands[0].j)
            why["target"] = f"{cands[0].header!r}: this year's target ({word})"
            break
    for p in profiles:
        mm = re.match(r"^p(?:rior)?fy(\d+)actual", p.hk)
        if mm:
            m.history[p.header] = -int(mm.group(1))
            continue
        yp = year_phase_of_header(p.header)
        if yp and yp[1] == "Actual" and p.j not in taken:
            m.history[p.header] = yp[0]
    if m.history:
        why["history"] = "prior actuals: " + ", ".join(f"{c} → {'year ' + str(y) if abs(y) >= 1900 else f'FY {y:+d}'}"
                                                       for c, y in m.history.items())
    for p in profiles:
        if "key" in p.hk:
            ks = {key(t) for t in p.texts} | {key(v) for v in pd.unique(pd.Series(p.values, dtype=object))}
            if ks <= {"0", "1", "y", "n", "yes", "no", "true", "false", ""} and len(ks - {""}) == 2:
                keep = [1] if {"0", "1"} & ks else ["Y"]
                m.where[p.header] = keep
                why["where"] = f"only key measures ({p.header} = {keep[0]}); remove to import every measure"
                break
    m.guess_directions = True
    why["direction"] = ("guessed from each measure's name and type where it can be told (times, days, costs per "
                        "unit, injuries, crimes … lower is better); choose a direction for the others")
    why["goal_id"] = "no goal column: one goal, Imported measures"
