"""Go's size classes as bench.vocab.sizeclass charges them, against the runtime's sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.toolchain import Toolchain
from bench.vocab import sizeclass
from bench.vocab.sizeclass import classes, go_minor, has_header, noescape_kind, path, size_class


@pytest.mark.parametrize(
    ("size", "pointers", "go", "charged"),
    [
        (8, False, "go1.27.3", 8),  # two per tiny block
        (12, False, "go1.21.13", 16),  # one per tiny block (12 is 4-aligned: 12 + 12 > 16)
        (4, False, "go1.21.13", 4),
        (1, False, "go1.24.11", 1),
        (8, True, "go1.27.3", 8),  # pointerful: never tiny
        (12, True, "go1.27.3", 16),
        (24, False, "go1.21.13", 24),
        (24, False, "go1.14", 32),  # before the 24-byte class
        (33, False, "go1.27.3", 48),
        (512, True, "go1.27.3", 512),  # header only above 512
        (513, True, "go1.27.3", 576),
        (576, True, "go1.27.3", 640),
        (1024, True, "go1.21.13", 1024),  # no header before 1.22
        (1024, True, "go1.22.10", 1152),
        (1024, False, "go1.27.3", 1024),
        (1152, True, "go1.27.3", 1280),
        (8192, True, "go1.27.3", 9472),
        (32760, True, "go1.27.3", 32768),  # 32760 + 8 still small
        (32768, True, "go1.27.3", 32768),  # large: whole pages, no header
        (32768, False, "go1.21.13", 32768),
        (32769, False, "go1.21.13", 40960),
        (1 << 20, True, "go1.27.3", 1 << 20),
        (0, False, "go1.27.3", 0),
    ],
)
def test_charged_bytes(size: int, pointers: bool, go: str, charged: int) -> None:
    assert size_class(size, pointers, go) == charged


def test_paths_and_headers() -> None:
    assert path(15, False, "1.21") == "tiny" and path(16, False, "1.21") == "small"
    assert path(15, True, "1.21") == "small"
    assert path(32768, False, "1.21") == "small" and path(32768, False, "1.24") == "large"
    assert path(32761, True, "1.22") == "large" and path(32761, True, "1.21") == "small"
    assert has_header(520, True, "go1.22.0") and not has_header(520, True, "go1.21.13")
    assert not has_header(520, False, "go1.27.3") and not has_header(40000, True, "go1.27.3")
    assert len(classes("go1.14.15")) == 66 and len(classes("go1.21.13")) == 67  # + class 0
    assert go_minor("go1.27.3") == (1, 27) and go_minor("devel") > (1, 99)
    assert noescape_kind(64 << 10) == "stack" and noescape_kind((64 << 10) + 8) == "reused"


@pytest.mark.toolchain
@pytest.mark.parametrize("which", ["go_old", "go_new"])
def test_classes_are_the_runtimes(which: str, request: pytest.FixtureRequest) -> None:
    tc: Toolchain = request.getfixturevalue(which)
    src = Path(tc.goroot) / "src"
    files = [
        src / "runtime" / "sizeclasses.go",
        src / "internal" / "runtime" / "gc" / "sizeclasses.go",
    ]
    text = next(f.read_text() for f in files if f.is_file())
    m = re.search(r"(?:class_to_size|SizeClassToSize) = \[\w+\]uint16\{([^}]*)\}", text)
    assert m is not None
    assert tuple(int(x) for x in m.group(1).split(",")[1:]) == classes(tc.version)
    assert f"{sizeclass.MAX_SMALL}" in re.search(r"MaxSmallSize\s*=\s*(\d+)", text).group(1)
