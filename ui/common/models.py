"""Item models: thin adapters from kcplanner's tables and Results to Qt views.

- `TableModel`: a small generic table of rows (report, funds, drivers, comparison); raw values
  under `SORT_ROLE` so a QSortFilterProxyModel sorts numbers as numbers.
- `AllocationModel`: the tree Fund → Department → Program (or Department → Program → Account
  class) with baseline, scenario and change for the selected year; recalculation emits
  `dataChanged` per parent, never a reset.
- `LineItemsModel`: every line item over numpy arrays (keys as integer codes + name lists,
  amounts as (lines, 5) arrays); sort by an `np.argsort` permutation, filter by a numpy mask.
- `RulesModel`, `ScenarioListModel`: the current scenario's rules and the scenario list; edits go
  through the session (undo steps).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from PySide6.QtCore import QAbstractItemModel, QAbstractListModel, QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from kcplanner.engine import Prepared, Results
from kcplanner.fiscal import parse_fiscal_year
from kcplanner.scenario import Rule, Target

from . import fmt
from .edits import target_name, unique_name



def name_key(value) -> str:
    """Names match case-insensitively with spaces normalised (as in the engine)."""
    return " ".join(str(value).split()).casefold()


SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RAW_ROLE = Qt.ItemDataRole.UserRole + 2
DISPLAY = Qt.ItemDataRole.DisplayRole
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
RED = QColor("#b3261e")
GREEN = QColor("#1b7f3b")
AMBER = QColor("#a05a00")


# ---------------------------------------------------------------------------------------------------
class ListTableModel(QAbstractTableModel):
    """A table over a Python list (`items()`, default `self.rows`) with column titles `HEADERS` and
    optional header tooltips `HEADER_TIPS`: the counting and headers every plain model here shares.
    Subclasses give `data` (and `flags`/`setData` when editable)."""

    HEADERS: Sequence[str] = ()
    HEADER_TIPS: dict[int, str] = {}

    def items(self) -> list:
        return self.rows

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else len(self.items())

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == DISPLAY:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.HEADER_TIPS.get(section)
        return None


class TableModel(QAbstractTableModel):
    """Rows of plain values; `formats[c]` turns a value into text, `numeric[c]` right-aligns it."""

    def __init__(self, headers: Sequence[str], formats: Sequence[Callable[[Any], str] | None] | None = None,
                 numeric: Sequence[bool] | None = None, parent=None):
        super().__init__(parent)
        self.headers = list(headers)
        self.formats = list(formats or [None] * len(headers))
        self.numeric = list(numeric or [False] * len(headers))
        self.rows: list[tuple] = []
        self.tooltips: list[str | None] = []
        self.decorations: list[Any] = []
        self.colors: list[QColor | None] = []

    def set_rows(self, rows: list[tuple], tooltips=None, decorations=None, colors=None) -> None:
        """Same shape → dataChanged; otherwise a reset (a new list)."""
        same = len(rows) == len(self.rows)
        if not same:
            self.beginResetModel()
        self.rows = list(rows)
        self.tooltips = list(tooltips) if tooltips is not None else [None] * len(rows)
        self.decorations = list(decorations) if decorations is not None else [None] * len(rows)
        self.colors = list(colors) if colors is not None else [None] * len(rows)
        if not same:
            self.endResetModel()
        elif rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.headers) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if role == DISPLAY:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
                return self.headers[section]
            if orientation == Qt.Orientation.Vertical:
                return str(section + 1)
        return None

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self.rows) and 0 <= c < len(self.headers)):
            return None
        value = self.rows[r][c]
        if role == DISPLAY:
            f = self.formats[c]
            if f is not None:
                return f(value)
            return "" if value is None else str(value)
        if role == SORT_ROLE or role == RAW_ROLE:
            if isinstance(value, float) and math.isnan(value):
                return -math.inf
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if self.numeric[c] else LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltips[r] if self.tooltips[r] else None
        if role == Qt.ItemDataRole.DecorationRole and c == 0:
            return self.decorations[r]
        if role == Qt.ItemDataRole.ForegroundRole:
            col = self.colors[r]
            return QBrush(col) if col is not None and c == len(self.headers) - 1 else None
        return None


# ---------------------------------------------------------------------------------------------------
SEVERITY_RANK = {"error": 0, "warning": 1}


def cell_sort_key(cell: str) -> tuple:
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (len(letters), letters, int(digits) if digits else 0)


class ReportModel(TableModel):
    """The validation report: severity, file, sheet, cell, message (sortable through a proxy)."""

    def __init__(self, parent=None):
        super().__init__(["Severity", "File", "Sheet", "Cell", "Message"], parent=parent)
        self.problems = []

    def set_report(self, report, icons: dict | None = None) -> None:
        self.problems = list(report.problems) if report is not None else []
        rows = [(p.severity, p.file, p.sheet, p.cell, p.message) for p in self.problems]
        icons = icons or {}
        self.set_rows(rows, tooltips=[p.message for p in self.problems],
                      decorations=[icons.get(p.severity) for p in self.problems])

    def data(self, index, role=DISPLAY):
        if role == SORT_ROLE and index.isValid():
            p = self.problems[index.row()]
            c = index.column()
            if c == 0:
                return SEVERITY_RANK.get(p.severity, 9)
            if c == 3:
                return str(cell_sort_key(p.cell))
        if role == DISPLAY and index.isValid() and index.column() == 0:
            return self.rows[index.row()][0].capitalize()
        return super().data(index, role)

    def text(self, rows: list[int] | None = None) -> str:
        """Tab-separated text (with a header line) of the given rows, or all."""
        rows = list(range(len(self.rows))) if rows is None else rows
        lines = ["\t".join(self.headers)]
        for r in rows:
            lines.append("\t".join(str(v) for v in self.rows[r]))
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------
MODE_FUND = "fund"
MODE_DEPARTMENT = "department"
MODES = {MODE_FUND: ("Fund", "Department", "Program"), MODE_DEPARTMENT: ("Department", "Program", "Account class")}


_RED_BRUSH = QBrush(RED)
_GREEN_BRUSH = QBrush(GREEN)
_GREY_BRUSH = QBrush(QColor("#555555"))
#: A change of spending is neither good nor bad (docs/ui.md, "Colours of a change"): one neutral colour.
CHANGED = QColor("#1f4e8c")
_CHANGED_BRUSH = QBrush(CHANGED)


def change_brush(quality: str | None) -> QBrush | None:
    """The text colour of a change judged by kcplanner.engine.change_sense.judge: good green, bad red,
    neither the neutral blue."""
    return _GREEN_BRUSH if quality == "good" else _RED_BRUSH if quality == "bad" else _CHANGED_BRUSH


_BOLD: list = []


def _bold() -> QFont:
    if not _BOLD:  # a QFont needs the application: made on first use
        f = QFont()
        f.setBold(True)
        _BOLD.append(f)
    return _BOLD[0]


class _Node:
    __slots__ = ("name", "level", "idx", "row", "parent", "children", "target")

    def __init__(self, name, level, idx, parent, target):
        self.name = name
        self.level = level
        self.idx = idx
        self.parent = parent
        self.children: list[_Node] = []
        self.row = 0
        self.target = target


def group_totals(results: Results) -> np.ndarray:
    """Scenario expenditure per engine group (groups × 5), without line-level work where the
    engine offers it: a group's lines are a·E0 + b, so its total is a·S0 + b·n."""
    P = results._prepared
    direct = getattr(results, "group_totals", None)
    if direct is not None:
        return direct() if callable(direct) else direct
    coeffs = getattr(results, "group_coefficients", None)
    if coeffs is not None:
        A, B = coeffs()
        return A * P.g_S0 + B * P.g_n
    _, scen = results.line_amounts()
    out = np.empty((P.n_groups, scen.shape[1]))
    for t in range(scen.shape[1]):
        out[:, t] = np.bincount(P.line_group, weights=scen[:, t], minlength=P.n_groups)
    return out


