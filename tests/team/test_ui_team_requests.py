"""The requests panel of a shared project (ui/team/workflow), driven with qtbot as a department
manager, an OMB analyst and a viewer against the throwaway server; every outcome is checked in the
database with plain SQL, and the buttons against the workflow's moves written out here."""

from __future__ import annotations

import psycopg
import pytest

pytest.importorskip("pytestqt")

from kcplanner.project.postgres import Change, ConflictError, ConnectionLost  # noqa: E402
from kcplanner.scenario import Scenario  # noqa: E402

# SPEC "Team mode": the moves each side makes (as in test_team_workflow.py, written out independently)
DEPARTMENT_MOVES = {("Draft", "Submitted"), ("Returned", "Draft")}
OMB_MOVES = {("Submitted", "Under review"), ("Under review", "Recommended"), ("Under review", "Not recommended"),
             ("Recommended", "Adopted"), ("Recommended", "Not adopted"), ("Not recommended", "Adopted"),
             ("Not recommended", "Not adopted")} | {(s, "Returned") for s in
                                                    ("Submitted", "Under review", "Recommended", "Not recommended")}
BUTTON_TARGET = {"submit": "Submitted", "redraft": "Draft", "review": "Under review", "recommend": "Recommended",
                 "not_recommend": "Not recommended", "return": "Returned", "adopt": "Adopted",
                 "not_adopt": "Not adopted"}


def ids_of(team, department: str, n: int) -> list[str]:
    with team.sql("viewer") as c:
        return [r[0] for r in c.execute("SELECT request_id FROM requests WHERE department = %s ORDER BY row_order "
                                        "LIMIT %s", (department, n))]


def status_of(team, rid: str) -> str:
    with team.sql("viewer") as c:
        return c.execute("SELECT status FROM requests WHERE request_id = %s", (rid,)).fetchone()[0]


def force(team, status: str, *rids: str) -> None:
    """Put requests in a status without the workflow (the server's superuser, triggers off)."""
    with psycopg.connect(team.admin, autocommit=True, options="-c search_path=kcplanner") as c:
        c.execute("SET session_replication_role = replica")
        c.execute("UPDATE requests SET status = %s, version = version + 1 WHERE request_id = ANY(%s)",
                  (status, list(rids)))


@pytest.fixture
def open_panel(qtbot):
    from ui.team.workflow.panel import TeamRequestsPanel

    made = []

    def make(team, who, **kw):
        project = team.open(who)
        panel = TeamRequestsPanel(project, **kw)
        panel.messages = []
        panel.inform = lambda title, text: panel.messages.append((title, text))
        panel.ask_retry = lambda parent, text: (panel.messages.append(("retry", text)), False)[1]
        qtbot.addWidget(panel)
        panel.resize(1100, 700)
        made.append(project)
        return panel

    yield make
    for p in made:
        p.close()


def press(qtbot, panel, key):
    """Click a workflow button and wait for its job."""
    with qtbot.waitSignal(panel.jobFinished, timeout=10000) as blocker:
        panel.buttons[key].click()
    return blocker.args[0]


def enabled_buttons(panel) -> set[str]:
    return {k for k, b in panel.buttons.items() if b.isEnabled()}


def test_a_department_submits_its_draft_and_cannot_edit_it_then(qtbot, team, open_panel):
    rid = ids_of(team, "Police", 1)[0]
    panel = open_panel(team, "police")
    with team.sql("viewer") as c:
        mine = {r[0] for r in c.execute("SELECT request_id FROM requests WHERE department = 'Police'")}
    assert {r["request_id"] for r in panel.all_requests} == mine      # only its own department's
    assert set(panel.buttons) == {"submit", "redraft"}                 # no OMB button offered
    assert not panel.proposal_button.isVisible()
    panel.select([rid])
    assert enabled_buttons(panel) == {"submit"} and panel.edit_button.isEnabled()
    outcome = press(qtbot, panel, "submit")
    assert outcome.done == [rid]
    assert status_of(team, rid) == "Submitted"
    with team.sql("viewer") as c:
        moved_by, frm, to = c.execute("SELECT moved_by, from_status, to_status FROM request_moves "
                                      "WHERE request_id = %s", (rid,)).fetchone()
    assert (moved_by, frm, to) == (team.logins["police"], "Draft", "Submitted")
    panel.select([rid])
    assert not panel.edit_button.isEnabled() and enabled_buttons(panel) == set()
    assert "Submitted: read-only to its department until OMB returns it" in panel.reason.text()
    assert panel.model.rows[panel.model.row_of(rid)]["status"] == "Submitted"


