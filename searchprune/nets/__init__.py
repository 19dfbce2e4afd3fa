"""What needs torch, or sits above the engine: models, training, export, pruning, and
the self-play data that training reads. The engine never imports this package: the
runtime that evaluates a net is ``searchprune.evaluation``.
"""
