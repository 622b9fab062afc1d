"""The results tree: where runs live, how files are written, how they load back.

Layout: ``<results>/<machine-id>/<go-version>/<UTC-timestamp>/`` with
``raw.txt`` (source of truth, benchstat-readable), ``results.json`` (pyperf
suite derived from it), ``meta.json`` and, once verified, ``escape.json``.
The project's own published runs live in ``<results>/published/`` with the
same layout below it; they are read only when asked for (``published=True``)
or named explicitly, so they never stand in for the user's data.

Loading (``load_inputs``, ``select_runs``) is the one place that decides what
an input is; ``bench.cli`` prints the warnings it collects, ``analysis`` gets
``bench.model.LoadedRun`` records. (Slightly over the ~600-line guide: writing
the layout and reading it back belong together.)

Every JSON file carries ``"schema": SCHEMA`` and is written atomically: a temp
file in the same directory, fsync, rename. Raw text is appended and flushed
as it arrives, so an interrupted run keeps every finished benchmark.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import benchfmt
from bench import machine as _machine
from bench.errors import InputError, SchemaError
from bench.model import LoadedRun, Name, ParsedFile, Result, Value

SCHEMA = 1


def write_text_atomic(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` so readers see the old or the new file, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def portable(obj: Any, home: str | None = None) -> Any:
    """``obj`` with the user's home directory written as ``~`` in every string.

    Results are meant to be copied between machines and published; paths under
    the home directory say nothing useful elsewhere (and ``~`` still expands
    where they are read back, e.g. by ``--resume``).
    """
    home = home if home is not None else os.path.expanduser("~")
    if not home or home == "/":
        return obj
    if isinstance(obj, str):
        return obj.replace(home + os.sep, "~" + os.sep) if home in obj else obj
    if isinstance(obj, dict):
        return {k: portable(v, home) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [portable(v, home) for v in obj]
    return obj


def write_json(path: str | Path, data: dict[str, Any]) -> None:
    """Atomically write a JSON object, stamping it with our ``schema`` version."""
    payload = {"schema": SCHEMA, **{k: v for k, v in portable(data).items() if k != "schema"}}
    write_text_atomic(
        path, json.dumps(payload, indent=2, sort_keys=False, ensure_ascii=False) + "\n"
    )


def read_json(path: str | Path, *, kind: str = "") -> dict[str, Any]:
    """Load one of our JSON files, checking its schema version."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror}): check the path") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        where = f" line {e.lineno}" if isinstance(e, json.JSONDecodeError) else ""
        raise InputError(
            f"{path}:{where} corrupt JSON ({e}): restore it or delete the run "
            "directory and re-run `bench run`"
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object{f' ({kind})' if kind else ''}")
    schema = data.get("schema")
    if schema is None:
        raise SchemaError(
            f"{path}: no 'schema' field: not written by escapebench, or written by "
            "a pre-release; re-run `bench run`"
        )
    if not isinstance(schema, int) or schema > SCHEMA:
        raise SchemaError(
            f"{path}: schema {schema!r} is newer than this escapebench understands "
            f"({SCHEMA}): upgrade escapebench (pip install -U escapebench)"
        )
    return data


# --- the results tree -------------------------------------------------------

RAW = "raw.txt"
RESULTS = "results.json"
META = "meta.json"
ESCAPE = "escape.json"

#: Units we keep in pyperf run metadata (pyperf values must be positive seconds).
METADATA_UNITS = {
    "B/op": "escapebench_bytes_per_op",
    "allocs/op": "escapebench_allocs_per_op",
    "gc-cycles/op": "escapebench_gc_cycles_per_op",
    "gc-cpu-sec/op": "escapebench_gc_cpu_sec_per_op",
    "gc-pause-sec/op": "escapebench_gc_pause_sec_per_op",
}


def utc_stamp(t: float | None = None) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def new_run_dir(root: Path, machine: str, go_version: str, stamp: str) -> Path:
    """Create ``root/machine/go/stamp`` exclusively: two runs never share a directory.

    Two ``bench run`` on one results tree at the same second get ``stamp`` and
    ``stamp-2``; nothing is ever written into another run's directory.
    """
    base = (
        root / _machine.safe_segment(machine, "machine") / _machine.safe_segment(go_version, "go")
    )
    base.mkdir(parents=True, exist_ok=True)
    for i in range(1, 1000):
        d = base / (stamp if i == 1 else f"{stamp}-{i}")
        try:
            d.mkdir()
            return d
        except FileExistsError:
            continue
    raise InputError(f"{base}: cannot create a new run directory: clean up old runs")


def check_writable(root: Path, need_bytes: int = 1 << 20) -> None:
    """Fail before measuring when results cannot be stored (read-only, disk full)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".write-test.", dir=root)
        os.close(fd)
        os.unlink(tmp)
    except OSError as e:
        raise InputError(
            f"{root}: results cannot be written here ({e.strerror}): pass "
            "--results a writable directory"
        ) from None
    free = shutil.disk_usage(root).free
    if free < need_bytes:
        raise InputError(
            f"{root}: only {free // 1024} KiB free: free some disk space or pass "
            "--results another directory"
        )


def raw_header(config: dict[str, str]) -> str:
    """Our config lines at the top of raw.txt, so benchstat can group by them."""
    lines = []
    for k, v in config.items():
        v = " ".join(str(v).split())  # a config value is one line
        if v:
            lines.append(f"{k}: {v}\n")
    return "".join(lines)


def pyperf_name(result: Any) -> str:
    """One pyperf benchmark per name *and* GC setting (a suite needs unique names)."""
    name = result.name.full
    extra = [
        f"{k}={result.config_value(k)}"
        for k in ("gogc", "live-heap")
        if result.config_value(k) not in (None, "100", "0")
    ]
    return " ".join([name, *extra])


def write_results_json(run_dir: Path, meta: dict[str, Any]) -> int:
    """Derive results.json (a pyperf BenchmarkSuite) from raw.txt; returns #benchmarks.

    pyperf takes one machine per benchmark and only positive values, so time
    per op is the value (seconds) and B/op, allocs/op and the GC metrics,
    often zero, go into each run's metadata.
    """
    import pyperf  # lazy: pyperf pulls in psutil and more; only writing a run needs it

    parsed = benchfmt.parse_file(run_dir / RAW)
    runs: dict[str, list[pyperf.Run]] = {}
    common = {
        k: v
        for k, v in {
            "hostname": meta.get("machine", {}).get("hostname"),
            "cpu_model_name": meta.get("machine", {}).get("cpu_model"),
            "cpu_count": meta.get("machine", {}).get("cpu_count"),
            "platform": meta.get("machine", {}).get("platform"),
            "escapebench_machine": meta.get("machine", {}).get("machine"),
            "escapebench_go_version": meta.get("toolchain", {}).get("version"),
        }.items()
        if v not in (None, "")
    }
    for r in parsed.results:
        sec = r.get("sec/op")
        if sec is None or sec <= 0:
            continue
        md: dict[str, Any] = {
            "name": pyperf_name(r),
            "unit": "second",
            "loops": max(1, r.iters),
            **common,
        }
        for unit, key in METADATA_UNITS.items():
            v = r.get(unit)
            if v is not None:
                md[key] = float(v)
        for k in ("gogc", "live-heap"):
            if r.config_value(k):
                md[f"escapebench_{k.replace('-', '_')}"] = r.config_value(k)
        runs.setdefault(md["name"], []).append(
            pyperf.Run([sec], metadata=md, collect_metadata=False)
        )
    suite = pyperf.BenchmarkSuite([pyperf.Benchmark(rs) for rs in runs.values()]) if runs else None
    path = run_dir / RESULTS
    if suite is None:
        return 0
    fd, tmp = tempfile.mkstemp(prefix=".results.", suffix=".json", dir=run_dir)
    os.close(fd)
    try:
        os.unlink(tmp)
        suite.dump(tmp)
        # pyperf ignores unknown top-level keys: stamp ours like every file we write
        with open(tmp, encoding="utf-8") as f:
            data = json.load(f)
        data["schema"] = SCHEMA
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, sort_keys=True, separators=(",", ":"))
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return len(runs)


# --- loading ----------------------------------------------------------------

#: The directory under a results tree that holds the project's published runs.
PUBLISHED = "published"


def is_run_dir(path: Path) -> bool:
    return (path / RAW).is_file() or (path / RESULTS).is_file()


def _in_published(path: Path) -> bool:
    return PUBLISHED in path.resolve().parts


def find_runs(root: Path, *, published: bool = False) -> list[Path]:
    """Every run directory under ``root`` (sorted, so reports are reproducible).

    Runs below a ``published/`` directory are left out unless ``published``
    or ``root`` itself lies inside one (named explicitly).
    """
    if is_run_dir(root):
        return [root]
    found = {p.parent for p in root.rglob(RAW)} | {p.parent for p in root.rglob(RESULTS)}
    if not published and not _in_published(root):
        found = {d for d in found if PUBLISHED not in d.relative_to(root).parts}
    return sorted(found)


def _results_from_pyperf(path: Path, label: str) -> ParsedFile:
    """Rebuild records from a pyperf results.json when its raw.txt is not beside it."""
    import pyperf  # lazy: only this rare fallback needs pyperf's loader

    data = read_json(path, kind="pyperf results")  # schema and JSON checks first
    if "benchmarks" not in data:
        raise InputError(
            f"{path}: not a pyperf results file (no 'benchmarks'): pass a raw Go "
            "benchmark text file or a run directory"
        )
    try:
        suite = pyperf.BenchmarkSuite.load(str(path))
    except Exception as e:  # pyperf raises many kinds for bad files
        raise InputError(
            f"{path}: not a pyperf results file ({e}): pass a raw Go benchmark "
            "text file or a run directory"
        ) from None
    pf = ParsedFile(path=str(path))
    units = {v: k for k, v in METADATA_UNITS.items()}
    for bench in suite.get_benchmarks():
        for i, run in enumerate(bench.get_runs(), 1):
            md = run.get_metadata()
            full = str(md.get("name", bench.get_name())).split(" ")[0]
            parts = full.split("/")
            name = Name(full=full, base=parts[0], parts=tuple("/" + p for p in parts[1:]))
            values = [Value(v, "sec/op", v * 1e9, "ns/op") for v in run.values]
            values += [Value(float(md[k]), u) for k, u in units.items() if k in md]
            config = [(".file", label)]
            for key, ck in (
                ("escapebench_go_version", "go-version"),
                ("escapebench_machine", "machine"),
                ("escapebench_gogc", "gogc"),
                ("escapebench_live_heap", "live-heap"),
            ):
                if key in md:
                    config.append((ck, str(md[key])))
            pf.results.append(
                Result(
                    name=name,
                    iters=int(md.get("loops", 1)),
                    values=tuple(values),
                    config=tuple(config),
                    file=str(path),
                    line=i,
                )
            )
    return pf


def load_input(
    arg: str | Path, label: str | None = None, *, benchstat: bool = False
) -> list[LoadedRun]:
    """A results tree, a run directory, a results.json or a raw Go benchmark text file.

    A tree gives every run below it except the published ones (unless the tree
    is inside ``published/``). ``benchstat`` parses with Go's unit rule.
    """
    path = Path(arg)
    if not path.exists():
        raise InputError(
            f"{path}: no such file or directory: pass a results directory, a "
            "results.json or a Go benchmark text file"
        )
    if path.is_dir():
        runs = find_runs(path)
        if not runs:
            raise InputError(
                f"{path}: no runs here (no raw.txt or results.json below it): run "
                "`bench run --results " + str(path) + "` first"
            )
        return [
            _load_run_dir(
                d, label if (label and len(runs) == 1) else _run_label(path, d), benchstat
            )
            for d in runs
        ]
    if path.name == RESULTS and (path.parent / RAW).is_file():
        return [
            _load_run_dir(
                path.parent, label or _run_label(path.parent.parent, path.parent), benchstat
            )
        ]
    if path.suffix == ".json":
        return [LoadedRun(path, label or str(arg), _results_from_pyperf(path, label or str(arg)))]
    parsed = benchfmt.parse_file(path, label or str(arg), benchstat=benchstat)
    return [LoadedRun(path, label or str(arg), parsed, published=_in_published(path))]


def load_inputs(
    args: Sequence[str | Path], *, benchstat: bool = False
) -> tuple[list[LoadedRun], list[str]]:
    """The runs of several command-line inputs, with one rule for every command.

    ``label=path`` names a column. An input that cannot be read, or holds no
    benchmark result, is an error when it is the only one and is skipped with
    a warning otherwise; no result at all is an error. Returns the runs and
    the warnings (skipped inputs), for the caller to print once.
    """
    runs: list[LoadedRun] = []
    warnings: list[str] = []
    for arg in args:
        text = str(arg)
        label, path = (
            benchfmt.split_label(text) if "=" in text and not Path(text).exists() else (None, text)
        )
        try:
            got = load_input(path, label, benchstat=benchstat)
            if not any(r.parsed.results for r in got):
                raise InputError(
                    f"{path}: no benchmark results in it: pass results of "
                    "`bench run` or `go test -bench` output"
                )
        except InputError as e:
            if len(args) == 1:
                raise
            warnings.append(f"{e} (skipped)")
            continue
        runs.extend(got)
    if not any(r.parsed.results for r in runs):
        raise InputError(
            "no benchmark results in "
            + ", ".join(map(str, args))
            + ": pass results of `bench run` or `go test -bench` output"
        )
    return runs, warnings


def _run_label(root: Path, run_dir: Path) -> str:
    """``machine/go/stamp`` for a run of our tree (stamps alone repeat across toolchains)."""
    if (run_dir / META).is_file() or len(run_dir.parts) >= 3:
        return "/".join(run_dir.parts[-3:])
    try:
        rel = run_dir.relative_to(root)
    except ValueError:
        rel = Path(run_dir.name)
    return rel.as_posix() if rel.parts else run_dir.name


def _derived(path: Path, kind: str, instead: str, warnings: list[str]) -> dict[str, Any] | None:
    """One of a run's derived JSON files, or None with one warning line when it is damaged."""
    if not path.is_file():
        return None
    try:
        return read_json(path, kind=kind)
    except InputError as e:
        reason = str(e).removeprefix(f"{path}:").split(":")[0].strip() or "unreadable"
        warnings.append(f"{path}: damaged ({reason}): {instead}")
        return None


def _load_run_dir(d: Path, label: str, benchstat: bool = False) -> LoadedRun:
    warnings: list[str] = []
    has_raw = (d / RAW).is_file()
    meta = _derived(d / META, "meta", "used raw.txt's configuration lines instead", warnings)
    escape = _derived(d / ESCAPE, "escape", "ignored it; `bench verify` writes it again", warnings)
    if has_raw:
        _derived(
            d / RESULTS, "pyperf results", "read raw.txt instead (the source of truth)", warnings
        )
        parsed = benchfmt.parse_file(d / RAW, label, benchstat=benchstat)
    else:
        parsed = _results_from_pyperf(d / RESULTS, label)
    return LoadedRun(d, label, parsed, meta, escape, warnings, published=_in_published(d))


# --- choosing runs ------------------------------------------------------------

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
            dirs = [d for d in dirs if _machine_of(root, d) in wanted or _in_published(d)]
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
    return [_load_run_dir(d, _run_label(root, d), benchstat) for d in dirs]


def _measured_module(run_dir: Path) -> Path | None:
    """The module a run measured (meta ``module``), or None when unknown."""
    module = (_meta(run_dir) or {}).get("module")
    return Path(str(module)).expanduser().resolve() if module else None


def newest_by_go(root: Path, module: Path | None = None) -> dict[str, Path]:
    """This machine's newest run directory per Go version (never a published one).

    For ``bench verify``, which needs one run per toolchain and stores
    escape.json beside it; with ``module``, only runs of that module (a run of
    your own pairs never gets the bundled cases' verification). Empty when
    there is none (verify then works unmeasured).
    """
    root = Path(root)
    mine = root / _machine.safe_segment(_machine.machine_id(), "machine")
    want = Path(module).resolve() if module is not None else None
    newest: dict[str, Path] = {}
    for d in find_runs(mine) if mine.is_dir() else []:
        if want is not None and _measured_module(d) not in (None, want):
            continue
        go = d.parent.name
        if go not in newest or d.name > newest[go].name:
            newest[go] = d
    return newest
