"""KPIs: the performance measures, their projected values and the KPI detail."""
