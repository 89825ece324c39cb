"""Pure helpers that turn an edit of one row into a scenario rule (no Qt here).

A row of the allocation tree stands for a Target (its fund, department, program or account
class).  Editing the same row again updates the rule that row made instead of stacking a new one:
the rule is found by its target and kind.
"""

from __future__ import annotations

from kcplanner.scenario import Rule, Scenario, Target


def _fmt_value(kind: str, value: float) -> str:
    if kind == "percent":
        text = f"{value:+.2f}".rstrip("0").rstrip(".")
        return f"{text}%"
    if kind == "amount":
        sign = "+" if value >= 0 else "-"
        return f"{sign}${abs(value):,.0f}"
    return f"{value:+g} FTE"


def target_name(target: Target) -> str:
    """`Police / Patrol` — the names of a target, most specific last."""
    parts = [v for _k, v in target.items()]
    return " / ".join(parts) if parts else "All expenditure"


def auto_label(target: Target, kind: str, value: float) -> str:
    return f"{target_name(target)} {_fmt_value(kind, value)}"


def find_rule(scenario: Scenario, target: Target, kind: str) -> int | None:
    """Index of the last rule with this target and kind, or None."""
    for i in range(len(scenario.rules) - 1, -1, -1):
        r = scenario.rules[i]
        if r.target == target and r.kind == kind:
            return i
    return None


def rule_value(scenario: Scenario, target: Target, kind: str) -> float:
    i = find_rule(scenario, target, kind)
    return 0.0 if i is None else scenario.rules[i].value


def upsert_rule(scenario: Scenario, target: Target, kind: str, value: float) -> Scenario:
    """Set the row's `kind` rule to `value`: update the existing rule (keeping its years and a
    label the user typed) or append a new one covering every plan year."""
    i = find_rule(scenario, target, kind)
    if i is None:
        return scenario.add_rule(Rule(auto_label(target, kind, value), target, kind, float(value)))
    old = scenario.rules[i]
    if old.value == float(value):
        return scenario
    label = old.label
    if not label or label == auto_label(target, kind, old.value):
        label = auto_label(target, kind, value)
    new = Rule(label, old.target, old.kind, float(value), old.start, old.end)
    return scenario.replace_rule(i, new)


def upsert_many(scenario: Scenario, targets: list[Target], kind: str, value: float) -> Scenario:
    for t in targets:
        scenario = upsert_rule(scenario, t, kind, value)
    return scenario


def unique_name(base: str, taken: list[str]) -> str:
    if base not in taken:
        return base
    k = 2
    while f"{base} ({k})" in taken:
        k += 1
    return f"{base} ({k})"
