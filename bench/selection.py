"""Which stored runs a command reads when it is given no inputs.

``bench.store`` knows the layout and loads one run; this module chooses among
the runs of a results tree: this machine's newest run of each configuration
(``select_runs``, for ``compare``/``report``/``claims``), runs named with
``--runs``, and the newest run per Go version (``newest_by_go``, where
``bench verify`` stores escape.json). A ``bench run --repeat K`` series counts
as one choice, so its repeats are read together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import benchfmt
from bench import machine as _machine
from bench.errors import InputError
from bench.model import LoadedRun
from bench.store import (
    META,
    PUBLISHED,
    RAW,
    find_runs,
    in_published,
    load_run_dir,
    read_json,
    run_label,
)

#: Request fields that make two runs measure the same thing (the rest: seed, paths, timeout).
_CONFIG_FIELDS = (
    "count",
    "benchtime",
    "quick",
    "order",
    "gogc",
    "live_heap",
    "cpu",
    "cases",
    "samples_per_round",
)


def _raw_config(raw: Path) -> dict[str, str]:
    """The ``key: value`` lines of a raw.txt (first value of each key), without parsing results."""
    seen: dict[str, set[str]] = {}
    with open(raw, encoding="utf-8", errors="replace") as f:
        for line in f:
            key, sep, value = line.partition(": ")
            if sep and benchfmt.is_config_key(key) and not line.startswith("Benchmark"):
                seen.setdefault(key, set()).add(value.strip())
    return {k: ",".join(sorted(v)) for k, v in seen.items()}


def _meta(run_dir: Path) -> dict[str, Any] | None:
    """A run's meta.json when it is readable (damage is reported when the run is loaded)."""
    try:
        return read_json(run_dir / META, kind="meta")
    except InputError:
        return None


def configuration(run_dir: Path) -> tuple[str, ...]:
    """What a run measured, as a key: runs with equal keys may stand in for each other.

    From meta.json (toolchain, module and the request's settings) when it is
    readable, else from raw.txt's configuration lines.
    """
    meta = _meta(run_dir)
    if meta is not None:
        req = meta.get("request", {})
        return (
            "meta",
            str(meta.get("machine", {}).get("machine", "")),
            str(meta.get("toolchain", {}).get("version", "")),
            str(meta.get("module", "")),
            *(f"{k}={req.get(k)}" for k in _CONFIG_FIELDS),
        )
    if (run_dir / RAW).is_file():
        cfg = _raw_config(run_dir / RAW)
        return (
            "raw",
            *(
                f"{k}={cfg.get(k, '')}"
                for k in ("machine", "go-version", "pkg", "gogc", "live-heap", "escapebench-order")
            ),
        )
    return ("dir", run_dir.as_posix())


def _repeat_group(run_dir: Path) -> str | None:
    """The ``bench run --repeat K`` series a run belongs to (meta ``series.id``), K > 1."""
    series = (_meta(run_dir) or {}).get("series")
    if isinstance(series, dict) and series.get("id") and int(series.get("of", 1) or 1) > 1:
        return str(series["id"])
    return None


def _machine_of(root: Path, run_dir: Path) -> str:
    """The machine segment of ``<root>[/published]/<machine>/<go>/<stamp>``."""
    parts = run_dir.relative_to(root).parts
    if parts and parts[0] == PUBLISHED:
        parts = parts[1:]
    return parts[0] if len(parts) >= 3 else ""


def newest_per_configuration(dirs: Sequence[Path]) -> list[Path]:
    """The newest run of each configuration (with the other repeats of its ``--repeat``)."""
    by_config: dict[tuple[str, ...], list[Path]] = {}
    for d in dirs:
        by_config.setdefault(configuration(d), []).append(d)
    chosen: list[Path] = []
    for group in by_config.values():
        newest = max(group, key=lambda d: d.name)
        rep = _repeat_group(newest)
        chosen += [d for d in group if rep is not None and _repeat_group(d) == rep] or [newest]
    return sorted(chosen)


def _run_key(run_dir: Path) -> str:
    """Which ``bench run`` made a run directory: its series (``--repeat``), else its group."""
    meta = _meta(run_dir) or {}
    series = meta.get("series")
    if isinstance(series, dict) and series.get("id") and int(series.get("of", 1) or 1) > 1:
        return "series " + str(series["id"])
    return "group " + str(meta.get("group") or run_dir.name)


