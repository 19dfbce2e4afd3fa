"""The compression study: every pruned variant of a net against its dense parent.

``run_study(StudyOptions(game=...))`` runs it (``searchprune bench compression`` is
its command). For the parent and each variant of ``VARIANTS`` (structured 25/50/75 %,
2:4, structured 50 % + 2:4, unstructured 50/80/90 %), each also quantised to int8, one
row with:

- parameters (the dense architecture's count), non-zeros, weight bytes (the stored
  arrays) and file bytes (arrays plus the JSON manifest, which carries the recipe and
  the training record);
- validation loss of the net as stored, on the parent's validation games;
- µs per evaluation in compiled code (median over interleaved rounds);
- nodes/s and mean nodes to reach depth ``depth`` on a fixed position suite, and mean
  depth reached in ``think`` seconds (negascout, fresh 16 MiB table per position);
- Elo against the dense parent at equal time and at equal nodes, 95 % error bars, from
  a two-engine tournament played in this process through ``searchprune.arena``.

Variants are built once into ``work/nets`` (one-shot pruning, then fine-tuning) and
reused; each finished measurement is saved to ``work/results.json`` at once, and each
match streams its games to ``work/matches/<variant>/<condition>``, so an interrupted
run picks up where it stopped. The table, a JSON copy and the plots go to ``out``.

Torch is needed (pruning and fine-tuning), so this module sits above ``nets``, beside
``bench``; nothing below it imports it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from searchprune.arena.executors import Executors
from searchprune.arena.records import RESULTS, ResultsError
from searchprune.arena.tournament import Tournament, load_openings
from searchprune.arena.tournament import run as run_tournament
from searchprune.bench import bench_positions, evaluation_times
from searchprune.config import cache_dir
from searchprune.engines.spec import EngineSpec, SpecError, spec_from_dict
from searchprune.evaluation.simd import HAVE_AVX512
from searchprune.evaluation.store import NetError, list_nets, load_net, read_net
from searchprune.games import get_game
from searchprune.games.registry import PerGame
from searchprune.nets.export import export_model, load_model
from searchprune.nets.prune import PruneConfig
from searchprune.nets.prune.schedule import as_stored, prune_net, tuning_data, validation_loss
from searchprune.search.driver import Searcher
from searchprune.search.limits import Limit

#: Depth of the nodes-to-depth search per game, when the options give none: a depth each
#: game's parent reaches in well under a second a position.
SEARCH_DEPTH: PerGame[int] = PerGame(lambda b: b.bench.study_depth if b.bench else None, "compression study")
#: Match conditions: what is equal between the variant and the parent.
CONDITIONS = ("time", "nodes")


class StudyError(ValueError):
    """Options the study cannot run with; the message is one line."""


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
                                training=net.manifest.get("training", {}),
                                prune={"method": None, "quant": variant.quant})
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
        return {"loss": validation_loss(as_stored(model, fmt, quant), self.data),
                "positions": int(self.data.val_features.shape[0])}

    # -- static measures ---------------------------------------------------------------------------
    def static(self, variant: Variant, net) -> None:
        if "val_loss" in self.results.get(variant.key, {}):
            return
        self.record(variant.key, name=net.name, format=net.format, quant=net.quant, hidden=net.hidden,
                    params=int(sum(a.size for a in net.dense().values())), nonzeros=net.nonzeros(),
                    weight_bytes=weight_bytes(net), file_bytes=net.bytes,
                    val_loss=self._metrics(load_model(net), net.format, net.quant)["loss"])

    def eval_times(self, nets: dict[str, object], rounds: int) -> None:
        """µs per evaluation (and per accumulator update), rounds interleaved over the variants."""
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
        """The variant against the dense parent under ``limits``: a two-engine tournament in
        ``matches/<variant>/<condition>``, resumed where a saved one stopped."""
        if condition in self.results.get(key, {}).get("elo", {}):
            return
        specs = [match_spec("pruned", net, limits), match_spec("dense", self.parent, limits)]
        event = Tournament(game=net.game, engines=specs, openings=load_openings(net.game, openings), rounds=rounds)
        out = self._match_folder(key) / condition
        resume = (out / RESULTS).exists() and (out / RESULTS).stat().st_size > 0
        start = time.time()
        outcome = run_tournament(event, out, Executors(specs, concurrency=concurrency), resume=resume)
        standings = outcome.as_dict(event)
        pruned = next(e for e in standings["engines"] if e["name"] == "pruned")
        elo = dict(self.results.get(key, {}).get("elo", {}))
        elo[condition] = {"games": standings["games"], "score": pruned["score"], "elo": pruned.get("elo"),
                          "error": pruned.get("error"), "wins": pruned["wins"], "draws": pruned["draws"],
                          "losses": pruned["losses"], "limits": limits, "seconds": round(time.time() - start, 1),
                          "pentanomial": standings.get("elo_pentanomial")}
        self.record(key, elo=elo)


def match_spec(name: str, net, limits: dict) -> EngineSpec:
    """The engine a match plays: negascout, 16 MiB table, evaluated by ``net``."""
    return spec_from_dict({"game": net.game, "algorithm": "negascout", "hash_mb": 16,
                           "net": str(Path(net.path).resolve()), "limits": dict(limits)}, default_name=name)


# -- the study ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StudyOptions:
    """What ``run_study`` builds and measures; the defaults are the command's."""

    game: str
    parent: str | None = None  # a net name or path; None: the game's one dense net
    data: tuple[str, ...] = ()  # training data folders; (): the parent's own
    limit: int | None = None  # fine-tune on at most this many training positions
    finetune_epochs: int = 3
    lr: float = 3e-4
    lr_schedule: str = "constant"
    distil: float = 0.0
    variants: tuple[str, ...] = ()  # keys of VARIANTS to build and measure; (): all
    positions: int = 40  # search suite size
    depth: int | None = None  # nodes-to-depth depth; None: SEARCH_DEPTH[game]
    think: float = 0.05  # seconds a position for depth-in-time
    eval_rounds: int = 3
    rounds: int = 50  # game pairs a match (0: no matches)
    elo_variants: tuple[str, ...] = ()  # play matches only for these; (): every variant
    move_time: float = 0.02  # equal time: seconds a move
    nodes: int = 5000  # equal nodes: nodes a move
    concurrency: int = 2
    conditions: tuple[str, ...] = ()  # of CONDITIONS; (): both
    openings: str | None = None  # openings file; None: the game's shipped openings
    work: str | None = None  # resumable work folder; None: in the cache folder
    build_only: bool = False  # only the variants and their static columns
    remeasure: bool = False  # drop saved timings, searches and equal-time matches first
    out: str = "bench/results"

    def __post_init__(self) -> None:
        if self.game not in SEARCH_DEPTH:
            raise StudyError(f"no compression study for {self.game!r}: choose from {', '.join(SEARCH_DEPTH)}")
        keys = [v.key for v in VARIANTS]
        for key in self.variants + self.elo_variants:
            if key not in keys:
                raise StudyError(f"unknown variant {key!r}: choose from {', '.join(keys)}")
        for condition in self.conditions:
            if condition not in CONDITIONS:
                raise StudyError(f"unknown match condition {condition!r}: choose from {', '.join(CONDITIONS)}")

    @property
    def search_depth(self) -> int:
        return self.depth or SEARCH_DEPTH[self.game]

    def selected(self) -> list[Variant]:
        return [v for v in VARIANTS if not self.variants or v.key in self.variants]

    def matches(self, keys: list[str]) -> list[tuple[str, str, dict]]:
        """(variant, condition, limits) of every match to play, in order."""
        limits = {"time": {"time": self.move_time}, "nodes": {"nodes": self.nodes}}
        if not self.rounds or self.build_only:
            return []
        return [(key, condition, limits[condition]) for key in keys
                if key != "dense" and (not self.elo_variants or key in self.elo_variants)
                for condition in CONDITIONS if not self.conditions or condition in self.conditions]


