"""Scenarios: an ordered list of rules plus a set of funded requests (SPEC.md, "The model").

Every object here is an immutable value (frozen dataclasses holding tuples), so the app can keep
scenarios on an undo stack and compare them by value.  Edits return a new scenario:

    s2 = s.add_rule(Rule("Police +5%", Target(department="Police"), "percent", 5))
    s3 = s2.replace_rule(0, s2.rules[0].with_value(7)).move_rule(0, 2).fund_request("REQ-12")

The scenario file (`.json`) is exactly SPEC's:
`{"name", "rules": [{"label", "target": {...}, "kind", "value", "start", "end"}], "funded_requests": [...]}`,
plus `"review_carry": "FY2026 P06"` when the quarterly review's fund balance change is carried into
the beginning balances (written only when set; absent or null = off; docs/model.md), and
`"driver_overrides": [...]` when the scenario uses estimated elasticities for some drivers
(written only when there are some; kcplanner/driver_overrides.py, docs/evidence-ui.md).
`load_scenario` raises `ScenarioError` for anything malformed and says where
(`rules[3].target.fnd: unknown key; ...`).  Whether the names a scenario uses exist in a dataset is
checked by the engine's `validate_scenario` (kcplanner.engine; the engine skips invalid rules and lists them
in its results).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from .atomic import atomic_write_text
from .driver_overrides import KEY as OVERRIDES_KEY
from .driver_overrides import DriverOverride, OverrideError, canonical, overrides_from_json, overrides_to_json
from .driver_overrides import with_overrides, without_overrides
from .fiscal import parse_fiscal_year
from .jsonfile import JsonFileError, read_json
from .periods import EXPECTED as PERIOD_FORMS
from .periods import PeriodError, parse_period

KINDS = ("percent", "amount", "fte")
TARGET_KEYS = ("fund", "department", "program", "account_class", "revenue_source")
RULE_KEYS = ("label", "target", "kind", "value", "start", "end")
SCENARIO_KEYS = ("name", "rules", "funded_requests", "review_carry", OVERRIDES_KEY)
#: The values a rule may take (docs/model.md, "Rule values"): anything outside is a typing mistake
#: (1e300%, a budget of 10^20 dollars) that would overflow the figures to infinity and null.
VALUE_BOUNDS = {"percent": (-100.0, 10_000.0), "amount": (-1e13, 1e13), "fte": (-1e6, 1e6)}
_BOUND_TEXT = {"percent": "a percent from -100 to 10,000", "amount": "an amount from -$10 trillion to $10 trillion",
               "fte": "a number of positions from -1,000,000 to 1,000,000"}


class ScenarioError(ValueError):
    """A scenario (file or dict) that cannot be used; the message says where and what is wrong."""


def carry_label(value: Any, where: str = "review_carry") -> str | None:
    """A review period label as stored (`FY2026 P06`, `FY2026 Q2`, `FY2026`); None stays None.

    ScenarioError naming `where` for anything that is not such a period label."""
    if value is None:
        return None
    expected = "expected a period label such as FY2026 P06, FY2026 Q2 or FY2026 (or null for off)"
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{where}: {expected}, found {value!r}")
    if re.match(r"^\s*\d{4}-\d{1,2}-\d{1,2}", value):
        raise ScenarioError(f"{where}: {expected}, found the date {value!r}")
    try:
        return parse_period(value.strip()).label
    except PeriodError as exc:  # its list of forms offers dates too: a scenario names a review period
        reason = str(exc).replace("; expected " + PERIOD_FORMS, "")
        raise ScenarioError(f"{where}: {reason}" + ("" if "; expected" in reason else f"; {expected}")) from None


def _clean_name(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


@dataclass(frozen=True)
class Target:
    """Which lines a rule changes: every given name must match (None = any)."""

    fund: str | None = None
    department: str | None = None
    program: str | None = None
    account_class: str | None = None
    revenue_source: str | None = None

    def __post_init__(self) -> None:
        for f in TARGET_KEYS:
            object.__setattr__(self, f, _clean_name(getattr(self, f)))

    @property
    def is_revenue(self) -> bool:
        """A target naming a revenue source applies to revenue lines; any other to expenditure lines."""
        return self.revenue_source is not None

    def items(self) -> list[tuple[str, str]]:
        """The given (key, name) pairs, in SPEC's key order."""
        return [(k, getattr(self, k)) for k in TARGET_KEYS if getattr(self, k) is not None]

    def to_dict(self) -> dict[str, str]:
        return dict(self.items())

    def describe(self) -> str:
        """`department 'Police', program 'Patrol'` (or `all expenditure lines`)."""
        parts = [f"{k.replace('_', ' ')} '{v}'" for k, v in self.items()]
        return ", ".join(parts) if parts else "all expenditure lines"


