"""Data for the open budget site's tests: a small city with a Goal column and an Adopted amount for
the first plan year (conftest's books, extended), and the sample city at 2000 lines, each published
with a scenario that changes figures (a percent rule, a funded request) and a story."""

from __future__ import annotations

import copy
from pathlib import Path

from tests.conftest import BUDGET_SHEETS, PLAN_SHEETS, write_xlsx

STORY = {"slug": "safer-streets", "title": "Safer streets",
         "markdown": "# Why patrol grows\n\nThe **police** budget grows. <script>alert(1)</script> See "
                     "[the council's page](https://example.org/council) and ![a photo](https://example.org/p.png).\n\n"
                     "{{chart: department-spending:police}}\n\nThe city's funds:\n\n{{ chart: fund-outlook:General Fund }}\n",
         "charts": ["plan-score", "department-spending:Police"]}


def small_books(folder: Path) -> tuple[Path, Path]:
    """conftest's plan and budget, the Line Items with a Goal column (an ID, a name in other case,
    a blank) and a `2027 Adopted` column."""
    budget = copy.deepcopy(BUDGET_SHEETS)
    li = budget["Line Items"]
    li[2] = li[2] + ["Goal", "2027 Adopted"]
    li[3] += ["G2", 115]        # Police / Patrol, said to serve the Clean city goal
    li[4] += [None, None]       # Police / Patrol: its program's goal through the drivers (K1 → O1 → G1)
    li[5] += ["safe STREETS", 7]
    li[6] += [None, None]
    li[7] += [None, None]
    li[8] += [None, 300]        # Public Works / Streets: the department's driver (K2 → G2)
    return write_xlsx(folder / "plan.xlsx", PLAN_SHEETS), write_xlsx(folder / "police.xlsx", budget)


def small_dataset(folder: Path):
    from kcplanner.readers import read_dataset

    plan, budget = small_books(folder)
    result = read_dataset(plan, [budget])
    assert result.dataset is not None, result.report.to_text()
    return result.dataset


def scenario_for(dataset, requests=("R1",)):
    from kcplanner.scenario import Rule, Scenario, Target

    return Scenario(name="Council proposal", rules=(Rule("Police +5%", Target(department="Police"), "percent", 5),),
                    funded_requests=tuple(requests))


def sample_dataset(folder: Path, lines: int = 2000):
    from kcplanner.readers import read_dataset
    from kcplanner.sample import write_sample

    files = write_sample(folder, lines=lines, seed=3)
    result = read_dataset(files.plan, list(files.budgets))
    assert result.dataset is not None, result.report.to_text()
    return result.dataset


def sample_scenario(dataset):
    from kcplanner.scenario import Rule, Scenario, Target

    requests = list(dataset.budget.requests["request_id"].astype(str))[:4]
    return Scenario(name="Council proposal",
                    rules=(Rule("Police +3%", Target(department="Police"), "percent", 3),
                           Rule("Parks -2%", Target(department="Parks and Recreation"), "percent", -2)),
                    funded_requests=tuple(requests))


def evaluate(dataset, scenario):
    from kcplanner.engine import evaluate as run, prepare

    return run(prepare(dataset), scenario)
