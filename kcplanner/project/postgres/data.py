"""The dataset of a shared project: OMB's imported tables stored column-wise as in the file
(frames), the department's tables (requests, positions) as rows; read back as one Dataset."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterable

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from ..errors import ProjectError
from .errors import TeamError
from .rows import ROW_TABLES, position_rows, positions_frame, request_rows, requests_frames

if TYPE_CHECKING:
    from ...dataset import Dataset

TEMPLATE = "template."   # the empty frame that keeps a row table's dtypes


def write_frames(c, encoded: dict) -> None:
    """Store encoded frames {name: (spec, blobs, digest)}, replacing those of the same name."""
    for name, (spec, blobs, digest) in encoded.items():
        c.execute("DELETE FROM frames WHERE name = %s", (name,))
        c.execute("INSERT INTO frames (name, spec, parts, digest) VALUES (%s, %s, %s, %s)",
                  (name, json.dumps(spec), len(blobs), digest))
        with c.cursor() as cur:
            cur.executemany("INSERT INTO frame_parts (frame, part, data) VALUES (%s, %s, %s)",
                            [(name, i, b) for i, b in enumerate(blobs)])


def encoded_tables(dataset: "Dataset") -> dict:
    """The frames to store: every table but the row tables, plus the row tables' empty templates."""
    from ..frames import encode_frame
    from ..store import digest, encode_dataset, get_frame
    encoded = {n: e for n, e in encode_dataset(dataset).items() if n not in ROW_TABLES}
    for name in ROW_TABLES:
        spec, blobs = encode_frame(get_frame(dataset, name).iloc[0:0])
        encoded[TEMPLATE + name] = (spec, blobs, digest(spec, blobs))
    return encoded


REQUEST_INSERT = ("INSERT INTO requests (request_id, row_order, department, program, fund, title, type, account_class, "
                  "recurring, fte, justification, kpi_id, rank, source_file, source_sheet, source_row, costs) VALUES "
                  "(%(request_id)s, %(row_order)s, %(department)s, %(program)s, %(fund)s, %(title)s, %(type)s, "
                  "%(account_class)s, %(recurring)s, %(fte)s, %(justification)s, %(kpi_id)s, %(rank)s, "
                  "%(source_file)s, %(source_sheet)s, %(source_row)s, %(costs)s)")
POSITION_INSERT = ("INSERT INTO positions (row_order, department, program, title, fte, cost_per_fte) VALUES "
                   "(%(row_order)s, %(department)s, %(program)s, %(title)s, %(fte)s, %(cost_per_fte)s)")


def write_rows(c, dataset: "Dataset") -> tuple[int, int]:
    """Insert the dataset's requests and positions as rows; (requests, positions) written."""
    b = dataset.budget
    requests = request_rows(b.requests, b.request_costs)
    positions = position_rows(b.positions)
    with c.cursor() as cur:
        cur.executemany(REQUEST_INSERT, [{**r, "costs": Jsonb(r["costs"])} for r in requests])
        cur.executemany(POSITION_INSERT, positions)
    return len(requests), len(positions)


