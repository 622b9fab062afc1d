"""bench.optlog: the compiler's JSON optimisation log, read from committed and fresh output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import optlog
from bench.errors import BenchError
from bench.toolchain import find_all

DATA = Path(__file__).parent / "data" / "optlog"
VERSIONS = ["1.21.13", "1.27.3"]


@pytest.fixture(scope="module")
def toolchains():
    tcs, errors = find_all(VERSIONS)
    assert not errors, errors
    return {tc.short_version: tc for tc in tcs}


@pytest.mark.parametrize("version", VERSIONS)
def test_committed_log_entries(version):
    entries = optlog.parse_json_log((DATA / f"go{version}-p.json").read_text())
    by_line = {e.pos.line: e for e in entries}
    new = by_line[10]
    assert (new.code, new.subject, new.pos.col) == ("escape", "t", 2)
    assert [s.reason for s in new.chain] == ["", "address-of", "return"]
    assert new.chain[0].text.startswith("flow: ~r0")
    leak = by_line[14]
    assert leak.code == "leak" and leak.subject == "x"
    assert "interface-converted" in [s.reason for s in leak.chain]
    # the bare duplicate of each escape is dropped: one entry per position
    assert len({(e.pos, e.inline) for e in entries}) == len(entries)
    assert all(e.message for e in entries)


@pytest.mark.parametrize("version", VERSIONS)
def test_inlined_copy_names_the_callee_line(version):
    entries = optlog.parse_json_log((DATA / f"go{version}-p_test.json").read_text())
    boxed = next(e for e in entries if e.pos.line == 9)
    assert boxed.pos.file.endswith("p_test.go")
    assert boxed.inline and boxed.site == optlog.Pos("/src/m/p/p.go", 10, 2)
    # an escape of the benchmark's own code has no inline stack
    own = next(e for e in entries if e.pos.line == 11 and not e.inline)
    assert own.site.file.endswith("p_test.go")


@pytest.mark.parametrize("version", VERSIONS)
def test_compile_twice_logs_twice(toolchains, version, tmp_path):
    """A fresh log directory per build: the second (cacheable) build logs as much as the first."""
    tc = toolchains[version]
    mod = tmp_path / "m"
    shutil.copytree(DATA / "module", mod)
    counts = []
    for i in range(2):
        work = tmp_path / f"w{i}"
        work.mkdir()
        c = optlog.compile_package(tc, "./p", mod, work)
        assert c.source == "json" and c.binary is not None and c.binary.is_file()
        counts.append(len(c.entries))
        sites = {(Path(e.site.file).name, e.site.line) for e in c.entries if e.code == "escape"}
        assert ("p.go", 18) in sites and ("p.go", 31) in sites
    assert counts[0] == counts[1] > 10


@pytest.mark.parametrize("version", VERSIONS)
def test_m2_fallback_finds_the_same_sites(toolchains, version, tmp_path):
    tc = toolchains[version]
    mod = tmp_path / "m"
    shutil.copytree(DATA / "module", mod)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    js = optlog.compile_package(tc, "./p", mod, tmp_path / "a")
    m2 = optlog.compile_package(tc, "./p", mod, tmp_path / "b", json_log=False)
    assert m2.source == "m=2"

    def own(c):
        return {(e.code, e.pos.line, e.pos.col) for e in c.entries if not e.inline}

    assert own(js) <= own(m2)
    new = next(e for e in m2.entries if e.pos.line == 10 and e.pos.file.endswith("p.go"))
    assert new.subject == "t" and [s.reason for s in new.chain] == ["", "address-of", "return"]


def test_compile_error_is_one_line(toolchains, tmp_path):
    tc = toolchains["1.27.3"]
    mod = tmp_path / "m"
    shutil.copytree(DATA / "module", mod)
    (mod / "p" / "bad.go").write_text("package p\n\nfunc Bad() int { return undefinedName }\n")
    with pytest.raises(BenchError) as e:
        optlog.compile_package(tc, "./p", mod, tmp_path)
    msg = str(e.value)
    assert "does not compile" in msg and "undefinedName" in msg and "\n" not in msg


def test_parse_m2_chain():
    text = (
        "# example.com/m/p\n"
        "./p.go:10:2: t escapes to heap:\n"
        "./p.go:10:2:   flow: ~r0 = &t:\n"
        "./p.go:10:2:     from &t (address-of) at ./p.go:11:9\n"
        "./p.go:14:11: parameter x leaks to {heap} with derefs=0:\n"
        "./p.go:18:39: make([]byte, n) escapes to heap\n"
    )
    entries = optlog.parse_m2(text, Path("/src/m/p"))
    assert [(e.code, e.pos.line, e.subject) for e in entries] == [
        ("escape", 10, "t"),
        ("leak", 14, "x"),
        ("escape", 18, "make([]byte, n)"),
    ]
    assert [s.reason for s in entries[0].chain] == ["", "address-of"]
