"""Pages generated at build time from the code and the benchmark results.

Imported by ``conf.py``. Two jobs:

* the API reference lists every public name (``skhypertune.__all__`` and the
  public submodules' ``__all__``), so a name added to the package appears in
  the docs without editing them;
* the benchmark tables in ``benchmarks/results/*.md`` are converted to
  reStructuredText, so the user guide shows the committed numbers instead of
  copies typed by hand.
"""

from __future__ import annotations

import inspect
import re
from importlib import import_module
from pathlib import Path

# Submodules whose own ``__all__`` is public API, with the section they go in.
_SUBMODULES = {
    "skhypertune.space": "Search spaces",
    "skhypertune.portfolio": "Initial designs",
    "skhypertune.callbacks": "Steering: callbacks and checkpoints",
    "skhypertune.cli": "Command line",
    "skhypertune.checkpoint": "Steering: callbacks and checkpoints",
    "skhypertune.plotting": "Plots",
    "skhypertune.pareto": "Several objectives",
    "skhypertune.strategies": "Strategies (for extending skhypertune)",
}
_SECTION_ORDER = [
    "Searchers",
    "Search spaces",
    "Initial designs",
    "Importances and report",
    "Several objectives",
    "Plots",
    "Steering: callbacks and checkpoints",
    "Command line",
    "Strategies (for extending skhypertune)",
    "Other",
]
_SECTION_INTRO = {
    "Searchers": "Drop-in replacements for scikit-learn's "
    "``RandomizedSearchCV``; they share its parameters, fitted attributes "
    "and methods.",
    "Search spaces": "How ``param_distributions`` is mapped to the unit cube "
    "the strategies search (see :doc:`user_guide/search_spaces`).",
    "Initial designs": "The portfolios of configurations a search of a common "
    "estimator starts from (see :doc:`user_guide/portfolio`).",
    "Importances and report": "Which hyperparameters mattered, and a "
    "shareable summary of a search.",
    "Several objectives": "Pareto fronts, hypervolume and refit choices of a "
    "search with ``objectives=`` (see :doc:`user_guide/multi_objective`).",
    "Plots": "Matplotlib figures of a fitted search (needs the ``plot`` extra).",
    "Steering: callbacks and checkpoints": "Stop, watch or resume a running "
    "search (see :doc:`user_guide/steering`).",
    "Command line": "The ``skhypertune`` command and its space-file parser "
    "(see :doc:`user_guide/cli`).",
    "Strategies (for extending skhypertune)": "The pure ask/tell optimisers "
    "behind the searchers; useful to write a new searcher.",
}


def _section_for_top_level(obj: object) -> str:
    from sklearn.model_selection._search import BaseSearchCV

    if inspect.isclass(obj) and issubclass(obj, BaseSearchCV):
        return "Searchers"
    if inspect.isclass(obj):
        return "Search spaces"
    return "Importances and report"


def _import_or_none(module: str):
    """The module, or None when it does not exist (yet).

    Only a missing module itself is tolerated; an error raised while importing
    an existing module propagates, so a broken module fails the build.
    """
    try:
        return import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


def public_api() -> dict[str, list[tuple[str, str, str]]]:
    """Section -> list of (module to document from, name, "class"/"function")."""
    import skhypertune

    sections: dict[str, list[tuple[str, str, str]]] = {}
    documented: set[int] = set()

    def add(section: str, module: str, name: str, obj: object) -> None:
        if id(obj) in documented:
            return
        documented.add(id(obj))
        kind = "class" if inspect.isclass(obj) else "function"
        sections.setdefault(section, []).append((module, name, kind))

    for name in skhypertune.__all__:
        if name.startswith("__"):
            continue
        module_name = skhypertune._PUBLIC.get(name, "skhypertune")
        if _import_or_none(module_name) is None:
            continue
        obj = getattr(import_module(module_name), name)
        add(_section_for_top_level(obj), "skhypertune", name, obj)
    for module_name, section in _SUBMODULES.items():
        module = _import_or_none(module_name)
        if module is None:
            continue
        for name in getattr(module, "__all__", []):
            add(section, module_name, name, getattr(module, name))
    return sections


