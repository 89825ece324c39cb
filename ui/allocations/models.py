"""The allocations tree's item model: Fund → Department → Program (or Department → Program → Account
class) with baseline, scenario and change for the selected year; recalculation emits `dataChanged`
per parent, never a reset.  `group_totals` and `funded_request_costs` feed it from the Results."""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from kcplanner.engine import Prepared, Results
from kcplanner.scenario import Target

from ..common import fmt
from ..common.edits import target_name
from ..common.models import CHANGED, DISPLAY, LEFT, RAW_ROLE, RIGHT, name_key

MODE_FUND = "fund"
MODE_DEPARTMENT = "department"
MODES = {MODE_FUND: ("Fund", "Department", "Program"), MODE_DEPARTMENT: ("Department", "Program", "Account class")}


_GREY_BRUSH = QBrush(QColor("#555555"))
_CHANGED_BRUSH = QBrush(CHANGED)  # the neutral colour of a change (ui/common/models.py)


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
        self._scen: list[np.ndarray] = []
        self._scen_due = False   # results arrived while hidden: `scen` is summed when first read
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
    @property
    def scen(self) -> list[np.ndarray]:
        """The scenario's amounts per level (node × year); summed from the latest results when read."""
        if self._scen_due:
            self._scen_due = False
            self._sum_results(self._results)
        return self._scen

    @scen.setter
    def scen(self, value: list[np.ndarray]) -> None:
        self._scen, self._scen_due = value, False

    def set_results(self, results: Results, emit: bool = True) -> None:
        """The tree's amounts for new results.  While no view shows the tree (`live` False) the sums
        wait until something reads them: a slider moved on another tab costs nothing here."""
        self._results = results
        if self.prepared is None or results is None:
            return
        if self.live:
            self._sum_results(results)
        else:
            self._scen_due = True
        if emit:
            self._emit_all()

    def _sum_results(self, results: Results) -> None:
        G = group_totals(results)
        Q = funded_request_costs(results)
        for level in range(3):
            out = np.asarray(self.g_mat[level] @ G)
            if Q.shape[0]:
                out = out + np.asarray(self.r_mat[level] @ Q)
            self._scen[level] = out

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

    # -- sorting (a click on a header: Excel's sort, done once, not on every recalculation) ----------
    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Order every level's rows by `column` (-1 or the name column: by name), keeping the tree."""
        if not self.roots:
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        nodes = [(i.internalPointer(), i.column()) for i in persistent]
        key = self._sort_key(column)
        reverse = order == Qt.SortOrder.DescendingOrder and column > 0

        def arrange(children: list) -> None:
            children.sort(key=lambda n: n.name.casefold())  # ties (and the name column) by name
            if column > 0:
                children.sort(key=key, reverse=reverse)
            elif order == Qt.SortOrder.DescendingOrder and column == 0:
                children.reverse()
            for r, ch in enumerate(children):
                ch.row = r

        arrange(self.roots)
        for node in self.parents:
            arrange(node.children)
        self.changePersistentIndexList(
            persistent, [self.createIndex(n.row, c, n) if n is not None else QModelIndex() for n, c in nodes])
        self._text_cache.clear()
        self.layoutChanged.emit()

    def _sort_key(self, column: int):
        def key(node: _Node):
            base, scen = self.values(node)
            if column == 1:
                return base
            if column == 2:
                return scen
            if column == 3:
                return scen - base
            if column == 4:
                return (scen - base) / base if base else -math.inf
            return self._texts(node)[0][5]
        return key

    def level_names(self) -> tuple[str, ...]:
        """The names of the tree's levels (a copied row gets one column per level)."""
        return MODES[self.mode]

    def total(self, nodes=None) -> tuple[float, float]:
        """(baseline, scenario) of the selected year summed over `nodes` (default: every top-level row)."""
        if self.prepared is None:
            return 0.0, 0.0
        if nodes is None:
            return float(self.base[0][:, self.year].sum()), float(self.scen[0][:, self.year].sum())
        base = sum(float(self.base[n.level][n.idx, self.year]) for n in nodes)
        scen = sum(float(self.scen[n.level][n.idx, self.year]) for n in nodes)
        return base, scen

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
            changed = abs(d) > 0.5  # an unchanged row shows blanks, not "$0 0.0%"
            texts = (node.name, fmt.money(base), fmt.money(scen), fmt.signed_money(d) if changed else "",
                     (fmt.percent(d / base, 1, signed=True) if base else fmt.DASH) if changed else "",
                     "  ".join(parts))
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
