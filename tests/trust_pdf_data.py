"""A department for the justification PDF's hard cases: 40 requests, a 200-character title with no
space, a 5,000-word justification and a long fund name (built directly, no workbooks)."""

from __future__ import annotations

from tests.engine_data import build_dataset

Y1 = 2027
YEARS = list(range(Y1, Y1 + 5))
LONG_TITLE = "".join(f"Segment{i:02d}" for i in range(23))[:200]          # 200 characters, no space
LONG_FUND = "Public Safety Sales Tax Capital Improvements and Equipment Replacement Fund"
WORDS = [f"w{i:04d}" for i in range(5000)]                                # 5,000 distinct words
LONG_JUSTIFICATION = " ".join(WORDS)


def hard_city(n_requests: int = 40):
    funds = ["General Fund", LONG_FUND]
    lines = [{"fund": f, "department": "Police", "program": p, "account_class": "Personnel Services",
              "recurring": True, "amounts": {(Y1, "Requested"): 4e6}}
             for f in funds for p in ("Patrol", "Investigations")]
    requests = []
    for j in range(n_requests):
        title = (LONG_TITLE if j == 1 else
                 f"Request {j + 1}: add staff and equipment to the {'Patrol' if j % 2 else 'Investigations'} unit")
        requests.append({
            "request_id": f"REQ-{j + 1:02d}", "department": "Police",
            "program": "Patrol" if j % 2 else "Investigations", "fund": funds[j % 2], "title": title,
            "type": "Reduction" if j % 7 == 6 else "Enhancement", "recurring": True,
            "account_class": "Personnel Services", "fte": float(j % 5), "rank": float(j + 1),
            "justification": LONG_JUSTIFICATION if j == 2 else f"Justification of request {j + 1}.",
            "kpi_id": "K1" if j % 2 else "K2",
            "costs": {y: 100_000.0 * (j + 1) * (1.03 ** t) for t, y in enumerate(YEARS)}})
    revenue = [{"fund": f, "source": "Taxes", "recurring": True, "growth": 0.0,
                "amounts": {(Y1, "Projected"): 9e6}} for f in funds]
    kpis = [{"kpi_id": "K1", "name": "Response time", "unit": "min", "direction": -1, "baseline": 9.5, "minimum": 0.0},
            {"kpi_id": "K2", "name": "Cases cleared", "unit": "%", "direction": 1, "baseline": 55.0,
             "maximum": 100.0}]
    drivers = [{"kpi_id": "K1", "department": "Police", "program": "Patrol", "elasticity": -0.3, "lag": 0},
               {"kpi_id": "K2", "department": "Police", "program": "Investigations", "elasticity": 0.4, "lag": 1}]
    targets = {"K1": {y: 9.0 - 0.1 * t for t, y in enumerate(YEARS)}, "K2": {y: 60.0 for y in YEARS}}
    return build_dataset(lines=lines, revenue=revenue, funds=[{"fund": f, "beginning_balance": 2e6,
                                                               "reserve_floor": 0.1} for f in funds],
                         requests=requests, kpis=kpis, drivers=drivers, targets=targets)
