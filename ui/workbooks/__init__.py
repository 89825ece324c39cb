"""Opening workbooks in the window: the load on a worker, its validation report, the recent list."""