def choose_parent(game: str, name: str | None = None):
    """The net ``name`` (checked to be a ``game`` net), or the game's only dense, unpruned,
    float net among shipped and user nets."""
    if name:
        return load_net(name, game)
    dense = [n for _, n in list_nets() if not isinstance(n, Exception) and n.game == game
             and n.format == "dense" and not n.quant and not n.manifest.get("prune")]
    if len(dense) != 1:
        raise NetError(f"{len(dense)} dense {game} nets found: choose one with --parent")
    return dense[0]


def settings(options: StudyOptions, data) -> list[str]:
    """The report's account of how each column was measured, in prose."""
    annealed = ", annealed to zero (cosine)" if options.lr_schedule == "cosine" else ""
    distilled = (f"; target: {options.distil:g} x the parent's own output + {1 - options.distil:g} x the label "
                 "(distillation)" if options.distil else "")
    openings = options.openings or "the game's shipped openings"
    return [
        (f"variants: one-shot pruning by magnitude (l1), then {options.finetune_epochs} epochs of fine-tuning "
         f"(Adam, lr {options.lr}{annealed}{distilled}) on {data.description['train_positions']:,} training "
         "positions with the masks held; int8 = the float variant quantised afterwards (int16 first layer, "
         "int8 second layer)"),
        (f"validation loss: the parent's {data.description['val_positions']:,} held-out positions (its own split), "
         "on the net as stored"),
        (f"µs/eval: compiled evaluation from the accumulators, median of {options.eval_rounds} interleaved rounds "
         "(speed-up against dense in brackets)"),
        (f"search: negascout, 16 MiB table cleared per position, {options.positions} positions of random play "
         f"(seed 1); nodes/s and mean nodes to depth {options.search_depth}; mean depth reached in "
         f"{options.think} s"),
        ("Elo: the variant's, against the dense parent, in a two-engine tournament of `searchprune.arena` "
         "(negascout, 16 MiB, openings played with colours swapped); 95 % error bars; games in brackets; the "
         f"limits of each match are in `compression_{options.game}.json` (this run: equal time "
         f"{options.move_time} s a move, equal nodes {options.nodes:,} a move, {openings})"),
    ]


