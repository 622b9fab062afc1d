"""Describe the machine a run happens on, and name it.

The machine id names the top directory of a results tree, so it must be stable
across runs on one host, different across hosts, and safe as a path segment
whatever the hostname holds. We use pyperf's own metadata collection where it
fits (CPU model, count, frequency, kernel, platform) so our ``meta.json``
speaks the same language as pyperf results.
"""

from __future__ import annotations

import os
import platform
import re
import socket
import sys
from typing import Any

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_segment(text: str, fallback: str = "unknown") -> str:
    """A string made safe as one path segment: no separators, no dot-dot, bounded length."""
    seg = _SAFE.sub("-", text).strip("-.")[:64]
    return seg or fallback


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_id() -> str:
    """``<hostname>`` unless ``ESCAPEBENCH_MACHINE`` names the machine; always path-safe."""
    name = os.environ.get("ESCAPEBENCH_MACHINE") or socket.gethostname() or "machine"
    return safe_segment(name, "machine")


def collect() -> dict[str, Any]:
    """Machine metadata: pyperf's where available, plus what Go benchmarks depend on."""
    meta: dict[str, Any] = {}
    try:
        from pyperf._collect_metadata import collect_metadata

        meta.update({k: v for k, v in collect_metadata().items()
                     if isinstance(v, str | int | float)})
    except Exception:  # pyperf internals changed: fall back to our own fields
        pass
    meta.update({
        "machine": machine_id(),
        "hostname": socket.gethostname(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count() or 0,
        "os": platform.system(),
        "kernel": platform.release(),
        "arch": platform.machine(),
        "python": sys.version.split()[0],
        "gomaxprocs_env": os.environ.get("GOMAXPROCS", ""),
        "gogc_env": os.environ.get("GOGC", ""),
    })
    return meta
