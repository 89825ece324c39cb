"""The request workflow of a shared project: a department's requests and OMB's review queue
(`TeamRequestsPanel`), the workflow's buttons, the reason and proposal dialogs."""
