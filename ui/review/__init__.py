"""The Review panel: the quarterly review of the year in execution (issue 13)."""
