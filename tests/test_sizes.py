"""One reading of a size (``bench.vocab.sizes``) for ``--live-heap`` and for recorded runs."""

from __future__ import annotations

import pytest

from analysis import gc_model
from bench import plan
from bench.plan import SettingError
from bench.vocab.sizes import size_bytes


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("0", 0),
        ("4096", 4096),
        ("64MiB", 64 << 20),
        (" 1 GiB ", 1 << 30),
        ("2KiB", 2048),
        ("3KB", 3000),
        ("5MB", 5_000_000),
        ("7B", 7),
    ],
)
def test_a_size_reads_the_same_for_the_run_and_for_the_analysis(text: str, want: int) -> None:
    assert size_bytes(text) == plan.parse_size(text) == gc_model.live_bytes(text) == want


@pytest.mark.parametrize("text", ["", "64 parsecs", "-1", "1.5MiB", "MiB", "64mib"])
def test_a_malformed_size_is_refused_never_a_number(text: str) -> None:
    assert size_bytes(text) is None
    with pytest.raises(SettingError, match="live_heap"):
        plan.parse_size(text)


def test_a_run_without_a_live_heap_had_none() -> None:
    assert gc_model.live_bytes("") == 0 and gc_model.live_bytes("nonsense") is None
