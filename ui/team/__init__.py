"""Team mode in the window: File > Open Shared Project…, the role in the status bar, read-only
controls, others' changes within 2 s, conflicts and lost connections, and the requests workflow
with OMB's review queue (ui/team/workflow) (docs/team-mode.md)."""
