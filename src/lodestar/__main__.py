"""`python -m lodestar` runs the command line."""

from .cli import console

console()
