"""Multi-objective search: hypervolume of (CV score, mean fit time), issue 14.

Five searchers look for the trade-off between the CV score (maximised) and
the mean fit time of a candidate (minimised) at budgets 40 and 100 evaluated
candidates, side by side in one run:

* ``random``: RandomizedSearchCV; its ``cv_results_`` are the evaluations;
* ``bayes`` / ``evolution``: BayesSearchCV / EvolutionSearchCV with
  ``objectives=["score", "fit_time"]``;
* ``optuna_nsga2`` / ``optuna_tpe``: Optuna's NSGAIISampler / TPESampler in
  multi-objective mode, called directly (``optuna.create_study(directions=
  ["maximize", "minimize"])``, an objective that cross-validates the
  estimator with ``sklearn.model_selection.cross_validate`` and returns the
  mean test score and the mean fit time).

Tasks, training data, CV splitter and scoring per task and seed are the
search benchmark's (``common.TASKS``): every searcher sees the same splits.
By default three tasks whose hyperparameters move the fit time most (MLP
width and batch size, boosting iterations and leaves, forest size and depth),
3 seeds; ``hgb_friedman1`` (as strongly time-driven, but the same estimator
family as ``hgb_classification``) is left out to keep a full run near 12
minutes with ``--jobs 2``.

Hypervolume, per task, seed and budget: the evaluations of all searchers at
that budget are pooled; the score is scaled so that the worst pooled score is
0 and the best 1, log10(mean fit time) so that the slowest is 0 and the
fastest 1; the hypervolume of each searcher's own evaluations is then taken
with the reference point (-0.01, -0.01) (so the best-scoring and the fastest
candidates count even when they are also the slowest or the worst), with
``skhypertune.pareto.hypervolume``. Its largest possible value is
1.01 ** 2 = 1.0201.

Fit times are measured on this host in one run, every searcher alike (one
after another in the same process for a task and seed, one BLAS thread), so
the ratios between searchers are comparable; the absolute values are not.

Usage::

    python benchmarks/bench_multiobjective.py            # 3 tasks, seeds 0-2, 40 100
    python benchmarks/bench_multiobjective.py --jobs 2   # 2 (task, seed) at a time
    python benchmarks/bench_multiobjective.py --tasks mlp_digits --seeds 0 --budget 40
    python benchmarks/bench_multiobjective.py --resume   # only missing or failed rows
    python benchmarks/bench_multiobjective.py --report-only
    python benchmarks/bench_multiobjective.py --quick    # svc_digits, seed 0, budget 6

Writes ``results/multiobjective.json`` (one row per searcher, task, seed and
budget with every evaluated (score, fit time), after every task and seed) and
``results/multiobjective.md``; ``--quick`` writes ``multiobjective_quick.*``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_portfolio import _fmt
from bench_search import _mean, _sem, _table, _versions
from common import (
    SEARCHERS,
    TASKS,
    Task,
    _build_optuna,
    _build_skhypertune,
    _short_error,
    check_choices,
    continue_run,
    machine,
    quiet_fit_warnings,
    run_record_lines,
)

from skhypertune.pareto import hypervolume, pareto_front

BUDGETS = [40, 100]
SEEDS = [0, 1, 2]
#: Tasks whose hyperparameters drive the fit time (5-14x between the fastest
#: and the slowest of 30 random candidates), each candidate's 3-fold CV
#: 0.15-0.3 s. Longest first, so that ``--jobs 2`` ends both workers together.
DEFAULT_TASKS = ["mlp_digits", "hgb_classification", "rf_breast_cancer"]
QUICK = {"tasks": ["svc_digits"], "seeds": [0], "budget": [6]}
OBJECTIVES = ["score", "fit_time"]
#: Reference point of the normalised hypervolume, in both coordinates.
REFERENCE = -0.01
KEY = ("task", "method", "seed", "budget")

# --------------------------------------------------------------------------
# Searchers: each returns the (mean CV score, mean fit time) of every
# evaluated candidate, in evaluation order
# --------------------------------------------------------------------------

Evaluate = Callable[[Task, np.ndarray, np.ndarray, object, int, int], tuple]


def _sklearn_search(build) -> Evaluate:
    """A scikit-learn style search built by ``common``; reads its cv_results_."""

    def run(task, X, y, cv, budget, seed):
        search = build(
            task, task.make_estimator(seed), task.make_space(), cv, budget, seed
        )
        # Nothing here uses a refitted model; skip the refit's time.
        search.set_params(refit=False)
        search.fit(X, y)
        res = search.cv_results_
        return np.asarray(res["mean_test_score"], float), np.asarray(
            res["mean_fit_time"], float
        )

    return run


def _suggest(trial, name: str, dist):
    from optuna.distributions import CategoricalDistribution, IntDistribution

    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, log=dist.log)
    return trial.suggest_float(name, dist.low, dist.high, log=dist.log)


def _optuna_study(sampler_name: str) -> Evaluate:
    """Optuna's ``sampler_name`` on both objectives, without OptunaSearchCV."""

    def run(task, X, y, cv, budget, seed):
        import optuna
        from sklearn.model_selection import cross_validate

        # The search benchmark's OptunaSearchCV holds the task's space as
        # Optuna distributions (common.convert_space); use exactly those.
        dists = _build_optuna(
            task, task.make_estimator(seed), task.make_space(), cv, budget, seed
        ).param_distributions
        sampler = getattr(optuna.samplers, sampler_name)(seed=seed)
        study = optuna.create_study(
            directions=["maximize", "minimize"], sampler=sampler
        )
        scores, fit_times = [], []

        def objective(trial):
            params = {name: _suggest(trial, name, d) for name, d in dists.items()}
            estimator = task.make_estimator(seed).set_params(**params)
            res = cross_validate(estimator, X, y, cv=cv, scoring=task.scoring, n_jobs=1)
            score, fit_time = np.mean(res["test_score"]), np.mean(res["fit_time"])
            # Recorded here too: Optuna keeps no values of a failed (NaN) trial.
            scores.append(float(score))
            fit_times.append(float(fit_time))
            return float(score), float(fit_time)

        study.optimize(objective, n_trials=budget)
        return np.array(scores), np.array(fit_times)

    return run


