"""Which amounts the baseline's first plan year comes from (docs/model.md, "Where the baseline comes from").

E0[i, y1] is a line's Requested amount for y1, else its Adopted amount for y0, else its latest
Actual (SPEC "Baseline expenditure").  A city's FY2016-17 Adopted budget therefore becomes the
FY2017-18 baseline; the app and the exports say so: `FY2016-17 Adopted → FY2017-18 baseline`.
When the lines draw on several sources the predominant one by amount is named ("mostly …") and
`detail` lists them all with their shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: A source that feeds less than this share of the dollars does not make the label "mostly …".
PURE_SHARE = 0.995


@dataclass(frozen=True)
class SourcePart:
    phase: str            # "Requested", "Adopted", "Actual" or "" (no amount: the line starts at 0)
    year: int | None      # the fiscal year of the amounts
    label: str            # "FY2016-17 Adopted"
    lines: int
    amount: float         # Σ |amount| over the lines it feeds
    share: float          # of the dollars (of the lines when there are no dollars)


@dataclass(frozen=True)
class BaselineSource:
    parts: tuple[SourcePart, ...]   # largest first
    first_plan_year: int
    first_label: str                # "FY2017-18"
    grown: bool                     # y1 growth rates from Assumptions apply to Adopted/Actual amounts

    @property
    def main(self) -> SourcePart | None:
        return self.parts[0] if self.parts else None

    @property
    def mixed(self) -> bool:
        return bool(self.parts) and self.parts[0].share < PURE_SHARE

    @property
    def source_label(self) -> str:
        """`FY2016-17 Adopted`, `mostly FY2016-17 Adopted`, or `no amounts`."""
        m = self.main
        if m is None or not m.phase:
            return "no amounts"
        return ("mostly " if self.mixed else "") + m.label

    @property
    def short_label(self) -> str:
        """`FY17 Adopted`, or with its share when mixed: `FY27 Requested 98%` (column headers)."""
        m = self.main
        if m is None or not m.phase:
            return "no amounts"
        return f"FY{m.year % 100:02d} {m.phase}" + (f" {m.share * 100:.0f}%" if self.mixed else "")

    def describe(self) -> str:
        """`FY2016-17 Adopted → FY2017-18 baseline`."""
        return f"{self.source_label} → {self.first_label} baseline"

    @property
    def detail(self) -> str:
        """Every source with its share of the dollars and its lines, in words (tooltips, exports)."""
        if not self.parts:
            return f"The {self.first_label} baseline has no line items."
        bits = []
        for p in self.parts:
            what = p.label if p.phase else "no amount (counted as 0)"
            share = f"{p.share * 100:.1f}% of the dollars, " if p.phase else ""
            bits.append(f"{what}: {share}{p.lines:,} line(s)")
        growth = "; Adopted and Actual amounts grown by the Assumptions rates" if self.grown else ""
        return f"The {self.first_label} baseline comes from " + "; ".join(bits) + growth + "."


def _column(amounts: pd.DataFrame, year: int, phase: str, n: int) -> np.ndarray:
    if (year, phase) in amounts.columns:
        return pd.to_numeric(amounts[(year, phase)], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.full(n, np.nan)


def baseline_source(prepared) -> BaselineSource:
    """The sources of E0[:, y1] for `prepared` (vectorized over line items; a few columns loop)."""
    P = prepared
    amounts = P.dataset.budget.amounts
    n = P.n_lines
    y1 = P.plan_years[0]
    y0 = y1 - 1
    requested = _column(amounts, y1, "Requested", n)
    adopted = _column(amounts, y0, "Adopted", n)
    actual = np.full(n, np.nan)
    actual_year = np.zeros(n, dtype=np.int64)
    for y in sorted({int(y) for (y, p) in amounts.columns if p == "Actual" and int(y) <= y0}):
        col = _column(amounts, y, "Actual", n)
        given = ~np.isnan(col)
        actual = np.where(given, col, actual)
        actual_year = np.where(given, y, actual_year)
    has_req = ~np.isnan(requested)
    has_ado = ~has_req & ~np.isnan(adopted)
    has_act = ~has_req & ~has_ado & ~np.isnan(actual)
    none = ~(has_req | has_ado | has_act)
    parts: list[tuple[str, int | None, int, float]] = []
    for phase, year, mask, values in (("Requested", y1, has_req, requested), ("Adopted", y0, has_ado, adopted)):
        if mask.any():
            parts.append((phase, year, int(mask.sum()), float(np.abs(values[mask]).sum())))
    if has_act.any():
        years, inv = np.unique(actual_year[has_act], return_inverse=True)
        sums = np.bincount(inv, weights=np.abs(actual[has_act]))
        counts = np.bincount(inv)
        parts += [("Actual", int(y), int(c), float(s)) for y, c, s in zip(years, counts, sums)]
    if none.any():
        parts.append(("", None, int(none.sum()), 0.0))
    total = sum(p[3] for p in parts)
    out = []
    for phase, year, lines, amount in parts:
        share = amount / total if total > 0 else (lines / n if n else 0.0)
        label = f"{P.label(year)} {phase}" if phase else "no amount"
        out.append(SourcePart(phase, year, label, lines, amount, share))
    out.sort(key=lambda p: (-p.amount, -p.lines, p.label))
    if total <= 0:  # no dollars at all: the part with most lines first, "no amount" last
        out.sort(key=lambda p: (not p.phase, -p.lines, p.label))
    g1 = np.asarray(P.growth)[:, 0] if np.asarray(P.growth).size else np.zeros(0)
    grown = bool((g1 != 0).any()) and bool((has_ado | has_act).any())
    return BaselineSource(tuple(out), y1, P.label(y1), grown)
