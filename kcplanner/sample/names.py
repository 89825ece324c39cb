"""The fixed facts of the sample city (a city in the Kansas City, Missouri mould), read from data.

Pure data, no randomness: `kcplanner.sample` draws line items around these facts.  The facts
live in JSON under `kcplanner/resources/sample_city/` (city, funds, accounts, departments, KPIs,
requests; package data, found by kcplanner.bundled), read once and exposed as the constants below.
Dollar figures are FY2026 Adopted millions; rates are percent points.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..bundled import sample_city_dir


def _load(name: str) -> dict:
    path = sample_city_dir() / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None


@dataclass
class Department:
    name: str
    code: str  # request ID prefix, e.g. POL
    slug: str  # file name
    adopted_millions: float  # share of the city's FY2026 Adopted
    profile: str  # CLASS_MIX key
    funds: dict[str, float]  # fund -> weight
    programs: list[tuple[str, float]]  # program, weight
    positions: list[tuple[str, int]]  # title, loaded cost per FTE
    program_funds: dict[str, dict[str, float]] = field(default_factory=dict)
    debt_program: str | None = None  # program that carries the department's debt service
    header_style: str = "standard"  # amount-header form in its workbook
    class_header: str = "Account class"


H, L = "Higher is better", "Lower is better"


@dataclass
class KPI:
    kpi_id: str
    name: str
    goal: str
    objective: str | None
    unit: str
    direction: str
    baseline: float
    trend: float  # % a year (sign as the measure moves, not as it improves)
    step: float  # target improvement, % a year in the better direction (0 = hold the baseline)
    minimum: float | None
    maximum: float | None
    weight: float
    department: str
    drivers: list[tuple[str, str | None, float, int, float | None]]  # dept, program, elasticity, lag, max effect %
    decimals: int = 1


# ---------------------------------------------------------------- city
_city = _load("city.json")
CITY = _city["city"]
FIRST_PLAN_YEAR = _city["first_plan_year"]
DEFAULT_COST_PER_FTE = _city["default_cost_per_fte"]
TOTAL_ADOPTED = _city["total_adopted"]  # FY2026 Adopted, all funds (KCMO's budget is about $1.8 billion)
Y1 = FIRST_PLAN_YEAR
Y0 = Y1 - 1
PLAN_YEARS = list(range(Y1, Y1 + 5))

# ---------------------------------------------------------------- funds
_funds = _load("funds.json")["funds"]
#: fund, fund name, reserve floor %, target %, ceiling % (None = no policy)
FUNDS = [(f["fund"], f["fund_name"], f["floor"], f["target"], f["ceiling"]) for f in _funds]
#: Per fund: the reserve ratio (balance / recurring expenditure) at the start of y1 (one-time
#: y1 spending comes on top: the fund saved for it), and either the ratio the baseline should
#: reach in y5 (FUND_END_RATIO) or the structural margin of y1 (FUND_MARGIN: recurring revenue
#: exceeds recurring expenditure in y1 by this fraction); the generator sizes each fund's revenue.
FUND_BALANCE_RATIO = {f["fund"]: f["balance_ratio"] for f in _funds}
FUND_END_RATIO = {f["fund"]: f["end_ratio"] for f in _funds if "end_ratio" in f}
FUND_MARGIN = {f["fund"]: f["margin"] for f in _funds if "margin" in f}
#: Revenue sources per fund: (source, share of the fund's revenue, recurring, growth %, has FY2027 Projected)
REVENUE_SOURCES = {f["fund"]: [(s["source"], s["share"], s["recurring"], s["growth"], s["projected"])
                               for s in f["revenue_sources"]] for f in _funds}

# ---------------------------------------------------------------- accounts and expenditure growth
_accounts = _load("accounts.json")
#: Assumptions: growth % by account class for the five plan years y1..y5
GROWTH = {c: tuple(g) for c, g in _accounts["growth"].items()}
ACCOUNTS = {c: [tuple(a) for a in accounts] for c, accounts in _accounts["accounts"].items()}
VACANCY_ACCOUNT = tuple(_accounts["vacancy_account"])  # a negative personnel line, as real budgets carry
#: Class mix (shares of a department's FY2026 Adopted) by department profile
CLASS_MIX = _accounts["class_mix"]

# ---------------------------------------------------------------- departments
_departments = _load("departments.json")
DEPARTMENTS = [Department(**{**d, "programs": list(d["programs"].items()), "positions": list(d["positions"].items())})
               for d in _departments["departments"]]
#: Positions whose title fits only one program (else the department's list is used round-robin)
PROGRAM_TITLES = _departments["program_titles"]

# ---------------------------------------------------------------- goals, objectives, KPIs
_kpis = _load("kpis.json")
GOALS = [(g["goal_id"], g["goal"], g["weight"]) for g in _kpis["goals"]]
OBJECTIVES = [(o["objective_id"], o["goal_id"], o["objective"]) for o in _kpis["objectives"]]
KPIS = [KPI(**{**k, "drivers": [(d["department"], d["program"], d["elasticity"], d["lag"], d["max_effect"])
                                for d in k["drivers"]]})
        for k in _kpis["kpis"]]

# ---------------------------------------------------------------- requests (decision packages)
#: dept, program, fund, title, type, class, recurring, cost FY2027 ($), profile, FTE, justification, KPI ID
#: profile: "ongoing" (grows 3% a year), "onetime" (y1 only), "capital2" (y1 and y2), "phased" (half in y1, then full)
REQUESTS = [(r["department"], r["program"], r["fund"], r["title"], r["type"], r["account_class"], r["recurring"],
             r["cost"], r["profile"], r["fte"], r["justification"], r["kpi_id"])
            for r in _load("requests.json")["requests"]]

# ---------------------------------------------------------------- actuals (the quarterly review)
#: Paydays, seasonal profiles, the prior years and months of y0 in execution, and which departments
#: and revenue sources run hot, cold or short (`kcplanner.sample.actuals` draws around them)
ACTUALS = _load("actuals.json")

# ---------------------------------------------------------------- history (the driver evidence)
#: Ten years of yearly spending and KPI values drawn from known (true) elasticities, the special
#: cases (a new measure, a gap, a target always met) and the past targets (`kcplanner.sample.history`)
HISTORY = _load("history.json")