METHODS: dict[str, Evaluate] = {
    "random": _sklearn_search(SEARCHERS["random"].build),
    "bayes": _sklearn_search(
        _build_skhypertune("BayesSearchCV", objectives=OBJECTIVES)
    ),
    "evolution": _sklearn_search(
        _build_skhypertune("EvolutionSearchCV", objectives=OBJECTIVES)
    ),
    # Library defaults, as everywhere in these benchmarks: NSGAIISampler's
    # population_size is 50, so at budget 40 it evaluates only its first,
    # random, generation.
    "optuna_nsga2": _optuna_study("NSGAIISampler"),
    "optuna_tpe": _optuna_study("TPESampler"),
}


def run_method(task_name: str, method: str, seed: int, budget: int) -> dict:
    """One searcher on one task, seed and budget: a raw row (never raises)."""
    task = TASKS[task_name]
    X, _, y, _ = task.split(seed)
    row = {
        "task": task_name,
        "method": method,
        "seed": seed,
        "budget": budget,
        "status": "ok",
        "error": "",
        "wall_time": math.nan,
        "n_evaluated": 0,
        "score": [],
        "fit_time": [],
    }
    try:
        # Peers print progress; keep the log to our own lines.
        with contextlib.redirect_stdout(io.StringIO()), quiet_fit_warnings():
            with threadpool_limits(limits=1):
                start = time.perf_counter()
                scores, fit_times = METHODS[method](
                    task, X, y, task.cv(seed), budget, seed
                )
                row["wall_time"] = time.perf_counter() - start
        row["n_evaluated"] = len(scores)
        row["score"] = [None if math.isnan(s) else round(s, 10) for s in scores]
        row["fit_time"] = [float(f"{t:.6g}") for t in fit_times]
    except Exception as exc:  # a failing searcher is a result, not a crash
        row["status"] = "failed"
        row["error"] = _short_error(exc)
        traceback.print_exc()
    return row


def run_group(job: tuple) -> list[dict]:
    """Every missing (method, budget) of one task and seed, one after another.

    The methods' order is rotated from seed to seed, so that a slow drift of
    the host's speed does not always favour the same searcher's fit times.
    """
    task_name, seed, budgets, methods, done, t0 = job
    shift = seed % len(methods)
    order = methods[shift:] + methods[:shift]
    rows = []
    for budget in budgets:
        for method in order:
            if (task_name, method, seed, budget) in done:
                continue
            start = time.perf_counter()
            row = run_method(task_name, method, seed, budget)
            rows.append(row)
            best = max((s for s in row["score"] if s is not None), default=math.nan)
            print(
                f"[{time.time() - t0:7.1f}s] budget={budget} {task_name} "
                f"seed={seed} {method}: {row['status']} n={row['n_evaluated']} "
                f"best={best:.4f} ({time.perf_counter() - start:.1f}s) {row['error']}",
                flush=True,
            )
    return rows


