"""What can go wrong with a shared project, in words for the analyst or the manager who sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ProjectError


class TeamError(ProjectError):
    """A shared project (PostgreSQL) cannot be reached, read or changed; the message says where and why."""


class NotAllowed(TeamError):
    """The login's role does not allow this change (refused by the database itself)."""


class WorkflowError(TeamError):
    """A request move the workflow does not allow, or by the wrong side."""


class ConnectionLost(TeamError):
    """The server went away during a change: nothing of that change was written (it was one transaction)."""


@dataclass
class Theirs:
    """The version on the server that a save would have overwritten."""

    version: int
    changed_by: str
    changed_at: str          # UTC ISO
    value: Any               # a Scenario, a request's fields (dict), … or None when it was deleted


class ConflictError(TeamError):
    """Someone saved this scenario or request since it was loaded here.  Nothing was overwritten;
    the user chooses (`conflicts.keep_mine`, `take_theirs`, `save_as_copy`)."""

    def __init__(self, kind: str, name: str, mine: Any, expected_version: int, theirs: Theirs) -> None:
        self.kind, self.name, self.mine, self.expected_version, self.theirs = kind, name, mine, expected_version, theirs
        what = "deleted" if theirs.value is None else "changed"
        super().__init__(f"{kind} '{name}' was {what} by {theirs.changed_by} at {theirs.changed_at} "
                         f"(version {theirs.version}; yours was based on version {expected_version}). "
                         "Nothing was overwritten: keep yours, take theirs, or save yours as a copy.")


__all__ = ["TeamError", "NotAllowed", "WorkflowError", "ConnectionLost", "ConflictError", "Theirs"]
