"""Shared fixtures: real toolchains (installed once per cache) and small Go modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import toolchain

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TINY = DATA / "tiny_module"
#: The project's published runs (read only when asked for; see results/README.md).
PUBLISHED = ROOT / "results" / "published"
#: The machine the published runs were made on (ESCAPEBENCH_MACHINE when they were made).
PUBLISHED_MACHINE = "xeon-2vcpu"
#: The oldest toolchain the cases promise to build with, and the newest on PyPI.
OLD_GO = os.environ.get("ESCAPEBENCH_TEST_OLD_GO", "1.21.13")
NEW_GO = os.environ.get("ESCAPEBENCH_TEST_NEW_GO", "1.27.3")
#: Under CI=true nothing may skip (see pytest_runtest_makereport).
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def bench(*argv: str) -> tuple[int, str, str]:
    """Run ``bench ARGV`` in-process: (exit status, stdout, stderr)."""
    import io

    from bench.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="session")
def go_bundled() -> toolchain.Toolchain:
    return toolchain.find(None)


@pytest.fixture(scope="session")
def go_old() -> toolchain.Toolchain:
    return toolchain.find(OLD_GO)


@pytest.fixture(scope="session")
def go_new() -> toolchain.Toolchain:
    return toolchain.find(NEW_GO)


@pytest.fixture()
def tiny() -> Path:
    return TINY


# --- the fault-injection ledger (tests marked `faults`) ----------------------

FAULTS = {"injected": 0, "survived": 0, "lost": 0}


class FaultLedger:
    """What a fault test found: results that existed before the fault and are now missing."""

    def __init__(self) -> None:
        self.lost = 0

    def expect_kept(self, before: int, after: int) -> None:
        """Record ``before - after`` lost results (never negative) and assert none were."""
        self.lost += max(0, before - after)
        assert after >= before, f"{before - after} results lost"


@pytest.fixture()
def fault_ledger(request: pytest.FixtureRequest) -> FaultLedger:
    ledger = FaultLedger()
    yield ledger  # type: ignore[misc]
    FAULTS["lost"] += ledger.lost


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        # A skip in CI hides a failure: a missing toolchain, oracle or browser fails there.
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which must not skip: {reason}"
    if item.get_closest_marker("faults") is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        FAULTS["injected"] += 1
        FAULTS["survived"] += report.outcome == "passed"


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if FAULTS["injected"]:
        terminalreporter.write_line(
            f"faults: {FAULTS['injected']} injected, {FAULTS['survived']} survived, "
            f"{FAULTS['lost']} results lost"
        )