def funded_request_costs(results: Results) -> np.ndarray:
    """(requests in the dataset × 5) costs of the funded requests, zero elsewhere."""
    P = results._prepared
    out = np.zeros((len(P.request_ids), len(results.plan_years)))
    for rid, row in zip(results.requests.ids, results.requests.costs):
        j = P.request_index.get(name_key(rid))
        if j is not None:
            out[j] = row
    return out


class AllocationModel(QAbstractItemModel):
    COLUMNS = ["Name", "Baseline", "Scenario", "Change $", "Change %", "Rule"]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.mode = MODE_FUND
        self.year = 0
        self.prepared: Prepared | None = None
        self.roots: list[_Node] = []
        self.base: list[np.ndarray] = []
        self.scen: list[np.ndarray] = []
        self.g_inv: list[np.ndarray] = []
        self.r_inv: list[np.ndarray] = []
        self.rule_pct: dict[Target, float] = {}
        self.rule_amt: dict[Target, float] = {}
        self.parents: list[_Node] = []
        self.live = True
        self.shown_parent = None
        self.visible_ranges = None
        self._stale = False
        self._text_cache: dict = {}

    def set_live(self, live: bool) -> None:
        self.live = live
        if live and self._stale:
            self._emit_all()

    # -- building -----------------------------------------------------------------------------
    def set_prepared(self, prepared: Prepared | None, mode: str | None = None) -> None:
        self.beginResetModel()
        self._text_cache.clear()
        self.prepared = prepared
        if mode:
            self.mode = mode
        self._build()
        self.endResetModel()

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            results = getattr(self, "_results", None)
            self.set_prepared(self.prepared, mode)
            if results is not None:
                self.set_results(results, emit=False)

    def _build(self) -> None:
        self.roots, self.parents = [], []
        P = self.prepared
        if P is None:
            return
        if self.mode == MODE_FUND:
            gk = np.stack([P.g_fund, P.g_dept, P.g_prog], axis=1)
            rk = np.stack([P.req_fund, P.req_dept, P.req_prog], axis=1)
            vocabs = (P.funds, P.departments, P.programs)
            keys = ("fund", "department", "program")
        else:
            gk = np.stack([P.g_dept, P.g_prog, P.g_class], axis=1)
            rk = np.stack([P.req_dept, P.req_prog, P.req_class], axis=1)
            vocabs = (P.departments, P.programs, P.classes)
            keys = ("department", "program", "account_class")
        rk = rk.reshape(-1, 3).astype(np.int64)
        allk = np.vstack([gk.astype(np.int64), rk])
        ng = len(gk)
        self.g_inv, self.r_inv, self.base = [], [], []
        nodes_by_level: list[list[_Node]] = []
        for level in range(3):
            prefix = allk[:, :level + 1]
            if len(prefix):
                uniq, inv = np.unique(prefix, axis=0, return_inverse=True)
                inv = inv.reshape(-1)
            else:
                uniq, inv = np.zeros((0, level + 1), dtype=np.int64), np.zeros(0, dtype=np.int64)
            self.g_inv.append(inv[:ng])
            self.r_inv.append(inv[ng:])
            n = len(uniq)
            base = np.zeros((n, 5))
            for t in range(5):
                base[:, t] = np.bincount(inv[:ng], weights=P.g_S0[:, t], minlength=n) if ng else 0.0
            self.base.append(base)
            level_nodes = []
            parent_of = {}
            if level > 0:
                parent_of = {tuple(row): node for row, node in zip(
                    (tuple(k) for k in np.unique(allk[:, :level], axis=0)), nodes_by_level[-1])}
            for j, row in enumerate(uniq):
                names = {keys[m]: vocabs[m].names[int(row[m])] for m in range(level + 1)}
                parent = parent_of.get(tuple(int(v) for v in row[:level])) if level else None
                node = _Node(names[keys[level]], level, j, parent, Target(**names))
                level_nodes.append(node)
            nodes_by_level.append(level_nodes)
        self.scen = [b.copy() for b in self.base]
        # node × group and node × request indicator matrices: a recalculation is two sparse products
        self.g_mat = [sp.csr_matrix((np.ones(len(gi)), (gi, np.arange(len(gi)))), shape=(len(b), len(gi)))
                      for gi, b in zip(self.g_inv, self.base)]
        self.r_mat = [sp.csr_matrix((np.ones(len(ri)), (ri, np.arange(len(ri)))), shape=(len(b), len(ri)))
                      for ri, b in zip(self.r_inv, self.base)]
        for level, level_nodes in enumerate(nodes_by_level):
            siblings = self.roots if level == 0 else None
            for node in level_nodes:
                (siblings if node.parent is None else node.parent.children).append(node)
        key = lambda n: n.name.casefold()  # noqa: E731
        self.roots.sort(key=key)
        stack = list(self.roots)
        for r, n in enumerate(self.roots):
            n.row = r
        while stack:
            node = stack.pop()
            if node.children:
                node.children.sort(key=key)
                for r, ch in enumerate(node.children):
                    ch.row = r
                self.parents.append(node)
                stack.extend(node.children)

    # -- recalculation ---------------------------------------------------------------------------
    def set_results(self, results: Results, emit: bool = True) -> None:
        self._results = results
        if self.prepared is None or results is None:
            return
        G = group_totals(results)
        Q = funded_request_costs(results)
        for level in range(3):
            out = np.asarray(self.g_mat[level] @ G)
            if Q.shape[0]:
                out = out + np.asarray(self.r_mat[level] @ Q)
            self.scen[level] = out
        if emit:
            self._emit_all()

    def set_scenario(self, scenario) -> None:
        self.rule_pct, self.rule_amt = {}, {}
        self._text_cache.clear()
        for r in scenario.rules:
            if r.kind == "percent":
                self.rule_pct[r.target] = r.value
            elif r.kind == "amount":
                self.rule_amt[r.target] = r.value
        # no emit here: a scenario change is always followed by its results (one dataChanged)

    def set_year(self, year: int) -> None:
        self.year = year
        self._emit_all()

    def _emit_all(self, first: int = 1) -> None:
        """dataChanged for the rows a view shows (`visible_ranges`, per parent), else for the
        top level and every parent (optionally only those `shown_parent` accepts).  While no view
        shows the tree (`live` False) nothing is emitted until `set_live(True)`."""
        self._text_cache.clear()
        if not self.live:
            self._stale = True
            return
        self._stale = False
        last = len(self.COLUMNS) - 1
        if self.visible_ranges is not None:
            for parent, top, bottom in self.visible_ranges():
                self.dataChanged.emit(self.index(top, first, parent), self.index(bottom, last, parent))
            return
        if self.roots:
            self.dataChanged.emit(self.index(0, first), self.index(len(self.roots) - 1, last))
        for node in self.parents:
            if self.shown_parent is not None and not self.shown_parent(node):
                continue
            parent = self.createIndex(node.row, 0, node)
            self.dataChanged.emit(self.index(0, first, parent), self.index(len(node.children) - 1, last, parent))

    # -- values ------------------------------------------------------------------------------------
    def values(self, node: _Node) -> tuple[float, float]:
        return float(self.base[node.level][node.idx, self.year]), float(self.scen[node.level][node.idx, self.year])

    def node(self, index: QModelIndex) -> _Node | None:
        return index.internalPointer() if index.isValid() else None

    def target(self, index: QModelIndex) -> Target | None:
        n = self.node(index)
        return None if n is None else n.target

    def find(self, target: Target) -> QModelIndex:
        """The index of the row whose target is `target` (or invalid)."""
        nodes = self.roots
        for _ in range(3):
            for n in nodes:
                if n.target == target:
                    return self.createIndex(n.row, 0, n)
                items = dict(n.target.items())
                if all(dict(target.items()).get(k) == v for k, v in items.items()):
                    nodes = n.children
                    break
            else:
                return QModelIndex()
        return QModelIndex()

    # -- Qt ----------------------------------------------------------------------------------------
    def index(self, row, column, parent=QModelIndex()):
        if column < 0 or column >= len(self.COLUMNS) or row < 0:
            return QModelIndex()
        children = self.roots if not parent.isValid() else parent.internalPointer().children
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        if row >= len(children):
            return QModelIndex()
        return self.createIndex(row, column, children[row])

    def parent(self, index=QModelIndex()):  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node = index.internalPointer()
        if node is None or node.parent is None:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        if not parent.isValid():
            return len(self.roots)
        if parent.column() != 0:
            return 0
        return len(parent.internalPointer().children)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(self.COLUMNS)

    def hasChildren(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return self.rowCount(parent) > 0

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == DISPLAY and 0 <= section < len(self.COLUMNS):
            if section == 0:
                return " → ".join(MODES[self.mode])
            if section == 1 and self.prepared is not None:
                return fmt.baseline_header(self.prepared, self.prepared.year_labels[self.year])
            if section == 2 and self.prepared is not None:
                return f"{self.COLUMNS[section]} {self.prepared.year_labels[self.year]}"
            return self.COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            if section == 1 and self.prepared is not None:
                return "Expenditure without any rule or request. " + self.prepared.baseline_source.detail
            return ["", "Expenditure without any rule or request", "Expenditure under the current scenario",
                    "Scenario − baseline", "Change as a share of the baseline",
                    "The percent (and dollar) rules set on this row"][section] or None
        return None

    def _texts(self, node: _Node) -> tuple:
        """The row's display texts and change colour, formatted once per recalculation."""
        row = self._text_cache.get(id(node))
        if row is None:
            base, scen = self.values(node)
            d = scen - base
            parts = []
            if node.target in self.rule_pct:
                parts.append(f"{self.rule_pct[node.target]:+g}%")
            if node.target in self.rule_amt:
                parts.append(fmt.signed_money(self.rule_amt[node.target]))
            texts = (node.name, fmt.money(base), fmt.money(scen), fmt.signed_money(d),
                     fmt.percent(d / base, 1, signed=True) if base else fmt.DASH, "  ".join(parts))
            brush = _CHANGED_BRUSH if abs(d) > 0.5 else _GREY_BRUSH  # spending: neither good nor bad
            row = self._text_cache[id(node)] = (texts, brush)
        return row

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        if role == DISPLAY:
            return self._texts(index.internalPointer())[0][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if index.column() == 0 else RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._texts(index.internalPointer())[1] if index.column() in (3, 4) else None
        node: _Node = index.internalPointer()
        c = index.column()
        if role == Qt.ItemDataRole.FontRole and c == 0 and node.level == 0:
            return _bold()
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{target_name(node.target)}: select and use the slider or the spin boxes below to add a rule"
        if role == RAW_ROLE:
            base, scen = self.values(node)
            return [node.name, base, scen, scen - base, (scen - base) / base if base else math.nan][c] if c < 5 else None
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


# ---------------------------------------------------------------------------------------------------
class LineItemsModel(QAbstractTableModel):
    """Every line item: keys + baseline and scenario per plan year, over numpy arrays.

    `rows` is the permutation shown (sorted, then filtered); `data()` reads one array cell and
    formats it (only visible cells are ever asked for)."""

    KEYS = ["fund", "department", "program", "account", "account_class", "recurring"]
    KEY_HEADERS = ["Fund", "Department", "Program", "Account", "Account class", "Recurring"]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.prepared = None
        self.codes: list[np.ndarray] = []
        self.names: list[list[str]] = []
        self.folded: list[list[str]] = []
        self.rank: list[np.ndarray] = []
        self.base = np.zeros((0, 5))
        self.scen = np.zeros((0, 5))
        self.order = np.zeros(0, dtype=np.int64)
        self.rows = np.zeros(0, dtype=np.int64)
        self.filter_text = ""
        self.sort_column = -1
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.labels: list[str] = []
        self.sources = None
        self._results = None
        self._stale = False
        self.active = True

    def set_prepared(self, prepared) -> None:
        self.beginResetModel()
        self.prepared = prepared
        self.codes, self.names, self.folded, self.rank = [], [], [], []
        if prepared is not None:
            li = prepared.dataset.budget.line_items
            n = prepared.n_lines
            for key in self.KEYS:
                if key == "recurring":
                    codes = prepared.line_recurring.astype(np.int64)
                    names = ["No", "Yes"]
                elif key in li.columns:
                    col = li[key]
                    if isinstance(col.dtype, pd.CategoricalDtype):
                        codes = col.cat.codes.to_numpy().astype(np.int64)
                        names = [str(c) for c in col.cat.categories] + [""]
                        codes = np.where(codes < 0, len(names) - 1, codes)
                    else:
                        codes, uniq = pd.factorize(col.astype(object), use_na_sentinel=True)
                        names = ["" if v is None else str(v) for v in uniq] + [""]
                        codes = np.where(codes < 0, len(names) - 1, codes).astype(np.int64)
                else:
                    codes, names = np.zeros(n, dtype=np.int64), [""]
                self.codes.append(codes)
                self.names.append(names)
                folded = [s.casefold() for s in names]
                self.folded.append(folded)
                rank = np.empty(len(names), dtype=np.int64)
                rank[np.argsort(np.array(folded, dtype=object), kind="stable")] = np.arange(len(names))
                self.rank.append(rank)
            self.base = prepared.E0
            self.scen = prepared.E0
            self.labels = list(prepared.year_labels)
            src = [c for c in ("source_file", "source_sheet", "source_row") if c in li.columns]
            self.sources = li[src].to_numpy(dtype=object) if len(src) == 3 else None
            self.order = np.arange(n, dtype=np.int64)
        else:
            self.base = self.scen = np.zeros((0, 5))
            self.order = np.zeros(0, dtype=np.int64)
        self.sort_column = -1
        self.filter_text = ""
        self.rows = self.order
        self.endResetModel()

    # -- results (pulled lazily: line amounts are materialised only while the table is shown) -----
    def set_results(self, results) -> None:
        self._results = results
        self._stale = True
        if self.active:
            self.refresh()

    def set_active(self, active: bool) -> None:
        self.active = active
        if active and self._stale:
            self.refresh()

    def refresh(self) -> None:
        if not self._stale or self._results is None:
            return
        self._stale = False
        _, self.scen = self._results.line_amounts()
        if len(self.rows):
            self.dataChanged.emit(self.index(0, len(self.KEYS)), self.index(len(self.rows) - 1, self.columnCount() - 1))

    # -- sort and filter ---------------------------------------------------------------------------
    def column_key(self, column: int) -> np.ndarray:
        if column < len(self.KEYS):
            return self.rank[column][self.codes[column]]
        t, which = divmod(column - len(self.KEYS), 2)
        return (self.base if which == 0 else self.scen)[:, t]

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if not self.codes:
            self.sort_column, self.sort_order = column, order
            return
        self.layoutAboutToBeChanged.emit()
        old_rows = self.rows
        self.sort_column, self.sort_order = column, order
        n = len(self.base)
        if column < 0 or column >= self.columnCount():
            self.order = np.arange(n, dtype=np.int64)
        else:
            key = self.column_key(column)
            if order == Qt.SortOrder.DescendingOrder:
                key = -key if key.dtype.kind == "f" else key.max(initial=0) - key
            self.order = np.argsort(key, kind="stable")
        self._apply_filter()
        self._remap(old_rows)
        self.layoutChanged.emit()

    def set_filter(self, text: str) -> None:
        if not self.codes:
            self.filter_text = text
            return
        self.layoutAboutToBeChanged.emit()
        old_rows = self.rows
        self.filter_text = text
        self._apply_filter()
        self._remap(old_rows)
        self.layoutChanged.emit()

    def filter_mask(self, text: str) -> np.ndarray:
        """Lines whose fund, department, program, account or account class contains `text`
        (case-insensitive)."""
        needle = text.strip().casefold()
        n = len(self.base)
        if not needle:
            return np.ones(n, dtype=bool)
        mask = np.zeros(n, dtype=bool)
        for k in range(len(self.KEYS) - 1):  # every key but Recurring
            hit = np.fromiter((needle in s for s in self.folded[k]), dtype=bool, count=len(self.folded[k]))
            if hit.any():
                mask |= hit[self.codes[k]]
        return mask

    def _apply_filter(self) -> None:
        if self.filter_text.strip():
            mask = self.filter_mask(self.filter_text)
            self.rows = self.order[mask[self.order]]
        else:
            self.rows = self.order

    def _remap(self, old_rows: np.ndarray) -> None:
        """Keep persistent indexes (the current cell) on the same line items."""
        persistent = self.persistentIndexList()
        if not persistent:
            return
        where = np.full(len(self.base), -1, dtype=np.int64)
        where[self.rows] = np.arange(len(self.rows))
        new = []
        for idx in persistent:
            line = old_rows[idx.row()] if idx.row() < len(old_rows) else -1
            r = where[line] if line >= 0 else -1
            new.append(self.index(int(r), idx.column()) if r >= 0 else QModelIndex())
        self.changePersistentIndexList(persistent, new)

    # -- Qt ------------------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.KEYS) + 10

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if (role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal and self.prepared is not None
                and section >= len(self.KEYS) and (section - len(self.KEYS)) % 2 == 0):
            return self.prepared.baseline_source.detail
        if role != DISPLAY:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        if section < len(self.KEYS):
            return self.KEY_HEADERS[section]
        if section < self.columnCount():
            t, which = divmod(section - len(self.KEYS), 2)
            label = self.labels[t] if t < len(self.labels) else f"y{t + 1}"
            digits = "".join(ch for ch in label if ch.isdigit())
            short = f"FY{digits[-2:]}" if len(digits) >= 2 else label
            return f"{'Baseline' if which == 0 else 'Scenario'} {short}"
        return None

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        c = index.column()
        if role == DISPLAY:
            i = self.rows[index.row()]
            if c < 6:
                return self.names[c][self.codes[c][i]]
            t, which = divmod(c - 6, 2)
            return fmt.money_fast(float((self.base if which == 0 else self.scen)[i, t]))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if c < 6 else RIGHT
        if role == RAW_ROLE:
            i = self.rows[index.row()]
            if c < 6:
                return self.names[c][self.codes[c][i]]
            t, which = divmod(c - 6, 2)
            return float((self.base if which == 0 else self.scen)[i, t])
        if role == Qt.ItemDataRole.ToolTipRole and self.sources is not None and c < 6:
            f, s, r = self.sources[self.rows[index.row()]]
            return f"{f}, sheet {s}, row {r}"
        return None

    def line_at(self, row: int) -> int:
        return int(self.rows[row])


# ---------------------------------------------------------------------------------------------------
class RulesModel(ListTableModel):
    """The current scenario's rules in order.  Label, value, start and end are editable; each
    edit is one undo step through the session."""

    HEADERS = ["#", "Label", "Target", "Kind", "Value", "Start", "End"]
    HEADER_TIPS = {4: "percent points (percent), dollars a year (amount) or positions (fte)",
                   5: "first fiscal year of the rule (blank = the plan's first)",
                   6: "last fiscal year of the rule (blank = the plan's last)"}
    EDITABLE = {1, 4, 5, 6}

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.rules: tuple[Rule, ...] = ()
        self.problems: dict[int, str] = {}
        self.notes: dict[int, str] = {}
        self.warn_icon = None
        self.note_icon = None

    def set_scenario(self, scenario) -> None:
        if len(scenario.rules) != len(self.rules):
            self.beginResetModel()
            self.rules = scenario.rules
            self.endResetModel()
        else:
            self.rules = scenario.rules
            if self.rules:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.rules) - 1, len(self.HEADERS) - 1))

    def set_results(self, results) -> None:
        problems = {i: m for i, m in results.invalid_rules}
        notes: dict[int, str] = {}
        for i, m in results.rule_notes:
            notes[i] = (notes[i] + "\n" + m) if i in notes else m
        if problems != self.problems or notes != self.notes:
            self.problems, self.notes = problems, notes
            if self.rules:
                self.dataChanged.emit(self.index(0, 0), self.index(len(self.rules) - 1, 0))

    def items(self) -> list:
        return self.rules

    def _year_text(self, year) -> str:
        if year is None:
            return ""
        P = self.session.prepared
        return P.label(year) if P is not None else f"FY{year}"

    def data(self, index, role=DISPLAY):
        if not index.isValid() or index.row() >= len(self.rules):
            return None
        r, c = index.row(), index.column()
        rule = self.rules[r]
        if role in (DISPLAY, Qt.ItemDataRole.EditRole):
            if c == 0:
                return str(r + 1)
            if c == 1:
                return rule.label
            if c == 2:
                return rule.target.describe()
            if c == 3:
                return rule.kind
            if c == 4:
                if role == Qt.ItemDataRole.EditRole:
                    return rule.value
                return (f"{rule.value:+g}%" if rule.kind == "percent" else
                        fmt.signed_money(rule.value) if rule.kind == "amount" else f"{rule.value:+g} FTE")
            if c == 5:
                return self._year_text(rule.start) if role == DISPLAY or rule.start else ""
            if c == 6:
                return self._year_text(rule.end) if role == DISPLAY or rule.end else ""
        if role == Qt.ItemDataRole.DecorationRole and c == 0:
            if r in self.problems:
                return self.warn_icon
            if r in self.notes:
                return self.note_icon
        if role == Qt.ItemDataRole.ToolTipRole:
            if r in self.problems:
                return "Invalid, skipped: " + self.problems[r]
            if r in self.notes:
                return self.notes[r]
            return f"{rule.label}: {rule.kind} {rule.value:g} on {rule.target.describe()}"
        if role == Qt.ItemDataRole.ForegroundRole and r in self.problems:
            return QBrush(RED)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if c == 4 else LEFT
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in self.EDITABLE:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        r, c = index.row(), index.column()
        rule = self.rules[r]
        try:
            if c == 1:
                new = Rule(str(value), rule.target, rule.kind, rule.value, rule.start, rule.end)
            elif c == 4:
                v = float(str(value).replace("$", "").replace(",", "").replace("%", "").strip())
                if not math.isfinite(v):
                    return False
                new = rule.with_value(v)
            else:
                text = "" if value is None else str(value).strip()
                year = None if not text else parse_fiscal_year(text)
                if text and year is None:
                    return False
                start, end = (year, rule.end) if c == 5 else (rule.start, year)
                if start is not None and end is not None and start > end:
                    return False
                new = rule.with_years(start, end)
        except (TypeError, ValueError):
            return False
        if new == rule:
            return True
        scenario = self.session.scenario.replace_rule(r, new)
        self.session.edit_scenario(scenario, f"Edit rule {r + 1} ({self.HEADERS[c].lower()})")
        return True


