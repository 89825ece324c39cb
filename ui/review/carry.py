"""The review carry-over checkbox: carry the year-end fund balance change of the review into the
plan's beginning balances (a scenario option, `Scenario.review_carry`; docs/model.md).

`CarryCheckBox(session)` is self-contained: the Review panel places it and calls `set_period(label)`
when its period changes.  A click is one undoable edit of the current scenario; the box follows the
current scenario (checked when it carries a period; undo or a scenario switch updates it).  It is
disabled, with a tooltip saying why, when the review's year is not the year before the plan or
there are no actuals for it (while the scenario carries a period it stays enabled, so it can be
turned off).
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox

from kcplanner.periods import PeriodError, parse_period
from kcplanner.review.carry import carry_problem


def _normal(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return parse_period(label).label
    except PeriodError:
        return str(label)


class CarryCheckBox(QCheckBox):
    """"Carry the year-end change (review through FY… P…) into FY… balances": the beginning balances."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.period: str | None = None
        self.clicked.connect(self._clicked)
        for signal in (session.scenarioChanged, session.scenariosChanged, session.datasetChanged):
            signal.connect(self.refresh)
        self.refresh()

    def set_period(self, label: str | None) -> None:
        """The Review panel's period (`FY2026 P06`, `FY2026 Q2`); None when it has none."""
        self.period = _normal(label)
        self.refresh()

    def _y1_text(self) -> str:
        P = self.session.prepared
        return "the plan's first year" if P is None else P.label(P.plan_years[0])

    def refresh(self) -> None:
        """Follow the current scenario and the period (no edit)."""
        carried = self.session.scenario.review_carry if self.session.loaded else None
        shown = carried or self.period
        through = f" (review through {shown})" if shown else ""
        self.setText(f"Carry the year-end change{through} into {self._y1_text()} balances")
        self.setChecked(carried is not None)
        if carried is not None:
            self.setEnabled(True)
            tip = (f"The plan starts from the balances the review through {carried} projects for the year's end; "
                   "uncheck to start from the Funds table's beginning balances")
            if self.period and self.period != carried:
                tip += f" (uncheck and check again to carry the review through {self.period} instead)"
            self.setToolTip(tip)
            return
        problem = carry_problem(self.session.prepared, self.period)
        self.setEnabled(problem is None)
        self.setToolTip(problem or ("Add each fund's projected year-end balance change (revenue variance − "
                                    "expenditure variance) to its beginning balance; one undo step"))

    def _clicked(self, checked: bool) -> None:
        session = self.session
        if not session.loaded:
            self.refresh()
            return
        scenario = session.scenario
        if checked and self.period:
            text = f"Carry the review's balance change (through {self.period}) into beginning balances"
            session.edit_scenario(scenario.with_review_carry(self.period), text)
        elif not checked and scenario.review_carry is not None:
            session.edit_scenario(scenario.with_review_carry(None),
                                  "Stop carrying the review's balance change into beginning balances")
        self.refresh()  # a refused click (nothing to carry) does not leave the box checked
