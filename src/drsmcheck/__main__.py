"""`python -m drsmcheck` runs the same command as the `drsmcheck` script."""

from .cli import main

main()