def test_return_needs_a_reason_and_the_department_reads_it(qtbot, team, open_panel):
    from ui.team.workflow.dialogs import ReasonDialog

    rid = ids_of(team, "Police", 1)[0]
    force(team, "Submitted", rid)
    analyst = open_panel(team, "analyst")
    analyst.select([rid])
    assert "return" in enabled_buttons(analyst)

    answers = []

    def reason_dialog(ids):
        dialog = ReasonDialog(ids, analyst)
        dialog.text.setPlainText(answers.pop(0))
        dialog.exec = lambda: (dialog.accept(), dialog.result())[1]
        answers_seen.append(dialog)
        return dialog

    answers_seen = []
    analyst.reason_dialog = reason_dialog
    answers.append("   ")                          # blank: refused, nothing sent
    assert analyst.move_selected("return") is None
    dialog = answers_seen[-1]
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    assert dialog.result() == 0 and "needs a reason" in dialog.hint.text()
    assert status_of(team, rid) == "Submitted"

    reason = "Cost per FTE is above the city's scale; use step 3."
    answers.append(reason)
    with qtbot.waitSignal(analyst.jobFinished, timeout=10000):
        analyst.move_selected("return")
    assert status_of(team, rid) == "Returned"
    with team.sql("viewer") as c:
        comment, by = c.execute("SELECT comment, moved_by FROM request_moves WHERE request_id = %s "
                                "AND to_status = 'Returned'", (rid,)).fetchone()
    assert (comment, by) == (reason, team.logins["analyst"])
    assert rid not in {r["request_id"] for r in analyst.all_requests}   # the queue drops what went back

    police = open_panel(team, "police")
    police.select([rid])
    assert not police.returned.isHidden() and reason in police.returned.text()
    assert team.logins["analyst"] in police.returned.text()
    assert reason in police.trail.toPlainText()
    assert enabled_buttons(police) == {"redraft"} and not police.edit_button.isEnabled()
    assert "take it back to Draft" in police.reason.text()
    press(qtbot, police, "redraft")
    assert status_of(team, rid) == "Draft"
    police.select([rid])
    assert police.edit_button.isEnabled() and enabled_buttons(police) == {"submit"}


def test_each_button_is_on_exactly_where_the_workflow_allows(qtbot, team, open_panel):
    statuses = ["Draft", "Submitted", "Under review", "Recommended", "Not recommended", "Adopted", "Not adopted",
                "Returned"]
    police = ids_of(team, "Police", len(statuses))
    fire = ids_of(team, "Fire", 1)[0]
    for rid, status in zip(police, statuses):
        force(team, status, rid)
    analyst = open_panel(team, "analyst")
    analyst.everything.setChecked(True)
    manager = open_panel(team, "police")
    fire_manager = open_panel(team, "fire")
    for rid, status in zip(police, statuses):
        for panel, moves in ((analyst, OMB_MOVES), (manager, DEPARTMENT_MOVES), (fire_manager, set())):
            panel.refresh()
            panel.select([rid])
            if panel is fire_manager:
                assert panel.selected_ids() == []          # another department's request is not in its list
                continue
            expected = {k for k, to in BUTTON_TARGET.items() if (status, to) in moves and k in panel.buttons}
            assert enabled_buttons(panel) == expected, (status, panel.role)
    # a mixed selection: a button is on only when every selected request allows it
    analyst.select([police[1], police[2]])           # Submitted + Under review
    assert enabled_buttons(analyst) == {"return"}
    analyst.select([police[3], police[4]])           # Recommended + Not recommended
    assert enabled_buttons(analyst) == {"return", "adopt", "not_adopt"}
    assert fire not in police


def test_many_rows_move_at_once_and_a_request_changed_meanwhile_is_reported(qtbot, team, open_panel):
    rids = ids_of(team, "Police", 3) + ids_of(team, "Fire", 2)
    force(team, "Submitted", *rids)
    conflicts = []
    analyst = open_panel(team, "analyst", on_conflict=conflicts.append)
    analyst.select(rids)
    assert len(analyst.selected()) == 5
    other = team.open("analyst")
    try:
        other.move_request(rids[0], "Under review")     # someone else takes one meanwhile
    finally:
        other.close()
    outcome = press(qtbot, analyst, "review")
    assert sorted(outcome.done) == sorted(rids[1:])
    assert [status_of(team, r) for r in rids] == ["Under review"] * 5
    assert len(outcome.conflicts) == 1 and outcome.conflicts[0].name == rids[0]
    assert [c.name for c in conflicts] == [rids[0]]          # the window's handler was told
    with team.sql("viewer") as c:
        n = c.execute("SELECT count(*) FROM request_moves WHERE request_id = ANY(%s) AND to_status = 'Under review'",
                      (rids,)).fetchone()[0]
    assert n == 5   # one move each: the conflicting one was not made twice


