"""Re-import: the project takes newly read data in place of its own, keeping every scenario, and
reports the differences and the scenarios whose rules or funded requests no longer match anything."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ..engine import prepare, validate_scenario
from .audit import utc_now
from .history import _insert_edit
from .records import ReplaceReport
from .sources import _normalize_sources, _write_mappings, _write_sources
from .tables import _write_frames

if TYPE_CHECKING:
    from ..dataset import Dataset


class ReimportMixin:
    """Re-importing the data of an open project (part of `Project`)."""

    def replace_dataset(self, new_dataset: Dataset, sources: Any = None, *, mappings: Iterable[Mapping] | None = None,
                        description: str | None = None) -> ReplaceReport:
        """Take re-imported data, keeping every scenario.  Returns the differences and, per scenario,
        the rules and funded requests that no longer match anything (kcplanner.engine.validate_scenario)."""
        from .diff import diff_datasets
        from .store import dataset_record, encode_dataset
        with self._lock:
            self._check_writable()
            old = self.dataset
            diff = diff_datasets(old, new_dataset)
            source_files, import_args = _normalize_sources(sources, new_dataset, self.path)
            encoded = encode_dataset(new_dataset)
            now = utc_now()
            old_sources = [s.path for s in self.sources]
            text = description or (f"Re-imported the data from {len(source_files)} workbook"
                                   f"{'s' * (len(source_files) != 1)}: {diff.summary()}")
            with self._tx() as c:
                c.execute("DELETE FROM frame_parts")
                c.execute("DELETE FROM frames")
                _write_frames(c, encoded)
                c.execute("DELETE FROM sources")
                _write_sources(c, source_files)
                if mappings is not None:
                    c.execute("DELETE FROM mappings")
                    _write_mappings(c, mappings)
                c.execute("INSERT OR REPLACE INTO meta VALUES ('import_args', ?)",
                          (json.dumps(import_args, ensure_ascii=False),))
                c.execute("INSERT OR REPLACE INTO meta VALUES ('dataset', ?)",
                          (json.dumps(dataset_record(new_dataset), ensure_ascii=False),))
                c.execute("INSERT OR REPLACE INTO meta VALUES ('dataset_modified', ?)", (now,))
                seq = _insert_edit(c, now, self.user, self.host, self.session, None, "import", text,
                                   json.dumps({"sources": old_sources}),
                                   json.dumps({"sources": [s.path for s in source_files], **diff.counts()}), None)
            self._dataset = new_dataset
            return ReplaceReport(diff, self.invalid_scenarios(), seq)

    def invalid_scenarios(self) -> dict[str, list[str]]:
        """{scenario name: messages} for scenarios whose rules or funded requests match nothing
        (kcplanner.engine.validate_scenario against the prepared data)."""
        prepared = prepare(self.dataset)
        out = {}
        for s in self.scenarios:
            messages = validate_scenario(s, prepared)
            if messages:
                out[s.name] = messages
        return out
