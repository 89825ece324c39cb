"""The project file: exact round trip, audit trail, save points, recovery, Save As, bad files, re-import."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kcplanner.dataset import (REQUEST_COLUMNS, SOURCE_COLUMNS, Budget, Dataset, Plan, PlanSettings,
                               LINE_ITEM_KEYS)
from kcplanner.engine import evaluate, prepare
from kcplanner.project import (FORMAT_VERSION, NewerFormatError, Project, ProjectError, ProjectInUse, describe_change, diff_datasets,
                               export_history_rows, inspect_project)
from kcplanner.project import project as project_module
from kcplanner.project.store import frame_names, get_frame
from kcplanner.scenario import Rule, Scenario, Target

from .test_project_frames import assert_exact


# -- data ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A small sample city read from its workbooks: (dataset, SampleFiles)."""
    from kcplanner.readers import read_dataset
    from kcplanner.sample import write_sample

    folder = tmp_path_factory.mktemp("sample")
    files = write_sample(folder, lines=1000, seed=3)
    result = read_dataset(files.plan, files.budgets)
    assert result.dataset is not None, result.report.to_text()
    return result.dataset, files


def sample_scenarios(dataset: Dataset, count: int = 20) -> list[Scenario]:
    depts = list(dataset.budget.line_items["department"].cat.categories)
    programs = dataset.budget.line_items[["department", "program"]].drop_duplicates().astype(str).values.tolist()
    funds = list(dataset.budget.line_items["fund"].cat.categories)
    sources = list(dataset.plan.revenue["source"].astype(str)) if len(dataset.plan.revenue) else []
    requests = list(dataset.budget.requests["request_id"].astype(str))
    y1 = dataset.first_plan_year
    out = []
    for i in range(count):
        d, (pd_, pp) = depts[i % len(depts)], programs[i % len(programs)]
        rules = [Rule(f"{d} +{i}%", Target(department=d), "percent", float(i)),
                 Rule(f"{pp} $", Target(department=pd_, program=pp), "amount", 10000.0 * (i + 1), y1 + 1, y1 + 3),
                 Rule("fund cut", Target(fund=funds[i % len(funds)]), "percent", -1.5, start=y1 + 2)]
        if i % 3 == 0:
            rules.append(Rule("FTE", Target(department=pd_, program=pp), "fte", 2.0))
        if sources and i % 4 == 0:
            rules.append(Rule("Revenue", Target(revenue_source=sources[i % len(sources)]), "percent", 2.0))
        out.append(Scenario(f"Scenario {i:02d}", tuple(rules), tuple(requests[: i % 6])))
    return out


def make_dataset(lines, requests=(), plan_settings=None) -> Dataset:
    """A hand-made dataset.  lines: (fund, dept, program, account, class, recurring, {(fy, phase): amount});
    requests: (id, dept, program, fund, title, type, {fy: cost})."""
    li = pd.DataFrame([list(l[:6]) + [f"{l[1].lower()}.xlsx", "Line Items", 5 + i] for i, l in enumerate(lines)],
                      columns=LINE_ITEM_KEYS + SOURCE_COLUMNS)
    cols = sorted({k for l in lines for k in l[6]})
    amounts = pd.DataFrame([[l[6].get(c, np.nan) for c in cols] for l in lines], dtype=float,
                           columns=pd.MultiIndex.from_tuples(cols, names=["fiscal_year", "phase"]))
    req = pd.DataFrame([[r[0], r[1], r[2], r[3], r[4], r[5], "Personnel Services", True, 1.0, "", None, 1.0,
                         "x.xlsx", "Requests", 3 + i] for i, r in enumerate(requests)],
                       columns=REQUEST_COLUMNS + SOURCE_COLUMNS)
    years = sorted({y for r in requests for y in r[6]})
    costs = pd.DataFrame([[r[6].get(y, np.nan) for y in years] for r in requests], columns=years, dtype=float,
                         index=pd.Index([r[0] for r in requests], name="request_id"))
    settings = plan_settings or PlanSettings(first_plan_year=2027)
    ds = Dataset(plan=Plan(settings=settings), budget=Budget(line_items=li, amounts=amounts, requests=req,
                                                            request_costs=costs), sources=["x.xlsx"])
    return ds.unify()


