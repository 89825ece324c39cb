"""Which workflow buttons a login may press on which requests: the moves of the database's
`workflow_moves` table (docs/team-mode.md), so the panel offers only what the server will accept.
No Qt here: the panel and the tests read the same table."""

from __future__ import annotations

from dataclasses import dataclass

DEPARTMENT, OMB = "department", "omb"


@dataclass(frozen=True)
class Action:
    """A workflow button: its label, the status it moves to, the statuses it moves from, who may."""

    key: str
    label: str
    to_status: str
    from_statuses: tuple[str, ...]
    side: str
    needs_reason: bool = False
    tip: str = ""


REVIEWABLE = ("Submitted", "Under review", "Recommended", "Not recommended")

ACTIONS: tuple[Action, ...] = (
    Action("submit", "Submit", "Submitted", ("Draft",), DEPARTMENT,
           tip="Send the request to OMB; it is read-only to the department from then on"),
    Action("redraft", "Back to draft", "Draft", ("Returned",), DEPARTMENT,
           tip="Take a returned request back to Draft to change it and submit it again"),
    Action("review", "Start review", "Under review", ("Submitted",), OMB,
           tip="Take the request into review"),
    Action("recommend", "Recommend", "Recommended", ("Under review",), OMB,
           tip="OMB recommends funding the request"),
    Action("not_recommend", "Not recommend", "Not recommended", ("Under review",), OMB,
           tip="OMB recommends not funding the request"),
    Action("return", "Return…", "Returned", REVIEWABLE, OMB, needs_reason=True,
           tip="Send the request back to its department, with the reason (required)"),
    Action("adopt", "Adopt", "Adopted", ("Recommended", "Not recommended"), OMB,
           tip="Record the council's adoption"),
    Action("not_adopt", "Not adopt", "Not adopted", ("Recommended", "Not recommended"), OMB,
           tip="Record that the council did not adopt it"),
)
BY_KEY = {a.key: a for a in ACTIONS}


def side_of(role: str) -> str | None:
    """The side of the workflow a role moves: OMB, a department, or none (a viewer)."""
    return {"omb_analyst": OMB, "department_manager": DEPARTMENT}.get(role)


def allowed(action: Action, role: str, departments, request: dict) -> bool:
    """Whether the login may make this move on this request (as the database's trigger decides)."""
    if side_of(role) != action.side or request.get("status") not in action.from_statuses:
        return False
    return action.side == OMB or request.get("department") in set(departments)


def why_not(action: Action, role: str, departments, request: dict) -> str:
    """Why the button is off for this request, in words ("" when it is allowed)."""
    if allowed(action, role, departments, request):
        return ""
    rid, status = request.get("request_id"), request.get("status")
    if side_of(role) is None:
        return "a viewer reads only"
    if side_of(role) != action.side:
        return f"only {'OMB' if action.side == OMB else 'the department'} may {action.label.rstrip('…').lower()}"
    if action.side == DEPARTMENT and request.get("department") not in set(departments):
        return f"{rid} is a request of {request.get('department')}"
    return f"{rid} is {status}; {action.label.rstrip('…')} moves only from {' or '.join(action.from_statuses)}"


def allowed_for_all(action: Action, role: str, departments, requests: list[dict]) -> bool:
    """A button is on when the move is allowed on every selected request (and one is selected)."""
    return bool(requests) and all(allowed(action, role, departments, r) for r in requests)


def edit_refusal(role: str, departments, request: dict) -> str:
    """Why this login may not edit this request ("" when it may): a department edits only its own
    Drafts; OMB edits any request; a viewer none."""
    side = side_of(role)
    if side is None:
        return "A viewer reads only."
    if side == OMB:
        return ""
    if request.get("department") not in set(departments):
        return f"{request.get('request_id')} is a request of {request.get('department')}: read-only to you."
    status = request.get("status")
    if status == "Draft":
        return ""
    if status == "Returned":
        return (f"{request.get('request_id')} was returned by OMB: take it back to Draft to change it, "
                "then submit it again.")
    return f"{request.get('request_id')} is {status}: read-only to its department until OMB returns it."


__all__ = ["Action", "ACTIONS", "BY_KEY", "DEPARTMENT", "OMB", "allowed", "allowed_for_all", "why_not",
           "edit_refusal", "side_of"]
