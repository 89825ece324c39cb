"""The Positions table of a dataset saved to a shared project (`update_dataset`): the rows that
differ from those read with the dataset are written, each over the version read, all in one
transaction (all or none).  Rows are matched by their values first (an unchanged row is left as it
is, wherever it moved), then a changed row by department, program and title (an UPDATE of its FTE and cost per
FTE: its history stays one row's), and what is left is deleted, or inserted after the others (a
position's place in the table is the order it was added in, as `add_position` does)."""

from __future__ import annotations

from collections import defaultdict

from .base import iso
from .errors import ConflictError, NotAllowed, Theirs
from .rows import position_rows

VALUES = ("department", "program", "title", "fte", "cost_per_fte")
SAME_POSITION = ("department", "program", "title")


def _values(row: dict, names=VALUES) -> tuple:
    return tuple(row.get(n) for n in names)


def plan_positions(loaded: list[dict], positions_frame) -> tuple[list, list, list]:
    """(updates [(loaded row, new row)], inserts [new row], deletes [loaded row]) turning the rows
    read (`loaded`, with id and version) into the frame's."""
    mine = position_rows(positions_frame)
    unmatched_loaded: dict[tuple, list[dict]] = defaultdict(list)
    for row in loaded:
        unmatched_loaded[_values(row)].append(row)
    left_mine = []
    for row in mine:
        same = unmatched_loaded.get(_values(row))
        if same:
            same.pop(0)
        else:
            left_mine.append(row)
    left_loaded = [r for rows in unmatched_loaded.values() for r in rows]
    by_position: dict[tuple, list[dict]] = defaultdict(list)
    for row in left_loaded:
        by_position[_values(row, SAME_POSITION)].append(row)
    updates, inserts = [], []
    for row in left_mine:
        old = by_position.get(_values(row, SAME_POSITION))
        if old:
            updates.append((old.pop(0), row))
        else:
            inserts.append(row)
    deletes = [r for rows in by_position.values() for r in rows]
    return updates, inserts, deletes


class TeamPositionsSyncMixin:
    """Saving the dataset's Positions frame (part of `TeamProject.update_dataset`)."""

    def _sync_positions(self, dataset) -> int:
        """Write the positions that differ from those read; returns how many rows changed.
        ConflictError when one was changed or removed since it was read, NotAllowed when the login
        may not change it (then nothing of the positions is written)."""
        loaded = getattr(self, "_loaded_positions", None)
        if loaded is None:
            self.reload_dataset()
            loaded = self._loaded_positions
        updates, inserts, deletes = plan_positions(loaded, dataset.budget.positions)
        if not (updates or inserts or deletes):
            return 0
        self._check_writable("changing positions")
        with self._tx("saving the positions") as c:
            for old, new in updates:
                found = c.execute("UPDATE positions SET fte = %s, cost_per_fte = %s WHERE id = %s AND version = %s "
                                  "RETURNING id", (new["fte"], new["cost_per_fte"], old["id"],
                                                   old["version"])).fetchone()
                if found is None:
                    self._position_refused(c, old, new)
            for old in deletes:
                if c.execute("DELETE FROM positions WHERE id = %s AND version = %s RETURNING id",
                             (old["id"], old["version"])).fetchone() is None:
                    self._position_refused(c, old, None)
            start = c.execute("SELECT coalesce(max(row_order), -1) + 1 FROM positions").fetchone()[0]
            for i, new in enumerate(inserts):   # after the others, in the frame's order among themselves
                c.execute("INSERT INTO positions (row_order, department, program, title, fte, cost_per_fte) "
                          "VALUES (%s, %s, %s, %s, %s, %s)", (start + i, new["department"], new["program"],
                                                              new["title"], new["fte"], new["cost_per_fte"]))
        return len(updates) + len(inserts) + len(deletes)

    def _position_refused(self, c, old: dict, mine: dict | None) -> None:
        """Why a position's row was not written (raised inside the transaction: nothing is kept)."""
        name = f"{old['department']} / {old.get('title') or '(untitled)'}"
        now = c.execute("SELECT version, modified_by, modified, fte, cost_per_fte FROM positions WHERE id = %s",
                        (old["id"],)).fetchone()
        if now is not None and now[0] == old["version"]:
            raise NotAllowed(f"{self.location}: {self.user} may not change the positions of {old['department']}")
        if now is None:
            theirs = Theirs(old["version"] + 1, "another user", "", None)   # removed meanwhile
        else:
            theirs = Theirs(now[0], now[1], iso(now[2]), {**old, "fte": now[3], "cost_per_fte": now[4],
                                                          "version": now[0]})
        raise ConflictError("position", name, mine, old["version"], theirs)


__all__ = ["TeamPositionsSyncMixin", "plan_positions"]
