"""Positions saved through `update_dataset` in a shared project: only the rows that differ are
written (an FTE change is an UPDATE of that row, a removed row a DELETE, a new row an INSERT), over
the versions read, all or none; a department changes only its own.  Checked with plain SQL."""

from __future__ import annotations

import pandas as pd
import pytest

from kcplanner.project.postgres import ConflictError, NotAllowed


def rows(team) -> dict[int, tuple]:
    with team.sql("viewer") as c:
        return {r[0]: r[1:] for r in c.execute("SELECT id, department, program, title, fte, cost_per_fte, version "
                                               "FROM positions ORDER BY row_order, id")}


def audit_count(team) -> int:
    with team.sql("viewer") as c:
        return c.execute("SELECT count(*) FROM edits").fetchone()[0]


def add_row(frame: pd.DataFrame, department, program, title, fte, cost) -> pd.DataFrame:
    new = pd.DataFrame({"department": [department], "program": [program], "position": [title], "fte": [fte],
                        "cost_per_fte": [cost]})
    return pd.concat([frame.astype(object), new], ignore_index=True)


def test_an_analyst_changes_removes_and_adds_positions(team):
    before = rows(team)
    ids = list(before)
    audits = audit_count(team)
    with team.open("analyst") as analyst:
        ds = analyst.dataset
        frame = ds.budget.positions.copy()
        assert len(frame) == len(before)
        frame.loc[0, "fte"] = frame.loc[0, "fte"] + 2.5
        expected_fte = float(frame.loc[0, "fte"])
        frame = frame.drop(index=3).reset_index(drop=True)
        frame = add_row(frame, "Fire", "Suppression", "Community paramedic", 4.0, 98000.0)
        ds.budget.positions = frame
        analyst.update_dataset(tables=["budget.positions"])
        after = rows(team)
        back = analyst.reload_dataset().budget.positions
    assert after[ids[0]][3] == expected_fte and after[ids[0]][5] == 2                  # updated in place
    assert ids[3] not in after                                                           # removed
    new = [i for i in after if i not in before]
    assert len(new) == 1 and after[new[0]][:5] == ("Fire", "Suppression", "Community paramedic", 4.0, 98000.0)
    untouched = [i for i in ids if i not in (ids[0], ids[3])]
    assert all(after[i] == before[i] for i in untouched)                                # version 1 still
    assert audit_count(team) == audits + 3                                              # one audit row each
    expected = [before[i][:5] for i in ids if i != ids[3]]
    expected[0] = expected[0][:3] + (expected_fte,) + expected[0][4:]
    expected.append(("Fire", "Suppression", "Community paramedic", 4.0, 98000.0))
    values = back[["department", "program", "position", "fte", "cost_per_fte"]].astype(object)
    assert [tuple(r) for r in values.where(values.notna(), None).itertuples(index=False)] == expected


def test_nothing_changed_writes_nothing(team):
    audits = audit_count(team)
    with team.open("analyst") as analyst:
        analyst.dataset
        analyst.update_dataset(tables=["budget.positions"])
    assert audit_count(team) == audits


def test_a_position_changed_meanwhile_is_a_conflict_and_nothing_is_written(team):
    ids = list(rows(team))
    with team.open("analyst") as first, team.open("analyst") as second:
        a, b = first.dataset, second.dataset
        a.budget.positions.loc[1, "fte"] = 1.0
        first.update_dataset(tables=["budget.positions"])
        b.budget.positions.loc[1, "fte"] = 7.0
        b.budget.positions = add_row(b.budget.positions, "Police", "Patrol", "Not to be written", 1.0, 1.0)
        before = rows(team)
        with pytest.raises(ConflictError) as caught:
            second.update_dataset(tables=["budget.positions"])
    assert caught.value.theirs.changed_by == team.logins["analyst"] and caught.value.expected_version == 1
    assert rows(team) == before and before[ids[1]][3] == 1.0 and before[ids[1]][5] == 2


def test_a_manager_changes_only_its_departments_positions(team):
    with team.open("police") as police:
        frame = police.dataset.budget.positions
        fire = int((frame["department"] == "Fire").to_numpy().argmax())
        mine = int((frame["department"] == "Police").to_numpy().argmax())
        ids = list(rows(team))
        frame.loc[fire, "fte"] = 99.0
        before = rows(team)
        with pytest.raises(NotAllowed, match="positions of Fire"):
            police.update_dataset(tables=["budget.positions"])
        assert rows(team) == before
        frame = police.reload_dataset().budget.positions
        frame.loc[mine, "fte"] = 12.0
        police.update_dataset(tables=["budget.positions"])
    assert rows(team)[ids[mine]][3] == 12.0
    with team.sql("viewer") as c:
        assert c.execute("SELECT modified_by FROM positions WHERE id = %s", (ids[mine],)).fetchone()[0] == \
            team.logins["police"]
