"""Renderers of derivations: printers and documents (text, LaTeX, Markdown, JSON)."""
