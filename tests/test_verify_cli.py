"""``bench verify`` and ``bench claims`` from the command line, with real toolchains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DATA, bench

pytestmark = pytest.mark.toolchain


def test_wrong_annotations_fail_with_evidence(go_new) -> None:
    module = DATA / "wrong_module"
    code, out, _ = bench(
        "verify", "--go", str(go_new.go), "--module", str(module), "--format", "json"
    )
    assert code == 1
    records = json.loads(out)
    assert records and all(
        {"file", "line", "expect", "go", "holds", "evidence"} <= set(r) for r in records
    )
    wrong = [r for r in records if not r["holds"]]
    assert wrong
    # a heap annotation that does not hold has no heap line; a stack one shows the heap line
    for r in wrong:
        if r["expect"] == "stack":
            assert any("heap" in e for e in r["evidence"])
    code, _, _ = bench("verify", "--go", str(go_new.go), "--module", str(module), "--no-fail")
    assert code == 0


def test_verify_two_toolchains_text(go_old, go_new, tmp_path: Path) -> None:
    code, out, err = bench("verify", "--go", f"{go_old.go},{go_new.go}", "--results", str(tmp_path))
    assert code == 0, err
    assert go_old.version in out and go_new.version in out
    assert "hold, 0 do not hold" in out


def test_claims_after_a_run(tmp_path: Path) -> None:
    results = tmp_path / "results"
    code, _, err = bench(
        "run",
        "--quick",
        "--cases",
        "^(NewInt|EscapeInterface|LargeArray)$",
        "--results",
        str(results),
    )
    assert code == 0, err
    code, out, err = bench("claims", "--results", str(results), "--format", "markdown")
    assert code == 0, err
    assert out.startswith("### §") and "| Go | Verdict | Reason |" in out
    assert "prints 'moved to heap: i'" in out  # the article's printed -m output, judged on text
    code, text, _ = bench("claims", "--results", str(results))
    go = next(ln.split()[0] for ln in text.splitlines() if ln.startswith("  go"))
    claim_lines = [ln for ln in text.splitlines() if ln.startswith("[")]
    version_lines = [ln for ln in text.splitlines() if ln.startswith(f"  {go} ")]
    assert len(version_lines) == len(claim_lines)  # one line per claim and version
    assert max(len(ln) for ln in version_lines) < 1000  # a reason, not the whole evidence
    assert "compiler:" not in text
    code, verbose, _ = bench("claims", "--results", str(results), "--verbose")
    assert "compiler: moved to heap: i" in verbose
    code, out, _ = bench("claims", "--results", str(results), "--format", "json")
    rows = {r["id"]: r for r in json.loads(out)}
    printed = rows["4-printed-escapeInterface"]
    assert printed["verdicts"][0]["verdict"] == "does not hold"
    assert printed["verdicts"][0]["printed"] == ["val escapes to heap"]
    ex = rows["6.1-pointer-param-escapes"]["verdicts"][0]["example"]
    assert ex["case"] == "ArticleProcessUser" and ex["escaped"] is False