class TeamDataMixin:
    """The data tables (part of `TeamProject`)."""

    @property
    def dataset(self) -> "Dataset":
        """The data as one Dataset (decoded on first use; `reload_dataset()` reads it again)."""
        with self._lock:
            self._check_open()
            if self._dataset is None:
                self._dataset = self._read_dataset()
            return self._dataset

    def reload_dataset(self) -> "Dataset":
        with self._lock:
            self._dataset = None
            return self.dataset

    def _read_dataset(self) -> "Dataset":
        from ..frames import FrameCodecError, decode_frame
        from ..store import decode_dataset
        with self._read("reading the data") as c:
            specs = {n: (json.loads(s), p) for n, s, p in c.execute("SELECT name, spec, parts FROM frames")}
            blobs: dict[str, list[bytes]] = {n: [] for n in specs}
            for name, data in c.execute("SELECT frame, data FROM frame_parts ORDER BY frame, part"):
                blobs.setdefault(name, []).append(bytes(data))
            record = c.execute("SELECT value FROM meta WHERE key = 'dataset'").fetchone()
            with c.cursor(row_factory=dict_row) as cur:
                requests = cur.execute("SELECT * FROM requests ORDER BY row_order, request_id").fetchall()
                positions = cur.execute("SELECT * FROM positions ORDER BY row_order, id").fetchall()
        frames, templates = {}, {}
        try:
            for name, (spec, parts) in specs.items():
                if len(blobs[name]) != parts:
                    raise TeamError(f"{self.location}: table {name} is damaged ({len(blobs[name])} of {parts} parts)")
                if name.startswith(TEMPLATE):
                    templates[name[len(TEMPLATE):]] = decode_frame(spec, blobs[name])
                else:
                    frames[name] = (spec, blobs[name])
            dataset = decode_dataset(json.loads(record[0]) if record else {}, frames)
        except (FrameCodecError, json.JSONDecodeError, TypeError) as exc:
            raise TeamError(f"{self.location}: the shared project's data are damaged: {exc}") from None
        b = dataset.budget
        b.requests, b.request_costs = requests_frames(
            requests, templates.get("budget.requests", b.requests), templates.get("budget.request_costs",
                                                                                  b.request_costs))
        b.positions = positions_frame(positions, templates.get("budget.positions", b.positions))
        self._loaded_requests = {r["request_id"]: r for r in requests}   # what update_dataset compares with
        self._loaded_positions = positions
        return dataset

    def update_dataset(self, dataset: "Dataset" | None = None, *, description: str | None = None,
                       tables: Iterable[str] | None = None) -> int | None:
        """Store what changed in `dataset` (as `Project.update_dataset`): OMB's tables (analysts only)
        are replaced whole; requests are saved one by one over the versions read, the positions
        that differ in one transaction over the versions read (ConflictError when someone changed
        one since).  Returns the last audit row's seq, None if nothing changed."""
        self._check_writable("changing the data")
        dataset = self.dataset if dataset is None else dataset
        wanted = set(tables) if tables is not None else None
        seq = None
        if wanted is None or {"budget.requests", "budget.request_costs"} & wanted:
            self._sync_requests(dataset)
        if wanted is None or "budget.positions" in wanted:
            self._sync_positions(dataset)
        others = {n: e for n, e in encoded_tables(dataset).items()
                  if not n.startswith(TEMPLATE) and (wanted is None or n in wanted)}
        with self._read("comparing the data") as c:
            stored = dict(c.execute("SELECT name, digest FROM frames").fetchall())
        changed = {n: e for n, e in others.items() if stored.get(n) != e[2]}
        if changed:
            if self.role != "omb_analyst":
                raise ProjectError(f"{self.location}: only OMB changes {', '.join(sorted(changed))}")
            text = description or "Changed table" + "s" * (len(changed) > 1) + " " + ", ".join(sorted(changed))
            with self._tx("changing the data") as c:
                write_frames(c, changed)
                seq = c.execute("SELECT note_event('data', NULL, NULL, %s, %s)",
                                (text, Jsonb({"tables": sorted(changed)}))).fetchone()[0]
        self._dataset = None
        return seq

    def _sync_requests(self, dataset: "Dataset") -> None:
        """Save the requests that differ from those read, each over the version read."""
        loaded = getattr(self, "_loaded_requests", None)
        if loaded is None:
            self.reload_dataset()
            loaded = self._loaded_requests
        mine = {r["request_id"]: r for r in request_rows(dataset.budget.requests, dataset.budget.request_costs)}
        for rid, row in mine.items():
            fields = {k: v for k, v in row.items() if k not in ("request_id", "row_order")}
            if rid not in loaded:
                saved = self.add_request({"request_id": rid, **fields})
                loaded[rid] = {**fields, "request_id": rid, "version": saved.get("version", 1)}
                continue
            changes = {k: v for k, v in fields.items() if loaded[rid].get(k) != v}
            if changes:
                saved = self.save_request(rid, changes, loaded[rid]["version"])
                # the next save of this request goes over the version just written, not the one read
                loaded[rid] = {**loaded[rid], **changes, "version": saved["version"]}
        for rid in set(loaded) - set(mine):
            self.delete_request(rid, loaded[rid]["version"])
            del loaded[rid]


__all__ = ["TeamDataMixin", "write_frames", "write_rows", "encoded_tables"]
