"""Where the optimizer's proposal comes from: the scenario the optimizer dialog just proposed (offered
by the window through `TeamRequestsPanel.set_proposal`, saved or not), or one of the project's
scenarios — an accepted proposal is saved as "<base> (optimized)", so the newest of those is chosen
first."""

from __future__ import annotations

from kcplanner.project.postgres import proposed_moves

OFFERED = " (the optimizer's proposal, not saved)"


class ProposalSource:
    def __init__(self, project):
        self.project = project
        self.offered = None          # a Scenario from the optimizer dialog

    def offer(self, scenario) -> None:
        self.offered = scenario

    def choices(self) -> tuple[list[str], str | None]:
        """The scenarios to choose from and the one chosen first."""
        self.project.refresh()
        names = list(self.project.scenario_names)
        if self.offered is not None and self.offered.name not in names:
            names.insert(0, self.offered.name + OFFERED)
        if self.offered is not None:
            chosen = self.offered.name if self.offered.name in names else self.offered.name + OFFERED
        else:
            optimized = [n for n in names if "(optimized)" in n]
            chosen = optimized[-1] if optimized else (names[0] if names else None)
        return names, chosen

    def scenario(self, name: str):
        if self.offered is not None and name in (self.offered.name, self.offered.name + OFFERED):
            if name.endswith(OFFERED) or name not in self.project.scenario_names:
                return self.offered
        return self.project.scenario(name)

    def moves_for(self, name: str) -> list:
        """The moves that scenario makes on the requests under review (read now)."""
        return proposed_moves(self.project, self.scenario(name))


__all__ = ["ProposalSource", "OFFERED"]
