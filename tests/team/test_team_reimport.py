"""Re-import into a shared project (`TeamProject.replace_dataset`): OMB's tables take the workbooks'
new figures in one audited step, the departments' requests and positions stay as on the server
(what the workbooks say differently about them is reported), and only OMB may do it."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from kcplanner.project.postgres import NotAllowed


def server_requests(team) -> list[tuple]:
    with team.sql("viewer") as c:
        return c.execute("SELECT request_id, title, status, version FROM requests ORDER BY request_id").fetchall()


def server_positions(team) -> list[tuple]:
    with team.sql("viewer") as c:
        return c.execute("SELECT id, fte, version FROM positions ORDER BY id").fetchall()


def test_an_analyst_reimports_omb_tables_and_the_departments_rows_stay(team, city):
    dataset, files = city
    new = copy.deepcopy(dataset)
    amounts = new.budget.amounts
    column = amounts.columns[0]
    before_value = float(np.nan_to_num(amounts.iloc[0][column]))
    amounts.iloc[0, 0] = before_value + 12345.0
    rid = str(new.budget.requests["request_id"].iloc[0])
    new.budget.requests.loc[0, "title"] = "A title only the workbook has"
    with team.open("police") as police:
        police.move_request(police.my_requests()[0]["request_id"], "Submitted")
    requests_before, positions_before = server_requests(team), server_positions(team)
    with team.open("analyst") as analyst:
        names = analyst.scenario_names
        report = analyst.replace_dataset(new, files)
        back = analyst.reload_dataset()
        assert analyst.scenario_names == names
        last = analyst.history()[-1]
    assert back.budget.amounts.iloc[0, 0] == before_value + 12345.0
    assert back.budget.amounts.shape == dataset.budget.amounts.shape
    assert [(c.status, len(c.amounts)) for c in report.diff.line_items] == [("changed", 1)]
    assert report.diff.requests == []                          # the server's requests were not compared away
    assert [(c.request_id, c.status, c.fields) for c in report.requests_in_workbooks] == \
        [(rid, "changed", (("title", dataset.budget.requests["title"].iloc[0], "A title only the workbook has"),))]
    assert server_requests(team) == requests_before and server_positions(team) == positions_before
    assert (last.action, last.user, last.seq) == ("import", team.logins["analyst"], report.seq)
    assert back.budget.requests["title"].iloc[0] != "A title only the workbook has"


def test_only_omb_reimports(team, city):
    dataset, files = city
    with team.sql("viewer") as c:
        audits = c.execute("SELECT count(*) FROM edits").fetchone()[0]
    for who in ("police", "viewer"):
        with team.open(who) as p, pytest.raises(NotAllowed):
            p.replace_dataset(copy.deepcopy(dataset), files)
    with team.sql("viewer") as c:
        assert c.execute("SELECT count(*) FROM edits").fetchone()[0] == audits
