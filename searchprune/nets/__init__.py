"""Evaluation nets: features, torch models, data, training, export and compiled inference.

Only ``features``, ``infer`` and ``store`` are needed to play; they never import torch.
``model``, ``train`` and ``data``'s labelling use torch (the ``nets`` extra).
"""
