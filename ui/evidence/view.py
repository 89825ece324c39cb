"""The Evidence tab: the drivers' elasticities estimated from the city's history, and the KPI review
(kcplanner.evidence; SPEC "Evidence for the drivers, and the KPI review"; docs/evidence-ui.md).

A KPI picker (each KPI with its recommendation), "Pool within goal", and two pages: By KPI
(kpi_page.py: history, scatter, figures, words, "Use the estimate") and KPI review (review_page.py).

The estimate reads the dataset only, never the scenario: it runs on the thread pool (a JobTask) the
first time the tab is shown after a load or an edit of the data, and again when the pool toggle
changes; results are kept per (dataset, pool).  A hidden tab does no work.  Scenario edits (Use the
estimate, undo) only refresh the In effect column and the buttons.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QThreadPool, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QStackedWidget, QTabWidget, QVBoxLayout,
                               QWidget)

from ..common import access
from ..common.workers import JobTask
from .kpi_page import KpiEvidencePage
from .review_page import KpiReviewPage

NO_DATA = "Open a plan and its budgets to see the evidence for the drivers."
NO_HISTORY = ("No history to estimate from: every KPI has at most one year (its Baseline).\n\n"
              "Give each KPI its yearly values on the plan's KPI Actuals sheet: one row per KPI and year with "
              "the Period a whole fiscal year (KPI ID | Period | Value, e.g. K07 | FY2021 | 8.4), or import them "
              "with a mapping. Spending history comes from the department workbooks' Actuals sheets (or the "
              "Actual amount columns of past years). With four or more years, each driver's elasticity is "
              "estimated and every KPI reviewed.")
COMPUTING = "Estimating the drivers' elasticities from the history…"


def estimate(dataset, pool):
    """The evidence (kcplanner.evidence.estimate_evidence); run on the thread pool."""
    from kcplanner.evidence import estimate_evidence

    return estimate_evidence(dataset, pool=pool)


class EvidencePanel(QWidget):
    """The Evidence tab.  `evidenceShown(Evidence)` after new evidence is on screen."""

    evidenceShown = Signal(object)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.ev = None
        self.job: JobTask | None = None
        self._cache: dict = {}        # pool → Evidence, for `_cache_dataset`
        self._cache_dataset = None
        self._stale = True
        self.runs = 0                 # estimations started (hidden tabs start none)

        self.kpi = QComboBox()
        self.kpi.setMinimumContentsLength(40)
        self.kpi.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kpi.setToolTip("The KPI whose drivers are shown, with the KPI review's recommendation")
        self.pool = QCheckBox("Pool within goal")
        self.pool.setToolTip("Pool each goal's estimates (DerSimonian–Laird) where it has 3 or more estimated drivers: "
                             "a driver with a short, noisy history borrows strength from its goal's others")
        self.status = QLabel()
        self.status.setStyleSheet("color: #555;")
        bar = QHBoxLayout()
        bar.addWidget(access.label_for("&KPI", self.kpi))
        bar.addWidget(self.kpi, 1)
        bar.addWidget(self.pool)
        bar.addWidget(self.status)

        self.by_kpi = KpiEvidencePage(session)
        self.review = KpiReviewPage()
        self.review.kpiActivated.connect(self.show_kpi)
        self.pages = QTabWidget()
        self.pages.addTab(self.by_kpi, "By KPI")
        self.pages.addTab(self.review, "KPI review")
        self.empty = QLabel(NO_DATA)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("font-size: 15px; color: #444; padding: 40px;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.pages)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.stack, 1)
        self._enable(False)

        self.kpi.currentIndexChanged.connect(lambda _i: self.by_kpi.show_kpi(self.kpi.currentData()))
        self.pool.toggled.connect(lambda _on: self.refresh())
        session.datasetChanged.connect(self._dataset_changed)
        session.dataReplaced.connect(lambda _why: self._dataset_changed())

    # -- when it runs ---------------------------------------------------------------------------------
    @property
    def pool_mode(self) -> str | None:
        return "goal" if self.pool.isChecked() else None

    def _dataset_changed(self) -> None:
        ds = self.session.dataset
        if ds is self._cache_dataset and ds is not None:
            return  # a load says so twice (dataReplaced, then datasetChanged)
        self._stale = True
        if self.job is not None:
            self.job.cancel()
            self.job = None
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Show the evidence of the dataset with the pool setting: cached, or estimated on the pool."""
        self._stale = False
        ds = self.session.dataset
        if ds is None:
            self._show_empty(NO_DATA)
            return
        if ds is not self._cache_dataset:
            self._cache, self._cache_dataset = {}, ds
        pool = self.pool_mode
        if pool in self._cache:
            self.set_evidence(self._cache[pool])
            return
        if self.job is not None:
            self.job.cancel()
        cache = self._cache
        job = self.job = JobTask(lambda _progress, _cancelled: estimate(ds, pool))
        job.signals.finished.connect(lambda ev, job=job, pool=pool, cache=cache: self._done(job, ev, pool, cache))
        job.signals.failed.connect(lambda exc, job=job: self._failed(job, exc))
        self.runs += 1
        self.status.setText("Estimating…")
        if self.ev is None:
            self._show_empty(COMPUTING)
        QThreadPool.globalInstance().start(job)

    def _done(self, job, ev, pool, cache) -> None:
        cache[pool] = ev
        if job is not self.job:
            return
        self.job = None
        if pool == self.pool_mode and self.session.dataset is self._cache_dataset:
            self.set_evidence(ev)

    def _failed(self, job, exc) -> None:
        if job is self.job:
            self.job = None
            self.status.setText("")
            self._show_empty(f"The estimate failed: {exc}")

    @property
    def busy(self) -> bool:
        return self.job is not None

    # -- what it shows --------------------------------------------------------------------------------
    def _enable(self, on: bool) -> None:
        for w in (self.kpi, self.pool):
            w.setEnabled(on)

    def _show_empty(self, text: str) -> None:
        self.empty.setText(text)
        self.stack.setCurrentIndex(0)
        self._enable(False)

    def set_evidence(self, ev) -> None:
        self.ev = ev
        P = self.session.prepared
        estimated = int((ev.drivers["status"] == "estimated").sum())
        self.status.setText(f"{estimated} of {len(ev.drivers)} drivers estimated"
                            + (", pooled within goals" if ev.pool else ""))
        if not len(ev.kpis) or int(ev.kpis["years"].max()) < 2:
            self.ev = None
            self.by_kpi.set_evidence(None, {})
            self.review.set_evidence(None)
            self._show_empty(NO_HISTORY)
            self.evidenceShown.emit(ev)
            return
        years = sorted({int(y) for y in ev.kpi_history.columns} | {int(y) for y in ev.spending_history.columns})
        labels = {y: P.label(y) for y in years} if P is not None else {}
        self.by_kpi.set_evidence(ev, labels)
        self.review.set_evidence(ev)
        self._fill_kpis(ev)
        self.stack.setCurrentIndex(1)
        self._enable(True)
        self.evidenceShown.emit(ev)

    def _fill_kpis(self, ev) -> None:
        current = self.kpi.currentData()
        self.kpi.blockSignals(True)
        self.kpi.clear()
        for kid, r in ev.kpis.iterrows():
            self.kpi.addItem(f"{kid} {r['name'] or ''} — {r['recommendation']}", str(kid))
            self.kpi.setItemData(self.kpi.count() - 1, escape(str(r["reasons"] or "")), Qt.ItemDataRole.ToolTipRole)
        index = max(0, self.kpi.findData(current)) if current is not None else 0
        self.kpi.setCurrentIndex(index)
        self.kpi.blockSignals(False)
        self.by_kpi.show_kpi(self.kpi.currentData())

    def show_kpi(self, kpi_id: str) -> None:
        """Choose a KPI (as the picker does) and show its page."""
        i = self.kpi.findData(kpi_id)
        if i < 0:
            raise ValueError(f"{kpi_id} is not a KPI of the evidence")
        self.kpi.setCurrentIndex(i)
        self.by_kpi.show_kpi(kpi_id)
        self.pages.setCurrentWidget(self.by_kpi)