def run_study(options: StudyOptions, *, command: str = "", log=print) -> str:
    """Build, measure and match what ``options`` ask for, resuming the work folder; write
    the report into ``options.out`` and return its Markdown.

    ``log`` gets one line at each step. A match that fails is logged and skipped: what
    was measured stays saved, and the next run plays it again.
    """
    parent = choose_parent(options.game, options.parent)
    folders = [Path(d) for d in options.data] or parent.training_folders()
    if not folders:
        raise StudyError("the parent's training data is not on this machine: give --data")
    data = tuning_data(parent, folders, options.limit)
    work = Path(options.work) if options.work else cache_dir() / f"compression-{options.game}"
    try:
        bench = Bench(parent, work, data, finetune_epochs=options.finetune_epochs, lr=options.lr,
                      distil=options.distil, lr_schedule=options.lr_schedule, log=log)
    except ValueError as error:
        raise StudyError(str(error)) from None
    variants = options.selected()
    keys = [v.key for v in variants]
    if options.remeasure:
        bench.forget_timings(keys)
    nets = {v.key: bench.build(v) for v in variants}
    for v in variants:
        bench.static(v, nets[v.key])
    if not options.build_only:
        _measure(bench, nets, options, log)
    for key, condition, limits in options.matches(keys):
        log(f"match: {key} vs dense, equal {condition}")
        try:
            bench.elo(key, nets[key], condition, limits, options.rounds, options.concurrency,
                      Path(options.openings) if options.openings else None)
        except (RuntimeError, ResultsError, SpecError) as error:  # one failed match loses nothing measured
            log(f"skipped: {error}")
    return write_report(bench, keys, Path(options.out), command, settings(options, data))


def _measure(bench: Bench, nets: dict, options: StudyOptions, log) -> None:
    """Evaluation times, then the searches, for every variant not yet measured."""
    log("timing evaluations")
    bench.eval_times(nets, options.eval_rounds)
    suite = bench_positions(options.game, count=options.positions, seed=1)
    for key, net in nets.items():
        log(f"searching: {key}")
        bench.search(key, net, suite, options.search_depth, options.think)


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
