"""The compression benchmark: every pruned variant of a net against the dense parent.

``searchprune bench compression --game G`` runs it. For the parent and each variant of
``VARIANTS`` (structured 25/50/75 %, 2:4, structured 50 % + 2:4, unstructured 50/80/90 %),
each also quantised to int8, one row with:

- parameters (the dense architecture's count), non-zeros, weight bytes (the stored
  arrays) and file bytes (arrays plus the JSON manifest, which carries the recipe and
  the training record);
- validation loss of the net as stored, on the parent's validation games;
- µs per evaluation in compiled code (median over interleaved rounds);
- nodes/s and mean nodes to reach depth ``depth`` on a fixed position suite, and mean
  depth reached in ``think`` seconds (negascout, fresh 16 MiB table per position);
- Elo against the dense parent at equal time and at equal nodes, 95 % error bars,
  through ``searchprune tournament``.

Variants are built once into ``work/nets`` (one-shot pruning, then fine-tuning) and
reused; each finished measurement is saved to ``work/results.json`` at once, so an
interrupted run picks up where it stopped. The table, a JSON copy and the plots go
to ``out``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Variant:
    label: str
    method: str | None  # None: the dense parent
    amount: float | None = None
    quant: str | None = None

    @property
    def key(self) -> str:
        return self.label + (" int8" if self.quant else "")


BASE = [Variant("dense", None), Variant("structured 25%", "structured", 0.25),
        Variant("structured 50%", "structured", 0.5), Variant("structured 75%", "structured", 0.75),
        Variant("2:4", "2:4"), Variant("structured 50% + 2:4", "structured+2:4", 0.5),
        Variant("unstructured 50%", "unstructured", 0.5), Variant("unstructured 80%", "unstructured", 0.8),
        Variant("unstructured 90%", "unstructured", 0.9)]
VARIANTS = [Variant(v.label, v.method, v.amount, q) for v in BASE for q in (None, "int8")]


def machine_line() -> str:
    """CPU model, cores, whether the 2:4 kernel has AVX-512 permutes, and the load at the start."""
    import os
    import platform

    from searchprune.evaluation.simd import HAVE_AVX512

    model = "unknown CPU"
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{os.cpu_count()} CPUs, {model}, Python {platform.python_version()}, "
            f"2:4 kernel: {'AVX-512 permutes' if HAVE_AVX512 else 'portable gather'}, "
            f"load average at start {os.getloadavg()[0]:.2f}")


def weight_bytes(net) -> int:
    return int(sum(a.nbytes for a in net.arrays.values()))


class Bench:
    """One game's compression benchmark in a resumable work folder."""

    def __init__(self, parent, work: Path, data, *, finetune_epochs: int, lr: float, distil: float = 0.0,
                 lr_schedule: str = "constant", log=print) -> None:
        self.parent, self.work, self.data = parent, Path(work), data
        self.finetune_epochs, self.lr, self.distil, self.lr_schedule, self.log = (finetune_epochs, lr, distil,
                                                                                   lr_schedule, log)
        self.work.mkdir(parents=True, exist_ok=True)
        self.results_path = self.work / "results.json"
        self.results: dict = json.loads(self.results_path.read_text()) if self.results_path.exists() else {}
        self._check_recipe()

    def _check_recipe(self) -> None:
        """A work folder holds the variants of one fine-tuning recipe: refuse to mix in another."""
        recipe = {"finetune_epochs": self.finetune_epochs, "lr": self.lr, "distil": self.distil,
                  "lr_schedule": self.lr_schedule}
        path = self.work / "recipe.json"
        if path.exists():
            saved = json.loads(path.read_text())
            if {**recipe, **saved} != recipe:
                changed = ", ".join(f"{k} {saved[k]} (now {recipe[k]})" for k in saved if saved[k] != recipe.get(k))
                raise ValueError(f"{self.work} holds variants fine-tuned with {changed}: use another --work")
        path.write_text(json.dumps(recipe, indent=1, sort_keys=True))

    def _save(self) -> None:
        tmp = self.results_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.results, indent=1, sort_keys=True))
        tmp.replace(self.results_path)

    def record(self, key: str, **values) -> None:
        self.results.setdefault(key, {}).update(values)
        self._save()

    def forget_timings(self, keys: list[str]) -> None:
        """Drop what depends on the kernels' speed: evaluation times, searches, equal-time matches."""
        import shutil

        for key in keys:
            row = self.results.get(key, {})
            for field in ("eval_us", "make_us", "nps", "nodes_to_depth", "depth_in_time"):
                row.pop(field, None)
            if row.get("elo", {}).pop("time", None) is not None:
                shutil.rmtree(self._match_folder(key) / "time", ignore_errors=True)
        self._save()

    def _match_folder(self, key: str) -> Path:
        return self.work / "matches" / key.replace(" ", "_").replace(":", "").replace("%", "").replace("+", "")

    # -- variants ----------------------------------------------------------------------------
    def build(self, variant: Variant):
        """The variant's net: the parent, or pruned (and fine-tuned) once and then reused."""
        from searchprune.nets.export import export_model, load_model
        from searchprune.nets.prune import PruneConfig
        from searchprune.nets.prune.schedule import prune_net
        from searchprune.evaluation.store import read_net

        if variant.method is None and variant.quant is None:
            return self.parent
        known = self.results.get(variant.key, {}).get("net")
        if known and Path(known).exists():
            return read_net(Path(known))
        folder = self.work / "nets"
        if variant.method is None:
            net = self.parent
            path = export_model(load_model(net), folder, parent=net.name, quant=variant.quant,
                                metrics=self._metrics(load_model(net), net.format, variant.quant),
                                training=net.manifest.get("training", {}), prune={"method": None, "quant": variant.quant})
        elif variant.quant is None:
            config = PruneConfig(method=variant.method, amount=variant.amount, finetune_epochs=self.finetune_epochs,
                                 lr=self.lr, distil=self.distil, lr_schedule=self.lr_schedule)
            self.log(f"pruning: {variant.key}")
            path = prune_net(self.parent, config, folder, data=self.data, progress=sys.stderr.isatty())
        else:  # prune, then quantise: the float variant's weights, stored as int8
            base = self.build(Variant(variant.label, variant.method, variant.amount))
            recipe = {**base.manifest["prune"], "quant": variant.quant}
            path = export_model(load_model(base), folder, parent=self.parent.name, quant=variant.quant,
                                fmt=base.format, prune=recipe, training=base.manifest.get("training", {}),
                                metrics=self._metrics(load_model(base), base.format, variant.quant))
        net = read_net(path)
        self.record(variant.key, net=str(path))
        return net

    def _metrics(self, model, fmt: str, quant: str | None) -> dict:
        """The manifest's metrics: validation loss of the net as stored (as ``prune_net`` writes)."""
        from searchprune.nets.prune.schedule import as_stored, validation_loss

        return {"loss": validation_loss(as_stored(model, fmt, quant), self.data),
                "positions": int(self.data.val_features.shape[0])}

    # -- static measures ---------------------------------------------------------------------------
    def static(self, variant: Variant, net) -> None:
        from searchprune.nets.export import load_model

        if "val_loss" in self.results.get(variant.key, {}):
            return
        self.record(variant.key, name=net.name, format=net.format, quant=net.quant, hidden=net.hidden,
                    params=int(sum(a.size for a in net.dense().values())), nonzeros=net.nonzeros(),
                    weight_bytes=weight_bytes(net), file_bytes=net.bytes,
                    val_loss=self._metrics(load_model(net), net.format, net.quant)["loss"])

    def eval_times(self, nets: dict[str, object], rounds: int) -> None:
        """µs per evaluation (and per accumulator update), rounds interleaved over the variants."""
        from searchprune.bench import evaluation_times

        todo = {k: n for k, n in nets.items() if "eval_us" not in self.results.get(k, {})}
        samples: dict[str, list] = {k: [] for k in todo}
        for _ in range(rounds):
            for key, net in todo.items():
                samples[key].append(evaluation_times(net, repeat=100, runs=3))
        for key, runs in samples.items():
            self.record(key, eval_us=statistics.median(r["net"] for r in runs),
                        make_us=statistics.median(r.get("make", 0.0) for r in runs))

    def search(self, key: str, net, positions: list, depth: int, think: float) -> None:
        """Nodes and time to ``depth``, and depth reached in ``think`` seconds, per position."""
        from searchprune.games import get_game
        from searchprune.search.driver import Searcher
        from searchprune.search.limits import Limit

        if "nodes_to_depth" in self.results.get(key, {}):
            return
        game = get_game(net.game)
        searcher = Searcher(game, algorithm="negascout", tt_mb=16, net=net)
        searcher.search(positions[0], Limit(depth=2))  # compile / load
        nodes, seconds, depths = [], [], []
        for state in positions:
            searcher.clear()
            result = searcher.search(state, Limit(depth=depth))
            nodes.append(result.info.nodes)
            seconds.append(result.info.time)
        for state in positions:
            searcher.clear()
            depths.append(searcher.search(state, Limit(time=think)).info.depth)
        self.record(key, nodes_to_depth=float(np.mean(nodes)), nps=float(sum(nodes) / max(sum(seconds), 1e-9)),
                    depth_in_time=float(np.mean(depths)), search_depth=depth, think=think,
                    search_positions=len(positions))

    # -- strength ---------------------------------------------------------------------------------------
    def elo(self, key: str, net, condition: str, limits: dict, rounds: int, concurrency: int,
            openings: Path | None) -> None:
        """The variant against the dense parent under ``limits`` (a resumable tournament)."""
        if condition in self.results.get(key, {}).get("elo", {}):
            return
        folder = self._match_folder(key)
        specs = folder / f"{condition}-specs"
        specs.mkdir(parents=True, exist_ok=True)
        for name, path in (("pruned", net.path), ("dense", self.parent.path)):
            lines = [f'game = "{net.game}"', 'algorithm = "negascout"', "hash_mb = 16", f'net = "{path}"', "[limits]"]
            (specs / f"{name}.toml").write_text("\n".join(lines + [f"{k} = {v}" for k, v in limits.items()]) + "\n")
        out = folder / condition
        cmd = [sys.executable, "-m", "searchprune.cli", "tournament", str(specs / "pruned.toml"),
               str(specs / "dense.toml"), "--rounds", str(rounds), "--concurrency", str(concurrency),
               "--out", str(out), "--json", "--no-progress"]
        if openings:
            cmd += ["--openings", str(openings)]
        if (out / "results.jsonl").exists():
            cmd.append("--resume")
        start = time.time()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"tournament for {key} ({condition}) failed: {done.stderr.strip()[-300:]}")
        standings = json.loads(done.stdout.strip().splitlines()[-1])
        pruned = next(e for e in standings["engines"] if e["name"] == "pruned")
        elo = dict(self.results.get(key, {}).get("elo", {}))
        elo[condition] = {"games": standings["games"], "score": pruned["score"], "elo": pruned.get("elo"),
                          "error": pruned.get("error"), "wins": pruned["wins"], "draws": pruned["draws"],
                          "losses": pruned["losses"], "limits": limits, "seconds": round(time.time() - start, 1),
                          "pentanomial": standings.get("elo_pentanomial")}
        self.record(key, elo=elo)