# ---------------------------------------------------------------------------------------------------
class ScenarioListModel(QAbstractListModel):
    """The scenarios of the session; the current one in bold; renaming is an undo step."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.names: list[str] = []
        self.current = 0

    def refresh(self) -> None:
        names = [s.name for s in self.session.scenarios]
        if len(names) != len(self.names):
            self.beginResetModel()
            self.names, self.current = names, self.session.state.current
            self.endResetModel()
        else:
            self.names, self.current = names, self.session.state.current
            if names:
                self.dataChanged.emit(self.index(0), self.index(len(names) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.names)

    def data(self, index, role=DISPLAY):
        if not index.isValid() or index.row() >= len(self.names):
            return None
        if role in (DISPLAY, Qt.ItemDataRole.EditRole):
            return self.names[index.row()]
        if role == Qt.ItemDataRole.FontRole and index.row() == self.current:
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ToolTipRole:
            s = self.session.scenarios[index.row()]
            return f"{s.name}: {len(s.rules)} rule(s), {len(s.funded_requests)} funded request(s)"
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole):  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        name = str(value).strip()
        if not name:
            return False
        r = index.row()
        scenarios = list(self.session.scenarios)
        if scenarios[r].name == name:
            return True
        others = [s.name for k, s in enumerate(scenarios) if k != r]
        scenarios[r] = scenarios[r].rename(unique_name(name, others))
        self.session.set_scenarios(scenarios, self.session.state.current, f"Rename scenario to '{name}'")
        return True
