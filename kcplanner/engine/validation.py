"""`validate_scenario(scenario, data)`: which rules and funded requests of a scenario cannot apply.

The engine takes a scenario and validates its targets against a dataset (scenario.py, below the
engine, only checks a scenario's own form).  The command line refuses an invalid scenario; a
project lists the scenarios a new dataset leaves invalid.
"""

from __future__ import annotations

from ..scenario import Scenario
from .preparation import Prepared, prepare


def validate_scenario(scenario: Scenario, data) -> list[str]:
    """Messages for every rule and funded request that cannot be applied to `data`.

    `data` is a `Dataset` or an engine `Prepared`.  An empty list means every rule is valid.
    Rule messages read `rule 2 'Police +5%': no line items of department 'Polce' (did you mean
    'Police'?)` (rules counted from 1, as the app shows them).
    """
    prepared = data if isinstance(data, Prepared) else prepare(data)
    return prepared.validate(scenario)  # out-of-range values included (`value_problem`)
