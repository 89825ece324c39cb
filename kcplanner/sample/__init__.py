"""A deterministic sample city in the Kansas City, Missouri mould (`kcplanner sample`).

`write_sample(out_dir, lines, seed)` writes a plan workbook (`plan.xlsx`) and one budget
workbook per department (`police.xlsx`, …), in the formats of SPEC.md.  The same seed and
line count give byte-identical files: every random draw comes from one
`numpy.random.Generator(PCG64(seed))` consumed in a fixed order, and every workbook carries a
fixed creation date.  docs/sample-data.md describes the result.

The package, one job a module:
- `names`: the fixed facts (departments, programs, funds, goals, KPIs, requests), read from the
  JSON under `kcplanner/resources/sample_city/`;
- `lines`: line items and positions, department by department;
- `city`: the whole city's tables (`generate`) and its baseline fund projection;
- `kpis`: KPI targets and baseline paths;
- `actuals`: monthly spending, quarterly revenue and KPI actuals (`SampleCity.actuals`);
- `xlsx`, `plan_workbook`, `department_workbook`, `actuals_sheets`: writing the workbooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import names as S
from .actuals import SampleActuals
from .city import (DEFAULT_LINES, DEFAULT_SEED, SampleCity, baseline_expenditure, baseline_revenue,
                   fund_projection, generate)
from .department_workbook import HEADER_STYLES, write_department
from .kpis import kpi_baseline_path, kpi_targets, kpis_off_target
from .lines import AMOUNT_KEYS, MIN_LINES
from .plan_workbook import write_plan

__all__ = ["AMOUNT_KEYS", "DEFAULT_LINES", "DEFAULT_SEED", "HEADER_STYLES", "MIN_LINES", "PLAN_FILE", "S",
           "SampleActuals", "SampleCity", "SampleFiles", "baseline_expenditure", "baseline_revenue", "fund_projection", "generate",
           "kpi_baseline_path", "kpi_targets", "kpis_off_target", "write_sample"]

PLAN_FILE = "plan.xlsx"


@dataclass
class SampleFiles:
    """What `write_sample` wrote."""

    plan: Path
    departments: list[Path] = field(default_factory=list)

    @property
    def budgets(self) -> list[Path]:
        """The department budget workbooks (the same list as `departments`)."""
        return self.departments

    @property
    def all(self) -> list[Path]:
        return [self.plan, *self.departments]


def write_sample(out_dir: Path, lines: int = DEFAULT_LINES, seed: int = DEFAULT_SEED) -> SampleFiles:
    """Write the sample city into `out_dir` (created if missing): `plan.xlsx` and one workbook per department.

    Exactly `lines` line items in all (at least `MIN_LINES`, one per program); the same `seed` and
    `lines` give byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    city = generate(lines, seed)
    files = SampleFiles(plan=out_dir / PLAN_FILE)
    write_plan(files.plan, city)
    for dept in S.DEPARTMENTS:
        path = out_dir / f"{dept.slug}.xlsx"
        write_department(path, dept, city)
        files.departments.append(path)
    return files
