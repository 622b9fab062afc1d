"""Measure a package's escapes: compile with the escape log, profile and time its benchmarks.

One build (``bench.optlog``: a fresh directory, so the log is always written)
gives a test binary and every escape the compiler reports. That binary then
runs each matching benchmark once with ``-test.memprofile`` and
``-test.memprofilerate=1`` (every allocation recorded) and a fixed iteration
count ``-test.benchtime=<N>x``; only samples under ``testing.(*B).launch`` are
counted (the N-iteration run, not the 1-iteration probe before it), so
allocations per op are counts / N. This run is never used for time.

The timing is an ordinary ``bench run`` of the same benchmarks
(``bench.matrix.run_series``: a pilot, then ``count`` interleaved rounds, one
process per sample, with the runner's build of the same sources by the same
toolchain and flags; the log flag changes no code). Its run directory is the
escapes run: ``raw.txt``, ``results.json``, ``meta.json`` and ``escape.json``
as for every run (``bench cost`` and ``bench compare`` read it), plus
``escapes.json`` (the payload ``analysis.escapes`` reads), ``profile.txt``
(the profiling runs' output) and ``profiles/*.pprof``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import __version__, diagnostics, matrix, optlog, pprof, store
from bench import machine as _machine
from bench.cases import load_module
from bench.errors import BenchError
from bench.plan import bench_regex
from bench.progress import Progress
from bench.request import RunRequest
from bench.toolchain import Toolchain
from bench.vocab import keys

ESCAPES = "escapes.json"
_BENCH_LINE = re.compile(r"^(Benchmark\S*)\s+(\d+)\s+([\d.]+) ns/op(.*)$")
_LAUNCH = "testing.(*B).launch"
_PARALLEL = "testing.(*B).RunParallel"
#: gcstat's metric (go_cases report it; other packages do not)
GC_CPU = "gc-cpu-ns/op"


@dataclass
class Request:
    """What to measure: one package pattern run from ``cwd``."""

    package: str
    cwd: Path
    bench: str = "."
    gogc: str | None = None
    count: int = 3
    benchtime: str = "100ms"
    profile_seconds: float = 0.2  # target length of the profiling run (sets N)
    profile_iterations: int | None = None  # a fixed N instead (the same counts every time)
    time: bool = True  # False: profile only (allocations per op from it; no ns/op, not stored)
    results: Path = Path("results")
    timeout: float = 900
    store_run: bool = True
    extra: dict[str, str] = field(default_factory=dict)
    argv: Sequence[str] = ()


def _run(tc: Toolchain, argv: list[str], cwd: Path, gogc: str | None, timeout: float) -> str:
    env = tc.env(**({"GOGC": gogc} if gogc else {}))
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                              errors="replace", timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise BenchError(f"{Path(argv[0]).name} timed out after {timeout:.0f}s: "
                         "narrow --bench or raise the timeout") from None  # fmt: skip
    if proc.returncode != 0:
        first = optlog.first_error(proc.stdout + proc.stderr)
        raise BenchError(f"the test binary failed ({first}): fix the benchmark or narrow --bench")
    return proc.stdout


def exact_pattern(name: str) -> str:
    """A ``-test.bench`` regexp that matches one benchmark (each ``/`` level anchored)."""
    return "/".join(f"^{re.escape(part)}$" for part in name.split("/"))


def _strip_procs(name: str) -> str:
    return re.sub(r"-\d+$", "", name)


def _bench_lines(out: str) -> list[tuple[str, int, float, dict[str, float]]]:
    rows = []
    for ln in out.splitlines():
        m = _BENCH_LINE.match(ln.strip())
        if not m:
            continue
        rest = m.group(4).split()
        units = {rest[i + 1]: float(rest[i]) for i in range(0, len(rest) - 1, 2)}
        rows.append((m.group(1), int(m.group(2)), float(m.group(3)), units))
    return rows


def _timed(function: str) -> bool:
    """A frame of the N-iteration run: under ``launch``, or a ``RunParallel`` worker (their
    goroutines start below the benchmark, not under ``launch``; the 1-iteration probe's
    workers are counted too, 1 in N+1 iterations)."""
    return function == _LAUNCH or function.startswith(_PARALLEL)


def _frame_key(f: pprof.Frame, goroot: str) -> tuple[str, str, int]:
    file = f.file.replace("$GOROOT", goroot) if f.file.startswith("$GOROOT") else f.file
    return f.function, file, f.line


def _allocs(prof: pprof.Profile, goroot: str, pkg_files: set[str]) -> list[dict[str, Any]]:
    """The N-iteration run's samples, grouped by innermost frame, caller-in-package and size."""
    io, ib = prof.index("alloc_objects"), prof.index("alloc_space")
    grouped: Counter[tuple] = Counter()
    space: Counter[tuple] = Counter()
    for s in prof.samples:
        if not any(_timed(f.function) for f in s.frames) or not s.values[io]:
            continue
        frames = [_frame_key(f, goroot) for f in s.frames]
        own = next((f for f in frames if f[1] in pkg_files), ("", "", 0))
        size = s.num_labels.get("bytes") or (s.values[ib] // max(1, s.values[io]))
        key = (frames[0], own, int(size))
        grouped[key] += s.values[io]
        space[key] += s.values[ib]
    return [
        {"innermost": list(k[0]), "own": list(k[1]), "size": k[2], "objects": n, "bytes": space[k]}
        for k, n in grouped.items()
    ]


def _source_line(file: str, line: int, cache: dict[str, list[str]]) -> str:
    if file not in cache:
        try:
            cache[file] = Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            cache[file] = []
    lines = cache[file]
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _entries(tc: Toolchain, compiled: optlog.Compiled, base: Path) -> list[dict[str, Any]]:
    files = sorted({e.site.file for e in compiled.entries} | set(compiled.files))
    files = [f for f in files if Path(f).parent == compiled.package_dir.resolve()]
    outline = diagnostics.outline(tc, [Path(f).relative_to(base) for f in files], root=base)
    out = []
    for e in compiled.entries:
        site = e.site
        inside = Path(site.file).parent == base
        rel = Path(site.file).relative_to(base).as_posix() if inside else ""
        span = outline.enclosing(rel, site.line, site.col) if inside else None
        out.append({
            "code": e.code, "file": site.file, "line": site.line, "col": site.col,
            "function": span.name if span else "", "message": e.message, "subject": e.subject,
            "reported_at": str(e.pos) if e.inline else "",
            "chain": [{"text": s.text, "reason": s.reason, "at": str(s.pos)} for s in e.chain],
        })  # fmt: skip
    return out


def measure(tc: Toolchain, req: Request, progress: Progress | None = None) -> dict[str, Any]:
    """Build once, profile every matching benchmark, time them with the runner; the payload."""
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="escapebench-escapes-") as tmp:
        work = Path(tmp)
        compiled = optlog.compile_package(tc, req.package, req.cwd, work, timeout=req.timeout)
        base = compiled.package_dir.resolve()
        payload: dict[str, Any] = {
            "kind": "escapes", "go": tc.version, "package": compiled.import_path,
            "package_dir": str(base), "log_source": compiled.source, "gogc": req.gogc or "100",
            "entries": _entries(tc, compiled, base), "benchmarks": [], "message": "",
        }  # fmt: skip
        if compiled.binary is None:
            payload["message"] = f"{compiled.import_path} has no test files: static sites only"
            return _static(payload, req, tc, t0)
        probe = _run(tc, [str(compiled.binary), "-test.run=^$", f"-test.bench={req.bench}",
                          "-test.benchtime=1x"], base, req.gogc, req.timeout)  # fmt: skip
        found = _bench_lines(probe)
        if not found:
            payload["message"] = (
                f"no benchmark in {compiled.import_path} matches --bench {req.bench!r}: "
                "static sites only"
            )
            return _static(payload, req, tc, t0)
        procs = re.search(r"-(\d+)$", found[0][0])  # testing's GOMAXPROCS suffix
        payload["gomaxprocs"] = procs.group(1) if procs else "1"
        prof_text = _profile_all(tc, req, compiled, found, work, payload)
        if not req.time:
            payload["seconds"] = round(time.time() - t0, 1)
            return payload
        results = req.results if req.store_run else work / "results"
        run_dir, timed = _time(tc, req, base, [_strip_procs(f[0]) for f in found], results,
                               progress)  # fmt: skip
        for b in payload["benchmarks"]:
            rows = timed.get(b["name"], [])
            b["ns_per_op"] = [r["ns/op"] for r in rows if "ns/op" in r]
            b["allocs_per_op"] = [r.get("allocs/op") for r in rows]
            b["bytes_per_op"] = [r.get("B/op") for r in rows]
            b["gc_cpu_ns_per_op"] = [r[GC_CPU] for r in rows if GC_CPU in r]
        payload["seconds"] = round(time.time() - t0, 1)
        if not req.store_run:
            return payload
        payload["run_dir"] = store.portable_path(run_dir)
        shutil.copytree(work / "profiles", run_dir / "profiles", dirs_exist_ok=True)
        store.write_text_atomic(run_dir / "profile.txt", prof_text)
        store.write_json(run_dir / ESCAPES, payload)
        return payload


