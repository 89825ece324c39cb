"""Line items: the budget's line-item table."""
