"""The request workflow, enforced by the database: every move between two statuses tried by each
side (the request's own department, another department, OMB, a viewer) with plain SQL; only the
moves SPEC lists, by the side it names, go through, and each is recorded with who, when and why."""

from __future__ import annotations

import itertools

import psycopg
import pytest

from kcplanner.project.postgres import NotAllowed, WorkflowError

STATUSES = ["Draft", "Submitted", "Under review", "Recommended", "Not recommended", "Adopted", "Not adopted",
            "Returned"]
# SPEC "Team mode": Draft → Submitted (its department) → Under review → Recommended or Not recommended
# (OMB) → Adopted or Not adopted; Returned (by OMB, with a reason) sends it back to Draft.
DEPARTMENT_MOVES = {("Draft", "Submitted"), ("Returned", "Draft")}
OMB_MOVES = {("Submitted", "Under review"), ("Under review", "Recommended"), ("Under review", "Not recommended"),
             ("Recommended", "Adopted"), ("Recommended", "Not adopted"), ("Not recommended", "Adopted"),
             ("Not recommended", "Not adopted")} | {(s, "Returned") for s in
                                                    ("Submitted", "Under review", "Recommended", "Not recommended")}


def police_request(team) -> str:
    with team.sql("viewer") as c:
        return c.execute("SELECT request_id FROM requests WHERE department = 'Police' ORDER BY row_order LIMIT 1"
                         ).fetchone()[0]


def force_status(team, request_id: str, status: str) -> None:
    """Put a request in a status without the workflow (the server's superuser, triggers off)."""
    with psycopg.connect(team.admin, autocommit=True, options="-c search_path=kcplanner") as c:
        c.execute("SET session_replication_role = replica")
        c.execute("UPDATE requests SET status = %s WHERE request_id = %s", (status, request_id))


def test_every_move_by_every_side(team):
    rid = police_request(team)
    conns = {who: team.sql(who) for who in ("police", "fire", "analyst", "viewer")}
    try:
        for c in conns.values():
            c.execute("SELECT set_config('kcplanner.comment', 'a reason', false)")
        outcomes = {}
        for (old, new), who in itertools.product(itertools.permutations(STATUSES, 2), conns):
            force_status(team, rid, old)
            try:
                n = conns[who].execute("UPDATE requests SET status = %s WHERE request_id = %s", (new, rid)).rowcount
                outcomes[(old, new, who)] = n == 1
            except psycopg.DatabaseError:  # refused: by a grant, a policy or the workflow trigger
                outcomes[(old, new, who)] = False
        expected = {(old, new, who): (who == "police" and (old, new) in DEPARTMENT_MOVES)
                    or (who == "analyst" and (old, new) in OMB_MOVES)
                    for (old, new), who in itertools.product(itertools.permutations(STATUSES, 2), conns)}
        wrong = {k: v for k, v in outcomes.items() if v != expected[k]}
        assert not wrong, f"moves that went the wrong way (True = allowed): {wrong}"
        assert sum(expected.values()) == len(DEPARTMENT_MOVES) + len(OMB_MOVES) == 13
        with conns["viewer"] as c:
            moves = c.execute("SELECT from_status, to_status, moved_by, comment FROM request_moves "
                              "WHERE request_id = %s ORDER BY seq", (rid,)).fetchall()
            audited = c.execute("SELECT count(*) FROM edits WHERE request_id = %s AND action = 'move'",
                                (rid,)).fetchone()[0]
    finally:
        for c in conns.values():
            c.close()
    allowed = [(old, new, who) for (old, new, who), ok in outcomes.items() if ok]
    assert [(m[0], m[1]) for m in moves] == [(old, new) for old, new, _who in allowed]
    assert all(m[2] == team.logins[who] and m[3] == "a reason" for m, (_o, _n, who) in zip(moves, allowed))
    assert audited == len(allowed)


def test_the_reasons_the_database_gives(team):
    rid = police_request(team)
    with team.sql("police") as police, team.sql("analyst") as omb:
        with pytest.raises(psycopg.DatabaseError, match="not a move of the workflow"):
            police.execute("UPDATE requests SET status = 'Adopted' WHERE request_id = %s", (rid,))
        with pytest.raises(psycopg.DatabaseError, match="only a manager of Police"):
            omb.execute("UPDATE requests SET status = 'Submitted' WHERE request_id = %s", (rid,))
        police.execute("UPDATE requests SET status = 'Submitted' WHERE request_id = %s", (rid,))
        with pytest.raises(psycopg.DatabaseError, match="only OMB"):
            police.execute("UPDATE requests SET status = 'Under review' WHERE request_id = %s", (rid,))
        with pytest.raises(psycopg.DatabaseError, match="say why"):
            omb.execute("UPDATE requests SET status = 'Returned' WHERE request_id = %s", (rid,))


