"""The workflow's writes off the GUI thread: a batch of moves, one save, the optimizer's proposal,
each a `JobTask` on the global pool (ui/common/workers.py) that returns what happened; the panel
shows it when the job is done.  A lost connection stops the batch: what was moved is reported, the
rest can be retried (each move is one transaction, so none is half-made)."""

from __future__ import annotations

from dataclasses import dataclass, field

from kcplanner.project.postgres import ConflictError, ConnectionLost, TeamError


@dataclass
class Outcome:
    """What a job did: the requests moved or saved, those refused (with why), the conflicts met,
    and the connection lost (its text) with the requests not tried yet."""

    what: str
    done: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    conflicts: list[ConflictError] = field(default_factory=list)
    lost: str = ""
    left: list = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.what}: {len(self.done)} done"]
        if self.refused or self.conflicts:
            parts.append(f"{len(self.refused) + len(self.conflicts)} not")
        return ", ".join(parts) + "."


def move_all(project, requests: list[dict], to_status: str, comment: str | None, what: str) -> Outcome:
    """Move each request over the version shown (a request changed meanwhile is a conflict, not forced)."""
    out = Outcome(what)
    for i, r in enumerate(requests):
        try:
            project.move_request(r["request_id"], to_status, comment, expected_version=r["version"])
            out.done.append(r["request_id"])
        except ConnectionLost as exc:
            out.lost, out.left = str(exc), requests[i:]
            break
        except ConflictError as exc:
            out.conflicts.append(exc)
        except TeamError as exc:   # the workflow or the role refused it (the database's words)
            out.refused.append((r["request_id"], str(exc)))
    return out


def save_one(project, request: dict, changes: dict) -> Outcome:
    out = Outcome(f"Saved request {request['request_id']}")
    try:
        project.save_request(request["request_id"], changes, request["version"])
        out.done.append(request["request_id"])
    except ConnectionLost as exc:
        out.lost, out.left = str(exc), [request]
    except ConflictError as exc:
        out.conflicts.append(exc)
    except TeamError as exc:
        out.refused.append((request["request_id"], str(exc)))
    return out


def apply_moves(project, moves: list, comment: str | None) -> Outcome:
    """The optimizer's proposal: `apply_proposal`, its moved and not-moved requests as an Outcome."""
    from kcplanner.project.postgres import apply_proposal

    out = Outcome("Applied the optimizer's proposal")
    try:
        applied = apply_proposal(project, moves, comment)
    except ConnectionLost as exc:
        out.lost, out.left = str(exc), list(moves)
        return out
    out.done = [m.request_id for m in applied.moved]
    out.refused = [(m.request_id, why) for m, why in applied.not_moved]
    return out


__all__ = ["Outcome", "move_all", "save_one", "apply_moves"]
