"""What the app and the CLI call on an open project, whichever back-end holds it: the `.kcplan`
file (`Project`) or the shared PostgreSQL project (`postgres.TeamProject`).  Code written against
`ProjectStore` works with both; what only a file has (Save As, revert to the save point, crash
recovery, re-import from the workbooks) stays on `Project`.

In a shared project every call that changes something is committed to the server when it returns
(there is no separate save: `unsaved_edits` is 0 and `save()`/`sync()` do nothing), and a save
over someone else's newer version raises `postgres.ConflictError` instead of overwriting it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..dataset import Dataset
    from ..scenario import Scenario
    from .audit import HistoryEntry


@runtime_checkable
class ProjectStore(Protocol):
    """An open project: its data, scenarios, narratives and audit trail."""

    user: str                 # who makes the changes (the OS user; the database login in a shared project)
    read_only: bool           # nothing can be written (a read-only file; a viewer's login)
    path: Path | None         # the file (None for a shared project)

    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def __enter__(self) -> Any: ...
    def __exit__(self, *exc) -> None: ...

    # -- scenarios (every change written with its audit row, at once)
    @property
    def scenarios(self) -> list[Scenario]: ...
    @property
    def scenario_names(self) -> list[str]: ...
    def scenario(self, name: str) -> Scenario: ...
    def __contains__(self, name: str) -> bool: ...
    def put_scenario(self, scenario: Scenario, description: str | None = None) -> int: ...
    def rename_scenario(self, old_name: str, new_name: str) -> int: ...
    def delete_scenario(self, name: str) -> int: ...
    def move_scenario(self, name: str, index: int) -> int: ...
    def record_edit(self, scenario_name: str, description: str | None, before: Scenario | None,
                    after: Scenario | None, *, merge_key: str | None = None) -> int: ...

    # -- justification narratives
    def narratives(self) -> dict[str, dict]: ...
    def put_narrative(self, request_id: str, narrative: Mapping[str, Any] | Any | None, *,
                      description: str | None = None) -> int | None: ...

    # -- the data
    @property
    def dataset(self) -> Dataset: ...
    def update_dataset(self, dataset: Dataset | None = None, *, description: str | None = None,
                       tables: Iterable[str] | None = None) -> int | None: ...

    # -- the audit trail
    def history(self, scenario: str | None = None, *, actions: Iterable[str] | None = None,
                limit: int | None = None) -> list[HistoryEntry]: ...
    def export_history_rows(self, scenario: str | None = None, header: bool = True) -> list[list]: ...

    # -- saving (a shared project has nothing left to save: 0, False, no-ops)
    @property
    def unsaved_edits(self) -> int: ...
    @property
    def needs_sync(self) -> bool: ...
    def sync(self) -> None: ...
    def save(self) -> Any: ...


def is_shared_location(location: str | Path) -> bool:
    """True for a PostgreSQL URL (`postgresql://…`, `postgres://…`), False for a file path."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def open_project(location: str | Path, **options) -> ProjectStore:
    """Open a project wherever it is: a `.kcplan` path (`Project.open(path, **options)`) or a
    PostgreSQL URL (`TeamProject.open(url)`; psycopg is imported only then)."""
    if is_shared_location(location):
        if options:
            raise TypeError(f"a shared project takes no options ({', '.join(sorted(options))})")
        from .postgres import TeamProject
        return TeamProject.open(str(location))
    from .project import Project
    return Project.open(location, **options)


def is_shared(project: ProjectStore) -> bool:
    """True for a project on a PostgreSQL server (team mode), False for a `.kcplan` file."""
    return getattr(project, "path", None) is None


__all__ = ["ProjectStore", "is_shared", "is_shared_location", "open_project"]
