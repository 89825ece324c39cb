"""The audit trail of a shared project, read back as the file's `HistoryEntry` rows (the database
writes them: migrations/0003, audit_change)."""

from __future__ import annotations

from typing import Iterable

from ..audit import HistoryEntry, history_rows
from ..records import _key
from .base import iso


class TeamHistoryMixin:
    """Reading the audit trail (part of `TeamProject`)."""

    def history(self, scenario: str | None = None, *, actions: Iterable[str] | None = None,
                limit: int | None = None) -> list[HistoryEntry]:
        """The audit rows, oldest first (as `Project.history`); `scenario` follows it across renames."""
        where, args = [], []
        if scenario is not None:
            stored = self._scenarios.get(_key(scenario))
            if stored is not None:
                where.append("(scenario_id = %s OR (scenario_id IS NULL AND scenario = %s))")
                args += [stored.id, stored.scenario.name]
            else:
                where.append("(scenario_id = (SELECT scenario_id FROM edits WHERE scenario = %s AND scenario_id IS NOT "
                             "NULL ORDER BY seq DESC LIMIT 1) OR (scenario_id IS NULL AND scenario = %s))")
                args += [scenario, scenario]
        if actions is not None:
            where.append("action = ANY(%s)")
            args.append(list(actions))
        query = ('SELECT seq, time, "user", host, session, scenario, action, description, before, after FROM edits'
                 + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY seq DESC"
                 + (" LIMIT %s" if limit is not None else ""))
        if limit is not None:
            args.append(int(limit))
        with self._read("reading the history") as c:
            rows = c.execute(query, args).fetchall()
        return [HistoryEntry(seq, iso(time), user, host, session, scen, action, text, before, after)
                for seq, time, user, host, session, scen, action, text, before, after in reversed(rows)]

    def export_history_rows(self, scenario: str | None = None, header: bool = True) -> list[list]:
        return history_rows(self.history(scenario), header=header)


__all__ = ["TeamHistoryMixin"]
