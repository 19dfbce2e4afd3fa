"""Engines: what plays a move, and the protocols between engines and the outside.

- ``engine``: the ``Engine`` base, ``SearchEngine`` (the facade over this project's
  search that the arena, ``play``, ``analyse`` and the UCI server all use) and
  ``make_engine(spec)``;
- ``spec``: engine specs, the TOML files in the top-level ``engines/`` folder;
- ``timing``: time management (a move's budget, when a move counts as overdue);
- ``uci``: our UCI protocol server, ``UciServer`` (``searchprune uci``);
- ``external``: ``ExternalUciEngine``, the client that runs other UCI engines.
"""
