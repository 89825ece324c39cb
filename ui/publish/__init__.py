"""File > Publish…: the open budget site for residents (kcplanner.publish) written into a folder,
off the GUI thread, with the project's stories (docs/stories.md)."""
