"""``python -m ivig_handout``: the command line."""

from .apps.cli import main

main()
