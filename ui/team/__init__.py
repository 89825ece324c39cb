"""Team mode in the window: File > Open Shared Project…, the role in the status bar, read-only
controls, others' changes within 2 s, conflicts and lost connections (docs/team-mode.md)."""
