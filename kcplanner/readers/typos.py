"""Near misses: a header or an account class that is almost, but not quite, a known name.

SPEC: a header that is not a column of its sheet but lies within two edits of one (or of a
`<year> <phase>` amount column), and an account class within two edits of a standard class or
alias, are errors that say "did you mean".  Legitimate distinct names must not be caught, so:

- names compare as `columns.norm` does (case, spaces and punctuation ignored), word by word;
- an edit is an inserted, deleted or replaced letter, or two adjacent letters swapped;
- a known name of 3 letters or fewer (`FY`, `Lag`, `Min`) is never matched; one of 4 to 8 letters
  allows 1 edit (`Fund`, `Funds`); 9 letters or more, 2 (`Acount class`, `Reqested`);
- when the two names have a different number of words, at most 1 edit in all: `Department ID`,
  `Transfer In` or `Fund No` are other names, not typos of `Department`, `Transfers` or `Fund`;
- a header with a digit is compared only as an amount column (`FY2027 Reqested`, `Cots FY2027`);
- a header is a typo only of a column its sheet does not have yet.
"""

from __future__ import annotations

import re

from .columns import norm

_WORD = re.compile(r"[0-9a-z]+")


def distance(a: str, b: str, limit: int) -> int:
    """Edits from a to b (optimal string alignment), or limit + 1 once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else limit + 1


def allowed_edits(known: str) -> int:
    n = len(norm(known))
    return 0 if n <= 3 else (1 if n <= 8 else 2)


def near(text: object, known: str) -> int | None:
    """Edits between a text and a known name when it counts as a typo of it (never 0: equal is not a typo)."""
    a, b = norm(text), norm(known)
    if not a or not b or a == b:
        return None
    limit = allowed_edits(known)
    if limit == 0:
        return None
    wa, wb = _WORD.findall(str(text).casefold()), _WORD.findall(str(known).casefold())
    if len(wa) != len(wb):
        limit = min(limit, 1)
    d = distance(a, b, limit)
    return d if d <= limit else None


def closest(text: object, names: dict[str, str]) -> str | None:
    """The name (a value of `names`: known text → what to suggest) that `text` is a typo of, if any."""
    best, best_d = None, None
    for known, suggest in names.items():
        d = near(text, known)
        if d is not None and (best_d is None or d < best_d):
            best, best_d = suggest, d
    return best


def class_suggestion(text: object) -> tuple[str, str] | None:
    """(the name, its standard class) that `text`, not itself a class or alias, looks like a typo of."""
    from .columns import CLASS_ALIASES

    names = {}
    for canonical, aliases in CLASS_ALIASES.items():
        for name in (canonical, *aliases):
            names[name] = (name, canonical)
    return closest(text, names)


_PREFIXED = re.compile(r"^(?P<pre>[^\d]*?)[\s_:|-]*(?P<year>(?:FY)?[\s_.]*\d{2,4}(?:\s*[-/]\s*\d{2,4})?)\s*$",
                       re.IGNORECASE)


def header_suggestions(headers: list, unused: list[int], spec, found: set[str]) -> dict[int, tuple[str, str]]:
    """Column → (the header it looks like a typo of, the column that header names), for the unused header cells of a sheet read with `spec`."""
    from ..fiscal import LINE_ITEM_PHASES, PHASE_ALIASES, REVENUE_PHASES, parse_fiscal_year, \
        parse_year_phase, split_fiscal_year

    phases = {"Line Items": LINE_ITEM_PHASES, "Revenue": REVENUE_PHASES}.get(spec.name, ())
    prefix = {"Requests": "Cost", "KPIs": "Target"}.get(spec.name)
    have = {parse_year_phase(h.strip() if isinstance(h, str) else h, phases) for h in headers} if phases else set()
    out: dict[int, tuple[str, str]] = {}
    for j in unused:
        h = headers[j]
        if not isinstance(h, str) or not h.strip():
            continue
        text = h.strip()
        if any(ch.isdigit() for ch in text):
            split = split_fiscal_year(text) if phases else None
            if split and split[1]:
                year, rest = split
                words = {k: v for k, v in PHASE_ALIASES.items() if v in phases}
                phase = closest(rest, {k: v for k, v in words.items()})
                if phase and (year, phase) not in have:
                    out[j] = (f"FY{year} {phase}",) * 2
                continue
            m = _PREFIXED.match(text) if prefix else None
            if m and m.group("pre").strip():
                year = parse_fiscal_year(m.group("year"))
                if year is not None and near(m.group("pre"), prefix) is not None:
                    out[j] = (f"{prefix} FY{year}",) * 2
            continue
        names = {}
        for c in spec.columns:
            if c.field in found:
                continue
            for name in (c.name, *c.aliases):
                names[name] = (name, c.name)
        suggestion = closest(text, names)
        if suggestion:
            out[j] = suggestion
    return out
