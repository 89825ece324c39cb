"""Save points and durability: every edit is in the file already; `save()` marks the edits the
analyst accepted (with a snapshot for `revert_to_saved`), `sync()` makes them survive a power loss."""

from __future__ import annotations

import contextlib
import json
import sqlite3

from ..scenario import scenario_from_dict
from .audit import EDIT_ACTIONS, scenario_json, utc_now
from .history import _insert_edit, _insert_save
from .records import SavePoint, _key, _Stored


class SavePointsMixin:
    """Save points and syncing of an open project (part of `Project`)."""

    def _last_save_seq(self, c=None) -> int:
        row = (c or self._conn).execute("SELECT max(seq) FROM saves").fetchone()
        return int(row[0] or 0)

    def _count_unsaved(self, c=None) -> int:
        c = c or self._conn
        return int(c.execute(f"SELECT count(*) FROM edits WHERE seq > ? AND action IN "
                             f"({','.join('?' * len(EDIT_ACTIONS))})",
                             (self._last_save_seq(c), *EDIT_ACTIONS)).fetchone()[0])

    # -- save points ------------------------------------------------------------------------------
    @property
    def unsaved_edits(self) -> int:
        """Edits since the last save point (they are in the file all the same)."""
        with self._lock:
            self._check_open()
            return self._count_unsaved()

    @property
    def is_modified(self) -> bool:
        return self.unsaved_edits > 0

    @property
    def last_save(self) -> SavePoint | None:
        row = self._conn.execute("SELECT id, seq, time, user, path FROM saves ORDER BY id DESC LIMIT 1").fetchone()
        return SavePoint(*row) if row else None

    def save(self) -> SavePoint:
        """Mark a save point (File > Save): every edit is already in the file; this records that the
        analyst accepted them, keeps a snapshot for `revert_to_saved`, and folds the WAL into the file."""
        with self._lock:
            now = utc_now()
            with self._tx() as c:
                _insert_save(c, now, self.user, str(self.path), "Saved", self.session, self.host)
            self._checkpoint("TRUNCATE")
            return self.last_save

    def revert_to_saved(self) -> int | None:
        """Put the scenarios back as they were at the last save point (an audited edit itself).
        Data re-imports are not reverted.  Returns the audit row's seq, None when nothing changed."""
        with self._lock:
            self._check_writable()
            row = self._conn.execute("SELECT time, scenarios FROM saves ORDER BY id DESC LIMIT 1").fetchone()
            if row is None:
                return None
            time, snapshot = row
            saved = [scenario_from_dict(d) for d in json.loads(snapshot)]
            current = self.scenarios
            if saved == current:
                return None
            n = self._count_unsaved()
            now = utc_now()
            with self._tx() as c:
                c.execute("DELETE FROM scenarios")
                stored = {}
                for i, s in enumerate(saved):
                    cur = c.execute("INSERT INTO scenarios (name, name_key, position, data, created, modified) "
                                    "VALUES (?, ?, ?, ?, ?, ?)",
                                    (s.name, _key(s.name), float(i + 1), scenario_json(s), now, now))
                    stored[_key(s.name)] = _Stored(cur.lastrowid, float(i + 1), s)
                seq = _insert_edit(c, now, self.user, self.host, self.session, None, "revert",
                                   f"Reverted the scenarios to the save of {time} ({n} edit{'s' * (n != 1)} undone)",
                                   json.dumps([s.to_dict() for s in current], ensure_ascii=False),
                                   json.dumps([s.to_dict() for s in saved], ensure_ascii=False), None)
            self._scenarios = stored
            return seq

    # -- durability -------------------------------------------------------------------------------
    @property
    def needs_sync(self) -> bool:
        return self._needs_sync

    def sync(self) -> None:
        """Make the edits so far survive a power loss too (a WAL checkpoint, which fsyncs).  Edits
        already survive a crash or kill of kcplanner when `record_edit` returns; the app calls this
        from a one-second timer while `needs_sync`, and on Save and close."""
        with self._lock:
            if self._closed or self.read_only or not self._needs_sync:
                return
            self._checkpoint("PASSIVE")

    def _checkpoint(self, mode: str) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
        self._needs_sync = False
