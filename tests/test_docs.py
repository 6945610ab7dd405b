"""The documentation: its code examples run, its API page is complete, it renders.

The full build (``sphinx-build -W``, gallery included) runs in ``.ci/run``;
here are the fast checks: the ``>>>`` examples of the user guide run against
the real code, the generated API reference lists every public name, the
benchmark markdown converts to valid reStructuredText, and (when Sphinx or
Chromium are installed) a text-only build and a browser render.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
sys.path.insert(0, str(DOCS))

build_helpers = pytest.importorskip("_build_helpers")
check_render = pytest.importorskip("check_render")

GUIDE_PAGES = sorted((DOCS / "user_guide").glob("*.rst")) + [
    DOCS / "getting_started.rst"
]


@pytest.mark.parametrize("page", GUIDE_PAGES, ids=lambda p: p.name)
def test_guide_examples_run(page):
    """Every ``>>>`` example in the guide gives the output it shows."""
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.failed == 0, f"{result.failed} failing example(s) in {page.name}"


def _missing_modules() -> list[str]:
    """Modules behind skhypertune's public names that do not exist yet."""
    import skhypertune

    return sorted(
        {
            module
            for module in skhypertune._PUBLIC.values()
            if build_helpers._import_or_none(module) is None
        }
    )


def test_api_reference_lists_every_public_name():
    import skhypertune
    import skhypertune.callbacks

    listed = {
        (module, name)
        for entries in build_helpers.public_api().values()
        for module, name, _ in entries
    }
    listed_names = {name for _, name in listed}
    missing_modules = _missing_modules()
    for name in skhypertune.__all__:
        if name.startswith("__") or skhypertune._PUBLIC[name] in missing_modules:
            continue
        assert name in listed_names, f"{name} is missing from the API reference"
    for name in skhypertune.callbacks.__all__:
        assert ("skhypertune.callbacks", name) in listed
    # Documented once, under its shortest public path.
    assert ("skhypertune", "SearchSpace") in listed
    assert ("skhypertune.space", "SearchSpace") not in listed
    if missing_modules:
        pytest.skip(f"public modules not written yet: {missing_modules}")


def test_api_list_and_pages_are_written(tmp_path):
    build_helpers.write_api_list(tmp_path / "api_list.inc")
    text = (tmp_path / "api_list.inc").read_text()
    assert ".. autosummary::" in text and "   SearchSpace" in text
    page = (tmp_path / "skhypertune.SearchSpace.rst").read_text()
    assert page.startswith("SearchSpace\n===========\n")
    assert ".. autoclass:: SearchSpace" in page


def test_markdown_table_to_rst():
    md = (
        "# Budget 40\n\n"
        "Scores are **normalised**; see `n_iter`.\n\n"
        "| searcher | score_ | time (s) |\n"
        "|---|---:|:-:|\n"
        "| bayes | 81.2 | 3*2 |\n"
        "| random | 0.0 |\n"
    )
    rst = build_helpers.markdown_to_rst(md)
    assert ".. rubric:: Budget 40" in rst
    assert "\\ **normalised**\\ " in rst and "\\ ``n_iter``\\ " in rst
    assert ".. list-table::" in rst and ":header-rows: 1" in rst
    # Three header cells, then rows padded to three cells; separators dropped.
    assert rst.count("   * - ") == 3
    assert "score\\_" in rst and "3\\*2" in rst
    assert "---" not in rst


def test_markdown_emphasis():
    rst = build_helpers.markdown_to_rst("*ours* is 3*2 and * not, **b** *x y*\n")
    assert rst == "\\ *ours*\\  is 3\\*2 and \\* not, \\ **b**\\  \\ *x y*\n"
    if importlib.util.find_spec("docutils") is not None:
        assert build_helpers.rst_problems(rst) == []


def test_markdown_indented_code_block():
    md = "Run by\n\n    python bench.py --budget 40\n    python b.py | x_\n\nDone.\n"
    rst = build_helpers.markdown_to_rst(md)
    assert ".. code-block:: text\n\n   python bench.py --budget 40\n" in rst
    assert "   python b.py | x_\n" in rst
    assert rst.rstrip().endswith("Done.")


def test_markdown_to_rst_parses_without_warnings():
    docutils_core = pytest.importorskip("docutils.core")
    md = (
        "## Results\n\n- a *b* item_\n\n| a | b |\n|---|---|\n"
        "| `x_` | [l](http://e.x) |\n\n```\nraw | text_\n```\n"
    )
    rst = build_helpers.markdown_to_rst(md)
    out = docutils_core.publish_doctree(
        rst, settings_overrides={"report_level": 2, "halt_level": 2}
    )
    assert "raw | text_" in out.astext()