BASE_LINES = [
    ("General", "Police", "Patrol", "5110 Salaries", "Personnel Services", True, {(2026, "Adopted"): 100.0, (2027, "Requested"): 120.0}),
    ("General", "Police", "Patrol", "5300 Fuel", "Commodities", True, {(2026, "Adopted"): 50.0}),
    ("General", "Police", "Investigations", "Overtime", "Personnel Services", False, {(2026, "Adopted"): 6.0}),
    ("General", "Public Works", "Streets", "Asphalt", "Capital Outlay", True, {(2026, "Adopted"): 310.0}),
    ("Water", "Water", "Treatment", "Chemicals", "Commodities", True, {(2026, "Adopted"): 80.0, (2027, "Requested"): 82.0}),
]
BASE_REQUESTS = [
    ("R1", "Police", "Patrol", "General", "More officers", "Enhancement", {2027: 200000.0, 2028: 206000.0}),
    ("R2", "Public Works", "Streets", "General", "Cut mowing", "Reduction", {2027: 5000.0}),
]


@pytest.fixture
def small():
    return make_dataset(BASE_LINES, BASE_REQUESTS)


def simulate_crash(project: Project) -> None:
    """Drop a project the way a killed process does: no session cleanup, no checkpoint."""
    project._conn.close()
    project._closed = True
    with project_module._REGISTRY_LOCK:
        project_module._OPEN_FOR_WRITING.discard(project._registered)
    if getattr(project, "_os_lock", None) is not None:  # the OS frees a dead process's lock; its file stays
        project._os_lock.release(remove=False)


def assert_same_dataset(a: Dataset, b: Dataset) -> None:
    assert frame_names(a) == frame_names(b)
    for name in frame_names(a):
        assert_exact(get_frame(a, name), get_frame(b, name))
    assert dataclasses.asdict(a.plan.settings) == dataclasses.asdict(b.plan.settings)
    assert a.sources == b.sources


def assert_same_results(x, y, where="results") -> None:
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        for f in dataclasses.fields(x):
            if f.name.startswith("_") or f.name == "scenario":
                continue
            assert_same_results(getattr(x, f.name), getattr(y, f.name), f"{where}.{f.name}")
    elif isinstance(x, np.ndarray):
        assert x.shape == y.shape and x.dtype == y.dtype, where
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), where
        else:
            assert np.array_equal(x, y), where
    elif isinstance(x, (list, tuple)):
        assert len(x) == len(y), where
        for i, (u, v) in enumerate(zip(x, y)):
            assert_same_results(u, v, f"{where}[{i}]")
    else:
        assert x == y or (x != x and y != y), where


# -- round trip ------------------------------------------------------------------------------------

def test_save_and_reopen_gives_identical_data_and_results(sample, tmp_path):
    dataset, files = sample
    scenarios = sample_scenarios(dataset)
    path = tmp_path / "city.kcplan"
    with Project.create(path, dataset, files, scenarios=scenarios, mappings=[{"table": "line_items"}]) as p:
        assert p.scenario_names == [s.name for s in scenarios]
    assert not Path(str(path) + "-wal").exists()  # closed: one self-contained file
    with Project.open(path) as p:
        assert p.recovered is None and p.unsaved_edits == 0
        assert p.scenarios == scenarios
        assert p.mappings == [{"table": "line_items"}]
        assert [s.role for s in p.sources] == ["plan"] + ["budget"] * len(files.budgets)
        assert p.changed_sources() == []
        assert p.import_arguments().plan == Path(files.plan).resolve()
        reopened = p.dataset
    assert_same_dataset(dataset, reopened)
    before, after = prepare(dataset), prepare(reopened)
    for s in scenarios:
        assert_same_results(evaluate(before, s), evaluate(after, s), s.name)


def test_put_rename_delete_and_order(small, tmp_path):
    with Project.create(tmp_path / "p.kcplan", small) as p:
        p.put_scenario(Scenario("B"))
        p.put_scenario(Scenario("A"))
        p.put_scenario(Scenario("C", funded_requests=("R1",)))
        assert p.scenario_names == ["B", "A", "C"]  # creation order
        p.move_scenario("C", 0)
        assert p.scenario_names == ["C", "B", "A"]
        p.rename_scenario("B", "B2")
        with pytest.raises(ProjectError, match="already exists"):
            p.rename_scenario("A", "c")  # names are unique ignoring case
        with pytest.raises(ProjectError, match="already exists"):
            p.record_edit("new", None, None, Scenario("A"))
        p.delete_scenario("A")
        with pytest.raises(ProjectError, match="no scenario"):
            p.delete_scenario("A")
        assert p.scenario_names == ["C", "B2"]
    with Project.open(tmp_path / "p.kcplan") as p:
        assert p.scenario_names == ["C", "B2"]
        assert p.scenario("c").funded_requests == ("R1",)


# -- audit trail -----------------------------------------------------------------------------------

