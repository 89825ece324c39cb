"""Re-import into a shared project (OMB only): the workbooks read again take the place of OMB's
tables (line items, amounts, the plan, actuals, revenue…), the sources and the import mappings, in
one transaction, keeping every scenario.  The requests and positions stay as they are on the
server: they are the departments' rows, moving through the workflow, and a workbook read again
must not overwrite a manager's Draft or a request under review; what the workbooks say differently
about them is reported (`TeamReplaceReport.requests_in_workbooks`), not taken."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from psycopg.types.json import Jsonb

from ..records import ReplaceReport
from .data import encoded_tables, write_frames
from .errors import NotAllowed

if TYPE_CHECKING:
    from ...dataset import Dataset


@dataclass
class TeamReplaceReport(ReplaceReport):
    """`ReplaceReport` (differences of OMB's tables, scenarios that no longer apply, the audit seq)
    plus how the workbooks' requests differ from the server's (not taken: the departments' rows)."""

    requests_in_workbooks: list = field(default_factory=list)   # diff.RequestChange, server → workbooks


class TeamReimportMixin:
    """`replace_dataset` for a shared project (part of `TeamProject`)."""

    def replace_dataset(self, new_dataset: "Dataset", sources: Any = None, *,
                        mappings: Iterable[Mapping] | None = None, description: str | None = None
                        ) -> TeamReplaceReport:
        from ...engine import prepare, validate_scenario
        from ..diff import diff_datasets, diff_requests
        from ..sources import _normalize_sources
        from ..store import dataset_record

        self._check_writable("re-importing the data")
        if self.role != "omb_analyst":
            raise NotAllowed(f"{self.location}: only OMB re-imports the workbooks ({self.user} is a {self.role})")
        old = self.reload_dataset()
        merged = copy.copy(new_dataset)
        merged.budget = copy.copy(new_dataset.budget)
        ob, nb = old.budget, merged.budget
        nb.requests, nb.request_costs, nb.positions = ob.requests, ob.request_costs, ob.positions
        diff = diff_datasets(old, merged)
        untaken = diff_requests(ob.requests, ob.request_costs, new_dataset.budget.requests,
                                new_dataset.budget.request_costs)
        files, import_args = _normalize_sources(sources, new_dataset, Path.cwd() / "shared.kcplan")
        encoded = encoded_tables(merged)
        text = description or (f"Re-imported the data from {len(files)} workbook{'s' * (len(files) != 1)}: "
                               f"{diff.summary()}")
        with self._tx("re-importing the data") as c:
            c.execute("DELETE FROM frame_parts")
            c.execute("DELETE FROM frames")
            write_frames(c, encoded)
            c.execute("DELETE FROM sources")
            for i, s in enumerate(files):
                c.execute("INSERT INTO sources VALUES (%s, %s, %s, %s, %s, %s, %s)",
                          (i, s.role, s.path, s.relative, s.sha256, s.size, s.modified))
            if mappings is not None:
                c.execute("DELETE FROM mappings")
                for i, m in enumerate(mappings):
                    c.execute("INSERT INTO mappings VALUES (%s, %s)", (i, json.dumps(dict(m), ensure_ascii=False)))
            for key, value in (("import_args", json.dumps(import_args, ensure_ascii=False)),
                               ("dataset", json.dumps(dataset_record(merged), ensure_ascii=False))):
                c.execute("INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                          "SET value = EXCLUDED.value", (key, value))
            seq = c.execute("SELECT note_event('import', NULL, NULL, %s, %s)",
                            (text, Jsonb({"sources": [s.path for s in files], **diff.counts()}))).fetchone()[0]
        self._dataset = None
        prepared = prepare(self.dataset)
        invalid = {s.name: m for s in self.scenarios if (m := validate_scenario(s, prepared))}
        return TeamReplaceReport(diff, invalid, seq, untaken)


__all__ = ["TeamReimportMixin", "TeamReplaceReport"]
