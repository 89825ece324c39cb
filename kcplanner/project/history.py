"""The audit rows in the file: written in the same transaction as the change they describe
(`_insert_edit`, `_insert_save`), and read back as the history."""

from __future__ import annotations

import json
from typing import Iterable

from ..scenario import scenario_from_dict
from .audit import HistoryEntry, history_rows, host_name
from .records import _key


def _insert_edit(c, time, user, host, session, scenario, action, description, before, after, merge_key,
                 scenario_id=None) -> int:
    cur = c.execute("INSERT INTO edits (time, user, host, session, scenario, action, description, before, after, "
                    "merge_key, scenario_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (time, user, host, session, scenario, action, description, before, after, merge_key, scenario_id))
    return int(cur.lastrowid)


def _insert_save(c, time, user, path, text, session="", host=None) -> None:
    snapshot = [scenario_from_dict(json.loads(d)).to_dict() for (d,) in
                c.execute("SELECT data FROM scenarios ORDER BY position, id")]
    seq = _insert_edit(c, time, user, host or host_name(), session, None, "save", text, None,
                       json.dumps({"path": path}, ensure_ascii=False), None)
    c.execute("INSERT INTO saves (seq, time, user, path, scenarios) VALUES (?, ?, ?, ?, ?)",
              (seq, time, user, path, json.dumps(snapshot, ensure_ascii=False)))


class HistoryMixin:
    """Reading the audit trail (part of `Project`)."""

    # -- history ----------------------------------------------------------------------------------
    def history(self, scenario: str | None = None, *, actions: Iterable[str] | None = None,
                limit: int | None = None) -> list[HistoryEntry]:
        """The audit rows, oldest first (`limit`: only the newest n).  `scenario`: the rows of that
        scenario, including those from before it was renamed."""
        with self._lock:
            self._check_open()
            sql = "SELECT seq, time, user, host, session, scenario, action, description, before, after FROM edits"
            where, args = [], []
            if scenario is not None:  # this scenario across its renames (by id), or a deleted one by name
                stored = self._scenarios.get(_key(scenario))
                if stored is not None:
                    sid, name = stored.id, stored.scenario.name
                else:  # deleted: the last scenario that had this name
                    row = self._conn.execute("SELECT scenario_id FROM edits WHERE scenario = ? AND scenario_id IS "
                                             "NOT NULL ORDER BY seq DESC LIMIT 1", (scenario,)).fetchone()
                    sid, name = (row[0] if row else None), scenario
                where.append("(scenario_id = ? OR (scenario_id IS NULL AND scenario = ?))")
                args.extend([sid, name])
            if actions is not None:
                actions = list(actions)
                where.append(f"action IN ({','.join('?' * len(actions))})")
                args.extend(actions)
            if where:
                sql += " WHERE " + " AND ".join(where)
            sql += " ORDER BY seq DESC"
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            rows = self._conn.execute(sql, args).fetchall()
            out = []
            for seq, time, user, host, session, scen, action, text, before, after in reversed(rows):
                out.append(HistoryEntry(seq, time, user, host, session, scen, action, text,
                                        json.loads(before) if before else None, json.loads(after) if after else None))
            return out

    def export_history_rows(self, scenario: str | None = None, header: bool = True) -> list[list]:
        """Plain rows (header first) for a History sheet: #, time, user, scenario, action, change, before, after."""
        return history_rows(self.history(scenario), header=header)