def test_a_submitted_request_is_read_only_to_its_department(team):
    rid = police_request(team)
    with team.sql("police") as police, team.sql("analyst") as omb:
        police.execute("UPDATE requests SET title = 'Still a draft' WHERE request_id = %s", (rid,))
        police.execute("INSERT INTO narratives (request_id, department, data) VALUES (%s, '', '{\"need\": 1}')", (rid,))
        police.execute("UPDATE requests SET status = 'Submitted' WHERE request_id = %s", (rid,))
        for statement in ("UPDATE requests SET title = 'Sneaky' WHERE request_id = %s",
                          "DELETE FROM requests WHERE request_id = %s",
                          "UPDATE narratives SET data = '{\"need\": 2}' WHERE request_id = %s",
                          "DELETE FROM narratives WHERE request_id = %s"):
            with pytest.raises(psycopg.DatabaseError, match="read-only to its department"):
                police.execute(statement, (rid,))
        with pytest.raises(psycopg.DatabaseError, match="as a Draft"):
            police.execute("INSERT INTO requests (request_id, row_order, department, status) "
                           "VALUES ('P-9', 999, 'Police', 'Submitted')")
        assert omb.execute("UPDATE requests SET rank = 1 WHERE request_id = %s", (rid,)).rowcount == 1  # OMB can
        omb.execute("SELECT set_config('kcplanner.comment', 'cost per officer too low', false)")
        omb.execute("UPDATE requests SET status = 'Returned' WHERE request_id = %s", (rid,))
        police.execute("UPDATE requests SET status = 'Draft', title = 'Revised' WHERE request_id = %s", (rid,))
        assert police.execute("SELECT title, status FROM requests WHERE request_id = %s", (rid,)).fetchone() == \
            ("Revised", "Draft")
        moves = omb.execute("SELECT from_status, to_status, comment FROM request_moves WHERE request_id = %s "
                            "ORDER BY seq", (rid,)).fetchall()
    assert moves == [("Draft", "Submitted", ""), ("Submitted", "Returned", "cost per officer too low"),
                     ("Returned", "Draft", "")]


def test_the_api_names_who_may_do_what(team):
    rid = police_request(team)
    with team.open("police") as police, team.open("analyst") as omb, team.open("fire") as fire:
        assert {r["department"] for r in police.my_requests()} == {"Police"}
        assert police.role == "department_manager" and police.departments == ["Police"]
        with pytest.raises(NotAllowed, match="may not change the requests of Police"):
            fire.move_request(rid, "Submitted")
        with pytest.raises(WorkflowError, match="only a manager of Police"):
            omb.move_request(rid, "Submitted")
        assert police.move_request(rid, "Submitted")["status"] == "Submitted"
        assert [r["request_id"] for r in omb.review_queue(department="Police")] == [rid]
        with pytest.raises(NotAllowed, match="read-only to its department"):
            police.save_request(rid, {"title": "late change"}, police.request(rid)["version"])
        omb.move_request(rid, "Under review")
        with pytest.raises(WorkflowError, match="say why"):
            omb.move_request(rid, "Returned")
        omb.move_request(rid, "Returned", "the KPI effect needs a source")
        police.move_request(rid, "Draft")
        moves = police.request_moves(rid)
        assert [(m.from_status, m.to_status, m.moved_by) for m in moves] == [
            ("Draft", "Submitted", team.logins["police"]), ("Submitted", "Under review", team.logins["analyst"]),
            ("Under review", "Returned", team.logins["analyst"]), ("Returned", "Draft", team.logins["police"])]
        assert moves[2].comment == "the KPI effect needs a source" and moves[2].moved_at.endswith("Z")
        history = [h for h in omb.history() if h.action == "move"]
        assert [h.description for h in history][2] == \
            f"Moved request {rid} from Under review to Returned: the KPI effect needs a source"


def test_the_optimizers_proposal_as_the_reviews_starting_point(team):
    from kcplanner.project.postgres import apply_proposal, proposed_moves
    from kcplanner.scenario import Scenario

    with team.open("police") as police, team.open("analyst") as omb:
        mine = [r["request_id"] for r in police.my_requests()]
        assert len(mine) >= 2
        for rid in mine:
            police.move_request(rid, "Submitted")
            omb.move_request(rid, "Under review")
        proposal = Scenario("Optimized", funded_requests=(mine[0].lower(),))
        moves = proposed_moves(omb, proposal, department="Police")
        assert {m.request_id: m.to_status for m in moves} == \
            {rid: "Recommended" if rid == mine[0] else "Not recommended" for rid in mine}
        police_rank = [r["rank"] for r in omb.review_queue(department="Police")]
        assert [m.rank for m in moves] == police_rank == sorted(police_rank)
        omb.save_request(mine[1], {"rank": 50.0}, omb.request(mine[1])["version"])   # changed meanwhile
        done = apply_proposal(omb, moves, "from the optimizer's proposal")
        assert [m.request_id for m in done.moved] == [m.request_id for m in moves if m.request_id != mine[1]]
        assert [m.request_id for m, _why in done.not_moved] == [mine[1]] and "changed by" in done.not_moved[0][1]
        assert omb.request(mine[0])["status"] == "Recommended"
        assert omb.request_moves(mine[0])[-1].comment == "from the optimizer's proposal"
        assert omb.request(mine[1])["status"] == "Under review"
