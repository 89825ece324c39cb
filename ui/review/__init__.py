"""The Review tab (the quarterly review of the year in execution), the carry-over checkbox and the
quarterly report's PDF (issue 13)."""
