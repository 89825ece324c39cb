"""The session's scenarios → the project's audited calls (no Qt): what autosave writes for every edit,
and the merge key of an undo command (so that a slider drag is one History row)."""

from __future__ import annotations

from typing import Callable

from kcplanner.project import Project, ProjectError
from kcplanner.scenario import Scenario


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def apply_scenarios(project: Project, scenarios, *, merge_key: str | None = None,
                    describe: Callable | None = None) -> int:
    """Make the project's scenarios equal to `scenarios` (contents, names, order) with audited
    calls: deletions, renames (same contents under a new name), updates (with `merge_key`),
    creations, then moves.  `describe(before, after)` gives each row's text (None: automatic).
    Returns the number of calls made; ProjectError (e.g. a name taken) before anything of that
    call is written."""
    new = list(scenarios)
    old = project.scenarios
    if old == new:
        return 0
    seen: dict[str, str] = {}
    for s in new:  # the project's names are unique ignoring case and spaces; refuse before writing
        if not str(s.name).strip():
            raise ProjectError("a scenario needs a name")
        if _key(s.name) in seen:
            raise ProjectError(f"a scenario named '{seen[_key(s.name)]}' already exists")
        seen[_key(s.name)] = s.name
    old_by = {_key(s.name): s for s in old}
    new_by = {_key(s.name): s for s in new}
    removed = [s for s in old if _key(s.name) not in new_by]
    added = [s for s in new if _key(s.name) not in old_by]
    renames: list[tuple[Scenario, Scenario]] = []
    for r in list(removed):  # a rename: same contents, another name (same position first)
        i = old.index(r)
        same_place = [new[i]] if i < len(new) and new[i] in added else []
        match = [a for a in same_place if r.rename(a.name) == a] or [a for a in added if r.rename(a.name) == a]
        if match:
            renames.append((r, match[0]))
            removed.remove(r)
            added.remove(match[0])
    text = (lambda b, a: None) if describe is None else describe
    calls = 0
    for s in removed:
        project.record_edit(s.name, text(s, None), s, None)
        calls += 1
    for b, a in renames:
        project.record_edit(b.name, text(b, a), b, a)
        calls += 1
    for s in new:
        before = old_by.get(_key(s.name))
        if before is not None and before != s:
            project.record_edit(before.name, text(before, s), before, s, merge_key=merge_key)
            calls += 1
    for s in added:
        project.record_edit(s.name, text(None, s), None, s)
        calls += 1
    want = [_key(s.name) for s in new]
    for i, k in enumerate(want):
        order = [_key(s.name) for s in project.scenarios]
        if i < len(order) and order[i] != k:
            project.move_scenario(new[i].name, i)
            calls += 1
    return calls


def _merge_key_text(key) -> str | None:
    if key is None:
        return None
    if isinstance(key, (tuple, list)):
        return "ui:" + ":".join(str(k) for k in key)
    return f"ui:{key}"
