"""Gather what the claims ledger judges: per toolchain, what the compiler says and what allocates.

Neighbours: ``bench.verify`` compiles the cases and checks annotations and
pairs; ``bench.build`` gives the test binary for a short allocation count;
``bench.store`` loads the runs the CLI selected (``LoadedRun``). The judging
is ``analysis.claims.ledger``; ``bench`` never imports ``analysis``, so the CLI
hands the :class:`Evidence` built here to it::

    ev = evidence.gather(toolchains, runs)
    rows = analysis.claims.ledger.ledger(ev.manifest, ev.reports, ev.results)

Why the compiler is asked again instead of reading each run's stored
``escape.json``: the stored payload was written with the cases of that day,
and the article's examples may have been added since; compiling is cached by
the go command and takes seconds. Why a short allocation count: whether an
example *allocates* is a count, not a timing, so ``-benchtime=200x`` answers
it on every toolchain, including those no stored run measured. Those counts
feed only the pairs' ``allocs_*``/``escaped``; timing evidence comes only from
the stored runs.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench import benchfmt, build, diagnostics, run, verify
from bench.cases import Module, load_module
from bench.errors import InputError
from bench.model import LoadedRun, Result
from bench.toolchain import Toolchain, find_all, split_specs, version_key
from bench.vocab.manifest import Manifest

#: Iterations of the allocation count: enough that a one-off allocation (a pool's first
#: object) truncates to 0 allocs/op, few enough that the 1 MiB cases take milliseconds.
ALLOC_BENCHTIME = "200x"


@dataclass
class Evidence:
    """Everything ``analysis.claims.ledger`` needs, as plain data."""

    manifest: Manifest  # cases.toml as typed records (bench.vocab.manifest)
    #: one escape.json payload per toolchain, oldest Go first
    reports: list[dict[str, Any]] = field(default_factory=list)
    results: dict[str, list[Result]] = field(default_factory=dict)  # "go1.27.3" -> stored records
    warnings: list[str] = field(default_factory=list)


def manifest_tables(module: Module) -> Manifest:
    """The module's ``cases.toml`` as typed records, claims included (``bench.vocab.manifest``)."""
    if module.manifest is None:
        raise InputError(f"{module.root}: no cases.toml: the claims live in the manifest")
    return module.manifest


def _bare(go: str) -> str:
    return go.strip().removeprefix("go")


def toolchains_for(
    specs: Sequence[str] | None, runs: Sequence[LoadedRun]
) -> tuple[list[Toolchain], list[str]]:
    """The toolchains to judge: those asked for, else those the runs used, else the bundled one.

    Returns (toolchains, error lines); a run's toolchain that is not installed is
    an error line, not a failure (``bench toolchains install`` fixes it).
    """
    wanted = [s for spec in specs or () for s in split_specs(spec)]
    if not wanted:
        wanted = sorted({_bare(r.go) for r in runs if r.go}, key=version_key)
    if not wanted:
        return find_all([None])
    return find_all(wanted)


def count_allocs(toolchain: Toolchain, module: Module, case_ids: Sequence[str]) -> list[Result]:
    """``allocs/op`` and ``B/op`` of the given pairs from one short run (no timing evidence)."""
    if not case_ids:
        return []
    b = build.build(toolchain, module)
    ids = [c for c in case_ids if f"Benchmark{c}" not in b.broken]
    if not ids:
        return []
    pattern = "^Benchmark(?:" + "|".join(ids) + ")$"
    argv = [str(b.binary), *run.bench_args(pattern, ALLOC_BENCHTIME, 1)]
    try:
        out = toolchain.run(argv, module.root, run.default_timeout(30))
    except (OSError, subprocess.TimeoutExpired) as e:
        raise InputError(
            f"{toolchain.version}: the allocation count failed ({e}): "
            "run `bench verify` to see whether the cases build"
        ) from None
    if out.returncode != 0:
        tail = (out.stdout + out.stderr).strip().splitlines()[-3:]
        raise InputError(
            f"{toolchain.version}: the allocation count failed "
            f"(exit {out.returncode}: {' | '.join(tail)}): run `bench verify`"
        )
    return benchfmt.parse(out.stdout, f"{toolchain.version} allocation count").results


def _stored(runs: Sequence[LoadedRun], go: str) -> list[Result]:
    return [r for x in runs if _bare(x.go) == _bare(go) for r in x.parsed.results]


def evidence_for(
    toolchain: Toolchain, module: Module, stored: Sequence[Result], *, allocs: bool = True
) -> dict[str, Any]:
    """One toolchain's escape.json payload: compiler verdicts plus allocations for every pair.

    Pairs the stored runs did not measure get a short allocation count when
    ``allocs`` is true, so every pair carries ``escaped``.
    """
    pd = diagnostics.collect(toolchain, module)
    measured = {r.name.pair for r in stored}
    cases = module.manifest.cases if module.manifest else ()
    missing = [c.id for c in cases if c.id not in measured]
    extra = count_allocs(toolchain, module, missing) if allocs else []
    return verify.check(pd, module, [*stored, *extra]).to_json()


def gather(
    toolchains: Sequence[Toolchain],
    runs: Sequence[LoadedRun] = (),
    *,
    module: Module | None = None,
    allocs: bool = True,
) -> Evidence:
    """Evidence for ``analysis.claims.ledger`` on each toolchain, oldest first.

    ``runs`` are the stored runs the CLI selected (``bench.selection.select_runs``);
    their records are the timing evidence of their toolchain and their
    ``allocs/op`` the allocation evidence of the pairs they measured.
    """
    module = module or load_module()
    ev = Evidence(manifest=manifest_tables(module))
    for tc in sorted(toolchains, key=lambda t: version_key(t.version)):
        stored = _stored(runs, tc.version)
        ev.reports.append(evidence_for(tc, module, stored, allocs=allocs))
        if stored:
            ev.results[tc.version] = stored
    for x in runs:
        ev.warnings.extend(x.warnings)
    return ev
