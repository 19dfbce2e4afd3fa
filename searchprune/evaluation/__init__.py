"""The torch-free evaluation runtime: what the search needs to evaluate with a net.

Architecture records and hashes (``arch``), input features (``features``), stored
formats and net files (``formats``, ``store``), and the compiled inference the search
calls (``infer``, with the vector kernels of ``simd``). It sits below the search and
the solvers and above the games; nothing here imports torch or ``searchprune.nets``
(training, export and pruning), so playing with a net never needs them.
"""
