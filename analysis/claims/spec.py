"""The claims and cases the judge reads, from the typed manifest (``bench.vocab.manifest``).

Neighbours: ``bench.evidence`` hands over the manifest as typed records (read
once by ``bench.vocab.manifest.load``); ``analysis.claims.judge`` judges the
claims. Plain TOML tables (``{"case": [...], "claim": [...]}``) are accepted
too and checked by the same loader, so a test can write a manifest inline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bench.vocab import manifest as mf

#: A typed manifest, or its TOML tables.
ManifestLike = mf.Manifest | Mapping[str, Any]


def typed(manifest: ManifestLike) -> mf.Manifest:
    """``manifest`` as records (tables are checked by ``bench.vocab.manifest.from_tables``)."""
    return manifest if isinstance(manifest, mf.Manifest) else mf.from_tables(manifest)


def claim_spec(t: Mapping[str, Any]) -> mf.Claim:
    """One ``[[claim]]`` table as a record; ``InputError`` names the claim when malformed."""
    return mf.claim_of(t)


def claim_specs(manifest: ManifestLike) -> list[mf.Claim]:
    """Every claim of a manifest, in file order (unknown case ids are an ``InputError``)."""
    return list(typed(manifest).claims)


def sections(manifest: ManifestLike) -> dict[str, str]:
    """Case id → article section (for ``analysis.escape_cost.cost_records``)."""
    return typed(manifest).sections()


def case_infos(manifest: ManifestLike) -> dict[str, mf.Case]:
    """Case id → its ``[[case]]`` record (kind, subject, each variant's functions)."""
    return {c.id: c for c in typed(manifest).cases}


def payload(report: Any) -> Mapping[str, Any]:
    """An escape.json payload from a dict or anything with ``to_json()`` (a VerifyReport)."""
    if isinstance(report, Mapping):
        return report
    to_json = getattr(report, "to_json", None)
    if callable(to_json):
        return to_json()
    raise TypeError(f"not an escape.json payload: {type(report).__name__}")


def payloads(reports: Sequence[Any]) -> list[Mapping[str, Any]]:
    return [payload(r) for r in reports]