def newest_run(root: Path, *, machine: str | None = None) -> list[LoadedRun]:
    """Every run directory of this machine's newest ``bench run`` (all toolchains, all repeats).

    What ``bench cost`` reads with no input: the records ``bench run`` printed
    its table from, so both tables (and their Holm family) are the same.
    """
    root = Path(root)
    wanted = machine or _machine.machine_id()
    dirs = [d for d in (find_runs(root) if root.is_dir() else []) if _machine_of(root, d) == wanted]
    if not dirs:
        return select_runs(root, machine=machine)  # its message says what to do
    key = _run_key(max(dirs, key=lambda d: (d.name, d.as_posix())))
    chosen = sorted(d for d in dirs if _run_key(d) == key)
    return [load_run_dir(d, run_label(root, d)) for d in chosen]


def _named_runs(root: Path, names: Sequence[str]) -> list[Path]:
    """Run directories named by path, or by a suffix of ``machine/go/stamp`` under ``root``."""
    every = find_runs(root, published=True) if root.is_dir() else []
    out: list[Path] = []
    for name in names:
        p = Path(name)
        if p.is_dir() and find_runs(p, published=True):
            out += find_runs(p, published=True)
            continue
        hits = [d for d in every if d.as_posix().endswith("/" + name.strip("/"))]
        if not hits:
            raise InputError(
                f"--runs {name}: no such run under {root}: name a run directory "
                "or its machine/go/stamp (see `ls " + str(root) + "`)"
            )
        out += hits
    return sorted(set(out))


def select_runs(
    root: Path,
    *,
    machine: str | None = None,
    runs: Sequence[str] | None = None,
    published: bool = False,
    benchstat: bool = False,
) -> list[LoadedRun]:
    """The runs a command reads when it is not given inputs.

    By default this machine's newest run of each configuration (toolchain,
    module, settings); ``machine`` picks another machine's (``published``
    looks in ``published/`` too, and with no machine takes every published
    machine); ``runs`` names runs exactly (published ones included).
    """
    root = Path(root)
    if runs:
        dirs = _named_runs(root, runs)
    else:
        dirs = find_runs(root, published=published) if root.is_dir() else []
        if published and machine is None:
            wanted = {_machine.machine_id()}
            dirs = [d for d in dirs if _machine_of(root, d) in wanted or in_published(d)]
        else:
            wanted = {machine or _machine.machine_id()}
            dirs = [d for d in dirs if _machine_of(root, d) in wanted]
        dirs = newest_per_configuration(dirs)
    if not dirs:
        whose = f"machine {machine}" if machine else f"this machine ({_machine.machine_id()})"
        others = sorted(
            {m for d in (find_runs(root) if root.is_dir() else []) if (m := _machine_of(root, d))}
            - {machine or _machine.machine_id()}
        )
        hint = f"; other machines here: {', '.join(others)} (--machine NAME)" if others else ""
        raise InputError(
            f"{root}: no runs of {whose}{hint}: run `bench run --results {root}` "
            "first, or pass --published for the project's published runs"
        )
    return [load_run_dir(d, run_label(root, d), benchstat) for d in dirs]


def _measured_module(run_dir: Path) -> Path | None:
    """The module a run measured (meta ``module``), or None when unknown."""
    module = (_meta(run_dir) or {}).get("module")
    return Path(str(module)).expanduser().resolve() if module else None


def newest_by_go(
    root: Path, module: Path | None = None, package: str | None = None
) -> dict[str, Path]:
    """This machine's newest run directory per Go version (never a published one).

    For ``bench verify``, which needs one run per toolchain and stores
    escape.json beside it; with ``module``, only runs of that module (a run of
    your own pairs never gets the bundled cases' verification), and with
    ``package`` only runs of that package of it (``./cases``, not the price
    grid ``./prices`` of the same module; a run that recorded no package
    counts as any). Empty when there is none (verify then works unmeasured).
    """
    root = Path(root)
    mine = root / _machine.safe_segment(_machine.machine_id(), "machine")
    want = Path(module).resolve() if module is not None else None
    newest: dict[str, Path] = {}
    for d in find_runs(mine) if mine.is_dir() else []:
        if want is not None and _measured_module(d) not in (None, want):
            continue
        measured = (_meta(d) or {}).get("package")
        if package is not None and measured not in (None, package):
            continue
        go = d.parent.name
        if go not in newest or d.name > newest[go].name:
            newest[go] = d
    return newest
