"""The audit trail: who changed what, when, in words and as JSON.

`describe_change(before, after)` turns two scenarios into the sentence an analyst reads in the
History view (`Rule 'Police +5%': value 5 → 7`); `HistoryEntry` is one audit row;
`history_rows(entries)` gives plain rows (text and numbers) that an Excel export can write.
"""

from __future__ import annotations

import difflib
import getpass
import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..scenario import Rule, Scenario

#: Actions of an audit row.  The first group changes scenarios; the rest are project events.
SCENARIO_ACTIONS = ("create", "update", "rename", "delete", "revert")
DATA_ACTIONS = ("import", "data")
EVENT_ACTIONS = ("project", "save", "recover")
EDIT_ACTIONS = SCENARIO_ACTIONS + DATA_ACTIONS  # what counts as an unsaved change

HISTORY_HEADER = ["#", "Time (UTC)", "User", "Scenario", "Action", "Change", "Before", "After"]


def utc_now() -> str:
    """`2026-11-26T03:48:03.123Z`: UTC, ISO 8601, milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


#: Edits of one thing by one session this close together are one History row (a slider drag, typing).
MERGE_WINDOW_SECONDS = 30.0


def within_merge_window(then: str, now: str) -> bool:
    """Whether two `utc_now()` times are at most MERGE_WINDOW_SECONDS apart (False if either is unreadable)."""
    try:
        age = (datetime.fromisoformat(now.replace("Z", "+00:00"))
               - datetime.fromisoformat(then.replace("Z", "+00:00"))).total_seconds()
    except ValueError:
        return False
    return age <= MERGE_WINDOW_SECONDS


def current_user() -> str:
    """The OS user name (getpass), else the usual environment variables, else `unknown`."""
    try:
        name = getpass.getuser()
        if name:
            return name
    except Exception:  # getpass raises OSError/KeyError/ImportError when it has nothing
        pass
    for var in ("USERNAME", "USER", "LOGNAME", "LNAME"):
        if os.environ.get(var):
            return os.environ[var]
    return "unknown"


def host_name() -> str:
    try:
        return socket.gethostname() or "unknown"
    except OSError:
        return "unknown"


def scenario_json(scenario: Scenario | None) -> str | None:
    if scenario is None:
        return None
    return json.dumps(scenario.to_dict(), ensure_ascii=False, separators=(",", ":"))


# -- describing a change --------------------------------------------------------------------------

def _number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text


def _years(rule: Rule) -> str:
    if rule.start is None and rule.end is None:
        return "all plan years"
    start = f"FY{rule.start}" if rule.start is not None else "first plan year"
    end = f"FY{rule.end}" if rule.end is not None else "last plan year"
    return start if rule.start is not None and rule.start == rule.end else f"{start}–{end}"


def _rule_name(rule: Rule) -> str:
    return f"'{rule.label}'" if rule.label else f"({rule.kind} on {rule.target.describe()})"


def describe_rule(rule: Rule) -> str:
    unit = {"percent": "%", "amount": " dollars", "fte": " FTE"}.get(rule.kind, "")
    return f"{rule.kind} {_number(rule.value)}{unit} on {rule.target.describe()}, {_years(rule)}"


def _rule_diff(a: Rule, b: Rule) -> str:
    parts = []
    if a.label != b.label:
        parts.append(f"label '{a.label}' → '{b.label}'")
    if a.kind != b.kind:
        parts.append(f"kind {a.kind} → {b.kind}")
    if a.value != b.value:
        parts.append(f"value {_number(a.value)} → {_number(b.value)}")
    if a.target != b.target:
        parts.append(f"target {a.target.describe()} → {b.target.describe()}")
    if (a.start, a.end) != (b.start, b.end):
        parts.append(f"years {_years(a)} → {_years(b)}")
    return f"Rule {_rule_name(a)}: " + ", ".join(parts)


def describe_change(before: Scenario | None, after: Scenario | None) -> str:
    """What changed between two states of one scenario, in an analyst's words."""
    if before is None and after is None:
        return "No change"
    if before is None:
        return (f"Created scenario '{after.name}' ({len(after.rules)} rule{'s' * (len(after.rules) != 1)}, "
                f"{len(after.funded_requests)} funded request{'s' * (len(after.funded_requests) != 1)})")
    if after is None:
        return f"Deleted scenario '{before.name}'"
    parts: list[str] = []
    if before.name != after.name:
        parts.append(f"Renamed scenario '{before.name}' → '{after.name}'")
    a, b = list(before.rules), list(after.rules)
    if a != b:
        removed: list[tuple[int, Rule]] = []
        inserted: list[tuple[int, Rule]] = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "replace" and (i2 - i1) == (j2 - j1):
                parts.extend(_rule_diff(x, y) for x, y in zip(a[i1:i2], b[j1:j2]))
            elif op in ("replace", "delete", "insert"):
                removed.extend((i, a[i]) for i in range(i1, i2))
                inserted.extend((j, b[j]) for j in range(j1, j2))
        for i, rule in list(removed):
            match = next(((j, r) for j, r in inserted if r == rule), None)
            if match is not None:
                parts.append(f"Moved rule {_rule_name(rule)} from position {i + 1} to {match[0] + 1}")
                removed.remove((i, rule))
                inserted.remove(match)
        parts.extend(f"Removed rule {_rule_name(r)}" for _i, r in removed)
        parts.extend(f"Added rule {_rule_name(r)}: {describe_rule(r)}" for _j, r in inserted)
    old, new = set(before.funded_requests), set(after.funded_requests)
    funded = [r for r in after.funded_requests if r not in old]
    unfunded = [r for r in before.funded_requests if r not in new]
    if funded:
        parts.append("Funded request" + "s" * (len(funded) > 1) + " " + ", ".join(funded))
    if unfunded:
        parts.append("Unfunded request" + "s" * (len(unfunded) > 1) + " " + ", ".join(unfunded))
    if not parts and before.funded_requests != after.funded_requests:
        parts.append("Reordered funded requests")
    if before.review_carry != after.review_carry:
        parts.append(f"Carried the review's balance change (through {after.review_carry}) into beginning balances"
                     if after.review_carry else "Stopped carrying the review's balance change into beginning balances")
    if before.driver_overrides != after.driver_overrides:
        parts.append(_override_diff(before.driver_overrides, after.driver_overrides))
    return "; ".join(parts) if parts else "No change"


