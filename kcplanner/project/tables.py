"""The data tables in the file: the dataset decoded on first use (store.py, frames.py), tables
changed in the app written back with an audit row, and the full check that every table decodes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterable

from .audit import utc_now
from .errors import ProjectError
from .history import _insert_edit

if TYPE_CHECKING:
    from ..dataset import Dataset


def _write_frames(c, encoded: dict) -> None:
    for name, (spec, blobs, dig) in encoded.items():
        c.execute("INSERT INTO frames VALUES (?, ?, ?, ?)", (name, json.dumps(spec), len(blobs), dig))
        c.executemany("INSERT INTO frame_parts (frame, part, data) VALUES (?, ?, ?)",
                      [(name, i, b) for i, b in enumerate(blobs)])


class DataTablesMixin:
    """The data of an open project (part of `Project`)."""

    # -- the data ---------------------------------------------------------------------------------
    @property
    def dataset(self) -> Dataset:
        """The imported data, exactly as stored (decoded on first use, then kept)."""
        with self._lock:
            self._check_open()
            if self._dataset is None:
                self._dataset = self._read_dataset()
            return self._dataset

    def _read_dataset(self) -> Dataset:
        from .frames import FrameCodecError
        from .store import decode_dataset
        c = self._conn
        specs = {name: (json.loads(spec), parts) for name, spec, parts in
                 c.execute("SELECT name, spec, parts FROM frames")}
        blobs: dict[str, list[bytes]] = {name: [] for name in specs}
        for name, _part, data in c.execute("SELECT frame, part, data FROM frame_parts ORDER BY frame, part"):
            blobs.setdefault(name, []).append(data)
        frames = {}
        for name, (spec, parts) in specs.items():
            if len(blobs[name]) != parts:
                raise ProjectError(f"{self.path}: the project file is damaged (table {name} has "
                                   f"{len(blobs[name])} of {parts} parts)")
            frames[name] = (spec, blobs[name])
        try:
            record = json.loads(self._meta_value("dataset", c) or "{}")
            return decode_dataset(record, frames)
        except (FrameCodecError, json.JSONDecodeError, TypeError) as exc:
            raise ProjectError(f"{self.path}: the project file is damaged: {exc}") from exc

    def update_dataset(self, dataset: Dataset | None = None, *, description: str | None = None,
                       tables: Iterable[str] | None = None) -> int | None:
        """Store the tables of `dataset` (default: `project.dataset`, changed in place) that differ
        from the file, e.g. requests created in the app (`budget.requests`, `budget.request_costs`).
        `tables` limits the comparison to those names.  Returns the audit row's seq, None if nothing changed."""
        from .diff import diff_requests
        from .store import dataset_record, encode_dataset
        with self._lock:
            self._check_writable()
            dataset = self.dataset if dataset is None else dataset
            encoded = encode_dataset(dataset, tables)
            stored = dict(self._conn.execute("SELECT name, digest FROM frames"))
            changed = {n: e for n, e in encoded.items() if stored.get(n) != e[2]}
            record = json.dumps(dataset_record(dataset), ensure_ascii=False)
            record_changed = record != self._meta_value("dataset")
            if not changed and not record_changed:
                return None
            text = description
            if text is None:
                parts = []
                if {"budget.requests", "budget.request_costs"} & set(changed):
                    old_req = self._read_frames(["budget.requests", "budget.request_costs"])
                    req_changes = diff_requests(old_req["budget.requests"], old_req["budget.request_costs"],
                                                dataset.budget.requests, dataset.budget.request_costs)
                    parts.extend(r.describe() for r in req_changes)
                others = [n for n in changed if n not in ("budget.requests", "budget.request_costs")]
                if others:
                    parts.append("Changed table" + "s" * (len(others) > 1) + " " + ", ".join(others))
                if record_changed and not parts:
                    parts.append("Changed the plan settings")
                text = "; ".join(parts) or "Changed the data"
            now = utc_now()
            with self._tx() as c:
                for name in changed:
                    c.execute("DELETE FROM frame_parts WHERE frame = ?", (name,))
                    c.execute("DELETE FROM frames WHERE name = ?", (name,))
                _write_frames(c, changed)
                c.execute("INSERT OR REPLACE INTO meta VALUES ('dataset', ?)", (record,))
                c.execute("INSERT OR REPLACE INTO meta VALUES ('dataset_modified', ?)", (now,))
                seq = _insert_edit(c, now, self.user, self.host, self.session, None, "data", text, None,
                                   json.dumps({"tables": sorted(changed)}), None)
            self._dataset = dataset
            return seq

    def _read_frames(self, names: list[str]) -> dict:
        from .frames import decode_frame
        out = {}
        for name in names:
            row = self._conn.execute("SELECT spec FROM frames WHERE name = ?", (name,)).fetchone()
            blobs = [b for (b,) in self._conn.execute(
                "SELECT data FROM frame_parts WHERE frame = ? ORDER BY part", (name,))]
            out[name] = decode_frame(json.loads(row[0]), blobs) if row else None
        return out

    def check(self) -> list[str]:
        """A full check: `PRAGMA integrity_check` and every stored table decoded.  [] = healthy."""
        with self._lock:
            self._check_open()
            problems = [r[0] for r in self._conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            if not problems:
                try:
                    self._read_dataset()
                except ProjectError as exc:
                    problems.append(str(exc))
            return problems
