"""Engine-vs-engine matches and tournaments: games, statistics, executors."""
