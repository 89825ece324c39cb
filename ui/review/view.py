"""The Review tab: the quarterly review of the year in execution (kcplanner.review, docs/review.md).

A period picker (through a quarter or a month of the year under review; prior complete years
whole), by department, program or fund: budget, spent to date, % spent against % expected,
year-end projection, variance and flag, sortable and filterable (department, text, "flagged
only"); a burn-up chart of the selected department or program (the city when none); revenue
against estimate per source; KPIs against the year's target; and for each program its spending
beside the KPIs it drives ("what the money bought").

The review reads the dataset only (never the scenario), so scenario edits cost it nothing. It runs
when the panel is shown and when the period changes, and is cached per (dataset, period). When
the dataset's review is fast (≤ FAST_MS, measured on the first one: the sample's takes ~25 ms)
every review runs on the GUI thread. When it is slow (100,000 line items: ~190 ms), a period not yet
reviewed is computed by a JobTask on the thread pool (ui/common/workers.py) while the tables keep
the previous period, and once the first review is on screen the picker's other periods are
reviewed in the background, so choosing one later only fills the tables (docs/ui.md, "Review").
"""

from __future__ import annotations

import math
import time
from html import escape

import numpy as np
from PySide6.QtCore import QThreadPool, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QSplitter, QStackedWidget, QTableView, QTabWidget, QVBoxLayout, QWidget)

from kcplanner.review import burn_up, review

from ..common import access, table_copy
from ..common.workers import JobTask
from . import models as M
from .carry import CarryCheckBox
from .chart import BurnUpChart
from .report_action import ReportAction

NO_DATA = "Open a budget to review the year in execution."
NO_ACTUALS_HINT = ("The review compares the year in execution with its budget. Add an Actuals sheet to the "
                   "department workbooks (and Revenue Actuals, KPI Actuals to the plan) — or load actuals with an "
                   "import mapping — to see how the money is being spent.")
FAST_MS = 50.0  # a review this fast runs on the GUI thread
BIG_ROWS = 1_000_000  # actual rows beyond which even the first review goes to the thread pool (~60 ns a row)
VIEW_TEXT = {"department": "Department", "program": "Program", "fund": "Fund"}


def _table(model, text_columns) -> tuple[QTableView, M.ReviewFilter]:
    proxy = M.ReviewFilter(text_columns)
    proxy.setSourceModel(model)
    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setMaximumSectionSize(210)  # long names elide: the flag stays in sight
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)  # copy several rows
    table_copy.install(table, "review")
    return table, proxy


def actual_years(dataset) -> list[int]:
    """Fiscal years with spending or revenue actuals, latest first."""
    years: set[int] = set()
    for frame in (dataset.budget.actuals, dataset.budget.revenue_actuals):
        if len(frame):
            years.update(int(y) for y in np.unique(frame["fiscal_year"].to_numpy(dtype=np.int64)))
    return sorted(years, reverse=True)


def actual_rows(dataset) -> int:
    return len(dataset.budget.actuals) + len(dataset.budget.revenue_actuals)


def period_choices(latest, dataset) -> list[tuple[str, int, int]]:
    """(text, fiscal year, through month) of the picker: every month of the year under review up to the
    latest with actuals (a quarter end named as its quarter), then each earlier year with actuals and
    an Adopted budget whole (through Q4)."""
    year, p = latest.fiscal_year, latest.through
    out = [(f"FY{year} Q{m // 3} (through P{m:02d})" if m % 3 == 0 else f"FY{year} P{m:02d}", year, m)
           for m in range(1, p + 1)]
    adopted = {int(y) for y, phase in dataset.budget.amounts.columns if phase == "Adopted"}
    # an earlier year only with its Adopted budget: against a budget of 0 every department would be "over"
    out += [(f"FY{y} Q4 (whole year)", y, 12) for y in actual_years(dataset) if y < year and y in adopted]
    return out


