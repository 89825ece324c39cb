"""Undoable request edits: create, edit, duplicate, delete, re-rank, fund / unfund.

A request lives in the dataset (the budget's Requests table), not in a scenario, so an edit of a
request replaces the dataset: kcplanner.requests' pure functions return a new `Dataset` (the plan
and line items shared), `prepare` makes it ready again (20–40 ms at 20,000 line items: requests
only add rows to small index arrays, so re-preparing is cheap and exact; no shortcut is needed),
and a `DatasetCommand` on the session's undo stack holds the old and the new `Prepared`.

Some edits also change scenarios: deleting a request takes its ID out of every scenario's funded
list, and changing a request's ID renames it there.  Such an edit is one undo step: a macro of
the `DatasetCommand` and the session's ordinary `StateCommand` (`Session.push`).  Undo runs the
children in reverse order; the session's evaluation is deferred to the next turn of the event
loop, so it sees the restored dataset and scenarios together.  (The scenario step goes first
so that the dataset step, which evaluates at once, already sees the new funded lists.)

Funding a request is a scenario edit like any other (`Session.edit_scenario`), so it is undoable
and coalesced by the session's live loop.

`Session.replace_prepared(prepared)` swaps the prepared dataset while keeping the scenarios and
the undo stack (and tells the views, rebuilding them only when `same_structure` says so).
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from kcplanner.engine import Prepared, prepare
from kcplanner.requests import (Request, RequestError, add_request, duplicate_request, get_request,
                                remove_request, rerank_requests, update_request)
from kcplanner.scenario import Scenario

from ..session import State, same_structure  # noqa: F401 - re-exported
from .text import name_key


def replace_prepared(session, prepared: Prepared) -> None:
    """Kept for callers of the old helper: `session.replace_prepared(prepared)`."""
    session.replace_prepared(prepared)


# =============================================================================================
# Commands
# =============================================================================================

class DatasetCommand(QUndoCommand):
    """One request edit: the prepared dataset before and after (both kept, so undo and redo cost
    no preparation)."""

    def __init__(self, session, old: Prepared, new: Prepared, text: str, parent: QUndoCommand | None = None):
        super().__init__(text, parent)
        self.session = session
        self.old = old
        self.new = new

    def redo(self) -> None:
        self.session.replace_prepared(self.new)

    def undo(self) -> None:
        self.session.replace_prepared(self.old)


def _fix_scenarios(scenarios: tuple[Scenario, ...], removed: str | None = None,
                   renamed: tuple[str, str] | None = None) -> tuple[Scenario, ...]:
    out = []
    for s in scenarios:
        funded = list(s.funded_requests)
        if removed is not None:
            funded = [r for r in funded if name_key(r) != name_key(removed)]
        if renamed is not None:
            funded = [renamed[1] if name_key(r) == name_key(renamed[0]) else r for r in funded]
        out.append(s if tuple(funded) == s.funded_requests else s.with_funded_requests(funded))
    return tuple(out)


def push_dataset(session, dataset, text: str, scenarios: tuple[Scenario, ...] | None = None) -> None:
    """Push one undo step that replaces the dataset (re-prepared) and, when `scenarios` differ
    from the session's, the scenarios too (a macro of two commands)."""
    new = prepare(dataset)
    old = session.prepared
    stack = session.undo_stack
    change_state = scenarios is not None and tuple(scenarios) != tuple(session.scenarios)
    if not change_state:
        stack.push(DatasetCommand(session, old, new, text))
        return
    # the scenarios first, then the dataset: the dataset command evaluates at once, with the new
    # scenarios (undo runs in reverse: the old dataset, then the old scenarios, evaluated on the
    # next turn of the event loop)
    stack.beginMacro(text)
    try:
        session.push(State(tuple(scenarios), session.state.current), text)
        stack.push(DatasetCommand(session, old, new, text))
    finally:
        stack.endMacro()


def create_request(session, request: Request, index: int | None = None) -> None:
    """Add a new request (raises RequestError with the reasons when it cannot be added)."""
    ds = add_request(session.dataset, request, index)
    push_dataset(session, ds, f"New request {request.request_id}")


def edit_request(session, request_id: str, request: Request) -> None:
    """Replace request `request_id` by `request` (its ID may change: funded lists follow)."""
    old = get_request(session.dataset, request_id)
    if old == request:
        return
    ds = update_request(session.dataset, request_id, request)
    scenarios = None
    if name_key(old.request_id) != name_key(request.request_id) or old.request_id != request.request_id:
        scenarios = _fix_scenarios(session.scenarios, renamed=(old.request_id, request.request_id))
    push_dataset(session, ds, f"Edit request {request.request_id}", scenarios)


def delete_request(session, request_id: str) -> Request:
    """Delete a request; every scenario stops funding it (one undo step restores both)."""
    ds, removed, _row = remove_request(session.dataset, request_id)
    scenarios = _fix_scenarios(session.scenarios, removed=removed.request_id)
    push_dataset(session, ds, f"Delete request {removed.request_id}", scenarios)
    return removed


def copy_request(session, request_id: str, new_id: str | None = None) -> Request:
    """Duplicate a request right after the original (new ID, `(copy)` in the title)."""
    ds, copy = duplicate_request(session.dataset, request_id, new_id)
    push_dataset(session, ds, f"Duplicate request {request_id}")
    return copy


def rerank(session, ordered_ids, start: int = 1) -> None:
    ds = rerank_requests(session.dataset, list(ordered_ids), start)
    push_dataset(session, ds, "Re-rank requests")


def is_funded(scenario: Scenario, request_id: str) -> bool:
    key = name_key(request_id)
    return any(name_key(r) == key for r in scenario.funded_requests)


def set_funded(session, request_id: str, funded: bool) -> None:
    """Fund or unfund a request in the current scenario: an ordinary scenario edit (undoable,
    coalesced evaluation)."""
    s = session.scenario
    if is_funded(s, request_id) == bool(funded):
        return
    if funded:
        session.edit_scenario(s.fund_request(request_id), f"Fund request {request_id}")
    else:
        session.edit_scenario(s.unfund_request(request_id), f"Unfund request {request_id}")


__all__ = ["same_structure", "replace_prepared", "DatasetCommand", "push_dataset", "create_request", "edit_request",
           "delete_request", "copy_request", "rerank", "is_funded", "set_funded", "RequestError"]