def _override_diff(before, after) -> str:
    """`Used the estimate for K07 ← Police / Patrol (-0.26, 80% interval -0.34 to -0.19)`, or back to entered."""
    old = {o.key: o for o in before}
    new = {o.key: o for o in after}
    used = [o for k, o in new.items() if old.get(k) != o]
    back = [o for k, o in old.items() if k not in new]
    parts = []
    if used:
        parts.append("Used the estimate" + "s" * (len(used) > 1) + " for " + ", ".join(
            f"{o.describe()} ({o.elasticity:.3g}, 80% interval {o.low:.3g} to {o.high:.3g})" for o in used))
    if back:
        parts.append("Back to the entered elasticit" + ("ies" if len(back) > 1 else "y") + " for "
                     + ", ".join(o.describe() for o in back))
    return "; ".join(parts)


# -- audit rows -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryEntry:
    """One audit row.  `before`/`after` are the machine-readable states (parsed JSON: a scenario
    dict for scenario edits, a summary dict for data changes, None where there is none)."""

    seq: int
    time: str            # UTC ISO 8601
    user: str
    host: str
    session: str
    scenario: str | None
    action: str
    description: str
    before: Any
    after: Any

    @property
    def is_edit(self) -> bool:
        return self.action in EDIT_ACTIONS

    def row(self) -> list:
        return [self.seq, self.time, self.user, self.scenario or "", self.action, self.description,
                "" if self.before is None else json.dumps(self.before, ensure_ascii=False),
                "" if self.after is None else json.dumps(self.after, ensure_ascii=False)]


def history_rows(entries: list[HistoryEntry], header: bool = True) -> list[list]:
    """Plain rows (ints and text only) for a History sheet: HISTORY_HEADER then one row an entry."""
    rows = [list(HISTORY_HEADER)] if header else []
    rows.extend(e.row() for e in entries)
    return rows


__all__ = ["HistoryEntry", "HISTORY_HEADER", "describe_change", "describe_rule", "history_rows", "current_user",
           "utc_now", "SCENARIO_ACTIONS", "EDIT_ACTIONS"]