def _store(cache: dict, key, r, burns: dict | None = None):
    """Keep `r` under the key asked for and under its own (year, month) (the default is a period too);
    with `burns`, also the city's burn-up (the chart's first drawing; ~⅓ of a review at 100k lines)."""
    if burns is not None and r.through is not None:
        burns[(r.fiscal_year, r.through, None, None)] = burn_up(r)
    cache[key] = r
    if r.fiscal_year is not None and r.through is not None:
        cache[(r.fiscal_year, r.through)] = r
    return r


class ReviewPanel(QWidget):
    """The Review tab. `reviewShown(Review)` after each review is put on screen."""

    reviewShown = Signal(object)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.view = "department"
        self.current = None  # the Review on screen
        self._cache: dict[tuple[int, int], object] = {}
        self._burns: dict[tuple, object] = {}  # (year, month, department, program) -> burn_up frame
        self._cache_dataset = None  # the dataset the caches are for (identity)
        self._latest = None  # the default review (latest period with actuals)
        self._stale = True
        self._filling = False
        self._refreshed_for = None  # the dataset of the last refresh
        self._chosen = None  # the period chosen before a reload, while the first review is computed
        self._sized: dict[int, object] = {}  # table → the shape its columns were fitted to
        self.review_ms = 0.0  # the last review computed on the GUI thread
        self.job: JobTask | None = None  # the review of the chosen period, when slow
        self.prefetch: JobTask | None = None  # the picker's other periods, when slow

        self.period = QComboBox()
        self.period.setToolTip("The review is of the fiscal year in execution through the chosen quarter or month")
        self.period.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.by = QComboBox()
        for key in M.VIEWS:
            self.by.addItem(VIEW_TEXT[key], key)
        self.by.setToolTip("Review the spending by department, by program or by fund")
        self.department = QComboBox()
        self.department.setToolTip("Show one department's rows only")
        self.department.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by name…")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMaximumWidth(220)
        self.filter.setMinimumWidth(120)
        self.flagged = QCheckBox("Flagged only")
        self.flagged.setToolTip("Only rows flagged over budget, under-spent or revenue short (KPIs: not met)")
        bar = QHBoxLayout()
        for label, w in (("Review &through", self.period), ("&By", self.by),
                         (None, access.name(self.department, "Department")),
                         (None, access.name(self.filter, "Filter by name")), (None, self.flagged)):
            if label:
                bar.addWidget(access.label_for(label, w))
            bar.addWidget(w)
        bar.addStretch(1)
        #: the carry-over checkbox (ui/review/carry.py), on a row of its own (the window fits beside Excel)
        self.carry_slot = QHBoxLayout()
        self.carry = CarryCheckBox(session)
        self.add_carry_widget(self.carry)
        self.report = ReportAction(self)  # Quarterly report…: the period shown, as .xlsx or .pdf
        self.carry_slot.addWidget(self.report.button)
        self.carry_slot.addStretch(1)

        self.messages = QLabel()
        self.messages.setWordWrap(True)
        self.messages.setStyleSheet("color: #a05a00; background: #fff6e5; border: 1px solid #e8cfa0; padding: 4px;")
        self.messages.hide()
        self.empty = QLabel(NO_DATA)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("font-size: 15px; color: #444; padding: 40px;")

        self.summary = M.summary_model("department")
        self.summary_table, self.summary_proxy = _table(self.summary, (0,))
        self.summary_table.selectionModel().currentRowChanged.connect(lambda *_: self._draw_chart())
        self.summary_table.setMinimumWidth(320)  # its wide columns scroll; the splitter never overflows
        self.chart = BurnUpChart()
        self.chart.setMinimumWidth(340)
        self.revenue = M.revenue_model()
        self.revenue_table, self.revenue_proxy = _table(self.revenue, (0, 1))
        self.kpi = M.kpi_model()
        self.kpi_table, self.kpi_proxy = _table(self.kpi, (0,))
        self.bought = M.bought_model()
        self.bought_table, self.bought_proxy = _table(self.bought, (0, 1, 6))
        self.bought_table.setWordWrap(True)
        self.proxies = (self.summary_proxy, self.revenue_proxy, self.kpi_proxy, self.bought_proxy)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.summary_table)
        top.addWidget(self.chart)
        top.setSizes([1040, 340])
        self.details = QTabWidget()
        self.details.addTab(self.revenue_table, "Revenue against estimate")
        self.details.addTab(self.kpi_table, "KPIs against target")
        self.details.addTab(self.bought_table, "What the money bought")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.details)
        split.setSizes([430, 300])
        content = QWidget()
        cl = QVBoxLayout(content)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.messages)
        cl.addWidget(split, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(content)
        access.name(self.summary_table, "Spending against budget")
        for i in range(self.details.count()):  # the tables of the tabs: named by their tabs
            access.name(self.details.widget(i), self.details.tabText(i))
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addLayout(self.carry_slot)
        lay.addWidget(self.stack, 1)

        self.period.currentIndexChanged.connect(self._period_changed)
        self.by.currentIndexChanged.connect(lambda _i: self.set_view(self.by.currentData()))
        self.department.currentIndexChanged.connect(self._filters_changed)
        self.filter.textChanged.connect(self._filters_changed)
        self.flagged.toggled.connect(self._filters_changed)
        # the review reads the dataset only: a new or edited dataset makes it stale, a scenario edit does not
        session.datasetChanged.connect(self._dataset_changed)
        session.dataReplaced.connect(lambda _why: self._dataset_changed())

    # -- the lead's slot --------------------------------------------------------------------------
    def add_carry_widget(self, widget: QWidget) -> None:
        """Put the carry-over checkbox (ui/review/carry.py) in the bar, after the filters."""
        self.carry_slot.addWidget(widget)

    # -- when it runs ---------------------------------------------------------------------------------
    def _dataset_changed(self) -> None:
        if self.session.dataset is self._refreshed_for and self.session.dataset is not None:
            return  # a load says so twice (dataReplaced, then datasetChanged)
        self._stale = True
        self._cancel_jobs()
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.refresh()
        else:
            self._start_prefetch()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        if self.prefetch is not None:  # another tab's live loop keeps the CPU
            self.prefetch.cancel()
            self.prefetch = None

    def _cancel_jobs(self) -> None:
        for job in (self.job, self.prefetch):
            if job is not None:
                job.cancel()
        self.job = self.prefetch = None

    def _cache_for(self, ds) -> dict:
        if ds is not self._cache_dataset:
            self._cache = {}  # new dicts: a worker still running for the old dataset fills the old ones
            self._burns = {}
            self._cache_dataset = ds
        return self._cache

    def burn_up_for(self, r, department: str | None, program: str | None):
        """burn_up(r, department, program), cached with the review."""
        key = (r.fiscal_year, r.through, department, program)
        if key not in self._burns:
            self._burns[key] = burn_up(r, department=department, program=program)
        return self._burns[key]

    def review_for(self, fiscal_year: int | None, through: int | None):
        """The review of the dataset through `through` of `fiscal_year` (None, None: the default),
        cached per (dataset, period); computed here (on the GUI thread) when not cached."""
        ds = self.session.dataset
        cache = self._cache_for(ds)
        key = (fiscal_year, through)
        if key not in cache:
            t = time.perf_counter()
            _store(cache, key, review(ds, fiscal_year=fiscal_year, through=through))
            self.review_ms = (time.perf_counter() - t) * 1000.0
        return cache[key]

    @property
    def slow(self) -> bool:
        return self.review_ms > FAST_MS

    def refresh(self) -> None:
        """Rebuild the period list for the dataset and show the latest period with actuals (or the
        period that was chosen, when the new dataset still has it)."""
        self._stale = False
        ds = self._refreshed_for = self.session.dataset
        if ds is None:
            self._show_empty(NO_DATA)
            return
        chosen = self.period.currentData()
        if (None, None) not in self._cache_for(ds) and actual_rows(ds) > BIG_ROWS:
            # a big ledger: even the first review would stall the window; the thread pool does it
            self._start_job((None, None), first=True)
            self._show_empty("Reviewing the year in execution…")
            self._chosen = chosen
            return
        chosen = chosen if chosen is not None else self._chosen
        self._chosen = None
        latest = self._latest = self.review_for(None, None)
        if latest.fiscal_year is None or latest.through is None:
            self._fill_periods([])
            self._show_empty(" ".join(latest.messages) + "\n\n" + NO_ACTUALS_HINT)
            return
        choices = period_choices(latest, ds)
        self._fill_periods(choices)
        keys = [(y, m) for _t, y, m in choices]
        index = keys.index(tuple(chosen)) if chosen is not None and tuple(chosen) in keys \
            else keys.index((latest.fiscal_year, latest.through))
        self._filling = True
        self.period.setCurrentIndex(index)
        self._filling = False
        self.show_review(self.review_for(*keys[index]))
        self._start_prefetch()

    def _fill_periods(self, choices) -> None:
        self._filling = True
        self.period.clear()
        for text, y, m in choices:
            self.period.addItem(text, (y, m))
        self._filling = False

    def _period_changed(self, _index: int) -> None:
        key = self.period.currentData()
        if self._filling or key is None:
            return
        key = tuple(key)
        if key in self._cache or not self.slow:
            self.show_review(self.review_for(*key))
            return
        # slow and not reviewed yet: on the thread pool; the tables keep the previous period meanwhile
        self._start_job(key)
        self.messages.setText(f"Reviewing {escape(self.period.currentText())}…")
        self.messages.show()

    def _start_job(self, key, first: bool = False) -> None:
        ds, cache, burns = self.session.dataset, self._cache, self._burns
        if self.job is not None:
            self.job.cancel()
        job = self.job = JobTask(lambda _progress, _cancelled: _store(cache, key, review(ds, *key), burns))
        job.signals.finished.connect(lambda r, job=job: self._job_done(job, r, first))
        job.signals.failed.connect(lambda exc, job=job: self._job_failed(job, exc))
        QThreadPool.globalInstance().start(job)

    def _job_done(self, job, r, first: bool = False) -> None:
        if job is not self.job:
            return
        self.job = None
        if first:  # the default review is cached now: build the picker and show it, then the others
            self.review_ms = math.inf
            self.refresh()
            return
        if self.period.currentData() is not None and tuple(self.period.currentData()) == (r.fiscal_year, r.through):
            self.show_review(r)

    def _job_failed(self, job, exc) -> None:
        if job is self.job:
            self.job = None
            self.messages.setText(escape(f"The review failed: {exc}"))
            self.messages.show()
            if self.current is None:
                self.empty.setText(f"The review failed: {exc}")

    def _start_prefetch(self) -> None:
        """Slow reviews: review the picker's other periods in the background (the nearest first)."""
        if not self.slow or self.prefetch is not None or self.current is None:
            return
        ds, cache, burns = self.session.dataset, self._cache, self._burns
        keys = [tuple(self.period.itemData(i)) for i in range(self.period.count())]
        here = keys.index((self.current.fiscal_year, self.current.through)) if self.current.through else 0
        todo = sorted((k for k in keys if k not in cache), key=lambda k: abs(keys.index(k) - here))
        if not todo:
            return

        def run(_progress, cancelled):
            for key in todo:
                if cancelled():
                    return None
                if key not in cache:
                    _store(cache, key, review(ds, *key), burns)
            return None

        job = self.prefetch = JobTask(run)
        job.signals.finished.connect(lambda _r, job=job: self._prefetch_done(job))
        job.signals.failed.connect(lambda _e, job=job: self._prefetch_done(job))
        QThreadPool.globalInstance().start(job)

    def _prefetch_done(self, job) -> None:
        if job is self.prefetch:
            self.prefetch = None

    def set_period(self, fiscal_year: int, through: int) -> None:
        """Choose the period (as the picker does)."""
        for i in range(self.period.count()):
            if tuple(self.period.itemData(i)) == (fiscal_year, through):
                self.period.setCurrentIndex(i)
                return
        raise ValueError(f"FY{fiscal_year} P{through:02d} is not a period of the review")

    def _show_empty(self, text: str) -> None:
        self.current = None
        self.carry.set_period(None)
        self.empty.setText(text)
        self.stack.setCurrentIndex(0)
        for m in (self.summary, self.revenue, self.kpi, self.bought):
            m.set_review_rows([], [])
        self.chart.set_burn_up(None, "")
        for w in (self.period, self.by, self.department, self.filter, self.flagged, self.report.button):
            w.setEnabled(False)

    # -- what it shows --------------------------------------------------------------------------------
    def show_review(self, r) -> None:
        self.current = r
        self.carry.set_period(r.through_label)
        self.stack.setCurrentIndex(1)
        for w in (self.period, self.by, self.department, self.filter, self.flagged):
            w.setEnabled(True)
        self.report.button.setEnabled(self.report.task is None)
        self.messages.setVisible(bool(r.messages))
        self.messages.setText("<br>".join(escape(m) for m in r.messages))
        self._fill_departments(r)
        self._fill_summary()
        ds = self.session.dataset
        self.revenue.set_review_rows(*M.revenue_rows(r))
        self.kpi.set_review_rows(*M.kpi_rows(r, ds))
        rows, keys, tips = M.bought_rows(r, ds)
        self.bought.set_review_rows(rows, keys, tips)
        for table, model in ((self.revenue_table, self.revenue), (self.kpi_table, self.kpi)):
            self._size_columns(table, model.rowCount())
        self._draw_chart()
        self.reviewShown.emit(r)

    def _fill_departments(self, r) -> None:
        names = [str(d) for d in r.departments.index]
        current = self.department.currentData()
        if names == [self.department.itemData(i) for i in range(1, self.department.count())]:
            return
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItem("All departments", None)
        for n in names:
            self.department.addItem(n, n)
        self.department.setCurrentIndex(max(0, self.department.findData(current)) if current else 0)
        self.department.blockSignals(False)
        self._filters_changed()

    def set_view(self, view: str) -> None:
        """"department", "program" or "fund"."""
        if view == self.view:
            return
        self.view = view
        self.by.setCurrentIndex(M.VIEWS.index(view))
        self.summary = M.summary_model(view)
        self.summary_proxy.setSourceModel(self.summary)
        self.summary_proxy.text_columns = (0, 1) if view == "program" else (0,)
        self.summary_table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self._fill_summary()
        self._draw_chart()

    def _fill_summary(self) -> None:
        if self.current is None:
            return
        rows, keys = M.summary_rows(self.current, self.view)
        self.summary.set_review_rows(rows, keys)
        if self._size_columns(self.summary_table, (self.view, len(rows))) and self.view == "program":
            self.summary_table.setColumnWidth(0, min(self.summary_table.columnWidth(0), 150))  # the flag in sight

    def _size_columns(self, table, shape) -> bool:
        """Fit the columns to their contents once per table shape (not every period): True if done."""
        if self._sized.get(id(table)) == shape:
            return False
        self._sized[id(table)] = shape
        table.resizeColumnsToContents()
        return True

    def _filters_changed(self, *_args) -> None:
        for proxy in self.proxies:
            proxy.set_filters(self.filter.text(), self.department.currentData(), self.flagged.isChecked())
        self._draw_chart()

    def selected(self) -> tuple[str | None, str | None]:
        """(department, program) of the summary table's current row; (None, None) for the city (the
        fund view, or no row chosen: then the department filter, if any)."""
        index = self.summary_table.currentIndex()
        if self.view != "fund" and index.isValid():
            row = self.summary.rows[self.summary_proxy.mapToSource(index).row()]
            return (row[0], row[1]) if self.view == "program" else (row[0], None)
        return (self.department.currentData(), None)

    def _draw_chart(self) -> None:
        r = self.current
        if r is None:
            return
        department, program = self.selected()
        what = program and f"{department} — {program}" or department or "The whole city"
        title = f"<b>{escape(what)}</b> — spending through {escape(r.through_label or '')}"
        self.chart.set_burn_up(self.burn_up_for(r, department, program), title)
