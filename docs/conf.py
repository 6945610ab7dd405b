"""Sphinx configuration for the skhypertune documentation.

The build must work offline (CI has no network): intersphinx is off, the
theme uses only its bundled assets, and gallery examples use datasets shipped
with scikit-learn. Build with ``sphinx-build -W -b html docs docs/_build/html``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from docutils import nodes

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))

# Gallery examples draw figures without a display, and use one BLAS thread:
# their models are small, and on a loaded 2-core CI machine BLAS threads
# fighting joblib workers made them many times slower. Set before numpy loads.
os.environ.setdefault("MPLBACKEND", "Agg")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from _build_helpers import write_api_list, write_benchmark_tables  # noqa: E402

import skhypertune  # noqa: E402

project = "skhypertune"
author = "skhypertune developers"
copyright = "2026, skhypertune developers"
release = skhypertune.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "examples/README.rst"]
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"
pygments_style = "sphinx"
# Quotes and ellipses only: "--budget" in text must stay two hyphens.
smartquotes_action = "qe"

# -- autodoc / autosummary / numpydoc ---------------------------------------
# Stub pages are written by _build_helpers.write_api_list.
autosummary_generate = False
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Formatting of other modules' docstrings is checked by numpydoc's parser
# (malformed sections warn and -W fails); content validation is left to
# review, as in scikit-learn.
numpydoc_validation_checks: set[str] = set()

# -- HTML ------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skhypertune {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "getting_started": []}
html_show_sourcelink = False

# -- sphinx-gallery ----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "abort_on_example_error": True,
    "remove_config_comments": True,
    "plot_gallery": "True",
    "matplotlib_animations": False,
    "reference_url": {"skhypertune": None},
    "doc_module": ("skhypertune",),
    "backreferences_dir": "gen_modules/backrefs",
    "show_memory": False,
    "min_reported_time": 5,
}

# -- generated pages ---------------------------------------------------------
# Written to docs/gen_modules/ (git-ignored) as ``.inc`` files, which Sphinx
# does not read as pages; the pages pull them in with ``.. include::``.
GENERATED = DOCS / "gen_modules"
write_api_list(GENERATED / "api_list.inc")
write_benchmark_tables(ROOT / "benchmarks" / "results", GENERATED)


# -- links to scikit-learn without intersphinx --------------------------------
# intersphinx would download scikit-learn's inventory, and CI has no network.
# Docstrings written in scikit-learn's style use :term:`...` (its glossary)
# and refer to sklearn.* objects; resolve those to scikit-learn's website.
SKLEARN_DOCS = "https://scikit-learn.org/stable/"


def _sklearn_reference(app, env, node, contnode):
    domain, reftype = node.get("refdomain"), node.get("reftype")
    target = node.get("reftarget", "")
    if domain == "std" and reftype == "term":
        anchor = re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-")
        uri = f"{SKLEARN_DOCS}glossary.html#term-{anchor}"
    elif domain == "py" and target.startswith("sklearn."):
        if reftype == "mod":
            uri = f"{SKLEARN_DOCS}api/{target}.html"
        elif reftype in ("meth", "attr"):
            owner = target.rsplit(".", 1)[0]
            uri = f"{SKLEARN_DOCS}modules/generated/{owner}.html#{target}"
        else:
            uri = f"{SKLEARN_DOCS}modules/generated/{target}.html"
    else:
        return None
    ref = nodes.reference("", "", internal=False, refuri=uri, reftitle=target)
    ref.append(contnode)
    return ref


# An attribute documented as "ndarray of shape (n_features_in_,)" (as
# scikit-learn writes it) would make docutils read ``n_features_in_`` as a
# link target; quote such names in the type part of parameter lines.
_SPEC_LINE = re.compile(r"^(\s*\*{0,2}\w+ : )(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w])(\w+_)(?=[\s,)\]]|$)")


def _quote_underscored_names(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        m = _SPEC_LINE.match(line)
        if m:
            lines[i] = m.group(1) + _TRAILING_UNDERSCORE.sub(r"`\1`", m.group(2))


def setup(app):
    app.connect("missing-reference", _sklearn_reference)
    # Before numpydoc (priority 500) turns the docstring into reST.
    app.connect("autodoc-process-docstring", _quote_underscored_names, priority=400)