def test_start_from_the_optimizers_proposal(qtbot, team, open_panel):
    rids = ids_of(team, "Police", 3) + ids_of(team, "Fire", 3)
    force(team, "Under review", *rids)
    funded = [rids[0], rids[3], rids[4]]
    analyst = open_panel(team, "analyst")
    analyst.project.put_scenario(Scenario("Baseline (optimized)", funded_requests=tuple(funded)))
    shown = {}

    def confirm(dialog):
        shown["scenario"] = dialog.scenario.currentText()
        shown["moves"] = {(m.request_id, m.to_status) for m in dialog.moves}
        shown["summary"] = dialog.summary.text()
        with team.sql("analyst") as c:   # one is returned meanwhile, after the moves were shown
            c.execute("SELECT set_config('kcplanner.comment', 'back to you', false)")
            c.execute("UPDATE requests SET status = 'Returned' WHERE request_id = %s", (rids[1],))
        return True

    analyst.confirm_proposal = confirm
    with team.sql("viewer") as c:
        under_review = {r[0] for r in c.execute("SELECT request_id FROM requests WHERE status = 'Under review'")}
    with qtbot.waitSignal(analyst.jobFinished, timeout=20000) as blocker:
        analyst.start_from_proposal()
    outcome = blocker.args[0]
    assert shown["scenario"] == "Baseline (optimized)"
    assert shown["moves"] == {(r, "Recommended" if r in funded else "Not recommended") for r in under_review}
    assert f"funds {len(funded)} of the {len(under_review)}" in shown["summary"]
    assert [r for r, _ in outcome.refused] == [rids[1]]
    with team.sql("viewer") as c:
        now = dict(c.execute("SELECT request_id, status FROM requests WHERE request_id = ANY(%s)", (rids,)).fetchall())
    assert now == {rids[0]: "Recommended", rids[1]: "Returned", rids[2]: "Not recommended",
                   rids[3]: "Recommended", rids[4]: "Recommended", rids[5]: "Not recommended"}


def test_a_viewer_reads_everything_and_changes_nothing(qtbot, team, open_panel):
    panel = open_panel(team, "viewer")
    with team.sql("viewer") as c:
        n = c.execute("SELECT count(*) FROM requests").fetchone()[0]
    assert len(panel.all_requests) == n > 0
    assert panel.buttons == {} and panel.edit_button.isHidden() and panel.proposal_button.isHidden()
    panel.select([panel.all_requests[0]["request_id"]])
    assert "viewer reads only" in panel.reason.text()


def test_a_change_by_someone_else_is_read_again(qtbot, team, open_panel):
    rid = ids_of(team, "Police", 1)[0]
    panel = open_panel(team, "police")
    other = team.open("police")
    try:
        other.move_request(rid, "Submitted")
    finally:
        other.close()
    panel.on_change(Change("scenarios", "update", "Baseline", 2, "x", 1, 0.0))
    assert panel.model.rows[panel.model.row_of(rid)]["status"] == "Draft"      # not a request: not re-read
    panel.on_change(Change("requests", "move", rid, 2, "x", 2, 0.0))
    assert panel.model.rows[panel.model.row_of(rid)]["status"] == "Submitted"


def test_a_saved_draft_and_the_connection_lost_with_retry(qtbot, team, open_panel):
    rid = ids_of(team, "Police", 1)[0]
    panel = open_panel(team, "police")
    request = panel.all_requests[[r["request_id"] for r in panel.all_requests].index(rid)]
    with qtbot.waitSignal(panel.jobFinished, timeout=10000):
        panel.save(request, {"title": "Two more patrol officers"})
    with team.sql("viewer") as c:
        title, version = c.execute("SELECT title, version FROM requests WHERE request_id = %s", (rid,)).fetchone()
    assert (title, version) == ("Two more patrol officers", request["version"] + 1)

    real = panel.project.move_request
    calls = []

    def drops_once(*a, **kw):
        calls.append(a)
        if len(calls) == 1:
            raise ConnectionLost("the connection to the server was lost during moving; nothing of it was written")
        return real(*a, **kw)

    panel.project.move_request = drops_once
    panel.ask_retry = lambda parent, text: (panel.messages.append(("retry", text)), True)[1]
    panel.select([rid])
    outcomes = []
    panel.jobFinished.connect(outcomes.append)
    panel.buttons["submit"].click()
    qtbot.waitUntil(lambda: len(outcomes) == 2, timeout=10000)
    assert outcomes[0].lost and any("nothing of it was written" in t for k, t in panel.messages if k == "retry")
    assert outcomes[1].done == [rid] and status_of(team, rid) == "Submitted"
    assert len(calls) == 2


