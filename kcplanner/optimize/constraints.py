"""The policy constraints (reserve floors, structural balance), shared by the MILP, the exact
check of a proposal, the greedy fill and the tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Prepared, Results
from .options import CHECK_TOL, OptimizeOptions

@dataclass
class _Row:
    kind: str          # "floor" or "structural"
    fund: int
    year: int          # plan-year index
    const: float       # slack at the reference point (base rules, no requests, no department changes)
    rhs: float         # slack must be ≥ rhs
    scale: float
    relaxed: bool


class PolicyConstraints:
    """The fiscal constraints of a run: reserve floors and structural balance, fund by fund and year.

    `slack(results)` is (rows,) and `check(results)` lists violated rows in words.  The reference
    point is the base scenario's rules with no funded request and no department change."""

    def __init__(self, prepared: Prepared, reference: Results, options: OptimizeOptions) -> None:
        P = prepared
        self.prepared = P
        self.options = options
        f = reference.funds
        self.fund_names = list(f.names)
        self.labels = list(reference.year_labels)
        rows: list[_Row] = []
        nf, ny = f.expenditure.shape
        slack_floor = f.balance - f.floor[:, None] * f.expenditure
        for fi in range(nf):
            for t in range(ny):
                scale = max(abs(f.expenditure[fi, t]), abs(f.recurring_expenditure[fi, t]), 1.0)
                # every fund with a floor (a fund whose expenditure stays 0 must then keep a
                # balance ≥ 0), and every fund for structural balance (a request may create one)
                if options.reserve_floors and np.isfinite(f.floor[fi]):
                    const = float(slack_floor[fi, t])
                    rows.append(self._row("floor", fi, t, const, scale, options))
                # a fund without revenue data has no structural balance (NaN): nothing to keep
                if options.structural_balance and np.isfinite(f.structural[fi, t]):
                    const = float(f.structural[fi, t])
                    rows.append(self._row("structural", fi, t, const, scale, options))
        self.rows = rows
        self.floor = f.floor

    @staticmethod
    def _row(kind, fi, t, const, scale, options) -> _Row:
        if const < 0 and options.baseline_violations == "no_worse":
            return _Row(kind, fi, t, const, const, scale, True)
        return _Row(kind, fi, t, const, 0.0, scale, False)

    def __len__(self) -> int:
        return len(self.rows)

    def slack(self, results: Results) -> np.ndarray:
        f = results.funds
        out = np.empty(len(self.rows))
        for i, r in enumerate(self.rows):
            if r.kind == "floor":
                out[i] = f.balance[r.fund, r.year] - f.floor[r.fund] * f.expenditure[r.fund, r.year]
            else:
                out[i] = f.structural[r.fund, r.year]
        return out

    def check(self, results: Results) -> list[str]:
        s = self.slack(results)
        return [self.describe(i, s[i]) for i, r in enumerate(self.rows) if s[i] < r.rhs - CHECK_TOL * r.scale]

    def ok(self, results: Results) -> bool:
        s = self.slack(results)
        return all(s[i] >= r.rhs - CHECK_TOL * r.scale for i, r in enumerate(self.rows))

    def name(self, i: int) -> str:
        r = self.rows[i]
        fund, label = self.fund_names[r.fund], self.labels[r.year]
        if r.kind == "floor":
            return f"the {fund} reserve floor ({_pct(self.floor[r.fund])}) in {label}"
        return f"the {fund} structural balance in {label}"

    def describe(self, i: int, slack: float) -> str:
        r = self.rows[i]
        what = self.name(i)
        if r.relaxed:
            return f"{what}: {_money(r.rhs - slack)} worse than before any request"
        return f"{what}: short by {_money(r.rhs - slack)}"

    def relaxed_messages(self) -> list[str]:
        out = []
        for i, r in enumerate(self.rows):
            if r.relaxed:
                fund, label = self.fund_names[r.fund], self.labels[r.year]
                if r.kind == "floor":
                    out.append(f"{fund} is already below its {_pct(self.floor[r.fund])} reserve floor in {label} "
                               f"before any request ({_money(-r.const)} short): kept no worse than that")
                else:
                    out.append(f"{fund} already has a structural deficit of {_money(-r.const)} in {label} "
                               "before any request: kept no worse than that")
        return out


def _pct(x: float) -> str:
    return (f"{x * 100:.2f}".rstrip("0").rstrip(".")) + "%"


def _money(x: float) -> str:
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"

