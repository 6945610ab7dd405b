"""Open built documentation pages in headless Chromium and check they render.

Usage::

    python docs/check_render.py [BUILD_DIR] [--out DIR]

For the index page and one gallery page it takes a screenshot, checks that the
screenshot is not blank (many pixels differ from the background, in several
colours), that the rendered DOM has the page's expected parts (the title and
navigation; for the gallery page a figure whose PNG is itself non-blank), and
that the browser console reports no JavaScript errors or failed loads (the
site must work offline, from ``file://``). Screenshots are kept in ``--out``
(default: BUILD_DIR/_screenshots).

Exit status: 0 when every check passes or when no Chromium is installed
(it says it skipped), 1 when a check fails, 2 when the build is missing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    # Let the theme's scripts run before the DOM is dumped or the shot taken.
    "--virtual-time-budget=3000",
]
# Console output that means the page is broken (a script error, or an asset
# that could not be loaded, e.g. one that needs the network).
_CONSOLE_ERROR = re.compile(
    r"(ERROR|WARNING):CONSOLE|Uncaught|Failed to load resource|net::ERR_"
)


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def run_chromium(
    chromium: str, url: str, args: list[str], profile: Path
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if _CONSOLE_ERROR.search(line)]


def blank_fraction(png: Path) -> tuple[float, int]:
    """Share of pixels equal to the most common colour, and colours used."""
    import numpy as np
    from matplotlib.image import imread

    img = imread(str(png))
    if img.dtype != np.uint8:
        img = np.round(img * 255).astype(np.uint8)
    pixels = img.reshape(-1, img.shape[-1] if img.ndim == 3 else 1)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    return counts.max() / counts.sum(), len(colours)


def check_image(png: Path, what: str, max_background: float) -> list[str]:
    if not png.is_file() or png.stat().st_size == 0:
        return [f"{what}: no image written at {png}"]
    background, n_colours = blank_fraction(png)
    problems = []
    if background > max_background:
        problems.append(
            f"{what}: {background:.1%} of the pixels are the background colour "
            f"(limit {max_background:.0%}); the page looks blank"
        )
    if n_colours < 16:
        problems.append(f"{what}: only {n_colours} colours; the page looks blank")
    return problems


def check_page(
    chromium: str,
    page: Path,
    out: Path,
    expected: list[str],
    window: str = "1280,1600",
) -> tuple[list[str], str]:
    """Screenshot and DOM checks for one page; returns (problems, dom)."""
    problems: list[str] = []
    url = page.resolve().as_uri()
    shot = out / (page.stem + ".png")
    with tempfile.TemporaryDirectory() as profile:
        dom_run = run_chromium(chromium, url, ["--dump-dom"], Path(profile))
    with tempfile.TemporaryDirectory() as profile:
        shot_run = run_chromium(
            chromium,
            url,
            [f"--window-size={window}", f"--screenshot={shot}"],
            Path(profile),
        )
    dom = dom_run.stdout
    if dom_run.returncode != 0 or "<html" not in dom:
        problems.append(f"{page.name}: Chromium could not render the page")
    for needle in expected:
        if needle not in dom:
            problems.append(f"{page.name}: the rendered page lacks {needle!r}")
    for line in console_errors(dom_run.stderr) + console_errors(shot_run.stderr):
        problems.append(f"{page.name}: browser console: {line.strip()}")
    problems += check_image(shot, f"{page.name} screenshot", max_background=0.97)
    return problems, dom


def gallery_page(build: Path) -> Path | None:
    """The first gallery example page that has a figure."""
    for page in sorted((build / "auto_examples").glob("plot_*.html")):
        if "sphx-glr-single-img" in page.read_text(encoding="utf-8", errors="replace"):
            return page
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build", nargs="?", default="docs/_build/html", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    build: Path = args.build
    index = build / "index.html"
    if not index.is_file():
        print(f"check_render: no built documentation at {index}", file=sys.stderr)
        return 2
    chromium = find_chromium()
    if chromium is None:
        print("check_render: skipped, no Chromium installed")
        return 0
    out = args.out or build / "_screenshots"
    out.mkdir(parents=True, exist_ok=True)

    problems, _ = check_page(
        chromium,
        index,
        out,
        ["skhypertune", "bd-header", "Getting started", "API reference"],
        window="1280,1000",
    )
    example = gallery_page(build)
    if example is None:
        problems.append("no gallery page with a figure in auto_examples/")
    else:
        found, dom = check_page(
            chromium, example, out, ["sphx-glr-single-img", "sphx-glr-script-out"]
        )
        problems += found
        if "Traceback (most recent call last)" in dom:
            problems.append(f"{example.name}: the example printed a traceback")
        for src in re.findall(r'<img[^>]+class="sphx-glr-single-img"[^>]*>', dom):
            m = re.search(r'src="([^"]+)"', src)
            if m:
                fig = (example.parent / m.group(1)).resolve()
                problems += check_image(fig, f"figure {fig.name}", max_background=0.995)
    for p in problems:
        print(f"check_render: FAIL {p}")
    shots = sorted(out.glob("*.png"))
    print(
        f"check_render: {'FAILED' if problems else 'ok'}; screenshots: "
        + ", ".join(str(s) for s in shots)
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
