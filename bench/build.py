"""Build a benchmark package's test binary once per toolchain, package and source state.

``go test -c`` is slow compared with one benchmark sample; a run matrix
re-uses one binary per (toolchain, GOOS/GOARCH, source hash, package). The binary is
built into a temporary name and renamed into the cache, so a killed build
never leaves a broken binary that a later run would trust.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.cases import Module, source_hash
from bench.errors import CommandError
from bench.toolchain import Toolchain, cache_dir


@dataclass(frozen=True)
class Build:
    """A test binary ready to run, and whether it came from the cache.

    ``broken`` maps a benchmark (``Benchmark<Id>``) that had to be left out to
    the compiler's first error lines: one case that does not compile on a Go
    version must not cost the other cases on that version.
    """

    binary: Path
    toolchain: Toolchain
    source_hash: str
    cached: bool
    seconds: float
    broken: dict[str, str] = field(default_factory=dict)


def build_dir() -> Path:
    return cache_dir() / "build"


_ERROR_FILE = re.compile(r"^(?:\./)?([^\s:]+\.go):\d+(?::\d+)?: ")
_BENCH_FUNC = re.compile(r"^func (Benchmark\w+)\(", re.M)
_PACKAGE = re.compile(r"^package (\w+)", re.M)


def build(toolchain: Toolchain, module: Module, *, timeout: float = 900) -> Build:
    """``go test -c`` the module's case package, or return the cached binary.

    If some files do not compile, they are replaced (with ``go build -overlay``)
    by an empty file of the same package and the build is retried, so the rest
    of the cases still run; their benchmarks are reported in ``Build.broken``.
    """
    start = time.monotonic()
    digest = source_hash(module.root)
    # the package is part of the key: one module holds several benchmark packages
    # (go_cases/cases and go_cases/prices), each its own test binary
    pkg = hashlib.sha256(module.package.encode()).hexdigest()[:8]
    key = (
        f"{toolchain.version}-{toolchain.goos}-{toolchain.goarch}-{toolchain.goamd64}-{digest}"
        f"-{pkg}"
    )
    out_dir = build_dir() / key
    binary = out_dir / "cases.test"
    broken_file = out_dir / "broken.json"
    if binary.is_file() and os.access(binary, os.X_OK):
        broken = json.loads(broken_file.read_text()) if broken_file.is_file() else {}
        return Build(binary, toolchain, digest, True, time.monotonic() - start, broken)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".cases.test.{os.getpid()}.tmp"
    overlay: dict[str, str] = {}
    broken: dict[str, str] = {}
    first_error: CommandError | None = None
    pkg_dir = module.package_dir
    for _attempt in range(20):
        ov = None
        if overlay:
            ov = out_dir / f".overlay.{os.getpid()}.json"
            ov.write_text(json.dumps({"Replace": overlay}))
        try:
            proc = build_test_binary(toolchain, module, tmp, overlay=ov, timeout=timeout)
        except CommandError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        argv = [str(a) for a in proc.args]
        if proc.returncode == 0 and tmp.is_file():
            break
        err = CommandError(
            f"{toolchain.version} cannot build {module.root}",
            argv,
            proc.returncode,
            proc.stderr + proc.stdout,
            "fix the Go code or leave this toolchain out of --go",
        )
        first_error = first_error or err
        bad = _failing_files(proc.stderr + proc.stdout, module.root, pkg_dir)
        bad = {f: msg for f, msg in bad.items() if str(f) not in overlay}
        if not bad:
            raise first_error
        for f, msg in bad.items():
            stub = out_dir / f".stub.{f.name}"
            pkg = _PACKAGE.search(f.read_text(encoding="utf-8", errors="replace"))
            stub.write_text(f"package {pkg.group(1) if pkg else 'cases'}\n")
            overlay[str(f)] = str(stub)
            for name in _BENCH_FUNC.findall(f.read_text(encoding="utf-8", errors="replace")):
                broken[name] = msg
    else:
        raise first_error or CommandError("build kept failing", [], 1, "")
    if not broken and first_error is not None:
        raise first_error
    with contextlib.suppress(OSError):
        for p in out_dir.glob(".overlay.*"):
            p.unlink()
    broken_file.write_text(json.dumps(broken, indent=1))
    os.replace(tmp, binary)
    return Build(binary, toolchain, digest, False, time.monotonic() - start, broken)


def build_test_binary(
    toolchain: Toolchain,
    module: Module,
    out: Path,
    *,
    gcflags: str = "",
    overlay: Path | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """``go test -c`` of the module's benchmark package into ``out``: the one way a test
    binary is built (``bench run``'s cached build, ``bench verify``'s ``-m`` diagnostics).

    ``gcflags`` apply to the measured package only (``-gcflags=PKG=FLAGS``);
    ``overlay`` is a ``go build -overlay`` file. Returns the finished process
    (its ``args`` are the argv); a timeout or a toolchain that cannot start
    raises ``CommandError``.
    """
    argv = [str(toolchain.go), "test", "-c", "-vet=off", "-o", str(out)]
    if gcflags:
        argv.append(f"-gcflags={module.package}={gcflags}")
    if overlay is not None:
        argv.append(f"-overlay={overlay}")
    argv.append(module.package)
    try:
        return toolchain.run(argv, module.root, timeout)
    except subprocess.TimeoutExpired:
        raise CommandError(
            f"building {module.package} of {module.root.name} with {toolchain.version} "
            f"timed out after {timeout:.0f}s",
            argv,
            -1,
            "",
            "try again; if it persists, check `go env GOCACHE`",
        ) from None
    except OSError as e:
        raise CommandError(
            f"cannot run {toolchain.go} ({e.strerror})",
            argv,
            -1,
            "",
            "pass --go a working toolchain",
        ) from None


def _failing_files(output: str, root: Path, pkg_dir: Path) -> dict[Path, str]:
    """Files of the case package named in compiler errors, with their first error lines."""
    found: dict[Path, list[str]] = {}
    for line in output.splitlines():
        m = _ERROR_FILE.match(line.strip())
        if not m:
            continue
        rel = Path(m.group(1))
        cands = [rel] if rel.is_absolute() else [root / rel, pkg_dir / rel, pkg_dir / rel.name]
        p = next((c.resolve() for c in cands if c.is_file()), None)
        if p is not None and p.parent == pkg_dir:
            found.setdefault(p, []).append(line.strip())
    return {p: " | ".join(lines[:3]) for p, lines in found.items()}
