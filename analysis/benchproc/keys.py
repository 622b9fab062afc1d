"""What configuration keys mean to a comparison: identity, machine, measurement setting.

One job: classify the ``key: value`` lines above benchmark results (ours from
``bench run``: ``escapebench-*``, ``machine``, ``gogc``, ``live-heap``; Go's:
``goos``, ``cpu``...), so ``analysis.compare`` knows which keys may split tables
and ``analysis.gate`` which differences are settings rather than code.
"""

from __future__ import annotations

from collections.abc import Iterable

from bench.model import Result
from bench.vocab import keys

#: Config lines that name a run rather than describe how it measured.
#: Keys that name a run, not a setting: runs differing only here are compared, not split
#: (comparing the same benchmarks before and after a code change is the point of ``compare``).
IDENTITY_KEYS = (
    keys.VERSION,
    keys.SEED,
    keys.CALIBRATION,
    keys.CALIBRATION_ID,
    keys.SOURCES,
)
MACHINE_KEYS = ("cpu", "cpu-model", "goos", "goarch", "machine")
#: The block keys ``go test`` writes itself: results under different values never pool.
GO_BLOCK_KEYS = (keys.GOOS, keys.GOARCH, keys.PKG, keys.CPU)
#: Config keys (besides ``escapebench-*`` settings) that change what is measured.
SETTING_KEYS = ("gogc", "live-heap", "gomaxprocs")


def is_setting(key: str) -> bool:
    """Whether a config key describes how records were measured (not which run they are)."""
    return (key.startswith("escapebench-") and key not in IDENTITY_KEYS) or key in SETTING_KEYS


def setting_keys(results: Iterable[Result]) -> list[str]:
    """Config keys that describe how records were measured (``escapebench-*`` settings, GOGC...)."""
    keys: dict[str, None] = {}
    for r in results:
        for k, _ in r.config:
            if is_setting(k):
                keys.setdefault(k)
    return list(keys)
