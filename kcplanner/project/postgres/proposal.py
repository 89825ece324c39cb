"""The optimizer's proposal as OMB's starting point in the review: the requests under review that
a proposed scenario funds become Recommended, the others Not recommended.  OMB sees the moves
first (`proposed_moves`) and applies them (`apply_proposal`), each an ordinary audited move that
the workflow checks; a request someone moved or changed meanwhile is reported, not forced."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...scenario import Scenario
from ..records import _key
from .errors import ConflictError, TeamError


@dataclass(frozen=True)
class ProposedMove:
    request_id: str
    department: str
    rank: float | None
    to_status: str          # Recommended or Not recommended
    version: int            # the version it was proposed for


@dataclass
class AppliedProposal:
    moved: list[ProposedMove] = field(default_factory=list)
    not_moved: list[tuple[ProposedMove, str]] = field(default_factory=list)   # with why


def proposed_moves(project, proposal: Scenario, *, department: str | None = None) -> list[ProposedMove]:
    """For each request Under review (of `department`): Recommended when `proposal` funds it, else
    Not recommended; in the review queue's order (department, rank)."""
    funded = {_key(r) for r in proposal.funded_requests}
    return [ProposedMove(r["request_id"], r["department"], r["rank"],
                         "Recommended" if _key(r["request_id"]) in funded else "Not recommended", r["version"])
            for r in project.review_queue(department=department, status="Under review")]


def apply_proposal(project, moves: list[ProposedMove], comment: str | None = None) -> AppliedProposal:
    """Make the moves (each over the version it was proposed for)."""
    out = AppliedProposal()
    for move in moves:
        try:
            project.move_request(move.request_id, move.to_status, comment, expected_version=move.version)
            out.moved.append(move)
        except ConflictError as exc:
            out.not_moved.append((move, str(exc)))
        except TeamError as exc:
            out.not_moved.append((move, str(exc)))
    return out


__all__ = ["proposed_moves", "apply_proposal", "ProposedMove", "AppliedProposal"]
