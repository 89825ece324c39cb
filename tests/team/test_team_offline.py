"""The offline round trip: a .kcplan copy taken from the shared project, changed on a laptop, and
its scenario changes brought back as new versions; a scenario changed on the server meanwhile
comes back as a conflict, never overwritten."""

from __future__ import annotations

import pytest

from kcplanner.project import Project
from kcplanner.project.postgres import TeamError, bring_back, keep_mine, settle_copy, take_offline, take_theirs
from kcplanner.scenario import Rule, Scenario, Target


def plus(s: Scenario, label: str) -> Scenario:
    return Scenario(s.name, s.rules + (Rule(label, Target(department="Fire"), "percent", 1.0),), s.funded_requests)


def test_take_a_copy_change_it_offline_and_bring_it_back(team, tmp_path):
    path = tmp_path / "laptop.kcplan"
    with team.open("analyst") as shared:
        take_offline(shared, path).close()
        with Project.open(path) as laptop:   # on the plane: the app works on the file as usual
            assert laptop.scenario_names == ["Baseline", "Police plan"]
            assert len(laptop.dataset.budget.requests) == len(team.dataset.budget.requests)
            laptop.put_scenario(plus(laptop.scenario("Police plan"), "offline police"))
            laptop.put_scenario(plus(laptop.scenario("Baseline"), "offline baseline"))
            laptop.put_scenario(Scenario("Offline idea"))
        with team.open("analyst") as colleague:   # meanwhile, at the office
            colleague.put_scenario(plus(colleague.scenario("Baseline"), "office baseline"))
        report = bring_back(shared, path)
        assert (report.saved, report.created, report.deleted) == (["Police plan"], ["Offline idea"], [])
        assert [c.name for c in report.conflicts] == ["Baseline"]
        conflict = report.conflicts[0]
        assert conflict.theirs.changed_by == team.logins["analyst"] and conflict.expected_version == 1
        assert shared.scenario("Police plan").rules[-1].label == "offline police"
        assert shared.scenario_version("Police plan").version == 2
        assert shared.scenario("Baseline").rules[-1].label == "office baseline"   # not overwritten
        assert shared.history("Police plan")[-1].description.startswith(
            "Brought back from the offline copy laptop.kcplan: Added rule 'offline police'")
        keep_mine(shared, conflict)
        assert shared.scenario("Baseline").rules[-1].label == "offline baseline"
        versions = [h.after["rules"][-1]["label"] for h in shared.history("Baseline") if h.action == "update"]
        assert versions == ["office baseline", "offline baseline"]   # both in the history
        assert "2 saved" not in report.summary() and "1 saved, 1 created" in report.summary()
        again = bring_back(shared, path)   # bringing the same copy twice changes nothing more
        assert (again.saved, again.created, again.conflicts) == ([], [], [])
        assert again.unchanged == ["Baseline", "Police plan", "Offline idea"]


def test_a_conflict_settled_take_theirs_is_not_asked_again_and_a_later_offline_change_saves_over_it(team, tmp_path):
    path = tmp_path / "laptop.kcplan"
    with team.open("analyst") as shared:
        take_offline(shared, path).close()
        with Project.open(path) as laptop:
            laptop.put_scenario(plus(laptop.scenario("Baseline"), "offline baseline"))
        with team.open("analyst") as colleague:
            colleague.put_scenario(plus(colleague.scenario("Baseline"), "office baseline"))
        first = bring_back(shared, path)
        assert [c.name for c in first.conflicts] == ["Baseline"] and first.copy_settled
        take_theirs(shared, first.conflicts[0])
        assert settle_copy(shared, path, ["Baseline"], take_server=["Baseline"])
        settled_at = shared.scenario_version("Baseline").version
        again = bring_back(shared, path)   # the copy still holds its own Baseline: nothing is asked or saved
        assert (again.saved, again.created, again.conflicts) == ([], [], [])
        assert shared.scenario("Baseline").rules[-1].label == "office baseline"
        with Project.open(path) as laptop:   # a later change on the laptop, over what was settled
            assert laptop.scenario("Baseline") == shared.scenario("Baseline")   # the copy took theirs too
            laptop.put_scenario(plus(laptop.scenario("Baseline"), "later offline"))
        later = bring_back(shared, path)
        assert later.saved == ["Baseline"] and later.conflicts == []
        assert shared.scenario_version("Baseline").version == settled_at + 1
        assert [r.label for r in shared.scenario("Baseline").rules][-2:] == ["office baseline", "later offline"]


def test_a_copy_open_elsewhere_is_not_settled_and_says_so(team, tmp_path):
    path = tmp_path / "laptop.kcplan"
    with team.open("analyst") as shared:
        take_offline(shared, path).close()
        with Project.open(path) as laptop:
            laptop.put_scenario(plus(laptop.scenario("Police plan"), "offline police"))
            report = bring_back(shared, path)   # the laptop's window still has the copy open
            assert report.saved == ["Police plan"] and report.copy_settled is False


def test_a_copy_deleted_offline_is_deleted_back_unless_changed(team, tmp_path):
    path = tmp_path / "laptop.kcplan"
    with team.open("analyst") as shared:
        take_offline(shared, path).close()
        with Project.open(path) as laptop:
            laptop.delete_scenario("Baseline")
            laptop.delete_scenario("Police plan")
        shared.put_scenario(plus(shared.scenario("Police plan"), "kept"))
        report = bring_back(shared, path)
        assert report.deleted == ["Baseline"] and [c.name for c in report.conflicts] == ["Police plan"]
        assert shared.scenario_names == ["Police plan"]


def test_only_an_offline_copy_can_be_brought_back(team, city, tmp_path):
    path = tmp_path / "plain.kcplan"
    Project.create(path, city[0], city[1]).close()
    with team.open("analyst") as shared, pytest.raises(TeamError, match="not an offline copy"):
        bring_back(shared, path)
