"""Team mode in the window: a shared project's requests workflow and review queue (ui/team/workflow)."""
