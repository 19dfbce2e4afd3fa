"""The machine line every benchmark table starts with (CPU, cores, Python, load)."""

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
