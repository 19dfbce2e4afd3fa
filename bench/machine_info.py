"""What every benchmark script shares: the machine line its table starts with (CPU, cores,
Python, load), and printing the finished table and writing it to ``--out``."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def describe(extra: str = "") -> str:
    """CPUs, the model name, Python and ``extra`` (library versions); the load average is
    given when ``extra`` is, since those tables were run beside other work."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    text = f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, Python {platform.python_version()}"
    if extra:
        text += f", {extra}; load average at start {os.getloadavg()[0]:.2f}"
    return text


def emit(text: str, out: Path | None) -> None:
    """Print a finished report and, given ``out``, write it there (folders made)."""
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