def test_a_save_over_a_newer_version_goes_to_the_conflict_handler(qtbot, team, open_panel):
    rid = ids_of(team, "Police", 1)[0]
    told = []
    panel = open_panel(team, "police", on_conflict=told.append)
    request = dict(panel.all_requests[[r["request_id"] for r in panel.all_requests].index(rid)])
    other = team.open("analyst")
    try:
        other.save_request(rid, {"title": "Theirs"}, request["version"])
    finally:
        other.close()
    with qtbot.waitSignal(panel.jobFinished, timeout=10000):
        panel.save(request, {"title": "Mine"})
    assert len(told) == 1 and isinstance(told[0], ConflictError)
    assert team.logins["analyst"] in str(told[0])
    assert "Theirs" == panel.model.rows[panel.model.row_of(rid)]["title"]


def test_the_counts_line_matches_the_database(qtbot, team, open_panel):
    rids = ids_of(team, "Police", 2) + ids_of(team, "Fire", 1)
    force(team, "Submitted", *rids[:2])
    force(team, "Under review", rids[2])
    panel = open_panel(team, "analyst")
    with team.sql("viewer") as c:
        rows = c.execute("SELECT status, count(*), count(DISTINCT department) FROM requests "
                         "WHERE status NOT IN ('Draft', 'Returned') GROUP BY status").fetchall()
    counts = {s: n for s, n, _ in rows}
    assert counts == {"Submitted": 2, "Under review": 1}
    assert panel.counts.text() == "3 requests in 2 departments: 2 Submitted · 1 Under review"
    panel.department.setCurrentText("Police")
    assert panel.counts.text() == "2 requests in 1 department: 2 Submitted"


def test_an_unsaved_proposal_offered_by_the_window_comes_first(qtbot, team, open_panel):
    from ui.team.workflow.dialogs import ProposalDialog
    from ui.team.workflow.proposal import OFFERED

    rids = ids_of(team, "Fire", 3)
    force(team, "Under review", *rids)
    panel = open_panel(team, "analyst")
    panel.set_proposal(Scenario("Optimizer run", funded_requests=(rids[1],)))
    names, chosen = panel.proposals.choices()
    assert chosen == "Optimizer run" + OFFERED and names[0] == chosen and "Baseline" in names
    dialog = ProposalDialog(names, chosen, panel.proposals.moves_for, panel)
    qtbot.addWidget(dialog)
    assert {(m.request_id, m.to_status) for m in dialog.moves} == \
        {(rids[0], "Not recommended"), (rids[1], "Recommended"), (rids[2], "Not recommended")}
    dialog.scenario.setCurrentText("Baseline")          # funds none of them
    assert {m.to_status for m in dialog.moves} == {"Not recommended"} and len(dialog.moves) == 3
    assert [status_of(team, r) for r in rids] == ["Under review"] * 3     # showing moves nothing


def test_the_edit_dialog_sends_only_what_changed(qtbot):
    from ui.team.workflow.dialogs import EditRequestDialog

    request = {"request_id": "REQ-X-1", "department": "Police", "title": "Old", "program": "Patrol",
               "justification": None, "rank": 3.0, "fte": None, "version": 4}
    dialog = EditRequestDialog(request)
    qtbot.addWidget(dialog)
    assert dialog.changes() == {}
    dialog.title.setText("New title")
    dialog.rank.setValue(5)
    assert dialog.changes() == {"title": "New title", "rank": 5.0}


def test_a_move_committed_just_before_the_loss_is_not_made_twice_on_retry(qtbot, team, open_panel):
    rid = ids_of(team, "Police", 1)[0]
    told = []
    panel = open_panel(team, "police", on_conflict=told.append)
    real = panel.project.move_request
    calls = []

    def commits_then_drops(*a, **kw):
        calls.append(a)
        result = real(*a, **kw)
        if len(calls) == 1:   # the commit reached the server, the answer did not
            raise ConnectionLost("the connection to the server was lost during moving; nothing of it was written")
        return result

    panel.project.move_request = commits_then_drops
    panel.ask_retry = lambda parent, text: True
    panel.select([rid])
    panel.buttons["submit"].click()
    qtbot.waitUntil(lambda: len(calls) == 2 and not panel.busy, timeout=10000)
    assert status_of(team, rid) == "Submitted"
    assert len(told) == 1 and told[0].theirs.changed_by == team.logins["police"]     # told, by its own name
    with team.sql("viewer") as c:
        assert c.execute("SELECT count(*) FROM request_moves WHERE request_id = %s", (rid,)).fetchone()[0] == 1
