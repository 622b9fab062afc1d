"""The results tree: where runs live, how files are written, how they load back.

Layout: ``<results>/<machine-id>/<go-version>/<UTC-timestamp>/`` with
``raw.txt`` (source of truth, benchstat-readable), ``results.json`` (pyperf
suite derived from it), ``meta.json`` and, once verified, ``escape.json``.
The project's own published runs live in ``<results>/published/`` with the
same layout below it; they are read only when asked for (``published=True``)
or named explicitly, so they never stand in for the user's data.

Loading (``load_inputs``, ``load_run_dir``) is the one place that decides what
an input is; ``bench.cli`` prints the warnings it collects, ``analysis`` gets
``bench.model.LoadedRun`` records. Which stored runs a command reads when it
is given no inputs is ``bench.selection``'s job.

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


def portable_path(path: str | Path) -> str:
    """``path`` as results should record it: relative to the working directory when inside it.

    The results tree itself is recorded relative to where ``bench run`` ran, so
    a module inside that directory is too; elsewhere the home directory becomes
    ``~`` (:func:`portable`). A published run then names no path of the machine
    that made it.
    """
    p = Path(path).absolute()
    try:
        return p.relative_to(Path.cwd()).as_posix() or "."
    except ValueError:
        return str(portable(str(p)))


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


def write_results_json(
    run_dir: Path, meta: dict[str, Any], parsed: ParsedFile | None = None
) -> int:
    """Derive results.json (a pyperf BenchmarkSuite) from raw.txt; returns #benchmarks.

    ``parsed`` is raw.txt already parsed (``bench run`` parses it once, at the end).

    pyperf takes one machine per benchmark and only positive values, so time
    per op is the value (seconds) and B/op, allocs/op and the GC metrics,
    often zero, go into each run's metadata.
    """
    import pyperf  # lazy: pyperf pulls in psutil and more; only writing a run needs it

    parsed = parsed if parsed is not None else benchfmt.parse_file(run_dir / RAW)
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


def in_published(path: Path) -> bool:
    return PUBLISHED in path.resolve().parts


def find_runs(root: Path, *, published: bool = False) -> list[Path]:
    """Every run directory under ``root`` (sorted, so reports are reproducible).

    Runs below a ``published/`` directory are left out unless ``published``
    or ``root`` itself lies inside one (named explicitly).
    """
    if is_run_dir(root):
        return [root]
    found = {p.parent for p in root.rglob(RAW)} | {p.parent for p in root.rglob(RESULTS)}
    if not published and not in_published(root):
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
            load_run_dir(d, label if (label and len(runs) == 1) else run_label(path, d), benchstat)
            for d in runs
        ]
    if path.name == RESULTS and (path.parent / RAW).is_file():
        return [
            load_run_dir(
                path.parent, label or run_label(path.parent.parent, path.parent), benchstat
            )
        ]
    if path.suffix == ".json":
        return [LoadedRun(path, label or str(arg), _results_from_pyperf(path, label or str(arg)))]
    parsed = benchfmt.parse_file(path, label or str(arg), benchstat=benchstat)
    return [LoadedRun(path, label or str(arg), parsed, published=in_published(path))]


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


def run_label(root: Path, run_dir: Path) -> str:
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


def load_run_dir(
    d: Path, label: str, benchstat: bool = False, parsed: ParsedFile | None = None
) -> LoadedRun:
    """A run directory as ``analysis`` reads it; ``parsed``: its raw.txt, already parsed."""
    warnings: list[str] = []
    has_raw = (d / RAW).is_file()
    meta = _derived(d / META, "meta", "used raw.txt's configuration lines instead", warnings)
    escape = _derived(d / ESCAPE, "escape", "ignored it; `bench verify` writes it again", warnings)
    if has_raw:
        _derived(
            d / RESULTS, "pyperf results", "read raw.txt instead (the source of truth)", warnings
        )
        if parsed is None:
            parsed = benchfmt.parse_file(d / RAW, label, benchstat=benchstat)
    else:
        parsed = _results_from_pyperf(d / RESULTS, label)
    return LoadedRun(d, label, parsed, meta, escape, warnings, published=in_published(d))
