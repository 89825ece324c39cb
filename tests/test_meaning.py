"""Colour follows the KPI's direction: an improvement on a lower-is-better KPI is a fall."""

import math

from ui.common import meaning


def test_a_fall_is_better_when_lower_is_better():
    assert meaning.judged(-3.0, lower_is_better=True) == 1
    assert meaning.color_of(-3.0, lower_is_better=True) == meaning.BETTER
    assert meaning.judged(-3.0, lower_is_better=False) == -1
    assert meaning.color_of(2.0, lower_is_better=True) == meaning.WORSE


def test_no_change_or_unknown_has_no_colour_and_no_marker():
    for change in (0.0, math.nan, math.inf):
        assert meaning.color_of(change, lower_is_better=False) is None
        assert meaning.marker(change) == ""
    assert meaning.marker(0.5) == "▲" and meaning.marker(-0.5) == "▼"