# --------------------------------------------------------------------------
# Hypervolume
# --------------------------------------------------------------------------


def _points(row: dict) -> np.ndarray:
    """(score, fit time) of a row's evaluations with both finite, shape (n, 2)."""
    score = np.array([np.nan if s is None else s for s in row["score"]], float)
    fit_time = np.asarray(row["fit_time"], float)
    ok = np.isfinite(score) & np.isfinite(fit_time)
    return np.column_stack([score[ok], np.maximum(fit_time[ok], 1e-6)])


def normalise(points: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Scale every method's points by the union of all methods' points.

    Score: worst pooled -> 0, best -> 1. log10(fit time): slowest -> 0,
    fastest -> 1. Both are then maximised. A coordinate with no spread maps
    to 1.
    """
    pooled = np.vstack([p for p in points.values() if len(p)] or [np.empty((0, 2))])
    if not len(pooled):
        return {m: p.copy() for m, p in points.items()}
    s_lo, s_hi = pooled[:, 0].min(), pooled[:, 0].max()
    lt = np.log10(pooled[:, 1])
    t_lo, t_hi = lt.min(), lt.max()

    def scale(v, lo, hi):
        return (v - lo) / (hi - lo) if hi - lo > 0 else np.ones_like(v)

    return {
        m: np.column_stack(
            [scale(p[:, 0], s_lo, s_hi), 1.0 - scale(np.log10(p[:, 1]), t_lo, t_hi)]
        )
        for m, p in points.items()
    }


def group_metrics(rows: list[dict]) -> dict[str, dict]:
    """Per method of one (task, seed, budget): hypervolume and front counts."""
    ok = {r["method"]: r for r in rows if r["status"] == "ok"}
    raw = {m: _points(r) for m, r in ok.items()}
    norm = normalise(raw)
    pooled = np.vstack([p for p in norm.values() if len(p)] or [np.empty((0, 2))])
    owners = [m for m, p in norm.items() for _ in range(len(p))]
    joint = [owners[i] for i in pareto_front(pooled)] if len(pooled) else []
    out = {}
    for m, p in norm.items():
        out[m] = {
            "hv": hypervolume(p, [REFERENCE, REFERENCE]) if len(p) else 0.0,
            "front": len(pareto_front(p)) if len(p) else 0,
            "joint": joint.count(m),
            "n": len(p),
        }
    return out


def analyse(rows: list[dict]) -> dict:
    """Hypervolume of every run, keyed (budget, task, seed) -> method -> metrics."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["budget"], r["task"], r["seed"]), []).append(r)
    return {key: group_metrics(group) for key, group in sorted(groups.items())}


def _ranges(rows: list[dict]) -> dict:
    """(budget, task) -> mean over seeds of the pooled score and fit-time range."""
    per: dict[tuple, list] = {}
    for r in rows:
        if r["status"] == "ok":
            per.setdefault((r["budget"], r["task"], r["seed"]), []).append(_points(r))
    out: dict[tuple, list] = {}
    for (b, t, _), pts in per.items():
        p = np.vstack(pts)
        if len(p):
            out.setdefault((b, t), []).append(
                [p[:, 0].min(), p[:, 0].max(), p[:, 1].min(), p[:, 1].max()]
            )
    return {k: np.mean(v, axis=0) for k, v in out.items()}


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def render(rows: list[dict], meta: dict) -> str:
    metrics = analyse(rows)
    methods = [m for m in METHODS if any(r["method"] == m for r in rows)]
    budgets = sorted({r["budget"] for r in rows})
    tasks = [t for t in TASKS if any(r["task"] == t for r in rows)]
    seeds = sorted({r["seed"] for r in rows})

    def values(budget, method, key="hv", task=None):
        return [
            g[method][key]
            for (b, t, _), g in metrics.items()
            if b == budget and method in g and (task is None or t == task)
        ]

    def ratios(budget, method):
        return [
            g[method]["hv"] / g["random"]["hv"]
            for (b, _, _), g in metrics.items()
            if b == budget and method in g and "random" in g and g["random"]["hv"] > 0
        ]

    summary = []
    for m in methods:
        line = [f"**{m}**"]
        for b in budgets:
            hv = values(b, m)
            line.append(f"{_fmt(_mean(hv), 3)} ± {_fmt(_sem(hv), 3)}")
        for b in budgets:
            rs = ratios(b, m)
            line.append(f"{_fmt(_mean(rs), 2)} ± {_fmt(_sem(rs), 2)}")
        for b in budgets:
            front, joint = values(b, m, "front"), values(b, m, "joint")
            line.append(f"{_fmt(_mean(front))} / {_fmt(_mean(joint))}")
        for b in budgets:
            n = values(b, m, "n")
            lo, hi = min(n, default=0), max(n, default=0)
            line.append(str(lo) if lo == hi else f"{lo}–{hi}")
        summary.append(line)
    header = ["method"]
    header += [f"hypervolume, budget {b}" for b in budgets]
    header += [f"/ random, budget {b}" for b in budgets]
    header += [f"own front / on joint front, budget {b}" for b in budgets]
    header += [f"candidates, budget {b}" for b in budgets]

    win_tables = []
    for b in budgets:
        lines = []
        for a in methods:
            line = [f"**{a}**"]
            for c in methods:
                pairs = [
                    g[a]["hv"] - g[c]["hv"]
                    for (bb, _, _), g in metrics.items()
                    if bb == b and a in g and c in g
                ]
                wins = sum(d > 1e-12 for d in pairs)
                losses = sum(d < -1e-12 for d in pairs)
                line.append("" if a == c else f"{wins} / {losses} of {len(pairs)}")
            lines.append(line)
        win_tables.append(
            f"### Budget {b}\n\n" + _table(["method"] + methods, lines) + "\n"
        )

    task_tables = []
    for b in budgets:
        lines = []
        for t in tasks:
            line = [t]
            for m in methods:
                hv = values(b, m, task=t)
                line.append(
                    f"{_fmt(_mean(hv), 3)} ± {_fmt(_sem(hv), 3)}" if hv else "–"
                )
            lines.append(line)
        task_tables.append(
            f"### Budget {b}\n\n" + _table(["task"] + methods, lines) + "\n"
        )

    ranges = _ranges(rows)
    range_lines = []
    for t in tasks:
        for b in budgets:
            if (b, t) not in ranges:
                continue
            s_lo, s_hi, f_lo, f_hi = ranges[b, t]
            range_lines.append(
                [
                    t,
                    str(b),
                    TASKS[t].scoring if t in TASKS else "?",
                    f"{_fmt(s_lo, 4)} – {_fmt(s_hi, 4)}",
                    f"{_fmt(1000 * f_lo)} – {_fmt(1000 * f_hi)}",
                    TASKS[t].description if t in TASKS else "",
                ]
            )

    failed = [r for r in rows if r["status"] != "ok"]
    box = (1 - REFERENCE) ** 2
    parts = [
        "# Multi-objective search: hypervolume of (CV score, fit time), budgets "
        + ", ".join(map(str, budgets)),
        "",
        *run_record_lines(meta),
        f"{len(tasks)} tasks x {len(seeds)} seeds (seeds {seeds}) x budgets "
        f"{budgets} evaluated candidates; tasks, training data, CV splits and "
        "scoring of the search benchmark (`common.TASKS`), the same for every "
        "method on a task and seed; n_jobs=1, one BLAS thread. Objectives: "
        "mean CV score (maximised) and mean fit time per fold (minimised). "
        "`random` = RandomizedSearchCV; `bayes` / `evolution` = BayesSearchCV / "
        'EvolutionSearchCV with `objectives=["score", "fit_time"]`; '
        "`optuna_nsga2` / `optuna_tpe` = an Optuna study with "
        '`directions=["maximize", "minimize"]` and NSGAIISampler / TPESampler '
        "(seeded, library defaults: NSGA-II's first generation of 50 is random, "
        "so at budget 40 it is a random search), evaluating each trial with "
        "`cross_validate`.",
        "",
        "**Fit times are measured on this host in one run** (for a task and "
        "seed, all methods one after another in the same process, in an order "
        "rotated from seed to seed), all methods alike, so the comparisons "
        "between methods are fair; the absolute times are not portable.",
        "",
        "Normalised hypervolume, per task, seed and budget: the evaluations of "
        "all methods at that budget are pooled; the CV score is scaled so that "
        "the worst pooled score is 0 and the best 1, log10(mean fit time) so "
        "that the slowest is 0 and the fastest 1 (both maximised); each "
        "method's hypervolume of its own evaluations is taken with the "
        f"reference point ({REFERENCE}, {REFERENCE}) by "
        "`skhypertune.pareto.hypervolume` (slightly beyond 0, so the "
        "best-scoring and the fastest candidates count even when they are "
        f"also the slowest or the worst). Largest possible value: {box:.4f}.",
        "When the pooled worst score is far below the rest (a diverged MLP; "
        "see the ranges at the end), score differences among good candidates "
        "are small on that scale, and the hypervolume mostly rewards fast "
        "candidates of a reasonable score.",
        "",
        "## Summary",
        "",
        "Hypervolume: mean ± standard error over the (task, seed) runs. "
        "/ random: mean over the same runs of the ratio to RandomizedSearchCV's "
        "hypervolume on the same task and seed (paired) ± its standard error. "
        "Own front: how many of the method's evaluations are on its own Pareto "
        "front; on joint front: how many are on the front of the pooled "
        "evaluations of all methods (mean over runs).",
        "",
        _table(header, summary),
        "",
        "## Wins per pair of methods",
        "",
        "Runs (task, seed) in which the row's hypervolume is above / below the "
        "column's, of the runs both completed.",
        "",
        *win_tables,
        "## Hypervolume per task (mean ± s.e. over seeds)",
        "",
        *task_tables,
        "## Normalisation ranges per task",
        "",
        "The pooled range that 0 and 1 stand for, mean over seeds: worst – best "
        "mean CV score, fastest – slowest mean fit time per fold.",
        "",
        _table(
            ["task", "budget", "scoring", "CV score", "fit time (ms)", "setup"],
            range_lines,
        ),
        "",
        "## Failures",
        "",
        "\n".join(
            f"- {r['method']} {r['task']} seed {r['seed']} budget {r['budget']}: "
            f"`{r['error']}`"
            for r in failed
        )
        or "None.",
        "",
    ]
    return "\n".join(parts)


# --------------------------------------------------------------------------
# Raw rows and command line
# --------------------------------------------------------------------------


def load(path: Path) -> tuple[list[dict], dict]:
    if not path.exists():
        return [], {}
    data = json.loads(path.read_text())
    return data["rows"], data.get("meta", {})


def save(path: Path, rows: list[dict], meta: dict) -> None:
    """Raw rows, one per line (each holds its evaluations' scores and times)."""
    rows = sorted(rows, key=lambda r: tuple(r[k] for k in KEY))
    body = ",\n".join(json.dumps(r, allow_nan=True) for r in rows)
    path.write_text(
        '{"meta": ' + json.dumps(meta, indent=1) + ',\n"rows": [\n' + body + "\n]}\n"
    )


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, nargs="+", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument("--tasks", nargs="+", default=None, help="task names or all")
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="worker processes, each running whole (task, seed) groups",
    )
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "results"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: svc_digits, seed 0, budget 6 unless given; writes "
        "multiobjective_quick.*",
    )
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.tasks = args.tasks or QUICK["tasks"]
        args.seeds = args.seeds if args.seeds is not None else QUICK["seeds"]
        args.budget = args.budget or QUICK["budget"]
    args.tasks = args.tasks or DEFAULT_TASKS
    args.tasks = list(TASKS) if args.tasks == ["all"] else args.tasks
    args.seeds = args.seeds if args.seeds is not None else SEEDS
    args.budget = args.budget or BUDGETS
    check_choices(parser, task=(args.tasks, TASKS), method=(args.methods, METHODS))
    args.prefix = "multiobjective_quick" if args.quick else "multiobjective"
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{args.prefix}.json"
    md = args.out / f"{args.prefix}.md"
    rows, meta = load(path)
    if args.report_only:
        md.write_text(render(rows, meta))
        print(f"wrote {md}")
        return 0
    rows, meta = continue_run(
        "bench_multiobjective.py",
        argv,
        rows,
        meta,
        resume=args.resume,
        jobs=args.jobs,
        versions=_versions(),
        machine=machine(cores=True),
    )
    seconds_before = meta["run_seconds"]
    meta |= {
        "objectives": OBJECTIVES,
        "reference": [REFERENCE, REFERENCE],
        "cv": "StratifiedKFold/KFold(3, shuffle=True, random_state=seed)",
    }
    done = {tuple(r[k] for k in KEY) for r in rows}
    t0 = time.time()
    jobs = [
        (t, seed, args.budget, args.methods, done, t0)
        for t in args.tasks
        for seed in args.seeds
    ]
    start = time.perf_counter()
    pool = ProcessPoolExecutor(args.jobs) if args.jobs > 1 else None
    results = pool.map(run_group, jobs) if pool else map(run_group, jobs)
    try:
        for group in results:
            rows.extend(group)
            meta["run_seconds"] = seconds_before + time.perf_counter() - start
            save(path, rows, meta)
    finally:
        if pool:
            pool.shutdown()
    md.write_text(render(rows, meta))
    print(f"wrote {md}")
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
