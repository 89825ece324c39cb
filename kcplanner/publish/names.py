"""The names the site is built of, in the budget's own order: funds, departments, goals, KPIs; and
the file-name slugs of pages (`Parks and Recreation` → `parks-and-recreation`)."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from ..dataset import Dataset


def name_key(value: object) -> str:
    """How names match: case-insensitively, surrounding and repeated spaces ignored."""
    return " ".join(str(value).split()).casefold()


def _first_seen(*columns: pd.Series) -> list[str]:
    seen: dict[str, str] = {}
    for col in columns:
        if col is None:
            continue
        for v in pd.unique(col.dropna().astype(object)):
            text = " ".join(str(v).split())
            if text:
                seen.setdefault(text.casefold(), text)
    return list(seen.values())


def funds(dataset: Dataset) -> list[str]:
    b, p = dataset.budget, dataset.plan
    return _first_seen(b.line_items.get("fund"), b.requests.get("fund"), p.revenue.get("fund"), p.funds.get("fund"))


def departments(dataset: Dataset) -> list[str]:
    b = dataset.budget
    return _first_seen(b.line_items.get("department"), b.requests.get("department"))


def goals(dataset: Dataset) -> list[tuple[str, str]]:
    """(goal ID, goal) in the plan's order."""
    g = dataset.plan.goals
    return [(str(i), str(n)) for i, n in zip(g["goal_id"], g["goal"])]


def kpis(dataset: Dataset) -> list[tuple[str, str]]:
    """(KPI ID, name) in the plan's order."""
    k = dataset.plan.kpis
    return [(str(i), str(n)) for i, n in zip(k["kpi_id"], k["name"])]


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, fallback: str = "page") -> str:
    """A lower-case file-name piece of letters, digits and hyphens (accents dropped)."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    out = _NON_SLUG.sub("-", plain.casefold()).strip("-")[:60].strip("-")
    return out or fallback


def unique_slugs(names: list[str], fallback: str = "page") -> dict[str, str]:
    """name → slug, with `-2`, `-3` … where two names make the same slug."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = slug(name, fallback)
        s, n = base, 1
        while s in used:
            n += 1
            s = f"{base}-{n}"
        used.add(s)
        out[name] = s
    return out