_STUB = """{title}
{underline}

.. currentmodule:: {module}

.. auto{kind}:: {name}
{options}
.. include:: /gen_modules/backrefs/{module}.{name}.examples

.. raw:: html

    <div class="clearer"></div>
"""
# Members inherited from scikit-learn's BaseSearchCV are documented there;
# their docstrings use scikit-learn's own glossary and labels.
_CLASS_OPTIONS = "   :members:\n   :inherited-members: BaseSearchCV\n"


def write_api_list(path: Path) -> None:
    """Write the API reference tables to ``path`` and one page per name.

    The per-name pages are written here rather than by autosummary's
    generator, which does not look inside included files.
    """
    sections = public_api()
    for entries in sections.values():
        for module, name, kind in entries:
            title = f"{module}.{name}" if module != "skhypertune" else name
            _write_if_changed(
                path.parent / f"{module}.{name}.rst",
                _STUB.format(
                    title=title,
                    underline="=" * len(title),
                    module=module,
                    kind=kind,
                    name=name,
                    options=_CLASS_OPTIONS if kind == "class" else "",
                ),
            )
    lines: list[str] = []
    for section in _SECTION_ORDER:
        entries = sections.get(section)
        if not entries:
            continue
        lines += [section, "-" * len(section), ""]
        if section in _SECTION_INTRO:
            lines += [_SECTION_INTRO[section], ""]
        by_module: dict[str, list[tuple[str, str]]] = {}
        for module, name, kind in entries:
            by_module.setdefault(module, []).append((name, kind))
        for module, items in by_module.items():
            lines += [f".. currentmodule:: {module}", ""]
            if module != "skhypertune":
                lines += [f"From ``{module}``:", ""]
            for kind in ("class", "function"):
                names = [n for n, k in items if k == kind]
                if not names:
                    continue
                lines += [
                    ".. autosummary::",
                    "   :toctree: gen_modules",
                    "",
                ]
                lines += [f"   {n}" for n in names] + [""]
    lines += [".. currentmodule:: skhypertune", ""]
    _write_if_changed(path, "\n".join(lines))


# -- benchmark tables --------------------------------------------------------
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*([^*\s](?:[^*]*[^*\s])?)\*(?![\w*])")


def _escape(text: str) -> str:
    return re.sub(r"([\\*_|`\[\]<>])", r"\\\1", text)


def _inline(text: str) -> str:
    """Markdown inline markup (code, bold, links) to reStructuredText."""
    out = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(_inline_text(text[pos : m.start()]))
        out.append(f"\\ ``{m.group(2).strip()}``\\ ")
        pos = m.end()
    out.append(_inline_text(text[pos:]))
    # A trailing escaped space would escape the line break and glue this line
    # to the next one.
    return "".join(out).removesuffix("\\ ")


def _inline_text(text: str) -> str:
    out = []
    pos = 0
    pattern = f"{_BOLD.pattern}|{_LINK.pattern}|{_EMPHASIS.pattern}"
    for m in re.finditer(pattern, text):
        out.append(_escape(text[pos : m.start()]))
        if m.group(1) is not None:
            out.append(f"\\ **{_escape(m.group(1))}**\\ ")
        elif m.group(2) is not None:
            out.append(f"\\ `{_escape(m.group(2))} <{m.group(3)}>`__\\ ")
        else:
            out.append(f"\\ *{_escape(m.group(4))}*\\ ")
        pos = m.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def _table(rows: list[str]) -> list[str]:
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    cells = [c for c in cells if not all(re.fullmatch(r":?-+:?", x) for x in c)]
    if not cells:
        return []
    width = len(cells[0])
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in cells:
        row = (row + [""] * width)[:width]
        out.append(f"   * - {_inline(row[0]) or ' '}")
        out += [f"     - {_inline(c) or ' '}" for c in row[1:]]
    return out + [""]


