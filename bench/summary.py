"""Print what ``bench run`` did: where results are, and the escape cost per pair."""

from __future__ import annotations

from typing import TextIO

from bench import benchfmt, store


def print_summary(group, out: TextIO) -> None:  # type: ignore[no-untyped-def]
    for version, d in group.dirs.items():
        parsed = benchfmt.parse_file(d / store.RAW)
        out.write(f"{version}: {len(parsed.results)} samples in {d}\n")
