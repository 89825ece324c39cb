"""A realistic warehouse export for the mapping tests: one row per line item, an amount column and,
beside it, columns derived from it (a running total, a running total per department, a subtotal per
department on every row), as finance warehouses export them."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np

DEPARTMENTS = ("Police", "Fire", "Parks and Recreation", "Public Works", "Library", "Health", "Finance",
               "Water Services", "Planning", "Municipal Court")
CLASSES = ("Salaries", "Benefits", "Supplies & Materials", "Contract Services", "Equipment", "Debt Payments")


def warehouse_rows(n: int = 5177, seed: int = 11, amount: str = "Amount", running: str | None = "Running Total",
                   dept_running: str | None = None, dept_total: str | None = None, period: str | None = None,
                   bad_period_row: int | None = None) -> list[list]:
    """The header and `n` rows. Amounts are whole hundreds (many repeat, all positive: the shape on which
    the old suggestion preferred the running total)."""
    rng = np.random.default_rng(seed)
    dept = np.sort(rng.integers(0, len(DEPARTMENTS), n))
    amt = rng.choice(np.arange(100, 25_000, 100), n).astype(float)
    run = np.cumsum(amt)
    starts = np.r_[0, np.flatnonzero(np.diff(dept)) + 1]
    seg = np.repeat(starts, np.diff(np.r_[starts, n]))
    dept_run = run - np.r_[0.0, run][seg]  # restarts at each department
    dept_sum = np.bincount(dept, weights=amt, minlength=len(DEPARTMENTS))[dept]
    header = ["Fund", "Department", "Program", "Account", "Expense Category"] + ([period] if period else []) + \
        [amount] + ([running] if running else []) + ([dept_running] if dept_running else []) + \
        ([dept_total] if dept_total else [])
    rows = [header]
    for i in range(n):
        d = DEPARTMENTS[dept[i]]
        row = ["General Fund", d, f"{d} Operations {i % 4 + 1}", f"Acct {51000 + (i * 7) % 400}", CLASSES[i % 6]]
        if period:
            row.append("FY2025 adj" if i == bad_period_row else "FY2025")
        row.append(f"{amt[i]:.2f}")
        if running:
            row.append(f"{run[i]:.2f}")
        if dept_running:
            row.append(f"{dept_run[i]:.2f}")
        if dept_total:
            row.append(f"{dept_sum[i]:.2f}")
        rows.append(row)
    return rows


def write_warehouse(path: Path, **kw) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(warehouse_rows(**kw))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
