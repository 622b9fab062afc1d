"""The catalogue itself: every case builds and runs on the oldest and newest Go, every
annotation holds on both, the manifest matches the code, and the Go code is clean."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from analysis.claims import spec
from bench import benchfmt, build, cases, evidence, run, verify
from bench.toolchain import Toolchain
from bench.vocab import units

pytestmark = pytest.mark.toolchain

MODULE = cases.load_module()


def _bench_funcs() -> set[str]:
    found = set()
    for f in (MODULE.root / "cases").glob("*_test.go"):
        found |= set(re.findall(r"^func Benchmark(\w+)\(b \*testing\.B\)", f.read_text(), re.M))
    return found


def test_manifest_matches_the_code() -> None:
    assert MODULE.manifest is not None
    ids = {c.id for c in MODULE.manifest.cases}
    assert ids == _bench_funcs()
    sections = {c.section for c in MODULE.manifest.cases}
    for s in ("3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "4", "6.1", "6.2", "6.3", "6.4", "6.5"):
        assert s in sections, f"no pair for article section {s}"
    for claim in MODULE.manifest.claims:
        assert set(claim.cases) <= ids, claim.id
    assert all(c.explanation for c in MODULE.manifest.cases)
    # every claim parses; an article example names a case of the manifest (else InputError)
    specs = spec.claim_specs(evidence.manifest_tables(MODULE))
    examples = {s.example.case for s in specs if s.example}
    assert {"ArticlePrintInterface", "ArticleEscapeInterface", "ArticleProcessUser"} <= examples
    assert any(c.parallel for c in MODULE.manifest.cases if c.section == "3.1")
    assert any(c.parallel for c in MODULE.manifest.cases if c.section == "3.5")


@pytest.mark.parametrize("which", ["go_old", "go_new"])
def test_every_case_builds_runs_and_verifies(which: str, request: pytest.FixtureRequest) -> None:
    tc: Toolchain = request.getfixturevalue(which)
    b = build.build(tc, MODULE)
    assert not b.broken
    out = subprocess.run(
        [str(b.binary), *run.bench_args(".", "100x", 1)],
        cwd=MODULE.root,
        env=tc.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-2000:]
    names = {r.name.without_procs for r in benchfmt.parse(out.stdout, "out").results}
    want = {f"{c.id}/variant={v}" for c in MODULE.manifest.cases for v in ("escape", "noescape")}
    assert want <= names
    for r in benchfmt.parse(out.stdout, "out").results:  # every benchmark reports GC stats
        assert r.get("gc-cycles/op") is not None and r.get("gc-cpu-sec/op") is not None
        # and its exact allocation count: the count testing's allocs/op truncates. The two
        # windows differ by the gaps around testing's own reads, so an allocation by another
        # goroutine may land in one and not the other: allow two such over 100 loops.
        exact, whole = r.get(units.ALLOCS_EXACT), r.get(units.ALLOCS)
        assert exact is not None and whole is not None, r.name.full
        assert whole - 0.02 <= exact < whole + 1.02, (r.name.full, exact, whole)
    report = verify.verify(tc, MODULE)
    bad = [(a.file, a.line, a.expect, a.evidence) for a in report.annotations if not a.holds]
    assert not bad, bad
    assert {p.case for p in report.pairs} == {c.id for c in MODULE.manifest.cases}


def test_go_code_is_gofmt_and_vet_clean(go_bundled: Toolchain) -> None:
    gofmt = Path(go_bundled.goroot) / "bin" / "gofmt"
    for root in (MODULE.root, Path(verify.__file__).parent / "gofuncs"):
        fmt = subprocess.run([str(gofmt), "-l", "."], cwd=root, capture_output=True, text=True)
        assert fmt.returncode == 0 and fmt.stdout == "", fmt.stdout + fmt.stderr
        vet = subprocess.run(
            [str(go_bundled.go), "vet", "./..."],
            cwd=root,
            env=go_bundled.env(),
            capture_output=True,
            text=True,
        )
        assert vet.returncode == 0, vet.stderr


@pytest.mark.parametrize("which", ["go_old", "go_new"])
def test_gcstat_unit_tests_pass(which: str, request: pytest.FixtureRequest) -> None:
    """internal/gcstat's own tests (exact allocation counts, metrics, ballast) on both ends."""
    tc: Toolchain = request.getfixturevalue(which)
    out = subprocess.run(
        [str(tc.go), "test", "-count=1", "./internal/gcstat"],
        cwd=MODULE.root,
        env=tc.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
