"""How the requests views compare and write small things: request IDs and names matched with
spaces collapsed and case folded, HTML-escaped text, a rank, a head count (FTE) and a signed
change.  One copy here, shared by the table, the effect pane, the form, the builder and the
undo commands."""

from __future__ import annotations

import html
import math

from ..common import fmt


def name_key(value) -> str:
    return " ".join(str(value).split()).casefold()


def esc_html(text) -> str:
    return html.escape("" if text is None else str(text))


def format_rank(rank) -> str:
    if rank is None or (isinstance(rank, float) and math.isnan(rank)):
        return ""
    return str(int(rank)) if float(rank).is_integer() else fmt.number(rank, 2)


def format_fte(fte: float) -> str:
    if not fte:
        return ""
    return fmt.number(fte, 0 if float(fte).is_integer() else 2)


def format_delta(v: float) -> str:
    if v is None or not math.isfinite(v):
        return fmt.DASH
    if v == 0:
        return "0"
    a = abs(v)
    digits = 0 if a >= 1000 else 1 if a >= 100 else 2 if a >= 1 else 3 if a >= 0.01 else 5
    return f"{v:+,.{digits}f}"


__all__ = ["name_key", "esc_html", "format_rank", "format_fte", "format_delta"]
