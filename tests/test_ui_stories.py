"""The Stories tab on the real main window with the sample (pytest-qt, headless): a story added,
typed (one undo step per pause), undone and redone, its preview, the Insert chart list and the
warning for a chart the budget does not have, the stories kept in the project file (autosaved,
audited, reopened, the untitled session), and the Undo keys in the text box."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from kcplanner.project.stories import Story
from kcplanner.publish import available_charts
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from ui.stories.book import StoriesCommand
from ui.stories.charts import headings_under_title
from ui.stories.editor import PAUSE_MS, PREVIEW_DELAY_MS


def create_project(qtbot, w, path):
    c = w.project_controller
    with qtbot.waitSignal(c.opened, timeout=30_000):
        c.new_project(path)
    return c.project


def type_text(qtbot, panel, text: str) -> None:
    """Type as a person does (Return for a new line)."""
    panel.editor.text.setFocus()
    for k, line in enumerate(text.split("\n")):
        if k:
            qtbot.keyClick(panel.editor.text, Qt.Key.Key_Return)
        if line:
            qtbot.keyClicks(panel.editor.text, line)


def headings(document) -> list[tuple[int, str]]:
    """(level, text) of the headings of a QTextDocument."""
    out, block = [], document.begin()
    while block.isValid():
        level = block.blockFormat().headingLevel()
        if level:
            out.append((level, block.text()))
        block = block.next()
    return out


def test_the_preview_sets_the_story_headings_under_its_title():
    text = "# A\n## B\n    # code\n```\n# in a fence\n```\n###### six\nnot # a heading\n#tag"
    assert headings_under_title(text) == ("## A\n### B\n    # code\n```\n# in a fence\n```\n###### six\n"
                                          "not # a heading\n#tag")


def test_the_stories_tab_and_publish_are_registered(window):
    texts = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert texts[-3:] == ["Evidence", "Stories", "History"]
    view = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "View")
    keys = {a.text(): a.shortcut().toString() for a in view.actions()}
    assert keys["Evidence"] == "Ctrl+0" and keys["Stories"] == "" and keys["Review"] == "Ctrl+9"
    file_menu = window.menu("File")
    texts = [a.text().replace("&", "") for a in file_menu.actions()]
    assert "Publish…" in texts and texts.index("Publish…") < texts.index("Quit")
    assert not window.stories.new_button.isEnabled()  # nothing loaded: nothing to write about
    assert "No stories yet" in window.stories.empty.text()


def test_add_type_undo_redo_and_the_preview(qtbot, loaded):
    w, panel = loaded, loaded.stories
    stack = w.session.undo_stack
    w.tabs.setCurrentWidget(panel)
    assert panel.new_button.isEnabled()
    slug = panel.add("Where the money goes")
    assert slug == "where-the-money-goes" and panel.current_slug == slug
    assert stack.command(stack.index() - 1).text() == "New story 'Where the money goes'"
    before = stack.index()
    type_text(qtbot, panel, "# Police\n\nMore officers.")
    assert stack.index() == before + 1  # the whole burst of typing is one undo step
    assert panel.book.find(slug).markdown == "# Police\n\nMore officers."
    # the story's title heads the preview and its own headings sit one level under it, as on the site
    qtbot.waitUntil(lambda: headings(panel.editor.preview.document()) == [(1, "Where the money goes"), (2, "Police")],
                    timeout=3000)
    assert "More officers." in panel.editor.preview.toPlainText()
    w.undo_action.trigger()
    assert panel.book.find(slug).markdown == "" and panel.editor.text.toPlainText() == ""
    qtbot.wait(PREVIEW_DELAY_MS + 50)
    assert headings(panel.editor.preview.document()) == [(1, "Where the money goes")]
    w.redo_action.trigger()
    assert panel.editor.text.toPlainText() == "# Police\n\nMore officers."
    # a pause ends the step: the next keystrokes are a new one
    qtbot.wait(PAUSE_MS + 200)
    panel.editor.text.moveCursor(panel.editor.text.textCursor().MoveOperation.End)
    type_text(qtbot, panel, " Fast.")
    assert stack.index() == before + 2
    w.undo_action.trigger()
    assert panel.book.find(slug).markdown == "# Police\n\nMore officers."
    w.undo_action.trigger()
    w.undo_action.trigger()  # the story itself
    assert panel.book.stories == () and panel.pages.currentWidget() is panel.empty


def test_rename_move_remove_are_undoable_and_the_address_stays(loaded):
    panel, stack = loaded.stories, loaded.session.undo_stack
    a, b, c = panel.add("Parks"), panel.add("Police"), panel.add("Parks")
    assert [s.slug for s in panel.book.stories] == ["parks", "police", "parks-2"] and c == "parks-2"
    panel.rename(a, "Parks and trees")
    assert panel.book.find("parks").title == "Parks and trees"
    assert panel.list.item(0).text() == "Parks and trees"
    panel.move(c, -2)
    assert panel.book.slugs == ["parks-2", "parks", "police"] and panel.current_slug == c
    assert not panel.up_button.isEnabled() and panel.down_button.isEnabled()
    panel.remove(b)
    assert panel.book.slugs == ["parks-2", "parks"]
    for _ in range(3):
        stack.undo()
    assert panel.book.stories == (Story("parks", "Parks"), Story("police", "Police"), Story("parks-2", "Parks"))


def test_insert_chart_and_the_warning_for_a_chart_the_budget_lacks(qtbot, loaded):
    w, panel = loaded, loaded.stories
    stack = w.session.undo_stack
    charts = available_charts(w.session.dataset)
    assert [panel.editor.chart_box.itemData(i) for i in range(panel.editor.chart_box.count())] == [n for n, _ in charts]
    slug = panel.add("Funds")
    type_text(qtbot, panel, "Intro")
    fund = next(n for n, _ in charts if n.startswith("fund-outlook:"))
    panel.editor.chart_box.setCurrentIndex(panel.editor.chart_box.findData(fund))
    before = stack.index()
    qtbot.mouseClick(panel.editor.insert_button, Qt.MouseButton.LeftButton)
    assert panel.book.find(slug).markdown == "Intro\n{{chart: " + fund + "}}\n"
    assert stack.index() == before + 1 and stack.command(before).text().startswith("Insert chart “Five-year outlook")
    qtbot.waitUntil(lambda: "Chart: Five-year outlook" in panel.editor.preview.toPlainText(), timeout=3000)
    assert panel.editor.warning.isHidden() and panel.problems() == {}
    type_text(qtbot, panel, "{{chart: fund-outlook:Nowhere Fund}}")
    qtbot.waitUntil(lambda: not panel.editor.warning.isHidden(), timeout=3000)
    assert "Line 3: there is no chart named “fund-outlook:Nowhere Fund” in this budget." in panel.editor.warning.text()
    assert "No chart named" in panel.editor.preview.toPlainText()
    assert [p.name for p in panel.problems()["Funds"]] == ["fund-outlook:Nowhere Fund"]
    site = panel.for_site()[0]
    assert site["charts"] == [fund, "fund-outlook:Nowhere Fund"] and site["slug"] == slug


def test_the_stories_go_into_the_project_file_and_come_back(qtbot, loaded, tmp_path):
    w, panel, c = loaded, loaded.stories, loaded.project_controller
    panel.add("Made before the project")  # the untitled session starts; the named project receives the story
    qtbot.waitUntil(lambda: c.project is not None, timeout=30_000)
    assert c.is_untitled and c.project.stories() == [Story("made-before-the-project", "Made before the project")]
    path = tmp_path / "city.kcplan"
    c.new_project(path)  # names the untitled session (Save As)
    qtbot.waitUntil(lambda: c.project is not None and c.project.path == path and not c.busy, timeout=30_000)
    project = c.project
    assert project.stories() == [Story("made-before-the-project", "Made before the project")]
    slug = panel.add("Safer streets")
    type_text(qtbot, panel, "Two more officers.")
    assert project.stories()[-1] == Story("safer-streets", "Safer streets", "Two more officers.")
    rows = [h for h in project.history() if h.action == "data"]
    assert [r.description for r in rows[-2:]] == ["Added story 'Safer streets'",
                                                   "Edited the text of story 'Safer streets'"]
    panel.move(slug, -1)
    assert [s.slug for s in project.stories()] == ["safer-streets", "made-before-the-project"]
    w.session.undo_stack.undo()
    assert [s.slug for s in project.stories()] == ["made-before-the-project", "safer-streets"]
    assert project.history()[-1].description.startswith("Undo “Move story 'Safer streets' up”")
    assert c.save_action.isEnabled()  # the stories are edits like any other
    c._detach()
    assert panel.book.stories  # closing the file leaves the tab as it was
    with qtbot.waitSignal(c.opened, timeout=30_000):
        c.open_project(path)
    assert panel.book.slugs == ["made-before-the-project", "safer-streets"]
    assert panel.book.find("safer-streets").markdown == "Two more officers."
    assert w.session.undo_stack.count() == 0


def test_new_project_receives_the_stories_of_the_tab(qtbot, loaded, tmp_path):
    w, panel, c = loaded, loaded.stories, loaded.project_controller
    c.autosave_untitled = False  # no untitled session: New Project creates the file from the window
    panel.add("Parks")
    panel.editor.text.setPlainText("Trees.")
    path = tmp_path / "parks.kcplan"
    project = create_project(qtbot, w, path)
    assert project.stories() == [Story("parks", "Parks", "Trees.")]
    assert [h.description for h in project.history() if h.action == "data"] == ["Added story 'Parks'"]


def test_other_workbooks_start_without_stories(qtbot, loaded, sample_loaded):
    panel = loaded.stories
    panel.add("Old")
    workbooks, prepared, report = sample_loaded
    loaded.session.set_data(prepared, report, workbooks)
    qtbot.waitUntil(lambda: panel.book.stories == (), timeout=3000)


def test_a_story_with_no_project_starts_the_untitled_session(qtbot, loaded, kcplanner_data_dir):
    panel, c = loaded.stories, loaded.project_controller
    assert c.project is None
    with qtbot.waitSignal(c.opened, timeout=30_000):
        panel.add("Autosaved")
    assert c.is_untitled
    assert c.project.stories() == [Story("autosaved", "Autosaved")]


def test_ctrl_z_in_the_text_box_is_the_window_undo(qtbot, loaded):
    w, panel = loaded, loaded.stories
    w.activateWindow()
    w.tabs.setCurrentWidget(panel)
    slug = panel.add("Keys")
    type_text(qtbot, panel, "abc")
    QApplication.processEvents()
    assert isinstance(w.session.undo_stack.command(w.session.undo_stack.index() - 1), StoriesCommand)
    qtbot.keySequence(panel.editor.text, QKeySequence(QKeySequence.StandardKey.Undo))
    qtbot.waitUntil(lambda: panel.book.find(slug).markdown == "", timeout=2000)
    assert panel.editor.text.toPlainText() == ""


def test_a_text_too_long_is_refused_in_words(loaded, monkeypatch):
    monkeypatch.setattr("kcplanner.project.stories.MAX_MARKDOWN", 10)
    w, panel = loaded, loaded.stories
    slug = panel.add("Short")
    panel.editor.text.setPlainText("0123456789")
    panel.editor.text.setPlainText("0123456789 and more")
    assert panel.book.find(slug).markdown == "0123456789" and panel.editor.text.toPlainText() == "0123456789"
    assert "too long (19 characters; at most 10)" in w.statusBar().currentMessage()
