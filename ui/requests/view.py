"""The Requests feature's entry point: puts the Requests panel in a main window and fills its
Requests menu (`install_requests`, `add_requests_menu`).

The Requests tab (decision packages: list, fund checkbox, create/edit/duplicate/delete as undoable
edits, the selected request's projected effect, justifications, "Fund the best set") is built from:

- panel.py     RequestsPanel, the tab composing the parts below and its actions
- table.py     RequestsModel and RequestFilter, the requests list and its filter/sort proxy
- effect.py    EffectPane, the selected request's effect on KPIs, funds and policy findings
- editor.py    RequestDialog, the New/Edit request form
- export.py    ExportDialog and JustificationExportTask (workbook + PDF per department, on a worker)
- builder.py   the justification builder; pdf*.py its PDF
- commands.py  the undoable request and funding edits
- text.py      how request IDs compare and ranks, FTE and changes are written
"""

from __future__ import annotations

from .panel import RequestsPanel


def install_requests(main_window) -> RequestsPanel:
    """The Requests panel of `main_window`.  The MainWindow builds it itself (its "Requests" tab and
    Requests menu); this returns that panel (`main_window.requests_panel`).  For another window
    (one without the panel) it puts a panel in the "Requests" tab (replacing that tab's widget,
    same index, or adding the tab) and adds the Requests menu.

    Uses only `main_window.session`, `main_window.tabs` and `main_window.menuBar()`."""
    existing = getattr(main_window, "requests_panel", None)
    if isinstance(existing, RequestsPanel):
        return existing
    session = main_window.session
    panel = RequestsPanel(session, main_window)
    tabs = main_window.tabs
    index = next((i for i in range(tabs.count()) if tabs.tabText(i).replace("&", "") == "Requests"), -1)
    if index >= 0:
        current = tabs.currentIndex()
        old = tabs.widget(index)
        tabs.removeTab(index)
        tabs.insertTab(index, panel, "Requests")
        old.hide()
        tabs.setCurrentIndex(current)
    else:
        tabs.addTab(panel, "Requests")
    add_requests_menu(main_window, panel, main_window.menuBar().addMenu("&Requests"))
    return panel


def add_requests_menu(main_window, panel: RequestsPanel, m) -> None:
    """Fill the menu `m` with the panel's actions (New request, Edit request, Duplicate request,
    Delete request, Build justification…, Export justification…, Fund the best set…); the actions
    that act on the selection show the panel first."""
    tabs = main_window.tabs

    def shown(slot):
        def run():
            tabs.setCurrentWidget(panel)
            return slot()
        return run

    for key, slot in (("edit", panel.edit_selected), ("duplicate", panel.duplicate_selected),
                      ("delete", panel.delete_selected), ("justify", panel.build_justification)):
        a = panel.actions[key]
        a.triggered.disconnect()
        a.triggered.connect(lambda _c=False, f=shown(slot): f())
    for key in ("new", "edit", "duplicate", "delete"):
        m.addAction(panel.actions[key])
    m.addSeparator()
    for key in ("justify", "export"):
        m.addAction(panel.actions[key])
    m.addSeparator()
    m.addAction(panel.actions["optimize"])
    panel.menu = m
    main_window.requests_panel = panel


__all__ = ["install_requests", "add_requests_menu", "RequestsPanel"]
