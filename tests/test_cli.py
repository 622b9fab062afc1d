"""The command line's edges: one line per error, exit statuses, closed pipes, defaults in
--help, values refused at parse time, one input rule, and a fresh clone's report."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import machine, store
from bench.cli.options import build_parser
from tests.conftest import PUBLISHED, PUBLISHED_MACHINE, ROOT, TINY, bench

PUBLISHED_RUN = sorted((PUBLISHED / PUBLISHED_MACHINE / "go1.27.3").iterdir())[-1]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_command_dispatches_through_set_defaults() -> None:
    for name, sub in _subparsers(build_parser()).items():
        assert callable(sub.get_default("func")), name


def test_every_option_shows_its_default_in_help() -> None:
    """Each option's help says its default (argparse's or in words), flags aside."""
    for name, sub in _subparsers(build_parser()).items():
        formatter = sub._get_formatter()
        for action in sub._actions:
            if not action.option_strings or action.nargs == 0:  # positionals, flags, --help
                continue
            text = formatter._get_help_string(action) or ""
            assert "default" in text, f"bench {name} {action.option_strings[0]}: {text!r}"
    text = " ".join(bench("compare", "--help")[1].split())
    for opt in ("--alpha", "--threshold", "--units"):
        assert opt in text
    assert "(default: 0.05)" in text and "(default: 0.0)" in text
    assert "(default: report)" in " ".join(bench("report", "--help")[1].split())
    assert "(default: interleaved)" in " ".join(bench("run", "--help")[1].split())


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--count", "0"],
        ["run", "--count", "x"],
        ["run", "--gogc", ""],
        ["run", "--gogc", "100,,400"],
        ["run", "--gogc", "lots"],
        ["run", "--benchtime=-1s"],
        ["run", "--benchtime", "0x"],
        ["run", "--timeout", "0"],
        ["run", "--cpu", "0"],
        ["run", "--live-heap", "3XB"],
        ["run", "--repeat", "0"],
        ["compare", "x", "--alpha", "1"],
        ["compare", "x", "--threshold", "-5"],
        ["cost", "--confidence", "1.5"],
        ["nosuch"],
        ["run", "--nosuch"],
    ],
)
def test_values_out_of_range_are_one_usage_line(argv: list[str], tmp_path: Path) -> None:
    code, out, err = bench(*argv, "--results", str(tmp_path)) if argv[0] == "run" else bench(*argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("bench: "), err
    assert "--help" in err
    assert not list(tmp_path.iterdir())  # nothing measured, nothing written


def test_an_error_is_printed_once(tmp_path: Path) -> None:
    """The library shows toolchain failures as progress; the CLI must not repeat them."""
    code, out, err = bench(
        "run", "--go", str(tmp_path / "no" / "go"), "--quick", "--results", str(tmp_path / "r")
    )
    assert code == 1 and out == ""
    lines = [ln for ln in err.splitlines() if ln.startswith("bench: ")]
    assert len(lines) == 1 and str(tmp_path / "no" / "go") in lines[0], err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv", [["cases"], ["cases", "--format", "json"], ["cost", str(PUBLISHED_RUN)]]
)
def test_a_closed_pipe_ends_quietly(argv: list[str]) -> None:
    """`bench cases | head -1`: stdout closed before we write is no traceback, status 141."""
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.cli", *argv],
            stdout=w,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
    finally:
        os.close(w)
    assert proc.returncode == 141
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("command", ["compare", "report", "cost"])
def test_not_benchmark_text_is_refused_alike(command: str, tmp_path: Path) -> None:
    notbench = tmp_path / "notbench.txt"
    notbench.write_text("hello\nPASS\n", encoding="utf-8")
    code, _, err = bench(
        command, str(notbench), *(["--out", str(tmp_path / "rep")] if command == "report" else [])
    )
    assert code == 1
    assert (
        err == f"bench: {notbench}: no benchmark results in it: pass results of `bench "
        "run` or `go test -bench` output\n"
    )
    assert not (tmp_path / "rep").exists()


def test_a_damaged_results_json_is_named_once(tmp_path: Path) -> None:
    run = tmp_path / "m" / "go1.27.3" / "20261126T001043Z"
    shutil.copytree(PUBLISHED_RUN, run)
    (run / store.RESULTS).write_text("{not json", encoding="utf-8")
    code, out, err = bench("cost", str(run), "--format", "csv")
    assert code == 0, err
    damaged = [ln for ln in err.splitlines() if "damaged" in ln]
    assert len(damaged) == 1
    assert str(run / store.RESULTS) in damaged[0] and "read raw.txt instead" in damaged[0]
    assert out.count("\n") > 30  # every pair, from raw.txt


def test_cost_formats_and_conditions_kept_apart(tmp_path: Path) -> None:
    code, out, err = bench("cost", str(PUBLISHED_RUN), "--format", "json")
    assert code == 0, err
    import json

    records = json.loads(out)
    assert {r["gogc"] for r in records} == {"100", "400"}  # two conditions, never pooled
    assert "differ in gogc" in err and err.count("differ in") == 1
    for field in (
        "pair",
        "section",
        "machine",
        "go",
        "gogc",
        "live_heap",
        "gomaxprocs",
        "ratio",
        "ci_low",
        "ci_high",
        "method",
        "n_rounds",
        "n_runs",
        "p_value",
        "p_adjusted",
        "significant",
        "across_runs",
        "per_alloc",
        "allocs_escape",
        "allocs_noescape",
        "bytes_escape",
        "bytes_noescape",
        "escaped",
    ):
        assert field in records[0], field
    code, text, _ = bench("cost", str(PUBLISHED_RUN))
    assert code == 0 and "ReturnPointer" in text


def test_readers_without_inputs_never_read_published_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = tmp_path / "results"
    shutil.copytree(PUBLISHED, results / "published")
    monkeypatch.setenv("ESCAPEBENCH_MACHINE", "nobody-here")
    code, _, err = bench("cost", "--results", str(results))
    assert code == 1 and "no runs of this machine (nobody-here)" in err and "--published" in err
    code, _, err = bench("cost", "--results", str(results), "--published", "--format", "csv")
    assert code == 0, err
    # with no input, bench cost reads the newest `bench run` alone: its run directories
    # (one per toolchain) share that run's stamp
    stamps = sorted(p.parent.name for p in PUBLISHED.glob("*/*/*/raw.txt"))
    n = sum(s == stamps[-1] for s in stamps)
    assert f"reading {n} run(s): {PUBLISHED_MACHINE}/" in err


@pytest.mark.slow
def test_a_fresh_clone_reports_this_machines_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """issue 14, done when: run + report in a clone with the published runs; git stays clean."""
    if shutil.which("git") is None:
        pytest.fail("git is needed to make a fresh clone")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    assert (clone / "results" / "published" / PUBLISHED_MACHINE).is_dir()
    monkeypatch.chdir(clone)
    code, _, err = bench("run", "--quick", "--cases", "ReturnPointer$", "--quiet")
    assert code == 0, err
    code, _, err = bench("report")
    assert code == 0, err
    index = (clone / "report" / "index.md").read_text(encoding="utf-8")
    assert f"machine **{machine.machine_id()}" in index
    assert PUBLISHED_MACHINE not in index
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, check=True, capture_output=True, text=True
    ).stdout
    assert status == ""


def test_cases_of_a_module_without_manifest_come_from_benchmark_names(tmp_path: Path) -> None:
    """issue 14: `bench cases --module .` said 0 pairs for a module `bench run` measured."""
    code, out, err = bench("cases", "--module", str(TINY))
    assert code == 0, err
    assert [ln.split()[1] for ln in out.splitlines()[:-1]] == ["Fault", "Point"]
    assert out.splitlines()[-1] == f"2 pairs in {TINY} (found from benchmark names)"
    (tmp_path / "go.mod").write_text("module m\n\ngo 1.21\n", encoding="utf-8")
    (tmp_path / "x_test.go").write_text(
        'package m\n\nimport "testing"\n\nfunc BenchmarkOnlyOne(b *testing.B) {\n'
        '\tb.Run("variant=escape", func(b *testing.B) {})\n}\n',
        encoding="utf-8",
    )
    code, out, _ = bench("cases", "--module", str(tmp_path), "--format", "json")
    assert code == 0 and out == "[]\n"  # one variant alone is not a pair


def test_a_refused_setting_is_one_line_naming_its_flag() -> None:
    """The library names the setting (``sizes``); the command line says the flag, once."""
    code, out, err = bench("prices", "--sizes", "7", "--quiet")
    assert code == 1 and not out
    assert err.startswith("bench: --sizes 7: not on the grid") and len(err.splitlines()) == 1
