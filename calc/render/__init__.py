"""Views of an analysis: text tables, LaTeX and Markdown. Nothing here computes a quantity."""