def test_audit_trail_lists_every_edit_of_a_scripted_session(small, tmp_path, monkeypatch):
    monkeypatch.setattr(project_module, "current_user", lambda: "analyst1")
    police = Rule("Police +5%", Target(department="Police"), "percent", 5)
    script = []
    with Project.create(tmp_path / "p.kcplan", small) as p:
        s0 = Scenario("Police plan", (police,))
        p.put_scenario(s0); script.append(("create", "Created scenario 'Police plan' (1 rule, 0 funded requests)"))
        s1 = s0.replace_rule(0, police.with_value(7))
        p.record_edit("Police plan", None, s0, s1); script.append(("update", "Rule 'Police +5%': value 5 → 7"))
        s2 = s1.add_rule(Rule("Streets", Target(program="Streets"), "amount", 1_000_000, 2028, 2029))
        p.record_edit("Police plan", None, s1, s2)
        script.append(("update", "Added rule 'Streets': amount 1,000,000 dollars on program 'Streets', FY2028–FY2029"))
        s3 = s2.move_rule(1, 0)
        p.record_edit("Police plan", None, s2, s3)
        script.append(("update", "Moved rule 'Streets' from position 2 to 1"))
        s4 = s3.fund_request("R1")
        p.record_edit("Police plan", "Funded R1 for the council memo", s3, s4)
        script.append(("update", "Funded R1 for the council memo"))
        s5 = s4.rename("Police plan v2")
        p.record_edit("Police plan", None, s4, s5); script.append(("rename", "Renamed scenario 'Police plan' → 'Police plan v2'"))
        s6 = s5.remove_rule(1).unfund_request("R1")
        p.record_edit("Police plan v2", None, s5, s6)
        script.append(("update", "Removed rule 'Police +5%'; Unfunded request R1"))
        p.record_edit("Police plan v2", None, s6, None); script.append(("delete", "Deleted scenario 'Police plan v2'"))
        history = [h for h in p.history() if h.is_edit]
        assert [(h.action, h.description) for h in history] == script
        v2 = p.scenario("Police plan v2") if "Police plan v2" in p else None
        assert v2 is None  # deleted: its rows are still found by name
        assert [h.description for h in p.history("Police plan v2")] == [d for _a, d in script]  # across the rename
        assert all(h.user == "analyst1" for h in history)
        assert all(h.time.endswith("Z") and h.time[:4].isdigit() for h in history)
        assert history[1].before["rules"][0]["value"] == 5 and history[1].after["rules"][0]["value"] == 7
        assert history[-1].after is None and history[-1].before["name"] == "Police plan v2"
        p.put_scenario(Scenario("Other"))
        p.put_scenario(Scenario("Police plan", (police,)))  # a new scenario with an old name
        assert [h.description for h in p.history("Other")] == ["Created scenario 'Other' (0 rules, 0 funded requests)"]
        assert len(p.history("Police plan")) == 1
        p.delete_scenario("Other")
        p.delete_scenario("Police plan")
        script += [(a, d) for a, d in [("create", "Created scenario 'Other' (0 rules, 0 funded requests)"),
                                       ("create", "Created scenario 'Police plan' (1 rule, 0 funded requests)"),
                                       ("delete", "Deleted scenario 'Other'"), ("delete", "Deleted scenario 'Police plan'")]]
        rows = export_history_rows(p)
        assert rows[0][:6] == ["#", "Time (UTC)", "User", "Scenario", "Action", "Change"]
        assert all(isinstance(v, (str, int)) for row in rows for v in row)
        assert [r[5] for r in rows[1:] if r[4] in ("create", "update", "rename", "delete")] == [d for _a, d in script]
    with Project.open(tmp_path / "p.kcplan") as p:  # the trail is in the file
        assert [(h.action, h.description) for h in p.history() if h.is_edit] == script


def test_merge_key_makes_a_slider_drag_one_entry(small, tmp_path):
    rule = Rule("Police", Target(department="Police"), "percent", 0)
    with Project.create(tmp_path / "p.kcplan", small, scenarios=[Scenario("S", (rule,))]) as p:
        n = len(p.history())
        s = p.scenario("S")
        for v in (1, 2, 3, 4):
            new = s.replace_rule(0, rule.with_value(v))
            p.record_edit("S", None, s, new, merge_key="slider:S:0")
            s = new
        assert len(p.history()) == n + 1
        assert p.history()[-1].description == "Rule 'Police': value 0 → 4"
        p.record_edit("S", None, s, s.replace_rule(0, rule.with_value(9)), merge_key="slider:S:1")
        assert len(p.history()) == n + 2
        assert p.scenario("S").rules[0].value == 9


def test_describe_change_covers_every_kind_of_edit():
    a = Scenario("S", (Rule("x", Target(fund="General"), "percent", 1), Rule("y", Target(), "amount", 5)))
    assert describe_change(a, a) == "No change"
    b = a.replace_rule(0, Rule("x", Target(fund="Water"), "percent", 1, 2028, 2028))
    assert describe_change(a, b) == "Rule 'x': target fund 'General' → fund 'Water', years all plan years → FY2028"
    assert describe_change(a, a.replace_rule(1, Rule("z", Target(), "fte", 5))) == "Rule 'y': label 'y' → 'z', kind amount → fte"


