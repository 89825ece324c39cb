"""Project: the project file controller, untitled-session recovery, view state and the History tab."""
