"""Which groups or revenue lines a rule acts on, and why a rule or funded request cannot apply.

`RuleTargets` is a base of `Prepared`: it reads the codes and group arrays that `prepare` settles
and caches what each rule target matches.  `evaluate` asks it for every rule; `validate` lists
the problems of a whole scenario (rules counted from 1, as the app shows them).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

import numpy as np

from ..scenario import Rule, Scenario, Target, value_problem
from .codes import NYEARS, PERSONNEL, Vocab, _codes_lookup, name_key
from .columns import _float
from .driver_values import driver_elasticities


@dataclass
class TargetInfo:
    """What a rule target matches (cached per target and kind)."""

    side: str                      # "expenditure" or "revenue"
    idx: np.ndarray | slice | None  # group indices (a slice when contiguous) or revenue line indices
    n: np.ndarray | None           # lines that exist per plan year among the matches
    problem: str | None = None     # why the rule cannot be applied (invalid)
    cost_per_fte: float = np.nan   # fte rules
    cost_source: str = ""          # "positions" or "settings default"


class RuleTargets:
    """Rule targeting and validation over the arrays of a `Prepared` (its base class)."""

    def target_info(self, target: Target, kind: str) -> TargetInfo:
        key = (target, kind)
        info = self._targets.get(key)
        if info is None:
            info = self._target_info(target, kind)
            self._targets[key] = info
        return info

    def _lookup(self, vocab: Vocab, name: str, what: str, where: str) -> tuple[int | None, str | None]:
        code = vocab.find(name)
        if code is None:
            return None, f"no {where} of {what} '{name}'{vocab.suggest(name)}"
        return code, None

    def _target_info(self, target: Target, kind: str) -> TargetInfo:
        if target.is_revenue:
            if kind == "fte":
                return TargetInfo("revenue", None, None, "an fte rule adds positions to a program; it cannot target a revenue source")
            extra = [k for k in ("department", "program", "account_class") if getattr(target, k) is not None]
            if extra:
                return TargetInfo("revenue", None, None,
                                  f"a revenue-source rule can be narrowed by fund only; revenue lines have no {extra[0].replace('_', ' ')}")
            mask = np.ones(len(self.rev_fund), dtype=bool)
            for attr, vocab, codes, what in (("fund", self.funds, self.rev_fund, "fund"),
                                             ("revenue_source", self.sources, self.rev_source, "revenue source")):
                name = getattr(target, attr)
                if name is None:
                    continue
                code, problem = self._lookup(vocab, name, what, "revenue lines")
                if problem is None and not (codes == code).any():
                    problem = f"no revenue lines of {what} '{name}'"
                if problem:
                    return TargetInfo("revenue", None, None, problem)
                mask &= codes == code
            idx = np.flatnonzero(mask)
            if idx.size == 0:
                return TargetInfo("revenue", None, None, f"no revenue lines match {target.describe()}")
            return TargetInfo("revenue", idx, np.full(NYEARS, float(idx.size)))

        if kind == "fte" and target.program is None:
            return TargetInfo("expenditure", None, None, "an fte rule must name a program")
        if kind == "fte" and target.account_class is not None and name_key(target.account_class) != PERSONNEL:
            return TargetInfo("expenditure", None, None,
                              f"an fte rule adds to Personnel Services lines; account class '{target.account_class}' conflicts")
        mask = np.ones(self.n_groups, dtype=bool)
        for attr, vocab, codes, what in (("fund", self.funds, self.g_fund, "fund"),
                                         ("department", self.departments, self.g_dept, "department"),
                                         ("program", self.programs, self.g_prog, "program"),
                                         ("account_class", self.classes, self.g_class, "account class")):
            name = getattr(target, attr)
            if name is None:
                continue
            code, problem = self._lookup(vocab, name, what, "line items")
            if problem is None and not (codes == code).any():
                problem = f"no line items of {what} '{name}'"
            if problem:
                return TargetInfo("expenditure", None, None, problem)
            mask &= codes == code
        if not mask.any():
            return TargetInfo("expenditure", None, None, f"no line items match {target.describe()}")
        info = TargetInfo("expenditure", None, None)
        if kind == "fte":
            ps = self.classes.find("Personnel Services")
            ps_mask = mask & (self.g_class == (-2 if ps is None else ps))
            if not ps_mask.any():
                return TargetInfo("expenditure", None, None,
                                  f"program '{target.program}' has no Personnel Services line items to add positions to")
            mask = ps_mask
            cost, source = self._cost_per_fte(target)
            if math.isnan(cost):
                return TargetInfo("expenditure", None, None,
                                  f"program '{target.program}' has no positions with a Cost per FTE and the plan's "
                                  "Settings give no Default cost per FTE")
            info.cost_per_fte, info.cost_source = cost, source
        idx = np.flatnonzero(mask)
        info.n = self.g_n[idx].sum(axis=0)
        # groups are sorted by (department, program, fund, class, recurring), so a department or
        # program target is a contiguous run: a slice makes every update an in-place view
        info.idx = slice(int(idx[0]), int(idx[-1]) + 1) if idx[-1] - idx[0] + 1 == idx.size else idx
        return info

    def _cost_per_fte(self, target: Target) -> tuple[float, str]:
        """Σ FTE·Cost / Σ FTE over the program's Positions rows that have a cost; else the default."""
        positions = self.dataset.budget.positions
        n = len(positions)
        if n:
            prog = self.programs.find(target.program)
            pcodes = _codes_lookup(positions.get("program"), self.programs, n)
            mask = pcodes == (-2 if prog is None else prog)
            if target.department is not None:
                dept = self.departments.find(target.department)
                dcodes = _codes_lookup(positions.get("department"), self.departments, n)
                mask &= dcodes == (-2 if dept is None else dept)
            fte = _float(positions, "fte", n)
            cost = _float(positions, "cost_per_fte", n)
            mask &= ~np.isnan(fte) & ~np.isnan(cost)
            total_fte = fte[mask].sum()
            if mask.any() and total_fte != 0:
                return float((fte[mask] * cost[mask]).sum() / total_fte), "positions"
        if self.default_cost_per_fte is not None and not math.isnan(self.default_cost_per_fte):
            return float(self.default_cost_per_fte), "settings default"
        return np.nan, ""

    def rule_years(self, rule: Rule) -> tuple[int, int] | str:
        """Plan-year indices (s, e) inclusive of a rule's range, clipped to the plan; or a problem."""
        y1, y5 = self.plan_years[0], self.plan_years[-1]
        start = y1 if rule.start is None else int(rule.start)
        end = y5 if rule.end is None else int(rule.end)
        if start > end:
            return f"its start {self.label(start)} is after its end {self.label(end)}"
        s, e = max(start, y1), min(end, y5)
        if s > e:
            return (f"its years {self.label(start)} to {self.label(end)} are outside the plan years "
                    f"{self.label(y1)} to {self.label(y5)}")
        return s - y1, e - y1

    def rule_problem(self, rule: Rule) -> str | None:
        if rule.kind not in ("percent", "amount", "fte"):
            return f"unknown kind '{rule.kind}'"
        if not math.isfinite(rule.value):
            return "its value is not a number"
        out_of_range = value_problem(rule.kind, rule.value)  # 1e300% typed in the app: skipped and listed
        if out_of_range:
            return f"value {out_of_range}"
        years = self.rule_years(rule)
        if isinstance(years, str):
            return years
        return self.target_info(rule.target, rule.kind).problem

    def rule_message(self, index: int, rule: Rule, problem: str) -> str:
        return f"rule {index + 1} '{rule.label}': {problem}"

    def request_problems(self, scenario: Scenario) -> list[str]:
        out = []
        for rid in scenario.funded_requests:
            if name_key(rid) not in self.request_index:
                close = difflib.get_close_matches(rid, self.request_ids, n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                out.append(f"funded request '{rid}': no request with this ID{hint}")
        return out

    def validate(self, scenario: Scenario) -> list[str]:
        out = []
        for i, rule in enumerate(scenario.rules):
            problem = self.rule_problem(rule)
            if problem:
                out.append(self.rule_message(i, rule, problem))
        return out + self.request_problems(scenario) + list(driver_elasticities(self, scenario.driver_overrides).problems)
