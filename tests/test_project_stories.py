"""The open budget site's stories kept in the project file: round trip, order, audit rows, merged
typing, Save As, recovery, a file without the table, and an older kcplanner opening a file with it."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from kcplanner.project import FORMAT_VERSION, READ_COMPAT_VERSION, Project, ProjectError
from kcplanner.project.stories import MAX_SLUG, Story, slugify, unique_slug
from kcplanner.scenario import Scenario

from .test_project import simulate_crash, small  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[1]
BEFORE_STORIES = "4e9c9a5"  # the last commit of kcplanner without the stories table


def test_slugs_are_page_addresses_made_from_titles():
    assert slugify("Where the money goes (FY2027)") == "where-the-money-goes-fy2027"
    assert slugify("  Café — Parks & Rec  ") == "cafe-parks-rec"
    assert slugify("¿?") == "story"
    assert len(slugify("x" * 500)) == MAX_SLUG
    assert unique_slug("Parks", ["parks", "parks-2"]) == "parks-3"
    assert unique_slug("Parks", []) == "parks"
    long = unique_slug("y" * 80, ["y" * MAX_SLUG])
    assert long == "y" * (MAX_SLUG - 2) + "-2"


def test_stories_round_trip_in_order_with_audit_rows(small, tmp_path):  # noqa: F811
    path = tmp_path / "s.kcplan"
    with Project.create(path, small, scenarios=[Scenario("S")]) as p:
        assert p.stories() == [] and p.unsaved_edits == 0
        a = p.add_story("Where the money goes", "# Money\n\nMost of it goes to **Police**.")
        b = p.add_story("Parks", "Trees.")
        c = p.add_story("Parks", "More trees.", index=0)  # same title: its own address, first in the list
        assert (a.slug, b.slug, c.slug) == ("where-the-money-goes", "parks", "parks-2")
        assert [s.slug for s in p.stories()] == ["parks-2", "where-the-money-goes", "parks"]
        entry = p.history()[-1]
        assert (entry.action, entry.scenario, entry.before) == ("data", None, None)
        assert entry.description == "Added story 'Parks'"
        assert entry.after == {"slug": "parks-2", "title": "Parks", "markdown": "More trees.", "position": 1}
        assert p.unsaved_edits == 3
        seq = p.update_story("parks", title="Parks and trees")
        assert p.history()[-1].seq == seq
        assert p.history()[-1].description == "Renamed story 'Parks' → 'Parks and trees'"
        assert p.history()[-1].before["title"] == "Parks" and p.history()[-1].after["title"] == "Parks and trees"
        assert p.update_story("parks", title="Parks and trees") is None  # no change: no row
        p.update_story("where-the-money-goes", markdown="# Money\n\nChanged.")
        assert p.history()[-1].description == "Edited the text of story 'Where the money goes'"
        p.reorder_stories(["where-the-money-goes", "parks-2", "parks"])
        assert p.history()[-1].description == "Moved story 'Where the money goes' from position 2 to 1"
        assert p.history()[-1].before == {"order": ["parks-2", "where-the-money-goes", "parks"]}
        p.reorder_stories(["parks", "parks-2", "where-the-money-goes"])  # two moved
        assert p.history()[-1].description == "Reordered the stories"
        assert p.reorder_stories(["parks", "parks-2", "where-the-money-goes"]) is None
        p.remove_story("parks-2")
        assert p.history()[-1].description == "Removed story 'Parks'"
        assert p.history()[-1].before["markdown"] == "More trees."  # the audit keeps the removed text
        assert p.unsaved_edits == 8
        expected = [Story("parks", "Parks and trees", "Trees."),
                    Story("where-the-money-goes", "Where the money goes", "# Money\n\nChanged.")]
        assert p.stories() == expected
    with Project.open(path, read_only=True) as p:
        assert p.stories() == expected
        with pytest.raises(ProjectError, match="read-only"):
            p.add_story("No", "")


def test_bad_stories_are_refused_in_words(small, tmp_path):  # noqa: F811
    with Project.create(tmp_path / "bad.kcplan", small) as p:
        p.add_story("Parks", "x")
        with pytest.raises(ProjectError, match="needs a title"):
            p.add_story("   ")
        with pytest.raises(ProjectError, match="already has the page address 'parks'"):
            p.add_story("Other", slug="parks")
        with pytest.raises(ProjectError, match="cannot be a story's page address"):
            p.add_story("Other", slug="Not A Slug")
        with pytest.raises(ProjectError, match="no story has the page address 'nope'"):
            p.update_story("nope", markdown="x")
        with pytest.raises(ProjectError, match="at most 200 characters"):
            p.update_story("parks", title="t" * 201)
        with pytest.raises(ProjectError, match="must name every story once"):
            p.reorder_stories(["parks", "parks"])
        with pytest.raises(ProjectError, match="no story"):
            p.remove_story("nope")
        assert p.stories() == [Story("parks", "Parks", "x")]
        assert [h.description for h in p.history() if h.action == "data"] == ["Added story 'Parks'"]


def test_typing_with_one_merge_key_is_one_audit_row(small, tmp_path):  # noqa: F811
    with Project.create(tmp_path / "t.kcplan", small) as p:
        p.add_story("Parks")
        first = p.update_story("parks", markdown="T", merge_key="story-text:parks:1")
        for text in ("Tr", "Tre", "Tree"):
            assert p.update_story("parks", markdown=text, merge_key="story-text:parks:1") == first
        rows = [h for h in p.history() if h.action == "data"]
        assert len(rows) == 2 and rows[-1].before["markdown"] == "" and rows[-1].after["markdown"] == "Tree"
        second = p.update_story("parks", markdown="Trees", merge_key="story-text:parks:2")  # after a pause
        assert second > first
        p.save()
        third = p.update_story("parks", markdown="Trees!", merge_key="story-text:parks:2")  # a save ends a row
        assert third > second
        assert p.stories()[0].markdown == "Trees!"


def test_save_as_and_a_crash_keep_the_stories(small, tmp_path):  # noqa: F811
    path, copy = tmp_path / "a.kcplan", tmp_path / "b.kcplan"
    with Project.create(path, small) as p:
        p.add_story("Parks", "Trees.")
        p.save_as(copy)
        assert p.path == copy
        p.update_story("parks", markdown="Only in the copy.")
    with Project.open(path) as p:
        assert p.stories() == [Story("parks", "Parks", "Trees.")]
    p = Project.open(copy)
    p.add_story("Police", "Officers.")
    simulate_crash(p)  # no clean close: the edits are in the file's journal
    with Project.open(copy, take_over=True) as again:
        assert again.recovered is not None
        assert again.stories() == [Story("parks", "Parks", "Only in the copy."), Story("police", "Police", "Officers.")]


def test_a_file_without_the_stories_table_has_no_stories(small, tmp_path):  # noqa: F811
    path = tmp_path / "old.kcplan"
    Project.create(path, small, scenarios=[Scenario("S")]).close()
    con = sqlite3.connect(path)
    con.execute("DROP TABLE stories")  # a file written before stories were kept
    con.commit()
    con.close()
    data = path.read_bytes()
    with Project.open(path, read_only=True) as p:  # read-only: nothing created, nothing written
        assert p.stories() == []
    assert path.read_bytes() == data
    with Project.open(path) as p:  # for writing: the table is added, the format version stays
        assert p.stories() == []
        p.add_story("Parks", "Trees.")
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION == 1
    assert dict(con.execute("SELECT key, value FROM meta"))["read_compat_version"] == str(READ_COMPAT_VERSION) == "1"
    con.close()
    with Project.open(path, read_only=True) as p:
        assert p.stories() == [Story("parks", "Parks", "Trees.")]


OLD_READER = """
import sys
import kcplanner
from kcplanner.project import Project
from kcplanner.scenario import Scenario
p = Project.open(sys.argv[1])
assert p.scenario_names == ["S"], p.scenario_names
p.put_scenario(Scenario("Added by the older kcplanner"))
p.save_as(sys.argv[2])
p.close()
print("opened", kcplanner.__file__)
"""


def _older_kcplanner(target: Path) -> Path | None:
    """kcplanner as it was before the stories table (from the repository's history), or None."""
    if shutil.which("git") is None:
        return None
    run = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE_STORIES, "kcplanner"], capture_output=True)
    if run.returncode != 0:
        return None
    with tarfile.open(fileobj=io.BytesIO(run.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def test_an_older_kcplanner_opens_a_file_with_stories_and_keeps_them(small, tmp_path):  # noqa: F811
    old = _older_kcplanner(tmp_path / "old-kcplanner")
    if old is None:
        pytest.skip("the repository's history (git) is not available")
    assert "stories" not in (old / "kcplanner" / "project" / "schema.py").read_text()
    path, copy = tmp_path / "new.kcplan", tmp_path / "copy.kcplan"
    with Project.create(path, small, scenarios=[Scenario("S")]) as p:
        p.add_story("Parks", "Trees.")
    env = {**os.environ, "PYTHONPATH": str(old)}
    run = subprocess.run([sys.executable, "-c", OLD_READER, str(path), str(copy)], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=120)
    assert run.returncode == 0 and run.stdout.split()[0] == "opened", run.stderr
    assert Path(run.stdout.split(maxsplit=1)[1].strip()).is_relative_to(old)  # the older code ran
    with Project.open(copy) as p:
        assert p.stories() == [Story("parks", "Parks", "Trees.")]
        assert p.scenario_names == ["S", "Added by the older kcplanner"]


def test_the_publish_command_shows_the_stories_kept_in_the_project(tmp_path, plan_book, budget_book):
    """The app's stories, in their order, on the site `kcplanner publish --project` writes."""
    from kcplanner.cli import main
    from kcplanner.readers import read_dataset

    path = tmp_path / "city.kcplan"
    with Project.create(path, read_dataset(plan_book, [budget_book]).dataset) as p:
        p.add_story("Budget basics", "Where it **goes**:\n\n{{chart: city-spending}}\n")
        p.add_story("Before the basics", "First.", index=0)
    out = tmp_path / "site"
    assert main(["publish", "--plan", str(plan_book), "--budget", str(budget_book), "--project", str(path),
                 "--out", str(out)]) == 0
    page = (out / "stories" / "budget-basics.html").read_text(encoding="utf-8")
    assert "<h1>Budget basics</h1>" in page and "<strong>goes</strong>" in page and 'id="city-spending"' in page
    listing = (out / "stories" / "index.html").read_text(encoding="utf-8")
    assert 0 < listing.index("Before the basics") < listing.index("Budget basics")
