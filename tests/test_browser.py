"""The standalone index.html in a real browser: every chart loads, the page renders.

Headless Debian chromium, no network, a throwaway profile. Images are checked
from inside the page: a copy of index.html gets a small script that, once the
page has loaded, writes what it found into the DOM, which ``--dump-dom`` then
prints. Only the stdlib is needed (no DevTools websocket client).
"""

from __future__ import annotations

import html as htmllib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.report.build import ReportSummary, build_report
from bench import store
from tests.test_report import SCRIPT, write_synthetic_raw

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("ESCAPEBENCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

_PROBE = """<script>
window.addEventListener("load", () => {
  const imgs = Array.from(document.images);
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({
    images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    scripts: document.scripts.length,
    text: document.body.innerText,
  });
  document.body.appendChild(out);
});
</script>
"""


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    if not Path(CHROMIUM).exists():
        message = f"no chromium at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":  # CI must not pass without browser coverage
            pytest.fail(message)
        pytest.skip(message)
    argv = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=90)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> ReportSummary:
    root = tmp_path_factory.mktemp("browser")
    raw = write_synthetic_raw(root / "raw.txt")
    return build_report(store.load_input(raw), root / "report")


def test_every_image_loads(page: ReportSummary, tmp_path: Path) -> None:
    html = page.index_html.read_text(encoding="utf-8")
    probe = page.out / "probe.html"  # beside index.html, so relative image paths resolve
    probe.write_text(html.replace("</body>", _PROBE + "</body>"), encoding="utf-8")
    try:
        proc = _chromium(
            "--virtual-time-budget=20000",
            "--dump-dom",
            probe.as_uri(),
            profile=tmp_path / "profile",
        )
    finally:
        probe.unlink()
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, re.S)
    assert m, f"probe did not run: {proc.stdout[-1000:]}"
    found = json.loads(htmllib.unescape(m.group(1)))
    assert found["images"] == page.charts > 0
    assert found["broken"] == []
    assert found["scripts"] == 1  # our probe: names from the results never become script
    assert SCRIPT in found["text"]  # ... they are shown as text


def test_screenshot_is_a_rendered_page(page: ReportSummary, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    proc = _chromium(
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        "--virtual-time-budget=20000",
        page.index_html.as_uri(),
        profile=tmp_path / "profile",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (2000, 1280)
    assert float(pixels[..., :3].std()) > 0.05  # text and charts, not a blank page
