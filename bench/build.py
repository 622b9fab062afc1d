"""Build the cases' test binary once per toolchain and source state.

``go test -c`` is slow compared with one benchmark sample; a run matrix
re-uses one binary per (toolchain, GOOS/GOARCH, source hash). The binary is
built into a temporary name and renamed into the cache, so a killed build
never leaves a broken binary that a later run would trust.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.cases import Module, source_hash
from bench.errors import CommandError
from bench.toolchain import Toolchain, cache_dir


@dataclass(frozen=True)
class Build:
    """A test binary ready to run, and whether it came from the cache."""

    binary: Path
    toolchain: Toolchain
    source_hash: str
    cached: bool
    seconds: float


def build_dir() -> Path:
    return cache_dir() / "build"


def build(toolchain: Toolchain, module: Module, *, timeout: float = 900) -> Build:
    """``go test -c`` the module's case package, or return the cached binary."""
    start = time.monotonic()
    digest = source_hash(module.root)
    key = f"{toolchain.version}-{toolchain.goos}-{toolchain.goarch}-{toolchain.goamd64}-{digest}"
    out_dir = build_dir() / key
    binary = out_dir / "cases.test"
    if binary.is_file() and os.access(binary, os.X_OK):
        return Build(binary, toolchain, digest, True, time.monotonic() - start)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".cases.test.{os.getpid()}.tmp"
    argv = [str(toolchain.go), "test", "-c", "-o", str(tmp), module.package]
    try:
        proc = subprocess.run(argv, cwd=module.root, env=toolchain.env(), capture_output=True,
                              text=True, errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise CommandError(f"building {module.root.name} with {toolchain.version} timed out",
                           argv, -1, "", "try again; if it persists, check `go env GOCACHE`") \
            from None
    if proc.returncode != 0 or not tmp.is_file():
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise CommandError(f"{toolchain.version} cannot build {module.root}", argv,
                           proc.returncode, proc.stderr + proc.stdout,
                           "fix the Go code or leave this toolchain out of --go")
    os.replace(tmp, binary)
    return Build(binary, toolchain, digest, False, time.monotonic() - start)