@dataclass(frozen=True)
class Rule:
    """One scenario rule.  `value` is percent points (`percent`), dollars a year (`amount`) or
    positions (`fte`).  `start`/`end` are fiscal years (None = the plan's first/last)."""

    label: str
    target: Target = field(default_factory=Target)
    kind: str = "percent"
    value: float = 0.0
    start: int | None = None
    end: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.target, Mapping):
            object.__setattr__(self, "target", Target(**self.target))
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "label", "" if self.label is None else str(self.label))

    def with_value(self, value: float) -> "Rule":
        return replace(self, value=float(value))

    def with_years(self, start: int | None, end: int | None) -> "Rule":
        return replace(self, start=start, end=end)

    def to_dict(self) -> dict[str, Any]:
        value: float | int = self.value
        if math.isfinite(value) and float(value).is_integer() and abs(value) < 2**53:
            value = int(value)
        return {"label": self.label, "target": self.target.to_dict(), "kind": self.kind, "value": value,
                "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Scenario:
    """An ordered tuple of rules plus the IDs of the funded requests.  Immutable: edits return copies.

    `review_carry`: the period of the quarterly review (`FY2026 P06`) whose fund balance change is
    carried into the beginning balances of the plan (None = off; docs/model.md, "Review carry-over").
    `driver_overrides`: drivers whose Elasticity, low and high this scenario takes from the
    evidence instead of the Drivers sheet (one per driver, sorted; kcplanner/driver_overrides.py)."""

    name: str = "Scenario"
    rules: tuple[Rule, ...] = ()
    funded_requests: tuple[str, ...] = ()
    review_carry: str | None = None
    driver_overrides: tuple[DriverOverride, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        ids = [str(r).strip() for r in self.funded_requests]
        object.__setattr__(self, "funded_requests", tuple(dict.fromkeys(i for i in ids if i)))
        if self.review_carry is not None:
            object.__setattr__(self, "review_carry", carry_label(self.review_carry))
        object.__setattr__(self, "driver_overrides", canonical(self.driver_overrides))

    # -- edits (each returns a new Scenario) -----------------------------------------------------
    def rename(self, name: str) -> "Scenario":
        return replace(self, name=name)

    def add_rule(self, rule: Rule, index: int | None = None) -> "Scenario":
        rules = list(self.rules)
        rules.insert(len(rules) if index is None else index, rule)
        return replace(self, rules=tuple(rules))

    def replace_rule(self, index: int, rule: Rule) -> "Scenario":
        rules = list(self.rules)
        rules[index] = rule
        return replace(self, rules=tuple(rules))

    def remove_rule(self, index: int) -> "Scenario":
        rules = list(self.rules)
        del rules[index]
        return replace(self, rules=tuple(rules))

    def move_rule(self, index: int, new_index: int) -> "Scenario":
        """Move rule `index` so that it ends up at position `new_index` (order matters)."""
        rules = list(self.rules)
        rule = rules.pop(index)
        rules.insert(new_index, rule)
        return replace(self, rules=tuple(rules))

    def fund_request(self, request_id: str) -> "Scenario":
        return replace(self, funded_requests=self.funded_requests + (request_id,))

    def unfund_request(self, request_id: str) -> "Scenario":
        key = str(request_id).strip().casefold()
        return replace(self, funded_requests=tuple(r for r in self.funded_requests if r.casefold() != key))

    def with_funded_requests(self, request_ids: Iterable[str]) -> "Scenario":
        return replace(self, funded_requests=tuple(request_ids))

    def with_review_carry(self, label: str | None) -> "Scenario":
        """Carry the review of period `label` (`FY2026 P06`) into the beginning balances; None = off."""
        return replace(self, review_carry=label)

    def override_drivers(self, overrides: Iterable[DriverOverride]) -> "Scenario":
        """Use these elasticities for their drivers (replacing any earlier override of the same driver)."""
        return replace(self, driver_overrides=with_overrides(self.driver_overrides, overrides))

    def restore_drivers(self, keys: Iterable[tuple[str, str, str]]) -> "Scenario":
        """Back to the Drivers sheet's values for the drivers with these keys (`DriverOverride.key`)."""
        return replace(self, driver_overrides=without_overrides(self.driver_overrides, keys))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "rules": [r.to_dict() for r in self.rules],
                               "funded_requests": list(self.funded_requests)}
        if self.review_carry is not None:
            out["review_carry"] = self.review_carry
        if self.driver_overrides:  # absent when none: a scenario without overrides is unchanged byte for byte
            out[OVERRIDES_KEY] = overrides_to_json(self.driver_overrides)
        return out


EMPTY_SCENARIO = Scenario(name="Baseline")


# -- reading and writing -----------------------------------------------------------------------

def _unknown(where: str, key: str, expected: Iterable[str]) -> ScenarioError:
    return ScenarioError(f"{where}{key}: unknown key; expected one of {', '.join(expected)}")


def value_problem(kind: str, value: Any) -> str | None:
    """Why `value` cannot be the value of a rule of `kind` (None when it can)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"expected a number, found {value!r}"
    try:
        v = float(value)
    except OverflowError:  # an int too large for a float
        v = math.inf if value > 0 else -math.inf
    if math.isnan(v):
        return f"expected a number, found {value!r}"
    low, high = VALUE_BOUNDS.get(kind, (-math.inf, math.inf))
    if not low <= v <= high:
        shown = f"{v:g}" if math.isfinite(v) else ("infinity" if v > 0 else "-infinity")
        return f"{shown} is out of range; expected {_BOUND_TEXT.get(kind, 'a finite number')}"
    return None


def _year(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ScenarioError(f"{where}: expected a fiscal year such as 2028 or \"FY2028\", found {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    year = parse_fiscal_year(value) if isinstance(value, (int, str)) else None
    if year is None:
        raise ScenarioError(f"{where}: expected a fiscal year such as 2028 or \"FY2028\", found {value!r}")
    return year


def _rule_from_dict(data: Any, where: str, bounded: bool = False) -> Rule:
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{where}: expected an object with keys {', '.join(RULE_KEYS)}, found {type(data).__name__}")
    for key in data:
        if key not in RULE_KEYS:
            raise _unknown(f"{where}.", str(key), RULE_KEYS)
    label = data.get("label", "")
    if label is None:
        label = ""
    if not isinstance(label, str):
        raise ScenarioError(f"{where}.label: expected text, found {label!r}")
    target = data.get("target", {})
    if target is None:
        target = {}
    if not isinstance(target, Mapping):
        raise ScenarioError(f"{where}.target: expected an object with keys {', '.join(TARGET_KEYS)}, found {target!r}")
    names: dict[str, str | None] = {}
    for key, value in target.items():
        if key not in TARGET_KEYS:
            raise _unknown(f"{where}.target.", str(key), TARGET_KEYS)
        if value is not None and not isinstance(value, str):
            raise ScenarioError(f"{where}.target.{key}: expected a name (text), found {value!r}")
        if isinstance(value, str) and not value.strip():
            # an empty name would silently widen the rule to every line; leave the key out (or null) for "any"
            raise ScenarioError(f"{where}.target.{key}: empty name; give a {key.replace('_', ' ')} name, "
                                f"or leave the key out to match any")
        names[key] = value
    if "kind" not in data:
        raise ScenarioError(f"{where}.kind: missing; expected one of {', '.join(KINDS)}")
    kind = data["kind"]
    if not isinstance(kind, str) or kind.strip().lower() not in KINDS:
        raise ScenarioError(f"{where}.kind: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    kind = kind.strip().lower()
    if "value" not in data:
        raise ScenarioError(f"{where}.value: missing; expected a number")
    value = data["value"]
    if bounded:
        problem = value_problem(kind, value)
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
        problem = f"expected a number, found {value!r}"
    else:
        problem = None
    if problem is not None:
        named = f" (rule '{label}')" if label.strip() else ""
        raise ScenarioError(f"{where}.value{named}: {problem}")
    start = _year(data.get("start"), f"{where}.start")
    end = _year(data.get("end"), f"{where}.end")
    if start is not None and end is not None and start > end:
        raise ScenarioError(f"{where}: start FY{start} is after end FY{end}")
    return Rule(label=label, target=Target(**names), kind=kind, value=float(value), start=start, end=end)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError, OverflowError):
        return False


def scenario_from_dict(data: Any, default_name: str = "Scenario", *, bounded: bool = False) -> Scenario:
    """A Scenario from SPEC's JSON structure; ScenarioError (saying where) when malformed.

    `bounded`: refuse rule values outside VALUE_BOUNDS too (a file or workbook a person gives);
    a project's own stored scenarios are read as saved (`validate_scenario` reports them)."""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"scenario: expected an object with keys {', '.join(SCENARIO_KEYS)}, found {type(data).__name__}")
    for key in data:
        if key not in SCENARIO_KEYS:
            raise _unknown("", str(key), SCENARIO_KEYS)
    name = data.get("name", default_name)
    if name is None:
        name = default_name
    if not isinstance(name, str):
        raise ScenarioError(f"name: expected text, found {name!r}")
    rules = data.get("rules", [])
    if rules is None:
        rules = []
    if not isinstance(rules, list):
        raise ScenarioError(f"rules: expected a list of rules, found {type(rules).__name__}")
    parsed = tuple(_rule_from_dict(r, f"rules[{i}]", bounded) for i, r in enumerate(rules))
    funded = data.get("funded_requests", [])
    if funded is None:
        funded = []
    if not isinstance(funded, list):
        raise ScenarioError(f"funded_requests: expected a list of request IDs, found {type(funded).__name__}")
    ids = []
    for i, r in enumerate(funded):
        if isinstance(r, bool) or not isinstance(r, (str, int)):
            raise ScenarioError(f"funded_requests[{i}]: expected a request ID, found {r!r}")
        ids.append(str(r))
    carry = carry_label(data.get("review_carry"))
    try:
        overrides = overrides_from_json(data.get(OVERRIDES_KEY))
    except OverrideError as exc:
        raise ScenarioError(str(exc)) from None
    return Scenario(name=name, rules=parsed, funded_requests=tuple(ids), review_carry=carry,
                    driver_overrides=overrides)


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """Read a scenario from a `.json` file path or from an already-parsed dict."""
    if isinstance(source, Mapping):
        return scenario_from_dict(source, bounded=True)
    path = Path(source)
    try:
        data = read_json(path, "scenario file", invalid="not a JSON file")
    except JsonFileError as exc:
        raise ScenarioError(str(exc)) from None
    try:
        return scenario_from_dict(data, default_name=path.stem, bounded=True)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def scenario_to_json(scenario: Scenario) -> str:
    return json.dumps(scenario.to_dict(), indent=2, ensure_ascii=False) + "\n"


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write SPEC's scenario JSON atomically (temporary file, then replace)."""
    atomic_write_text(path, scenario_to_json(scenario))


__all__ = [
    "KINDS", "TARGET_KEYS", "ScenarioError", "carry_label", "Target", "Rule", "Scenario", "EMPTY_SCENARIO",
    "scenario_from_dict", "load_scenario", "value_problem", "VALUE_BOUNDS", "save_scenario",
    "scenario_to_json", "DriverOverride",
]
