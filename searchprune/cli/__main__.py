"""``python -m searchprune.cli``: the same command line as the ``searchprune`` script."""

from searchprune.cli import main

main()
