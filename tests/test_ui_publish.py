"""File > Publish… on the real main window with the sample (pytest-qt, headless): the dialog (the
folder remembered, the current scenario, what happens to the folder, stories naming charts the
budget lacks), the site written off the GUI thread with the project's stories, Open in browser,
progress after a short delay, Cancel, and failures in words."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PySide6.QtCore import QUrl

from kcplanner.publish import SITE_MARKER
from kcplanner.publish.options import PublishCancelled
from kcplanner.scenario import Scenario
from tests.conftest_ui import *  # noqa: F401,F403 - fixtures
from ui.common import settings as st
from ui.publish.controller import KEY_FOLDER
from ui.publish.dialog import SUBFOLDER, folder_state
from ui.common.progress import PROGRESS_DELAY_MS


def publish_and_wait(qtbot, w, folder, scenario=None, timeout=120_000):
    with qtbot.waitSignal(w.publisher.publishFinished, timeout=timeout) as blocker:
        assert w.publisher.publish(str(folder), scenario) is not None
    return blocker.args[0]


def test_what_publishing_does_to_a_folder_in_words(tmp_path):
    assert folder_state("") == (False, "Choose the folder the site goes into.")
    assert folder_state(str(tmp_path / "new")) == (True, "A new folder is made for the site.")
    assert folder_state(str(tmp_path / "no" / "such")) == (False, f"The folder {tmp_path / 'no'} does not exist.")
    (tmp_path / "mine").mkdir()
    assert folder_state(str(tmp_path / "mine"))[1] == "The site is written into this empty folder."
    (tmp_path / "mine" / "budget.xlsx").write_bytes(b"x")
    ok, words = folder_state(str(tmp_path / "mine"))
    assert not ok and "holds other files" in words
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / SITE_MARKER).write_text("{}")
    (tmp_path / "site" / "index.html").write_text("old")
    assert folder_state(str(tmp_path / "site")) == (True, "The site published here before is replaced.")
    (tmp_path / "file").write_text("x")
    assert not folder_state(str(tmp_path / "file"))[0]


def test_the_dialog_remembers_the_folder_and_starts_on_the_current_scenario(qtbot, loaded, tmp_path):
    w = loaded
    s = w.session
    s.add_scenario(Scenario("Police plan"), "New scenario")
    s.select_scenario(0)
    st.set_value(KEY_FOLDER, str(tmp_path / "site"))
    dlg = w.publisher.publish_dialog()
    qtbot.addWidget(dlg)
    assert dlg.folder() == str(tmp_path / "site") and dlg.publish_button.isEnabled()
    assert dlg.scenario_name() == s.scenario.name == s.scenarios[0].name
    assert [dlg.scenario_box.itemText(i) for i in range(dlg.scenario_box.count())] == [x.name for x in s.scenarios]
    assert dlg.scenario_box.count() == 2
    assert "None yet" in dlg.stories_note.text()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "memo.txt").write_text("x")
    dlg.set_folder(str(tmp_path / "docs"))  # a folder of other files: the site goes in a subfolder of it
    assert dlg.folder() == str(tmp_path / "docs" / SUBFOLDER) and dlg.publish_button.isEnabled()
    dlg.folder_edit.setText(str(tmp_path / "docs"))  # typed: refused in words
    assert not dlg.publish_button.isEnabled() and "holds other files" in dlg.folder_note.text()
    dlg.reject()


def test_a_story_naming_a_missing_chart_stops_the_dialog_in_words(qtbot, loaded):
    panel = loaded.stories
    slug = panel.add("Funds")
    panel.editor.text.setPlainText("{{chart: fund-outlook:Nowhere Fund}}")
    assert panel.book.find(slug).markdown.startswith("{{chart")
    dlg = loaded.publisher.publish_dialog()
    qtbot.addWidget(dlg)
    assert not dlg.publish_button.isEnabled()
    assert "Story “Funds”: Line 1: there is no chart named “fund-outlook:Nowhere Fund”" in dlg.problems_note.text()
    assert "1 story: “Funds”" in dlg.stories_note.text()
    dlg.reject()


def test_publish_writes_the_site_with_the_stories_and_opens_it(qtbot, loaded, tmp_path, monkeypatch):
    w, panel = loaded, loaded.stories
    slug = panel.add("Safer streets")
    panel.editor.text.setPlainText("Two more **officers** on every shift.\n\n{{chart: city-spending}}\n")
    out = tmp_path / "open budget"
    report = publish_and_wait(qtbot, w, out)
    assert report is not None and Path(report.out_dir) == out
    index = out / "index.html"
    assert index.is_file() and (out / SITE_MARKER).is_file()
    html_files = list(out.rglob("*.html"))
    assert report.pages == len(html_files) > 0
    assert f"{report.pages:,} page" in w.publisher.box.text() and str(out) in w.publisher.box.text()
    assert st.get_str(KEY_FOLDER, "") == str(out)
    opened = []
    monkeypatch.setattr("ui.publish.controller.QDesktopServices.openUrl", lambda url: opened.append(url) or True)
    w.publisher.open_button.click()
    assert opened == [QUrl.fromLocalFile(str(index.resolve()))]
    story_page = out / "stories" / f"{slug}.html"  # the address the Stories tab shows
    assert panel.editor.address.text() == f"Page: stories/{slug}.html"
    page = story_page.read_text(encoding="utf-8")
    assert "<h1>Safer streets</h1>" in page and "Two more <strong>officers</strong> on every shift." in page
    assert 'id="city-spending"' in page  # the chart the story names, in its place
    assert "Safer streets" in (out / "stories" / "index.html").read_text(encoding="utf-8")
    w.publisher.box.close()
    # again into the same folder: the earlier site is replaced
    panel.rename(slug, "Safer streets, FY2027")
    report = publish_and_wait(qtbot, w, out)
    assert report is not None and "<h1>Safer streets, FY2027</h1>" in story_page.read_text(encoding="utf-8")


def test_a_folder_of_other_files_is_refused_in_words(qtbot, loaded, tmp_path):
    w = loaded
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "budget.xlsx").write_bytes(b"keep me")
    assert publish_and_wait(qtbot, w, tmp_path / "mine") is None
    text = w.publisher.box.text()
    assert "did not write" in text and "Traceback" not in text and not w.publisher.box.detailedText()
    assert (tmp_path / "mine" / "budget.xlsx").read_bytes() == b"keep me"


def test_an_unexpected_error_is_said_in_words(qtbot, loaded, tmp_path):
    w = loaded

    def broken(*_a, **_k):
        raise KeyError("fund")
    w.publisher.publish_function = broken
    assert publish_and_wait(qtbot, w, tmp_path / "site") is None
    text = w.publisher.box.text()
    assert text.startswith("The site could not be published because of an unexpected error in kcplanner (KeyError")
    assert "Traceback" not in text and not w.publisher.box.detailedText()


def test_progress_shows_after_a_short_delay_and_cancel_stops(qtbot, loaded, tmp_path):
    """The publish call injected: a slow one that reports progress and stops when cancelled, as
    publish_site does (PublishCancelled)."""
    w = loaded
    seen = {}
    started = threading.Event()

    def slow(dataset, scenario, out_dir, *, stories, progress, cancelled, prepared):
        seen.update(dataset=dataset, scenario=scenario, stories=stories, prepared=prepared)
        started.set()
        for k in range(600):
            if cancelled():
                raise PublishCancelled("cancelled")
            progress(k, 600, f"departments/{k}.html")
            time.sleep(0.01)
        raise AssertionError("not cancelled")
    w.publisher.publish_function = slow
    w.stories.add("One")
    with qtbot.waitSignal(w.publisher.publishFinished, timeout=30_000) as blocker:
        w.publisher.publish(str(tmp_path / "site"))
        assert started.wait(10)
        qtbot.waitUntil(lambda: w.publisher.progress is not None and w.publisher.progress.isVisible(),
                        timeout=PROGRESS_DELAY_MS + 3000)
        assert "Writing departments/" in w.publisher.progress.labelText()
        w.publisher.progress.cancel()
    assert blocker.args[0] is None
    assert "cancelled" in w.statusBar().currentMessage()
    assert seen["scenario"] == w.session.scenario and seen["dataset"] is w.session.dataset
    assert seen["prepared"] is w.session.prepared
    assert seen["stories"] == [{"slug": "one", "title": "One", "markdown": "", "charts": []}]
    assert not (tmp_path / "site").exists()
