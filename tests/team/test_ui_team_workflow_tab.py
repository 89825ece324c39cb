"""The requests workflow is a tab of the window while a shared project is open: titled by the role,
placed last, following others' moves through the window's listener, gone when closed."""

from __future__ import annotations

from .ui_team_fixtures import grab, open_shared, ui_settings, window  # noqa: F401


def tab_titles(w) -> list[str]:
    return [w.tabs.tabText(i) for i in range(w.tabs.count())]


def shown_status(panel, rid: str) -> str | None:
    row = panel.model.row_of(rid)
    return None if row < 0 else panel.model.request_at(row)["status"]


def test_a_manager_gets_my_requests_as_the_last_tab_and_sees_a_move_made_elsewhere(qtbot, window, team):
    w = window
    before = tab_titles(w)
    open_shared(qtbot, w, team.url("police"))
    titles = tab_titles(w)
    assert titles == before + ["My requests"]   # last: the other tabs keep their places
    panel = w.team.workflow.panel
    with team.sql("viewer") as c:   # the department's requests, read with plain SQL
        expected = {r[0]: r[1] for r in c.execute(
            "SELECT request_id, status FROM requests WHERE department = 'Police'")}
    assert {panel.model.request_at(i)["request_id"] for i in range(panel.model.rowCount())} == set(expected)
    rid = next(r for r, s in expected.items() if s == "Draft")
    with team.open("police") as elsewhere:   # the same manager in another window
        elsewhere.move_request(rid, "Submitted")
    qtbot.waitUntil(lambda: shown_status(panel, rid) == "Submitted", timeout=2000)
    w.project_controller.close_project()
    assert tab_titles(w) == before and w.team.workflow.panel is None


def test_an_analyst_gets_the_review_queue(qtbot, window, team):
    w = window
    open_shared(qtbot, w, team.url("analyst"))
    assert "Review queue" in tab_titles(w) and "My requests" not in tab_titles(w)
    panel = w.team.workflow.panel
    w.tabs.setCurrentWidget(panel)
    grab(w, "team-window-review-queue")
    assert {"review", "recommend", "return"} <= set(panel.buttons) and "submit" not in panel.buttons
    assert panel.proposal_button.isVisibleTo(panel)
