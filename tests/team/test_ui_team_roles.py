"""A shared project in the real MainWindow, opened as each role (ui/team/): who is signed in (the
status bar), which controls are offered, edits the role cannot make refused before anything is sent,
and the file-only actions disabled with a tooltip that says why."""

from __future__ import annotations

import pytest

from kcplanner.scenario import Rule, Target

from .ui_team_fixtures import grab, open_shared, server_version, ui_settings, window  # noqa: F401 - fixtures

ROLE_TEXT = {"analyst": "{} · OMB analyst", "police": "{} · Department manager (Police)",
             "viewer": "{} · Viewer (read-only)"}


def scenario_menu(w, text):
    return next(a for a in w.menu("Scenario").actions() if a.text().replace("&", "") == text)


def strip_enabled(w) -> bool:
    return w.allocations.slider.parentWidget().isEnabled()


@pytest.mark.parametrize("who", ["analyst", "police", "viewer"])
def test_each_role_sees_who_it_is_and_only_the_controls_it_may_use(qtbot, window, team, who):
    w = window
    p = open_shared(qtbot, w, team.url(who))
    login = team.logins[who]
    assert p.user == login and p.path is None
    assert w.team.role_label.isVisible() and w.team.role_label.text() == ROLE_TEXT[who].format(login)
    assert "(shared" in w.windowTitle() and "on 127.0.0.1" in w.windowTitle()
    c = w.project_controller
    # the data and the scenarios are the server's
    assert w.session.loaded and [s.name for s in w.session.scenarios] == ["Baseline", "Police plan"]
    assert w.session.prepared.n_lines == len(team.dataset.budget.line_items)
    # file-only actions: disabled, and the tooltip says why
    assert not c.save_as_action.isEnabled() and "shared project" in c.save_as_action.toolTip()
    # Re-import Workbooks…: OMB's, into the server (ui/team/reimport.py); the others are told why not
    if who == "analyst":
        assert c.reimport_action.isEnabled() and "server" in c.reimport_action.toolTip()
    else:
        assert not c.reimport_action.isEnabled()
        assert ("is a viewer" if who == "viewer" else "Only OMB re-imports") in c.reimport_action.toolTip()
    assert not c.save_action.isEnabled() and "nothing to save" in c.save_action.toolTip()
    assert c.export_history_action.isEnabled()
    analyst = who == "analyst"
    for text in ("New scenario", "Duplicate scenario", "Rename scenario", "Delete scenario"):
        assert scenario_menu(w, text).isEnabled() is analyst, text
    assert w.scenario_list.buttons["New"].isEnabled() is analyst
    assert w.requests.actions["new"].isEnabled() is (who != "viewer")
    assert w.requests.actions["optimize"].isEnabled() is analyst
    # selecting a row would enable the allocation editors: still held for a manager and a viewer
    w.tabs.setCurrentWidget(w.allocations)
    w.allocations.tree.setCurrentIndex(w.allocations.model.index(0, 0))
    qtbot.wait(50)
    assert strip_enabled(w) is analyst
    if not analyst:
        assert "viewer" in w.scenario_list.buttons["New"].toolTip() or "OMB's" in w.scenario_list.buttons["New"].toolTip()
        assert w.team.hold.held
        assert c.bar.isVisible() and login in c.bar.text.text()
    grab(w, f"team-window-{who}")

    # an edit of a scenario: saved on the server for an analyst; refused up front for the others
    before = w.session.scenario
    edited = before.add_rule(Rule("Fire +1%", Target(department="Fire"), "percent", 1.0))
    version = server_version(team, before.name)
    w.session.edit_scenario(edited, "Fire +1%")
    qtbot.wait(50)
    if analyst:
        assert w.session.undo_stack.count() == 1
        assert server_version(team, before.name) == version + 1
    else:
        assert w.session.undo_stack.count() == 0 and w.session.scenario == before
        assert server_version(team, before.name) == version
        assert w.team.last_message.startswith("Not changed: ")
        assert ("viewer" if who == "viewer" else "Scenarios are OMB's") in w.team.last_message


def test_closing_the_shared_project_stops_the_listener_and_frees_the_controls(qtbot, window, team):
    w = window
    open_shared(qtbot, w, team.url("police"))
    listener = w.team.bridge.listener
    assert listener is not None and listener._thread.is_alive()
    assert not w.scenario_list.buttons["New"].isEnabled()
    w.project_controller.close_project()
    assert w.team.bridge.listener is None and not listener._thread.is_alive()
    assert not w.team.role_label.isVisible()
    assert w.scenario_list.buttons["New"].isEnabled() and not w.team.hold.held
    assert w.session.undo_stack.guard is not None and w.team.project is None


def test_the_recent_list_keeps_the_url_without_the_password(qtbot, window, team, ui_settings):
    from ui.project.recent import recent_project_files

    w = window
    url = team.url("analyst").replace("@", ":s3cret-pw@", 1)  # the test server trusts any password
    open_shared(qtbot, w, url)
    assert recent_project_files()[0] == team.url("analyst")
    assert "s3cret" not in "".join(p.read_text(errors="replace") for p in ui_settings.rglob("*") if p.is_file())
    w.project_controller._fill_recent()
    labels = [a.text() for a in w.project_controller.recent_menu.actions()]
    assert labels[0].endswith("(shared)") and " on 127.0.0.1" in labels[0]


def test_a_server_that_cannot_be_reached_says_so(qtbot, window, team):
    from PySide6.QtWidgets import QMessageBox

    w = window
    url = team.url("analyst").rsplit("/", 1)[0] + "/no_such_database"
    with qtbot.waitSignal(w.project_controller.failed, timeout=30_000) as failed:
        w.team.open(url)
    text = failed.args[0]
    assert "no_such_database" in text and "cannot connect" in text and "Traceback" not in text
    box = w.project_controller.message_box
    assert isinstance(box, QMessageBox) and box.text() == text
    assert w.team.project is None and w.project_controller.project is None
    box.close()


def test_a_manager_edits_its_own_request_twice_and_another_departments_is_refused(qtbot, window, team):
    from dataclasses import replace

    from kcplanner.requests import get_request
    from ui.requests.commands import edit_request

    w = window
    p = open_shared(qtbot, w, team.url("police"))
    police = next(r["request_id"] for r in p.my_requests())
    for title in ("Patrol, first wording", "Patrol, second wording"):   # each over the version saved before it
        edit_request(w.session, police, replace(get_request(w.session.dataset, police), title=title))
        qtbot.wait(50)
        with team.sql("analyst") as c:
            assert c.execute("SELECT title FROM requests WHERE request_id = %s", (police,)).fetchone()[0] == title
    assert w.session.undo_stack.count() == 2
    # a Fire request: the database refuses it; the window says so and undoes it
    fire = next(r["request_id"] for r in p.requests(department="Fire"))
    old_title = get_request(w.session.dataset, fire).title
    edit_request(w.session, fire, replace(get_request(w.session.dataset, fire), title="Police rewrote this"))
    qtbot.waitUntil(lambda: get_request(w.session.dataset, fire).title == old_title, timeout=3000)
    box = w.project_controller.message_box
    assert box.objectName() == "team_refused" and "may not change the requests of Fire" in box.text()
    assert w.team.last_message.startswith("Not saved: ")
    with team.sql("analyst") as c:
        assert c.execute("SELECT title FROM requests WHERE request_id = %s", (fire,)).fetchone()[0] == old_title
    box.close()
