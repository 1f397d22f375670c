"""The HTML report in a real headless browser (Chromium): it renders without console
messages, every plot is in the rendered page, and a screenshot is taken.

The screenshot goes to `$FPGAFORGE_SCREENSHOT_DIR` when set (to look at), else to the
test's temporary folder. The test skips only when Chromium is missing and cannot be
installed (`make setup` installs it on Debian).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fpgaforge.report.html import build_report, compare_report, write_html
from tests.report.html_fixtures import (
    tiny_build,
    write_rtlsim_result,
    write_synth_report,
)

FLAGS = ["--headless", "--disable-gpu", "--no-sandbox", "--enable-logging=stderr", "--v=0"]


def _find() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    found = _find()
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            capture_output=True,
            env=env,
            timeout=900,
            check=False,
        )
        found = _find()
    if found is None:
        pytest.skip("Chromium is not installed and `apt-get install chromium` could not install it")
    return found


def browse(chromium: str, page: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, *FLAGS, *extra, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_messages(stderr: str) -> list[str]:
    """The page's console output as Chromium logs it (`...:INFO:CONSOLE:1] "text", source`)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def screenshot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FPGAFORGE_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_console_check_sees_errors(chromium: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><script>missing();</script></body></html>")
    assert any(
        "Uncaught ReferenceError" in m
        for m in console_messages(browse(chromium, bad, "--dump-dom").stderr)
    )


@pytest.mark.parametrize("kind", ["compare", "build"])
def test_report_renders_in_chromium(
    chromium: str, tmp_path: Path, kind: str, tiny_compare: dict
) -> None:
    if kind == "compare":
        text = compare_report(tiny_compare)
    else:
        out = tiny_build(tmp_path, backend="rtl")
        write_rtlsim_result(out)
        write_synth_report(out)
        text = build_report(out)
    page = tmp_path / f"{kind}.html"
    write_html(page, text)
    plots = text.count("<svg")
    assert plots >= 5

    dom = browse(chromium, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert dom.stdout.count("<svg") == plots
    assert "</footer>" in dom.stdout

    shot = screenshot_dir(tmp_path) / f"report_{kind}.png"
    result = browse(
        chromium, page, "--hide-scrollbars", "--window-size=1280,2400", f"--screenshot={shot}"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
