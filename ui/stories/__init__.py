"""The Stories tab: the open budget site's stories (markdown with the charts they name), written
here, kept in the project file and published with File > Publish… (docs/stories.md)."""
