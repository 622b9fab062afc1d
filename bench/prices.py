"""``bench prices``, the measuring side: run the price grid through the ordinary runner.

One job: turn a :class:`PricesRequest` into a ``bench run`` of the grid in
``go_cases/prices`` (the same interleaved rounds, calibration, storage and
verification as every run, via :func:`bench.matrix.run_series`), and find
stored grid runs again (``--from``). It computes no statistics: the CLI
hands the records to ``analysis.prices``. The grid itself is read from
``go_cases/prices/grid.toml``, which the Go generator writes beside the pairs.
Neighbours: ``bench.request`` (the request it fills), ``bench.matrix`` (the
runner), ``bench.store`` (run directories), ``bench.vocab.sizeclass`` (pair ids).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import matrix, store
from bench.cases import default_root
from bench.errors import InputError
from bench.model import Result
from bench.plan import SettingError, bench_regex
from bench.progress import Progress
from bench.request import RunRequest
from bench.vocab.sizeclass import price_pair

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

GRID_PACKAGE = "./prices"
GRID_FILE = "grid.toml"
#: Sizes ``--quick`` measures: tiny, a header boundary, a page-sized and a large object.
QUICK_SIZES = (8, 64, 1024, 1152, 65536, 1 << 20)


@dataclass(frozen=True)
class GridPair:
    """One pair of the grid as ``grid.toml`` describes it."""

    id: str
    shape: str
    size: int
    noescape_kind: str


@dataclass
class PricesRequest:
    """What the user asked ``bench prices`` for (its flags, as a library value)."""

    go: str | None = None
    gogc: str = "100"
    live_heap: str = "0"
    gomaxprocs: int | None = None
    quick: bool = False
    repeat: int = 1
    count: int | None = None
    benchtime: str | None = None
    sizes: str | None = None  # comma-separated byte counts; None: the whole grid (quick: a few)
    results: Path = Path("results")
    seed: int | None = None
    argv: Sequence[str] = ()


def load_grid(root: Path | None = None) -> tuple[GridPair, ...]:
    """The grid of ``go_cases/prices/grid.toml`` (``root``: the go_cases module)."""
    path = (root or default_root()) / GRID_PACKAGE / GRID_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise InputError(
            f"{path}: cannot read the price grid ({e}): run `go generate ./prices` in go_cases"
        ) from None
    out = []
    for p in data.get("pair", []):
        out.append(GridPair(str(p["id"]), str(p["shape"]), int(p["size"]), str(p["noescape_kind"])))
    return tuple(out)


def kinds(grid: Sequence[GridPair]) -> dict[str, str]:
    """Pair id -> noescape_kind (``stack`` or ``reused``), for ``analysis.prices``."""
    return {p.id: p.noescape_kind for p in grid}


def selected(grid: Sequence[GridPair], sizes: str | None, quick: bool) -> list[GridPair]:
    """The pairs a request measures: ``--sizes``, else the quick subset, else all."""
    if sizes:
        try:
            want = {int(s) for s in sizes.split(",") if s.strip()}
        except ValueError:
            raise SettingError(
                "sizes", sizes, "not a list of byte counts: pass e.g. 8,64,1024"
            ) from None
        missing = sorted(want - {p.size for p in grid})
        if missing or not want:
            have = ", ".join(str(s) for s in sorted({p.size for p in grid}))
            raise SettingError("sizes", sizes, f"not on the grid ({missing}): choose from {have}")
        return [p for p in grid if p.size in want]
    if quick:
        return [p for p in grid if p.size in QUICK_SIZES]
    return list(grid)


def run_request(preq: PricesRequest, pairs: Sequence[GridPair], module: Path) -> RunRequest:
    """The ``bench run`` request that measures ``pairs`` of the grid package at ``module``
    (``go_cases/prices``, measured in place: the runner builds the package it is given)."""
    req = RunRequest(
        go=preq.go,
        count=preq.count,
        benchtime=preq.benchtime,
        cases=bench_regex(p.id for p in pairs),
        results=Path(preq.results),
        quick=preq.quick,
        gogc=preq.gogc,
        live_heap=preq.live_heap,
        seed=preq.seed,
        module=module,
        argv=list(preq.argv),
        repeat=preq.repeat,
    )
    return req


def measure(preq: PricesRequest, progress: Progress | None = None) -> list[matrix.RunGroup]:
    """Run the grid (``preq.repeat`` runs) in place; each run is an ordinary run directory."""
    if preq.gomaxprocs is not None and preq.gomaxprocs < 1:
        raise SettingError("gomaxprocs", preq.gomaxprocs, "must be at least 1: pass e.g. 1 or 2")
    root = default_root()
    pairs = selected(load_grid(root), preq.sizes, preq.quick)
    with _gomaxprocs(preq.gomaxprocs):
        return matrix.run_series(run_request(preq, pairs, root / GRID_PACKAGE), progress)


@contextlib.contextmanager
def _gomaxprocs(n: int | None) -> Iterator[None]:
    """GOMAXPROCS for the test binaries (they inherit the environment; meta.json records it)."""
    if n is None:
        yield
        return
    old = os.environ.get("GOMAXPROCS")
    os.environ["GOMAXPROCS"] = str(n)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("GOMAXPROCS", None)
        else:
            os.environ["GOMAXPROCS"] = old


def stored(results: Path) -> tuple[list[Result], list[str]]:
    """Every grid record of the runs under ``results`` (``--from``), and loader warnings."""
    runs, warnings = store.load_inputs([results])
    found = [r for run in runs for r in run.parsed.results if price_pair(r.name.base)]
    for run in runs:
        warnings.extend(run.warnings)
    if not found:
        raise InputError(
            f"{results}: no price runs here (no BenchmarkPrice… results): "
            f"measure them with `bench prices --results {results}`"
        )
    return found, warnings


def stored_all(inputs: Sequence[Path]) -> tuple[list[Result], list[str]]:
    """Every record of the runs under ``inputs`` (``--check``: catalogue and grid), and warnings."""
    runs, warnings = store.load_inputs(list(inputs))
    for run in runs:
        warnings.extend(run.warnings)
    return [r for run in runs for r in run.parsed.results], warnings


def results_of(groups: Sequence[matrix.RunGroup]) -> list[Result]:
    """The grid records of the runs just made."""
    out: list[Result] = []
    for g in groups:
        for d in g.dirs.values():
            for run in store.load_input(d):
                out.extend(r for r in run.parsed.results if price_pair(r.name.base))
    return out
