"""Keyboard and screen-reader helpers: a name for every control, charts out of the Tab order, the
Tab order in reading order (docs/ui.md, "Keyboard and screen readers").

    name(combo, "Group by")                 # what a screen reader says for the control
    buddy(QLabel("&Group by:"), combo)      # the label names the control; Alt+G focuses it
    chart(plot, "Total expenditure by year", "Baseline and scenario, five plan years")
    tab_order(first, second, third)         # Tab visits them in this order
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def name(widget: QWidget, text: str, description: str | None = None) -> QWidget:
    """Give `widget` the accessible name `text` (and a description); returns the widget."""
    widget.setAccessibleName(text)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def buddy(label: QLabel, widget: QWidget) -> QLabel:
    """Tie `label` to `widget` (its mnemonic focuses it) and name the widget by the label's text."""
    label.setBuddy(widget)
    if not widget.accessibleName():
        widget.setAccessibleName(plain(label.text()))
    return label


def plain(text: str) -> str:
    """A label's text as a screen reader says it: no markup, no mnemonic '&', no trailing colon."""
    text = html.unescape(re.sub(r"<[^>]*>", " ", text)).replace("&&", "\0").replace("&", "").replace("\0", "&")
    return " ".join(text.split()).rstrip(": ").strip()


def label_for(text: str, widget: QWidget) -> QLabel:
    """A new label tied to `widget` (see `buddy`)."""
    return buddy(QLabel(text), widget)


def chart(view: QWidget, text: str, description: str = "") -> QWidget:
    """A chart is read, not operated: out of the Tab order (no dead Tab stop), named for a screen
    reader that walks the window."""
    view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return name(view, text, description or None)


def tab_order(*widgets: QWidget | None) -> None:
    """Tab visits `widgets` in the order given (None entries are skipped)."""
    chain = [w for w in widgets if w is not None]
    for a, b in zip(chain, chain[1:]):
        QWidget.setTabOrder(a, b)
