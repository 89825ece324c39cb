"""The import-mapping dialog's live preview: re-apply the mapping to the whole sheet and show the
rows as imported, the totals, the excluded rows and the problems, the candidate amount totals, and
whether OK is allowed.

A mixin of `MappingDialog` (ui/mapping/dialog.py).
"""

from __future__ import annotations

import pandas as pd

from kcplanner.readers.amount_checks import amount_candidates
from kcplanner.readers.mapping import MappingError
from kcplanner.readers.mapping_apply import apply_mapping
from kcplanner.report import ValidationReport

from .totals import nothing_imported

PREVIEW_ROWS = 200


class MappingPreview:
    """The preview, totals and checks of the mapping the widgets show."""

    def refresh_now(self) -> None:
        """Re-apply the mapping to the whole sheet and update the preview, totals and excluded rows,
        the candidate amount totals, and whether OK is allowed."""
        self._refresh()
        self._update_checks()

    def candidates(self) -> list:
        """The sheet's candidate amount columns with their totals (computed once per sheet and header row)."""
        k = (self.sheet_obj.name, self.header_spin.value())
        if self._candidates[0] != k:
            self._candidates = (k, amount_candidates(self.grid, self.header_spin.value()))
        return self._candidates[1]

    def chosen_amounts(self) -> list[str]:
        m = self.mapping
        return [] if m.table == "kpis" else ([m.amount] if m.amount else list(m.amounts))

    def _update_checks(self) -> None:
        kpis = self.table_combo.currentData() == "kpis"
        self.candidates_table.setVisible(not kpis)
        if not kpis:
            self.candidates_table.show_candidates(self.candidates(), self.chosen_amounts(), self.previous_total)
        why = nothing_imported(self.part, self.report) if self.part is not None or self.report.errors else \
            "The mapping is not complete (see above)."
        self.refused = why
        self.ok_button.setEnabled(why is None)
        self.ok_button.setToolTip(why or "Import the file with this mapping")
        if why and self.part is not None:
            self.status.setText(self.status.text() + f"<br><b style='color:#b3261e'>OK is off:</b> {why}")

    def _refresh(self) -> None:
        self._timer.stop()
        self.report = ValidationReport()
        try:
            m = self.current_mapping()
        except MappingError as exc:
            self.part = None
            self.status.setText(f"<b style='color:#b3261e'>The mapping is not complete:</b> {exc}")
            return
        self.mapping = m
        try:
            part = apply_mapping(self.sheet_obj, m, self.report, self.path.name, self.sheet_obj.name)
        except Exception as exc:  # the dialog must survive any half-made mapping
            part = None
            self.report.error(self.path.name, self.sheet_obj.name, "", f"{type(exc).__name__}: {exc}")
        self.part = part
        problems = pd.DataFrame([{"severity": p.severity, "cell": p.cell, "message": p.message}
                                 for p in self.report.problems], columns=["severity", "cell", "message"])
        self.problems_model.set_frame(problems)
        if part is None or part.rows is None:
            self.preview_model.set_frame(pd.DataFrame())
            self.totals_model.set_frame(pd.DataFrame())
            self.excluded_model.set_frame(pd.DataFrame())
            first = self.report.errors[0].message if self.report.errors else "nothing to import"
            self.status.setText(f"<b style='color:#b3261e'>Cannot import:</b> {first}")
            return
        rows = part.rows
        self.preview_model.set_frame(rows.head(PREVIEW_ROWS))
        if m.table == "kpis":
            kept = rows[rows["excluded"] == ""]
            tot = kept.groupby("direction", dropna=False).size().rename("measures").reset_index()
            n_hist = len(part.kpi_history) if part.kpi_history is not None else 0
            tot = pd.concat([tot, pd.DataFrame([{"direction": "history values", "measures": n_hist}])],
                            ignore_index=True)
            self.totals_model.set_frame(tot)
        else:
            self.totals_model.set_frame(part.totals())
        excl = rows.loc[rows["excluded"] != "", ["row", "excluded"]]
        self.excluded_model.set_frame(excl)
        c = part.count
        reasons = ", ".join(f"{n:,} {why}" for why, n in sorted(c.excluded.items())) if c.excluded else ""
        n_err, n_warn = len(self.report.errors), len(self.report.warnings)
        color = "#b3261e" if n_err or not c.imported else "#1b5e20"
        self.status.setText(f"<b style='color:{color}'>{c.read:,} rows read, {c.imported:,} imported, "
                            f"{c.read - c.imported:,} excluded</b>" + (f" ({reasons})" if reasons else "")
                            + f" — {n_err} error(s), {n_warn} warning(s)"
                            + (f"; sentinels: {', '.join(f'{k} {v:,}' for k, v in part.sentinels.items())}"
                               if part.sentinels else ""))
