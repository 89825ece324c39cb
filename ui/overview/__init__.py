"""Overview: the scenario's headline totals and charts."""
