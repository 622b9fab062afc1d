"""A non-editable install carries the Go cases and finds them (package data)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # hatchling is in the dev extra, so no isolated build env (and no download) is needed
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        pytest.fail(proc.stderr[-2000:])
    (whl,) = out.glob("escapebench-*.whl")
    return whl


def test_wheel_ships_the_cases_and_the_go_helper(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "go_cases/go.mod" in names and "go_cases/cases.toml" in names
    assert any(n.startswith("go_cases/cases/") and n.endswith("_test.go") for n in names)
    assert "go_cases/internal/gcstat/gcstat.go" in names
    assert "bench/gofuncs/main.go" in names


@pytest.mark.toolchain
def test_installed_copy_finds_and_lists_its_cases(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    code = (
        "from bench.cases import load_module; m = load_module(); "
        "print(m.root); print(len(m.manifest.cases))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    root, n = proc.stdout.split()
    assert Path(root).is_relative_to(target) and int(n) >= 30
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.cli",
            "run",
            "--quick",
            "--cases",
            "^NewInt$",
            "--results",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "NewInt" in proc.stdout
