"""What a colour means, in one place: better / worse by the KPI's direction, neutral for dollars.

The pair is blue / orange (Okabe–Ito), which reads the same under the common colour-blindnesses;
meaning never rests on colour alone, so each colour has a second cue beside it (a ▲/▼ marker in
text, a dashed line or hollow marker in a chart).
"""

from __future__ import annotations

import math

from PySide6.QtGui import QColor

BETTER_HEX = "#0072b2"   # Okabe–Ito blue
WORSE_HEX = "#d55e00"    # Okabe–Ito vermillion (orange)
NEUTRAL_HEX = "#1f3b5a"  # dollar changes: a cut is not bad nor a rise good
MUTED_HEX = "#6b7785"

BETTER = QColor(BETTER_HEX)
WORSE = QColor(WORSE_HEX)
NEUTRAL = QColor(NEUTRAL_HEX)
MUTED = QColor(MUTED_HEX)

UP, DOWN = "▲", "▼"


def judged(change: float, lower_is_better: bool) -> int:
    """+1 when a change in a KPI is an improvement, −1 when it is a worsening, 0 when none or unknown."""
    if change is None or not math.isfinite(change) or change == 0:
        return 0
    better = change < 0 if lower_is_better else change > 0
    return 1 if better else -1


def color_of(change: float, lower_is_better: bool) -> QColor | None:
    """The colour of a KPI change (None for no change: the default text colour)."""
    return {1: BETTER, -1: WORSE}.get(judged(change, lower_is_better))


def marker(change: float) -> str:
    """▲ for a rise, ▼ for a fall, "" for none: the cue that does not rest on colour."""
    if change is None or not math.isfinite(change) or change == 0:
        return ""
    return UP if change > 0 else DOWN