# -- save points, recovery --------------------------------------------------------------------------

def test_save_points_unsaved_edits_and_revert(small, tmp_path):
    path = tmp_path / "p.kcplan"
    with Project.create(path, small, scenarios=[Scenario("S")]) as p:
        assert p.unsaved_edits == 0 and not p.is_modified
        p.put_scenario(Scenario("S", funded_requests=("R1",)))
        p.put_scenario(Scenario("T"))
        assert p.unsaved_edits == 2
        save = p.save()
        assert p.unsaved_edits == 0 and save.path == str(path)
        p.put_scenario(Scenario("S", funded_requests=("R2",)))
        p.delete_scenario("T")
        assert p.unsaved_edits == 2
        p.revert_to_saved()
        assert p.scenarios == [Scenario("S", funded_requests=("R1",)), Scenario("T")]
        assert p.history()[-1].action == "revert"
    with Project.open(path) as p:  # closing without saving keeps the edits (they are unsaved, not lost)
        assert p.scenarios == [Scenario("S", funded_requests=("R1",)), Scenario("T")]
        assert p.unsaved_edits == 3


def test_unclean_shutdown_is_recovered_and_reported(small, tmp_path):
    path = tmp_path / "p.kcplan"
    p = Project.create(path, small)
    p.put_scenario(Scenario("S"))
    p.save()
    for v in range(5):
        p.put_scenario(Scenario("S", (Rule("r", Target(), "percent", v),)))
    simulate_crash(p)
    with Project.open(path) as p:
        info = p.recovered
        assert info is not None and info.edits_in_session == 6 and info.unsaved_edits == 5
        assert "did not close cleanly" in info.message and "5 edits since the last save" in info.message
        assert p.scenario("S").rules[0].value == 4
        assert p.history()[-1].action == "recover"
    with Project.open(path) as p:
        assert p.recovered is None


def test_project_open_elsewhere_is_refused(small, tmp_path):
    path = tmp_path / "p.kcplan"
    p = Project.create(path, small)
    with pytest.raises(ProjectError, match="already open"):
        Project.open(path)
    with Project.open(path, read_only=True) as ro:  # a read-only look is fine
        with pytest.raises(ProjectError, match="read-only"):
            ro.put_scenario(Scenario("X"))
    simulate_crash(p)
    con = sqlite3.connect(path)  # another kcplanner on this computer, still running (our parent process)
    con.execute("UPDATE session SET pid = ?", (os.getppid(),))
    con.commit()
    con.close()
    with pytest.raises(ProjectInUse, match="open in another kcplanner") as err:
        Project.open(path)
    assert err.value.same_computer
    con = sqlite3.connect(path)  # a session left on another computer: the app may offer to take over
    con.execute("UPDATE session SET host = 'LAPTOP-7'")
    con.commit()
    con.close()
    with pytest.raises(ProjectInUse, match="computer LAPTOP-7") as err:
        Project.open(path)
    assert not err.value.same_computer
    with Project.open(path, take_over=True) as p:
        assert p.recovered is not None


# -- Save As ---------------------------------------------------------------------------------------

def test_save_as_copies_everything_and_continues_there(small, tmp_path):
    a, b = tmp_path / "a.kcplan", tmp_path / "b.kcplan"
    p = Project.create(a, small, scenarios=[Scenario("S")])
    p.put_scenario(Scenario("T"))
    p.save_as(b)
    assert p.path == b and p.unsaved_edits == 0
    p.put_scenario(Scenario("U"))
    assert p.history()[-2].description.startswith("Saved as b.kcplan")
    p.close()
    with Project.open(a) as old, Project.open(b) as new:
        assert old.scenario_names == ["S", "T"]
        assert new.scenario_names == ["S", "T", "U"]
        assert new.recovered is None
        assert_same_dataset(old.dataset, new.dataset)
    c = tmp_path / "c.kcplan"
    with Project.open(a) as p:
        p.save_as(c, keep_original=False)
    assert not a.exists() and c.exists()


