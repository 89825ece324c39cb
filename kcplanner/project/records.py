"""The plain value objects a project hands out (sources, recovery, save points, re-import report),
the file hash and the name key scenarios and narratives compare by."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..scenario import Scenario
    from .diff import DatasetDiff


@dataclass(frozen=True)
class SourceFile:
    """A workbook the data came from, as it was when read."""

    role: str                    # "plan", "budget" or "source" (role unknown)
    path: str                    # absolute path when read
    relative: str | None = None  # path relative to the project's folder (found again if both move)
    sha256: str | None = None    # None when the file could not be read at the time
    size: int | None = None
    modified: str | None = None  # UTC ISO of the file's mtime


@dataclass(frozen=True)
class SourceChange:
    """A source workbook that differs from the one the project's data came from."""

    source: SourceFile | None    # None for a new workbook in a budget folder
    status: str                  # "changed" | "missing" | "added"
    current_path: str | None     # where it is now (None if missing)
    sha256: str | None = None    # its hash now

    def describe(self) -> str:
        name = Path(self.current_path or (self.source.path if self.source else "")).name
        return {"changed": f"{name} has changed since it was imported",
                "missing": f"{name} is missing (was {self.source.path if self.source else ''})",
                "added": f"{name} is a new workbook in a budget folder"}[self.status]


@dataclass(frozen=True)
class ImportArguments:
    """What to pass to `readers.read_dataset` to read the project's sources again."""

    plan: Path | None
    budgets: list[Path]
    mappings: list[dict]


@dataclass(frozen=True)
class RecoveryInfo:
    """The previous session did not close cleanly (crash, kill, power loss); what was recovered."""

    previous_user: str
    previous_host: str
    session_started: str          # UTC ISO
    last_edit_time: str | None    # UTC ISO of the last edit that session made
    edits_in_session: int         # edits that session made (all of them are in the file)
    unsaved_edits: int            # edits since the last explicit save

    @property
    def message(self) -> str:
        when = self.last_edit_time or self.session_started
        return (f"kcplanner did not close cleanly last time (session of {self.previous_user} started "
                f"{self.session_started}). Every edit was kept: {self.edits_in_session} edit"
                f"{'s' * (self.edits_in_session != 1)} from that session, the last at {when}; "
                f"{self.unsaved_edits} edit{'s' * (self.unsaved_edits != 1)} since the last save.")


@dataclass(frozen=True)
class SavePoint:
    id: int
    seq: int         # the last audit row included
    time: str
    user: str
    path: str


@dataclass
class ReplaceReport:
    """What `replace_dataset` did: the differences and the scenarios with rules that no longer apply."""

    diff: DatasetDiff
    invalid: dict[str, list[str]] = field(default_factory=dict)   # scenario name → messages
    seq: int = 0


@dataclass
class _Stored:
    id: int
    position: float
    scenario: Scenario


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


class ScenarioVerbs:
    """The scenarios in order, `name in project`, and put, rename and delete a scenario: the same on
    both back-ends, each edit audited through the back-end's own `record_edit` (the .kcplan file's
    or PostgreSQL's)."""

    def __contains__(self, name: str) -> bool:
        return _key(name) in self._scenarios

    @property
    def scenarios(self) -> list[Scenario]:
        """Every scenario, in the order they were created (or arranged with `move_scenario`)."""
        with self._lock:
            return [s.scenario for s in sorted(self._scenarios.values(), key=lambda s: (s.position, s.id))]

    @property
    def scenario_names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def put_scenario(self, scenario: Scenario, description: str | None = None) -> int:
        """Add the scenario, or replace the one with its name.  Returns the audit row's seq."""
        with self._lock:
            stored = self._scenarios.get(_key(scenario.name))
            return self.record_edit(scenario.name, description, stored.scenario if stored else None, scenario)

    def rename_scenario(self, old_name: str, new_name: str) -> int:
        before = self.scenario(old_name)
        return self.record_edit(old_name, None, before, before.rename(new_name))

    def delete_scenario(self, name: str) -> int:
        return self.record_edit(name, None, self.scenario(name), None)
