"""The Review panel, the carry-over checkbox and the quarterly report's PDF (issue 13)."""