def _profile_all(tc: Toolchain, req: Request, compiled: optlog.Compiled,
                 found: list[tuple[str, int, float, dict[str, float]]], work: Path,
                 payload: dict[str, Any]) -> str:  # fmt: skip
    """One profiling run per benchmark (fixed N, every allocation); their output, as text."""
    base = compiled.package_dir.resolve()
    pkg_files = {str(Path(f).resolve()) for f in compiled.files}
    parts = [store.raw_header(_config(tc, req, compiled.import_path))]
    cache: dict[str, list[str]] = {}
    (work / "profiles").mkdir(exist_ok=True)
    for full, _n, ns1, _u in found:
        name = _strip_procs(full)
        iters = req.profile_iterations or max(
            10, min(2000, int(req.profile_seconds * 1e9 / max(ns1, 1.0)))
        )
        prof_path = work / "profiles" / (re.sub(r"[^\w.=-]+", "_", name) + ".pprof")
        out = _run(tc, [str(compiled.binary), "-test.run=^$", f"-test.bench={exact_pattern(name)}",
                        f"-test.benchtime={iters}x", "-test.benchmem",
                        f"-test.memprofile={prof_path}", "-test.memprofilerate=1"],
                   base, req.gogc, req.timeout)  # fmt: skip
        parts.append(out)
        # profile only: allocations per op from this run (exact at memprofilerate=1), no time
        mem = [r[3] for r in _bench_lines(out) if _strip_procs(r[0]) == name]
        allocs = _allocs(pprof.read(prof_path), tc.goroot, pkg_files)
        for a in allocs:
            own = a["own"]
            a["source"] = _source_line(own[1], own[2], cache) if own[1] else ""
        payload["benchmarks"].append({"name": name, "iterations": iters,
                                      "profile": f"profiles/{prof_path.name}", "allocs": allocs,
                                      "ns_per_op": [],
                                      "allocs_per_op": [m.get("allocs/op") for m in mem],
                                      "bytes_per_op": [m.get("B/op") for m in mem]})  # fmt: skip
    return "".join(parts)


