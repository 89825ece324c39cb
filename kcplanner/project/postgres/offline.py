"""Working offline: an analyst takes a `.kcplan` copy of the shared project on a laptop
(`take_offline`), changes scenarios there with the app as usual, and brings the scenario changes
back (`bring_back`) as new versions on the server.  A scenario someone changed on the server in
the meantime is not overwritten: it comes back as a ConflictError, resolved like any other
(`keep_mine`, `take_theirs`, `save_as_copy`).  Requests and narratives stay on the server (they
follow the workflow there); the copy carries them read-only as data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ...scenario import scenario_from_dict
from ..records import _key
from .errors import ConflictError, TeamError, Theirs
from .scenarios import StoredScenario

META_KEY = "team_base"   # in the copy's meta table: where it came from and the versions it started at


@dataclass
class BroughtBack:
    """What `bring_back` did with each scenario of the copy."""

    saved: list[str] = field(default_factory=list)        # changed offline: a new version on the server
    created: list[str] = field(default_factory=list)      # new offline
    deleted: list[str] = field(default_factory=list)      # deleted offline (and unchanged on the server)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[ConflictError] = field(default_factory=list)   # changed on both sides: the user chooses
    copy_settled: bool = True   # the copy records what came back (False: it could not be written)

    def summary(self) -> str:
        parts = [f"{len(v)} {k}" for k, v in (("saved", self.saved), ("created", self.created),
                                              ("deleted", self.deleted), ("unchanged", self.unchanged)) if v]
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} changed on the server meanwhile (choose for each): " +
                         "; ".join(str(c) for c in self.conflicts))
        return ", ".join(parts) or "nothing to bring back"


def take_offline(project, path: str | Path):
    """Write a `.kcplan` copy of the shared project (data, scenarios, narratives) that remembers the
    version of each scenario it started from.  Returns the open file `Project` (close it when done)."""
    from ..project import Project
    path = Path(path)
    project.refresh()
    with project._lock:
        stored = sorted(project._scenarios.values(), key=lambda s: (s.position, s.id))
    copy = Project.create(path, project.dataset, [], scenarios=[s.scenario for s in stored],
                          narratives=project.narratives())
    file_ids = dict(copy._conn.execute("SELECT name_key, id FROM scenarios").fetchall())
    base = {"location": project.location, "user": project.user,
            "scenarios": {str(file_ids[_key(s.scenario.name)]): {"id": s.id, "version": s.version,
                                                                  "data": s.scenario.to_dict()} for s in stored}}
    with copy._tx() as c:
        c.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (META_KEY, json.dumps(base, ensure_ascii=False)))
    return copy


def bring_back(project, path: str | Path) -> BroughtBack:
    """Bring the scenario changes of an offline copy back to the shared project (see the module)."""
    from ..project import Project
    path = Path(path)
    with Project.open(path, read_only=True) as copy:
        raw = copy._meta_value(META_KEY)
        if raw is None:
            raise TeamError(f"{path}: not an offline copy of a shared project (it was not made by take_offline)")
        base = json.loads(raw)["scenarios"]
        offline = {str(sid): scenario_from_dict(json.loads(data), default_name=name) for sid, name, data in
                   copy._conn.execute("SELECT id, name, data FROM scenarios ORDER BY position, id")}
    project.refresh()
    server = {s.id: s for s in project._scenarios.values()}
    out = BroughtBack()
    note = f"Brought back from the offline copy {path.name}"
    for file_id, mine in offline.items():
        start = base.get(file_id)
        if mine.name in project and project.scenario(mine.name) == mine:   # already so on the server
            out.unchanged.append(mine.name)
            continue
        if start is None:
            if mine.name in project:
                out.conflicts.append(_theirs_conflict(project, project.scenario_version(mine.name), mine, 0))
            else:
                project.put_scenario(mine, f"{note}: created scenario '{mine.name}'")
                out.created.append(mine.name)
            continue
        if mine.to_dict() == start["data"]:
            out.unchanged.append(mine.name)
            continue
        _save_over(project, start, mine, note, out)
    for file_id, start in base.items():
        if file_id not in offline:
            now = server.get(start["id"])
            if now is None:
                continue
            if now.version == start["version"]:
                project.delete_scenario(now.scenario.name)
                out.deleted.append(now.scenario.name)
            else:
                out.conflicts.append(_theirs_conflict(project, now, None, start["version"]))
    out.copy_settled = settle_copy(project, path, out.saved + out.created + out.deleted)
    return out


def settle_copy(project, path: str | Path, names, take_server=()) -> bool:
    """Record in the offline copy that its scenarios `names` have been brought back (saved, created,
    deleted, or a conflict settled by the user): each now starts from the server's current version
    with the copy's content as it is, so bringing the same copy back again changes and asks nothing
    more, and a later offline change is saved over the version it was settled at.  The scenarios in
    `take_server` (a conflict settled "take theirs" or "save mine as a copy") take the server's
    version in the copy too, so a later offline change is made on what the user chose to keep.
    False (nothing recorded) when the copy cannot be written — open in another window, or
    read-only — in which case the next bring-back meets the same scenarios again, and says so."""
    from ..errors import ProjectError
    from ..project import Project
    take_server = set(take_server)
    names = set(names) | take_server
    if not names:
        return True
    project.refresh()
    by_name = {s.scenario.name: s for s in project._scenarios.values()}
    by_id = {s.id: s for s in project._scenarios.values()}
    try:
        copy = Project.open(Path(path))
    except ProjectError:
        return False
    with copy:
        if copy.read_only:
            return False
        for name in sorted(take_server):
            if name in by_name and name in copy:
                copy.put_scenario(by_name[name].scenario,
                                  f"Took the shared project's version of '{name}' when bringing the copy back")
        record = json.loads(copy._meta_value(META_KEY) or "{}")
        base = record.get("scenarios", {})
        rows = copy._conn.execute("SELECT id, name, data FROM scenarios").fetchall()
        offline = {str(sid): (name, json.loads(data)) for sid, name, data in rows}
        for file_id, (name, data) in offline.items():
            start = base.get(file_id)
            now = by_id.get(start["id"]) if start else None
            if name in names or (now is not None and now.scenario.name in names):
                now = by_name.get(name) or now
                if now is not None:
                    base[file_id] = {"id": now.id, "version": now.version, "data": data}
        for file_id in [f for f in base if f not in offline]:   # deleted offline: settled when named
            now = by_id.get(base[file_id]["id"])
            if now is None or now.scenario.name in names:
                del base[file_id]
        record["scenarios"] = base
        with copy._tx() as c:
            c.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (META_KEY, json.dumps(record, ensure_ascii=False)))
    return True


def _save_over(project, start: dict, mine, note: str, out: BroughtBack) -> None:
    """Save `mine` over the version the copy started from (a new version, or a conflict)."""
    before = scenario_from_dict(start["data"])
    stored = StoredScenario(start["id"], 0.0, before, start["version"])
    current = next((s for s in project._scenarios.values() if s.id == start["id"]), None)
    if current is not None:
        stored.position = current.position
        if current.scenario.name != mine.name and mine.name in project:
            out.conflicts.append(_theirs_conflict(project, project.scenario_version(mine.name), mine, 0))
            return
    try:
        with project._lock:
            project._check_writable("bringing scenarios back")
            from ..audit import describe_change
            project._update(stored, mine, f"{note}: {describe_change(before, mine)}")
        out.saved.append(mine.name)
    except ConflictError as exc:
        out.conflicts.append(exc)


def _theirs_conflict(project, now: StoredScenario, mine, expected: int) -> ConflictError:
    return ConflictError("scenario", now.scenario.name, mine, expected,
                         Theirs(now.version, now.modified_by, now.modified, now.scenario))


__all__ = ["take_offline", "bring_back", "settle_copy", "BroughtBack"]
