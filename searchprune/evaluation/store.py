"""Net files: how a net is stored, found, checked and listed (no torch needed).

A net is one ``.npz`` file: its arrays plus ``manifest``, a JSON string with what the
net is and where it came from::

    format        "dense", "2:4" or "csr"  (how the weights are laid out: ``searchprune.evaluation.formats``)
    quant         null or "int8"           (int16 first layer, int8 second layer)
    name          file stem: "<arch>-h<hidden>[-<format tag>]-<sha256[:12]>" (tag: 24, csr, q8, 24q8, csrq8)
    game, arch    "chess", "chess-nnue"
    arch_hash     searchprune.evaluation.arch.Arch.hash(hidden): sizes, activation, features, kernel
    sizes         [inputs, hidden, 32, 1]
    output_scale  raw output -> evaluator units
    kernel        the evaluator's id (searchprune.evaluation.arch.Arch.kernel)
    sha256        digest of the arrays (names, dtypes, shapes and bytes, in name order)
    parent        name of the net this one was derived from, or null
    created       UTC time stamp
    training      data description, settings, epochs
    metrics       validation metrics
    prune         how a pruned net was made from ``parent``: method, amount, criterion,
                  scope, schedule, steps, fine-tuning, and the sparsity reached

Dense arrays, float32: ``w1[inputs, hidden]`` (one row per input feature, so the
first layer is a sum of rows), ``b1[hidden]``, ``w2[32, hidden]``, ``b2[32]``,
``w3[32]``, ``b3[1]``. The other formats are described in ``formats``;
``Net.dense()`` gives any net's weights as these float arrays.

``load_net`` refuses, with one line naming the file and the reason, a file that is not a
readable net, whose weights do not hash to its manifest (corrupted or edited), whose
name does not carry its hash, whose architecture is not the one this version builds for
its game, or that is for another game. Nothing falls back to another evaluator.

Shipped nets live in ``<repo>/nets``; the user's in ``$SEARCHPRUNE_NETS`` or
``$XDG_DATA_HOME/searchprune/nets`` (``~/.local/share/searchprune/nets``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from searchprune.evaluation import formats
from searchprune.evaluation.arch import arch_for
from searchprune.paths import repo_root

FORMAT_DENSE = "dense"
_HASH_IN_NAME = re.compile(r"-([0-9a-f]{12})$")


class NetError(ValueError):
    """A net that cannot be used, with a one-line reason."""


@dataclass
class Net:
    path: Path
    manifest: dict
    arrays: dict[str, np.ndarray]

    @property
    def name(self) -> str:
        return self.manifest["name"]

    @property
    def game(self) -> str:
        return self.manifest["game"]

    @property
    def hidden(self) -> int:
        return int(self.manifest["sizes"][1])

    @property
    def kernel(self) -> str:
        """``module:function`` of the compiled evaluator that runs this net (the manifest
        records the architecture's kernel id, which the load has checked)."""
        return arch_for(self.game, self.manifest["arch"]).evaluator

    @property
    def format(self) -> str:
        return self.manifest["format"]

    @property
    def quant(self) -> str | None:
        return self.manifest.get("quant")

    @property
    def bytes(self) -> int:
        return self.path.stat().st_size

    def dense(self) -> dict[str, np.ndarray]:
        """The weights as dense float32 arrays, whatever the stored format."""
        return formats.decode(self.arrays, self.format, self.quant, self.manifest["sizes"])

    def nonzeros(self) -> int:
        return formats.nonzeros(self.dense())

    def training_folders(self) -> list[Path]:
        """The training data folders the manifest names, if every one of them is still on
        this machine; otherwise none (a net made elsewhere)."""
        named = self.manifest.get("training", {}).get("data", {}).get("folders", [])
        folders = [Path(f["path"]) for f in named if isinstance(f, dict) and "path" in f]
        return folders if folders and all(f.is_dir() for f in folders) else []

    def summary(self) -> dict:
        """One ``nets list`` row."""
        m = self.manifest
        return {"name": self.name, "game": self.game, "arch": m["arch"], "sizes": m["sizes"],
                "format": m["format"], "quant": m.get("quant"), "path": str(self.path), "bytes": self.bytes, "sha256": m["sha256"],
                "parent": m.get("parent"), "parameters": int(sum(a.size for a in self.dense().values())),
                "nonzeros": self.nonzeros(), "prune": m.get("prune"),
                "metrics": m.get("metrics", {}), "created": m.get("created")}


def shipped_dir() -> Path:
    return repo_root() / "nets"


def user_dir() -> Path:
    env = os.environ.get("SEARCHPRUNE_NETS")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "searchprune" / "nets"


def weights_sha256(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def format_tag(fmt: str, quant: str | None) -> str:
    """Name part that tells a pruned format apart: "" (dense float), "-24", "-csr", "-q8", "-24q8"."""
    tag = {"dense": "", "2:4": "24", "csr": "csr"}[fmt] + ("q8" if quant else "")
    return f"-{tag}" if tag else ""


def save_net(arrays: dict[str, np.ndarray], manifest: dict, folder: Path) -> Path:
    """Write a net named by its content hash into ``folder``; return its path.

    ``manifest`` must hold at least game and the sizes; name, sha256, arch fields and the
    time stamp are filled in here; ``format`` and ``quant`` say how ``arrays`` are laid
    out (default: dense float32). Written to a temporary file first, then renamed.
    """
    if manifest.get("format", FORMAT_DENSE) == FORMAT_DENSE and not manifest.get("quant"):
        arrays = {k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()}
    arrays = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    arch = arch_for(manifest["game"], manifest.get("arch"))
    hidden = int(manifest["sizes"][1])
    sha = weights_sha256(arrays)
    full = {"format": FORMAT_DENSE, "quant": None, "parent": None, "training": {}, "metrics": {}, **manifest,
            "arch": arch.name, "arch_hash": arch.hash(hidden), "sizes": arch.sizes(hidden),
            "output_scale": arch.output_scale, "kernel": arch.kernel, "sha256": sha,
            "created": manifest.get("created") or datetime.now(UTC).isoformat(timespec="seconds")}
    full["name"] = f"{arch.name}-h{hidden}{format_tag(full['format'], full['quant'])}-{sha[:12]}"
    _check_arrays(full, arrays, Path(full["name"]))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{full['name']}.npz"
    tmp = folder / f".{full['name']}.tmp.npz"
    np.savez(tmp, manifest=np.array(json.dumps(full, sort_keys=True)), **arrays)
    tmp.replace(path)
    return path


def _check_arrays(manifest: dict, arrays: dict[str, np.ndarray], path: Path) -> None:
    try:
        formats.check(arrays, manifest["format"], manifest.get("quant"), manifest["sizes"])
    except formats.FormatError as exc:
        raise NetError(f"{path.name}: {exc}") from None


def read_net(path: Path) -> Net:
    """Read and check a net file, whatever its game."""
    path = Path(path)
    if not path.is_file():
        raise NetError(f"no net file {path}")
    if not zipfile.is_zipfile(path):  # numpy would read it as a pickle and advise allow_pickle
        raise NetError(f"{path.name}: not a net file (not a readable net file: a net is a .npz archive, this is not)")
    try:
        with np.load(path, allow_pickle=False) as data:
            contents = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        reason = "an array holds Python objects" if "pickle" in str(exc) else str(exc)
        raise NetError(f"{path.name}: not a readable net file (truncated or corrupted?): {reason}") from None
    if "manifest" not in contents:
        raise NetError(f"{path.name}: no manifest inside: not a searchprune net")
    try:
        manifest = json.loads(str(contents.pop("manifest")))
    except json.JSONDecodeError as exc:
        raise NetError(f"{path.name}: the manifest is not valid JSON ({exc})") from None
    missing = [k for k in ("format", "name", "game", "arch", "arch_hash", "sizes", "sha256", "kernel") if k not in manifest]
    if missing:
        raise NetError(f"{path.name}: the manifest lacks {', '.join(missing)}")
    if manifest["format"] not in formats.FORMATS or manifest.get("quant") not in formats.QUANTS:
        raise NetError(f"{path.name}: net format {manifest['format']!r} (quantisation {manifest.get('quant')!r}) "
                       f"is not supported by this version")
    sha = weights_sha256(contents)
    if sha != manifest["sha256"]:
        raise NetError(f"{path.name}: weights do not match the manifest's sha256 (corrupted or edited file)")
    named = _HASH_IN_NAME.search(path.stem)
    if named and named.group(1) != sha[:12]:
        raise NetError(f"{path.name}: the file name says hash {named.group(1)} but the weights hash to {sha[:12]}")
    try:
        arch = arch_for(manifest["game"], manifest["arch"])
    except ValueError as exc:
        raise NetError(f"{path.name}: {exc}") from None
    sizes = manifest["sizes"]
    if (not isinstance(sizes, list) or len(sizes) < 2 or not isinstance(sizes[1], int)
            or sizes != arch.sizes(sizes[1]) or manifest["arch_hash"] != arch.hash(sizes[1])
            or manifest["kernel"] != arch.kernel):
        raise NetError(f"{path.name}: architecture {manifest['arch']} {sizes} (hash {manifest['arch_hash']}) "
                       f"is not the {arch.name} this version builds for {manifest['game']}")
    _check_arrays(manifest, contents, path)
    return Net(path=path, manifest=manifest, arrays=contents)


def find_net(name_or_path: str | Path) -> Path:
    """A net file from a path, or a name (or unique name prefix) among shipped and user nets."""
    candidate = Path(name_or_path).expanduser()
    if candidate.is_file():
        return candidate
    text = str(name_or_path)
    if candidate.suffix == ".npz" or os.sep in text:
        raise NetError(f"no net file {text}")
    files = [p for folder in (shipped_dir(), user_dir()) if folder.is_dir() for p in sorted(folder.glob("*.npz"))
             if not p.name.startswith(".")]
    exact = [p for p in files if p.stem == text]
    matches = exact or [p for p in files if p.stem.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NetError(f"no net named {text!r} (see `searchprune nets list`)")
    raise NetError(f"net name {text!r} is ambiguous: {', '.join(p.stem for p in matches[:4])}")


def with_article(word: str) -> str:
    """``word`` after "a" or "an", by its first letter: "a chess", "an othello"."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def load_net(name_or_path: str | Path, game: str | None = None) -> Net:
    """The checked net; with ``game``, refuse a net made for another game."""
    net = read_net(find_net(name_or_path))
    if game is not None and net.game != game:
        raise NetError(f"{net.path.name} is {with_article(net.game)} net, not {with_article(game)} net")
    return net


def list_nets() -> list[tuple[Path, Net | NetError]]:
    """Every ``.npz`` among shipped and user nets, read and checked (or the error)."""
    rows: list[tuple[Path, Net | NetError]] = []
    for folder in (shipped_dir(), user_dir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.npz")):
            if path.name.startswith("."):
                continue
            try:
                rows.append((path, read_net(path)))
            except NetError as exc:
                rows.append((path, exc))
    return rows