def markdown_to_rst(text: str) -> str:
    """Convert the markdown the benchmark scripts write to reStructuredText.

    Handles headings (as rubrics, so they fit under any page section), pipe
    tables, bullet lists, fenced and indented code, and paragraphs with
    inline code, bold and links; everything else is escaped and kept as text.
    """
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            block = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            out += [".. code-block:: text", ""]
            out += [f"   {b}" if b.strip() else "" for b in block] + [""]
        elif line.startswith(("    ", "\t")) and (not out or not out[-1].strip()):
            # An indented code block (after a blank line, as markdown wants).
            block = []
            while i < len(lines) and (
                lines[i].startswith(("    ", "\t")) or not lines[i].strip()
            ):
                block.append(lines[i].expandtabs(4)[4:])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            out += [".. code-block:: text", ""]
            out += [f"   {b}" if b.strip() else "" for b in block] + [""]
            continue
        elif stripped.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i])
                i += 1
            out += [""] + _table(rows)
            continue
        elif stripped.startswith("#"):
            out += ["", f".. rubric:: {_inline(stripped.lstrip('#').strip())}", ""]
        elif re.match(r"[-*+] ", stripped):
            out.append(f"- {_inline(stripped[2:].strip())}")
        elif stripped:
            out.append(_inline(stripped))
        else:
            out.append("")
        i += 1
    return "\n".join(out) + "\n"


# Which page shows which results file: (group, file name pattern). The first
# match wins; smoke runs (``*quick*``) are not shown.
BENCHMARK_GROUPS = [
    ("skip", r"quick"),
    ("importance", r"importance|fanova"),
    ("halving", r"halving|hyperband|bohb"),
    ("portfolio", r"^portfolio"),
    ("search", r"^search"),
    ("overhead", r"overhead|step_rules|load"),
    ("other", r""),
]


def _title_and_body(md: str, fallback: str) -> tuple[str, str]:
    """Split off the first level-1 heading of a markdown file."""
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("# "):
            return line[2:].strip(), "\n".join(lines[:i] + lines[i + 1 :])
        if line.strip():
            break
    return fallback, md


def rst_problems(rst: str) -> list[str]:
    """Warnings and errors docutils reports for ``rst`` (empty when clean).

    Without docutils (never the case in a Sphinx build) nothing is checked.
    """
    import io

    try:
        import docutils.core
    except ImportError:
        return []

    stream = io.StringIO()
    docutils.core.publish_doctree(
        rst,
        settings_overrides={
            "report_level": 2,
            "halt_level": 5,
            "warning_stream": stream,
        },
    )
    return stream.getvalue().splitlines()


def _natural(path: Path) -> list:
    """Sort key putting ``budget40`` before ``budget100``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.stem)]


def write_benchmark_tables(results: Path, out_dir: Path) -> dict[str, list[str]]:
    """Write ``benchmarks_<group>.inc`` for each group of results files.

    Each results file becomes a subsection (titled by its first heading,
    underlined with ``-``) of the page that includes its group; an empty
    group gives an empty file (the search group says that nothing is there).
    Returns group -> names of the files included.
    """
    groups: dict[str, list[str]] = {g: [] for g, _ in BENCHMARK_GROUPS}
    files = sorted(results.glob("*.md"), key=_natural) if results.is_dir() else []
    for md in files:
        group = next(
            g for g, pattern in BENCHMARK_GROUPS if re.search(pattern, md.stem)
        )
        groups[group].append(md.stem)
        title, body = _title_and_body(
            md.read_text(encoding="utf-8"), md.stem.replace("_", " ")
        )
        title = _inline(title)
        rst = markdown_to_rst(body)
        problems = rst_problems(rst)
        if problems:
            # A results file this converter cannot render cleanly must not
            # break the -W build: show it verbatim instead, and say why.
            print(f"{md.name}: shown as text ({problems[0].strip()})")
            rst = ".. code-block:: text\n\n" + "".join(
                f"   {line}\n" if line.strip() else "\n" for line in body.splitlines()
            )
        text = f"{title}\n{'-' * len(title)}\n\n{rst}"
        _write_if_changed(out_dir / f"bench_{md.stem}.inc", text)
    del groups["skip"]
    for group, names in groups.items():
        parts = [f".. include:: /gen_modules/bench_{name}.inc\n" for name in names]
        if not parts and group == "search":
            parts = ["*No benchmark results have been committed yet.*\n"]
        _write_if_changed(out_dir / f"benchmarks_{group}.inc", "\n".join(parts))
    return groups


def _write_if_changed(path: Path, text: str) -> None:
    # Rewriting an unchanged file would make Sphinx rebuild every page using it.
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
