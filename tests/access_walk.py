"""Walk a widget tree the way a screen reader and the Tab key do (tests/test_ui_access*.py).

- `unnamed(root)`: the focusable interactive widgets shown under `root` that a screen reader could
  not name: no accessible name, no label tied to them (QLabel.setBuddy, QFormLayout rows) and no
  text of their own (a button's or check box's text, a tab bar's tabs).
- `tab_chain(root)`: the widgets the Tab key visits, in order, starting from the first (the focus
  chain, `nextInFocusChain`, keeping what Tab stops at: shown, enabled, Tab focus).
- `reading_order_breaks(chain)`: consecutive pairs of the chain, siblings in one layout, where the
  second is above the first or on its left on the same line (a jump back against reading order).
"""

from __future__ import annotations

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSlider, QAbstractSpinBox, QComboBox,
                               QDialogButtonBox, QGraphicsView, QLabel, QLineEdit, QPlainTextEdit, QTabBar,
                               QTextEdit, QWidget)

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractSlider, QAbstractItemView, QTextEdit,
               QPlainTextEdit, QTabBar, QGraphicsView)


def tab_stop(w: QWidget) -> bool:
    """Tab stops at `w`: it takes Tab focus, is shown and enabled, and is not another widget's part."""
    if not (w.focusPolicy() & Qt.FocusPolicy.TabFocus) or not w.isVisible() or not w.isEnabled():
        return False
    if w.focusProxy() is not None:
        return False
    parent = w.parentWidget()
    # the line edit inside an editable combo box or a spin box is the box's own
    return not (isinstance(w, QLineEdit) and isinstance(parent, (QComboBox, QAbstractSpinBox)))


def _own_text(w: QWidget) -> str:
    if isinstance(w, QAbstractButton):
        return w.text().replace("&", "").strip()
    if isinstance(w, QTabBar):
        return " ".join(w.tabText(i) for i in range(w.count())).replace("&", "").strip()
    return ""


def name_of(w: QWidget, buddies: dict[int, QLabel]) -> str:
    """What a screen reader calls `w`: its accessible name, its label, or its own text ('' for none)."""
    if w.accessibleName().strip():
        return w.accessibleName().strip()
    label = buddies.get(id(w))
    if label is not None and label.text().replace("&", "").strip():
        return label.text().replace("&", "").strip()
    return _own_text(w)


def buddies_of(root: QWidget) -> dict[int, QLabel]:
    return {id(lab.buddy()): lab for lab in root.findChildren(QLabel) if lab.buddy() is not None}


def unnamed(root: QWidget) -> list[QWidget]:
    buddies = buddies_of(root)
    return [w for w in root.findChildren(QWidget)
            if isinstance(w, INTERACTIVE) and tab_stop(w) and not name_of(w, buddies)]


def describe(w: QWidget) -> str:
    parents, p = [], w.parentWidget()
    while p is not None and len(parents) < 3:
        parents.append(type(p).__name__)
        p = p.parentWidget()
    extra = f" {w.placeholderText()!r}" if isinstance(w, QLineEdit) else ""
    return f"{type(w).__name__}{extra} tip={w.toolTip()[:50]!r} in {'/'.join(parents)}"


def dead_charts(root: QWidget) -> list[QWidget]:
    """Charts (pyqtgraph views) that Tab stops at without a name and a description."""
    return [v for v in root.findChildren(pg.GraphicsView)
            if tab_stop(v) and not (v.accessibleName() and v.accessibleDescription())]


def tab_chain(root: QWidget) -> list[QWidget]:
    """The widgets Tab visits in `root` (a window), in order, each once: Tab pressed over and over
    (`focusNextPrevChild`, what the Tab key calls) from the window itself.

    Not `nextInFocusChain()`: PySide's return-value heuristic would make each widget a child of the
    previous one in its own bookkeeping, and a rebuilt widget would then mark the wrappers after it
    as deleted (the mapping dialog's OK button, say)."""
    root.setFocus()
    out, seen = [], set()
    for _ in range(len(root.findChildren(QWidget)) + 2):
        if not root.focusNextPrevChild(True):
            break
        w = root.focusWidget()  # the window's own focus child (QApplication.focusWidget(): the active window's)
        if w is None or _key(w) in seen:
            break
        seen.add(_key(w))
        out.append(w)
    return [w for w in out if tab_stop(w)]


def _key(w: QWidget) -> int:
    """The C++ object's address: Python may hand out another wrapper for the same widget."""
    return shiboken6.getCppPointer(w)[0]


def _rect(w: QWidget):
    top_left = w.mapTo(w.window(), w.rect().topLeft())
    return top_left.x(), top_left.y(), w.width(), w.height()


def reads_before(a: QWidget, b: QWidget) -> bool:
    """`a` comes before `b` in reading order: above it, or on the same line and to its left."""
    ax, ay, aw, ah = _rect(a)
    bx, by, bw, bh = _rect(b)
    if ay + ah <= by + 2:
        return True
    if by + bh <= ay + 2:
        return False
    return ax < bx


def reading_order_breaks(chain: list[QWidget]) -> list[tuple[QWidget, QWidget]]:
    """Consecutive tab stops with the same parent where the second reads before the first."""
    return [(a, b) for a, b in zip(chain, chain[1:])
            if a.parentWidget() is b.parentWidget() and reads_before(b, a)]


def buttons_last(chain: list[QWidget]) -> list[QWidget]:
    """The fields Tab reaches after the dialog's button box (OK, Cancel, Save…): should be none."""
    in_box = [i for i, w in enumerate(chain) if isinstance(w.parentWidget(), QDialogButtonBox)]
    if not in_box:
        return []
    first = in_box[0]
    return [w for w in chain[first:] if not isinstance(w.parentWidget(), QDialogButtonBox)]