def timing_request(tc: Toolchain, req: Request, package_dir: Path, names: list[str],
                   results: Path) -> RunRequest:  # fmt: skip
    """The ``bench run`` request that times ``names`` (full benchmark names) of the package.

    With a manifest (``go_cases/cases``) the runner selects by case id, else by
    a ``-test.bench`` pattern that names exactly these benchmarks.
    """
    module = load_module(package_dir)
    if module.manifest is not None:
        ids = sorted({n.removeprefix("Benchmark").split("/")[0] for n in names})
        cases = "^(" + "|".join(re.escape(i) for i in ids) + ")$"
    else:
        cases = bench_regex(n.removeprefix("Benchmark") for n in names)
    return RunRequest(go=str(tc.go), count=req.count, benchtime=req.benchtime, cases=cases,
                      results=Path(results), gogc=req.gogc or "100", module=package_dir,
                      timeout=req.timeout, argv=list(req.argv) or ["bench", "escapes"])  # fmt: skip


def _time(tc: Toolchain, req: Request, package_dir: Path, names: list[str], results: Path,
          progress: Progress | None) -> tuple[Path, dict[str, list[dict[str, float]]]]:  # fmt: skip
    """Time the benchmarks in interleaved rounds (the runner); their run directory and rows."""
    (group,) = matrix.run_series(timing_request(tc, req, package_dir, names, results),
                                 progress or Progress(quiet=True))  # fmt: skip
    run_dir = next(iter(group.dirs.values()))
    timed: dict[str, list[dict[str, float]]] = {}
    for parsed in group.parsed.values():
        for r in parsed.results:
            name = "Benchmark" + _strip_procs(r.name.full)
            row = {v.orig_unit or v.unit: (v.orig_value if v.orig_unit else v.value)
                   for v in r.values}  # fmt: skip
            timed.setdefault(name, []).append(row)
    return run_dir, timed


def _config(tc: Toolchain, req: Request, pkg: str) -> dict[str, str]:
    return {
        keys.GOOS: tc.goos, keys.GOARCH: tc.goarch, keys.PKG: pkg,
        keys.CPU: _machine.cpu_model(), keys.MACHINE: _machine.machine_id(),
        keys.GO_VERSION: tc.version, keys.GOGC: req.gogc or "100",
        keys.VERSION: __version__, keys.BENCHTIME: req.benchtime, keys.COUNT: str(req.count),
    }  # fmt: skip


def _static(payload: dict[str, Any], req: Request, tc: Toolchain, t0: float) -> dict[str, Any]:
    """Store a payload with no benchmark (static sites only) as a run of its own."""
    payload["seconds"] = round(time.time() - t0, 1)
    if not req.store_run:
        return payload
    store.check_writable(req.results)
    run_dir = store.new_run_dir(req.results, _machine.machine_id(), tc.version, store.utc_stamp())
    payload["run_dir"] = store.portable_path(run_dir)
    store.write_text_atomic(run_dir / store.RAW,
                            store.raw_header(_config(tc, req, payload["package"])))  # fmt: skip
    store.write_json(run_dir / ESCAPES, payload)
    store.write_json(run_dir / store.META, {
        "kind": "escapes", "toolchain": tc.describe(), "machine": _machine.collect(),
        "package": payload["package"], "bench": req.bench, "gogc": req.gogc or "100",
    })  # fmt: skip
    return payload


def load(run_dir: str | Path) -> dict[str, Any]:
    """A stored escapes payload (``escapes.json`` of a run directory)."""
    return store.read_json(Path(run_dir) / ESCAPES, kind="escapes")