# -- the report ------------------------------------------------------------------------------------------
def _elo_text(entry: dict | None) -> str:
    if not entry:
        return "not run"
    if entry.get("elo") is None or entry.get("error") is None:
        return f"n/a ({entry['games']} g)"
    return f"{entry['elo']:+.0f} ± {entry['error']:.0f} ({entry['games']} g)"


def table(results: dict, keys: list[str]) -> list[str]:
    head = ("| variant | hidden | params | non-zeros | weight bytes | file bytes | val loss | µs/eval | "
            "nodes/s | nodes to depth | depth in time | Elo, equal time | Elo, equal nodes |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    dense = results.get("dense", {})
    for key in keys:
        r = results.get(key)
        if not r or "val_loss" not in r:
            continue
        ratio = dense.get("weight_bytes", 0) / r["weight_bytes"] if r.get("weight_bytes") else float("nan")
        speed = dense.get("eval_us", 0) / r["eval_us"] if r.get("eval_us") else float("nan")
        elo = r.get("elo", {})
        lines.append(
            f"| {key} | {r['hidden']} | {r['params']:,} | {r['nonzeros']:,} | {r['weight_bytes']:,} ({ratio:.1f}x) | "
            f"{r['file_bytes']:,} | {r['val_loss']:.5f} | "
            + (f"{r['eval_us']:.3f} ({speed:.2f}x) | " if "eval_us" in r else "– | ")
            + (f"{r['nps'] / 1e6:.2f} M | {r['nodes_to_depth']:,.0f} | {r['depth_in_time']:.2f} | "
               if "nps" in r else "– | – | – | ")
            + f"{'0 (reference)' if key == 'dense' else _elo_text(elo.get('time'))} | "
            + f"{'0 (reference)' if key == 'dense' else _elo_text(elo.get('nodes'))} |")
    return lines


def plots(results: dict, keys: list[str], out: Path, title: str) -> list[Path]:
    """Strength and depth against weight bytes (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(k, results[k]) for k in keys if k in results and "weight_bytes" in results[k]]
    paths = []
    fig, axes = plt.subplots(1, 3, figsize=(16, 5))
    for ax, (field, label) in zip(axes, (("time", "Elo vs dense, equal time"), ("nodes", "Elo vs dense, equal nodes"))):
        for key, r in rows:
            entry = {"elo": 0.0, "error": 0.0} if key == "dense" else r.get("elo", {}).get(field)
            if not entry or entry.get("elo") is None:
                continue
            marker = "s" if r.get("quant") else "o"
            ax.errorbar(r["weight_bytes"] / 1024, entry["elo"], yerr=entry.get("error") or 0, fmt=marker, capsize=3)
            ax.annotate(key, (r["weight_bytes"] / 1024, entry["elo"]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("weight bytes (KiB, log)")
        ax.set_ylabel(label)
    ax = axes[2]
    for key, r in rows:
        if "depth_in_time" in r:
            ax.plot(r["weight_bytes"] / 1024, r["depth_in_time"], "s" if r.get("quant") else "o")
            ax.annotate(key, (r["weight_bytes"] / 1024, r["depth_in_time"]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("weight bytes (KiB, log)")
    ax.set_ylabel("mean depth reached in the fixed time")
    fig.suptitle(title + "  (circles: float, squares: int8)")
    fig.tight_layout()
    path = out / f"compression_{title.split()[0]}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    paths.append(path)
    return paths


def write_report(bench: Bench, keys: list[str], out: Path, command: str, settings: list[str]) -> str:
    """Write ``compression_<game>.md`` (the table), ``.json`` (the raw rows) and ``.png`` into
    ``out``; return the Markdown."""
    game, parent = bench.parent.game, bench.parent.name
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"# Compression benchmark: {game}, parent {parent}", "", f"- command: `{command}`",
             f"- machine: {machine_line()}", *(f"- {line}" for line in settings), ""]
    lines += table(bench.results, keys)
    png = plots(bench.results, keys, out, f"{game} compression, parent {parent}")
    lines += ["", f"Plot: `{png[0].name}`. Raw results: `compression_{game}.json`."]
    text = "\n".join(lines) + "\n"
    (out / f"compression_{game}.md").write_text(text)
    (out / f"compression_{game}.json").write_text(json.dumps({k: bench.results[k] for k in keys if k in bench.results},
                                                             indent=1))
    return text
