"""``python -m nugan`` runs the command line."""

from nugan.cli import entry

entry()
