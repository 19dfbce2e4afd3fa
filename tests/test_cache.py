"""The disk cache scheme (``searchprune.config``): a kernel edit recompiles its callers.

The second-process cache hit of an unchanged tree is tested with the search in
``test_search_features.py``; here a copy of the package is edited.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import searchprune
from searchprune.config import compiled_sources, fingerprint

PACKAGE = Path(searchprune.__file__).resolve().parent

# tt_store (search/tt.py) inlines hashing.mix (hashing.py): Numba checks tt_store's cache
# against tt.py only, so after an edit of hashing.py it would load the old mix with it.
SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    import searchprune
    from searchprune.config import fingerprint
    from searchprune.search.tt import new_table, tt_store
    key = np.uint64(0x9E3779B97F4A7C15)
    compiled, plain = new_table(1), new_table(1)
    tt_store(compiled, key, 3, 5, 7, 1, 1)
    tt_store.py_func(plain, key, 3, 5, 7, 1, 1)  # the Python body: calls the current mix
    slot = int(np.flatnonzero(compiled.bound)[0])
    print(json.dumps(dict(file=searchprune.__file__, fingerprint=fingerprint(),
                          slot=slot, check=int(compiled[slot].check),
                          same_as_source=bool((np.asarray(compiled) == np.asarray(plain)).all()),
                          hits=sum(tt_store.stats.cache_hits.values()),
                          misses=sum(tt_store.stats.cache_misses.values()))))
    """
)


def _run(tree: Path, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tree, env=env, capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("numba_dir", ["given", "default"])
def test_a_kernel_edit_recompiles_the_kernels_that_inlined_it(tmp_path, numba_dir):
    tree = tmp_path / "tree"
    shutil.copytree(PACKAGE, tree / "searchprune", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "PYTHONPATH")}
    env.update(PYTHONPATH=str(tree), SEARCHPRUNE_CACHE_DIR=str(tmp_path / "sp"))
    if numba_dir == "given":  # a fresh explicit folder: a cold cache, keyed the same way
        env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba")

    first = _run(tree, env)
    assert Path(first["file"]).resolve() == tree / "searchprune" / "__init__.py"
    assert first["misses"] == 1 and first["hits"] == 0 and first["same_as_source"]
    again = _run(tree, env)  # unchanged tree: loaded from the disk cache
    assert again["hits"] == 1 and again["misses"] == 0
    assert (again["fingerprint"], again["slot"], again["check"]) == (first["fingerprint"], first["slot"],
                                                                      first["check"])

    mixing = tree / "searchprune" / "hashing.py"
    text = mixing.read_text()
    assert "_S33 = np.uint64(33)" in text
    mixing.write_text(text.replace("_S33 = np.uint64(33)", "_S33 = np.uint64(31)"))
    edited = _run(tree, env)
    assert edited["fingerprint"] != first["fingerprint"]
    assert edited["misses"] == 1 and edited["hits"] == 0  # tt.py did not change, tt_store still recompiled
    assert edited["same_as_source"]  # runs the edited mix, not the cached one
    assert (edited["slot"], edited["check"]) != (first["slot"], first["check"])


def test_fingerprint_covers_compiled_modules_and_what_they_import():
    names = {path.relative_to(PACKAGE).as_posix() for path in compiled_sources()}
    # kernels, the search templates, and plain modules whose globals kernels read
    assert {"hashing.py", "search/tt.py", "search/negascout.py", "types.py", "config.py",
            "games/chess/pst.py", "solvers/connect4.py"} <= names
    # nothing that only plays or prints: editing it keeps the cache
    assert not names & {"cli.py", "arena/match.py", "engines/uci.py"}
    assert len(fingerprint()) == 16 and fingerprint() == fingerprint()


def test_a_child_process_keeps_the_keyed_folder(tmp_path):
    """A worker inherits ``NUMBA_CACHE_DIR`` already keyed: it must not nest another level."""
    script = "import os, searchprune; print(os.environ['NUMBA_CACHE_DIR'])"
    env = dict(os.environ, SEARCHPRUNE_CACHE_DIR=str(tmp_path / "sp"), NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    parent = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                            check=True).stdout.strip()
    child = subprocess.run([sys.executable, "-c", script], env=dict(env, NUMBA_CACHE_DIR=parent),
                           capture_output=True, text=True, check=True).stdout.strip()
    assert parent == child == str(tmp_path / "numba" / fingerprint())
