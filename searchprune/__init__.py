"""searchprune: game-tree search with alpha-beta pruning and pruned evaluation nets."""

__version__ = "0.1.0"
