"""What the user chooses when a save met a newer version (ConflictError): keep mine (saved over
theirs: both are versions in the history), take theirs (mine is kept in the history as a
`conflict` row, not in the scenario), or save mine as a copy under another name."""

from __future__ import annotations

from psycopg.types.json import Jsonb

from ..records import _key
from .errors import ConflictError, TeamError


def keep_mine(project, conflict: ConflictError) -> int:
    """Save my version over theirs (or create it again if they deleted it); returns the audit seq."""
    _scenario_only(conflict)
    project.refresh()
    theirs = conflict.theirs
    text = (f"Kept {project.user}'s version of scenario '{conflict.name}' over {theirs.changed_by}'s "
            f"(version {theirs.version} of {theirs.changed_at})")
    if conflict.mine is None:  # I deleted it; they changed it: delete their version too
        return project.record_edit(theirs.value.name, text, theirs.value, None)
    if theirs.value is None:
        return project.record_edit(conflict.mine.name, text, None, conflict.mine)
    return project.record_edit(theirs.value.name, text, theirs.value, conflict.mine)


def take_theirs(project, conflict: ConflictError) -> int:
    """Drop my change and take the server's version; mine stays in the history (a `conflict` row)."""
    _scenario_only(conflict)
    mine = conflict.mine.to_dict() if conflict.mine is not None else None
    text = (f"Took {conflict.theirs.changed_by}'s version {conflict.theirs.version} of scenario '{conflict.name}'; "
            f"{project.user}'s unsaved {'deletion' if mine is None else 'version'} is kept here")
    stored = project._scenarios.get(_key(conflict.name))
    with project._tx("recording the conflict") as c:
        seq = c.execute("SELECT note_event('conflict', %s, %s, %s, %s)",
                        (conflict.name, stored.id if stored else None, text, Jsonb(mine))).fetchone()[0]
    project.refresh()
    return int(seq)


def save_as_copy(project, conflict: ConflictError, name: str | None = None) -> int:
    """Keep theirs under its name and save mine as a new scenario (default "<name> (<login>'s copy)")."""
    _scenario_only(conflict)
    if conflict.mine is None:
        raise TeamError("a deletion cannot be saved as a copy")
    project.refresh()
    base = name or f"{conflict.name} ({project.user}'s copy)"
    candidate, n = base, 2
    while candidate in project:
        candidate, n = f"{base} {n}", n + 1
    return project.put_scenario(conflict.mine.rename(candidate),
                                f"Saved {project.user}'s version of '{conflict.name}' as '{candidate}' (it met "
                                f"{conflict.theirs.changed_by}'s version {conflict.theirs.version})")


def _scenario_only(conflict: ConflictError) -> None:
    if conflict.kind != "scenario":
        raise TeamError("for a request, read it again (`project.request(id)`) and save your fields over its version")


__all__ = ["keep_mine", "take_theirs", "save_as_copy"]
