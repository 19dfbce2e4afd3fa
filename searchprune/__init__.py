"""searchprune: game-tree search with alpha-beta pruning and pruned evaluation nets."""

from searchprune.config import use_numba_cache

__version__ = "0.1.0"

# Before any kernel compiles: Numba's disk cache goes to a folder keyed by the
# fingerprint of this tree's compiled source (the scheme is documented in config.py).
use_numba_cache()
