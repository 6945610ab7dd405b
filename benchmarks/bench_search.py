"""Side-by-side benchmark of hyperparameter searchers (Bayesmark style).

Every searcher gets the same tasks, budget (evaluated candidates), seeds,
train/test split, CV splitter and scoring, and runs with ``n_jobs=1`` under a
one-thread BLAS/OpenMP limit. Raw rows go to
``<out>/<prefix>_budget<B>.json`` and ``.csv`` after every run; the markdown
report ``<out>/<prefix>_budget<B>.md`` is rewritten at the end for every budget
found in ``<out>`` (so all budgets share one "best ever seen" reference).

Usage::

    python benchmarks/bench_search.py --budget 40 --seeds 0 1 2 \\
        --searchers random skopt optuna bayes --tasks all --out benchmarks/results/
    python benchmarks/bench_search.py --quick          # 2 tasks, budget 10, seed 0
    python benchmarks/bench_search.py --report-only    # re-render from raw rows

See ``benchmarks/README.md`` for the column definitions.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import math
import re
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    QUICK_TASKS,
    SEARCHERS,
    TASKS,
    RunResult,
    check_choices,
    ga_population_size,
    machine,
    run_one,
)

KEY = ("task", "searcher", "seed", "budget")
PEER_PACKAGES = [
    "scikit-learn",
    "numpy",
    "scipy",
    "skhypertune",
    "scikit-optimize",
    "optuna",
    "optuna-integration",
    "sklearn-genetic-opt",
]


# --------------------------------------------------------------------------
# Raw rows
# --------------------------------------------------------------------------


def _raw_path(out: Path, prefix: str, budget: int, ext: str) -> Path:
    return out / f"{prefix}_budget{budget}.{ext}"


def _versions() -> dict:
    found = {}
    for name in PEER_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def load_rows(path: Path) -> tuple[list[dict], dict]:
    if not path.exists():
        return [], {}
    data = json.loads(path.read_text())
    return data["rows"], data.get("meta", {})


def save_rows(out: Path, prefix: str, budget: int, rows: list[dict], meta: dict):
    rows = sorted(rows, key=lambda r: tuple(r[k] for k in KEY))
    _raw_path(out, prefix, budget, "json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=1, allow_nan=True)
    )
    with _raw_path(out, prefix, budget, "csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(RunResult.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(rows)


# --------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------


def _mean(values) -> float:
    values = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.mean(values)) if values else math.nan


def _median(values) -> float:
    values = [v for v in values if not math.isnan(v)]
    return float(np.median(values)) if values else math.nan


def _sem(values) -> float:
    values = [v for v in values if not math.isnan(v)]
    if len(values) < 2:
        return math.nan
    return float(np.std(values, ddof=1) / math.sqrt(len(values)))


def _normalise(value: float, zero: float, hundred: float) -> float:
    # A task where random search already finds the best score has no scale.
    if math.isnan(value) or math.isnan(zero) or not hundred - zero > 1e-9:
        return math.nan
    return 100.0 * (value - zero) / (hundred - zero)


def references(all_rows: list[dict]) -> dict:
    """Per task, the best CV and test score ever seen over every row given."""
    best: dict[str, dict[str, float]] = defaultdict(
        lambda: {"cv": -math.inf, "test": -math.inf}
    )
    for r in all_rows:
        if r["status"] == "ok":
            ref = best[r["task"]]
            ref["cv"] = max(ref["cv"], r["best_cv"])
            ref["test"] = max(ref["test"], r["test_score"])
            # Seeds change the split, so each seed also gets its own reference.
            seed_key = f"cv_seed{r['seed']}"
            ref[seed_key] = max(ref.get(seed_key, -math.inf), r["best_cv"])
    return best


def summarise(rows: list[dict], refs: dict) -> dict:
    """Per (task, searcher) and per searcher aggregates for one budget."""
    ok = [r for r in rows if r["status"] == "ok"]
    random_rows = [r for r in ok if r["searcher"] == "random"]
    zero_cv = {
        t: _mean([r["best_cv"] for r in random_rows if r["task"] == t]) for t in refs
    }
    zero_test = {
        t: _mean([r["test_score"] for r in random_rows if r["task"] == t]) for t in refs
    }
    random_wall = {(r["task"], r["seed"]): r["wall_time"] for r in random_rows}
    test = _test_scores(ok)
    # 100 = the best CV score seen on each seed, averaged over the seeds random
    # search ran: a seed fixes the split and folds, so a maximum over all seeds
    # would mix splits and grow with the number of seeds.
    hundred_cv = {
        t: _mean(
            [refs[t][f"cv_seed{r['seed']}"] for r in random_rows if r["task"] == t]
        )
        for t in refs
    }
    for r in ok:
        r["norm_cv"] = _normalise(
            r["best_cv"], zero_cv[r["task"]], hundred_cv[r["task"]]
        )
        r["norm_cv_pooled"] = _normalise(
            r["best_cv"], zero_cv[r["task"]], refs[r["task"]]["cv"]
        )
        r["norm_test"] = _normalise(
            r["test_score"], zero_test[r["task"]], refs[r["task"]]["test"]
        )
        base = random_wall.get((r["task"], r["seed"]))
        r["wall_ratio"] = r["wall_time"] / base if base else math.nan

    cells: dict[tuple[str, str], dict] = {}
    for (task, name), group in _group(ok, "task", "searcher").items():
        cells[task, name] = {
            "norm_cv": _mean([r["norm_cv"] for r in group]),
            "norm_cv_pooled": _mean([r["norm_cv_pooled"] for r in group]),
            "best_cv": _mean([r["best_cv"] for r in group]),
            "test": _mean([r["test_score"] for r in group]),
            "norm_test": _mean([r["norm_test"] for r in group]),
            "n": len(group),
        }

    # Tasks every searcher with any successful run covered, for a like-for-like
    # mean when some searcher ran on a subset or failed on a task.
    covered = [{t for (t, n) in cells if n == name} for name in {n for _, n in cells}]
    common = set.intersection(*covered) if covered else set()

    per_searcher = {}
    for name in sorted({r["searcher"] for r in rows}, key=_searcher_order):
        mine = [r for r in ok if r["searcher"] == name]
        tasks = sorted({r["task"] for r in mine})
        task_norm = [cells[t, name]["norm_cv"] for t in tasks]
        ratios = [r["wall_ratio"] for r in mine if r["wall_ratio"] > 0]
        failed = [r for r in rows if r["searcher"] == name and r["status"] != "ok"]
        # Paired with random search on the same task and seed (same split),
        # so the split-to-split spread of test scores cancels.
        vs_random = _test_diffs(test, name, "random")
        per_searcher[name] = {
            "norm_cv": _mean(task_norm),
            "norm_cv_sem": _sem(task_norm),
            "norm_cv_median": _median(task_norm),
            "norm_cv_common": _mean([cells[t, name]["norm_cv"] for t in common]),
            "norm_cv_pooled": _mean([cells[t, name]["norm_cv_pooled"] for t in tasks]),
            "test": _mean([cells[t, name]["test"] for t in tasks]),
            "norm_test": _mean([cells[t, name]["norm_test"] for t in tasks]),
            "test_vs_random": _mean(vs_random),
            "test_vs_random_sem": _sem(vs_random),
            "wall_ratio": float(np.exp(np.mean(np.log(ratios))))
            if ratios
            else math.nan,
            "wall_total": float(np.sum([r["wall_time"] for r in mine])),
            "overhead_ms": _mean([r["overhead_ms"] for r in mine]),
            "overhead_max_ms": max((r["overhead_ms"] for r in mine), default=math.nan),
            "n_eval_mean": _mean([r["n_evaluated"] for r in mine]),
            "n_eval_min": min((r["n_evaluated"] for r in mine), default=0),
            "n_eval_max": max((r["n_evaluated"] for r in mine), default=0),
            "dup_rate": _mean([r["duplicate_rate"] for r in mine]),
            "n_ok": len(mine),
            "n_runs": len(mine) + len(failed),
            "n_tasks": len(tasks),
            "errors": sorted({r["error"] for r in failed}),
        }
    return {
        "cells": cells,
        "per_searcher": per_searcher,
        "zero_cv": zero_cv,
        "common": sorted(common),
    }


def _group(rows: list[dict], *keys: str) -> dict:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[tuple(r[k] for k in keys)].append(r)
    return groups


def _searcher_order(name: str):
    order = list(SEARCHERS)
    return (order.index(name) if name in order else len(order), name)


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------


def _fmt(value: float, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{round(value, digits) + 0.0:.{digits}f}"  # never print -0.0


def _table(header: list[str], lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return "\n".join(out)


def render(budget: int, rows: list[dict], refs: dict, meta: dict) -> str:
    s = summarise(rows, refs)
    names = list(s["per_searcher"])
    tasks = [t for t in TASKS if any(r["task"] == t for r in rows)]
    tasks += sorted({r["task"] for r in rows} - set(tasks))
    seeds = sorted({r["seed"] for r in rows})

    summary_lines = []
    for name in names:
        p = s["per_searcher"][name]
        if p["n_eval_min"] == p["n_eval_max"]:
            cands = str(p["n_eval_min"])
        else:
            cands = f"{p['n_eval_mean']:.1f} ({p['n_eval_min']}–{p['n_eval_max']})"
        fails = f"{p['n_runs'] - p['n_ok']}/{p['n_runs']}"
        summary_lines.append(
            [
                f"**{name}**",
                f"{_fmt(p['norm_cv'])} ± {_fmt(p['norm_cv_sem'])}",
                _fmt(p["norm_cv_median"]),
                _fmt(p["norm_cv_common"]),
                str(p["n_tasks"]),
                _fmt(p["norm_cv_pooled"]),
                _fmt(p["test"], 4),
                _fmt(p["norm_test"]),
                f"{p['test_vs_random']:+.4f} ± {p['test_vs_random_sem']:.4f}",
                _fmt(p["wall_ratio"], 2),
                _fmt(p["wall_total"], 0),
                _fmt(p["overhead_ms"]),
                _fmt(p["overhead_max_ms"]),
                cands,
                _fmt(100 * p["dup_rate"]),
                fails,
            ]
        )

    ran = {(r["task"], r["searcher"]) for r in rows}

    def task_table(metric: str, digits: int) -> str:
        lines = []
        for t in tasks:
            line = [t]
            for name in names:
                cell = s["cells"].get((t, name))
                if cell:
                    line.append(_fmt(cell[metric], digits))
                else:
                    line.append("failed" if (t, name) in ran else "not run")
            lines.append(line)
        return _table(["task"] + names, lines)

    ref_lines = [
        [
            t,
            TASKS[t].scoring if t in TASKS else "?",
            _fmt(s["zero_cv"].get(t, math.nan), 4),
            _fmt(refs[t]["cv"], 4),
            TASKS[t].description if t in TASKS else "",
        ]
        for t in tasks
    ]

    failures = []
    for name in names:
        for err in s["per_searcher"][name]["errors"]:
            failures.append(f"- **{name}**: `{err}`")

    commands = "\n".join(
        f"    {c}" for c in meta.get("commands", [meta.get("command", "?")])
    )
    run_minutes = meta.get("run_seconds", math.nan) / 60
    versions = ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items())
    parts = [
        f"# Search benchmark, budget {budget}",
        "",
        f"Generated {meta.get('date', '?')} on {meta.get('machine', '?')} by",
        "",
        commands,
        "",
        f"Total run time of these invocations: {_fmt(run_minutes)} min.",
        f"Versions: {versions}.",
        "",
        f"{len(tasks)} tasks x {len(seeds)} seeds (seeds {seeds}), "
        f"{budget} candidates per search, {meta.get('cv', '?')}, n_jobs=1.",
        "Normalised score: RandomizedSearchCV's mean best CV score at this budget "
        "= 0; 100 = the best CV score ever seen on the task with the same seed "
        "(any searcher or budget in the raw results; a seed fixes the split and "
        "folds), averaged over seeds. Columns are defined in "
        "`benchmarks/README.md`.",
        "",
        "## Summary per searcher",
        "",
        _table(
            [
                "searcher",
                "norm. CV score ± s.e. (tasks)",
                "median over tasks",
                f"on the {len(s['common'])} common tasks",
                "tasks",
                "norm. CV, one 100 for all seeds",
                "test score",
                "norm. test",
                "test − random (paired ± s.e.)",
                "wall / random (geo-mean)",
                "total wall s",
                "overhead ms/cand.",
                "max overhead ms",
                "candidates",
                "dup. %",
                "failed runs",
            ],
            summary_lines,
        ),
        "",
        "## Normalised CV score per task (mean over seeds)",
        "",
        task_table("norm_cv", 1),
        "",
        "## Best CV score per task (mean over seeds)",
        "",
        task_table("best_cv", 4),
        "",
        "## Held-out test score of the refit best estimator (mean over seeds)",
        "",
        task_table("test", 4),
        "",
        "## Held-out test score, paired differences",
        "",
        "Row searcher minus column searcher, mean over the (task, seed) pairs "
        "both ran (same split and folds) ± standard error over those pairs. A "
        "difference within about two standard errors is not distinguishable "
        "from which seeds were drawn.",
        "",
        _paired_test_table(rows, names),
        "",
        "## References per task",
        "",
        _table(
            ["task", "scoring", "random mean (0)", "best seen (100)", "setup"],
            ref_lines,
        ),
        "",
        "## Failures",
        "",
        "\n".join(failures) if failures else "None.",
        "",
    ]
    return "\n".join(parts)


def _test_scores(rows: list[dict]) -> dict:
    """Held-out test score of each successful (searcher, task, seed) run."""
    return {
        (r["searcher"], r["task"], r["seed"]): r["test_score"]
        for r in rows
        if r["status"] == "ok"
    }


def _test_diffs(test: dict, a: str, b: str) -> list[float]:
    """Test score of ``a`` minus ``b`` on every (task, seed) both ran."""
    return [
        v - test[b, t, seed]
        for (name, t, seed), v in test.items()
        if name == a and (b, t, seed) in test
    ]


def _paired_test_table(rows: list[dict], names: list[str]) -> str:
    test = _test_scores(rows)
    lines = []
    for a in names:
        line = [f"**{a}**"]
        for b in names:
            diffs = _test_diffs(test, a, b)
            if a == b or not diffs:
                line.append("")
            else:
                line.append(f"{_mean(diffs):+.4f} ± {_sem(diffs):.4f}")
        lines.append(line)
    return _table(["searcher"] + names, lines)


def render_all(out: Path, prefix: str) -> list[Path]:
    """Rewrite the markdown report of every budget found in ``out``."""
    per_budget = {}
    for path in sorted(out.glob(f"{prefix}_budget*.json")):
        match = re.fullmatch(rf"{re.escape(prefix)}_budget(\d+)\.json", path.name)
        if match:
            per_budget[int(match.group(1))] = load_rows(path)
    refs = references([r for rows, _ in per_budget.values() for r in rows])
    written = []
    for budget, (rows, meta) in sorted(per_budget.items()):
        md = _raw_path(out, prefix, budget, "md")
        md.write_text(render(budget, rows, refs, meta))
        written.append(md)
    return written


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, nargs="+", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--searchers", nargs="+", default=["all"])
    parser.add_argument("--tasks", nargs="+", default=["all"])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 2 cheap tasks, budget 10 and seed 0 unless given; "
        "writes search_quick_* files",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep existing raw rows and run only the missing or failed ones",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="re-render reports from raw rows"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.budget = args.budget or [10]
        args.seeds = args.seeds if args.seeds is not None else [0]
        if args.tasks == ["all"]:
            args.tasks = QUICK_TASKS
    args.budget = args.budget or [40]
    args.seeds = args.seeds if args.seeds is not None else [0, 1, 2]
    args.tasks = list(TASKS) if args.tasks == ["all"] else args.tasks
    args.searchers = list(SEARCHERS) if args.searchers == ["all"] else args.searchers
    check_choices(
        parser, task=(args.tasks, TASKS), searcher=(args.searchers, SEARCHERS)
    )
    args.prefix = "search_quick" if args.quick else "search"
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        for path in render_all(args.out, args.prefix):
            print(f"wrote {path}")
        return 0

    meta = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python benchmarks/bench_search.py "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine(cores=True),
        "versions": _versions(),
        "cv": "StratifiedKFold/KFold(3, shuffle=True, random_state=seed)",
    }
    start = time.perf_counter()
    for budget in args.budget:
        rows, old_meta = load_rows(_raw_path(args.out, args.prefix, budget, "json"))
        budget_meta = dict(meta, commands=[meta["command"]], run_seconds=0.0)
        if args.resume:
            rows = [r for r in rows if r["status"] == "ok"]
            # Keep the history so the report names every invocation it shows.
            budget_meta["commands"] = (
                old_meta.get("commands", [old_meta.get("command", "?")])
                + budget_meta["commands"]
            )
            budget_meta["run_seconds"] = old_meta.get("run_seconds", 0.0)
        else:
            rows = []
        budget_start = time.perf_counter()
        previous_seconds = budget_meta["run_seconds"]
        done = {tuple(r[k] for k in KEY) for r in rows}
        if "ga" in args.searchers:
            print(f"GASearchCV population_size={ga_population_size(budget)}")
        for task_name in args.tasks:
            for seed in args.seeds:
                for name in args.searchers:
                    if (task_name, name, seed, budget) in done:
                        continue
                    t0 = time.perf_counter()
                    # Peers print progress; keep the log to our own lines.
                    with contextlib.redirect_stdout(io.StringIO()):
                        with threadpool_limits(limits=1):
                            row = run_one(
                                TASKS[task_name], SEARCHERS[name], budget, seed
                            )
                    rows.append(row.as_dict())
                    print(
                        f"[{time.perf_counter() - start:7.1f}s] budget={budget} "
                        f"{task_name} seed={seed} {name}: {row.status} "
                        f"best_cv={row.best_cv:.4f} test={row.test_score:.4f} "
                        f"n={row.n_evaluated} overhead={row.overhead_ms:.1f}ms "
                        f"({time.perf_counter() - t0:.1f}s) {row.error}",
                        flush=True,
                    )
                    budget_meta["run_seconds"] = (
                        previous_seconds + time.perf_counter() - budget_start
                    )
                    save_rows(args.out, args.prefix, budget, rows, budget_meta)
    for path in render_all(args.out, args.prefix):
        print(f"wrote {path}")
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