def test_benchmark_tables_grouped_by_page(tmp_path):
    groups = build_helpers.write_benchmark_tables(tmp_path / "none", tmp_path)
    assert all(names == [] for names in groups.values())
    assert "No benchmark results" in (tmp_path / "benchmarks_search.inc").read_text()
    results = tmp_path / "results"
    results.mkdir()
    (results / "search_budget40.md").write_text("# Budget 40\n\n| a |\n|---|\n| 1 |\n")
    (results / "search_budget100.md").write_text("text only\n")
    (results / "search_quick_budget10.md").write_text("smoke\n")
    (results / "halving.md").write_text("# Halving\n")
    (results / "importance_accuracy.md").write_text("# fANOVA\n")
    groups = build_helpers.write_benchmark_tables(results, tmp_path)
    assert groups["search"] == ["search_budget40", "search_budget100"]
    assert groups["halving"] == ["halving"]
    assert groups["importance"] == ["importance_accuracy"]
    assert "search_quick_budget10" not in sum(groups.values(), [])
    page = (tmp_path / "bench_search_budget40.inc").read_text()
    assert page.startswith("Budget 40\n---------\n")
    assert (
        (tmp_path / "bench_search_budget100.inc")
        .read_text()
        .startswith("search budget100\n----------------\n")
    )
    text = (tmp_path / "benchmarks_search.inc").read_text()
    assert text.index("budget40.inc") < text.index("bench_search_budget100.inc")


def test_unconvertible_results_are_shown_verbatim(tmp_path, capsys):
    pytest.importorskip("docutils")
    results = tmp_path / "results"
    results.mkdir()
    # Markdown text that happens to be reST markup the converter passes on.
    (results / "search_budget40.md").write_text("# Odd\n\n.. no-such-directive:: x\n")
    build_helpers.write_benchmark_tables(results, tmp_path)
    page = (tmp_path / "bench_search_budget40.inc").read_text()
    assert page.startswith("Odd\n---\n\n.. code-block:: text\n")
    assert "shown as text" in capsys.readouterr().out
    assert build_helpers.rst_problems(page.split("\n", 3)[3]) == []
    assert build_helpers.rst_problems("bad *emphasis\n")


def test_blank_screenshot_is_detected(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    blank, drawn = tmp_path / "blank.png", tmp_path / "drawn.png"
    fig = plt.figure(figsize=(3, 2))
    fig.savefig(blank)
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [1, 3, 2], label="a line")
    ax.legend()
    ax.set_title("Some text")
    fig.savefig(drawn)
    plt.close(fig)
    assert check_render.check_image(blank, "blank", max_background=0.97)
    assert check_render.check_image(drawn, "drawn", max_background=0.97) == []
    assert check_render.check_image(tmp_path / "missing.png", "x", 0.97)


def test_console_errors_are_recognised():
    stderr = (
        '[1:1:INFO:CONSOLE:1] "[PST]: Changed to auto mode", source: x.js (1)\n'
        '[1:1:INFO:CONSOLE:3] "Uncaught TypeError: x is undefined", source: y.js\n'
        "[1:1:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n"
    )
    assert check_render.console_errors(stderr) == [stderr.splitlines()[1]]


@pytest.mark.slow
def test_text_build_has_no_warnings(tmp_path):
    """``sphinx-build -W`` without running the gallery (the CI build runs it)."""
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("pydata_sphinx_theme")
    # Build a copy: the build writes generated pages and the gallery next to
    # its sources, and must not touch those of a real build in docs/.
    src = tmp_path / "docs"
    shutil.copytree(
        DOCS,
        src,
        ignore=shutil.ignore_patterns(
            "_build", "auto_examples", "gen_modules", "sg_execution_times.rst"
        ),
    )
    out = tmp_path / "html"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-D",
            "plot_gallery=0",
            "-d",
            str(tmp_path / "doctrees"),
            "-b",
            "html",
            str(src),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for page in ["index", "getting_started", "api", "user_guide/search_spaces"]:
        assert (out / f"{page}.html").is_file()
    api = (out / "api.html").read_text(encoding="utf-8")
    skhypertune = importlib.import_module("skhypertune")
    missing_modules = _missing_modules()
    for name in skhypertune.__all__:
        if not name.startswith("__") and (
            skhypertune._PUBLIC[name] not in missing_modules
        ):
            assert f">{name}<" in api, f"{name} not on the built API page"
    if check_render.find_chromium() is not None:
        problems, dom = check_render.check_page(
            check_render.find_chromium(),
            out / "index.html",
            tmp_path,
            ["skhypertune", "Getting started"],
            window="1280,1000",
        )
        assert problems == []


def test_built_site_renders_in_chromium(tmp_path):
    """The CI build's index and a gallery page render in headless Chromium."""
    pytest.importorskip("matplotlib")  # reads the screenshots
    build = DOCS / "_build" / "html"
    if not (build / "index.html").is_file():
        pytest.skip(
            "documentation not built (sphinx-build -b html docs docs/_build/html)"
        )
    if check_render.find_chromium() is None:
        pytest.skip("no Chromium installed")
    assert check_render.main([str(build), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "index.png").is_file()
