"""The Evidence tab (issue 14): the drivers' elasticities estimated from the city's history, "Use the
estimate" for the current scenario, and the KPI review (docs/evidence-ui.md)."""
