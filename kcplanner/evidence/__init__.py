"""Evidence for the drivers and the KPI review (SPEC, "Evidence for the drivers, and the KPI review").

    from kcplanner.evidence import estimate_evidence, Evidence, driver_sentence
    ev = estimate_evidence(dataset, pool=None)      # or pool="goal"
    ev.drivers, ev.kpis, ev.kpi_history, ev.spending_history, ev.points(i)
    evidence_to_json(ev)                             # SPEC's JSON; write_evidence_json(ev, path)
"""

from .core import Evidence, estimate_evidence
from .output import evidence_to_json, write_evidence_json
from .words import driver_sentence

__all__ = ["Evidence", "estimate_evidence", "driver_sentence", "evidence_to_json", "write_evidence_json"]
