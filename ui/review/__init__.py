"""The Review tab: the quarterly review of the year in execution (kcplanner.review)."""