def test_save_as_is_atomic(small, tmp_path, monkeypatch):
    a, b = tmp_path / "a.kcplan", tmp_path / "b.kcplan"
    b.write_bytes(b"the previous file")
    p = Project.create(a, small, scenarios=[Scenario("S")])

    def fail(path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_module, "_fsync", fail)
    with pytest.raises(ProjectError, match="No space left"):
        p.save_as(b)
    assert b.read_bytes() == b"the previous file"
    assert sorted(f.name for f in tmp_path.iterdir() if not f.name.startswith(("a.kcplan", ".a.kcplan"))) == ["b.kcplan"]
    assert p.path == a and not p.closed
    p.put_scenario(Scenario("T"))  # still usable where it was
    monkeypatch.undo()
    p.save_as(b)
    p.close()
    with Project.open(b) as q:
        assert q.scenario_names == ["S", "T"]


# -- bad files -------------------------------------------------------------------------------------

def test_damaged_and_foreign_files_are_refused_with_a_message(small, tmp_path):
    rng = np.random.default_rng(7)
    cases = {}
    junk = tmp_path / "junk.kcplan"
    junk.write_bytes(rng.bytes(5000))
    cases[junk] = "not a kcplanner project"
    empty = tmp_path / "empty.kcplan"
    empty.write_bytes(b"")
    cases[empty] = "empty"
    xlsx = tmp_path / "book.kcplan"
    xlsx.write_bytes(b"PK\x03\x04" + rng.bytes(1000))
    cases[xlsx] = "looks like a workbook"
    other = tmp_path / "other.kcplan"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    cases[other] = "another program"
    good = tmp_path / "good.kcplan"
    Project.create(good, small, scenarios=[Scenario("S")]).close()
    data = good.read_bytes()
    truncated = tmp_path / "truncated.kcplan"
    truncated.write_bytes(data[: len(data) // 2])
    cases[truncated] = "truncated"
    header_only = tmp_path / "header.kcplan"
    header_only.write_bytes(data[:60])
    cases[header_only] = "truncated"
    cases[tmp_path / "missing.kcplan"] = "no such project file"
    for path, message in cases.items():
        before = path.read_bytes() if path.exists() else None
        with pytest.raises(ProjectError, match=message) as err:
            Project.open(path)
        assert path.name in str(err.value)
        if before is not None:
            assert path.read_bytes() == before  # never written to


def test_corrupted_pages_are_detected(small, tmp_path):
    good = tmp_path / "good.kcplan"
    Project.create(good, small, scenarios=[Scenario("S")]).close()
    data = bytearray(good.read_bytes())
    page = 4096
    detected = 0
    for k in range(1, len(data) // page):
        bad = bytearray(data)
        bad[k * page: (k + 1) * page] = np.random.default_rng(k).bytes(page)
        path = tmp_path / f"bad{k}.kcplan"
        path.write_bytes(bytes(bad))
        try:
            with Project.open(path, read_only=True) as p:
                p.dataset
                p.history()
                problems = p.check()
        except ProjectError as exc:
            assert "damaged" in str(exc) or "not a kcplanner project" in str(exc)
            detected += 1
        else:
            detected += bool(problems)
    assert detected == len(data) // page - 1  # every damaged page is noticed: at open, on reading, or by check()


def test_future_format_is_refused_and_never_written(small, tmp_path):
    path = tmp_path / "future.kcplan"
    Project.create(path, small, scenarios=[Scenario("S")]).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = ? WHERE key = 'format_version'", (str(FORMAT_VERSION + 1),))
    con.execute("UPDATE meta SET value = ? WHERE key = 'read_compat_version'", (str(FORMAT_VERSION + 1),))
    con.execute("UPDATE meta SET value = '9.0' WHERE key = 'app_version'")
    con.commit()
    con.close()
    data = path.read_bytes()
    with pytest.raises(ProjectError, match=r"newer kcplanner 9\.0 \(project format 2\)"):
        Project.open(path)
    with pytest.raises(ProjectError, match="newer"):
        Project.open(path, read_only=True)
    assert path.read_bytes() == data
    # a newer format that says older readers may read it: read-only only
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = ? WHERE key = 'read_compat_version'", (str(FORMAT_VERSION),))
    con.commit()
    con.close()
    data = path.read_bytes()
    with pytest.raises(NewerFormatError, match="can be opened read-only") as err:
        Project.open(path)
    assert err.value.read_only_possible
    with Project.open(path, read_only=True) as p:
        assert p.scenario_names == ["S"]
    assert path.read_bytes() == data
    assert inspect_project(path)["format_version"] == str(FORMAT_VERSION + 1)


# -- re-import -------------------------------------------------------------------------------------

def test_diff_datasets_finds_added_removed_and_changed_lines_and_requests(small):
    lines = [list(l) for l in BASE_LINES]
    lines[0][6] = {(2026, "Adopted"): 100.0, (2027, "Requested"): 130.0}           # changed amount
    lines[1][6] = {(2026, "Adopted"): 50.004}                                       # below half a cent: same
    del lines[3]                                                                    # removed Asphalt
    lines.append(("General", "Fire", "Suppression", "Hoses", "Commodities", True, {(2026, "Adopted"): 12.0}))
    lines[2] = ("General", " police ", "INVESTIGATIONS", "Overtime", "Personnel Services", False,
                {(2026, "Adopted"): 6.0, (2024, "Actual"): 4.0})                  # case differs; blank → 4
    requests = [list(r) for r in BASE_REQUESTS]
    requests[0][6] = {2027: 210000.0, 2028: 206000.0}
    requests[1][4] = "Cut mowing and trimming"
    requests.append(("R3", "Fire", "Suppression", "General", "New engine", "Capital", {2027: 900000.0}))
    new = make_dataset([tuple(l) for l in lines], [tuple(r) for r in requests])
    diff = diff_datasets(small, new)
    assert {c.key[3] for c in diff.added} == {"Hoses"}
    assert {c.key[3] for c in diff.removed} == {"Asphalt"}
    changed = {c.key[3]: c for c in diff.changed}
    assert set(changed) == {"5110 Salaries", "Overtime"}
    (amount,) = changed["5110 Salaries"].amounts
    assert (amount.fiscal_year, amount.phase, amount.old, amount.new, amount.difference) == (2027, "Requested", 120.0, 130.0, 10.0)
    (amount,) = changed["Overtime"].amounts
    assert (amount.fiscal_year, amount.phase, amount.old, amount.new) == (2024, "Actual", None, 4.0)
    req = {r.request_id: r for r in diff.requests}
    assert req["R3"].status == "added"
    assert req["R1"].status == "changed" and [(c.fiscal_year, c.old, c.new) for c in req["R1"].costs] == [(2027, 200000.0, 210000.0)]
    assert req["R2"].fields == (("title", "Cut mowing", "Cut mowing and trimming"),)
    assert diff.summary().startswith("line items: 1 added, 1 removed, 2 changed; requests: 1 added, 0 removed, 2 changed")
    assert diff_datasets(small, small).is_empty
    assert len(diff.rows()) == 1 + 4 + 3


def test_duplicate_keys_are_compared_as_one(small):
    dup = BASE_LINES + [BASE_LINES[1]]
    diff = diff_datasets(make_dataset(BASE_LINES), make_dataset(dup))
    (change,) = diff.line_items
    assert change.status == "changed" and (change.old_lines, change.new_lines) == (1, 2)
    assert change.amounts[0].new == 100.0


def test_changed_sources_and_replace_dataset_keep_scenarios(small, tmp_path):
    folder = tmp_path / "budgets"
    folder.mkdir()
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(b"plan v1")
    (folder / "police.xlsx").write_bytes(b"police v1")
    (folder / "works.xlsx").write_bytes(b"works v1")
    scen = [Scenario("Works", (Rule("Asphalt", Target(department="Public Works"), "percent", 5),)),
            Scenario("Police", (Rule("P", Target(department="Police"), "percent", 5),), ("R1",))]
    path = tmp_path / "p.kcplan"
    with Project.create(path, small, {"plan": plan, "budgets": [folder]}, scenarios=scen) as p:
        assert p.changed_sources() == []
        assert [Path(s.path).name for s in p.sources] == ["plan.xlsx", "police.xlsx", "works.xlsx"]
        (folder / "police.xlsx").write_bytes(b"police v2")
        (folder / "works.xlsx").unlink()
        (folder / "fire.xlsx").write_bytes(b"fire v1")
        changes = {Path(c.current_path or c.source.path).name: c.status for c in p.changed_sources()}
        assert changes == {"police.xlsx": "changed", "works.xlsx": "missing", "fire.xlsx": "added"}
        args = p.import_arguments()
        assert args.plan == plan.resolve() and args.budgets == [folder.resolve()]
        new = make_dataset([l for l in BASE_LINES if l[1] != "Public Works"], BASE_REQUESTS)
        report = p.replace_dataset(new, {"plan": plan, "budgets": [folder]})
        assert [c.key[3] for c in report.diff.removed] == ["Asphalt"]
        assert list(report.invalid) == ["Works"] and "Public Works" in report.invalid["Works"][0]
        assert p.scenarios == scen
        assert p.changed_sources() == []
        assert p.history()[-1].action == "import" and "1 removed" in p.history()[-1].description
    with Project.open(path) as p:
        assert_same_dataset(p.dataset, new)
        assert p.scenarios == scen


def test_sources_found_again_beside_a_moved_project(small, tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    (first / "plan.xlsx").write_bytes(b"plan")
    (first / "b.xlsx").write_bytes(b"budget")
    Project.create(first / "p.kcplan", small, {"plan": first / "plan.xlsx", "budgets": [first / "b.xlsx"]}).close()
    moved = tmp_path / "moved"
    first.rename(moved)
    with Project.open(moved / "p.kcplan") as p:
        assert p.changed_sources() == []
        assert p.import_arguments().plan == (moved / "plan.xlsx").resolve()


def test_requests_created_in_the_app_are_stored(small, tmp_path):
    path = tmp_path / "p.kcplan"
    with Project.create(path, small) as p:
        ds = p.dataset
        assert p.update_dataset() is None  # nothing changed
        row = ds.budget.requests.iloc[[0]].copy()
        row["request_id"] = "APP-1"
        row["title"] = "Body cameras"
        ds.budget.requests = pd.concat([ds.budget.requests, row], ignore_index=True)
        ds.budget.request_costs.loc["APP-1"] = [50000.0, np.nan]
        seq = p.update_dataset(tables=["budget.requests", "budget.request_costs"])
        assert seq and p.history()[-1].description == "Added request APP-1 'Body cameras'"
        assert p.unsaved_edits == 1
    with Project.open(path) as p:
        assert list(p.dataset.budget.requests["request_id"]) == ["R1", "R2", "APP-1"]
        assert p.dataset.budget.request_costs.loc["APP-1", 2027] == 50000.0
        assert_same_dataset(p.dataset, ds)


def test_project_file_schema_is_plain_sqlite(small, tmp_path):
    path = tmp_path / "p.kcplan"
    Project.create(path, small, scenarios=[Scenario("S")]).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # closed: a rollback journal again (issue 11: a closed project, even looked at read-only, leaves no
    # -wal/-shm); the next open for writing turns WAL on
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert meta["app"] == "kcplanner" and meta["format_version"] == str(FORMAT_VERSION)
    data = json.loads(con.execute("SELECT data FROM scenarios").fetchone()[0])
    assert data == {"name": "S", "rules": [], "funded_requests": []}
    con.close()


# -- random edit sequences -------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NAMES = st.sampled_from(["A", "B", "C", "a", "Base case", "Ünïcode"])
OPS = st.lists(st.one_of(
    st.tuples(st.just("put"), NAMES, st.integers(0, 3), st.floats(-50, 50, allow_nan=False)),
    st.tuples(st.just("rename"), NAMES, NAMES),
    st.tuples(st.just("delete"), NAMES),
    st.tuples(st.just("fund"), NAMES, st.sampled_from(["R1", "R2"])),
    st.tuples(st.just("save")),
    st.tuples(st.just("revert")),
), max_size=25)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_random_edit_sequences_reopen_as_the_model_says(ops):
    """Any sequence of edits: the reopened project holds exactly the scenarios of a plain model, and
    the audit trail has one row per applied edit."""
    import tempfile

    ds = make_dataset(BASE_LINES[:2])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.kcplan"
        model: dict[str, Scenario] = {}
        saved: dict[str, Scenario] = {}
        applied = 0
        with Project.create(path, ds) as p:
            for op in ops:
                key = {n.casefold(): n for n in model}
                try:
                    if op[0] == "put":
                        _, name, n, value = op
                        s = Scenario(name, tuple(Rule(f"r{i}", Target(department="Police"), "percent", value + i)
                                                 for i in range(n)))
                        p.put_scenario(s)
                        model.pop(key.get(name.casefold()), None)
                        model[name] = s
                    elif op[0] == "rename":
                        p.rename_scenario(op[1], op[2])
                        old = model.pop(key[op[1].casefold()])
                        model[op[2]] = old.rename(op[2])
                    elif op[0] == "delete":
                        p.delete_scenario(op[1])
                        del model[key[op[1].casefold()]]
                    elif op[0] == "fund":
                        s = model[key[op[1].casefold()]]
                        p.record_edit(s.name, None, s, s.fund_request(op[2]))
                        model[s.name] = s.fund_request(op[2])
                    elif op[0] == "save":
                        p.save()
                        saved = dict(model)
                        applied -= 1
                    elif op[0] == "revert":
                        if p.revert_to_saved() is None:
                            applied -= 1
                        model = dict(saved)
                    applied += 1
                except (ProjectError, KeyError):  # refused (duplicate name, no such scenario): nothing changes
                    pass
                assert {s.name: s for s in p.scenarios} == model
        with Project.open(path) as p:
            assert {s.name: s for s in p.scenarios} == model
            assert len([h for h in p.history() if h.is_edit]) == applied
            assert p.check() == []


def test_durability_and_sync(small, tmp_path):
    path = tmp_path / "p.kcplan"
    Project.create(path, small).close()
    with Project.open(path) as p:
        assert p._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert p._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        p.sync()
        assert not p.needs_sync
        p.put_scenario(Scenario("S"))
        assert p.needs_sync
        p.sync()
        assert not p.needs_sync
    with Project.open(path, durability="full") as p:
        assert p._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_user_name_falls_back_when_the_os_has_none(monkeypatch):
    from kcplanner.project import audit

    def no_user():
        raise OSError("no user name")

    monkeypatch.setattr(audit.getpass, "getuser", no_user)
    for var in ("USERNAME", "USER", "LOGNAME", "LNAME"):
        monkeypatch.delenv(var, raising=False)
    assert audit.current_user() == "unknown"
    monkeypatch.setenv("USERNAME", "jdoe")
    assert audit.current_user() == "jdoe"


def test_request_edits_from_kcplanner_requests_are_autosaved(sample, tmp_path):
    """The app edits requests with kcplanner.requests (pure: a new Dataset each time) and hands the
    result to update_dataset; the reopened project evaluates the same with the new request funded."""
    requests_api = pytest.importorskip("kcplanner.requests")
    dataset, files = sample
    path = tmp_path / "p.kcplan"
    with Project.create(path, dataset, files) as p:
        ds = p.dataset
        first = requests_api.request_records(ds)[0]
        new_id = requests_api.new_request_id(ds)
        ds2 = requests_api.add_request(ds, first.with_changes(request_id=new_id, title="Body cameras",
                                                              rank=None))
        ds3 = requests_api.update_request(ds2, first.request_id, first.with_changes(rank=99.0))
        p.update_dataset(ds2, tables=["budget.requests", "budget.request_costs"])
        p.update_dataset(ds3, tables=["budget.requests", "budget.request_costs"])
        trail = [h.description for h in p.history(actions=["data"])]
        assert trail[0] == f"Added request {new_id} 'Body cameras'"
        assert trail[1].startswith(f"Changed request {first.request_id}: rank ")
        funded = Scenario("With cameras", funded_requests=(new_id,))
        p.put_scenario(funded)
    with Project.open(path) as p:
        assert_same_dataset(p.dataset, ds3)
        assert_same_results(evaluate(prepare(ds3), funded), evaluate(prepare(p.dataset), funded))


# -- justification narratives ----------------------------------------------------------------------

def test_narratives_round_trip_with_an_audit_row(small, tmp_path):
    from kcplanner.justification import JustificationNarrative

    path = tmp_path / "n.kcplan"
    first = JustificationNarrative("Two officers", "Response times", "Overtime", (("PS-01", "30 s faster"),))
    with Project.create(path, small, scenarios=[Scenario("S")], narratives={"R2": {"what": "Mowing"}}) as p:
        assert p.unsaved_edits == 0  # created with them: part of the first save point
        seq = p.put_narrative("R1", first)
        assert p.put_narrative("r1", first.to_dict()) is None  # same narrative, same ID ignoring case: no row
        entry = p.history()[-1]
        assert (entry.seq, entry.action, entry.scenario) == (seq, "data", None)
        assert "R1" in entry.description and entry.before is None
        assert entry.after == {"request_id": "R1", "narrative": first.to_dict()}
        assert p.unsaved_edits == 1
        second = dataclasses.replace(first, why="Longer response times")
        p.put_narrative("R1", second, description="Manager's rewrite")
        assert p.history()[-1].description == "Manager's rewrite"
        assert p.history()[-1].before["narrative"]["why"] == "Response times"
        p.put_narrative("R2", None)
        assert "Removed" in p.history()[-1].description
        save_as = tmp_path / "copy.kcplan"
        p.save_as(save_as)
    with Project.open(path, read_only=True) as p:
        assert p.narratives() == {"R1": second.to_dict()}
        assert JustificationNarrative.from_dict(p.narratives()["R1"]) == second
    with Project.open(save_as, read_only=True) as p:
        assert p.narratives() == {"R1": second.to_dict()}
        with pytest.raises(ProjectError, match="read-only"):
            p.put_narrative("R1", None)


def test_a_file_without_the_narratives_table_reads_as_none(small, tmp_path):
    path = tmp_path / "old.kcplan"
    Project.create(path, small, scenarios=[Scenario("S")]).close()
    con = sqlite3.connect(path)
    con.execute("DROP TABLE narratives")  # a file written before narratives were stored
    con.commit()
    con.close()
    data = path.read_bytes()
    with Project.open(path, read_only=True) as p:  # read-only: nothing created, nothing written
        assert p.narratives() == {}
    assert path.read_bytes() == data
    with Project.open(path) as p:  # for writing: the table is added (same format version)
        assert p.narratives() == {}
        p.put_narrative("R1", {"what": "x"})
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == FORMAT_VERSION
    con.close()
    with Project.open(path, read_only=True) as p:
        assert p.narratives() == {"R1": {"what": "x"}}
