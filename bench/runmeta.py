"""What a run directory says about itself: the config lines that open raw.txt and the
fields of meta.json (machine, toolchain, what was measured, the command, the plan).

``bench.matrix`` writes both for every run it makes; nothing here runs a benchmark.
"""

from __future__ import annotations

import functools
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import __version__, calibration, store
from bench.cases import Module, import_path
from bench.plan import Plan
from bench.request import RunRequest
from bench.toolchain import Toolchain
from bench.vocab import keys


def meta_for(
    tc: Toolchain,
    req: RunRequest,
    plan: Plan,
    module: Module,
    machine_meta: dict[str, Any],
    group: str,
    status: str,
) -> dict[str, Any]:
    """The fields of meta.json every run has; ``module`` is the module's directory as
    results record paths, ``package`` the measured package inside it (``./prices``)."""
    return {
        "kind": "escapebench-run",
        "escapebench_version": __version__,
        "group": group,
        "status": status,
        "machine": machine_meta,
        "toolchain": tc.describe(),
        "gomaxprocs": os.environ.get("GOMAXPROCS") or str(os.cpu_count() or ""),
        "module": store.portable_path(module.root),
        "package": module.package,  # the measured package, relative to the module
        "import_path": import_path(module),
        "calibration_id": plan.calibration_id,
        "calibration_from": plan.calibration_from,
        "cases_git_commit": _git_commit(module.root),
        "command_line": shlex.join(req.argv) if req.argv else shlex.join(sys.argv),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "plan": plan.to_json(),
    }


@functools.lru_cache(maxsize=8)
def _git_commit(path: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(path), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def raw_header(
    plan: Plan, machine_meta: dict[str, Any], go: str, *, module: str = "", sources: str = ""
) -> str:
    """The config lines that open a run's raw.txt (how it was measured, for benchstat too).

    ``module`` and ``sources`` say what was measured (``bench.cases.measured_sources``).
    """
    config = {
        keys.VERSION: __version__,
        keys.MACHINE: machine_meta["machine"],
        keys.GO_VERSION: go,
        keys.CPU_MODEL: machine_meta.get("cpu_model", ""),
        keys.MODULE: module,
        keys.SOURCES: sources,
        keys.ORDER: plan.order,
        keys.SEED: str(plan.seed),
        keys.BENCHTIME: plan.benchtime,
        keys.COUNT: str(plan.count),
        keys.CALIBRATION: calibration.config_value(plan, go),
        keys.CALIBRATION_ID: plan.calibration_id,
    }
    if plan.order != "sequential" and plan.samples_per_round > 1:
        config[keys.SAMPLES_PER_ROUND] = str(plan.samples_per_round)
    return store.raw_header(config)
